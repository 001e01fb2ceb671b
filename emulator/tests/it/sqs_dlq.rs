//! Dead-letter queues: redrive after maxReceiveCount, the source ARN attribute,
//! ListDeadLetterSourceQueues, and message move tasks back to the source.

use crate::common::*;
use aws_sdk_sqs::types::{MessageSystemAttributeName as S, QueueAttributeName as A};

pub(crate) async fn source_and_dlq(env: &Env, max_receives: u32) -> (String, String, String) {
    let dlq = env.queue("dlq").await;
    let dlq_arn = env.attribute(&dlq, "QueueArn").await.unwrap();
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{max_receives}"}}"#);
    let src = env
        .client
        .create_queue()
        .queue_name("src")
        .attributes(A::RedrivePolicy, policy)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    (src, dlq, dlq_arn)
}

#[tokio::test]
async fn messages_move_to_the_dlq_after_max_receives() {
    let env = start().await;
    let c = &env.client;
    let (src, dlq, dlq_arn) = source_and_dlq(&env, 2).await;
    let rp: serde_json::Value = serde_json::from_str(&env.attribute(&src, "RedrivePolicy").await.unwrap()).unwrap();
    assert_eq!(rp["maxReceiveCount"], 2, "normalized to a number");
    assert_eq!(rp["deadLetterTargetArn"], dlq_arn.as_str());
    c.send_message().queue_url(&src).message_body("poison").send().await.unwrap();
    for _ in 0..2 {
        let got = c.receive_message().queue_url(&src).visibility_timeout(0).send().await.unwrap();
        assert_eq!(got.messages.unwrap().len(), 1);
    }
    // The third receive moves it instead of delivering it.
    assert!(env.nothing_to_receive(&src).await);
    let got = env.receive_with_attributes(&dlq).await;
    assert_eq!(got[0].body.as_deref(), Some("poison"));
    let src_arn = env.attribute(&src, "QueueArn").await.unwrap();
    assert_eq!(got[0].attributes.as_ref().unwrap().get(&S::DeadLetterQueueSourceArn), Some(&src_arn));

    let sources = c.list_dead_letter_source_queues().queue_url(&dlq).send().await.unwrap();
    assert_eq!(sources.queue_urls, vec![src.clone()]);

    // A redrive policy to a queue that does not exist is refused.
    let e = c
        .set_queue_attributes()
        .queue_url(&src)
        .attributes(
            A::RedrivePolicy,
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:none","maxReceiveCount":1}"#,
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    let e = c
        .set_queue_attributes()
        .queue_url(&src)
        .attributes(A::RedrivePolicy, format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":0}}"#))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
}

#[tokio::test]
async fn move_task_redrives_back_to_the_source() {
    let env = start_virtual().await;
    let c = &env.client;
    let (src, dlq, dlq_arn) = source_and_dlq(&env, 1).await;
    for i in 0..3 {
        c.send_message().queue_url(&src).message_body(format!("m{i}")).send().await.unwrap();
    }
    // Receive each once (count 1 = max), then the next receive redrives all three.
    let got =
        c.receive_message().queue_url(&src).max_number_of_messages(10).visibility_timeout(0).send().await.unwrap();
    assert_eq!(got.messages.unwrap().len(), 3);
    assert!(c
        .receive_message()
        .queue_url(&src)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .is_none_or(|v| v.is_empty()));
    assert_eq!(env.attribute(&dlq, "ApproximateNumberOfMessages").await.as_deref(), Some("3"));

    let e = c
        .start_message_move_task()
        .source_arn(env.attribute(&src, "QueueArn").await.unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue", "the source must be a DLQ");
    let handle = c.start_message_move_task().source_arn(&dlq_arn).send().await.unwrap().task_handle.unwrap();
    let listed = c.list_message_move_tasks().source_arn(&dlq_arn).send().await.unwrap().results.unwrap();
    assert_eq!(listed[0].status.as_deref(), Some("RUNNING"));
    assert_eq!(listed[0].task_handle.as_deref(), Some(handle.as_str()));
    assert_eq!(listed[0].approximate_number_of_messages_to_move, Some(3));

    env.advance(2).await; // runs the task's tick
    let listed = c.list_message_move_tasks().source_arn(&dlq_arn).send().await.unwrap().results.unwrap();
    assert_eq!(listed[0].status.as_deref(), Some("COMPLETED"));
    assert_eq!(listed[0].approximate_number_of_messages_moved, 3);
    assert_eq!(env.attribute(&dlq, "ApproximateNumberOfMessages").await.as_deref(), Some("0"));
    let back = c.receive_message().queue_url(&src).max_number_of_messages(10).send().await.unwrap().messages.unwrap();
    assert_eq!(back.len(), 3);
    let e = c.cancel_message_move_task().task_handle(&handle).send().await.unwrap_err();
    assert!(e.as_service_error().is_some());
    // AWS's recorded answers: garbage is an invalid value; a well-formed handle naming no task
    // or no queue is not found.
    let e = c.cancel_message_move_task().task_handle("nope").send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    use base64::Engine;
    let b64 = |v: serde_json::Value| base64::engine::general_purpose::STANDARD.encode(v.to_string());
    let unknown_task = b64(serde_json::json!({"taskId": "x", "sourceArn": dlq_arn}));
    let e = c.cancel_message_move_task().task_handle(unknown_task).send().await.unwrap_err();
    assert!(e.into_service_error().is_resource_not_found_exception());
    let unknown_queue = b64(serde_json::json!({"taskId": "x", "sourceArn": "arn:aws:sqs:us-east-1:000000000000:gone"}));
    let e = c.cancel_message_move_task().task_handle(unknown_queue).send().await.unwrap_err();
    assert!(e.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn move_task_to_a_chosen_destination_at_a_limited_rate() {
    let env = start_virtual().await;
    let c = &env.client;
    let (src, _dlq, dlq_arn) = source_and_dlq(&env, 1).await;
    let other = env.queue("elsewhere").await;
    let other_arn = env.attribute(&other, "QueueArn").await.unwrap();
    for i in 0..3 {
        c.send_message().queue_url(&src).message_body(format!("m{i}")).send().await.unwrap();
    }
    c.receive_message().queue_url(&src).max_number_of_messages(10).visibility_timeout(0).send().await.unwrap();
    c.receive_message().queue_url(&src).max_number_of_messages(10).send().await.unwrap(); // redrives all three
    c.start_message_move_task()
        .source_arn(&dlq_arn)
        .destination_arn(&other_arn)
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .unwrap();
    env.advance(1).await; // one second of budget: one message
    let listed = c.list_message_move_tasks().source_arn(&dlq_arn).send().await.unwrap().results.unwrap();
    assert_eq!(listed[0].status.as_deref(), Some("RUNNING"));
    assert_eq!(listed[0].approximate_number_of_messages_moved, 1);
    assert_eq!(listed[0].max_number_of_messages_per_second, Some(1));
    assert_eq!(listed[0].destination_arn.as_deref(), Some(other_arn.as_str()));
    env.advance(2).await;
    let listed = c.list_message_move_tasks().source_arn(&dlq_arn).send().await.unwrap().results.unwrap();
    assert_eq!(listed[0].status.as_deref(), Some("COMPLETED"));
    assert_eq!(env.attribute(&other, "ApproximateNumberOfMessages").await.as_deref(), Some("3"));
    assert_eq!(env.attribute(&src, "ApproximateNumberOfMessages").await.as_deref(), Some("0"));
    let e = c
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .max_number_of_messages_per_second(501)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
}

#[tokio::test]
async fn redriven_messages_keep_their_original_send_time_for_retention() {
    let env = start_virtual().await;
    let c = &env.client;
    let dlq = env.queue_with("old-dlq", &[(A::MessageRetentionPeriod, "120")]).await;
    let dlq_arn = env.attribute(&dlq, "QueueArn").await.unwrap();
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":1}}"#);
    let src = env.queue_with("old-src", &[(A::RedrivePolicy, policy.as_str())]).await;
    c.send_message().queue_url(&src).message_body("old").send().await.unwrap();
    env.advance(100).await;
    c.send_message().queue_url(&dlq).message_body("young").send().await.unwrap();
    c.receive_message().queue_url(&src).visibility_timeout(0).send().await.unwrap();
    assert!(env.nothing_to_receive(&src).await); // this receive redrives "old"
    assert_eq!(env.attribute(&dlq, "ApproximateNumberOfMessages").await.as_deref(), Some("2"));
    env.advance(30).await; // "old" is 130 s old (over 120), "young" 30 s
    assert_eq!(env.attribute(&dlq, "ApproximateNumberOfMessages").await.as_deref(), Some("1"));
    let got = c.receive_message().queue_url(&dlq).max_number_of_messages(10).send().await.unwrap().messages.unwrap();
    assert_eq!(got.iter().map(|m| m.body.clone().unwrap()).collect::<Vec<_>>(), vec!["young"]);
}
