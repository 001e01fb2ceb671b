//! The hash key space and sequence numbers.
//!
//! A record's hash key is MD5(partition key) read as a 128-bit big-endian integer (or its
//! ExplicitHashKey); a shard owns a contiguous range of the space. Sequence numbers are the
//! 56-digit decimal strings AWS answers: `49` followed by 54 digits of
//! `arrival ms << 64 | shard index << 40 | position`. They increase strictly within a shard (the
//! arrival time never goes back within one, the position always grows) and compare across a
//! stream's shards by time first.

use md5::{Digest, Md5};

/// MD5 of a partition key as a 128-bit integer.
pub fn hash_key(partition_key: &str) -> u128 {
    u128::from_be_bytes(Md5::digest(partition_key.as_bytes()).into())
}

/// `count` contiguous ranges covering the whole key space, the last one taking the remainder
/// (as AWS splits a new stream's space).
pub fn even_ranges(count: u32) -> Vec<(u128, u128)> {
    let count = u128::from(count.max(1));
    if count == 1 {
        return vec![(0, u128::MAX)];
    }
    // floor(2^128 / count), without 2^128.
    let width = u128::MAX / count + if u128::MAX % count == count - 1 { 1 } else { 0 };
    (0..count)
        .map(|i| {
            let start = width * i;
            let end = if i == count - 1 { u128::MAX } else { width * (i + 1) - 1 };
            (start, end)
        })
        .collect()
}

/// An explicit hash key as AWS accepts it: a decimal integer within the 128-bit space.
pub fn parse_hash_key(text: &str) -> Option<u128> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

const POSITION_BITS: u32 = 40;
const SHARD_BITS: u32 = 24;

/// A sequence number's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seq {
    pub ms: u64,
    pub shard: u32,
    /// The ordinal: a record's position plus one; 0 is the shard's start, before its first
    /// record (its StartingSequenceNumber, and where a reader that has read nothing of an empty
    /// shard continues from).
    pub position: u64,
}

impl Seq {
    /// The sequence number of the record at `position` of a shard.
    pub fn record(ms: u64, shard: u32, position: u64) -> Seq {
        Seq { ms, shard, position: position + 1 }
    }

    /// The point just before the record at `position` (after the one before it): what a
    /// reader that is to go on at `position` continues from with AFTER_SEQUENCE_NUMBER.
    pub fn before(ms: u64, shard: u32, position: u64) -> Seq {
        Seq { ms, shard, position }
    }

    /// The position an AT_SEQUENCE_NUMBER reader starts at.
    pub fn at_position(self) -> u64 {
        self.position.saturating_sub(1)
    }

    /// The position an AFTER_SEQUENCE_NUMBER reader starts at.
    pub fn after_position(self) -> u64 {
        self.position
    }

    pub fn to_wire(self) -> String {
        let v = (u128::from(self.ms) << 64)
            | (u128::from(self.shard & ((1 << SHARD_BITS) - 1)) << POSITION_BITS)
            | u128::from(self.position & ((1 << POSITION_BITS) - 1));
        format!("49{v:054}")
    }

    /// Reads a sequence number this emulator wrote; `None` for anything else.
    pub fn parse(text: &str) -> Option<Seq> {
        let digits = text.strip_prefix("49")?;
        if digits.len() != 54 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u128 = digits.parse().ok()?;
        Some(Seq {
            ms: (v >> 64) as u64,
            shard: ((v >> POSITION_BITS) & ((1 << SHARD_BITS) - 1)) as u32,
            position: (v & ((1 << POSITION_BITS) - 1)) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known MD5 values (Python's hashlib): MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
    #[test]
    fn partition_keys_hash_as_md5_integers() {
        assert_eq!(hash_key("a"), 0x0cc175b9c0f1b6a831c399e269772661);
        assert_eq!(hash_key(""), 0xd41d8cd98f00b204e9800998ecf8427e);
        assert_eq!(hash_key("partitionKey"), 193318062818912349798954611745638949166);
        assert_eq!(hash_key("user-42"), 157107139746365290205026809710278036035);
    }

    #[test]
    fn ranges_cover_the_space_as_aws_splits_it() {
        let r = even_ranges(1);
        assert_eq!(r, vec![(0, u128::MAX)]);
        let r = even_ranges(2);
        assert_eq!(r[0], (0, 170141183460469231731687303715884105727));
        assert_eq!(r[1], (170141183460469231731687303715884105728, u128::MAX));
        let r = even_ranges(3);
        assert_eq!(r[0].1 + 1, r[1].0);
        assert_eq!(r[1].1 + 1, r[2].0);
        assert_eq!(r[2].1, u128::MAX);
        assert_eq!(r[1].0, 113427455640312821154458202477256070485);
    }

    #[test]
    fn sequence_numbers_round_trip_and_order() {
        let a = Seq { ms: 1_700_000_000_000, shard: 3, position: 7 };
        let w = a.to_wire();
        assert_eq!(w.len(), 56);
        assert!(w.starts_with("49"));
        assert_eq!(Seq::parse(&w), Some(a));
        let b = Seq { ms: 1_700_000_000_001, shard: 0, position: 0 };
        assert!(a.to_wire() < b.to_wire(), "later in time compares greater across shards");
        let c = Seq { position: 8, ..a };
        assert!(a.to_wire() < c.to_wire());
        assert_eq!(Seq::parse("123"), None);
        // A record's ordinal is its position plus one; the shard's start (ordinal 0) lies before
        // record 0, so AFTER the start is record 0 and AT record 0 is record 0.
        let first = Seq::record(5, 1, 0);
        assert_eq!((first.at_position(), first.after_position()), (0, 1));
        let start = Seq::before(5, 1, 0);
        assert!(start.to_wire() < first.to_wire());
        assert_eq!((start.at_position(), start.after_position()), (0, 0));
        assert_eq!(Seq::parse(&format!("48{}", &w[2..])), None);
    }
}
