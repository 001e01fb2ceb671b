//! GetShardIterator: where in a shard a reader starts. TRIM_HORIZON is the oldest record
//! kept, LATEST just after the newest, AT/AFTER_SEQUENCE_NUMBER at or after a record, and
//! AT_TIMESTAMP at the first record that arrived at or after the time.

use crate::error::{KinesisError, KinesisResult};
use crate::keys::Seq;
use crate::records::ShardIterator;
use crate::stream::{parse_shard_id, shard_id};
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
    let (stream_id, index, next, created_ms) = ops::with_stream(k, ctx, &input, |s| {
        let Some(index) = parse_shard_id(&given_shard) else {
            return Err(KinesisError::shard_not_found(&given_shard, &name, &account));
        };
        let Some(sh) = s.shards.iter().find(|sh| sh.index == index) else {
            return Err(KinesisError::shard_not_found(&shard_id(index), &name, &account));
        };
        Ok((s.id, index, sh.next, sh.created_ms))
    })?;
    let shard = shard_id(index);
    let position = match (kind.as_str(), &sequence) {
        ("TRIM_HORIZON" | "LATEST", Some(_)) => return Err(type_mismatch(&kind, true)),
        ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", None) => return Err(type_mismatch(&kind, false)),
        ("TRIM_HORIZON", None) => 0,
        ("LATEST", None) => next,
        ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", Some(text)) => {
            let Some(seq) = Seq::parse(text) else {
                return Err(KinesisError::invalid_argument(format!(
                    "StartingSequenceNumber {text} used in GetShardIterator on shard {shard} in stream {name} \
                     under account {account} is invalid."
                )));
            };
            if seq.shard != index {
                return Err(KinesisError::invalid_argument(format!(
                    "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a shard with {shard}",
                    shard_id(seq.shard)
                )));
            }
            if seq.ms < created_ms {
                return Err(KinesisError::invalid_argument(format!(
                    "StartingSequenceNumber {text} used in GetShardIterator on shard {shard} in stream {name} \
                     under account {account} is invalid because it did not come from this stream."
                )));
            }
            seq.position + u64::from(kind == "AFTER_SEQUENCE_NUMBER")
        }
        ("AT_TIMESTAMP", _) => {
            let Some(secs) = input["Timestamp"].as_f64() else {
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
            k.store().read(move |c| persist::position_at(c, stream_id, index, at)).await?.unwrap_or(next)
        }
        // The model's enum check refuses every other type before this runs.
        (other, _) => return Err(KinesisError::invalid_argument(format!("Invalid ShardIteratorType {other}"))),
    };
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
