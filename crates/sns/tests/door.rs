//! The typed door (`sns::door`): a publication from another crate passes Publish's checks and
//! fans out, with filter policies, into subscribed queues, as a client's would.

use aws_protocol::{query::QueryParams, Protocol, RequestContext};
use service::{Call, Input, ManualClock, Service};
use sns::door::{AttributeValue, Attributes, DoorError, Publication};
use sns::{Options, Sns, SnsService};
use sqs::door::{QueueAt, QueueSettings, ReceiveOptions};
use std::sync::Arc;
use store::{Durability, Store};

const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";

fn open() -> (Sqs, Sns) {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let migrations: Vec<_> = [sqs::MIGRATIONS, sns::MIGRATIONS].concat();
    let store = Store::open(None, Durability::Process, &migrations).unwrap();
    let sqs = sqs::Sqs::open(store.clone(), clock.clone(), sqs::Config::default()).unwrap();
    let sns = Sns::open(store, Options { sqs: Some(sqs.clone()), clock, cert_base: None, deliver: true }).unwrap();
    (sqs, sns)
}

type Sqs = sqs::Sqs;

/// A query call through SNS's wire, as a client makes it; the status.
async fn wire(sns: &Sns, form: &str) -> u16 {
    let ctx = RequestContext::new(ACCOUNT, REGION, "localhost");
    let svc = SnsService::new(sns.clone());
    let params = QueryParams::parse(form.as_bytes());
    let operation = params.get("Action").unwrap_or_default().to_string();
    let call = Call {
        ctx: &ctx,
        protocol: Protocol::AwsQuery,
        operation: &operation,
        input: Input::Query(params),
        path: "/",
        method: "POST",
        query: "",
    };
    svc.call(call).await.status
}

fn string(v: &str) -> AttributeValue {
    AttributeValue { data_type: "String".into(), string_value: Some(v.into()), binary_value: None }
}

#[tokio::test]
async fn a_publication_through_the_door_fans_out_with_filters() {
    let (sqs, sns) = open();
    let arn = sns.create_topic_at(ACCOUNT, REGION, "orders", false).await.unwrap();
    assert_eq!(arn, format!("arn:aws:sns:{REGION}:{ACCOUNT}:orders"));
    assert!(sns.topic_exists(&arn));
    // Found again; refused as the other kind of topic.
    assert_eq!(sns.create_topic_at(ACCOUNT, REGION, "orders", false).await.unwrap(), arn);
    assert!(matches!(sns.create_topic_at(ACCOUNT, REGION, "orders.fifo", false).await, Err(DoorError::Refused(_))));

    let (all, red) = (QueueAt::new(ACCOUNT, REGION, "all"), QueueAt::new(ACCOUNT, REGION, "red"));
    for q in [&all, &red] {
        sqs.create_queue_at(q, &QueueSettings::default()).await.unwrap();
    }
    let sub = |q: &QueueAt, extra: &str| {
        format!(
            "Action=Subscribe&TopicArn={arn}&Protocol=sqs&Endpoint={}&Attributes.entry.1.key=RawMessageDelivery&Attributes.entry.1.value=true{extra}",
            q.arn()
        )
    };
    assert_eq!(wire(&sns, &sub(&all, "")).await, 200);
    let filter = "&Attributes.entry.2.key=FilterPolicy&Attributes.entry.2.value=%7B%22colour%22%3A%5B%22red%22%5D%7D";
    assert_eq!(wire(&sns, &sub(&red, filter)).await, 200);

    for colour in ["red", "blue"] {
        let mut attributes = Attributes::new();
        attributes.insert("colour".into(), string(colour));
        let p = Publication { message: format!("a {colour} one"), attributes, ..Publication::default() };
        let published = sns.publish_at(&arn, p).await.unwrap();
        assert_eq!(published.message_id.len(), 36);
        assert_eq!(published.sequence_number, None);
    }
    let once = ReceiveOptions { max: 10, wait_seconds: Some(0), visibility_timeout_seconds: None };
    let mut got: Vec<String> = sqs.receive_at(&all, once).await.unwrap().into_iter().map(|d| d.body).collect();
    got.sort();
    assert_eq!(got, ["a blue one", "a red one"]);
    let red_got = sqs.receive_at(&red, once).await.unwrap();
    assert_eq!(red_got.len(), 1);
    assert_eq!(red_got[0].body, "a red one");
    assert_eq!(red_got[0].attributes["colour"], string("red"));
}

#[tokio::test]
async fn door_publications_get_publish_checks() {
    let (_sqs, sns) = open();
    let missing = format!("arn:aws:sns:{REGION}:{ACCOUNT}:nope");
    let p = || Publication { message: "m".into(), ..Publication::default() };
    assert_eq!(sns.publish_at(&missing, p()).await, Err(DoorError::NoSuchTopic));
    let arn = sns.create_topic_at(ACCOUNT, REGION, "t.fifo", true).await.unwrap();
    // FIFO needs a group, and a de-duplication id without content-based de-duplication.
    match sns.publish_at(&arn, p()).await {
        Err(DoorError::Refused(e)) => {
            assert_eq!(e.message(), "Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
        }
        r => panic!("{r:?}"),
    }
    let fifo = Publication { group_id: Some("g".into()), dedup_id: Some("d".into()), ..p() };
    assert!(sns.publish_at(&arn, fifo.clone()).await.unwrap().sequence_number.is_some());
    let empty = Publication { message: String::new(), ..fifo.clone() };
    assert!(
        matches!(sns.publish_at(&arn, empty).await, Err(DoorError::Refused(e)) if e.message() == "Invalid parameter: Empty message")
    );
    let mut attributes = Attributes::new();
    attributes.insert(
        "bad".into(),
        AttributeValue { data_type: "Weird".into(), string_value: Some("x".into()), binary_value: None },
    );
    let bad = Publication { attributes, ..fifo };
    assert!(
        matches!(sns.publish_at(&arn, bad).await, Err(DoorError::Refused(e)) if e.code() == "ParameterValueInvalid")
    );
    assert!(matches!(sns.create_topic_at(ACCOUNT, REGION, "bad name", false).await, Err(DoorError::Refused(_))));
}
