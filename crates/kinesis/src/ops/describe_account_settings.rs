//! DescribeAccountSettings: the account's minimum throughput billing commitment, DISABLED
//! until UpdateAccountSettings enables it.

use crate::error::KinesisResult;
use crate::Kinesis;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext) -> KinesisResult<Value> {
    let commitment = k.settings().read().get(&ctx.account).cloned().unwrap_or_else(|| json!({"Status": "DISABLED"}));
    Ok(json!({ "MinimumThroughputBillingCommitment": commitment }))
}
