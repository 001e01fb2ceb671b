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
    next_event_within(events, Duration::from_secs(30)).await
}

/// The next SubscribeToShardEvent, within `limit`.
async fn next_event_within(events: &mut Events, limit: Duration) -> Option<SubscribeToShardEvent> {
    let Ok(got) = tokio::time::timeout(limit, events.recv()).await else { panic!("no event within {limit:?}") };
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
/// after the reader caught up arrives in the very next event, well before the 5 s heartbeat
/// could have brought it (the put wakes the reader); the continuation resumes after the last
/// record.
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

    // The reader caught up at the event above: its heartbeat is 5 s away. Only the put's
    // wake-up brings the record within 2.5 s (without it, the heartbeat would, after 5).
    let after = put_n(&c, "f", "after", 1).await;
    let woke = next_event_within(&mut events, Duration::from_millis(2500)).await.unwrap();
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

    // Retention changes leave the stream ACTIVE, whatever `*` says (recorded): an increase to
    // the current value is accepted, and a shorter one is refused at once on its argument.
    c.increase_stream_retention_period().stream_name("slow").retention_period_hours(25).send().await.unwrap();
    assert_eq!(status(&c).await, "ACTIVE");
    c.increase_stream_retention_period().stream_name("slow").retention_period_hours(25).send().await.unwrap();
    let e = c.increase_stream_retention_period().stream_name("slow").retention_period_hours(24).send().await;
    assert_eq!(
        kcode(&e.unwrap_err().into_service_error()).1,
        "Requested retention period (24 hours) for stream slow can not be shorter than existing retention period (25 \
         hours). Use DecreaseRetentionPeriod API."
    );
    c.decrease_stream_retention_period().stream_name("slow").retention_period_hours(24).send().await.unwrap();
    assert_eq!(status(&c).await, "ACTIVE");

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

/// A SubscribeToShard exchange over HTTP/2 with prior knowledge (h2c), as the SDKs for Java
/// and JavaScript make it: the response's content type, and its frames decoded with both CRCs
/// checked, until `want` records arrived. Answers the status, content type and frames.
async fn h2_subscribe(
    addr: std::net::SocketAddr,
    content_type: &str,
    body: Vec<u8>,
    want: usize,
) -> (u16, String, Vec<aws_protocol::eventstream::Frame>) {
    use http_body_util::BodyExt;
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), hyper_util::rt::TokioIo::new(tcp))
            .await
            .expect("an HTTP/2 connection");
    tokio::spawn(conn);
    let req = hyper::Request::post(format!("http://{addr}/"))
        .header("content-type", content_type)
        .header("x-amz-target", "Kinesis_20131202.SubscribeToShard")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=x",
        )
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let res = send.send_request(req).await.unwrap();
    assert_eq!(res.version(), hyper::Version::HTTP_2);
    let status = res.status().as_u16();
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let mut body = res.into_body();
    let (mut buf, mut frames, mut records) = (Vec::new(), Vec::new(), 0usize);
    while records < want || frames.is_empty() {
        let next = tokio::time::timeout(Duration::from_secs(30), body.frame()).await.expect("a frame within 30 s");
        let Some(frame) = next else { break };
        if let Ok(data) = frame.unwrap().into_data() {
            buf.extend_from_slice(&data);
        }
        // Decode the whole messages received so far.
        let mut at = 0;
        while buf.len() - at >= 4 {
            let total = u32::from_be_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
            if buf.len() - at < total {
                break;
            }
            let mut one = aws_protocol::eventstream::decode_all(&buf[at..at + total]).expect("a well-formed message");
            let f = one.remove(0);
            if f.header(":event-type") == Some("SubscribeToShardEvent") {
                records += if ct.contains("json") || f.header(":content-type") == Some("application/json") {
                    serde_json::from_slice::<serde_json::Value>(&f.payload).unwrap()["Records"]
                        .as_array()
                        .unwrap()
                        .len()
                } else {
                    let v: ciborium::value::Value = ciborium::de::from_reader(&f.payload[..]).unwrap();
                    let m = v.as_map().unwrap();
                    m.iter().find(|(k, _)| k.as_text() == Some("Records")).unwrap().1.as_array().unwrap().len()
                };
            }
            frames.push(f);
            at += total;
        }
        buf.drain(..at);
        if status != 200 {
            break;
        }
    }
    (status, ct, frames)
}

/// Over HTTP/2 the answer is `application/vnd.amazon.eventstream`: an `initial-response` event,
/// then SubscribeToShardEvents, in JSON for a JSON request and in CBOR (byte strings, tag-1
/// milliseconds) for a CBOR one.
#[tokio::test]
async fn subscribe_to_shard_over_http2_in_json_and_cbor() {
    use ciborium::value::Value as Cbor;
    let env = start().await;
    let c = kinesis(&env.endpoint());
    let arn = stream_with_consumer(&c, "h", 1, "h2").await;
    let records = put_n(&c, "h", "r", 3).await;
    let body = serde_json::json!({
        "ConsumerARN": arn, "ShardId": "shardId-000000000000", "StartingPosition": {"Type": "TRIM_HORIZON"}
    });
    let (status, ct, frames) =
        h2_subscribe(env.running.addr, "application/x-amz-json-1.1", serde_json::to_vec(&body).unwrap(), 3).await;
    assert_eq!((status, ct.as_str()), (200, "application/vnd.amazon.eventstream"));
    assert_eq!(frames[0].header(":event-type"), Some("initial-response"));
    assert_eq!(frames[0].header(":message-type"), Some("event"));
    let events: Vec<serde_json::Value> = frames[1..]
        .iter()
        .map(|f| {
            assert_eq!(f.header(":event-type"), Some("SubscribeToShardEvent"));
            assert_eq!(f.header(":content-type"), Some("application/json"));
            serde_json::from_slice(&f.payload).unwrap()
        })
        .collect();
    let got: Vec<(String, Vec<u8>)> = events
        .iter()
        .flat_map(|e| e["Records"].as_array().unwrap().clone())
        .map(|r| {
            use base64::Engine;
            let data = base64::engine::general_purpose::STANDARD.decode(r["Data"].as_str().unwrap()).unwrap();
            (r["SequenceNumber"].as_str().unwrap().to_string(), data)
        })
        .collect();
    assert_eq!(got, records);
    assert_eq!(events.last().unwrap()["ContinuationSequenceNumber"], records[2].0.as_str());

    // The same subscription in CBOR: the consumer's first subscription is gone with its
    // connection, so wait for its release.
    let cbor_body = aws_protocol::cbor::encode(None, None, &body);
    let mut answer = None;
    for _ in 0..100 {
        let (status, ct, frames) =
            h2_subscribe(env.running.addr, "application/x-amz-cbor-1.1", cbor_body.clone(), 3).await;
        if status == 200 {
            answer = Some((ct, frames));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (ct, frames) = answer.expect("the JSON subscription is released");
    assert_eq!(ct, "application/vnd.amazon.eventstream");
    let event = frames.iter().find(|f| f.header(":event-type") == Some("SubscribeToShardEvent")).unwrap();
    assert_eq!(event.header(":content-type"), Some("application/x-amz-cbor-1.1"));
    let v: Cbor = ciborium::de::from_reader(&event.payload[..]).unwrap();
    let get =
        |m: &Cbor, k: &str| m.as_map().unwrap().iter().find(|(n, _)| n.as_text() == Some(k)).map(|(_, v)| v.clone());
    let first = get(&v, "Records").unwrap().as_array().unwrap()[0].clone();
    assert_eq!(get(&first, "Data"), Some(Cbor::Bytes(records[0].1.clone())), "data as a byte string");
    match get(&first, "ApproximateArrivalTimestamp") {
        Some(Cbor::Tag(1, ms)) => assert!(ms.as_integer().is_some(), "tag 1 carries integer milliseconds"),
        other => panic!("arrival time {other:?}"),
    }
}

/// The AWS SDK for JavaScript v3, whose Kinesis client speaks HTTP/2 for every call
/// (`NodeHttp2Handler`): CreateStream, PutRecords, ListShards, GetShardIterator, GetRecords,
/// RegisterStreamConsumer and SubscribeToShard through its own event-stream decoder. Every
/// record put is read back by GetRecords and by the subscription, by identity and in order.
#[tokio::test]
async fn the_javascript_sdk_reads_and_subscribes_over_http2() {
    let env = start().await;
    let endpoint = env.endpoint();
    let out = tokio::task::spawn_blocking(move || {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/kinesis-js");
        assert!(
            dir.join("node_modules/@aws-sdk/client-kinesis").exists(),
            "the JavaScript SDK is not installed: run `make test` (it runs npm ci in tools/kinesis-js)"
        );
        std::process::Command::new("node").arg(dir.join("run.js")).arg(&endpoint).arg("js").output().expect("node runs")
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["handler"], "NodeHttp2Handler", "the client's HTTP/2 handler made the calls");
    let by_shard = |list: &serde_json::Value| {
        let mut v: Vec<(String, String, String)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap().to_string();
                (s("shard"), s("seq"), s("data"))
            })
            .collect();
        // Per shard in put order (sequence numbers increase within a shard).
        v.sort();
        v
    };
    let put = by_shard(&seen["put"]);
    assert_eq!(put.len(), 20);
    assert_eq!(by_shard(&seen["getRecords"]), put);
    assert_eq!(by_shard(&seen["subscribed"]), put);
    // The records arrived in sequence order within each shard, as put.
    let subscribed = seen["subscribed"].as_array().unwrap();
    for pair in subscribed.windows(2).filter(|w| w[0]["shard"] == w[1]["shard"]) {
        assert!(pair[0]["seq"].as_str() < pair[1]["seq"].as_str());
    }
}

/// A subscription lasts 5 minutes of the service's clock: moved past them (virtual clock), the
/// event stream ends, and the consumer can subscribe again at once.
#[tokio::test]
async fn a_subscription_ends_after_five_minutes() {
    let env = start_virtual().await;
    let c = kinesis(&env.endpoint());
    let consumer = stream_with_consumer(&c, "l", 1, "reader").await;
    let mut events = subscribe(&c, &consumer, "shardId-000000000000", position(ShardIteratorType::Latest, None)).await;
    env.advance(299).await;
    let r = c.put_record().stream_name("l").partition_key("k").data(Blob::new("in time")).send().await.unwrap();
    let e = next_event(&mut events).await.expect("still subscribed at 4:59");
    assert_eq!(identities(&e), [(r.sequence_number, b"in time".to_vec())]);
    env.advance(2).await;
    assert!(next_event(&mut events).await.is_none(), "the stream ends at 5 minutes");
    subscribe(&c, &consumer, "shardId-000000000000", position(ShardIteratorType::Latest, None)).await;
}

/// An HTTP client for the Rust SDK that speaks HTTP/2 only (h2c, prior knowledge), as the Java
/// and JavaScript SDKs speak to Kinesis: a call it makes cannot have gone over HTTP/1.1. One
/// connection per request.
#[derive(Debug, Clone, Copy)]
struct H2c;

impl aws_smithy_runtime_api::client::http::HttpConnector for H2c {
    fn call(
        &self,
        request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
    ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
        use aws_smithy_runtime_api::client::result::ConnectorError;
        aws_smithy_runtime_api::client::http::HttpConnectorFuture::new(async move {
            let other = |e: Box<dyn std::error::Error + Send + Sync>| ConnectorError::other(e, None);
            let req = request.try_into_http1x().map_err(|e| other(e.into()))?;
            let authority = req.uri().authority().map(|a| a.to_string()).unwrap_or_default();
            let tcp = tokio::net::TcpStream::connect(authority).await.map_err(|e| ConnectorError::io(e.into()))?;
            let (mut send, conn) = hyper::client::conn::http2::handshake(
                hyper_util::rt::TokioExecutor::new(),
                hyper_util::rt::TokioIo::new(tcp),
            )
            .await
            .map_err(|e| other(e.into()))?;
            tokio::spawn(conn);
            let res = send.send_request(req).await.map_err(|e| other(e.into()))?;
            assert_eq!(res.version(), hyper::Version::HTTP_2);
            let res = res.map(aws_smithy_types::body::SdkBody::from_body_1_x);
            aws_smithy_runtime_api::client::orchestrator::HttpResponse::try_from(res).map_err(|e| other(e.into()))
        })
    }
}

/// `aws-sdk-kinesis` over HTTP/2 only: streams, records, a consumer and SubscribeToShard read
/// by the SDK's own event-stream decoder, the records by identity and in order.
#[tokio::test]
async fn the_rust_sdk_subscribes_over_http2() {
    let env = start().await;
    let http = aws_smithy_runtime_api::client::http::http_client_fn(|_, _| {
        aws_smithy_runtime_api::client::http::SharedHttpConnector::new(H2c)
    });
    let conf = aws_sdk_kinesis::Config::builder()
        .behavior_version(aws_sdk_kinesis::config::BehaviorVersion::latest())
        .region(aws_sdk_kinesis::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_kinesis::config::Credentials::new("test", "secret", None, None, "test"))
        .endpoint_url(env.endpoint())
        .http_client(http)
        .build();
    let c = Kinesis::from_conf(conf);
    let consumer = stream_with_consumer(&c, "h2", 1, "reader").await;
    let sent = put_n(&c, "h2", "r", 8).await;
    let mut events =
        subscribe(&c, &consumer, "shardId-000000000000", position(ShardIteratorType::TrimHorizon, None)).await;
    let mut got = Vec::new();
    while got.len() < sent.len() {
        got.extend(identities(&next_event(&mut events).await.expect("the stream goes on")));
    }
    assert_eq!(got, sent);
}
