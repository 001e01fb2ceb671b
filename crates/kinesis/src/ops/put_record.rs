//! PutRecord: one record through PutRecords' path. `SequenceNumberForOrdering` must be a
//! sequence number this stream could have issued; the new record's number is always greater
//! (numbers grow with time and position).

use crate::error::{KinesisError, KinesisResult};
use crate::keys::SeqNumber;
use crate::ops::put_records::{put, Entry};
use crate::stream::shard_id;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::str_opt;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    ops::refuse_dry_run(&input)?;
    let entry = Entry::read(&input)?;
    if let Some(text) = str_opt(&input, "SequenceNumberForOrdering") {
        // Any well-formed number of a version AWS wrote, not from the future (recorded).
        let future = |s: SeqNumber| s.arrival_s.is_some_and(|a| a.saturating_mul(1000) > k.now_ms());
        if SeqNumber::parse(text).map_or(true, future) {
            let key = ops::stream_key(ctx, &input)?;
            return Err(KinesisError::invalid_argument(format!(
                "ExclusiveMinimumSequenceNumber {text} used in PutRecord on stream {} under account {} is invalid.",
                key.2, key.0
            )));
        }
    }
    let (placed, encryption) = put(k, ctx, &input, vec![entry]).await?;
    let p = match placed.into_iter().next() {
        Some(Ok(p)) => p,
        Some(Err(shard)) => {
            let key = ops::stream_key(ctx, &input)?;
            return Err(KinesisError::rate_exceeded(&shard_id(shard), &key.2, &key.0));
        }
        None => return Err(KinesisError::Internal("PutRecord placed no record".into())),
    };
    Ok(json!({"ShardId": shard_id(p.shard), "SequenceNumber": p.seq.to_wire(), "EncryptionType": encryption}))
}
