//! Channels (2026): a channel reads one ON_DEMAND stream and delivers its records to a general
//! purpose S3 bucket or to S3 Tables. Quayside has no S3: a delivery is an object written under
//! `<data dir>/kinesis-channels/<bucket>/<key>` (nothing is written in memory), and every
//! delivery is recorded for `GET /_quayside/kinesis/channels/deliveries` (its records' sequence
//! numbers and the object's content), so tests can assert on it. A channel delivers what its
//! shards hold beyond its checkpoints once the oldest undelivered record is
//! DataFreshnessInSeconds old (300 by default), on the housekeeping tick (the virtual clock
//! included). Objects: the records' data one per line (JSON, GSR_JSON, STRING) or back to
//! back (BYTE_ARRAY) for S3; JSON lines with each record's sequence number, partition key,
//! arrival time and data for S3 Tables. GZIP and ZSTD objects are valid containers holding
//! stored (uncompressed) blocks: any decompressor reads them, and they are no smaller.

use crate::attachment::{Attached, Attachment};
use crate::error::{KinesisError, KinesisResult};
use crate::keys::Seq;
use crate::{persist, Kinesis};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Default DataFreshnessInSeconds.
pub const DEFAULT_FRESHNESS: i64 = 300;
/// The records' bytes one object holds at most: a shard with more undelivered gets several
/// objects (Firehose buffers the same way), so that a delivery never holds a whole backlog in
/// memory.
const MAX_OBJECT_BYTES: usize = 8 * 1024 * 1024;
/// Deliveries one page of the developer endpoint lists, unless asked for fewer.
const PAGE: i64 = 50;

/// A channel's stored facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub base: Attachment,
    pub status_reason: Option<String>,
    pub role: String,
    pub record_configuration: Value,
    /// S3 or S3_TABLES.
    pub kind: String,
    /// The destination's description (S3DestinationDescription or S3TablesDestinationDescription).
    pub destination: Value,
    pub encryption: Option<Value>,
    pub logging: Value,
    /// The next position to deliver, by shard.
    pub checkpoints: BTreeMap<u32, u64>,
}

impl std::ops::Deref for Channel {
    type Target = Attachment;
    fn deref(&self) -> &Attachment {
        &self.base
    }
}

impl std::ops::DerefMut for Channel {
    fn deref_mut(&mut self) -> &mut Attachment {
        &mut self.base
    }
}

impl Channel {
    pub fn arn(&self) -> String {
        format!("arn:aws:kinesis:{}:{}:channel/{}", self.region, self.account, self.name)
    }

    pub fn freshness_ms(&self) -> u64 {
        self.destination["DataFreshnessInSeconds"].as_i64().unwrap_or(DEFAULT_FRESHNESS).max(0) as u64 * 1000
    }

    /// What ChannelDescription and ChannelSummary both say.
    fn header(&self) -> Value {
        let mut h = json!({
            "ChannelName": self.name,
            "ChannelARN": self.arn(),
            "ChannelId": self.id,
            "ChannelStatus": self.status,
            "ChannelCreationTimestamp": self.created_ms as f64 / 1000.0,
        });
        if let Some(r) = &self.status_reason {
            h["ChannelStatusReason"] = r.clone().into();
        }
        h
    }

    pub fn describe(&self) -> Value {
        let mut d = self.header();
        d["ServiceExecutionRoleARN"] = self.role.clone().into();
        d["StreamConfigurationList"] = json!([{
            "StreamARN": self.stream_arn(),
            "StreamCreationTimestamp": self.stream_created_ms as f64 / 1000.0,
            "RecordConfiguration": self.record_configuration,
        }]);
        d["LoggingConfiguration"] = self.logging.clone();
        let member = if self.kind == "S3" { "S3DestinationConfiguration" } else { "S3TablesDestinationConfiguration" };
        d[member] = self.destination.clone();
        if let Some(e) = &self.encryption {
            d["EncryptionConfiguration"] = e.clone();
        }
        d
    }

    pub fn summary(&self) -> Value {
        let mut s = self.header();
        s["ChannelDestinationType"] = self.kind.clone().into();
        s["Streams"] = json!([self.stream_identifier()]);
        s
    }

    pub fn to_json(&self) -> Value {
        self.base.to_json(json!({
            "status_reason": self.status_reason, "role": self.role,
            "record_configuration": self.record_configuration, "kind": self.kind,
            "destination": self.destination, "encryption": self.encryption, "logging": self.logging,
            "checkpoints": self.checkpoints,
        }))
    }

    pub fn from_json(v: &Value) -> Option<Channel> {
        let s = |k: &str| v[k].as_str().map(str::to_string);
        Some(Channel {
            base: Attachment::from_json(v)?,
            status_reason: s("status_reason"),
            role: s("role").unwrap_or_default(),
            record_configuration: v["record_configuration"].clone(),
            kind: s("kind").unwrap_or_else(|| "S3".into()),
            destination: v["destination"].clone(),
            encryption: v.get("encryption").filter(|e| !e.is_null()).cloned(),
            logging: v["logging"].clone(),
            checkpoints: serde_json::from_value(v["checkpoints"].clone()).unwrap_or_default(),
        })
    }

    /// Refuses a destination whose objects would not stay under the channels' directory (an
    /// OutputKeyTemplate of `../x/` or `/tmp/x/`, or one whose `{stream}` is `..`), checked on
    /// the key the first delivery would write (only the date's digits vary after it).
    ///
    /// Errors: `ValidationException` naming OutputKeyTemplate.
    pub(crate) fn check_destination(&self, now_ms: u64) -> KinesisResult<()> {
        let (bucket, key) = self.object(0, "0", now_ms);
        match unsafe_object(&bucket, &key) {
            None => Ok(()),
            Some(why) => {
                let template = self.destination["StorageConfiguration"]["OutputKeyTemplate"].as_str();
                Err(KinesisError::validation(
                    template.unwrap_or(&key),
                    "s3DestinationConfiguration.storageConfiguration.outputKeyTemplate",
                    why,
                ))
            }
        }
    }

    /// Where an object goes: the bucket (or table bucket) name and the key.
    fn object(&self, shard: u32, first: &str, now_ms: u64) -> (String, String) {
        let (y, mo, d, h) = ymdh(now_ms);
        if self.kind == "S3" {
            let storage = &self.destination["StorageConfiguration"];
            let bucket = bucket_name(storage["BucketARN"].as_str().unwrap_or_default());
            let ext = match storage["CompressionType"].as_str() {
                Some("GZIP") => ".gz",
                Some("ZSTD") => ".zst",
                _ => "",
            };
            let prefix = match storage["OutputKeyTemplate"].as_str() {
                Some(t) => t
                    .replace("{yyyy}", &format!("{y:04}"))
                    .replace("{MM}", &format!("{mo:02}"))
                    .replace("{dd}", &format!("{d:02}"))
                    .replace("{HH}", &format!("{h:02}"))
                    .replace("{stream}", &self.stream),
                None => format!("{y:04}/{mo:02}/{d:02}/{h:02}/"),
            };
            (bucket, format!("{prefix}{}-{}-{}{ext}", self.name, crate::stream::shard_id(shard), first))
        } else {
            let table = &self.destination["S3TablesConfigurationList"][0];
            let bucket =
                table["TableBucketARN"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or("").to_string();
            let key = format!(
                "{}/{}/{}-{}-{}.jsonl",
                table["Namespace"].as_str().unwrap_or("default"),
                table["TableName"].as_str().unwrap_or("table"),
                self.name,
                crate::stream::shard_id(shard),
                first
            );
            (bucket, key)
        }
    }
}

impl Attached for Channel {
    fn arn(&self) -> String {
        Channel::arn(self)
    }

    fn label(&self) -> String {
        format!("Channel {}", self.name)
    }

    fn all(k: &Kinesis) -> &parking_lot::RwLock<BTreeMap<String, Self>> {
        k.channels()
    }

    fn save(&self, t: &store::rusqlite::Transaction<'_>) -> store::Result<()> {
        persist::save_channel(t, self)
    }

    /// Its delivered objects stay.
    fn remove(self, k: Kinesis) -> service::BoxFuture<'static, KinesisResult<()>> {
        Box::pin(async move {
            let arn = self.arn();
            k.channels().write().remove(&arn);
            k.store().submit(move |t| persist::delete_channel(t, &arn)).await?;
            Ok(())
        })
    }
}

/// Why an object's bucket and key cannot be a file under the channels' directory, if they
/// cannot: S3 takes any key, but here the key becomes a path, so it must be relative, made of
/// non-empty segments other than `.` and `..`, without backslashes.
pub(crate) fn unsafe_object(bucket: &str, key: &str) -> Option<&'static str> {
    if key.contains('\\') || bucket.contains(['\\', '/']) {
        return Some("Member must not contain a backslash");
    }
    if key.starts_with('/') {
        return Some("Member must be a relative key (no leading '/')");
    }
    let bad = |seg: &str| seg.is_empty() || seg == "." || seg == "..";
    if bad(bucket) || key.split('/').any(bad) {
        return Some("Member must not contain empty, '.' or '..' segments");
    }
    None
}

/// `<dir>/<bucket>/<key>`, if it stays under `dir`: every part joined is a plain name.
fn object_path(dir: &std::path::Path, bucket: &str, key: &str) -> Option<std::path::PathBuf> {
    if unsafe_object(bucket, key).is_some() {
        return None;
    }
    let relative = std::path::Path::new(bucket).join(key);
    let plain = relative.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    let path = dir.join(relative);
    (plain && path.starts_with(dir)).then_some(path)
}

/// `arn:aws:s3:::bucket` -> `bucket`.
fn bucket_name(arn: &str) -> String {
    arn.rsplit(':').next().unwrap_or_default().to_string()
}

/// UTC year, month, day and hour of epoch milliseconds.
fn ymdh(ms: u64) -> (i64, u32, u32, u32) {
    let secs = (ms / 1000) as i64;
    let (y, m, d) = aws_protocol::time::civil_from_days(secs.div_euclid(86_400));
    (y, m as u32, d as u32, (secs.rem_euclid(86_400) / 3600) as u32)
}

/// One record as a channel delivers it.
struct Delivered<'a> {
    seq: String,
    key: Option<&'a str>,
    arrival_ms: u64,
    /// In its chunk, not copied.
    data: &'a [u8],
}

/// An object's bytes for the channel's format and compression.
fn content(c: &Channel, records: &[Delivered<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    if c.kind == "S3" {
        let byte_array = c.record_configuration["RecordFormatType"].as_str() == Some("BYTE_ARRAY");
        for r in records {
            out.extend_from_slice(r.data);
            if !byte_array {
                out.push(b'\n');
            }
        }
        match c.destination["StorageConfiguration"]["CompressionType"].as_str() {
            Some("GZIP") => gzip_stored(&out),
            Some("ZSTD") => zstd_raw(&out),
            _ => out,
        }
    } else {
        for r in records {
            let line = json!({
                "sequenceNumber": r.seq,
                "partitionKey": r.key,
                "approximateArrivalTimestamp": r.arrival_ms,
                "data": B64.encode(r.data),
            });
            out.extend_from_slice(line.to_string().as_bytes());
            out.push(b'\n');
        }
        out
    }
}

/// CRC-32 (IEEE), as gzip's trailer carries it.
fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// A gzip member (RFC 1952) of stored deflate blocks (RFC 1951 3.2.4).
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let blocks: Vec<&[u8]> = if data.is_empty() { vec![&[][..]] } else { data.chunks(65_535).collect() };
    for (i, b) in blocks.iter().enumerate() {
        out.push(u8::from(i == blocks.len() - 1));
        let len = b.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(b);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// A zstd frame (RFC 8878) of raw blocks, without a checksum.
fn zstd_raw(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x28, 0xb5, 0x2f, 0xfd];
    // Frame header: single segment, 8-byte content size.
    out.push(0b1110_0000);
    out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    let blocks: Vec<&[u8]> = if data.is_empty() { vec![&[][..]] } else { data.chunks(128 * 1024).collect() };
    for (i, b) in blocks.iter().enumerate() {
        let last = u32::from(i == blocks.len() - 1);
        let header = last | ((b.len() as u32) << 3);
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        out.extend_from_slice(b);
    }
    out
}

/// A delivery as the developer endpoint shows it (its object's content is added when read).
pub fn delivery_record(c: &Channel, shard: u32, bucket: &str, key: &str, seqs: Vec<String>, body: &[u8]) -> Value {
    json!({
        "ChannelARN": c.arn(),
        "ChannelName": c.name,
        "StreamARN": c.stream_arn(),
        "ShardId": crate::stream::shard_id(shard),
        "DestinationType": c.kind,
        "Bucket": bucket,
        "Key": key,
        "SequenceNumbers": seqs,
        "Bytes": body.len(),
    })
}

impl Kinesis {
    /// Delivers what each ACTIVE channel's shards hold beyond its checkpoints, for channels
    /// whose oldest undelivered record is DataFreshnessInSeconds old.
    pub(crate) async fn deliver_channels(&self) {
        // One delivery round at a time (the periodic tick and a clock move's may overlap): each
        // round reads the checkpoints the last one stored, so nothing is delivered twice.
        let _one_at_a_time = self.delivering().lock().await;
        let channels: Vec<Channel> = self
            .channels()
            .read()
            .values()
            .filter(|c| c.status == "ACTIVE" || c.status == "UPDATING")
            .cloned()
            .collect();
        for c in channels {
            if let Err(e) = self.deliver(c).await {
                tracing::warn!("kinesis: channel delivery failed: {e:?}");
            }
        }
    }

    async fn deliver(&self, mut c: Channel) -> KinesisResult<()> {
        let now = self.now_ms();
        let shards: Vec<(u32, u64, u64)> = {
            let streams = self.streams().read();
            let Some(s) = streams.values().find(|s| s.id == c.stream_id) else {
                return Ok(());
            };
            s.shards.iter().map(|sh| (sh.index, sh.next, sh.created_ms)).collect()
        };
        for (shard, tip, created_ms) in shards {
            loop {
                let from = c.checkpoints.get(&shard).copied().unwrap_or(0);
                if from >= tip {
                    break;
                }
                // Whether the oldest undelivered record is old enough (one chunk read), then
                // what is undelivered, up to an object's size.
                let (stream_id, freshness) = (c.stream_id, c.freshness_ms());
                let chunks = self
                    .store()
                    .read(move |t| {
                        let first = persist::read_chunks(t, stream_id, shard, from, |_| false)?;
                        match first.first() {
                            Some(ch) if now.saturating_sub(ch.arrival_ms) >= freshness => {
                                let mut bytes = 0;
                                persist::read_chunks(t, stream_id, shard, from, |ch| {
                                    bytes += ch.blob.len();
                                    bytes < MAX_OBJECT_BYTES
                                })
                            }
                            _ => Ok(Vec::new()),
                        }
                    })
                    .await?;
                let records: Vec<Delivered> = chunks
                    .iter()
                    .flat_map(|ch| {
                        crate::records::decode_chunk(ch.first, &ch.blob)
                            .filter(|r| r.position >= from && r.position < tip)
                            .map(|r| Delivered {
                                seq: Seq::record(created_ms, ch.arrival_ms, shard, r.position).to_wire(),
                                key: r.partition_key,
                                arrival_ms: ch.arrival_ms,
                                data: r.data,
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect();
                let Some(first) = records.first() else { break };
                let next = chunks.iter().map(|ch| ch.first + ch.count).max().unwrap_or(from).min(tip);
                let mut body = content(&c, &records);
                let (bucket, key) = c.object(shard, &first.seq, now);
                let written = match self.channel_dir() {
                    Some(dir) => {
                        // CreateChannel refused such keys; a channel stored before that check is
                        // not written outside the directory either.
                        let Some(path) = object_path(dir, &bucket, &key) else {
                            return Err(KinesisError::Internal(format!(
                                "channel {}: the object key {key:?} would leave the channels' directory; not written",
                                c.name
                            )));
                        };
                        let file = path.clone();
                        let (w, kept) = tokio::task::spawn_blocking(move || {
                            let w = file
                                .parent()
                                .map_or(Ok(()), std::fs::create_dir_all)
                                .and_then(|_| std::fs::write(&file, &body));
                            (w, body)
                        })
                        .await
                        .map_err(|e| KinesisError::Internal(format!("channel {}: writing: {e}", c.name)))?;
                        body = kept;
                        if let Err(e) = w {
                            return Err(KinesisError::Internal(format!(
                                "channel {}: writing {}: {e}",
                                c.name,
                                path.display()
                            )));
                        }
                        true
                    }
                    None => false,
                };
                let seqs = records.iter().map(|r| r.seq.clone()).collect();
                let meta = delivery_record(&c, shard, &bucket, &key, seqs, &body).to_string();
                drop(records);
                c.checkpoints.insert(shard, next);
                {
                    let mut channels = self.channels().write();
                    match channels.get_mut(&c.arn()) {
                        Some(cur) if cur.id == c.id => cur.checkpoints = c.checkpoints.clone(),
                        _ => return Ok(()),
                    }
                }
                // The object is kept here only when no file holds it.
                let content = (!written).then_some(body);
                let saved = c.clone();
                self.store()
                    .submit(move |t| {
                        persist::insert_delivery(t, &saved.arn(), &saved.name, &meta, content.as_deref())?;
                        persist::save_channel(t, &saved)
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// `GET /_quayside/kinesis/channels/deliveries`: a page of deliveries, oldest first
    /// (`channel=` a name or ARN, `limit=` up to 1,000, `after=` the `NextToken` of the last
    /// page), each with its object's content (base64) read from its file (or the store, in
    /// memory) one at a time as the answer is streamed: memory stays one object, whatever the
    /// page holds. `content=false` leaves the objects out.
    pub fn deliveries_page(
        &self,
        channel: Option<&str>,
        after: Option<&str>,
        limit: Option<&str>,
        content: bool,
    ) -> aws_protocol::Response {
        let channel = channel.map(str::to_string);
        let after: i64 = after.and_then(|a| a.parse().ok()).unwrap_or(0);
        let limit: i64 = limit.and_then(|l| l.parse().ok()).unwrap_or(PAGE).clamp(1, persist::KEPT_DELIVERIES);
        let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(2);
        let k = self.clone();
        tokio::spawn(async move {
            let rows = {
                let channel = channel.clone();
                k.store().read(move |c| persist::read_deliveries(c, channel.as_deref(), after, limit + 1)).await
            };
            let Ok(mut rows) = rows else {
                let _ = tx.send(bytes::Bytes::from_static(br#"{"error":"the deliveries could not be read"}"#)).await;
                return;
            };
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            if tx.send(bytes::Bytes::from_static(b"{\"deliveries\":[")).await.is_err() {
                return;
            }
            for (i, (id, meta, stored)) in rows.iter().enumerate() {
                let d: Value = serde_json::from_str(meta).unwrap_or(Value::Null);
                let mut text = d.to_string();
                if i > 0 {
                    text.insert(0, ',');
                }
                if !content {
                    if tx.send(text.into()).await.is_err() {
                        return;
                    }
                    continue;
                }
                let object = if *stored {
                    let id = *id;
                    k.store().read(move |c| persist::delivery_content(c, id)).await.ok().flatten()
                } else {
                    let bucket = d["Bucket"].as_str().unwrap_or_default();
                    let key = d["Key"].as_str().unwrap_or_default();
                    match k.channel_dir().and_then(|dir| object_path(dir, bucket, key)) {
                        Some(p) => tokio::task::spawn_blocking(move || std::fs::read(p).ok()).await.ok().flatten(),
                        None => None,
                    }
                };
                // The description without its closing brace, then the content in base64 a
                // piece at a time: one object's bytes in memory, not its text twice over.
                text.pop();
                let Some(object) = object else {
                    text.push_str(",\"Content\":null}");
                    if tx.send(text.into()).await.is_err() {
                        return;
                    }
                    continue;
                };
                text.push_str(",\"Content\":\"");
                if tx.send(text.into()).await.is_err() {
                    return;
                }
                for piece in object.chunks(3 * 256 * 1024) {
                    if tx.send(B64.encode(piece).into()).await.is_err() {
                        return;
                    }
                }
                if tx.send(bytes::Bytes::from_static(b"\"}")).await.is_err() {
                    return;
                }
            }
            let tail = match rows.last() {
                Some((id, _, _)) if more => format!("],\"NextToken\":\"{id}\"}}"),
                _ => "]}".to_string(),
            };
            let _ = tx.send(tail.into()).await;
        });
        aws_protocol::Response {
            status: 200,
            content_type: "application/json",
            headers: Vec::new(),
            body: aws_protocol::Body::Stream(rx),
        }
    }

    /// `DELETE /_quayside/kinesis/channels/deliveries`: forgets the deliveries of one channel
    /// (by name or ARN), or all; answers how many.
    pub async fn clear_deliveries(&self, channel: Option<&str>) -> store::Result<usize> {
        let channel = channel.map(str::to_string);
        self.store().submit(move |t| persist::delete_deliveries(t, channel.as_deref())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_keys_stay_under_the_directory() {
        let dir = std::path::Path::new("/data/kinesis-channels");
        let ok = object_path(dir, "landing", "2026/01/02/03/c-shardId-000000000000-1.gz").unwrap();
        assert_eq!(ok, dir.join("landing/2026/01/02/03/c-shardId-000000000000-1.gz"));
        for (bucket, key) in [
            ("landing", "../../../../../../../../tmp/x/c-1"),
            ("landing", "/tmp/x/c-1"),
            ("landing", "a/../../c-1"),
            ("landing", "a//c-1"),
            ("landing", "./c-1"),
            ("landing", "a\\..\\c-1"),
            ("..", "c-1"),
            ("a/b", "c-1"),
            ("", "c-1"),
        ] {
            assert!(object_path(dir, bucket, key).is_none(), "{bucket} {key}");
            assert!(unsafe_object(bucket, key).is_some(), "{bucket} {key}");
        }
    }

    #[test]
    fn civil_dates_and_stored_containers() {
        assert_eq!(ymdh(0), (1970, 1, 1, 0));
        assert_eq!(ymdh(1_795_364_985_538), (2026, 11, 22, 16), "Python: 2026-11-22 16:29:45 UTC");
        assert_eq!(ymdh(951_782_400_000), (2000, 2, 29, 0));
        let g = gzip_stored(b"hello\n");
        assert_eq!(&g[..3], &[0x1f, 0x8b, 8]);
        assert_eq!(&g[g.len() - 8..g.len() - 4], &crc32(b"hello\n").to_le_bytes());
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926, "the IEEE check value");
        let z = zstd_raw(b"abc");
        assert_eq!(&z[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
        assert_eq!(&z[z.len() - 3..], b"abc");
    }
}
