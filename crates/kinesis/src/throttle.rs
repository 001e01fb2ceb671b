//! `--kinesis-enforce-limits`: each shard's provisioned throughput, as AWS enforces it, so that
//! users can test their back-off. In: 1,000 records and 1 MiB a second; out: 5 GetRecords calls
//! and 2 MiB a second. Counted in one-second windows of the service's clock (the virtual clock
//! included). Off by default.

use parking_lot::Mutex;
use std::collections::HashMap;

pub const RECORDS_IN: u64 = 1000;
pub const BYTES_IN: u64 = 1024 * 1024;
pub const READS_OUT: u64 = 5;
pub const BYTES_OUT: u64 = 2 * 1024 * 1024;

/// One shard's use in the current second.
#[derive(Debug, Default, Clone, Copy)]
struct Window {
    second: u64,
    records_in: u64,
    bytes_in: u64,
    reads: u64,
    bytes_out: u64,
}

impl Window {
    fn at(&mut self, now_ms: u64) -> &mut Window {
        let second = now_ms / 1000;
        if self.second != second {
            *self = Window { second, ..Window::default() };
        }
        self
    }
}

/// Every shard's window, by (stream id, shard index).
#[derive(Debug, Default)]
pub struct Throttle {
    shards: Mutex<HashMap<(i64, u32), Window>>,
}

impl Throttle {
    /// Admits a record of `bytes` into a shard, counting it; false when the shard's second is
    /// full.
    pub fn admit_put(&self, stream: i64, shard: u32, bytes: u64, now_ms: u64) -> bool {
        let mut shards = self.shards.lock();
        let w = shards.entry((stream, shard)).or_default().at(now_ms);
        if w.records_in + 1 > RECORDS_IN || w.bytes_in + bytes > BYTES_IN {
            return false;
        }
        w.records_in += 1;
        w.bytes_in += bytes;
        true
    }

    /// Admits a GetRecords call on a shard, counting it; false after 5 calls in the second, or
    /// once 2 MiB were read in it.
    pub fn admit_read(&self, stream: i64, shard: u32, now_ms: u64) -> bool {
        let mut shards = self.shards.lock();
        let w = shards.entry((stream, shard)).or_default().at(now_ms);
        if w.reads >= READS_OUT || w.bytes_out >= BYTES_OUT {
            return false;
        }
        w.reads += 1;
        true
    }

    /// Counts bytes a GetRecords call read.
    pub fn read(&self, stream: i64, shard: u32, bytes: u64, now_ms: u64) {
        let mut shards = self.shards.lock();
        shards.entry((stream, shard)).or_default().at(now_ms).bytes_out += bytes;
    }

    /// Forgets a stream's windows (it was deleted).
    pub fn forget(&self, stream: i64) {
        self.shards.lock().retain(|k, _| k.0 != stream);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_fill_and_roll_over() {
        let t = Throttle::default();
        for _ in 0..RECORDS_IN {
            assert!(t.admit_put(1, 0, 10, 5_000));
        }
        assert!(!t.admit_put(1, 0, 10, 5_999), "the 1,001st record in one second");
        assert!(t.admit_put(1, 1, 10, 5_999), "another shard has its own window");
        assert!(t.admit_put(1, 0, 10, 6_000), "the next second");
        assert!(!t.admit_put(2, 0, BYTES_IN + 1, 6_000), "over 1 MiB");
        for _ in 0..READS_OUT {
            assert!(t.admit_read(1, 0, 7_000));
        }
        assert!(!t.admit_read(1, 0, 7_500));
        assert!(t.admit_read(1, 0, 8_000));
        t.read(1, 0, BYTES_OUT, 8_000);
        assert!(!t.admit_read(1, 0, 8_100), "2 MiB read this second");
    }
}
