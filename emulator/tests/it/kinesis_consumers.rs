//! Kinesis enhanced fan-out with the official `aws-sdk-kinesis`: consumers registered,
//! described, listed, tagged and deregistered; SubscribeToShard read through the SDK's own
//! event-stream decoder (records by identity and order, the wake-up on a put, the continuation,
//! the end of a closed shard); raw HTTP/2 and CBOR event frames; stream and consumer states
//! under `--kinesis-delays`; consumers after a restart.

use crate::common::*;
use crate::kinesis_records::{kcode, kinesis};
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{ShardIteratorType, StartingPosition, SubscribeToShardEvent, SubscribeToShardEventStream};
use aws_sdk_kinesis::Client as Kinesis;
use std::time::Duration;

const STREAM_ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/";

async fn stream_with_consumer(c: &Kinesis, stream: &str, shards: i32, consumer: &str) -> String {
    c.create_stream().stream_name(stream).shard_count(shards).send().await.unwrap();
    let r = c.register_stream_consumer().stream_arn(format!("{STREAM_ARN}{stream}")).consumer_name(consumer);
    r.send().await.unwrap().consumer.unwrap().consumer_arn
}

fn position(kind: ShardIteratorType, seq: Option<&str>) -> StartingPosition {
    StartingPosition::builder().r#type(kind).set_sequence_number(seq.map(str::to_string)).build().unwrap()
}

type Events = aws_sdk_kinesis::primitives::event_stream::EventReceiver<
    SubscribeToShardEventStream,
    aws_sdk_kinesis::types::error::SubscribeToShardEventStreamError,
>;

/// The next SubscribeToShardEvent, within 30 s (a hung stream fails the test).
async fn next_event(events: &mut Events) -> Option<SubscribeToShardEvent> {
    let got = tokio::time::timeout(Duration::from_secs(30), events.recv()).await.expect("an event within 30 s");
    match got.expect("a well-formed event") {
        Some(SubscribeToShardEventStream::SubscribeToShardEvent(e)) => Some(e),
        Some(other) => panic!("unexpected event {other:?}"),
        None => None,
    }
}

async fn subscribe(c: &Kinesis, consumer: &str, shard: &str, at: StartingPosition) -> Events {
    let r = c.subscribe_to_shard().consumer_arn(consumer).shard_id(shard).starting_position(at);
    r.send().await.unwrap().event_stream
}

/// Puts `n` records keyed `prefix-i`, answering (sequence number, data) in order.
async fn put_n(c: &Kinesis, stream: &str, prefix: &str, n: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for i in 0..n {
        let data = format!("{prefix}-{i}").into_bytes();
        let r = c.put_record().stream_name(stream).partition_key(format!("{prefix}-{i}")).data(Blob::new(data.clone()));
        out.push((r.send().await.unwrap().sequence_number, data));
    }
    out
}

fn identities(e: &SubscribeToShardEvent) -> Vec<(String, Vec<u8>)> {
    e.records.iter().map(|r| (r.sequence_number.clone(), r.data.as_ref().to_vec())).collect()
}

/// Register, describe (by ARN and by stream and name), list with paging, tag, refuse a second
/// registration of a name and a stream deletion without EnforceConsumerDeletion, deregister.
#[tokio::test]
async fn consumers_register_describe_list_tag_and_deregister() {
    let env = start().await;
    let c = kinesis(&env.endpoint());
    let arn = stream_with_consumer(&c, "s", 1, "first").await;
    assert!(arn.starts_with(&format!("{STREAM_ARN}s/consumer/first:")), "{arn}");
    let stream_arn = format!("{STREAM_ARN}s");
    let d = c.describe_stream_consumer().consumer_arn(&arn).send().await.unwrap().consumer_description.unwrap();
    assert_eq!(
        (d.consumer_name.as_str(), d.consumer_status.as_str(), d.stream_arn.as_str()),
        ("first", "ACTIVE", stream_arn.as_str())
    );
    let by_name = c.describe_stream_consumer().stream_arn(&stream_arn).consumer_name("first").send().await.unwrap();
    assert_eq!(by_name.consumer_description.unwrap().consumer_arn, arn);

    let e = c.register_stream_consumer().stream_arn(&stream_arn).consumer_name("first").send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "ResourceInUseException");
    for name in ["second", "third"] {
        c.register_stream_consumer().stream_arn(&stream_arn).consumer_name(name).send().await.unwrap();
    }
    let page = c.list_stream_consumers().stream_arn(&stream_arn).max_results(2).send().await.unwrap();
    let names: Vec<_> = page.consumers().iter().map(|c| c.consumer_name.clone()).collect();
    assert_eq!(names, ["first", "second"]);
    let rest =
        c.list_stream_consumers().stream_arn(&stream_arn).next_token(page.next_token.unwrap()).send().await.unwrap();
    assert_eq!(rest.consumers().iter().map(|c| c.consumer_name.as_str()).collect::<Vec<_>>(), ["third"]);
    assert!(rest.next_token.is_none());
    let summary =
        c.describe_stream_summary().stream_name("s").send().await.unwrap().stream_description_summary.unwrap();
    assert_eq!(summary.consumer_count, Some(3));

    c.tag_resource().resource_arn(&arn).tags("team", "blue").send().await.unwrap();
    let tags = c.list_tags_for_resource().resource_arn(&arn).send().await.unwrap().tags.unwrap();
    assert_eq!((tags[0].key.as_str(), tags[0].value()), ("team", Some("blue")));
    let stream_tags = c.list_tags_for_resource().resource_arn(&stream_arn).send().await.unwrap().tags.unwrap();
    assert!(stream_tags.is_empty(), "the consumer's tags are its own");
    c.untag_resource().resource_arn(&arn).tag_keys("team").send().await.unwrap();
    assert!(c.list_tags_for_resource().resource_arn(&arn).send().await.unwrap().tags.unwrap().is_empty());

    let e = c.delete_stream().stream_name("s").send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "ResourceInUseException", "consumers need EnforceConsumerDeletion");

    c.deregister_stream_consumer().consumer_arn(&arn).send().await.unwrap();
    let e = c.describe_stream_consumer().consumer_arn(&arn).send().await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()),
        ("ResourceNotFoundException".into(), format!("Consumer {arn} not found."))
    );
    c.deregister_stream_consumer().stream_arn(&stream_arn).consumer_name("second").send().await.unwrap();
    let e = c.deregister_stream_consumer().consumer_name("third").send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "InvalidArgumentException", "a name needs its stream");
    c.delete_stream().stream_name("s").enforce_consumer_deletion(true).send().await.unwrap();
    let e = c.list_stream_consumers().stream_arn(&stream_arn).send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "ResourceNotFoundException");
}

/// Records put before the subscription arrive first, by identity and in order; a record put
/// after the reader caught up arrives in the very next event (the put wakes the reader: the
/// next heartbeat is 5 s away); the continuation resumes after the last record.
#[tokio::test]
async fn subscribe_to_shard_delivers_records_and_wakes_on_put() {
    let env = start().await;
    let c = kinesis(&env.endpoint());
    let consumer = stream_with_consumer(&c, "f", 1, "reader").await;
    let before = put_n(&c, "f", "before", 25).await;
    let mut events =
        subscribe(&c, &consumer, "shardId-000000000000", position(ShardIteratorType::TrimHorizon, None)).await;
    let mut got = Vec::new();
    let mut last = None;
    while got.len() < before.len() {
        let e = next_event(&mut events).await.expect("the stream goes on");
        got.extend(identities(&e));
        last = Some(e);
    }
    assert_eq!(got, before, "every record, by sequence number and data, in order");
    let last = last.unwrap();
    assert_eq!(last.continuation_sequence_number, before[24].0);
    assert_eq!(last.millis_behind_latest, 0);

    let after = put_n(&c, "f", "after", 1).await;
    let woke = next_event(&mut events).await.unwrap();
    assert_eq!(identities(&woke), after, "the put's record is the next event");
    assert_eq!(woke.continuation_sequence_number, after[0].0);

    // One subscription per consumer and shard.
    let again = c.subscribe_to_shard().consumer_arn(&consumer).shard_id("shardId-000000000000");
    let e = again.starting_position(position(ShardIteratorType::Latest, None)).send().await.unwrap_err();
    let (code, message) = kcode(&e.into_service_error());
    assert_eq!(code, "ResourceInUseException");
    assert_eq!(
        message,
        "Another active subscription exists for this consumer: 000000000000:f:shardId-000000000000:reader"
    );
    drop(events);

    // Resuming from the continuation after the reader went away gives what came after it.
    let later = put_n(&c, "f", "later", 3).await;
    let resume = position(ShardIteratorType::AfterSequenceNumber, Some(&after[0].0));
    let mut events = None;
    for _ in 0..100 {
        let r = c.subscribe_to_shard().consumer_arn(&consumer).shard_id("shardId-000000000000");
        match r.starting_position(resume.clone()).send().await {
            Ok(o) => {
                events = Some(o.event_stream);
                break;
            }
            // The first subscription is released once the server sees its reader gone.
            Err(e) => assert_eq!(kcode(&e.into_service_error()).0, "ResourceInUseException"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut events = events.expect("the first subscription is released");
    let mut got = Vec::new();
    while got.len() < later.len() {
        got.extend(identities(&next_event(&mut events).await.unwrap()));
    }
    assert_eq!(got, later);
}

/// A subscription to a shard closed by a split delivers its records, then one last event with
/// the children and no continuation, and ends.
#[tokio::test]
async fn subscribe_to_a_closed_shard_ends_with_its_children() {
    let env = start().await;
    let c = kinesis(&env.endpoint());
    let consumer = stream_with_consumer(&c, "x", 1, "reader").await;
    let records = put_n(&c, "x", "r", 10).await;
    let split = c.split_shard().stream_name("x").shard_to_split("shardId-000000000000");
    split.new_starting_hash_key((1u128 << 127).to_string()).send().await.unwrap();
    let mut events =
        subscribe(&c, &consumer, "shardId-000000000000", position(ShardIteratorType::TrimHorizon, None)).await;
    let mut got = Vec::new();
    let end = loop {
        let e = next_event(&mut events).await.expect("an end event before the stream closes");
        got.extend(identities(&e));
        if e.child_shards.is_some() {
            break e;
        }
    };
    assert_eq!(got, records);
    // AWS sends none (the KCL reads a null continuation as the shard's end); the Rust SDK fills
    // the required member with an empty string.
    assert!(end.continuation_sequence_number.is_empty(), "no continuation at the end of the shard");
    let children: Vec<_> = end.child_shards().iter().map(|c| c.shard_id.clone()).collect();
    assert_eq!(children, ["shardId-000000000001", "shardId-000000000002"]);
    assert_eq!(end.child_shards()[0].parent_shards, ["shardId-000000000000"]);
    assert!(next_event(&mut events).await.is_none(), "the stream ends after the children");
}

/// SubscribeToShard's errors in AWS's shapes: a consumer that is not ACTIVE, a shard that does
/// not exist, a consumer ARN of no consumer, DryRun, a type without its sequence number.
#[tokio::test]
async fn subscribe_to_shard_errors() {
    let mut config = quayside::Config::for_tests();
    config.options.insert("kinesis-delays", "RegisterStreamConsumer=600000".into());
    let env = start_with(config).await;
    let c = kinesis(&env.endpoint());
    let creating = stream_with_consumer(&c, "e", 1, "slow").await;
    let d = c.describe_stream_consumer().consumer_arn(&creating).send().await.unwrap().consumer_description.unwrap();
    assert_eq!(d.consumer_status.as_str(), "CREATING");
    let sub = |arn: &str, shard: &str, at: StartingPosition| {
        c.subscribe_to_shard().consumer_arn(arn).shard_id(shard).starting_position(at).send()
    };
    let e = sub(&creating, "shardId-000000000000", position(ShardIteratorType::Latest, None)).await.unwrap_err();
    let secs = creating.rsplit(':').next().unwrap();
    assert_eq!(
        kcode(&e.into_service_error()),
        (
            "ResourceInUseException".into(),
            format!("Consumer slow with creation timestamp {secs} under stream e and account 000000000000 is not in ACTIVE status.")
        )
    );
    let missing = format!("{STREAM_ARN}e/consumer/nobody:1700000000");
    let e = sub(&missing, "shardId-000000000000", position(ShardIteratorType::Latest, None)).await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()),
        ("ResourceNotFoundException".into(), format!("Consumer {missing} not found."))
    );

    let mut ready = quayside::Config::for_tests();
    ready.options.insert("kinesis-delays", "".into());
    let env2 = start_with(ready).await;
    let c2 = kinesis(&env2.endpoint());
    let arn = stream_with_consumer(&c2, "e", 1, "ok").await;
    let r = c2.subscribe_to_shard().consumer_arn(&arn).shard_id("shardId-000000000009");
    let e = r.starting_position(position(ShardIteratorType::Latest, None)).send().await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()),
        (
            "ResourceNotFoundException".into(),
            "Shard shardId-000000000009 in stream e under account 000000000000 does not exist".into()
        )
    );
    let r = c2.subscribe_to_shard().consumer_arn(&arn).shard_id("shardId-000000000000").dry_run(true);
    let e = r.starting_position(position(ShardIteratorType::Latest, None)).send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "DryRunOperationException");
    let r = c2.subscribe_to_shard().consumer_arn(&arn).shard_id("shardId-000000000000");
    let e = r.starting_position(position(ShardIteratorType::AtSequenceNumber, None)).send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "InvalidArgumentException");
    // None of the refused calls holds the shard: a real subscription goes through.
    subscribe(&c2, &arn, "shardId-000000000000", position(ShardIteratorType::Latest, None)).await;
}

/// A CREATING stream refuses puts as AWS does until it is ACTIVE; a DELETING stream is still
/// described, then gone. Delays from `--kinesis-delays`.
#[tokio::test]
async fn stream_states_follow_the_configured_delays() {
    let mut config = quayside::Config::for_tests();
    config.options.insert("kinesis-delays", "CreateStream=300,DeleteStream=300,*=200".into());
    let env = start_with(config).await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("slow").shard_count(1).send().await.unwrap();
    let status = |c: &Kinesis| {
        let c = c.clone();
        async move {
            match c.describe_stream_summary().stream_name("slow").send().await {
                Ok(o) => o.stream_description_summary.unwrap().stream_status.as_str().to_string(),
                Err(e) => kcode(&e.into_service_error()).0,
            }
        }
    };
    assert_eq!(status(&c).await, "CREATING");
    let e = c.put_record().stream_name("slow").partition_key("k").data(Blob::new("x")).send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "ResourceNotFoundException", "no puts while CREATING");
    let e =
        c.split_shard().stream_name("slow").shard_to_split("shardId-000000000000").new_starting_hash_key("5").send();
    assert_eq!(kcode(&e.await.unwrap_err().into_service_error()).0, "ResourceInUseException");
    wait_for_status(&c, "slow", "ACTIVE").await;

    c.update_shard_count()
        .stream_name("slow")
        .target_shard_count(2)
        .scaling_type(aws_sdk_kinesis::types::ScalingType::UniformScaling)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&c).await, "UPDATING", "UpdateShardCount's delay is `*`'s");
    c.put_record()
        .stream_name("slow")
        .partition_key("k")
        .data(Blob::new("x"))
        .send()
        .await
        .expect("puts go on while UPDATING");
    wait_for_status(&c, "slow", "ACTIVE").await;

    c.delete_stream().stream_name("slow").send().await.unwrap();
    assert_eq!(status(&c).await, "DELETING");
    wait_for_status(&c, "slow", "ResourceNotFoundException").await;
}

/// Polls DescribeStreamSummary until the stream's status (or error code) is `want`, 10 s at most.
async fn wait_for_status(c: &Kinesis, stream: &str, want: &str) {
    let mut seen = String::new();
    for _ in 0..200 {
        seen = match c.describe_stream_summary().stream_name(stream).send().await {
            Ok(o) => o.stream_description_summary.unwrap().stream_status.as_str().to_string(),
            Err(e) => kcode(&e.into_service_error()).0,
        };
        if seen == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{stream} still {seen}, not {want}");
}

/// Consumers, their ARNs and tags come back after a restart; one left CREATING is ACTIVE.
#[tokio::test]
async fn consumers_survive_a_restart() {
    let dir = temp_dir("kinesis-consumers");
    let mut config = durable(&dir);
    config.options.insert("kinesis-delays", "RegisterStreamConsumer=600000".into());
    let env = start_with(config).await;
    let c = kinesis(&env.endpoint());
    let arn = stream_with_consumer(&c, "p", 1, "kept").await;
    c.tag_resource().resource_arn(&arn).tags("k", "v").send().await.unwrap();
    let Env { running, .. } = env;
    running.shutdown().await;
    let env = start_with(durable(&dir)).await;
    let c = kinesis(&env.endpoint());
    let d = c.describe_stream_consumer().consumer_arn(&arn).send().await.unwrap().consumer_description.unwrap();
    assert_eq!((d.consumer_arn.as_str(), d.consumer_status.as_str()), (arn.as_str(), "ACTIVE"));
    let tags = c.list_tags_for_resource().resource_arn(&arn).send().await.unwrap().tags.unwrap();
    assert_eq!(tags.len(), 1);
    subscribe(&c, &arn, "shardId-000000000000", position(ShardIteratorType::TrimHorizon, None)).await;
    let _ = std::fs::remove_dir_all(&dir);
}
