//! ListChannels: the account's channels in the region by name, `MaxResults` (default 100) at
//! a time; StreamFilter keeps the channels of the streams it names.

use crate::error::KinesisResult;
use crate::{ops, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::input::int_opt;

pub(crate) fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let limit = int_opt(&input, "MaxResults").unwrap_or(100).max(1) as usize;
    let after = ops::page_token(&input, "channels")?;
    let filters = input["StreamFilter"].as_array().cloned().unwrap_or_default();
    let channels = k.channels().read();
    let mine: Vec<_> = channels
        .values()
        .filter(|c| c.account == ctx.account && c.region == ctx.region && c.matches(&filters))
        .filter(|c| after.as_deref().is_none_or(|a| c.name.as_str() > a))
        .collect();
    let page: Vec<Value> = mine.iter().take(limit).map(|c| c.summary()).collect();
    let mut out = json!({ "ChannelSummaries": page });
    if mine.len() > limit {
        out["NextToken"] = ops::next_token("channels", &mine[limit - 1].name).into();
    }
    Ok(out)
}
