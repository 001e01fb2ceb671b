//! One module per Kinesis operation, each a `handle(kinesis, ctx, input)` returning the
//! JSON-shaped output; the helpers every operation shares are here.

use crate::error::{KinesisError, KinesisResult};
use crate::stream::Stream;
use crate::{Kinesis, StreamKey};
use aws_protocol::RequestContext;
use serde_json::Value;
use service::codec::Output;
use service::input::str_opt;

mod create_stream;
mod delete_stream;
mod describe_stream;
mod describe_stream_summary;
mod get_records;
mod get_shard_iterator;
mod list_shards;
mod list_streams;
mod put_record;
mod put_records;

/// Runs an operation; `None` if it is not built yet.
pub(crate) async fn dispatch(
    k: &Kinesis,
    ctx: &RequestContext,
    op: &str,
    input: Value,
) -> Option<KinesisResult<Output>> {
    let answer = match op {
        "CreateStream" => create_stream::handle(k, ctx, input).await,
        "DeleteStream" => delete_stream::handle(k, ctx, input).await,
        "DescribeStream" => describe_stream::handle(k, ctx, input),
        "DescribeStreamSummary" => describe_stream_summary::handle(k, ctx, input),
        "ListShards" => list_shards::handle(k, ctx, input),
        "ListStreams" => list_streams::handle(k, ctx, input),
        "PutRecord" => put_record::handle(k, ctx, input).await,
        "PutRecords" => put_records::handle(k, ctx, input).await,
        "GetShardIterator" => get_shard_iterator::handle(k, ctx, input).await,
        "GetRecords" => return Some(get_records::handle(k, input).await),
        _ => return None,
    };
    Some(answer.map(Output::from))
}

/// The stream an input names by StreamName or StreamARN (an ARN names its own account and
/// region).
///
/// Errors: `InvalidArgumentException` when neither is given, when both name different
/// streams, or for an ARN that is not a Kinesis stream's.
pub(crate) fn stream_key(ctx: &RequestContext, input: &Value) -> KinesisResult<StreamKey> {
    let name = str_opt(input, "StreamName");
    match str_opt(input, "StreamARN") {
        Some(arn) => {
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let (region, account, resource) = match parts.as_slice() {
                ["arn", _, "kinesis", region, account, resource] => (*region, *account, *resource),
                _ => return Err(KinesisError::invalid_argument(format!("Invalid StreamARN {arn}"))),
            };
            let Some(stream) = resource.strip_prefix("stream/").filter(|s| !s.is_empty() && !s.contains('/')) else {
                return Err(KinesisError::invalid_argument(format!("Invalid StreamARN {arn}")));
            };
            if name.is_some_and(|n| n != stream) {
                return Err(KinesisError::invalid_argument(format!(
                    "StreamName {} does not match the stream name in StreamARN {arn}",
                    name.unwrap_or_default()
                )));
            }
            Ok((account.to_string(), region.to_string(), stream.to_string()))
        }
        None => match name {
            Some(n) => Ok((ctx.account.clone(), ctx.region.clone(), n.to_string())),
            None => Err(KinesisError::invalid_argument("Either StreamName or StreamARN should be provided.")),
        },
    }
}

/// Runs `f` on the stream the input names.
///
/// Errors: as [`stream_key`]; `ResourceNotFoundException` for a stream that does not exist.
pub(crate) fn with_stream<R>(
    k: &Kinesis,
    ctx: &RequestContext,
    input: &Value,
    f: impl FnOnce(&Stream) -> KinesisResult<R>,
) -> KinesisResult<R> {
    let key = stream_key(ctx, input)?;
    let streams = k.streams().read();
    let s = streams.get(&key).ok_or_else(|| KinesisError::stream_not_found(&key.2, &key.0))?;
    f(s)
}

/// `DryRunOperationException` when the input sets `DryRun` (AWS checks the call and stops).
pub(crate) fn refuse_dry_run(input: &Value) -> KinesisResult<()> {
    if input["DryRun"].as_bool() == Some(true) {
        return Err(KinesisError::dry_run());
    }
    Ok(())
}
