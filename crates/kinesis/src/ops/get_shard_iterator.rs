//! GetShardIterator: where in a shard a reader starts. TRIM_HORIZON is the oldest record
//! kept, LATEST just after the newest, AT/AFTER_SEQUENCE_NUMBER at or after a record, and
//! AT_TIMESTAMP at the first record that arrived at or after the time.

use crate::error::{KinesisError, KinesisResult};
use crate::keys::{shard_name, SeqNumber};
use crate::records::ShardIterator;
use crate::stream::shard_id;
use crate::{ops, persist, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

/// The Must-either-specify message AWS gives for a type that does not fit the members given.
fn type_mismatch(kind: &str, with_sequence: bool) -> KinesisError {
    KinesisError::invalid_argument(format!(
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or \
         (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {kind} and {} StartingSequenceNumber.",
        if with_sequence { "also a" } else { "no" }
    ))
}

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let key = ops::stream_key(ctx, &input)?;
    let (name, account) = (key.2.clone(), key.0.clone());
    let given_shard = str_opt(&input, "ShardId").unwrap_or_default().to_string();
    let kind = str_opt(&input, "ShardIteratorType").unwrap_or_default().to_string();
    let sequence = str_opt(&input, "StartingSequenceNumber").map(str::to_string);
    // The shard id first: one that names no index is not found whatever the stream; a missing
    // stream's shard is reported as the shard (recorded).
    let index = ops::resolve_shard(&key, &given_shard)?;
    let found = ops::with_stream(k, ctx, &input, |s| {
        let Some(sh) = s.shards.iter().find(|sh| sh.index == index) else {
            return Err(KinesisError::shard_not_found(&shard_id(index), &name, &account));
        };
        Ok((s.id, index, sh.next, sh.created_ms))
    });
    let (stream_id, index, next, created_ms) = found.map_err(|e| match e {
        e if e == KinesisError::stream_not_found(&name, &account) => {
            KinesisError::shard_not_found(&shard_id(index), &name, &account)
        }
        e => e,
    })?;
    let start = Start {
        operation: "GetShardIterator",
        stream_id,
        index,
        name: &name,
        account: &account,
        next,
        created_ms,
        kind: &kind,
        sequence: sequence.as_deref(),
        timestamp: input["Timestamp"].as_f64(),
    };
    let position = start.position(k).await?;
    ops::refuse_dry_run(&input)?;
    let it = ShardIterator {
        stream_id,
        account: key.0,
        region: key.1,
        stream: key.2,
        shard: index,
        position,
        issued_ms: k.now_ms(),
    };
    Ok(json!({ "ShardIterator": it.encode() }))
}

/// Where a reader starts in a shard (GetShardIterator's type and members, or SubscribeToShard's
/// StartingPosition).
pub(crate) struct Start<'a> {
    /// The operation, as the messages name it.
    pub operation: &'static str,
    pub stream_id: i64,
    pub index: u32,
    pub name: &'a str,
    pub account: &'a str,
    /// The shard's next position and creation time.
    pub next: u64,
    pub created_ms: u64,
    pub kind: &'a str,
    pub sequence: Option<&'a str>,
    /// AT_TIMESTAMP's time, epoch seconds.
    pub timestamp: Option<f64>,
}

impl Start<'_> {
    /// The position the reader starts at.
    ///
    /// Errors: `InvalidArgumentException` for a type that does not fit the members given, a
    /// sequence number of another shard or stream, a time in the future.
    pub(crate) async fn position(&self, k: &Kinesis) -> KinesisResult<u64> {
        let (kind, name, account, index) = (self.kind, self.name, self.account, self.index);
        let shard = shard_id(index);
        Ok(match (kind, self.sequence) {
            ("TRIM_HORIZON" | "LATEST", Some(_)) => return Err(type_mismatch(kind, true)),
            ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", None) => return Err(type_mismatch(kind, false)),
            ("TRIM_HORIZON", None) => 0,
            ("LATEST", None) => self.next,
            ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", Some(text)) => {
                // Read as AWS reads it (recorded): the shard it encodes first, then its version
                // and the shard's creation; a version-0 number of the right shard is AWS's
                // internal failure.
                let Ok(seq) = SeqNumber::parse(text) else {
                    return Err(KinesisError::invalid_argument(format!(
                        "StartingSequenceNumber {text} used in {} on shard {shard} in stream {name} \
                         under account {account} is invalid.",
                        self.operation
                    )));
                };
                if seq.shard != i64::from(index) {
                    return Err(KinesisError::invalid_argument(format!(
                        "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a shard with {shard}",
                        shard_name(seq.shard)
                    )));
                }
                if seq.version == 0 {
                    return Err(KinesisError::internal_failure());
                }
                if seq.version != 2 || seq.created_s != self.created_ms / 1000 {
                    return Err(KinesisError::invalid_argument(format!(
                        "StartingSequenceNumber {text} used in {} on shard {shard} in stream {name} \
                         under account {account} is invalid because it did not come from this stream.",
                        self.operation
                    )));
                }
                if kind == "AFTER_SEQUENCE_NUMBER" {
                    seq.counter.saturating_add(1)
                } else {
                    seq.counter
                }
            }
            ("AT_TIMESTAMP", _) => {
                let Some(secs) = self.timestamp else {
                    return Err(KinesisError::invalid_argument(
                        "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. \
                         Current request has no timestamp parameter.",
                    ));
                };
                let (at, now) = ((secs * 1000.0).max(0.0) as u64, k.now_ms());
                if at > now {
                    return Err(KinesisError::invalid_argument(format!(
                        "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. \
                         timestampInMillis: {at}, currentTimestampInMillis: {now}"
                    )));
                }
                let (stream_id, next) = (self.stream_id, self.next);
                k.store().read(move |c| persist::position_at(c, stream_id, index, at)).await?.unwrap_or(next)
            }
            // The model's enum check refuses every other type before this runs.
            (other, _) => return Err(KinesisError::invalid_argument(format!("Invalid ShardIteratorType {other}"))),
        })
    }
}
