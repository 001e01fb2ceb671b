//! A page of a shard's records read from the store, written straight into a response body
//! (JSON or CBOR): GetRecords answers one, SubscribeToShard streams them as events. A page of
//! 10,000 records is megabytes, and an intermediate JSON value of it cost more than reading it.

use crate::error::KinesisResult;
use crate::keys::Seq;
use crate::records::{decode_chunk, StoredRecord};
use crate::{persist, Kinesis};
use base64::Engine;
use ciborium::value::Value as Cbor;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Records of one shard, positions `from..to`, with the chunks that hold them.
pub(crate) struct Page {
    chunks: Vec<persist::Chunk>,
    pub shard: u32,
    /// The shard's creation (its sequence numbers carry it).
    created_ms: u64,
    pub from: u64,
    /// The position after the page's last record (where the next page starts).
    pub to: u64,
    pub count: u64,
    /// The records' data and partition keys, in bytes.
    pub bytes: usize,
    /// The arrival time of the page's last record.
    pub last_arrival: Option<u64>,
    encryption: &'static str,
}

impl Page {
    /// Reads at most `limit` records (and `max_bytes`, one record at least) of a shard from
    /// position `from` on; `tip` is the shard's next position (nothing is read from it on).
    ///
    /// Errors: the store failed.
    #[allow(clippy::too_many_arguments)]
    pub async fn read(
        k: &Kinesis,
        stream_id: i64,
        (shard, created_ms): (u32, u64),
        from: u64,
        tip: u64,
        limit: u64,
        max_bytes: usize,
        encryption: &'static str,
    ) -> KinesisResult<Page> {
        let chunks = if from < tip {
            k.store()
                .read(move |c| {
                    let (mut records, mut bytes) = (0u64, 0usize);
                    persist::read_chunks(c, stream_id, shard, from, |chunk| {
                        records += chunk.count - from.saturating_sub(chunk.first).min(chunk.count);
                        bytes += chunk.blob.len();
                        records < limit && bytes < max_bytes
                    })
                })
                .await?
        } else {
            Vec::new()
        };
        // Which records the page holds, decided without copying them.
        let (mut count, mut bytes, mut to, mut last_arrival) = (0u64, 0usize, from, None);
        'chunks: for chunk in &chunks {
            for r in decode_chunk(chunk.first, &chunk.blob).filter(|r| r.position >= from) {
                if count >= limit || (count > 0 && bytes + r.size() > max_bytes) {
                    break 'chunks;
                }
                bytes += r.size();
                count += 1;
                to = r.position + 1;
                last_arrival = Some(chunk.arrival_ms);
            }
        }
        Ok(Page { chunks, shard, created_ms, from, to, count, bytes, last_arrival, encryption })
    }

    /// The page's records with their chunk's arrival time.
    fn records(&self) -> impl Iterator<Item = (u64, StoredRecord<'_>)> {
        let (from, to) = (self.from, self.to);
        self.chunks.iter().flat_map(move |c| {
            decode_chunk(c.first, &c.blob)
                .filter(move |r| r.position >= from && r.position < to)
                .map(|r| (c.arrival_ms, r))
        })
    }

    fn seq(&self, arrival_ms: u64, position: u64) -> String {
        Seq::record(self.created_ms, arrival_ms, self.shard, position).to_wire()
    }

    /// A capacity that holds the page's JSON.
    pub fn json_capacity(&self) -> usize {
        self.bytes * 4 / 3 + self.count as usize * 200 + 1024
    }

    /// Writes the records as a JSON array.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        out.push(b'[');
        for (i, (arrival_ms, r)) in self.records().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Sequence numbers are digits and base64 needs no escaping; the key may.
            let _ = write!(
                out,
                "{{\"SequenceNumber\":\"{}\",\"ApproximateArrivalTimestamp\":{}.{:03},\"Data\":\"",
                self.seq(arrival_ms, r.position),
                arrival_ms / 1000,
                arrival_ms % 1000
            );
            let at = out.len();
            out.resize(at + base64::encoded_len(r.data.len(), true).unwrap_or(0), 0);
            let n = B64.encode_slice(r.data, &mut out[at..]).unwrap_or(0);
            out.truncate(at + n);
            out.extend_from_slice(b"\"");
            if let Some(key) = r.partition_key {
                out.extend_from_slice(b",\"PartitionKey\":");
                let _ = serde_json::to_writer(&mut *out, key);
            }
            let _ = write!(out, ",\"EncryptionType\":\"{}\"}}", self.encryption);
        }
        out.push(b']');
    }

    /// The records as a CBOR array: data as byte strings, times as tag 1 epoch milliseconds.
    pub fn cbor(&self) -> Cbor {
        let text = |s: &str| Cbor::Text(s.to_string());
        let records = self
            .records()
            .map(|(arrival_ms, r)| {
                let mut m = vec![
                    (text("SequenceNumber"), Cbor::Text(self.seq(arrival_ms, r.position))),
                    (text("ApproximateArrivalTimestamp"), Cbor::Tag(1, Box::new(Cbor::Integer(arrival_ms.into())))),
                    (text("Data"), Cbor::Bytes(r.data.to_vec())),
                    (text("EncryptionType"), text(self.encryption)),
                ];
                if let Some(k) = r.partition_key {
                    m.push((text("PartitionKey"), text(k)));
                }
                Cbor::Map(m)
            })
            .collect();
        Cbor::Array(records)
    }
}
