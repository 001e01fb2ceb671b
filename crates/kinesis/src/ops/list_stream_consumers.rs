//! ListStreamConsumers: a stream's consumers in registration order, `MaxResults` (default 100)
//! at a time; the NextToken carries where the next page starts and cannot be combined with
//! StreamCreationTimestamp.

use crate::error::{KinesisError, KinesisResult};
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use base64::Engine;
use serde_json::{json, Value};
use service::input::{int_opt, str_opt};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "MaxResults").unwrap_or(100).max(1) as usize;
    let bad_token = |t: &str| KinesisError::invalid_argument(format!("Invalid NextToken: {t}"));
    let start = match str_opt(&input, "NextToken") {
        Some(t) => B64
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("consumers:").and_then(|n| n.parse::<usize>().ok()))
            .ok_or_else(|| bad_token(t))?,
        None => 0,
    };
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
        let page: Vec<Value> = s.consumers.iter().skip(start).take(limit).map(|c| c.describe(&arn)).collect();
        let mut out = json!({ "Consumers": page });
        if start + limit < s.consumers.len() {
            out["NextToken"] = B64.encode(format!("consumers:{}", start + limit)).into();
        }
        Ok(out)
    })
}
