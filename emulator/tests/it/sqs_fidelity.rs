//! SQS behaviours as AWS records them (issue "SQS exactly as AWS records it"): visibility after
//! expiry, FIFO group order and locks, FIFO validation, message attribute names and selection,
//! the trace header, permissions' policy, and queue URLs that name their region. The SDK
//! speaks JSON; the query form of the same behaviour is pinned with raw HTTP where it differs.

use crate::common::*;
use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeName as S, QueueAttributeName as A, SendMessageBatchRequestEntry,
};

fn body_of(m: &aws_sdk_sqs::types::Message) -> String {
    m.body.clone().unwrap_or_default()
}

#[tokio::test]
async fn the_latest_handle_changes_visibility_after_it_ran_out() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.queue("late-change").await;
    c.send_message().queue_url(&url).message_body("m").send().await.unwrap();
    let got = c.receive_message().queue_url(&url).visibility_timeout(10).send().await.unwrap().messages.unwrap();
    let handle = got[0].receipt_handle.clone().unwrap();
    env.advance(11).await;
    // Nobody received it since: the handle still works, and 0 makes it receivable at once.
    c.change_message_visibility().queue_url(&url).receipt_handle(&handle).visibility_timeout(0).send().await.unwrap();
    // A longer timeout through the same handle hides it again.
    c.change_message_visibility().queue_url(&url).receipt_handle(&handle).visibility_timeout(30).send().await.unwrap();
    assert!(env.nothing_to_receive(&url).await);
    c.change_message_visibility().queue_url(&url).receipt_handle(&handle).visibility_timeout(0).send().await.unwrap();
    let again = c.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap();
    assert_eq!(body_of(&again[0]), "m");
    // Received again (for 3 s): the old handle still acts on a standard queue (recorded), 0
    // makes it receivable at once, and it deletes it.
    let newest =
        c.receive_message().queue_url(&url).visibility_timeout(3).send().await.unwrap().messages.unwrap_or_default();
    assert!(newest.is_empty(), "in flight since the receive above");
    c.change_message_visibility().queue_url(&url).receipt_handle(&handle).visibility_timeout(0).send().await.unwrap();
    let later = c.receive_message().queue_url(&url).visibility_timeout(3).send().await.unwrap().messages.unwrap();
    assert_eq!(body_of(&later[0]), "m");
    c.delete_message().queue_url(&url).receipt_handle(&handle).send().await.unwrap();
    env.advance(4).await;
    assert!(env.nothing_to_receive(&url).await, "the first handle deleted it");
    // On a FIFO queue only the latest handle acts.
    let fifo = env.fifo_queue("late-change.fifo", true).await;
    c.send_message().queue_url(&fifo).message_body("f").message_group_id("g").send().await.unwrap();
    let one = c.receive_message().queue_url(&fifo).visibility_timeout(1).send().await.unwrap().messages.unwrap();
    env.advance(2).await;
    let two = c.receive_message().queue_url(&fifo).send().await.unwrap().messages.unwrap();
    assert_eq!(two.len(), 1);
    let old = one[0].receipt_handle.clone().unwrap();
    let e = c.change_message_visibility().queue_url(&fifo).receipt_handle(&old).visibility_timeout(5).send().await;
    assert_eq!(code(e.unwrap_err().as_service_error().unwrap()), "AWS.SimpleQueueService.MessageNotInflight");
}

async fn fifo_send(c: &aws_sdk_sqs::Client, url: &str, body: &str, group: &str) {
    c.send_message()
        .queue_url(url)
        .message_body(body)
        .message_group_id(group)
        .message_deduplication_id(body)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_fifo_group_back_from_flight_waits_behind_the_others() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.fifo_queue("groups.fifo", false).await;
    for (b, g) in [("a1", "a"), ("b1", "b"), ("c1", "c"), ("a2", "a")] {
        fifo_send(c, &url, b, g).await;
    }
    let first = c.receive_message().queue_url(&url).visibility_timeout(10).send().await.unwrap().messages.unwrap();
    assert_eq!(body_of(&first[0]), "a1");
    let second = c.receive_message().queue_url(&url).visibility_timeout(20).send().await.unwrap().messages.unwrap();
    assert_eq!(body_of(&second[0]), "b1");
    env.advance(21).await;
    let all = c.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap().messages.unwrap();
    let bodies: Vec<String> = all.iter().map(body_of).collect();
    assert_eq!(bodies, ["c1", "a1", "a2", "b1"], "the never-received group first");
}

/// The recorded cases: a group is blocked only behind its first in-flight message; groups back
/// from flight rejoin behind waiting ones in the order they were received; deleting a group's
/// in-flight head wakes a waiting long poll at once; a FIFO handle expires exactly with its
/// timeout.
#[tokio::test]
async fn fifo_groups_block_only_behind_their_first_message_in_flight() {
    let env = start_virtual().await;
    let c = &env.client;
    let bodies =
        |m: Option<Vec<aws_sdk_sqs::types::Message>>| m.unwrap_or_default().iter().map(body_of).collect::<Vec<_>>();
    let url = env.fifo_queue("head.fifo", false).await;
    for (b, g) in [("g1-m1", "g1"), ("g1-m2", "g1"), ("g2-m1", "g2")] {
        fifo_send(c, &url, b, g).await;
    }
    let two =
        c.receive_message().queue_url(&url).max_number_of_messages(2).visibility_timeout(30).send().await.unwrap();
    let two = two.messages.unwrap();
    assert_eq!(two.iter().map(body_of).collect::<Vec<_>>(), ["g1-m1", "g1-m2"]);
    let head = two[0].receipt_handle.clone().unwrap();
    c.change_message_visibility().queue_url(&url).receipt_handle(&head).visibility_timeout(0).send().await.unwrap();
    let three = c.receive_message().queue_url(&url).max_number_of_messages(3).send().await.unwrap();
    assert_eq!(bodies(three.messages), ["g2-m1", "g1-m1"], "g1 serves its head, up to g1-m2 in flight");

    let url = env.fifo_queue("rejoin.fifo", false).await;
    for (b, g) in [("g1-m1", "g1"), ("g2-m1", "g2"), ("g2-m2", "g2"), ("g3-m1", "g3"), ("g1-m2", "g1")] {
        fifo_send(c, &url, b, g).await;
    }
    let r = c.receive_message().queue_url(&url).max_number_of_messages(3).visibility_timeout(0).send().await.unwrap();
    assert_eq!(bodies(r.messages), ["g1-m1", "g1-m2", "g2-m1"]);
    let r = c.receive_message().queue_url(&url).max_number_of_messages(10).visibility_timeout(0).send().await.unwrap();
    assert_eq!(bodies(r.messages), ["g3-m1", "g1-m1", "g1-m2", "g2-m1", "g2-m2"]);

    // Expiry is exact: 1.0 s after a receive with a 1 s timeout the handle is refused.
    let url = env.fifo_queue("exact.fifo", false).await;
    fifo_send(c, &url, "e1", "g").await;
    let got = c.receive_message().queue_url(&url).visibility_timeout(1).send().await.unwrap().messages.unwrap();
    env.advance(1).await;
    let e = c.delete_message().queue_url(&url).receipt_handle(got[0].receipt_handle.clone().unwrap()).send().await;
    let e = e.unwrap_err();
    let e = e.as_service_error().unwrap();
    assert_eq!(code(e), "InvalidParameterValue");
    assert!(e.meta().message().unwrap_or("").ends_with("Reason: The receipt handle has expired."));
}

#[tokio::test]
async fn deleting_a_groups_head_wakes_a_long_poll_at_once() {
    let env = start().await;
    let c = env.client.clone();
    let url = env.fifo_queue("wake.fifo", false).await;
    fifo_send(&c, &url, "w1", "g").await;
    fifo_send(&c, &url, "w2", "g").await;
    let head = c.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap();
    assert_eq!(body_of(&head[0]), "w1");
    let (poller, poll_url) = (c.clone(), url.clone());
    let waiting = tokio::spawn(async move {
        let started = std::time::Instant::now();
        let r = poller.receive_message().queue_url(&poll_url).wait_time_seconds(10).send().await.unwrap();
        (r.messages.unwrap_or_default().iter().map(body_of).collect::<Vec<_>>(), started.elapsed())
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "w2 waits behind w1 in flight");
    c.delete_message().queue_url(&url).receipt_handle(head[0].receipt_handle.clone().unwrap()).send().await.unwrap();
    let (got, waited) = waiting.await.unwrap();
    assert_eq!(got, ["w2"]);
    // Woken by the delete, not by the end of the 10 s wait.
    assert!(waited < std::time::Duration::from_secs(9), "{waited:?}");
}

#[tokio::test]
async fn a_standard_queue_serves_a_lapsed_message_before_newer_ones() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.queue("lapsed").await;
    c.send_message().queue_url(&url).message_body("test1").send().await.unwrap();
    let first = c.receive_message().queue_url(&url).visibility_timeout(3).send().await.unwrap().messages.unwrap();
    assert_eq!(body_of(&first[0]), "test1");
    c.send_message().queue_url(&url).message_body("test2").send().await.unwrap();
    env.advance(3).await;
    let next = c.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap();
    assert_eq!(body_of(&next[0]), "test1");
}

#[tokio::test]
async fn fifo_visibility_changes_act_on_the_group_lock() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.fifo_queue("lock.fifo", false).await;
    fifo_send(c, &url, "x1", "g").await;
    fifo_send(c, &url, "x2", "g").await;
    let got = c.receive_message().queue_url(&url).visibility_timeout(60).send().await.unwrap().messages.unwrap();
    assert!(env.nothing_to_receive(&url).await, "the group is locked");
    let h = got[0].receipt_handle.clone().unwrap();
    c.change_message_visibility().queue_url(&url).receipt_handle(&h).visibility_timeout(0).send().await.unwrap();
    let again = c.receive_message().queue_url(&url).max_number_of_messages(10).send().await.unwrap().messages.unwrap();
    assert_eq!(again.iter().map(body_of).collect::<Vec<_>>(), ["x1", "x2"]);
    // A receive with VisibilityTimeout=0 leaves the group available.
    env.advance(61).await;
    let peek = c.receive_message().queue_url(&url).visibility_timeout(0).send().await.unwrap().messages.unwrap();
    assert_eq!(body_of(&peek[0]), "x1");
    let after = c.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap();
    assert_eq!(body_of(&after[0]), "x1");
}

#[tokio::test]
async fn fifo_validation_as_aws_refuses() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.fifo_queue("v.fifo", false).await;
    let entry = |id: &str, group: Option<&str>, dedup: Option<&str>| {
        let mut b = SendMessageBatchRequestEntry::builder().id(id).message_body("b");
        if let Some(g) = group {
            b = b.message_group_id(g);
        }
        if let Some(d) = dedup {
            b = b.message_deduplication_id(d);
        }
        b.build().unwrap()
    };
    // The whole batch is refused, not one entry.
    let e = c
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("a", Some("g"), Some("d1")))
        .entries(entry("b", None, Some("d2")))
        .send()
        .await
        .unwrap_err();
    let e = e.as_service_error().unwrap();
    assert_eq!(code(e), "InvalidParameterValue", "a batch's is not MissingParameter (recorded)");
    assert_eq!(
        aws_sdk_sqs::error::ProvideErrorMetadata::message(e),
        Some("The request must contain the parameter MessageGroupId.")
    );
    let e = c.send_message_batch().queue_url(&url).entries(entry("a", Some("g"), None)).send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    let e = c.send_message().queue_url(&url).message_body("x").message_group_id("g").send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "InvalidParameterValue");
    // An empty group id is a missing one; spaces and over 128 characters are invalid.
    for (bad, want) in
        [("", "MissingParameter"), ("has space", "InvalidParameterValue"), (&"x".repeat(129), "InvalidParameterValue")]
    {
        let e = c
            .send_message()
            .queue_url(&url)
            .message_body("x")
            .message_group_id(bad)
            .message_deduplication_id("d")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(e.as_service_error().unwrap()), want, "{bad:?}");
    }
    // FIFO attributes belong to FIFO queues; FifoQueue may only say true. Two have words of
    // their own (recorded).
    for (k, v, text) in [
        ("FifoQueue", "false", "Unknown Attribute FifoQueue."),
        ("ContentBasedDeduplication", "true", "Unknown Attribute ContentBasedDeduplication."),
        ("DeduplicationScope", "queue", "You can specify the DeduplicationScope only when FifoQueue is set to true."),
        (
            "FifoThroughputLimit",
            "perQueue",
            "You can specify the FifoThroughputLimit only when FifoQueue is set to true.",
        ),
    ] {
        let e = c.create_queue().queue_name("std").attributes(A::from(k), v).send().await.unwrap_err();
        let e = e.as_service_error().unwrap();
        assert_eq!(code(e), "InvalidAttributeName", "{k}");
        assert_eq!(aws_sdk_sqs::error::ProvideErrorMetadata::message(e), Some(text));
    }
    c.set_queue_attributes().queue_url(&url).attributes(A::FifoQueue, "true").send().await.unwrap();
    let e = c.set_queue_attributes().queue_url(&url).attributes(A::FifoQueue, "false").send().await.unwrap_err();
    let e = e.as_service_error().unwrap();
    assert_eq!(code(e), "InvalidAttributeValue", "recorded");
    assert_eq!(
        aws_sdk_sqs::error::ProvideErrorMetadata::message(e),
        Some("Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")
    );
    // A purge forgets the de-duplication ids.
    fifo_send(c, &url, "once", "g").await;
    c.purge_queue().queue_url(&url).send().await.unwrap();
    fifo_send(c, &url, "once", "g").await;
    assert_eq!(env.attribute(&url, "ApproximateNumberOfMessages").await.as_deref(), Some("1"));
    // DelaySeconds=0 on a FIFO send still gets the queue's delay.
    let delayed = env.queue_with("delayed.fifo", &[(A::FifoQueue, "true"), (A::DelaySeconds, "5")]).await;
    c.send_message()
        .queue_url(&delayed)
        .message_body("later")
        .message_group_id("g")
        .message_deduplication_id("1")
        .delay_seconds(0)
        .send()
        .await
        .unwrap();
    assert!(env.nothing_to_receive(&delayed).await);
    env.advance(5).await;
    assert!(!env.nothing_to_receive(&delayed).await);
}

fn string_attr(v: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder().data_type("String").string_value(v).build().unwrap()
}

#[tokio::test]
async fn message_attribute_names_values_and_selection() {
    let env = start().await;
    let c = &env.client;
    let url = env.queue("attrs").await;
    c.send_message()
        .queue_url(&url)
        .message_body("m")
        .message_attributes("attr.1øßä", string_attr("unicode"))
        .message_attributes("Hello", string_attr("1"))
        .message_attributes("Help.Me", string_attr("2"))
        .message_attributes("Hi", string_attr("3"))
        .send()
        .await
        .unwrap();
    for name in [".lead", "AWS.x", "amazon.y"] {
        let e =
            c.send_message().queue_url(&url).message_body("m").message_attributes(name, string_attr("v")).send().await;
        assert_eq!(code(e.unwrap_err().as_service_error().unwrap()), "InvalidParameterValue", "{name}");
    }
    let e = c.send_message().queue_url(&url).message_body("m").message_attributes("X", string_attr("")).send().await;
    let e = e.unwrap_err();
    assert_eq!(
        aws_sdk_sqs::error::ProvideErrorMetadata::message(e.as_service_error().unwrap()),
        Some("Message (user) attribute 'X' must contain a non-empty value of type 'String'.")
    );
    let e =
        c.send_message().queue_url(&url).message_body("m").message_attributes("X", string_attr("a\u{1}")).send().await;
    assert_eq!(code(e.unwrap_err().as_service_error().unwrap()), "InvalidParameterValue");

    let names = |sel: &[&str]| {
        let c = c.clone();
        let url = url.clone();
        let sel: Vec<String> = sel.iter().map(|s| s.to_string()).collect();
        async move {
            let mut r = c.receive_message().queue_url(&url).visibility_timeout(0);
            for s in sel {
                r = r.message_attribute_names(s);
            }
            let m = r.send().await.unwrap().messages.unwrap().remove(0);
            let mut keys: Vec<String> = m.message_attributes.unwrap_or_default().into_keys().collect();
            keys.sort();
            keys
        }
    };
    assert_eq!(names(&["*"]).await.len(), 4);
    assert_eq!(names(&[".*"]).await.len(), 4);
    assert_eq!(names(&["All"]).await.len(), 4);
    assert_eq!(names(&["Hel.*"]).await, ["Hello", "Help.Me"]);
    assert!(names(&["AWS.", "..foo"]).await.is_empty(), "names nothing can have select nothing");
    let m = c
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(S::from("*"))
        .visibility_timeout(0)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap()
        .remove(0);
    assert!(m.attributes.unwrap().contains_key(&S::SentTimestamp));
}

#[tokio::test]
async fn the_trace_header_becomes_aws_trace_header() {
    let env = start().await;
    let url = env.queue("traced").await;
    let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    let r = raw(
        env.running.addr,
        "POST",
        "/",
        &[
            ("X-Amz-Target", "AmazonSQS.SendMessage"),
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amzn-Trace-Id", trace),
        ],
        format!(r#"{{"QueueUrl":"{url}","MessageBody":"m"}}"#).as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = env.receive_with_attributes(&url).await;
    assert_eq!(got[0].attributes.as_ref().unwrap().get(&S::AwsTraceHeader).map(String::as_str), Some(trace));
}

#[tokio::test]
async fn permissions_policy_as_aws_writes_it() {
    let env = start().await;
    let c = &env.client;
    let url = env.queue("perm").await;
    c.add_permission()
        .queue_url(&url)
        .label("L1")
        .aws_account_ids("111122223333")
        .actions("SendMessage")
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(&env.attribute(&url, "Policy").await.unwrap()).unwrap();
    assert_eq!(policy["Version"], "2008-10-17");
    let e = c.remove_permission().queue_url(&url).label("nope").send().await.unwrap_err();
    let msg = aws_sdk_sqs::error::ProvideErrorMetadata::message(e.as_service_error().unwrap()).unwrap().to_string();
    assert!(msg.ends_with("can't find label."), "{msg}");
}

#[tokio::test]
async fn queue_urls_name_their_region_and_every_form_is_accepted() {
    let env = start().await;
    let east = &env.client;
    let west = client_in(&env.endpoint(), "test", "eu-west-1");
    let a = east.create_queue().queue_name("same").send().await.unwrap().queue_url.unwrap();
    let b = west.create_queue().queue_name("same").send().await.unwrap().queue_url.unwrap();
    assert_ne!(a, b);
    assert!(b.contains("/queue/eu-west-1/000000000000/same"), "{b}");
    // A URL names its queue whichever region the client is in.
    west.send_message().queue_url(&a).message_body("to east").send().await.unwrap();
    assert!(!env.nothing_to_receive(&a).await);
    assert!(env.nothing_to_receive(&b).await);
    let port = env.running.addr.port();
    for form in [
        format!("http://sqs.eu-west-1.localhost.localstack.cloud:{port}/000000000000/same"),
        format!("http://eu-west-1.queue.localhost.localstack.cloud:{port}/000000000000/same"),
        "https://sqs.eu-west-1.amazonaws.com/000000000000/same".to_string(),
        format!("http://sqs.eu-west-1.localhost:{port}/000000000000/same"),
    ] {
        east.send_message().queue_url(&form).message_body(form.clone()).send().await.unwrap();
    }
    let n = env.attribute(&b, "ApproximateNumberOfMessages").await;
    assert_eq!(n.as_deref(), Some("4"));
    // The style is a setting.
    let mut config = quayside::Config::for_tests();
    config.options.insert("queue-url-style", "off".into());
    let off = start_with(config).await;
    let u = off.queue("plain").await;
    assert_eq!(u, format!("{}/000000000000/plain", off.endpoint()));
}

/// The recorded case: after DeduplicationScope changes from queue to messageGroup, AWS keeps
/// de-duplicating across groups for minutes (here one 5-minute interval), while
/// GetQueueAttributes shows the new scope at once; FIFO sequence numbers are large, as AWS's.
#[tokio::test]
async fn a_deduplication_scope_change_takes_effect_later() {
    let env = start_virtual().await;
    let c = &env.client;
    let url = env.fifo_queue("scope.fifo", false).await;
    let send = |body: &'static str, group: &'static str, dedup: &'static str| {
        let url = url.clone();
        async move {
            let out = c
                .send_message()
                .queue_url(&url)
                .message_body(body)
                .message_group_id(group)
                .message_deduplication_id(dedup)
                .send()
                .await
                .unwrap();
            (out.message_id.unwrap(), out.sequence_number.unwrap())
        }
    };
    let (first, seq) = send("a", "g1", "d1").await;
    assert_eq!(seq.len(), 20, "{seq}");
    assert!(seq.parse::<u128>().unwrap() > 10_000_000_000_000_000_000, "{seq}");
    c.set_queue_attributes()
        .queue_url(&url)
        .attributes(A::DeduplicationScope, "messageGroup")
        .attributes(A::FifoThroughputLimit, "perMessageGroupId")
        .send()
        .await
        .unwrap();
    assert_eq!(env.attribute(&url, "DeduplicationScope").await.as_deref(), Some("messageGroup"));
    assert_eq!(send("b", "g2", "d1").await.0, first, "still the queue's scope: dropped");
    let (second, _) = send("c", "g1", "d2").await;
    assert_eq!(send("d", "g2", "d2").await.0, second, "a new id too");
    env.advance(301).await;
    let (third, _) = send("e", "g1", "d3").await;
    assert_ne!(send("f", "g2", "d3").await.0, third, "the group's scope once the interval is over");
}
