//! Kinesis stream administration with the official `aws-sdk-kinesis`: tags, retention (and its
//! trimming), resharding lineage read through GetRecords' ChildShards, modes and record
//! settings, monitoring, encryption, resource policies, limits and account settings.

use crate::common::*;
use crate::kinesis_records::{kcode, kinesis, trim_horizon};
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{
    MetricsName, MinimumThroughputBillingCommitmentInput, MinimumThroughputBillingCommitmentInputStatus, ScalingType,
    StreamMode, StreamModeDetails,
};
use aws_sdk_kinesis::Client as Kinesis;

const ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/";

/// Tags through both families of operations, paging, the limit of 50 and AWS's characters.
#[tokio::test]
async fn tags_add_list_page_and_remove() {
    let env = start().await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("t").shard_count(1).send().await.unwrap();
    let mut add = c.add_tags_to_stream().stream_name("t");
    for i in 0..12 {
        add = add.tags(format!("k{i:02}"), format!("v{i}"));
    }
    add.send().await.unwrap();
    let page = c.list_tags_for_stream().stream_name("t").send().await.unwrap();
    assert_eq!(page.tags.len(), 10, "10 per page by default");
    assert!(page.has_more_tags);
    let rest = c.list_tags_for_stream().stream_name("t").exclusive_start_tag_key("k09").send().await.unwrap();
    assert_eq!(rest.tags.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), ["k10", "k11"]);
    assert!(!rest.has_more_tags);

    c.tag_resource().resource_arn(format!("{ARN}t")).tags("k00", "changed").send().await.unwrap();
    c.untag_resource().resource_arn(format!("{ARN}t")).tag_keys("k11").send().await.unwrap();
    c.remove_tags_from_stream().stream_name("t").tag_keys("k10").tag_keys("absent").send().await.unwrap();
    let all = c.list_tags_for_resource().resource_arn(format!("{ARN}t")).send().await.unwrap().tags.unwrap();
    assert_eq!(all.len(), 10);
    assert_eq!((all[0].key.as_str(), all[0].value()), ("k00", Some("changed")));

    let e = c.add_tags_to_stream().stream_name("t").tags("bad#key", "v").send().await.unwrap_err();
    assert_eq!(
        kcode(&e.into_service_error()).1,
        "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @."
    );
    let mut many = c.add_tags_to_stream().stream_name("t");
    for i in 0..41 {
        many = many.tags(format!("m{i}"), "v");
    }
    let (code, message) = kcode(&many.send().await.unwrap_err().into_service_error());
    assert_eq!(code, "InvalidArgumentException");
    assert!(message.ends_with("because a given stream cannot have more than 50 tags associated with it."), "{message}");
    let e = c.list_tags_for_resource().resource_arn("arn:aws:sqs:us-east-1:000000000000:q").send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "ValidationException", "the model's ARN pattern");
    let e = c.list_tags_for_resource().resource_arn(format!("{ARN}missing")).send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "ResourceNotFoundException");
}

/// Retention moves within 24 to 8,760 hours in the direction each operation names; records
/// older than it are trimmed, and numbering goes on after everything was trimmed.
#[tokio::test]
async fn retention_bounds_and_trimming() {
    let env = start_virtual().await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("r").shard_count(1).send().await.unwrap();
    let e = c.increase_stream_retention_period().stream_name("r").retention_period_hours(8761).send().await;
    assert_eq!(
        kcode(&e.unwrap_err().into_service_error()).1,
        "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long."
    );
    let e = c.decrease_stream_retention_period().stream_name("r").retention_period_hours(23).send().await;
    assert_eq!(
        kcode(&e.unwrap_err().into_service_error()).1,
        "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short."
    );
    c.increase_stream_retention_period().stream_name("r").retention_period_hours(48).send().await.unwrap();
    let e = c.increase_stream_retention_period().stream_name("r").retention_period_hours(30).send().await;
    assert!(kcode(&e.unwrap_err().into_service_error()).1.ends_with("Use DecreaseRetentionPeriod API."));
    let e = c.decrease_stream_retention_period().stream_name("r").retention_period_hours(50).send().await;
    assert!(kcode(&e.unwrap_err().into_service_error()).1.ends_with("Use IncreaseRetentionPeriod API."));
    c.decrease_stream_retention_period().stream_name("r").retention_period_hours(24).send().await.unwrap();
    let d = c.describe_stream_summary().stream_name("r").send().await.unwrap().stream_description_summary.unwrap();
    assert_eq!(d.retention_period_hours, 24);

    let old = c.put_record().stream_name("r").partition_key("k").data(Blob::new("old")).send().await.unwrap();
    env.advance(23 * 3600).await;
    c.put_record().stream_name("r").partition_key("k").data(Blob::new("young")).send().await.unwrap();
    env.advance(3600 + 60).await;
    let read = || async {
        let it = trim_horizon(&c, "r", "shardId-000000000000").await;
        let r = c.get_records().shard_iterator(it).send().await.unwrap();
        r.records.iter().map(|r| String::from_utf8(r.data.clone().into_inner()).unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(read().await, ["young"], "the record past 24 hours is trimmed, the younger one kept");
    env.advance(24 * 3600).await;
    assert!(read().await.is_empty(), "everything trimmed");
    let again = c.put_record().stream_name("r").partition_key("k").data(Blob::new("new")).send().await.unwrap();
    assert!(again.sequence_number > old.sequence_number);
}

async fn open_shards(c: &Kinesis, stream: &str) -> Vec<aws_sdk_kinesis::types::Shard> {
    let all = c.list_shards().stream_name(stream).send().await.unwrap().shards.unwrap();
    all.into_iter().filter(|s| s.sequence_number_range().unwrap().ending_sequence_number().is_none()).collect()
}

/// SplitShard and MergeShards close parents and open children with the right ranges and
/// lineage; a reader at the end of a closed parent gets ChildShards and no next iterator;
/// new records go to the children; a closed shard cannot be split again.
#[tokio::test]
async fn resharding_keeps_lineage_and_hands_readers_to_the_children() {
    let env = start().await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("x").shard_count(2).send().await.unwrap();
    let before = c.put_record().stream_name("x").partition_key("a").explicit_hash_key("5").data(Blob::new("p")).send();
    let before = before.await.unwrap();
    assert_eq!(before.shard_id, "shardId-000000000000");
    let mid = (u128::MAX / 4).to_string();
    c.split_shard()
        .stream_name("x")
        .shard_to_split("shardId-000000000000")
        .new_starting_hash_key(&mid)
        .send()
        .await
        .unwrap();
    let shards = c.list_shards().stream_name("x").send().await.unwrap().shards.unwrap();
    assert_eq!(shards.len(), 4);
    let parent = &shards[0];
    assert!(parent.sequence_number_range().unwrap().ending_sequence_number().is_some(), "the parent is closed");
    let (a, b) = (&shards[2], &shards[3]);
    assert_eq!((a.shard_id(), b.shard_id()), ("shardId-000000000002", "shardId-000000000003"));
    assert_eq!(a.parent_shard_id(), Some("shardId-000000000000"));
    assert_eq!(a.hash_key_range().unwrap().starting_hash_key(), "0");
    assert_eq!(a.hash_key_range().unwrap().ending_hash_key(), (u128::MAX / 4 - 1).to_string());
    assert_eq!(b.hash_key_range().unwrap().starting_hash_key(), mid);
    assert_eq!(b.hash_key_range().unwrap().ending_hash_key(), parent.hash_key_range().unwrap().ending_hash_key());

    // The parent's reader: its record, then the children.
    let it = trim_horizon(&c, "x", "shardId-000000000000").await;
    let r = c.get_records().shard_iterator(it).send().await.unwrap();
    assert_eq!(r.records.len(), 1);
    assert!(r.next_shard_iterator.is_none(), "the end of a closed shard has no next iterator");
    let children = r.child_shards.unwrap();
    assert_eq!(
        children.iter().map(|c| c.shard_id.as_str()).collect::<Vec<_>>(),
        ["shardId-000000000002", "shardId-000000000003"]
    );
    assert_eq!(children[0].parent_shards, ["shardId-000000000000"]);
    let after = c.put_record().stream_name("x").partition_key("a").explicit_hash_key("5").data(Blob::new("c")).send();
    assert_eq!(after.await.unwrap().shard_id, "shardId-000000000002", "new records go to the child");

    let e = c.split_shard().stream_name("x").shard_to_split("shardId-000000000000").new_starting_hash_key(&mid).send();
    let (code, message) = kcode(&e.await.unwrap_err().into_service_error());
    assert_eq!(code, "InvalidArgumentException");
    assert!(message.contains("has already been merged or split"), "{message}");
    let e = c.split_shard().stream_name("x").shard_to_split("shardId-000000000002").new_starting_hash_key("1").send();
    assert!(kcode(&e.await.unwrap_err().into_service_error())
        .1
        .starts_with("NewStartingHashKey 1 used in SplitShard()"));
    let e = c.split_shard().stream_name("x").shard_to_split("shardId-000000000042").new_starting_hash_key("9").send();
    assert_eq!(
        kcode(&e.await.unwrap_err().into_service_error()),
        (
            "ResourceNotFoundException".into(),
            "Could not find shard shardId-000000000042 in stream x under account 000000000000.".into()
        )
    );

    // Merge the two children back; a non-adjacent pair is refused.
    let e = c
        .merge_shards()
        .stream_name("x")
        .shard_to_merge("shardId-000000000002")
        .adjacent_shard_to_merge("shardId-000000000001");
    let (_, message) = kcode(&e.send().await.unwrap_err().into_service_error());
    assert!(message.ends_with("are not an adjacent pair of shards eligible for merging"), "{message}");
    c.merge_shards()
        .stream_name("x")
        .shard_to_merge("shardId-000000000002")
        .adjacent_shard_to_merge("shardId-000000000003")
        .send()
        .await
        .unwrap();
    let open = open_shards(&c, "x").await;
    let merged = open.iter().find(|s| s.shard_id() == "shardId-000000000004").unwrap();
    assert_eq!(merged.parent_shard_id(), Some("shardId-000000000002"));
    assert_eq!(merged.adjacent_parent_shard_id(), Some("shardId-000000000003"));
    assert_eq!(merged.hash_key_range().unwrap().starting_hash_key(), "0");
    assert_eq!(merged.hash_key_range().unwrap().ending_hash_key(), parent.hash_key_range().unwrap().ending_hash_key());

    // Uniform scaling: within double and half, ranges even, every child with a parent.
    let r =
        c.update_shard_count().stream_name("x").target_shard_count(4).scaling_type(ScalingType::UniformScaling).send();
    let r = r.await.unwrap();
    assert_eq!((r.current_shard_count, r.target_shard_count), (Some(2), Some(4)));
    let open = open_shards(&c, "x").await;
    assert_eq!(open.len(), 4);
    assert!(open.iter().all(|s| s.parent_shard_id().is_some()));
    assert_eq!(open[1].hash_key_range().unwrap().starting_hash_key(), (u128::MAX / 4 + 1).to_string());
    let e =
        c.update_shard_count().stream_name("x").target_shard_count(9).scaling_type(ScalingType::UniformScaling).send();
    assert_eq!(
        kcode(&e.await.unwrap_err().into_service_error()).1,
        "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 4, \
         Target shard count: 9"
    );
    let e =
        c.update_shard_count().stream_name("x").target_shard_count(1).scaling_type(ScalingType::UniformScaling).send();
    assert!(kcode(&e.await.unwrap_err().into_service_error())
        .1
        .starts_with("UpdateShardCount cannot scale down below half"));
}

/// The account's shard limit (`--kinesis-shard-limit`) refuses streams and splits beyond it,
/// and DescribeLimits reports it with the open shards.
#[tokio::test]
async fn the_shard_limit_is_enforced_and_described() {
    let mut config = quayside::Config::for_tests();
    config.options.insert("kinesis-shard-limit", "5".into());
    let env = start_with(config).await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("a").shard_count(4).send().await.unwrap();
    let e = c.create_stream().stream_name("b").shard_count(2).send().await.unwrap_err();
    let (code, message) = kcode(&e.into_service_error());
    assert_eq!(code, "LimitExceededException");
    assert!(message.starts_with("This request would exceed the shard limit for the account 000000000000 in us-east-1. Current shard count for the account: 4. Limit: 5."), "{message}");
    c.split_shard()
        .stream_name("a")
        .shard_to_split("shardId-000000000000")
        .new_starting_hash_key("1000")
        .send()
        .await
        .unwrap();
    let e = c
        .split_shard()
        .stream_name("a")
        .shard_to_split("shardId-000000000001")
        .new_starting_hash_key(((u128::MAX / 4) + 1000).to_string());
    assert_eq!(kcode(&e.send().await.unwrap_err().into_service_error()).0, "LimitExceededException");
    let l = c.describe_limits().send().await.unwrap();
    assert_eq!(
        (l.shard_limit, l.open_shard_count, l.on_demand_stream_count, l.on_demand_stream_count_limit),
        (5, 5, 0, 50)
    );
}

/// Modes, record sizes, distribution, warm throughput, monitoring, encryption and policies
/// read back as set; the refusals AWS gives.
#[tokio::test]
async fn stream_settings_read_back_as_set() {
    let env = start().await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("s").shard_count(1).send().await.unwrap();
    let arn = format!("{ARN}s");
    let summary = || async {
        c.describe_stream_summary().stream_name("s").send().await.unwrap().stream_description_summary.unwrap()
    };

    let e = c.update_stream_warm_throughput().stream_name("s").warm_throughput_mibps(10).send().await;
    assert_eq!(kcode(&e.unwrap_err().into_service_error()).0, "InvalidArgumentException", "PROVISIONED");
    let on_demand = StreamModeDetails::builder().stream_mode(StreamMode::OnDemand).build().unwrap();
    c.update_stream_mode().stream_arn(&arn).stream_mode_details(on_demand.clone()).send().await.unwrap();
    let e = c.update_stream_mode().stream_arn(&arn).stream_mode_details(on_demand).send().await;
    assert_eq!(kcode(&e.unwrap_err().into_service_error()).0, "InvalidArgumentException", "already ON_DEMAND");
    let w = c.update_stream_warm_throughput().stream_name("s").warm_throughput_mibps(25).send().await.unwrap();
    assert_eq!(w.warm_throughput.unwrap().target_mibps, Some(25));
    c.update_max_record_size().stream_arn(&arn).max_record_size_in_kib(4096).send().await.unwrap();
    let e = c.update_max_record_size().stream_arn(&arn).max_record_size_in_kib(20_000).send().await;
    assert_eq!(kcode(&e.unwrap_err().into_service_error()).0, "ValidationException");
    c.update_stream_record_distribution_strategy()
        .stream_arn(&arn)
        .record_distribution_strategy(aws_sdk_kinesis::types::RecordDistributionStrategy::Auto)
        .send()
        .await
        .unwrap();
    let s = summary().await;
    assert_eq!(s.stream_mode_details().unwrap().stream_mode().as_str(), "ON_DEMAND");
    assert_eq!(s.max_record_size_in_kib(), Some(4096));
    assert_eq!(s.record_distribution_strategy().map(|d| d.as_str()), Some("AUTO"));
    assert_eq!(s.warm_throughput().and_then(|w| w.target_mibps()), Some(25));
    // A 2 MiB record fits the new maximum.
    c.put_record().stream_name("s").partition_key("k").data(Blob::new(vec![7u8; 2 << 20])).send().await.unwrap();

    let m = c.enable_enhanced_monitoring().stream_name("s").shard_level_metrics(MetricsName::IncomingBytes).send();
    let m = m.await.unwrap();
    assert!(m.current_shard_level_metrics().is_empty());
    assert_eq!(m.desired_shard_level_metrics(), [MetricsName::IncomingBytes]);
    let m = c.enable_enhanced_monitoring().stream_name("s").shard_level_metrics(MetricsName::All).send().await.unwrap();
    assert_eq!(m.desired_shard_level_metrics().len(), 7);
    let m =
        c.disable_enhanced_monitoring().stream_name("s").shard_level_metrics(MetricsName::All).send().await.unwrap();
    assert!(m.desired_shard_level_metrics().is_empty());

    c.start_stream_encryption()
        .stream_name("s")
        .encryption_type(aws_sdk_kinesis::types::EncryptionType::Kms)
        .key_id("alias/aws/kinesis")
        .send()
        .await
        .unwrap();
    let s = summary().await;
    assert_eq!((s.encryption_type().map(|e| e.as_str()), s.key_id()), (Some("KMS"), Some("alias/aws/kinesis")));
    let put = c.put_record().stream_name("s").partition_key("k").data(Blob::new("x")).send().await.unwrap();
    assert_eq!(put.encryption_type().map(|e| e.as_str()), Some("KMS"));
    c.stop_stream_encryption()
        .stream_name("s")
        .encryption_type(aws_sdk_kinesis::types::EncryptionType::Kms)
        .key_id("alias/aws/kinesis")
        .send()
        .await
        .unwrap();
    assert_eq!(summary().await.encryption_type().map(|e| e.as_str()), Some("NONE"));

    let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    assert_eq!(c.get_resource_policy().resource_arn(&arn).send().await.unwrap().policy, "{}");
    c.put_resource_policy().resource_arn(&arn).policy(policy).send().await.unwrap();
    assert_eq!(c.get_resource_policy().resource_arn(&arn).send().await.unwrap().policy, policy);
    let e = c.put_resource_policy().resource_arn(&arn).policy("not json").send().await;
    assert_eq!(kcode(&e.unwrap_err().into_service_error()).0, "InvalidArgumentException");
    c.delete_resource_policy().resource_arn(&arn).send().await.unwrap();
    let e = c.delete_resource_policy().resource_arn(&arn).send().await;
    assert_eq!(kcode(&e.unwrap_err().into_service_error()).0, "ResourceNotFoundException");
}

/// The account's billing commitment: DISABLED, then ENABLED with its dates, then held until
/// its earliest end.
#[tokio::test]
async fn account_settings_follow_the_commitment() {
    let env = start().await;
    let c = kinesis(&env.endpoint());
    let d = c.describe_account_settings().send().await.unwrap();
    assert_eq!(d.minimum_throughput_billing_commitment().unwrap().status().as_str(), "DISABLED");
    let set = |status| {
        c.update_account_settings()
            .minimum_throughput_billing_commitment(
                MinimumThroughputBillingCommitmentInput::builder().status(status).build().unwrap(),
            )
            .send()
    };
    let on = set(MinimumThroughputBillingCommitmentInputStatus::Enabled).await.unwrap();
    let on = on.minimum_throughput_billing_commitment().unwrap();
    assert_eq!(on.status().as_str(), "ENABLED");
    let (start, earliest) = (on.started_at().unwrap().secs(), on.earliest_allowed_end_at().unwrap().secs());
    assert_eq!(earliest - start, 24 * 3600);
    let off = set(MinimumThroughputBillingCommitmentInputStatus::Disabled).await.unwrap();
    assert_eq!(
        off.minimum_throughput_billing_commitment().unwrap().status().as_str(),
        "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
    );
    let d = c.describe_account_settings().send().await.unwrap();
    assert_eq!(
        d.minimum_throughput_billing_commitment().unwrap().status().as_str(),
        "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
    );
}

/// With `--kinesis-enforce-limits`, a shard takes 1,000 records a second: PutRecords reports
/// the rest per record (FailedRecordCount), PutRecord and the sixth GetRecords of a second
/// answer ProvisionedThroughputExceededException; the next second (virtual clock) admits again.
#[tokio::test]
async fn enforced_limits_throttle_per_shard_and_second() {
    let mut config = quayside::Config::for_tests();
    config.virtual_clock = true;
    config.options.insert("kinesis-enforce-limits", "true".into());
    let env = start_with(config).await;
    let c = kinesis(&env.endpoint());
    c.create_stream().stream_name("l").shard_count(1).send().await.unwrap();
    let batch = |tag: &'static str| {
        let mut r = c.put_records().stream_name("l");
        for i in 0..400 {
            let entry = aws_sdk_kinesis::types::PutRecordsRequestEntry::builder()
                .partition_key(format!("{tag}{i}"))
                .data(Blob::new(vec![b'x'; 10]))
                .build()
                .unwrap();
            r = r.records(entry);
        }
        r.send()
    };
    assert_eq!(batch("a").await.unwrap().failed_record_count, Some(0));
    assert_eq!(batch("b").await.unwrap().failed_record_count, Some(0));
    let third = batch("c").await.unwrap();
    assert_eq!(third.failed_record_count, Some(200), "1,000 records admitted in the second");
    assert!(third.records[..200].iter().all(|r| r.error_code.is_none()));
    let refused = &third.records[200];
    assert_eq!(refused.error_code.as_deref(), Some("ProvisionedThroughputExceededException"));
    assert_eq!(
        refused.error_message.as_deref(),
        Some("Rate exceeded for shard shardId-000000000000 in stream l under account 000000000000.")
    );
    let e = c.put_record().stream_name("l").partition_key("k").data(Blob::new("x")).send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "ProvisionedThroughputExceededException");
    env.advance(1).await;
    c.put_record().stream_name("l").partition_key("k").data(Blob::new("x")).send().await.expect("the next second");

    let mut it = trim_horizon(&c, "l", "shardId-000000000000").await;
    for _ in 0..5 {
        it = c.get_records().shard_iterator(&it).limit(10).send().await.unwrap().next_shard_iterator.unwrap();
    }
    let e = c.get_records().shard_iterator(&it).send().await.unwrap_err();
    assert_eq!(kcode(&e.into_service_error()).0, "ProvisionedThroughputExceededException", "5 reads a second");
    env.advance(1).await;
    let r = c.get_records().shard_iterator(&it).send().await.unwrap();
    assert_eq!(r.records.len(), 951, "the rest of what was admitted: 1,000 + 1 - 50");
}
