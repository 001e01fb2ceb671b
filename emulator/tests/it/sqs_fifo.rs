//! FIFO queues: order per group, blocking while in flight, de-duplication window (virtual
//! clock), content-based de-duplication, sequence numbers and receive attempt ids.

use crate::common::*;
use aws_sdk_sqs::types::{MessageSystemAttributeName as S, QueueAttributeName as A};

#[tokio::test]
async fn order_within_groups_and_blocking() {
    let env = start().await;
    let c = &env.client;
    let url = env.fifo_queue("orders.fifo", false).await;
    let mut seqs = Vec::new();
    for (i, g) in ["a", "a", "b", "a", "b"].iter().enumerate() {
        let out = c
            .send_message()
            .queue_url(&url)
            .message_body(format!("{g}{i}"))
            .message_group_id(*g)
            .message_deduplication_id(format!("d{i}"))
            .send()
            .await
            .unwrap();
        seqs.push(out.sequence_number.expect("FIFO sends return a SequenceNumber"));
    }
    let nums: Vec<u128> = seqs.iter().map(|s| s.parse().unwrap()).collect();
    assert!(nums.windows(2).all(|w| w[0] < w[1]), "sequence numbers increase: {seqs:?}");

    // One receive of 2 takes the oldest group's run: a0, a1.
    let r1 = c.receive_message().queue_url(&url).max_number_of_messages(2).send().await.unwrap().messages.unwrap();
    assert_eq!(r1.iter().map(|m| m.body.clone().unwrap()).collect::<Vec<_>>(), vec!["a0", "a1"]);
    // Group a is blocked while those are in flight: only b comes next.
    let r2 = c.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap().messages.unwrap();
    assert_eq!(r2.iter().map(|m| m.body.clone().unwrap()).collect::<Vec<_>>(), vec!["b2", "b4"]);
    assert!(env.nothing_to_receive(&url).await);
    // Deleting a0 alone does not unblock a (a1 is still in flight).
    c.delete_message().queue_url(&url).receipt_handle(r1[0].receipt_handle.clone().unwrap()).send().await.unwrap();
    assert!(env.nothing_to_receive(&url).await);
    c.delete_message().queue_url(&url).receipt_handle(r1[1].receipt_handle.clone().unwrap()).send().await.unwrap();
    let r3 = env.receive_with_attributes(&url).await;
    assert_eq!(r3[0].body.as_deref(), Some("a3"));
    let attrs = r3[0].attributes.as_ref().unwrap();
    assert_eq!(attrs.get(&S::MessageGroupId).map(String::as_str), Some("a"));
    assert_eq!(attrs.get(&S::MessageDeduplicationId).map(String::as_str), Some("d3"));
    assert_eq!(attrs.get(&S::SequenceNumber), Some(&seqs[3]));
}

#[tokio::test]
async fn deduplication_window_and_content_based() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.fifo_queue("dedup.fifo", true).await;
    let first = c.send_message().queue_url(&url).message_body("same").message_group_id("g").send().await.unwrap();
    let dup = c.send_message().queue_url(&url).message_body("same").message_group_id("g").send().await.unwrap();
    assert_eq!(first.message_id, dup.message_id, "a duplicate returns the original MessageId");
    assert_eq!(first.sequence_number, dup.sequence_number);
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessages").await.as_deref(), Some("1"));
    // An explicit id overrides the content hash.
    c.send_message()
        .queue_url(&url)
        .message_body("same")
        .message_group_id("g")
        .message_deduplication_id("x")
        .send()
        .await
        .unwrap();
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessages").await.as_deref(), Some("2"));
    // After the 5-minute window the same content is a new message.
    env.advance(301).await;
    let later = c.send_message().queue_url(&url).message_body("same").message_group_id("g").send().await.unwrap();
    assert_ne!(later.message_id, first.message_id);
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessages").await.as_deref(), Some("3"));
}

#[tokio::test]
async fn fifo_validation() {
    let env = start().await;
    let c = &env.client;
    let url = env.fifo_queue("v.fifo", false).await;
    let e = c.send_message().queue_url(&url).message_body("x").message_deduplication_id("d").send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "MissingParameter");
    let e = c.send_message().queue_url(&url).message_body("x").message_group_id("g").send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    let e = c
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_group_id("g")
        .message_deduplication_id("d")
        .delay_seconds(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    // DelaySeconds 0 is accepted on FIFO queues, as by AWS.
    c.send_message()
        .queue_url(&url)
        .message_body("x")
        .message_group_id("g")
        .message_deduplication_id("d")
        .delay_seconds(0)
        .send()
        .await
        .unwrap();
    // Standard queues reject a deduplication id but accept a group id (fair queues).
    let std = env.queue("std").await;
    let e = c.send_message().queue_url(&std).message_body("x").message_deduplication_id("d").send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    c.send_message().queue_url(&std).message_body("x").message_group_id("tenant-1").send().await.unwrap();
    // FIFO-only attributes.
    let e = c
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::FifoThroughputLimit, "perMessageGroupId")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidAttributeValue");
    c.set_queue_attributes()
        .queue_url(&url)
        .attributes(A::DeduplicationScope, "messageGroup")
        .attributes(A::FifoThroughputLimit, "perMessageGroupId")
        .send()
        .await
        .unwrap();
    assert_eq!(env.attribute(&url, "FifoQueue").await.as_deref(), Some("true"));
    assert_eq!(env.attribute(&url, "DeduplicationScope").await.as_deref(), Some("messageGroup"));
}

#[tokio::test]
async fn receive_request_attempt_id_replays_the_same_receive() {
    let env = start().await;
    let c = &env.client;
    let url = env.fifo_queue("attempt.fifo", true).await;
    for b in ["1", "2"] {
        c.send_message().queue_url(&url).message_body(b).message_group_id("g").send().await.unwrap();
    }
    let a = c
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .receive_request_attempt_id("try-1")
        .send()
        .await
        .unwrap();
    let b = c
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .receive_request_attempt_id("try-1")
        .send()
        .await
        .unwrap();
    let ha: Vec<_> = a.messages.unwrap().into_iter().map(|m| m.receipt_handle.unwrap()).collect();
    let hb: Vec<_> = b.messages.unwrap().into_iter().map(|m| m.receipt_handle.unwrap()).collect();
    assert_eq!(ha.len(), 2);
    assert_eq!(ha, hb, "the retry gets the same messages and receipt handles");
    // A different attempt id sees the group blocked.
    let c2 = c.receive_message().queue_url(&url).receive_request_attempt_id("try-2").send().await.unwrap();
    assert!(c2.messages.is_none_or(|v| v.is_empty()));
}

#[tokio::test]
async fn fifo_receipt_handles_expire() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.fifo_queue("expire.fifo", true).await;
    c.send_message().queue_url(&url).message_body("m").message_group_id("g").send().await.unwrap();
    let first = c.receive_message().queue_url(&url).visibility_timeout(10).send().await.unwrap().messages.unwrap();
    env.advance(11).await;
    let again = c.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap();
    assert_eq!(again.len(), 1);
    let e = c
        .delete_message()
        .queue_url(&url)
        .receipt_handle(first[0].receipt_handle.clone().unwrap())
        .send()
        .await
        .unwrap_err();
    let se = e.into_service_error();
    assert_eq!(se.meta().code(), Some("InvalidParameterValue"));
    assert!(se.meta().message().unwrap_or("").ends_with("Reason: The receipt handle has expired."));
    c.delete_message().queue_url(&url).receipt_handle(again[0].receipt_handle.clone().unwrap()).send().await.unwrap();
    assert!(env.nothing_to_receive(&url).await);
}
