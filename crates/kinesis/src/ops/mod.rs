//! One module per Kinesis operation, each a `handle(kinesis, ctx, input)` returning the
//! JSON-shaped output; the helpers every operation shares are here.

use crate::error::{KinesisError, KinesisResult};
use crate::stream::{shard_id, Consumer, ReshardError, Stream};
use crate::{persist, Finish, Kinesis, StreamKey};
use aws_protocol::RequestContext;
use serde_json::Value;
use service::codec::Output;
use service::input::str_opt;

mod acknowledge_dead_letter_queue_records;
mod acknowledge_queue_records;
pub(crate) mod add_tags_to_stream;
mod create_channel;
mod create_queue;
pub(crate) mod create_stream;
pub(crate) mod decrease_stream_retention_period;
mod delete_channel;
mod delete_queue;
mod delete_resource_policy;
mod delete_stream;
mod deregister_stream_consumer;
mod describe_account_settings;
mod describe_channel;
mod describe_limits;
mod describe_queue;
mod describe_stream;
mod describe_stream_consumer;
mod describe_stream_summary;
mod disable_enhanced_monitoring;
mod enable_enhanced_monitoring;
mod get_records;
mod get_resource_policy;
pub(crate) mod get_shard_iterator;
pub(crate) mod increase_stream_retention_period;
mod list_channels;
mod list_queues;
mod list_shards;
mod list_stream_consumers;
mod list_streams;
mod list_tags_for_resource;
mod list_tags_for_stream;
mod merge_shards;
mod put_record;
pub(crate) mod put_records;
mod put_resource_policy;
mod receive_dead_letter_queue_records;
mod receive_queue_records;
pub(crate) mod register_stream_consumer;
mod remove_tags_from_stream;
mod restore_dead_letter_queue_records;
mod split_shard;
mod start_stream_encryption;
mod stop_stream_encryption;
mod subscribe_to_shard;
mod tag_resource;
mod untag_resource;
mod update_account_settings;
mod update_channel;
mod update_dead_letter_queue_records_visibility;
mod update_max_record_size;
mod update_queue;
mod update_queue_records_visibility;
pub(crate) mod update_shard_count;
pub(crate) mod update_stream_mode;
mod update_stream_record_distribution_strategy;
mod update_stream_warm_throughput;

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
        "SubscribeToShard" => return Some(subscribe_to_shard::handle(k, ctx, input).await),
        "RegisterStreamConsumer" => register_stream_consumer::handle(k, ctx, input).await,
        "DeregisterStreamConsumer" => deregister_stream_consumer::handle(k, ctx, input).await,
        "DescribeStreamConsumer" => describe_stream_consumer::handle(k, ctx, input),
        "ListStreamConsumers" => list_stream_consumers::handle(k, ctx, input),
        "CreateChannel" => create_channel::handle(k, ctx, input).await,
        "DescribeChannel" => describe_channel::handle(k, input),
        "ListChannels" => list_channels::handle(k, ctx, input),
        "UpdateChannel" => update_channel::handle(k, input).await,
        "DeleteChannel" => delete_channel::handle(k, input).await,
        "CreateQueue" => create_queue::handle(k, ctx, input).await,
        "DescribeQueue" => describe_queue::handle(k, input),
        "ListQueues" => list_queues::handle(k, ctx, input),
        "UpdateQueue" => update_queue::handle(k, input).await,
        "DeleteQueue" => delete_queue::handle(k, input).await,
        "ReceiveQueueRecords" => receive_queue_records::handle(k, input).await,
        "AcknowledgeQueueRecords" => acknowledge_queue_records::handle(k, input).await,
        "UpdateQueueRecordsVisibility" => update_queue_records_visibility::handle(k, input).await,
        "ReceiveDeadLetterQueueRecords" => receive_dead_letter_queue_records::handle(k, input).await,
        "AcknowledgeDeadLetterQueueRecords" => acknowledge_dead_letter_queue_records::handle(k, input).await,
        "UpdateDeadLetterQueueRecordsVisibility" => update_dead_letter_queue_records_visibility::handle(k, input).await,
        "RestoreDeadLetterQueueRecords" => restore_dead_letter_queue_records::handle(k, input).await,
        "AddTagsToStream" => add_tags_to_stream::handle(k, ctx, input).await,
        "DecreaseStreamRetentionPeriod" => decrease_stream_retention_period::handle(k, ctx, input).await,
        "DeleteResourcePolicy" => delete_resource_policy::handle(k, ctx, input).await,
        "DescribeAccountSettings" => describe_account_settings::handle(k, ctx),
        "DescribeLimits" => describe_limits::handle(k, ctx),
        "DisableEnhancedMonitoring" => disable_enhanced_monitoring::handle(k, ctx, input).await,
        "EnableEnhancedMonitoring" => enable_enhanced_monitoring::handle(k, ctx, input).await,
        "GetResourcePolicy" => get_resource_policy::handle(k, ctx, input),
        "IncreaseStreamRetentionPeriod" => increase_stream_retention_period::handle(k, ctx, input).await,
        "ListTagsForResource" => list_tags_for_resource::handle(k, ctx, input),
        "ListTagsForStream" => list_tags_for_stream::handle(k, ctx, input),
        "MergeShards" => merge_shards::handle(k, ctx, input).await,
        "PutResourcePolicy" => put_resource_policy::handle(k, ctx, input).await,
        "RemoveTagsFromStream" => remove_tags_from_stream::handle(k, ctx, input).await,
        "SplitShard" => split_shard::handle(k, ctx, input).await,
        "StartStreamEncryption" => start_stream_encryption::handle(k, ctx, input).await,
        "StopStreamEncryption" => stop_stream_encryption::handle(k, ctx, input).await,
        "TagResource" => tag_resource::handle(k, ctx, input).await,
        "UntagResource" => untag_resource::handle(k, ctx, input).await,
        "UpdateAccountSettings" => update_account_settings::handle(k, ctx, input).await,
        "UpdateMaxRecordSize" => update_max_record_size::handle(k, ctx, input).await,
        "UpdateShardCount" => update_shard_count::handle(k, ctx, input).await,
        "UpdateStreamMode" => update_stream_mode::handle(k, ctx, input).await,
        "UpdateStreamRecordDistributionStrategy" => {
            update_stream_record_distribution_strategy::handle(k, ctx, input).await
        }
        "UpdateStreamWarmThroughput" => update_stream_warm_throughput::handle(k, ctx, input).await,
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
            let invalid = || KinesisError::invalid_argument(format!("Invalid StreamARN {arn}"));
            let (region, account, resource) = kinesis_arn(arn).ok_or_else(invalid)?;
            let stream =
                resource.strip_prefix("stream/").filter(|s| !s.is_empty() && !s.contains('/')).ok_or_else(invalid)?;
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

/// A Kinesis ARN's region, account and resource (`stream/...`).
fn kinesis_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "kinesis", region, account, resource] => Some((region, account, resource)),
        _ => None,
    }
}

/// A consumer ARN's parts: its stream, its name and its creation time in epoch seconds.
pub(crate) fn parse_consumer_arn(arn: &str) -> Option<(StreamKey, String, u64)> {
    let (region, account, resource) = kinesis_arn(arn)?;
    let (stream, rest) = resource.strip_prefix("stream/")?.split_once("/consumer/")?;
    let (name, secs) = rest.rsplit_once(':')?;
    if stream.is_empty() || name.is_empty() || stream.contains('/') || name.contains('/') {
        return None;
    }
    Some(((account.to_string(), region.to_string(), stream.to_string()), name.to_string(), secs.parse().ok()?))
}

/// The consumer an input names: by `ConsumerARN`, or by `StreamARN` and `ConsumerName`; the
/// creation time when an ARN names it.
///
/// Errors: `InvalidArgumentException` for neither, or for an ARN that is not a consumer's.
pub(crate) fn consumer_ref(ctx: &RequestContext, input: &Value) -> KinesisResult<(StreamKey, String, Option<u64>)> {
    if let Some(arn) = str_opt(input, "ConsumerARN") {
        let (key, name, secs) = parse_consumer_arn(arn)
            .ok_or_else(|| KinesisError::invalid_argument(format!("Invalid ConsumerARN {arn}")))?;
        return Ok((key, name, Some(secs)));
    }
    match (str_opt(input, "StreamARN"), str_opt(input, "ConsumerName")) {
        (Some(_), Some(name)) => Ok((stream_key(ctx, input)?, name.to_string(), None)),
        _ => Err(KinesisError::invalid_argument(
            "Either ConsumerARN or both ConsumerName and StreamARN should be provided.",
        )),
    }
}

/// The input with `StreamARN` naming the stream `key` (a consumer ARN's stream).
pub(crate) fn naming_stream(key: &StreamKey, input: &Value) -> Value {
    let mut v = input.clone();
    v["StreamARN"] = crate::stream::stream_arn(&key.0, &key.1, &key.2).into();
    v
}

/// `ResourceNotFoundException` for a consumer (named by its ARN when the input gave one).
pub(crate) fn consumer_not_found(input: &Value) -> KinesisError {
    let named = str_opt(input, "ConsumerARN").or(str_opt(input, "ConsumerName")).unwrap_or_default();
    KinesisError::not_found(format!("Consumer {named} not found."))
}

/// Runs `f` on the consumer the input names and its stream.
///
/// Errors: as [`consumer_ref`]; `ResourceNotFoundException` for a stream or consumer that does
/// not exist (a consumer ARN of an earlier consumer of the same name included).
pub(crate) fn with_consumer<R>(
    k: &Kinesis,
    ctx: &RequestContext,
    input: &Value,
    f: impl FnOnce(&Stream, &Consumer) -> KinesisResult<R>,
) -> KinesisResult<R> {
    let (key, name, secs) = consumer_ref(ctx, input)?;
    let streams = k.streams().read();
    let s = streams.get(&key).ok_or_else(|| KinesisError::stream_not_found(&key.2, &key.0))?;
    let at = s.consumer_at(&name, secs).ok_or_else(|| consumer_not_found(input))?;
    f(s, &s.consumers[at])
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

/// Changes the stream the input names through `f` (on a copy, which replaces the stream once
/// it is stored) and waits until the change is durable.
///
/// Errors: as [`with_stream`]; whatever `f` answers (nothing changes then); the store failed.
pub(crate) async fn update_stream<R>(
    k: &Kinesis,
    ctx: &RequestContext,
    input: &Value,
    f: impl FnOnce(&mut Stream) -> KinesisResult<R>,
) -> KinesisResult<R> {
    let key = stream_key(ctx, input)?;
    let (pending, r) = {
        let mut streams = k.streams().write();
        let s = streams.get_mut(&key).ok_or_else(|| KinesisError::stream_not_found(&key.2, &key.0))?;
        let mut changed = s.clone();
        let r = f(&mut changed)?;
        let saved = changed.clone();
        *s = changed;
        (k.store().submit(move |t| persist::save_stream(t, &saved)), r)
    };
    pending.await?;
    Ok(r)
}

/// [`update_stream`] for a stream that must be ACTIVE (`ResourceInUseException` otherwise), by
/// `operation`: with a transition delay for it (`--kinesis-delays`), the stream is UPDATING
/// until the delay is over (the change itself is made at once).
pub(crate) async fn update_active_stream<R>(
    k: &Kinesis,
    ctx: &RequestContext,
    input: &Value,
    operation: &str,
    f: impl FnOnce(&mut Stream) -> KinesisResult<R>,
) -> KinesisResult<R> {
    let delay = k.delay(operation);
    let (r, id) = update_stream(k, ctx, input, |s| {
        if s.status != "ACTIVE" {
            return Err(KinesisError::stream_not_active(&s.name, &s.account, &s.status));
        }
        let r = f(s)?;
        if delay > 0 {
            s.status = "UPDATING".into();
        }
        Ok((r, s.id))
    })
    .await?;
    if delay > 0 {
        k.finish_later(stream_key(ctx, input)?, id, delay, |s| {
            s.status = "ACTIVE".into();
            Finish::Keep
        });
    }
    Ok(r)
}

/// The input with `StreamARN` set from `ResourceARN` (the tagging and policy operations name
/// a stream by its ARN; [`stream_key`] refuses other ARNs).
pub(crate) fn resource_input(input: &Value) -> Value {
    let mut v = input.clone();
    if let Some(arn) = str_opt(input, "ResourceARN") {
        v["StreamARN"] = arn.into();
    }
    v
}

/// The stream, or the consumer of a stream, a `ResourceARN` names.
pub(crate) enum Resource {
    Stream(Value),
    Consumer(Value),
}

/// What a tagging call's `ResourceARN` names: a stream (the input as the stream operations
/// read it) or a consumer (the input with its `ConsumerARN`).
pub(crate) fn resource(input: &Value) -> Resource {
    match str_opt(input, "ResourceARN") {
        Some(arn) if arn.contains("/consumer/") => {
            let mut v = input.clone();
            v["ConsumerARN"] = arn.into();
            Resource::Consumer(v)
        }
        _ => Resource::Stream(resource_input(input)),
    }
}

/// Changes the tags of the stream or consumer the input's `ResourceARN` names.
///
/// Errors: as [`update_stream`] and [`with_consumer`]; whatever `f` answers.
pub(crate) async fn update_resource_tags(
    k: &Kinesis,
    ctx: &RequestContext,
    input: &Value,
    f: impl FnOnce(&mut std::collections::BTreeMap<String, String>, crate::tags::Owner<'_>) -> KinesisResult<()>,
) -> KinesisResult<()> {
    match resource(input) {
        Resource::Stream(v) => {
            update_stream(k, ctx, &v, |s| {
                let mut tags = std::mem::take(&mut s.tags);
                let r = f(&mut tags, (&s.name, &s.account));
                s.tags = tags;
                r
            })
            .await
        }
        Resource::Consumer(v) => {
            let (key, name, secs) = consumer_ref(ctx, &v)?;
            update_stream(k, ctx, &naming_stream(&key, &v), |s| {
                let (stream, account) = (s.name.clone(), s.account.clone());
                let at = s.consumer_at(&name, secs).ok_or_else(|| consumer_not_found(&v))?;
                f(&mut s.consumers[at].tags, (&stream, &account))
            })
            .await
        }
    }
}

/// The tags of the stream or consumer the input's `ResourceARN` names, as ListTagsForResource
/// answers them.
pub(crate) fn resource_tags(k: &Kinesis, ctx: &RequestContext, input: &Value) -> KinesisResult<Value> {
    match resource(input) {
        Resource::Stream(v) => with_stream(k, ctx, &v, |s| Ok(crate::tags::list(s.tags.iter()))),
        Resource::Consumer(v) => with_consumer(k, ctx, &v, |_, c| Ok(crate::tags::list(c.tags.iter()))),
    }
}

/// `InvalidArgumentException` for a stream that is not ON_DEMAND (queues and channels need
/// one), with `why` after the stream's name.
pub(crate) fn require_on_demand(s: &Stream, why: &str) -> KinesisResult<()> {
    if s.mode != "ON_DEMAND" {
        return Err(KinesisError::invalid_argument(format!(
            "Stream {} under account {} is not in ON_DEMAND mode. {why}",
            s.name, s.account
        )));
    }
    Ok(())
}

/// A NextToken of ours: `<what>:<where the next page starts>` in base64; `None` without one.
///
/// Errors: InvalidArgumentException for a token that is not one of ours for `what`.
pub(crate) fn page_token(input: &Value, what: &str) -> KinesisResult<Option<String>> {
    use base64::Engine;
    let Some(t) = str_opt(input, "NextToken") else { return Ok(None) };
    base64::engine::general_purpose::STANDARD
        .decode(t)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(&format!("{what}:")).map(str::to_string))
        .map(Some)
        .ok_or_else(|| KinesisError::invalid_argument(format!("Invalid NextToken: {t}")))
}

/// The NextToken for the page after `at`.
pub(crate) fn next_token(what: &str, at: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{what}:{at}"))
}

/// Where a page by position starts: the number in our `NextToken` for `what` (0 without one).
///
/// Errors: InvalidArgumentException for a token that is not one of ours for `what`.
pub(crate) fn page_start(input: &Value, what: &str) -> KinesisResult<usize> {
    match page_token(input, what)? {
        Some(n) => n.parse().map_err(|_| KinesisError::invalid_argument(format!("Invalid NextToken: {n}"))),
        None => Ok(0),
    }
}

/// The page of `items` from `start`, at most `limit`, and the NextToken of the rest if any.
pub(crate) fn page_at<'a, T>(items: &'a [T], start: usize, limit: usize, what: &str) -> (&'a [T], Option<String>) {
    let end = start.saturating_add(limit);
    let page = items.get(start.min(items.len())..end.min(items.len())).unwrap_or_default();
    (page, (end < items.len()).then(|| next_token(what, &end.to_string())))
}

/// The channel an input's `ChannelARN` names.
///
/// Errors: `ResourceNotFoundException` (wording chosen).
pub(crate) fn channel_of(k: &Kinesis, input: &Value) -> KinesisResult<crate::channels::Channel> {
    let arn = str_opt(input, "ChannelARN").unwrap_or_default();
    k.channels().read().get(arn).cloned().ok_or_else(|| KinesisError::not_found(format!("Channel {arn} not found.")))
}

/// Retention bounds, in hours (24 hours to 365 days).
pub(crate) const MIN_RETENTION_HOURS: i64 = 24;
pub(crate) const MAX_RETENTION_HOURS: i64 = 8760;

/// Increase or DecreaseStreamRetentionPeriod.
///
/// Errors: `InvalidArgumentException` out of bounds, or in the wrong direction, in AWS's words.
pub(crate) async fn change_retention(
    k: &Kinesis,
    ctx: &RequestContext,
    input: &Value,
    longer: bool,
) -> KinesisResult<()> {
    let hours = input["RetentionPeriodHours"].as_i64().unwrap_or(0);
    // Retention changes do not block the stream (recorded: an increase to the current value
    // and the next refused decrease follow at once, the stream ACTIVE throughout; AWS documents
    // UPDATING for shard changes), so they are no state change, whatever `--kinesis-delays`
    // says; the arguments are checked before the state.
    update_stream(k, ctx, input, |s| {
        if hours < MIN_RETENTION_HOURS {
            return Err(KinesisError::invalid_argument(format!(
                "Minimum allowed retention period is {MIN_RETENTION_HOURS} hours. Requested retention period ({hours} hours) is too short."
            )));
        }
        if hours > MAX_RETENTION_HOURS {
            return Err(KinesisError::invalid_argument(format!(
                "Maximum allowed retention period is {MAX_RETENTION_HOURS} hours. Requested retention period ({hours} hours) is too long."
            )));
        }
        if longer && hours < s.retention_hours {
            return Err(KinesisError::invalid_argument(format!(
                "Requested retention period ({hours} hours) for stream {} can not be shorter than existing retention period ({} hours). Use DecreaseRetentionPeriod API.",
                s.name, s.retention_hours
            )));
        }
        if !longer && hours > s.retention_hours {
            return Err(KinesisError::invalid_argument(format!(
                "Requested retention period ({hours} hours) for stream {} can not be longer than existing retention period ({} hours). Use IncreaseRetentionPeriod API.",
                s.name, s.retention_hours
            )));
        }
        if s.status != "ACTIVE" {
            return Err(KinesisError::stream_not_active(&s.name, &s.account, &s.status));
        }
        s.retention_hours = hours;
        Ok(())
    })
    .await
}

/// Every shard-level metric, in AWS's order (what `ALL` stands for).
const METRICS: [&str; 7] = [
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
];

/// Enable or DisableEnhancedMonitoring: the metrics before and after.
pub(crate) async fn change_monitoring(
    k: &Kinesis,
    ctx: &RequestContext,
    input: &Value,
    enable: bool,
) -> KinesisResult<Value> {
    let named = service::input::strings(input, "ShardLevelMetrics");
    let all = named.iter().any(|m| m == "ALL");
    let op = if enable { "EnableEnhancedMonitoring" } else { "DisableEnhancedMonitoring" };
    update_active_stream(k, ctx, input, op, |s| {
        let before = s.enhanced.clone();
        let keep = |m: &&&str| {
            let listed = all || named.iter().any(|n| n == **m);
            let was = before.iter().any(|b| b == **m);
            if enable {
                was || listed
            } else {
                was && !listed
            }
        };
        s.enhanced = METRICS.iter().filter(keep).map(|m| m.to_string()).collect();
        Ok(serde_json::json!({
            "StreamName": s.name,
            "StreamARN": s.arn(),
            "CurrentShardLevelMetrics": before,
            "DesiredShardLevelMetrics": s.enhanced,
        }))
    })
    .await
}

/// A shard id resolved to its index before its stream is looked up (recorded): an id that
/// names no index is "Could not find shard <id> in stream <name> ..." whether the stream exists
/// or not.
pub(crate) fn resolve_shard(key: &StreamKey, given: &str) -> KinesisResult<u32> {
    crate::stream::parse_shard_id(given).ok_or_else(|| {
        KinesisError::not_found(format!("Could not find shard {given} in stream {} under account {}.", key.2, key.0))
    })
}

/// `ResourceNotFoundException` for a shard a reshard names.
pub(crate) fn no_such_shard(s: &Stream, shard: &str) -> KinesisError {
    KinesisError::not_found(format!("Could not find shard {shard} in stream {} under account {}.", s.name, s.account))
}

/// A refused reshard in AWS's words.
pub(crate) fn reshard_error(s: &Stream, e: ReshardError, key: &str) -> KinesisError {
    let (name, account) = (&s.name, &s.account);
    match e {
        ReshardError::NoShard(i) => no_such_shard(s, &shard_id(i)),
        ReshardError::Closed(i) => KinesisError::invalid_argument(format!(
            "Shard {} in stream {name} under account {account} has already been merged or split, and thus is not \
             eligible for merging or splitting.",
            shard_id(i)
        )),
        ReshardError::SplitKey(i) => {
            let sh = s.shards.iter().find(|sh| sh.index == i);
            let (start, end) = sh.map_or((0, 0), |sh| (sh.start, sh.end));
            KinesisError::invalid_argument(format!(
                "NewStartingHashKey {key} used in SplitShard() on shard {} in stream {name} under account {account} \
                 is not both greater than one plus the shard's StartingHashKey {start} and less than the shard's \
                 EndingHashKey {end}.",
                shard_id(i)
            ))
        }
        ReshardError::NotAdjacent(a, b) => KinesisError::invalid_argument(format!(
            "Shards {} and {} in stream {name} under account {account} are not an adjacent pair of shards eligible for \
             merging",
            shard_id(a),
            shard_id(b)
        )),
    }
}

/// `LimitExceededException` when `more` new open shards would take the account over its
/// shard limit.
pub(crate) fn check_shard_limit(k: &Kinesis, stream: &StreamKey, more: usize) -> KinesisResult<()> {
    let (account, region) = (&stream.0, &stream.1);
    let current = k.open_shard_count(account, region);
    let limit = k.shard_limit() as usize;
    if current + more > limit {
        return Err(KinesisError::limit_exceeded(format!(
            "This request would exceed the shard limit for the account {account} in {region}. Current shard count for \
             the account: {current}. Limit: {limit}. Number of additional shards that would have resulted from this \
             request: {more}. Refer to the AWS Service Limits page \
             (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to \
             request higher limits."
        )));
    }
    Ok(())
}
