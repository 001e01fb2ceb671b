//! ListStreamConsumers: a stream's consumers in registration order, `MaxResults` (default 100)
//! at a time; the NextToken carries where the next page starts and cannot be combined with
//! StreamCreationTimestamp.

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::int_opt;

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "MaxResults").unwrap_or(100).max(1) as usize;
    let start = ops::page_start(&input, "consumers")?;
    ops::with_stream(k, ctx, &input, |s| {
        if let Some(at) = input["StreamCreationTimestamp"].as_f64() {
            if (at * 1000.0).round() as u64 != s.created_ms {
                return Err(KinesisError::not_found(format!(
                    "Stream {} under account {} with creation timestamp {at} not found.",
                    s.name, s.account
                )));
            }
        }
        let arn = s.arn();
        let (page, next) = ops::page_at(&s.consumers, start, limit, "consumers");
        let mut out = json!({ "Consumers": page.iter().map(|c| c.describe(&arn)).collect::<Vec<Value>>() });
        if let Some(t) = next {
            out["NextToken"] = t.into();
        }
        Ok(out)
    })
}
