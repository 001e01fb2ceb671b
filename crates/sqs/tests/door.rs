//! The typed door (`sqs::door`): what another crate gets when it makes, feeds and drains a
//! queue without the wire, and that a client sees the same queue.

use aws_protocol::{Protocol, RequestContext};
use serde_json::{json, Value};
use service::{Call, Input, ManualClock, Service};
use sqs::door::{DoorError, Outgoing, QueueAt, QueueSettings, ReceiveOptions, Redrive};
use sqs::{Config, Sqs, SqsService};
use std::sync::Arc;
use store::{Durability, Store};

fn open() -> (Sqs, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let store = Store::open(None, Durability::Process, sqs::MIGRATIONS).unwrap();
    (Sqs::open(store, clock.clone(), Config::default()).unwrap(), clock)
}

fn once(max: u32) -> ReceiveOptions {
    ReceiveOptions { max, wait_seconds: Some(0), visibility_timeout_seconds: None }
}

/// The same queue through the wire, as a client sees it.
async fn wire(sqs: &Sqs, op: &str, input: Value) -> Value {
    let ctx = RequestContext::new("000000000000", "us-east-1", "localhost");
    let body = input.to_string();
    let svc = SqsService::new(sqs.clone());
    let call = Call {
        ctx: &ctx,
        protocol: Protocol::AwsJson10,
        operation: op,
        input: Input::Body(body.as_bytes()),
        path: "/",
        method: "POST",
        query: "",
    };
    let r = svc.call(call).await;
    serde_json::from_slice(r.bytes()).unwrap()
}

#[tokio::test]
async fn a_queue_made_fed_and_drained_through_the_door_is_a_clients_queue() {
    let (sqs, _clock) = open();
    let at = QueueAt::new("000000000000", "us-east-1", "orders");
    let settings = QueueSettings { visibility_timeout_seconds: Some(45), ..QueueSettings::default() };
    sqs.create_queue_at(&at, &settings).await.unwrap();
    // Idempotent with the same settings; refused with others, in SQS's own words.
    sqs.create_queue_at(&at, &settings).await.unwrap();
    let other = QueueSettings { visibility_timeout_seconds: Some(46), ..QueueSettings::default() };
    match sqs.create_queue_at(&at, &other).await.map(|_| ()) {
        Err(DoorError::Refused(e)) => assert_eq!(e.code(), "QueueAlreadyExists"),
        r => panic!("{r:?}"),
    }
    let attrs = wire(&sqs, "GetQueueAttributes", json!({"QueueUrl": "orders", "AttributeNames": ["All"]})).await;
    assert_eq!(attrs["Attributes"]["VisibilityTimeout"], "45");

    let sent = sqs.send(&at, Outgoing { body: "one".into(), sender_id: "x".into(), ..Outgoing::default() }).await;
    assert_eq!(sent.unwrap().md5_of_body, "f97c5d29941bfb1b2fdab0874906ab82");
    let got = sqs.receive_at(&at, once(10)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].body.as_str(), got[0].receive_count), ("one", 1));
    assert!(got[0].first_receive_ms.is_some());
    // In flight: neither the door nor a client sees it again.
    assert!(sqs.receive_at(&at, once(10)).await.unwrap().is_empty());
    assert_eq!(wire(&sqs, "ReceiveMessage", json!({"QueueUrl": "orders"})).await, json!({}));
    sqs.change_visibility_at(&at, &got[0].receipt_handle, 0).await.unwrap();
    let again = sqs.receive_at(&at, once(1)).await.unwrap();
    assert_eq!(again[0].receive_count, 2);
    sqs.delete_message_at(&at, &again[0].receipt_handle).await.unwrap();
    // A handle whose message is gone is stale, not a failure of SQS.
    assert_eq!(sqs.change_visibility_at(&at, &again[0].receipt_handle, 5).await, Err(DoorError::StaleHandle));
    assert_eq!(sqs.delete_message_at(&at, "not-a-handle").await, Err(DoorError::StaleHandle));

    sqs.delete_queue_at(&at).await.unwrap();
    assert_eq!(sqs.receive_at(&at, once(1)).await, Err(DoorError::NoSuchQueue));
    assert_eq!(sqs.delete_queue_at(&at).await, Err(DoorError::NoSuchQueue));
}

#[tokio::test]
async fn door_settings_and_options_get_sqs_own_checks() {
    let (sqs, _clock) = open();
    let dlq = QueueAt::new("000000000000", "us-east-1", "dead");
    let src = QueueAt::new("000000000000", "us-east-1", "src");
    sqs.create_queue_at(&dlq, &QueueSettings::default()).await.unwrap();
    let redrive = Some(Some(Redrive { dead_letter_arn: dlq.arn(), max_receive_count: 1 }));
    let settings = QueueSettings { redrive: redrive.clone(), ..QueueSettings::default() };
    sqs.create_queue_at(&src, &settings).await.unwrap();
    // Redrive works as SQS's: the second receive moves it.
    sqs.send(&src, Outgoing { body: "m".into(), ..Outgoing::default() }).await.unwrap();
    let got = sqs.receive_at(&src, once(1)).await.unwrap();
    sqs.change_visibility_at(&src, &got[0].receipt_handle, 0).await.unwrap();
    assert!(sqs.receive_at(&src, once(1)).await.unwrap().is_empty());
    assert_eq!(sqs.receive_at(&dlq, once(1)).await.unwrap()[0].body, "m");
    // Removing the policy through an update.
    let none = QueueSettings { redrive: Some(None), ..QueueSettings::default() };
    sqs.update_queue_at(&src, &none).await.unwrap();
    let attrs = wire(&sqs, "GetQueueAttributes", json!({"QueueUrl": "src", "AttributeNames": ["All"]})).await;
    assert!(attrs["Attributes"].get("RedrivePolicy").is_none(), "{attrs}");

    // A dead-letter target that does not exist; options out of range; FIFO rules.
    let missing = Redrive { dead_letter_arn: "arn:aws:sqs:us-east-1:000000000000:nope".into(), max_receive_count: 1 };
    let bad = QueueSettings { redrive: Some(Some(missing)), ..QueueSettings::default() };
    assert!(
        matches!(sqs.update_queue_at(&src, &bad).await, Err(DoorError::Refused(e)) if e.code() == "InvalidParameterValue")
    );
    let too_long = QueueSettings { visibility_timeout_seconds: Some(43_201), ..QueueSettings::default() };
    assert!(matches!(sqs.update_queue_at(&src, &too_long).await, Err(DoorError::Refused(_))));
    for options in
        [once(0), once(11), ReceiveOptions { max: 1, wait_seconds: Some(21), visibility_timeout_seconds: None }]
    {
        assert!(matches!(sqs.receive_at(&src, options).await, Err(DoorError::Refused(_))), "{options:?}");
    }
    let fifo = QueueAt::new("000000000000", "us-east-1", "f.fifo");
    sqs.create_queue_at(&fifo, &QueueSettings { fifo: true, ..QueueSettings::default() }).await.unwrap();
    let no_group = sqs.send(&fifo, Outgoing { body: "x".into(), ..Outgoing::default() }).await;
    assert!(matches!(no_group, Err(DoorError::Refused(e)) if e.code() == "MissingParameter"),);
    let m =
        Outgoing { body: "x".into(), group_id: Some("g".into()), dedup_id: Some("d".into()), ..Outgoing::default() };
    assert!(sqs.send(&fifo, m.clone()).await.unwrap().sequence_number.is_some());
    let got = sqs.receive_at(&fifo, once(10)).await.unwrap();
    assert_eq!(got[0].group_id.as_deref(), Some("g"));
    // Attributes get SendMessage's checks.
    let mut many = sqs::enqueue::Attributes::new();
    for i in 0..11 {
        let v = sqs::enqueue::AttributeValue {
            data_type: "String".into(),
            string_value: Some("v".into()),
            binary_value: None,
        };
        many.insert(format!("a{i}"), v);
    }
    let too_many = Outgoing {
        body: "x".into(),
        attributes: many,
        group_id: Some("g".into()),
        dedup_id: Some("d2".into()),
        ..Outgoing::default()
    };
    match sqs.send(&fifo, too_many).await {
        Err(DoorError::Refused(e)) => assert!(e.message().contains("exceeds the allowed maximum [10]"), "{e:?}"),
        r => panic!("{:?}", r.map(|_| ())),
    }
    let bad_name = QueueAt::new("000000000000", "us-east-1", "no spaces");
    assert!(matches!(
        sqs.create_queue_at(&bad_name, &QueueSettings::default()).await.map(|_| ()),
        Err(DoorError::Refused(_))
    ));
}
