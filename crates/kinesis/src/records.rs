//! Records as they are stored, and shard iterators as they are handed out.
//!
//! The records one call puts into one shard are stored together as a chunk: one row holding
//! their partition keys and data back to back, numbered from the chunk's first position. They
//! share the call's arrival time, so a chunk's sequence numbers are `(arrival, shard, first +
//! i)`. A 500-record PutRecords over 4 shards writes 4 rows, not 500.
//!
//! A shard iterator names the stream (its id, and its name and account for error messages),
//! the shard, the next position to read and when it was issued; it is base64 with a check so
//! that a mangled one is refused as AWS refuses it, and it stays valid across a restart.

use base64::Engine;
use md5::{Digest, Md5};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn get_varint(buf: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// The records of one call for one shard, encoded as they are stored.
#[derive(Debug, Default)]
pub struct ChunkWriter {
    pub blob: Vec<u8>,
    pub count: u64,
}

impl ChunkWriter {
    /// Appends a record: its partition key (absent under the AUTO distribution) and data.
    pub fn push(&mut self, partition_key: Option<&str>, data: &[u8]) {
        match partition_key {
            Some(k) => {
                put_varint(&mut self.blob, k.len() as u64 + 1);
                self.blob.extend_from_slice(k.as_bytes());
            }
            None => put_varint(&mut self.blob, 0),
        }
        put_varint(&mut self.blob, data.len() as u64);
        self.blob.extend_from_slice(data);
        self.count += 1;
    }
}

/// One stored record, borrowed from its chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredRecord<'a> {
    pub position: u64,
    pub partition_key: Option<&'a str>,
    pub data: &'a [u8],
}

impl StoredRecord<'_> {
    /// What the record counts towards GetRecords' 10 MiB cap: its data and partition key.
    pub fn size(&self) -> usize {
        self.data.len() + self.partition_key.map_or(0, str::len)
    }
}

/// The records of a chunk whose first record is at `first`; stops at the first malformed
/// byte (a chunk is only ever written whole by [`ChunkWriter`]).
pub fn decode_chunk(first: u64, blob: &[u8]) -> impl Iterator<Item = StoredRecord<'_>> {
    let mut at = 0usize;
    let mut position = first;
    std::iter::from_fn(move || {
        if at >= blob.len() {
            return None;
        }
        let key_len = get_varint(blob, &mut at)? as usize;
        let partition_key = if key_len == 0 {
            None
        } else {
            let bytes = blob.get(at..at + key_len - 1)?;
            at += key_len - 1;
            Some(std::str::from_utf8(bytes).ok()?)
        };
        let data_len = get_varint(blob, &mut at)? as usize;
        let data = blob.get(at..at + data_len)?;
        at += data_len;
        let r = StoredRecord { position, partition_key, data };
        position += 1;
        Some(r)
    })
}

/// Iterators expire this long after they were issued.
pub const ITERATOR_LIFETIME_MS: u64 = 300_000;

/// What a shard iterator carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardIterator {
    pub stream_id: i64,
    pub account: String,
    pub region: String,
    pub stream: String,
    pub shard: u32,
    /// The next position to read.
    pub position: u64,
    pub issued_ms: u64,
}

/// A fixed salt: the check only tells a mangled iterator from one this emulator wrote.
const SALT: &[u8] = b"quayside-kinesis-iterator-v1";

fn check(payload: &str) -> [u8; 8] {
    let mut h = Md5::new();
    h.update(SALT);
    h.update(payload.as_bytes());
    let d: [u8; 16] = h.finalize().into();
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

/// The first 8 bytes of every iterator, as AWS's start (recorded).
const ITERATOR_MAGIC: [u8; 8] = [0, 0, 0, 0, 0, 0, 0, 1];
/// AWS's iterators are 152 bytes and grow by 16 (recorded: 152 + 16·k before base64).
const ITERATOR_BASE: usize = 152;
const ITERATOR_STEP: usize = 16;

impl ShardIterator {
    /// Base64 of: AWS's 8-byte start, an 8-byte check, the payload's length (2 bytes, big
    /// endian), the payload, and zeros up to AWS's sizes (152 + 16·k bytes).
    pub fn encode(&self) -> String {
        let payload = format!(
            "1/{}/{}/{}/{}/{}/{}/{}",
            self.issued_ms, self.stream_id, self.shard, self.position, self.account, self.region, self.stream
        );
        let mut bytes = ITERATOR_MAGIC.to_vec();
        bytes.extend_from_slice(&check(&payload));
        bytes.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        bytes.extend_from_slice(payload.as_bytes());
        let size = if bytes.len() <= ITERATOR_BASE {
            ITERATOR_BASE
        } else {
            ITERATOR_BASE + (bytes.len() - ITERATOR_BASE).div_ceil(ITERATOR_STEP) * ITERATOR_STEP
        };
        bytes.resize(size, 0);
        B64.encode(bytes)
    }

    /// Reads an iterator this emulator wrote; `None` for anything else. One wrapped in literal
    /// double quotes is read too (recorded: AWS accepts `"\"AAAA...\""`).
    pub fn decode(text: &str) -> Option<ShardIterator> {
        let text = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
        let bytes = B64.decode(text).ok()?;
        let rest = bytes.strip_prefix(&ITERATOR_MAGIC[..])?;
        let (sum, rest) = (rest.get(..8)?, rest.get(8..)?);
        let len = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]) as usize;
        let payload = std::str::from_utf8(rest.get(2..2 + len)?).ok()?;
        if sum != check(payload) {
            return None;
        }
        let mut parts = payload.splitn(8, '/');
        if parts.next()? != "1" {
            return None;
        }
        let issued_ms = parts.next()?.parse().ok()?;
        let stream_id = parts.next()?.parse().ok()?;
        let shard = parts.next()?.parse().ok()?;
        let position = parts.next()?.parse().ok()?;
        let account = parts.next()?.to_string();
        let region = parts.next()?.to_string();
        let stream = parts.next()?.to_string();
        Some(ShardIterator { stream_id, account, region, stream, shard, position, issued_ms })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_round_trip_keys_absent_keys_and_empty_data() {
        let mut w = ChunkWriter::default();
        w.push(Some("pk"), b"hello");
        w.push(None, &[0u8; 300]);
        w.push(Some(""), b"");
        let got: Vec<_> = decode_chunk(7, &w.blob).collect();
        assert_eq!(w.count, 3);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], StoredRecord { position: 7, partition_key: Some("pk"), data: b"hello" });
        assert_eq!(got[1].position, 8);
        assert_eq!(got[1].partition_key, None);
        assert_eq!(got[1].data.len(), 300);
        assert_eq!(got[2], StoredRecord { position: 9, partition_key: Some(""), data: b"" });
        assert_eq!(decode_chunk(0, &w.blob[..w.blob.len() - 1]).count(), 2, "a torn chunk yields its whole records");
    }

    #[test]
    fn iterators_round_trip_and_refuse_tampering() {
        let it = ShardIterator {
            stream_id: 4,
            account: "000000000000".into(),
            region: "us-east-1".into(),
            stream: "a/b".into(),
            shard: 3,
            position: 12,
            issued_ms: 1_700_000_000_000,
        };
        let text = it.encode();
        assert!(text.len() <= 512);
        assert_eq!(ShardIterator::decode(&text), Some(it.clone()));
        assert_eq!(ShardIterator::decode(&format!("\"{text}\"")), Some(it.clone()), "quoted, as AWS reads it");
        // AWS's form: 8 bytes 0..01, then 152 + 16·k bytes in all (recorded).
        let bytes = B64.decode(&text).unwrap();
        assert_eq!((&bytes[..8], bytes.len()), (&[0, 0, 0, 0, 0, 0, 0, 1][..], 152));
        let long = ShardIterator { stream: "s".repeat(128), account: "1".repeat(12), ..it.clone() };
        let long_text = long.encode();
        let n = B64.decode(&long_text).unwrap().len();
        assert!(
            n > 152 && (n - 152).is_multiple_of(16) && long_text.len() <= 512,
            "{n} bytes, {} chars",
            long_text.len()
        );
        assert_eq!(ShardIterator::decode(&long_text), Some(long));
        let mut bytes = B64.decode(&text).unwrap();
        bytes[20] ^= 1;
        assert_eq!(ShardIterator::decode(&B64.encode(bytes)), None);
        assert_eq!(ShardIterator::decode("not an iterator"), None);
        assert_eq!(ShardIterator::decode(""), None);
    }
}
