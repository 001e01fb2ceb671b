//! Kinesis records with the official `aws-sdk-kinesis`: puts land in the shard MD5 picks,
//! every iterator type, paging by Limit, the errors AWS gives, a restart that keeps records and
//! numbering; and the records over raw CBOR.

use crate::common::*;
use aws_sdk_kinesis::error::ProvideErrorMetadata;
use aws_sdk_kinesis::primitives::{Blob, DateTime};
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, ShardIteratorType, StreamMode, StreamModeDetails};
use aws_sdk_kinesis::Client as Kinesis;
use md5::{Digest, Md5};
use std::collections::BTreeMap;

pub fn kinesis(endpoint: &str) -> Kinesis {
    let http = aws_smithy_http_client::Builder::new().build_http();
    let conf = aws_sdk_kinesis::Config::builder()
        .behavior_version(aws_sdk_kinesis::config::BehaviorVersion::latest())
        .region(aws_sdk_kinesis::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_kinesis::config::Credentials::new("test", "secret", None, None, "test"))
        .endpoint_url(endpoint)
        .http_client(http)
        .build();
    Kinesis::from_conf(conf)
}

pub fn kcode<E: ProvideErrorMetadata>(e: &E) -> (String, String) {
    (e.code().unwrap_or("").to_string(), e.message().unwrap_or("").to_string())
}

/// The shard whose range holds MD5(key), from ListShards' ranges: the test's own mapping.
fn expected_shard(ranges: &[(String, u128, u128)], key: &str) -> String {
    let h = u128::from_be_bytes(Md5::digest(key.as_bytes()).into());
    ranges.iter().find(|(_, s, e)| *s <= h && h <= *e).map(|r| r.0.clone()).unwrap()
}

async fn ranges(c: &Kinesis, stream: &str) -> Vec<(String, u128, u128)> {
    let shards = c.list_shards().stream_name(stream).send().await.unwrap().shards.unwrap();
    shards
        .iter()
        .map(|s| {
            let r = s.hash_key_range().unwrap();
            (s.shard_id().to_string(), r.starting_hash_key().parse().unwrap(), r.ending_hash_key().parse().unwrap())
        })
        .collect()
}

/// A TRIM_HORIZON iterator of a shard.
pub async fn trim_horizon(c: &Kinesis, stream: &str, shard: &str) -> String {
    let r =
        c.get_shard_iterator().stream_name(stream).shard_id(shard).shard_iterator_type(ShardIteratorType::TrimHorizon);
    r.send().await.unwrap().shard_iterator.unwrap()
}

/// Every record of a shard from TRIM_HORIZON, `limit` per call: (sequence, key, data).
async fn read_shard(c: &Kinesis, stream: &str, shard: &str, limit: i32) -> Vec<(String, String, Vec<u8>)> {
    let mut it = trim_horizon(c, stream, shard).await;
    let mut out = Vec::new();
    loop {
        let r = c.get_records().shard_iterator(&it).limit(limit).send().await.unwrap();
        assert!(r.records.len() <= limit as usize);
        for rec in &r.records {
            assert_eq!(rec.encryption_type().map(|e| e.as_str()), Some("NONE"));
            assert!(rec.approximate_arrival_timestamp().is_some());
            out.push((
                rec.sequence_number.clone(),
                rec.partition_key().unwrap_or("").to_string(),
                rec.data.clone().into_inner(),
            ));
        }
        if r.records.is_empty() {
            assert_eq!(r.millis_behind_latest, Some(0), "caught up");
            return out;
        }
        it = r.next_shard_iterator.unwrap();
    }
}

/// PutRecords over four shards: each record is placed by MD5 of its key, reported in request
/// order, and read back from its shard with the same sequence number, key and bytes, in
/// order; sequence numbers grow within a shard.
#[tokio::test]
async fn records_land_in_the_shard_md5_picks_and_read_back_whole() {
    let env = start().await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("s").shard_count(4).send().await.unwrap();
    let ranges = ranges(&c, "s").await;
    assert_eq!(ranges.len(), 4);
    let sent: Vec<(String, Vec<u8>)> =
        (0..300).map(|i| (format!("key-{i}"), format!("payload {i} {}", "x".repeat(i % 50)).into_bytes())).collect();
    let mut placed = Vec::new();
    for batch in sent.chunks(100) {
        let entries: Vec<_> = batch
            .iter()
            .map(|(k, d)| {
                PutRecordsRequestEntry::builder().partition_key(k).data(Blob::new(d.clone())).build().unwrap()
            })
            .collect();
        let r = c.put_records().stream_name("s").set_records(Some(entries)).send().await.unwrap();
        assert_eq!(r.failed_record_count, Some(0));
        assert_eq!(r.records.len(), batch.len());
        placed.extend(r.records);
    }
    let mut by_shard: BTreeMap<String, Vec<(String, String, Vec<u8>)>> = BTreeMap::new();
    for ((key, data), p) in sent.iter().zip(&placed) {
        let shard = p.shard_id().unwrap().to_string();
        assert_eq!(shard, expected_shard(&ranges, key), "{key}");
        let seq = p.sequence_number().unwrap().to_string();
        assert_eq!(seq.len(), 56);
        by_shard.entry(shard).or_default().push((seq, key.clone(), data.clone()));
    }
    assert_eq!(by_shard.len(), 4, "300 keys reach every shard");
    for (shard, expected) in &by_shard {
        let got = read_shard(&c, "s", shard, 7).await;
        assert_eq!(&got, expected, "{shard} holds what was put into it, in order");
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "sequence numbers grow in {shard}");
    }

    // PutRecord, with an explicit hash key that picks the last shard whatever the key.
    let last = &ranges[3];
    let r = c
        .put_record()
        .stream_name("s")
        .partition_key("key-0")
        .explicit_hash_key(last.2.to_string())
        .data(Blob::new("explicit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.shard_id, last.0);
    let tail = read_shard(&c, "s", &last.0, 10_000).await;
    assert_eq!(tail.last().unwrap(), &(r.sequence_number.clone(), "key-0".to_string(), b"explicit".to_vec()));
}

/// AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, LATEST and AT_TIMESTAMP start where AWS starts
/// them; an iterator at the tip sees what arrives later; MillisBehindLatest counts the
/// distance from the newest record.
#[tokio::test]
async fn iterators_start_where_their_type_says() {
    let env = start_virtual().await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("t").shard_count(1).send().await.unwrap();
    let shard = "shardId-000000000000";
    let mut seqs = Vec::new();
    for i in 0..5 {
        let r =
            c.put_record().stream_name("t").partition_key("k").data(Blob::new(format!("r{i}"))).send().await.unwrap();
        seqs.push(r.sequence_number);
    }
    env.advance(10).await;
    let after_gap = DateTime::from_millis(
        c.describe_stream_summary()
            .stream_name("t")
            .send()
            .await
            .unwrap()
            .stream_description_summary
            .unwrap()
            .stream_creation_timestamp
            .to_millis()
            .unwrap()
            + 5_000,
    );
    let late = c.put_record().stream_name("t").partition_key("k").data(Blob::new("r5")).send().await.unwrap();
    seqs.push(late.sequence_number);

    let iter = |kind: ShardIteratorType, seq: Option<&str>, at: Option<DateTime>| {
        let c = c.clone();
        let seq = seq.map(str::to_string);
        async move {
            c.get_shard_iterator()
                .stream_name("t")
                .shard_id(shard)
                .shard_iterator_type(kind)
                .set_starting_sequence_number(seq)
                .set_timestamp(at)
                .send()
                .await
                .unwrap()
                .shard_iterator
                .unwrap()
        }
    };
    let datas = |r: &aws_sdk_kinesis::operation::get_records::GetRecordsOutput| {
        r.records.iter().map(|x| String::from_utf8(x.data.clone().into_inner()).unwrap()).collect::<Vec<_>>()
    };
    let it = iter(ShardIteratorType::AtSequenceNumber, Some(&seqs[2]), None).await;
    let r = c.get_records().shard_iterator(it).send().await.unwrap();
    assert_eq!(datas(&r), ["r2", "r3", "r4", "r5"]);
    let it = iter(ShardIteratorType::AfterSequenceNumber, Some(&seqs[2]), None).await;
    let r = c.get_records().shard_iterator(it).limit(2).send().await.unwrap();
    assert_eq!(datas(&r), ["r3", "r4"]);
    assert_eq!(r.millis_behind_latest, Some(10_000), "r4 arrived 10 s before the newest");
    let r = c.get_records().shard_iterator(r.next_shard_iterator.unwrap()).send().await.unwrap();
    assert_eq!((datas(&r), r.millis_behind_latest), (vec!["r5".to_string()], Some(0)));
    let it = iter(ShardIteratorType::AtTimestamp, None, Some(after_gap)).await;
    let r = c.get_records().shard_iterator(it).send().await.unwrap();
    assert_eq!(datas(&r), ["r5"]);

    // LATEST: nothing now; a record put afterwards is seen through the next iterator.
    let it = iter(ShardIteratorType::Latest, None, None).await;
    let r = c.get_records().shard_iterator(it).send().await.unwrap();
    assert!(r.records.is_empty());
    c.put_record().stream_name("t").partition_key("k").data(Blob::new("r6")).send().await.unwrap();
    let r = c.get_records().shard_iterator(r.next_shard_iterator.unwrap()).send().await.unwrap();
    assert_eq!(datas(&r), ["r6"]);
    assert!(r.records[0].sequence_number > seqs[5]);
    assert_eq!(r.records[0].partition_key(), Some("k"));
}

/// The errors AWS answers for records and iterators, with its codes and words.
#[tokio::test]
async fn record_and_iterator_errors_are_aws_shaped() {
    let env = start_virtual().await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("e").shard_count(2).send().await.unwrap();
    let put = c.put_record().stream_name("e").partition_key("k").data(Blob::new("x")).send().await.unwrap();
    let other_shard =
        if put.shard_id == "shardId-000000000000" { "shardId-000000000001" } else { "shardId-000000000000" };

    let e = c.put_record().stream_name("nope").partition_key("k").data(Blob::new("x")).send().await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()),
        ("ResourceNotFoundException".into(), "Stream nope under account 000000000000 not found.".into())
    );
    let e = c
        .put_record()
        .stream_name("e")
        .partition_key("k")
        .explicit_hash_key("340282366920938463463374607431768211456")
        .data(Blob::new("x"))
        .send()
        .await
        .unwrap_err();
    let (code, message) = kcode(&e.into_service_error());
    assert_eq!(code, "InvalidArgumentException");
    assert!(
        message.starts_with("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]."),
        "{message}"
    );
    let e = c.put_record().stream_name("e").data(Blob::new("x")).send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "InvalidArgumentException", "no partition key");
    let e = c.put_record().stream_name("e").partition_key("k").data(Blob::new(vec![0u8; 1024 * 1024 + 1])).send().await;
    assert_eq!(kcode(&e.unwrap_err().into_service_error()).0, "InvalidArgumentException", "over 1 MiB");
    let e = c.put_record().stream_name("e").partition_key("k").data(Blob::new("x")).dry_run(true).send().await;
    assert_eq!(kcode(&e.unwrap_err().into_service_error()).0, "DryRunOperationException");
    let e = c.put_records().stream_name("e").set_records(Some(vec![])).send().await.unwrap_err();
    let (code, message) = kcode(&e.into_service_error());
    assert_eq!(code, "ValidationException");
    assert!(
        message.contains("'records' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        "{message}"
    );

    let gsi = |kind: ShardIteratorType, shard: &str, seq: Option<&str>| {
        c.get_shard_iterator()
            .stream_name("e")
            .shard_id(shard)
            .shard_iterator_type(kind)
            .set_starting_sequence_number(seq.map(str::to_string))
            .send()
    };
    let e = gsi(ShardIteratorType::TrimHorizon, "shardId-000000000009", None).await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()),
        (
            "ResourceNotFoundException".into(),
            "Shard shardId-000000000009 in stream e under account 000000000000 does not exist".into()
        )
    );
    let e = gsi(ShardIteratorType::AtSequenceNumber, &put.shard_id, None).await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()).1,
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or \
         (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no \
         StartingSequenceNumber."
    );
    let e = gsi(ShardIteratorType::Latest, &put.shard_id, Some(&put.sequence_number)).await.unwrap_err();
    assert!(kcode(&e.into_service_error()).1.ends_with("Request specified LATEST and also a StartingSequenceNumber."));
    let e = gsi(ShardIteratorType::AtSequenceNumber, other_shard, Some(&put.sequence_number)).await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()),
        (
            "InvalidArgumentException".into(),
            format!(
                "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a shard with {other_shard}",
                put.shard_id
            )
        )
    );
    // A small number is AWS's version 0, whose last 4 hex digits name a shard (recorded).
    let e = gsi(ShardIteratorType::AtSequenceNumber, &put.shard_id, Some("12345")).await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()).1,
        format!(
            "Invalid StartingSequenceNumber. It encodes shardId-000000012345, while it was used in a call to a shard \
             with {}",
            put.shard_id
        )
    );
    let huge = "9".repeat(60);
    let e = gsi(ShardIteratorType::AtSequenceNumber, &put.shard_id, Some(&huge)).await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()).1,
        format!(
            "StartingSequenceNumber {huge} used in GetShardIterator on shard {} in stream e under account \
             000000000000 is invalid.",
            put.shard_id
        )
    );
    let e = c
        .get_shard_iterator()
        .stream_name("e")
        .shard_id(&put.shard_id)
        .shard_iterator_type(ShardIteratorType::AtTimestamp)
        .send()
        .await
        .unwrap_err();
    assert!(kcode(&e.into_service_error()).1.starts_with("Must specify timestampInMillis parameter"));
    let e = c
        .get_shard_iterator()
        .stream_name("e")
        .shard_id(&put.shard_id)
        .shard_iterator_type(ShardIteratorType::AtTimestamp)
        .timestamp(DateTime::from_secs(4_000_000_000))
        .send()
        .await
        .unwrap_err();
    assert!(kcode(&e.into_service_error()).1.starts_with("The timestampInMillis parameter cannot be greater than"));

    let e = c.get_records().shard_iterator("bm90IGFuIGl0ZXJhdG9y").send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()), ("InvalidArgumentException".into(), "Invalid ShardIterator.".into()));
    let it = gsi(ShardIteratorType::TrimHorizon, &put.shard_id, None).await.unwrap().shard_iterator.unwrap();
    let e = c.get_records().shard_iterator(&it).dry_run(true).send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "DryRunOperationException");
    env.advance(301).await;
    let e = c.get_records().shard_iterator(&it).send().await.unwrap_err();
    let (code, message) = kcode(&e.into_service_error());
    assert_eq!(code, "ExpiredIteratorException");
    assert!(message.starts_with("Iterator expired. The iterator was created at time "), "{message}");
    assert!(message.ends_with("which is further in the future than the tolerated delay of 300000 milliseconds."));

    // A deleted stream's iterators name the shard that is gone.
    let it = gsi(ShardIteratorType::TrimHorizon, &put.shard_id, None).await.unwrap().shard_iterator.unwrap();
    c.delete_stream().stream_name("e").send().await.unwrap();
    c.create_stream().stream_name("e").shard_count(2).send().await.unwrap();
    let e = c.get_records().shard_iterator(&it).send().await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()).0,
        "ResourceNotFoundException",
        "a new stream of the same name is not the old"
    );
}

/// Under the AUTO distribution (ON_DEMAND streams), records without a partition key are spread
/// over the shards and read back without one.
#[tokio::test]
async fn auto_distribution_spreads_records_without_keys() {
    let env = start().await;
    let c = kinesis(&env.endpoint());
    let e = c
        .create_stream()
        .stream_name("p")
        .shard_count(2)
        .record_distribution_strategy(aws_sdk_kinesis::types::RecordDistributionStrategy::Auto)
        .send()
        .await
        .unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "InvalidArgumentException", "AUTO needs ON_DEMAND");
    c.create_stream()
        .stream_name("auto")
        .stream_mode_details(StreamModeDetails::builder().stream_mode(StreamMode::OnDemand).build().unwrap())
        .record_distribution_strategy(aws_sdk_kinesis::types::RecordDistributionStrategy::Auto)
        .send()
        .await
        .unwrap();
    let entries: Vec<_> =
        (0..40).map(|i| PutRecordsRequestEntry::builder().data(Blob::new(format!("{i}"))).build().unwrap()).collect();
    let r = c.put_records().stream_name("auto").set_records(Some(entries)).send().await.unwrap();
    let shards: std::collections::BTreeSet<_> = r.records.iter().map(|p| p.shard_id().unwrap().to_string()).collect();
    assert_eq!(shards.len(), 4, "spread over the 4 shards of a new ON_DEMAND stream: {shards:?}");
    let mut back = Vec::new();
    for s in &shards {
        for (_, key, data) in read_shard(&c, "auto", s, 100).await {
            assert_eq!(key, "", "no partition key was given");
            back.push(String::from_utf8(data).unwrap().parse::<u32>().unwrap());
        }
    }
    back.sort();
    assert_eq!(back, (0..40).collect::<Vec<_>>());
    let summary = c.describe_stream_summary().stream_name("auto").send().await.unwrap();
    assert_eq!(
        summary.stream_description_summary.unwrap().record_distribution_strategy().map(|s| s.as_str()),
        Some("AUTO")
    );
}

/// After a restart, every acknowledged record is read back by its sequence number, and new
/// records number on after them.
#[tokio::test]
async fn records_and_numbering_survive_a_restart() {
    let dir = temp_dir("kinesis-records");
    let env = start_with(durable(&dir)).await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("r").shard_count(2).send().await.unwrap();
    let before = ranges(&c, "r").await;
    let mut expected: BTreeMap<String, Vec<(String, String, Vec<u8>)>> = BTreeMap::new();
    for i in 0..50 {
        let key = format!("k{i}");
        let data = vec![i as u8; 100 + i];
        let r = c.put_record().stream_name("r").partition_key(&key).data(Blob::new(data.clone())).send().await.unwrap();
        expected.entry(r.shard_id).or_default().push((r.sequence_number, key, data));
    }
    let Env { running, .. } = env;
    running.shutdown().await;
    let env = start_with(durable(&dir)).await;
    let c = kinesis(&env.endpoint());
    assert_eq!(ranges(&c, "r").await, before);
    for (shard, records) in &expected {
        assert_eq!(&read_shard(&c, "r", shard, 1000).await, records, "{shard}");
        let last = &records.last().unwrap().0;
        let key = &records.last().unwrap().1;
        let again = c.put_record().stream_name("r").partition_key(key).data(Blob::new("after")).send().await.unwrap();
        assert_eq!(&again.shard_id, shard);
        assert!(&again.sequence_number > last, "numbering goes on after the restart");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// PutRecord and GetRecords over CBOR, as the Java SDK and the KCL send them: data as byte
/// strings both ways, the arrival time as tag 1 milliseconds.
#[tokio::test]
async fn records_over_cbor_carry_bytes_and_tag_1_times() {
    use ciborium::value::Value as Cbor;
    let env = start().await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("c").shard_count(1).send().await.unwrap();
    let post = |op: &str, body: Cbor| {
        let addr = env.running.addr;
        let target = format!("Kinesis_20131202.{op}");
        async move {
            let mut bytes = Vec::new();
            ciborium::ser::into_writer(&body, &mut bytes).unwrap();
            let headers = [("X-Amz-Target", target.as_str()), ("Content-Type", "application/x-amz-cbor-1.1")];
            let r = raw(addr, "POST", "/", &headers, &bytes).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let v: Cbor = ciborium::de::from_reader(r.bytes.as_slice()).unwrap();
            v
        }
    };
    let get = |v: &Cbor, key: &str| -> Cbor {
        v.as_map().unwrap().iter().find(|(k, _)| k.as_text() == Some(key)).map(|(_, v)| v.clone()).unwrap()
    };
    let text = |s: &str| Cbor::Text(s.to_string());
    let put = post(
        "PutRecord",
        Cbor::Map(vec![
            (text("StreamName"), text("c")),
            (text("PartitionKey"), text("pk")),
            (text("Data"), Cbor::Bytes(vec![0, 159, 255, 1])),
        ]),
    )
    .await;
    let seq = get(&put, "SequenceNumber");
    let it = post(
        "GetShardIterator",
        Cbor::Map(vec![
            (text("StreamName"), text("c")),
            (text("ShardId"), text("shardId-000000000000")),
            (text("ShardIteratorType"), text("AT_TIMESTAMP")),
            (text("Timestamp"), Cbor::Tag(1, Box::new(Cbor::Integer(1_000_000_000_000i64.into())))),
        ]),
    )
    .await;
    let got = post("GetRecords", Cbor::Map(vec![(text("ShardIterator"), get(&it, "ShardIterator"))])).await;
    let records = get(&got, "Records");
    let record = &records.as_array().unwrap()[0];
    assert_eq!(get(record, "Data"), Cbor::Bytes(vec![0, 159, 255, 1]));
    assert_eq!(get(record, "SequenceNumber"), seq);
    let Cbor::Tag(1, ms) = get(record, "ApproximateArrivalTimestamp") else { panic!("tag 1 expected") };
    let ms = i128::from(ms.as_integer().unwrap());
    assert!(ms > 1_600_000_000_000 && ms < 4_000_000_000_000, "milliseconds: {ms}");
}

/// Decimal digits as lowercase hex, without leading zeros (a conversion of the test's own, to
/// read sequence numbers independently of the server's).
fn dec_to_hex(decimal: &str) -> String {
    let mut limbs: Vec<u32> = vec![0];
    for d in decimal.bytes() {
        let mut carry = u64::from(d - b'0');
        for l in limbs.iter_mut() {
            let v = u64::from(*l) * 10 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
    }
    let hex: String = limbs.iter().rev().map(|l| format!("{l:08x}")).collect();
    hex.trim_start_matches('0').to_string()
}

/// AWS's layouts, as recorded: a sequence number is 47 hex digits, `2 · shard creation (9) ·
/// shard nibble · counter (16) · 00 · arrival (9) · shard (8) · 2`, and consecutive puts to a
/// stream differ by one in the counter whichever shard they go to; a shard iterator is base64
/// of 152 + 16·k bytes starting 00 00 00 00 00 00 00 01.
#[tokio::test]
async fn sequence_numbers_and_iterators_have_aws_layouts() {
    use base64::Engine;
    let env = start().await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("layout").shard_count(2).send().await.unwrap();
    let secs = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let (created_by, mut counters) = (secs(), Vec::new());
    for i in 0..20 {
        // MD5("a") is in the lower half of the key space, MD5("b") in the upper.
        let (key, shard) = if i % 2 == 0 { ("a", 0u64) } else { ("b", 1) };
        let sent = secs();
        let r = c.put_record().stream_name("layout").partition_key(key).data(Blob::new("x")).send().await.unwrap();
        assert_eq!(r.shard_id, format!("shardId-{shard:012}"));
        let hex = dec_to_hex(&r.sequence_number);
        assert_eq!((hex.len(), &hex[..1], &hex[46..]), (47, "2", "2"), "{hex}");
        let field = |a: usize, b: usize| u64::from_str_radix(&hex[a..b], 16).unwrap();
        assert_eq!((field(10, 11), field(38, 46), &hex[27..29]), (shard, shard, "00"), "{hex}");
        assert!((1_420_070_400..=created_by + 1).contains(&field(1, 10)), "shard creation in {hex}");
        assert!((sent.saturating_sub(4)..=secs() + 1).contains(&field(29, 38)), "arrival in {hex}");
        counters.push(field(11, 27));
    }
    counters.sort_unstable();
    assert!(counters.windows(2).all(|w| w[1] == w[0] + 1), "consecutive across shards: {counters:?}");

    for name in ["layout", &"n".repeat(128)] {
        if name != "layout" {
            c.create_stream().stream_name(name).shard_count(1).send().await.unwrap();
        }
        let it = c
            .get_shard_iterator()
            .stream_name(name)
            .shard_id("shardId-000000000000")
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap()
            .shard_iterator
            .unwrap();
        let bytes = base64::engine::general_purpose::STANDARD.decode(&it).unwrap();
        assert_eq!(&bytes[..8], &[0, 0, 0, 0, 0, 0, 0, 1]);
        assert!(bytes.len() >= 152 && (bytes.len() - 152) % 16 == 0, "{} bytes", bytes.len());
        let read = c.get_records().shard_iterator(format!("\"{it}\"")).send().await.unwrap();
        assert_eq!(read.records.len(), if name == "layout" { 10 } else { 0 }, "a quoted iterator reads (recorded)");
    }
}
