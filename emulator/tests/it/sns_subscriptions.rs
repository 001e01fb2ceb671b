//! SNS subscriptions with the official `aws-sdk-sns`: SQS subscriptions confirmed at once,
//! HTTP ones pending until ConfirmSubscription (the token read from LocalStack's developer
//! endpoint), attributes and filter policies checked as AWS does, idempotent subscribe and
//! unsubscribe, pagination, and the explain endpoint.

use crate::common::*;
use crate::sns_topics::{sns, sns_code};

#[tokio::test]
async fn sqs_subscriptions_and_their_attributes() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let topic = c.create_topic().name("events").send().await.unwrap().topic_arn.unwrap();
    let q = "arn:aws:sqs:us-east-1:000000000000:inbox";
    let arn =
        c.subscribe().topic_arn(&topic).protocol("sqs").endpoint(q).send().await.unwrap().subscription_arn.unwrap();
    assert!(arn.starts_with(&format!("{topic}:")), "{arn}");
    // The same protocol and endpoint: the same subscription.
    let again = c.subscribe().topic_arn(&topic).protocol("sqs").endpoint(q).send().await.unwrap();
    assert_eq!(again.subscription_arn.as_deref(), Some(arn.as_str()));
    let attrs = c.get_subscription_attributes().subscription_arn(&arn).send().await.unwrap().attributes.unwrap();
    for (k, v) in [
        ("TopicArn", topic.as_str()),
        ("Protocol", "sqs"),
        ("Endpoint", q),
        ("Owner", "000000000000"),
        ("PendingConfirmation", "false"),
        ("RawMessageDelivery", "false"),
        // Confirmed inside Subscribe: authenticated, as AWS reports it (recorded).
        ("ConfirmationWasAuthenticated", "true"),
        ("SubscriptionPrincipal", "arn:aws:iam::000000000000:root"),
    ] {
        assert_eq!(attrs[k], v, "{k}");
    }
    c.set_subscription_attributes()
        .subscription_arn(&arn)
        .attribute_name("RawMessageDelivery")
        .attribute_value("true")
        .send()
        .await
        .unwrap();
    c.set_subscription_attributes()
        .subscription_arn(&arn)
        .attribute_name("FilterPolicy")
        .attribute_value(r#"{"kind": ["order"]}"#)
        .send()
        .await
        .unwrap();
    let attrs = c.get_subscription_attributes().subscription_arn(&arn).send().await.unwrap().attributes.unwrap();
    assert_eq!(attrs["RawMessageDelivery"], "true");
    assert_eq!(attrs["FilterPolicy"], r#"{"kind": ["order"]}"#);
    assert_eq!(attrs["FilterPolicyScope"], "MessageAttributes");
    let e = c
        .set_subscription_attributes()
        .subscription_arn(&arn)
        .attribute_name("FilterPolicy")
        .attribute_value(r#"{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        (
            "InvalidParameter".into(),
            "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys".into()
        )
    );
    // Subscribing again with different attributes is refused.
    let e = c
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(q)
        .attributes("RawMessageDelivery", "false")
        .send()
        .await;
    assert_eq!(
        sns_code(e.unwrap_err().as_service_error().unwrap()).1,
        "Invalid parameter: Attributes Reason: Subscription already exists with different attributes"
    );
    // Subscribe words a bad filter policy as part of its Attributes.
    let e = c
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:000000000000:other")
        .attributes("FilterPolicy", r#"{"a": [{"numeric": [">", 10, "<", 5]}]}"#)
        .send()
        .await;
    assert_eq!(
        sns_code(e.unwrap_err().as_service_error().unwrap()).1,
        "Invalid parameter: Attributes Reason: FilterPolicy: Bottom must be less than top"
    );
    let topic_attrs = c.get_topic_attributes().topic_arn(&topic).send().await.unwrap().attributes.unwrap();
    assert_eq!(topic_attrs["SubscriptionsConfirmed"], "1");
    let listed = c.list_subscriptions_by_topic().topic_arn(&topic).send().await.unwrap().subscriptions.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].subscription_arn.as_deref(), Some(arn.as_str()));

    c.unsubscribe().subscription_arn(&arn).send().await.unwrap();
    c.unsubscribe().subscription_arn(&arn).send().await.unwrap(); // idempotent
    let e = c.get_subscription_attributes().subscription_arn(&arn).send().await.unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()), ("NotFound".into(), "Subscription does not exist".into()));
    let e = c.unsubscribe().subscription_arn("nope").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()).1,
        "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"
    );
}

#[tokio::test]
async fn bad_subscriptions_are_refused() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let topic = c.create_topic().name("strict").send().await.unwrap().topic_arn.unwrap();
    let fifo =
        c.create_topic().name("strict.fifo").attributes("FifoTopic", "true").send().await.unwrap().topic_arn.unwrap();
    let cases: &[(&str, &str, &str, &str)] = &[
        (&topic, "pigeon", "x", "Invalid parameter: Amazon SNS does not support this protocol string: pigeon"),
        (&topic, "sqs", "not-an-arn", "Invalid parameter: SQS endpoint ARN"),
        (&topic, "https", "http://example.invalid/", "Invalid parameter: Endpoint must match the specified protocol"),
        (&topic, "email", "nobody", "Invalid parameter: Email address"),
        (
            &topic,
            "sqs",
            "arn:aws:sqs:us-east-1:000000000000:q.fifo",
            "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
        ),
        (&fifo, "email", "a@example.com", "Invalid parameter: Invalid protocol type: email"),
    ];
    for (t, p, e, want) in cases {
        let r = c.subscribe().topic_arn(*t).protocol(*p).endpoint(*e).send().await.unwrap_err();
        assert_eq!(sns_code(r.as_service_error().unwrap()), ("InvalidParameter".into(), want.to_string()), "{p} {e}");
    }
    let r = c
        .subscribe()
        .topic_arn(&topic)
        .protocol("email")
        .endpoint("a@example.com")
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .unwrap_err();
    assert!(sns_code(r.as_service_error().unwrap()).1.contains("does not support raw message delivery"));
    let r = c
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:000000000000:q")
        .attributes("FilterPolicy", r#"{"a": {"b": ["c"]}}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        sns_code(r.as_service_error().unwrap()).1,
        "Invalid parameter: Attributes Reason: Filter policy scope MessageAttributes does not support nested filter policy"
    );
    let gone = "arn:aws:sns:us-east-1:000000000000:gone";
    let r = c.subscribe().topic_arn(gone).protocol("sqs").endpoint("arn:aws:sqs:us-east-1:000000000000:q").send().await;
    assert_eq!(
        sns_code(r.unwrap_err().as_service_error().unwrap()),
        ("NotFound".into(), "Topic does not exist".into())
    );
}

#[tokio::test]
async fn http_subscriptions_wait_for_confirmation() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let topic = c.create_topic().name("hooks").send().await.unwrap().topic_arn.unwrap();
    let pending =
        c.subscribe().topic_arn(&topic).protocol("http").endpoint("http://127.0.0.1:9/hook").send().await.unwrap();
    assert_eq!(pending.subscription_arn.as_deref(), Some("pending confirmation"));
    let arn = c
        .subscribe()
        .topic_arn(&topic)
        .protocol("http")
        .endpoint("http://127.0.0.1:9/hook")
        .return_subscription_arn(true)
        .send()
        .await
        .unwrap()
        .subscription_arn
        .unwrap();
    assert!(arn.starts_with(&topic));
    let listed = c.list_subscriptions().send().await.unwrap().subscriptions.unwrap();
    assert_eq!(listed[0].subscription_arn.as_deref(), Some("PendingConfirmation"));
    assert_eq!(
        c.get_topic_attributes().topic_arn(&topic).send().await.unwrap().attributes.unwrap()["SubscriptionsPending"],
        "1"
    );
    // LocalStack's developer endpoint gives the token, so a test confirms without a server.
    let r = raw(env.running.addr, "GET", &format!("/_aws/sns/subscription-tokens/{arn}"), &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.json()["subscription_token"].as_str().unwrap().to_string();
    let e = c.confirm_subscription().topic_arn(&topic).token("wrong").send().await.unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()), ("InvalidParameter".into(), "Invalid parameter: Token".into()));
    let confirmed = c
        .confirm_subscription()
        .topic_arn(&topic)
        .token(&token)
        .authenticate_on_unsubscribe("true")
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.subscription_arn.as_deref(), Some(arn.as_str()));
    let attrs = c.get_subscription_attributes().subscription_arn(&arn).send().await.unwrap().attributes.unwrap();
    assert_eq!(
        (attrs["PendingConfirmation"].as_str(), attrs["ConfirmationWasAuthenticated"].as_str()),
        ("false", "true")
    );
    // Deleting the topic deletes its subscriptions.
    c.delete_topic().topic_arn(&topic).send().await.unwrap();
    assert!(c.list_subscriptions().send().await.unwrap().subscriptions.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn subscriptions_page_by_100() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let topic = c.create_topic().name("many").send().await.unwrap().topic_arn.unwrap();
    for i in 0..120 {
        c.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(format!("arn:aws:sqs:us-east-1:000000000000:q{i}"))
            .send()
            .await
            .unwrap();
    }
    let first = c.list_subscriptions_by_topic().topic_arn(&topic).send().await.unwrap();
    assert_eq!(first.subscriptions.as_ref().unwrap().len(), 100);
    let second =
        c.list_subscriptions_by_topic().topic_arn(&topic).next_token(first.next_token.unwrap()).send().await.unwrap();
    assert_eq!(second.subscriptions.unwrap().len(), 20);
    assert!(second.next_token.is_none());
}

#[tokio::test]
async fn explain_says_which_subscriptions_match_and_why() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let topic = c.create_topic().name("explained").send().await.unwrap().topic_arn.unwrap();
    for (q, policy) in [("orders", r#"{"kind": ["order"]}"#), ("big", r#"{"total": [{"numeric": [">", 100]}]}"#)] {
        c.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(format!("arn:aws:sqs:us-east-1:000000000000:{q}"))
            .attributes("FilterPolicy", policy)
            .send()
            .await
            .unwrap();
    }
    let body = serde_json::json!({
        "TopicArn": topic,
        "Message": "m",
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}, "total": {"DataType": "Number", "StringValue": "42"}},
    });
    let r = raw(
        env.running.addr,
        "POST",
        "/_quayside/sns/explain",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let subs = r.json()["Subscriptions"].as_array().cloned().unwrap();
    let by_endpoint = |q: &str| subs.iter().find(|s| s["Endpoint"].as_str().unwrap().ends_with(q)).cloned().unwrap();
    assert_eq!(by_endpoint(":orders")["Matches"], true);
    let big = by_endpoint(":big");
    assert_eq!(big["Matches"], false);
    assert_eq!(big["Decided"], "no condition of \"total\" matched [42.0]");
    // A policy on its own, against a body.
    let body = serde_json::json!({"FilterPolicy": r#"{"a": {"b": [{"prefix": "x"}]}}"#, "FilterPolicyScope": "MessageBody", "Message": r#"{"a": {"b": "xyz"}}"#});
    let r = raw(env.running.addr, "POST", "/_quayside/sns/explain", &[], body.to_string().as_bytes()).await;
    assert_eq!(r.json()["Matches"], true, "{}", r.body);
    let bad = serde_json::json!({"FilterPolicy": "[]", "Message": "m"});
    let r = raw(env.running.addr, "POST", "/_quayside/sns/explain", &[], bad.to_string().as_bytes()).await;
    assert_eq!(r.status, 400);
}
