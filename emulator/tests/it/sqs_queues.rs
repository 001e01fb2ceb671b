//! Queue lifecycle through the SDK: create (idempotent and conflicting), URLs, listing with
//! pagination, attributes, tags, permissions, purge, delete, accounts and regions.

use crate::common::*;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::QueueAttributeName as A;

#[tokio::test]
async fn create_is_idempotent_and_conflicts_on_different_attributes() {
    let env = start().await;
    let c = &env.client;
    let url = env.queue_with("orders", &[(A::VisibilityTimeout, "45")]).await;
    assert_eq!(url, format!("{}/queue/us-east-1/000000000000/orders", env.endpoint()));
    let again = c.create_queue().queue_name("orders").attributes(A::VisibilityTimeout, "45").send().await.unwrap();
    assert_eq!(again.queue_url.unwrap(), url);
    // Without attributes the existing queue is returned too.
    c.create_queue().queue_name("orders").send().await.unwrap();
    let err = c.create_queue().queue_name("orders").attributes(A::VisibilityTimeout, "46").send().await.unwrap_err();
    let se = err.into_service_error();
    assert!(se.is_queue_name_exists(), "{se:?}");
    assert_eq!(se.code(), Some("QueueAlreadyExists"));
}

#[tokio::test]
async fn queue_names_are_validated() {
    let env = start().await;
    for bad in ["", "has space", "dot.name", &"x".repeat(81)] {
        let e = env.client.create_queue().queue_name(bad).send().await.unwrap_err();
        let code = code(e.as_service_error().unwrap());
        assert!(code == "InvalidParameterValue" || code == "MissingParameter", "{bad}: {code}");
    }
    env.client.create_queue().queue_name("x".repeat(80)).send().await.unwrap();
    let e =
        env.client.create_queue().queue_name("no-suffix").attributes(A::FifoQueue, "true").send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
}

#[tokio::test]
async fn get_queue_url_list_and_delete() {
    let env = start().await;
    let c = &env.client;
    for n in ["a1", "a2", "a3", "b1"] {
        env.queue(n).await;
    }
    let url = c.get_queue_url().queue_name("a2").send().await.unwrap().queue_url.unwrap();
    assert!(url.ends_with("/000000000000/a2"));
    let e = c.get_queue_url().queue_name("nope").send().await.unwrap_err().into_service_error();
    assert!(e.is_queue_does_not_exist());
    assert_eq!(e.code(), Some("AWS.SimpleQueueService.NonExistentQueue"));

    let all = c.list_queues().send().await.unwrap().queue_urls.unwrap();
    assert_eq!(all.len(), 4);
    let a = c.list_queues().queue_name_prefix("a").send().await.unwrap().queue_urls.unwrap();
    assert_eq!(a.len(), 3);
    // Pagination: pages of 2, then 1, with a token in between.
    let p1 = c.list_queues().queue_name_prefix("a").max_results(2).send().await.unwrap();
    assert_eq!(p1.queue_urls.as_ref().unwrap().len(), 2);
    let token = p1.next_token.clone().expect("a NextToken when more remain");
    let p2 = c.list_queues().queue_name_prefix("a").max_results(2).next_token(token).send().await.unwrap();
    assert_eq!(p2.queue_urls.unwrap(), vec![format!("{}/queue/us-east-1/000000000000/a3", env.endpoint())]);
    assert!(p2.next_token.is_none());
    let e = c.list_queues().max_results(0).send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");

    c.delete_queue().queue_url(&url).send().await.unwrap();
    let e = c.delete_queue().queue_url(&url).send().await.unwrap_err().into_service_error();
    assert!(e.is_queue_does_not_exist());
    let e = c.send_message().queue_url(&url).message_body("x").send().await.unwrap_err().into_service_error();
    assert!(e.is_queue_does_not_exist());
    // Empty listing: no QueueUrls member at all, as AWS.
    let none = c.list_queues().queue_name_prefix("zzz").send().await.unwrap();
    assert!(none.queue_urls.is_none_or(|v| v.is_empty()));
}

#[tokio::test]
async fn attributes_defaults_set_and_validation() {
    let env = start().await;
    let c = &env.client;
    let url = env.queue("attrs").await;
    let out = c.get_queue_attributes().queue_url(&url).attribute_names(A::All).send().await.unwrap();
    let attrs = out.attributes.unwrap();
    let get = |n: &str| attrs.get(&A::from(n)).cloned();
    assert_eq!(get("VisibilityTimeout").as_deref(), Some("30"));
    assert_eq!(get("MaximumMessageSize").as_deref(), Some("1048576"));
    assert_eq!(get("MessageRetentionPeriod").as_deref(), Some("345600"));
    assert_eq!(get("DelaySeconds").as_deref(), Some("0"));
    assert_eq!(get("ReceiveMessageWaitTimeSeconds").as_deref(), Some("0"));
    assert_eq!(get("ApproximateNumberOfMessages").as_deref(), Some("0"));
    assert_eq!(get("QueueArn").as_deref(), Some("arn:aws:sqs:us-east-1:000000000000:attrs"));
    assert_eq!(get("SqsManagedSseEnabled").as_deref(), Some("true"));
    assert!(get("FifoQueue").is_none(), "standard queues have no FifoQueue attribute");
    assert!(get("CreatedTimestamp").unwrap().parse::<i64>().unwrap() > 1_600_000_000);

    c.set_queue_attributes()
        .queue_url(&url)
        .attributes(A::DelaySeconds, "5")
        .attributes(A::Policy, r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(env.attribute(&url, "DelaySeconds").await.as_deref(), Some("5"));
    assert!(env.attribute(&url, "Policy").await.is_some());

    for (name, value, want) in [
        ("DelaySeconds", "901", "InvalidAttributeValue"),
        ("VisibilityTimeout", "43201", "InvalidAttributeValue"),
        ("MessageRetentionPeriod", "59", "InvalidAttributeValue"),
        ("MaximumMessageSize", "1048577", "InvalidAttributeValue"),
        ("ReceiveMessageWaitTimeSeconds", "21", "InvalidAttributeValue"),
        ("ContentBasedDeduplication", "true", "InvalidAttributeName"),
        ("Bogus", "1", "InvalidAttributeName"),
    ] {
        let e = c.set_queue_attributes().queue_url(&url).attributes(A::from(name), value).send().await.unwrap_err();
        assert_eq!(code(e.as_service_error().unwrap()), want, "{name}={value}");
    }
    let e = c.get_queue_attributes().queue_url(&url).attribute_names(A::from("Nope")).send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidAttributeName");
}

#[tokio::test]
async fn tags_permissions_and_purge() {
    let env = start().await;
    let c = &env.client;
    let url = c.create_queue().queue_name("tagged").tags("team", "core").send().await.unwrap().queue_url.unwrap();
    c.tag_queue().queue_url(&url).tags("env", "test").send().await.unwrap();
    let tags = c.list_queue_tags().queue_url(&url).send().await.unwrap().tags.unwrap();
    assert_eq!(tags.get("team").map(String::as_str), Some("core"));
    assert_eq!(tags.get("env").map(String::as_str), Some("test"));
    c.untag_queue().queue_url(&url).tag_keys("team").send().await.unwrap();
    let tags = c.list_queue_tags().queue_url(&url).send().await.unwrap().tags.unwrap();
    assert_eq!(tags.len(), 1);

    c.add_permission()
        .queue_url(&url)
        .label("AllowSend")
        .aws_account_ids("111122223333")
        .actions("SendMessage")
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(&env.attribute(&url, "Policy").await.unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Sid"], "AllowSend");
    assert_eq!(policy["Statement"][0]["Action"], "SQS:SendMessage");
    assert_eq!(policy["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
    let e = c
        .add_permission()
        .queue_url(&url)
        .label("AllowSend")
        .aws_account_ids("111122223333")
        .actions("SendMessage")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    c.remove_permission().queue_url(&url).label("AllowSend").send().await.unwrap();
    assert!(env.attribute(&url, "Policy").await.is_none());
    let e = c.remove_permission().queue_url(&url).label("AllowSend").send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");

    for i in 0..3 {
        c.send_message().queue_url(&url).message_body(format!("m{i}")).send().await.unwrap();
    }
    c.purge_queue().queue_url(&url).send().await.unwrap();
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessages").await.as_deref(), Some("0"));
    // Relaxed limits (the default): test suites purge between tests, so again at once.
    c.purge_queue().queue_url(&url).send().await.unwrap();
}

#[tokio::test]
async fn accounts_and_regions_are_separate() {
    let env = start().await;
    let other = client(&env.endpoint(), "111122223333");
    let url = other.create_queue().queue_name("mine").send().await.unwrap().queue_url.unwrap();
    assert!(url.ends_with("/111122223333/mine"), "{url}");
    assert!(env.client.list_queues().send().await.unwrap().queue_urls.is_none_or(|v| v.is_empty()));
    // Another account can still address the queue by URL (cross-account access).
    env.client.send_message().queue_url(&url).message_body("hi").send().await.unwrap();
    let eu = client_in(&env.endpoint(), "111122223333", "eu-west-1");
    assert!(eu.list_queues().send().await.unwrap().queue_urls.is_none_or(|v| v.is_empty()));
    let arn = eu.create_queue().queue_name("mine").send().await.unwrap();
    assert!(arn.queue_url.is_some());
}

#[tokio::test]
async fn strict_limits_block_a_deleted_name_and_a_second_purge_for_60_seconds() {
    let mut config = quayside::Config::for_tests();
    config.virtual_clock = true;
    config.strict = true;
    let env = start_with(config).await;
    let url = env.queue("reused").await;
    env.client.delete_queue().queue_url(&url).send().await.unwrap();
    let e = env.client.create_queue().queue_name("reused").send().await.unwrap_err().into_service_error();
    assert!(e.is_queue_deleted_recently(), "{e:?}");
    env.advance(61).await;
    let url = env.queue("reused").await;
    // Strict limits keep AWS's one PurgeQueue per 60 seconds.
    env.client.purge_queue().queue_url(&url).send().await.unwrap();
    let e = env.client.purge_queue().queue_url(&url).send().await.unwrap_err().into_service_error();
    assert!(e.is_purge_queue_in_progress(), "{e:?}");
    env.advance(60).await;
    env.client.purge_queue().queue_url(&url).send().await.unwrap();
    // Relaxed (the default): the name is free at once.
    let relaxed = start().await;
    let url = relaxed.queue("reused").await;
    relaxed.client.delete_queue().queue_url(&url).send().await.unwrap();
    relaxed.queue("reused").await;
}
