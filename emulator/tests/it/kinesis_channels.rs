//! Kinesis channels (2026) over raw AWS JSON 1.1: create (ON_DEMAND streams, one destination),
//! describe, list, update, delete; deliveries once the oldest undelivered record is
//! DataFreshnessInSeconds old (virtual clock), checked by the records' identity on the
//! developer endpoint and in the object written under the data directory (a GZIP object read
//! back by Python's gzip); a channel whose stream is deleted is FAILED.

use crate::common::*;
use crate::kinesis_streams::{kjson, ok};
use base64::Engine;
use serde_json::{json, Value};
use std::net::SocketAddr;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const STREAM_ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/";
const ROLE: &str = "arn:aws:iam::000000000000:role/channel";

fn s3(compression: &str, freshness: Option<i64>) -> Value {
    let mut d = json!({"StorageConfiguration": {
        "BucketARN": "arn:aws:s3:::landing", "ExpectedBucketOwner": "000000000000", "CompressionType": compression,
    }});
    if let Some(f) = freshness {
        d["DataFreshnessInSeconds"] = f.into();
    }
    d
}

fn channel_input(name: &str, stream: &str, destination: Value) -> Value {
    json!({
        "ChannelName": name,
        "ServiceExecutionRoleARN": ROLE,
        "StreamConfigurationList": [{"StreamARN": format!("{STREAM_ARN}{stream}"), "RecordConfiguration": {"RecordFormatType": "STRING"}}],
        "S3DestinationConfiguration": destination,
    })
}

async fn put(addr: SocketAddr, stream: &str, n: usize) -> Vec<String> {
    let records: Vec<Value> =
        (0..n).map(|i| json!({"PartitionKey": format!("k{i}"), "Data": B64.encode(format!("line-{i}"))})).collect();
    let r = ok(addr, "PutRecords", json!({"StreamName": stream, "Records": records})).await;
    r["Records"].as_array().unwrap().iter().map(|r| r["SequenceNumber"].as_str().unwrap().to_string()).collect()
}

async fn deliveries(addr: SocketAddr) -> Vec<Value> {
    let r = raw(addr, "GET", "/_quayside/kinesis/channels/deliveries", &[], b"").await;
    r.json()["deliveries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn channels_deliver_after_their_freshness() {
    let dir = temp_dir("kinesis-channels");
    let mut config = durable(&dir);
    config.virtual_clock = true;
    let env = start_with(config).await;
    let addr = env.running.addr;
    ok(addr, "CreateStream", json!({"StreamName": "prov", "ShardCount": 1})).await;
    let (status, e) = kjson(addr, "CreateChannel", channel_input("c0", "prov", s3("NONE", None))).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("InvalidArgumentException")), "ON_DEMAND streams only");
    ok(addr, "CreateStream", json!({"StreamName": "src", "StreamModeDetails": {"StreamMode": "ON_DEMAND"}})).await;
    let mut both = channel_input("c0", "src", s3("NONE", None));
    both["S3TablesDestinationConfiguration"] =
        json!({"S3TablesConfigurationList": [], "DeadLetterQueueS3Configuration": {}});
    let (status, _) = kjson(addr, "CreateChannel", both).await;
    assert_eq!(status, 400, "one destination");

    let d =
        ok(addr, "CreateChannel", channel_input("plain", "src", s3("NONE", None))).await["ChannelDescription"].clone();
    let arn = d["ChannelARN"].as_str().unwrap().to_string();
    assert_eq!(arn, "arn:aws:kinesis:us-east-1:000000000000:channel/plain");
    assert_eq!(d["ChannelStatus"], "ACTIVE");
    assert_eq!(d["S3DestinationConfiguration"]["DataFreshnessInSeconds"], 300, "AWS's default");
    assert_eq!(d["StreamConfigurationList"][0]["StreamARN"], format!("{STREAM_ARN}src"));
    let (status, e) = kjson(addr, "CreateChannel", channel_input("plain", "src", s3("NONE", None))).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("ResourceInUseException")));
    let gz = ok(addr, "CreateChannel", channel_input("zipped", "src", s3("GZIP", Some(60)))).await
        ["ChannelDescription"]
        .clone();
    assert_eq!(ok(addr, "DescribeChannel", json!({"ChannelARN": arn})).await["ChannelDescription"], d);
    let listed = ok(addr, "ListChannels", json!({"MaxResults": 1})).await;
    assert_eq!(listed["ChannelSummaries"][0]["ChannelName"], "plain");
    assert_eq!(listed["ChannelSummaries"][0]["ChannelDestinationType"], "S3");
    let rest = ok(addr, "ListChannels", json!({"NextToken": listed["NextToken"]})).await;
    assert_eq!(rest["ChannelSummaries"][0]["ChannelName"], "zipped");

    let sent = put(addr, "src", 20).await;
    env.advance(30).await;
    assert!(deliveries(addr).await.is_empty(), "nothing is 60 s old yet");
    env.advance(31).await;
    let first = deliveries(addr).await;
    assert!(!first.is_empty());
    assert!(first.iter().all(|d| d["ChannelName"] == "zipped"), "only the 60-second channel so far");
    let mut delivered: Vec<String> = first
        .iter()
        .flat_map(|d| d["SequenceNumbers"].as_array().unwrap().clone())
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    delivered.sort();
    let mut expected = sent.clone();
    expected.sort();
    assert_eq!(delivered, expected, "every record once, by sequence number");
    // The object is a real gzip file under the data directory; Python reads it back.
    let one = &first[0];
    let path = dir.join("kinesis-channels").join("landing").join(one["Key"].as_str().unwrap());
    assert!(one["Key"].as_str().unwrap().ends_with(".gz"));
    let out = std::process::Command::new("python3")
        .args(["-c", "import gzip,sys; sys.stdout.write(gzip.open(sys.argv[1]).read().decode())"])
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), one["SequenceNumbers"].as_array().unwrap().len());
    assert!(lines.iter().all(|l| l.starts_with("line-")));

    env.advance(240).await;
    let all = deliveries(addr).await;
    let plain: Vec<&Value> = all.iter().filter(|d| d["ChannelName"] == "plain").collect();
    assert!(!plain.is_empty(), "the 300-second channel delivered too");
    let text = String::from_utf8(B64.decode(plain[0]["Content"].as_str().unwrap()).unwrap()).unwrap();
    assert!(text.ends_with('\n') && text.lines().all(|l| l.starts_with("line-")));
    env.advance(600).await;
    assert_eq!(deliveries(addr).await.len(), all.len(), "nothing is delivered twice");
    // DELETE with a channel clears that channel's deliveries only; without one, all.
    let r = raw(addr, "DELETE", "/_quayside/kinesis/channels/deliveries?channel=plain", &[], b"").await;
    assert_eq!(r.json()["deleted"].as_u64().unwrap() as usize, plain.len());
    let left = deliveries(addr).await;
    assert_eq!(left.len(), all.len() - plain.len());
    assert!(left.iter().all(|d| d["ChannelName"] == "zipped"));
    raw(addr, "DELETE", "/_quayside/kinesis/channels/deliveries", &[], b"").await;
    assert!(deliveries(addr).await.is_empty());

    let updated = ok(
        addr,
        "UpdateChannel",
        json!({"ChannelARN": arn, "S3DestinationConfiguration": {"DataFreshnessInSeconds": 10}}),
    )
    .await;
    assert_eq!(updated["ChannelDescription"]["S3DestinationConfiguration"]["DataFreshnessInSeconds"], 10);
    ok(addr, "DeleteChannel", json!({"ChannelARN": arn})).await;
    let (status, e) = kjson(addr, "DescribeChannel", json!({"ChannelARN": arn})).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("ResourceNotFoundException")));
    ok(addr, "DeleteStream", json!({"StreamName": "src"})).await;
    let failed = ok(addr, "DescribeChannel", json!({"ChannelARN": gz["ChannelARN"]})).await;
    assert_eq!(failed["ChannelDescription"]["ChannelStatus"], "FAILED");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The official `aws-sdk-kinesis` drives a channel's lifecycle and reads every answer (its
/// required members included) as AWS's: an S3 Tables channel this time.
#[tokio::test]
async fn the_rust_sdk_manages_a_channel() {
    use aws_sdk_kinesis::types::{
        ChannelStreamConfiguration, DeadLetterQueueS3Configuration, RecordConfiguration, RecordFormatType,
        S3TablesCompressionType, S3TablesConfiguration, S3TablesDestinationConfiguration,
        S3TablesDestinationUpdateInput, StreamMode, StreamModeDetails,
    };
    let env = start().await;
    let c = crate::kinesis_records::kinesis(&env.endpoint());
    let on_demand = StreamModeDetails::builder().stream_mode(StreamMode::OnDemand).build().unwrap();
    c.create_stream().stream_name("t").stream_mode_details(on_demand).send().await.unwrap();
    let stream = ChannelStreamConfiguration::builder()
        .stream_arn(format!("{STREAM_ARN}t"))
        .record_configuration(
            RecordConfiguration::builder().record_format_type(RecordFormatType::Json).build().unwrap(),
        )
        .build()
        .unwrap();
    let table = S3TablesConfiguration::builder()
        .table_bucket_arn("arn:aws:s3tables:us-east-1:000000000000:bucket/lake")
        .namespace("events")
        .table_name("clicks")
        .compression_type(S3TablesCompressionType::None)
        .build()
        .unwrap();
    let dlq = DeadLetterQueueS3Configuration::builder()
        .bucket_arn("arn:aws:s3:::errors")
        .expected_bucket_owner("000000000000")
        .build()
        .unwrap();
    let dest = S3TablesDestinationConfiguration::builder()
        .s3_tables_configuration_list(table)
        .dead_letter_queue_s3_configuration(dlq)
        .data_freshness_in_seconds(30)
        .build()
        .unwrap();
    let created = c
        .create_channel()
        .channel_name("lake")
        .service_execution_role_arn(ROLE)
        .stream_configuration_list(stream)
        .s3_tables_destination_configuration(dest)
        .send()
        .await
        .unwrap()
        .channel_description
        .unwrap();
    assert_eq!(created.channel_status.as_str(), "ACTIVE");
    let arn = created.channel_arn.clone();
    let d = c.describe_channel().channel_arn(&arn).send().await.unwrap().channel_description.unwrap();
    assert_eq!(d.s3_tables_destination_configuration.unwrap().data_freshness_in_seconds, 30);
    let listed = c.list_channels().send().await.unwrap();
    assert_eq!(listed.channel_summaries[0].channel_destination_type.as_str(), "S3_TABLES");
    let update = S3TablesDestinationUpdateInput::builder().data_freshness_in_seconds(90).build().unwrap();
    let u = c.update_channel().channel_arn(&arn).s3_tables_destination_configuration(update).send().await.unwrap();
    assert_eq!(
        u.channel_description.unwrap().s3_tables_destination_configuration.unwrap().data_freshness_in_seconds,
        90
    );
    c.delete_channel().channel_arn(&arn).send().await.unwrap();
    let e = c.describe_channel().channel_arn(&arn).send().await.unwrap_err();
    assert_eq!(crate::kinesis_records::kcode(&e.into_service_error()).0, "ResourceNotFoundException");
}

/// A channel's objects are files under `<data dir>/kinesis-channels/`: an OutputKeyTemplate
/// that climbs out (`../`), is absolute, or has a `{stream}` that resolves to `..` is refused
/// with a ValidationException naming the member, and nothing is written outside the directory
/// when records arrive.
#[tokio::test]
async fn object_keys_cannot_leave_the_data_directory() {
    let top = temp_dir("kinesis-channel-escape");
    let dir = top.join("data");
    let mut config = durable(&dir);
    config.virtual_clock = true;
    let env = start_with(config).await;
    let addr = env.running.addr;
    let on_demand = json!({"StreamMode": "ON_DEMAND"});
    ok(addr, "CreateStream", json!({"StreamName": "src", "StreamModeDetails": on_demand})).await;
    ok(addr, "CreateStream", json!({"StreamName": "..", "StreamModeDetails": on_demand})).await;
    let with_template = |name: &str, stream: &str, template: &str| {
        let mut d = s3("NONE", Some(0));
        d["StorageConfiguration"]["OutputKeyTemplate"] = template.into();
        channel_input(name, stream, d)
    };
    let absolute = format!("{}/", top.join("absolute").display());
    for (stream, template) in [
        ("src", "../../../escaped/".to_string()),
        ("src", "../../../../../../../../tmp/x/".to_string()),
        ("src", absolute.clone()),
        ("src", "a//b/".to_string()),
        ("src", "a/./b/".to_string()),
        ("..", "{stream}/".to_string()),
    ] {
        let (status, e) = kjson(addr, "CreateChannel", with_template("bad", stream, &template)).await;
        assert_eq!((status, e["__type"].as_str()), (400, Some("ValidationException")), "{template}: {e}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!(
                "1 validation error detected: Value '{template}' at \
                's3DestinationConfiguration.storageConfiguration.outputKeyTemplate' failed to satisfy constraint"
            )),
            "{message}"
        );
    }
    // A backslash is outside the member's own pattern.
    let (status, e) = kjson(addr, "CreateChannel", with_template("bad", "src", "a\\..\\b/")).await;
    assert_eq!((status, e["__type"].as_str()), (400, Some("ValidationException")), "{e}");
    let listed = ok(addr, "ListChannels", json!({})).await;
    assert_eq!(listed["ChannelSummaries"].as_array().unwrap().len(), 0, "nothing was created");
    // A template inside the directory still delivers there.
    ok(addr, "CreateChannel", with_template("good", "src", "in/{stream}/")).await;
    put(addr, "src", 3).await;
    env.advance(1).await;
    let d = deliveries(addr).await;
    let records: usize = d.iter().map(|d| d["SequenceNumbers"].as_array().unwrap().len()).sum();
    assert_eq!(records, 3, "{d:?}");
    for one in &d {
        let key = one["Key"].as_str().unwrap();
        assert!(key.starts_with("in/src/"), "{key}");
        assert!(dir.join("kinesis-channels/landing").join(key).is_file());
    }
    assert!(!top.join("escaped").exists() && !top.join("absolute").exists());
    let _ = std::fs::remove_dir_all(&top);
}
