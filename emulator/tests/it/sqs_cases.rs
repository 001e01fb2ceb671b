//! Cases a review found missing: move-task cancels and limits, foreign receipt handles,
//! DeleteMessageBatch's errors, tag and attribute limits, list tokens, pinned attribute MD5s
//! and RedriveAllowPolicy refusals.

use crate::common::*;
use crate::sqs_dlq::source_and_dlq;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageAttributeValue, QueueAttributeName as A};

fn err_code<E: aws_sdk_sqs::error::ProvideErrorMetadata, R: std::fmt::Debug>(
    r: Result<R, aws_sdk_sqs::error::SdkError<E>>,
) -> String {
    code(r.unwrap_err().as_service_error().expect("a service error"))
}

/// Sends three messages through the source to its DLQ (max receives 1).
async fn three_in_the_dlq(env: &Env) -> (String, String, String) {
    let c = &env.client;
    let (src, dlq, dlq_arn) = source_and_dlq(env, 1).await;
    for i in 0..3 {
        c.send_message().queue_url(&src).message_body(format!("m{i}")).send().await.unwrap();
    }
    c.receive_message().queue_url(&src).max_number_of_messages(10).visibility_timeout(0).send().await.unwrap();
    c.receive_message().queue_url(&src).max_number_of_messages(10).send().await.unwrap();
    assert_eq!(env.attribute(&dlq, "ApproximateNumberOfMessages").await.as_deref(), Some("3"));
    (src, dlq, dlq_arn)
}

#[tokio::test]
async fn cancel_stops_a_running_move_task_and_one_runs_per_source() {
    let env = start_virtual().await;
    let c = &env.client;
    let (src, dlq, dlq_arn) = three_in_the_dlq(&env).await;
    let handle = c
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .unwrap()
        .task_handle
        .unwrap();
    // One running task per source.
    let again = c.start_message_move_task().source_arn(&dlq_arn).send().await;
    assert_eq!(err_code(again), "InvalidParameterValue");
    env.advance(1).await; // one message's worth of budget
    let out = c.cancel_message_move_task().task_handle(&handle).send().await.unwrap();
    assert_eq!(out.approximate_number_of_messages_moved, 1);
    let listed = c.list_message_move_tasks().source_arn(&dlq_arn).send().await.unwrap().results.unwrap();
    assert_eq!(listed[0].status.as_deref(), Some("CANCELLED"));
    assert!(listed[0].task_handle.is_none(), "only running tasks show their handle");
    env.advance(10).await;
    assert_eq!(env.attribute(&dlq, "ApproximateNumberOfMessages").await.as_deref(), Some("2"), "nothing moves after");
    assert_eq!(env.attribute(&src, "ApproximateNumberOfMessages").await.as_deref(), Some("1"));
    // A cancelled task is no longer running: a new one may start.
    c.start_message_move_task().source_arn(&dlq_arn).send().await.unwrap();
}

#[tokio::test]
async fn receipt_handles_and_delete_message_batch_errors() {
    let env = start().await;
    let c = &env.client;
    let q1 = env.queue("h1").await;
    let q2 = env.queue("h2").await;
    c.send_message().queue_url(&q1).message_body("x").send().await.unwrap();
    let m = c.receive_message().queue_url(&q1).send().await.unwrap().messages.unwrap().remove(0);
    let handle = m.receipt_handle.unwrap();
    // A handle of another queue is not valid here.
    let e = c.delete_message().queue_url(&q2).receipt_handle(&handle).send().await;
    assert_eq!(err_code(e), "ReceiptHandleIsInvalid");
    let e = c.change_message_visibility().queue_url(&q2).receipt_handle(&handle).visibility_timeout(1).send().await;
    assert_eq!(err_code(e), "ReceiptHandleIsInvalid");

    let entry = |id: &str, h: &str| DeleteMessageBatchRequestEntry::builder().id(id).receipt_handle(h).build().unwrap();
    let e = c.delete_message_batch().queue_url(&q1).set_entries(Some(vec![])).send().await;
    assert_eq!(err_code(e), "AWS.SimpleQueueService.EmptyBatchRequest");
    let eleven: Vec<_> = (0..11).map(|i| entry(&format!("e{i}"), &handle)).collect();
    let e = c.delete_message_batch().queue_url(&q1).set_entries(Some(eleven)).send().await;
    assert_eq!(err_code(e), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
    let e =
        c.delete_message_batch().queue_url(&q1).entries(entry("a", &handle)).entries(entry("a", &handle)).send().await;
    assert_eq!(err_code(e), "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
    let e = c.delete_message_batch().queue_url(&q1).entries(entry("bad id!", &handle)).send().await;
    assert_eq!(err_code(e), "AWS.SimpleQueueService.InvalidBatchEntryId");
    let out = c
        .delete_message_batch()
        .queue_url(&q1)
        .entries(entry("ok", &handle))
        .entries(entry("forged", "nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["ok"]);
    assert_eq!(out.failed.len(), 1);
    assert_eq!((out.failed[0].id.as_str(), out.failed[0].code.as_str()), ("forged", "ReceiptHandleIsInvalid"));
    assert!(out.failed[0].sender_fault);
}

#[tokio::test]
async fn tag_attribute_and_size_limits() {
    let env = start().await;
    let c = &env.client;
    let mut create = c.create_queue().queue_name("tags50");
    for i in 0..50 {
        create = create.tags(format!("k{i}"), "v");
    }
    let url = create.send().await.unwrap().queue_url.unwrap();
    assert_eq!(err_code(c.tag_queue().queue_url(&url).tags("one-more", "v").send().await), "InvalidParameterValue");
    let mut create = c.create_queue().queue_name("tags51");
    for i in 0..51 {
        create = create.tags(format!("k{i}"), "v");
    }
    assert_eq!(err_code(create.send().await), "InvalidParameterValue");

    let attr = || MessageAttributeValue::builder().data_type("String").string_value("v").build().unwrap();
    let mut ten = c.send_message().queue_url(&url).message_body("b");
    for i in 0..10 {
        ten = ten.message_attributes(format!("a{i}"), attr());
    }
    ten.send().await.unwrap();
    let mut eleven = c.send_message().queue_url(&url).message_body("b");
    for i in 0..11 {
        eleven = eleven.message_attributes(format!("a{i}"), attr());
    }
    assert_eq!(err_code(eleven.send().await), "InvalidParameterValue");
    // Exactly 1 MiB is the limit; one byte more is refused.
    c.send_message().queue_url(&url).message_body("x".repeat(1_048_576)).send().await.unwrap();
    let e = c.send_message().queue_url(&url).message_body("x".repeat(1_048_577)).send().await;
    assert_eq!(err_code(e), "InvalidParameterValue");
    // A ListQueues token that is not ours.
    let e = c.list_queues().max_results(1).next_token("not-a-token!").send().await;
    assert_eq!(err_code(e), "InvalidParameterValue");
}

#[tokio::test]
async fn attribute_md5s_are_pinned() {
    let env = start().await;
    let c = &env.client;
    let url = env.queue("md5").await;
    let v = |t: &str, s: Option<&str>, b: Option<&[u8]>| {
        let mut x = MessageAttributeValue::builder().data_type(t);
        if let Some(s) = s {
            x = x.string_value(s);
        }
        if let Some(b) = b {
            x = x.binary_value(aws_sdk_sqs::primitives::Blob::new(b.to_vec()));
        }
        x.build().unwrap()
    };
    // Expected values computed outside Quayside with AWS's published algorithm.
    let out = c
        .send_message()
        .queue_url(&url)
        .message_body("pinned body")
        .message_attributes("city", v("String", Some("Any City"), None))
        .message_attributes("count", v("Number", Some("42"), None))
        .message_attributes("blob", v("Binary", None, Some(&[0, 1, 2, 255])))
        .send()
        .await
        .unwrap();
    assert_eq!(out.md5_of_message_body.as_deref(), Some("fb92d12b4f2f6698aa8684dc6c42c524"));
    assert_eq!(out.md5_of_message_attributes.as_deref(), Some("1f1d9d7485ebc0bb5aac84ed7d63da2c"));
    let out = c
        .send_message()
        .queue_url(&url)
        .message_body("b")
        .message_attributes("a", v("String.custom", Some("x"), None))
        .send()
        .await
        .unwrap();
    assert_eq!(out.md5_of_message_attributes.as_deref(), Some("a992fdea5108eee227af52b8761a85f4"));
    let m = c.receive_message().queue_url(&url).message_attribute_names("All").send().await.unwrap().messages.unwrap();
    assert_eq!(m[0].md5_of_message_attributes.as_deref(), Some("1f1d9d7485ebc0bb5aac84ed7d63da2c"));
}

#[tokio::test]
async fn redrive_allow_policies_refuse_sources() {
    let env = start().await;
    let c = &env.client;
    let src = env.queue("rap-src").await;
    let src_arn = env.attribute(&src, "QueueArn").await.unwrap();
    let redrive = |dlq_arn: &str| format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":3}}"#);
    for (name, allow, allowed) in [
        ("deny-all", r#"{"redrivePermission":"denyAll"}"#.to_string(), false),
        (
            "by-other",
            r#"{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:000000000000:x"]}"#.to_string(),
            false,
        ),
        ("by-src", format!(r#"{{"redrivePermission":"byQueue","sourceQueueArns":["{src_arn}"]}}"#), true),
        ("allow-all", r#"{"redrivePermission":"allowAll"}"#.to_string(), true),
    ] {
        let dlq = env.queue_with(name, &[(A::RedriveAllowPolicy, &allow)]).await;
        let dlq_arn = env.attribute(&dlq, "QueueArn").await.unwrap();
        let r = c.set_queue_attributes().queue_url(&src).attributes(A::RedrivePolicy, redrive(&dlq_arn)).send().await;
        if allowed {
            r.unwrap();
        } else {
            assert_eq!(err_code(r), "InvalidParameterValue", "{name}");
        }
    }
    // Malformed allow policies are refused on the DLQ itself.
    for bad in
        [r#"{"redrivePermission":"byQueue"}"#, r#"{"redrivePermission":"denyAll","sourceQueueArns":["a"]}"#, "[]"]
    {
        let r = c.create_queue().queue_name("bad-rap").attributes(A::RedriveAllowPolicy, bad).send().await;
        assert_eq!(err_code(r), "InvalidAttributeValue", "{bad}");
    }
}

#[tokio::test]
async fn get_queue_url_honours_the_owner_account() {
    let env = start().await;
    let other = client(&env.endpoint(), "111122223333");
    let url = other.create_queue().queue_name("theirs").send().await.unwrap().queue_url.unwrap();
    let c = &env.client;
    assert_eq!(
        err_code(c.get_queue_url().queue_name("theirs").send().await),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    let found = c.get_queue_url().queue_name("theirs").queue_owner_aws_account_id("111122223333").send().await.unwrap();
    assert_eq!(found.queue_url.as_deref(), Some(url.as_str()));
}
