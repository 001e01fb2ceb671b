//! Messages through the SDK: send/receive/delete, MD5s, attributes, visibility (virtual
//! clock), delays, retention, long polling and batches.

use crate::common::*;
use aws_sdk_sqs::primitives::Blob;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, MessageAttributeValue,
    MessageSystemAttributeName as S, MessageSystemAttributeNameForSends, MessageSystemAttributeValue,
    QueueAttributeName as A, SendMessageBatchRequestEntry,
};
use std::time::{Duration, Instant};

fn binary_attr(bytes: &[u8]) -> MessageAttributeValue {
    MessageAttributeValue::builder().data_type("Binary").binary_value(Blob::new(bytes.to_vec())).build().unwrap()
}

fn attr(t: &str, v: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder().data_type(t).string_value(v).build().unwrap()
}

#[tokio::test]
async fn send_receive_delete_with_md5s_and_attributes() {
    let env = start().await;
    let c = &env.client;
    let url = env.queue("basic").await;
    let sent = c
        .send_message()
        .queue_url(&url)
        .message_body("hello world")
        .message_attributes("SellerName", attr("String", "Example Store"))
        .message_attributes("bin", binary_attr(&[0, 1, 2]))
        .message_system_attributes(
            MessageSystemAttributeNameForSends::AwsTraceHeader,
            MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value("Root=1-5759e988-bd862e3fe1be46a994272793")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(sent.md5_of_message_body.as_deref(), Some("5eb63bbbe01eeed093cb22bb8f5acdc3"));
    assert!(sent.md5_of_message_attributes.is_some());
    assert!(sent.md5_of_message_system_attributes.is_some());
    assert!(sent.sequence_number.is_none());

    let got = c
        .receive_message()
        .queue_url(&url)
        .message_attribute_names("SellerName")
        .message_system_attribute_names(S::All)
        .send()
        .await
        .unwrap();
    let msgs = got.messages.unwrap();
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m.body.as_deref(), Some("hello world"));
    assert_eq!(m.message_id, sent.message_id);
    assert_eq!(m.md5_of_body.as_deref(), Some("5eb63bbbe01eeed093cb22bb8f5acdc3"));
    // Only the selected attribute comes back, with the MD5 AWS documents for it.
    let attrs = m.message_attributes.as_ref().unwrap();
    assert_eq!(attrs.len(), 1);
    assert_eq!(m.md5_of_message_attributes.as_deref(), Some("cd28f3b68aeee4b2eac9c66f2f694b58"));
    let sys = m.attributes.as_ref().unwrap();
    assert_eq!(sys.get(&S::ApproximateReceiveCount).map(String::as_str), Some("1"));
    assert_eq!(sys.get(&S::SenderId).map(String::as_str), Some("000000000000"));
    assert!(sys.get(&S::SentTimestamp).unwrap().parse::<i64>().unwrap() > 1_600_000_000_000);
    assert!(sys.contains_key(&S::ApproximateFirstReceiveTimestamp));
    assert_eq!(sys.get(&S::AwsTraceHeader).map(String::as_str), Some("Root=1-5759e988-bd862e3fe1be46a994272793"));

    // In flight: nothing more to receive.
    assert!(env.nothing_to_receive(&url).await);
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessagesNotVisible").await.as_deref(), Some("1"));
    c.delete_message().queue_url(&url).receipt_handle(m.receipt_handle.clone().unwrap()).send().await.unwrap();
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessagesNotVisible").await.as_deref(), Some("0"));
    // Deleting again with the same handle succeeds (idempotent), as AWS.
    c.delete_message().queue_url(&url).receipt_handle(m.receipt_handle.clone().unwrap()).send().await.unwrap();

    // Binary attributes round-trip.
    c.send_message()
        .queue_url(&url)
        .message_body("b")
        .message_attributes("bin", binary_attr(&[0, 1, 2]))
        .send()
        .await
        .unwrap();
    let got = c.receive_message().queue_url(&url).message_attribute_names("All").send().await.unwrap();
    let m = &got.messages.unwrap()[0];
    let v = &m.message_attributes.as_ref().unwrap()["bin"];
    assert_eq!(v.binary_value.as_ref().unwrap().as_ref(), &[0, 1, 2]);
}

#[tokio::test]
async fn visibility_timeout_expiry_and_changes_use_the_virtual_clock() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.queue("vis").await;
    c.send_message().queue_url(&url).message_body("m").send().await.unwrap();
    let first = c.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap().remove(0);
    env.advance(29).await;
    assert!(env.nothing_to_receive(&url).await);
    env.advance(2).await;
    let second = c
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(S::ApproximateReceiveCount)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap()
        .remove(0);
    assert_ne!(first.receipt_handle, second.receipt_handle, "a fresh receipt handle per receive");
    assert_eq!(second.attributes.unwrap().get(&S::ApproximateReceiveCount).map(String::as_str), Some("2"));

    // On a standard queue the older handle still acts (recorded): it changes the visibility
    // the newer receive set.
    c.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(first.receipt_handle.clone().unwrap())
        .visibility_timeout(10)
        .send()
        .await
        .unwrap();
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessagesNotVisible").await.as_deref(), Some("1"));

    // Extend to 12 hours: fine; beyond 12 hours from the receive: rejected.
    let h = second.receipt_handle.unwrap();
    c.change_message_visibility().queue_url(&url).receipt_handle(&h).visibility_timeout(43_200).send().await.unwrap();
    env.advance(3600).await;
    let e = c
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(&h)
        .visibility_timeout(43_200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    // Zero makes it visible at once.
    c.change_message_visibility().queue_url(&url).receipt_handle(&h).visibility_timeout(0).send().await.unwrap();
    let third = c.receive_message().queue_url(&url).visibility_timeout(0).send().await.unwrap().messages.unwrap();
    assert_eq!(third.len(), 1);
    // And the first handle of all deletes it (recorded).
    c.delete_message().queue_url(&url).receipt_handle(first.receipt_handle.unwrap()).send().await.unwrap();
    assert!(env.nothing_to_receive(&url).await);

    let e = c
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle("forged")
        .visibility_timeout(1)
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_receipt_handle_is_invalid());
    let e = c.delete_message().queue_url(&url).receipt_handle("forged").send().await.unwrap_err();
    assert!(e.into_service_error().is_receipt_handle_is_invalid());
}

#[tokio::test]
async fn delays_and_retention_use_the_virtual_clock() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.queue_with("delay", &[(A::DelaySeconds, "10")]).await;
    c.send_message().queue_url(&url).message_body("queue-delay").send().await.unwrap();
    c.send_message().queue_url(&url).message_body("no-delay").delay_seconds(0).send().await.unwrap();
    c.send_message().queue_url(&url).message_body("long-delay").delay_seconds(900).send().await.unwrap();
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessagesDelayed").await.as_deref(), Some("2"));
    let got = c.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap().messages.unwrap();
    assert_eq!(got.iter().map(|m| m.body.clone().unwrap()).collect::<Vec<_>>(), vec!["no-delay"]);
    env.advance(10).await;
    let got = c.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap().messages.unwrap();
    assert_eq!(got[0].body.as_deref(), Some("queue-delay"));
    let e = c.send_message().queue_url(&url).message_body("x").delay_seconds(901).send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");

    let short = env.queue_with("short", &[(A::MessageRetentionPeriod, "60")]).await;
    c.send_message().queue_url(&short).message_body("old").send().await.unwrap();
    env.advance(61).await;
    assert_eq!(env.attribute(&short, "ApproximateNumberOfMessages").await.as_deref(), Some("0"));
    assert!(env.nothing_to_receive(&short).await);
}

#[tokio::test]
async fn long_poll_returns_as_soon_as_a_message_arrives() {
    let env = start().await;
    let url = env.queue("poll").await;
    let (c, u) = (env.client.clone(), url.clone());
    let poll = tokio::spawn(async move { c.receive_message().queue_url(&u).wait_time_seconds(20).send().await });
    crate::house::wait_for_waiting_receives(env.running.addr, 1).await;
    env.client.send_message().queue_url(&url).message_body("wake").send().await.unwrap();
    // The poll waits 20 s; the 10 s guard passes only if the send woke it.
    let got = tokio::time::timeout(Duration::from_secs(10), poll).await.expect("woken by the send").unwrap().unwrap();
    assert_eq!(got.messages.unwrap()[0].body.as_deref(), Some("wake"));

    // An empty long poll with a short wait returns empty.
    let got = env.client.receive_message().queue_url(&url).wait_time_seconds(1).send().await.unwrap();
    assert!(got.messages.is_none_or(|v| v.is_empty()));
}

#[tokio::test]
async fn batches_report_per_entry_results() {
    let env = start().await;
    let c = &env.client;
    let url = env.queue("batch").await;
    let entry =
        |id: &str, body: &str| SendMessageBatchRequestEntry::builder().id(id).message_body(body).build().unwrap();
    let out = c
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("a", "one"))
        .entries(entry("b", "bad\u{1}char"))
        .entries(entry("c", "three"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful.len(), 2);
    assert_eq!(out.failed.len(), 1);
    assert_eq!(out.failed[0].id, "b");
    assert_eq!(out.failed[0].code, "InvalidMessageContents");
    assert!(out.failed[0].sender_fault);
    assert_eq!(out.successful[0].md5_of_message_body, "f97c5d29941bfb1b2fdab0874906ab82");

    let e = c.send_message_batch().queue_url(&url).set_entries(Some(vec![])).send().await.unwrap_err();
    assert!(e.into_service_error().is_empty_batch_request());
    let many: Vec<_> = (0..11).map(|i| entry(&format!("e{i}"), "x")).collect();
    let e = c.send_message_batch().queue_url(&url).set_entries(Some(many)).send().await.unwrap_err();
    assert!(e.into_service_error().is_too_many_entries_in_batch_request());
    let e = c
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("x", "1"))
        .entries(entry("x", "2"))
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_batch_entry_ids_not_distinct());
    let e = c.send_message_batch().queue_url(&url).entries(entry("bad id!", "1")).send().await.unwrap_err();
    assert!(e.into_service_error().is_invalid_batch_entry_id());
    // Ten entries that are each fine but together over 1 MiB.
    let big: Vec<_> = (0..10).map(|i| entry(&format!("b{i}"), &"z".repeat(200_000))).collect();
    let e = c.send_message_batch().queue_url(&url).set_entries(Some(big)).send().await.unwrap_err();
    assert!(e.into_service_error().is_batch_request_too_long());

    let got = c.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap().messages.unwrap();
    assert_eq!(got.len(), 2);
    let out = c
        .change_message_visibility_batch()
        .queue_url(&url)
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("ok")
                .receipt_handle(got[0].receipt_handle.clone().unwrap())
                .visibility_timeout(60)
                .build()
                .unwrap(),
        )
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("bad")
                .receipt_handle("forged")
                .visibility_timeout(60)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful.len(), 1);
    assert_eq!(out.failed[0].code, "ReceiptHandleIsInvalid");
    let out = c
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some(
            got.iter()
                .enumerate()
                .map(|(i, m)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(format!("d{i}"))
                        .receipt_handle(m.receipt_handle.clone().unwrap())
                        .build()
                        .unwrap()
                })
                .collect(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful.len(), 2);
    assert!(out.failed.is_empty());
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessagesNotVisible").await.as_deref(), Some("0"));
}

#[tokio::test]
async fn message_validation() {
    let env = start().await;
    let c = &env.client;
    let url = env.queue_with("small", &[(A::MaximumMessageSize, "1024")]).await;
    let e = c.send_message().queue_url(&url).message_body("x".repeat(1025)).send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    c.send_message().queue_url(&url).message_body("x".repeat(1024)).send().await.unwrap();
    let e = c.send_message().queue_url(&url).message_body("\u{0}").send().await.unwrap_err();
    assert!(e.into_service_error().is_invalid_message_contents());
    let mut req = c.send_message().queue_url(&url).message_body("many");
    for i in 0..11 {
        req = req.message_attributes(format!("a{i}"), attr("String", "v"));
    }
    assert_eq!(code(req.send().await.unwrap_err().as_service_error().unwrap()), "InvalidParameterValue");
    for (name, a) in
        [("AWS.reserved", attr("String", "v")), ("ok", attr("Number", "abc")), ("ok", attr("Strange", "v"))]
    {
        let e =
            c.send_message().queue_url(&url).message_body("b").message_attributes(name, a).send().await.unwrap_err();
        assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue", "{name}");
    }
    let e = c.receive_message().queue_url(&url).max_number_of_messages(11).send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    let e = c.receive_message().queue_url(&url).wait_time_seconds(21).send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    // A message at the 1 MiB limit is accepted on a default queue.
    let big = env.queue("big").await;
    c.send_message().queue_url(&big).message_body("y".repeat(1_048_576)).send().await.unwrap();
    let got = c.receive_message().queue_url(&big).send().await.unwrap().messages.unwrap();
    assert_eq!(got[0].body.as_ref().unwrap().len(), 1_048_576);
}

#[tokio::test]
async fn concurrent_producers_and_consumers_lose_and_duplicate_nothing() {
    let env = start().await;
    let url = env.queue("busy").await;
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let (c, url) = (env.client.clone(), url.clone());
            tokio::spawn(async move {
                for i in 0..25 {
                    let entries: Vec<_> = (0..10)
                        .map(|j| {
                            SendMessageBatchRequestEntry::builder()
                                .id(format!("e{j}"))
                                .message_body(format!("{p}-{i}-{j}"))
                                .build()
                                .unwrap()
                        })
                        .collect();
                    let out = c.send_message_batch().queue_url(&url).set_entries(Some(entries)).send().await.unwrap();
                    assert!(out.failed.is_empty());
                }
            })
        })
        .collect();
    let seen = std::sync::Arc::new(parking_lot::Mutex::new(std::collections::HashSet::new()));
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let (c, url, seen) = (env.client.clone(), url.clone(), seen.clone());
            tokio::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(60);
                while seen.lock().len() < 1000 && Instant::now() < deadline {
                    let got = c
                        .receive_message()
                        .queue_url(&url)
                        .max_number_of_messages(10)
                        .wait_time_seconds(1)
                        .visibility_timeout(300)
                        .send()
                        .await
                        .unwrap();
                    for m in got.messages.unwrap_or_default() {
                        assert!(seen.lock().insert(m.body.clone().unwrap()), "delivered twice: {:?}", m.body);
                        c.delete_message()
                            .queue_url(&url)
                            .receipt_handle(m.receipt_handle.unwrap())
                            .send()
                            .await
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    for c in consumers {
        c.await.unwrap();
    }
    assert_eq!(seen.lock().len(), 1000);
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessages").await.as_deref(), Some("0"));
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessagesNotVisible").await.as_deref(), Some("0"));
}
