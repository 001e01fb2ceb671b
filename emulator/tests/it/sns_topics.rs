//! SNS topics with the official `aws-sdk-sns`: create (idempotent, conflicts, names, FIFO),
//! attributes as AWS shows them, pagination, tags, permissions, data-protection policies, the
//! query protocol's XML, and a restart.

use crate::common::*;
use aws_sdk_sns::Client as Sns;

pub fn sns(endpoint: &str) -> Sns {
    let http = aws_smithy_http_client::Builder::new().build_http();
    let conf = aws_sdk_sns::Config::builder()
        .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
        .region(aws_sdk_sns::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sns::config::Credentials::new("test", "secret", None, None, "test"))
        .endpoint_url(endpoint)
        .http_client(http)
        .build();
    Sns::from_conf(conf)
}

pub fn sns_code<E: aws_sdk_sns::error::ProvideErrorMetadata>(e: &E) -> (String, String) {
    (e.code().unwrap_or("").to_string(), e.message().unwrap_or("").to_string())
}

/// Creates a topic with attributes and answers its ARN.
pub async fn topic(c: &Sns, name: &str, attrs: &[(&str, &str)]) -> String {
    let mut req = c.create_topic().name(name);
    for (k, v) in attrs {
        req = req.attributes(*k, *v);
    }
    req.send().await.unwrap().topic_arn.unwrap()
}

fn tag(k: &str, v: &str) -> aws_sdk_sns::types::Tag {
    aws_sdk_sns::types::Tag::builder().key(k).value(v).build().unwrap()
}

#[tokio::test]
async fn topics_are_created_idempotently_and_show_aws_attributes() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let arn =
        c.create_topic().name("orders").attributes("DisplayName", "Orders").send().await.unwrap().topic_arn.unwrap();
    assert_eq!(arn, "arn:aws:sns:us-east-1:000000000000:orders");
    // The same name and attributes: the same topic.
    let again = c.create_topic().name("orders").attributes("DisplayName", "Orders").send().await.unwrap();
    assert_eq!(again.topic_arn.as_deref(), Some(arn.as_str()));
    let e = c.create_topic().name("orders").attributes("DisplayName", "Other").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        (
            "InvalidParameter".into(),
            "Invalid parameter: Attributes Reason: Topic already exists with different attributes".into()
        )
    );
    let attrs = c.get_topic_attributes().topic_arn(&arn).send().await.unwrap().attributes.unwrap();
    assert_eq!(attrs["TopicArn"], arn);
    assert_eq!(attrs["Owner"], "000000000000");
    assert_eq!(attrs["DisplayName"], "Orders");
    assert_eq!(attrs["SubscriptionsConfirmed"], "0");
    assert!(!attrs.contains_key("MaximumMessageSize"), "shown once set (recorded)");
    let policy: serde_json::Value = serde_json::from_str(&attrs["Policy"]).unwrap();
    assert_eq!(policy["Id"], "__default_policy_ID");
    assert_eq!(policy["Statement"][0]["Resource"], arn.as_str());
    assert!(attrs["EffectiveDeliveryPolicy"].contains("defaultHealthyRetryPolicy"));
    assert!(!attrs.contains_key("FifoTopic"));

    c.set_topic_attributes()
        .topic_arn(&arn)
        .attribute_name("DeliveryPolicy")
        .attribute_value(r#"{"http":{}}"#)
        .send()
        .await
        .unwrap();
    let attrs = c.get_topic_attributes().topic_arn(&arn).send().await.unwrap().attributes.unwrap();
    assert_eq!(attrs["DeliveryPolicy"], r#"{"http":{}}"#);
    assert_eq!(attrs["EffectiveDeliveryPolicy"], r#"{"http":{}}"#);
    let e =
        c.set_topic_attributes().topic_arn(&arn).attribute_name("Nope").attribute_value("x").send().await.unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()).1, "Invalid parameter: AttributeName");
    let e = c
        .set_topic_attributes()
        .topic_arn(&arn)
        .attribute_name("MaximumMessageSize")
        .attribute_value("100")
        .send()
        .await;
    assert_eq!(sns_code(e.unwrap_err().as_service_error().unwrap()).0, "InvalidParameter");

    c.delete_topic().topic_arn(&arn).send().await.unwrap();
    c.delete_topic().topic_arn(&arn).send().await.unwrap(); // deleting again is not an error
    let e = c.get_topic_attributes().topic_arn(&arn).send().await.unwrap_err();
    let e = e.into_service_error();
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(sns_code(&e), ("NotFound".into(), "Topic does not exist".into()));
}

#[tokio::test]
async fn names_and_fifo_rules() {
    let env = start().await;
    let c = sns(&env.endpoint());
    for bad in ["has space", "dot.ted", &"x".repeat(257)] {
        let e = c.create_topic().name(bad).send().await.unwrap_err();
        assert_eq!(
            sns_code(e.as_service_error().unwrap()),
            ("InvalidParameter".into(), "Invalid parameter: Topic Name".into()),
            "{bad}"
        );
    }
    let e = c.create_topic().name("nofifo").attributes("FifoTopic", "true").send().await.unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()).1, "Invalid parameter: Topic Name", "recorded");
    let e = c.create_topic().name("t.fifo").send().await.unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()).0, "InvalidParameter");
    let e = c.create_topic().name("std").attributes("ContentBasedDeduplication", "true").send().await.unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()).1, "Invalid parameter: AttributeName");
    let arn = topic(&c, "t.fifo", &[("FifoTopic", "true"), ("ContentBasedDeduplication", "true")]).await;
    let attrs = c.get_topic_attributes().topic_arn(&arn).send().await.unwrap().attributes.unwrap();
    assert_eq!((attrs["FifoTopic"].as_str(), attrs["ContentBasedDeduplication"].as_str()), ("true", "true"));
    assert!(!attrs.contains_key("FifoThroughputScope"), "shown once set (recorded)");
    let e = c.set_topic_attributes().topic_arn(&arn).attribute_name("FifoTopic").attribute_value("false").send().await;
    assert_eq!(sns_code(e.unwrap_err().as_service_error().unwrap()).0, "InvalidParameter");
    let e = c.get_topic_attributes().topic_arn("not-an-arn").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        (
            "InvalidParameter".into(),
            "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1".into()
        )
    );
}

#[tokio::test]
async fn list_topics_pages_by_100() {
    let env = start().await;
    let c = sns(&env.endpoint());
    for i in 0..150 {
        c.create_topic().name(format!("t{i:03}")).send().await.unwrap();
    }
    let first = c.list_topics().send().await.unwrap();
    assert_eq!(first.topics.as_ref().unwrap().len(), 100);
    let token = first.next_token.expect("a second page");
    let second = c.list_topics().next_token(&token).send().await.unwrap();
    assert_eq!(second.topics.as_ref().unwrap().len(), 50);
    assert!(second.next_token.is_none());
    let mut all: Vec<String> =
        first.topics.unwrap().into_iter().chain(second.topics.unwrap()).filter_map(|t| t.topic_arn).collect();
    all.dedup();
    assert_eq!(all.len(), 150);
    let e = c.list_topics().next_token("%%%").send().await.unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()).0, "InvalidParameter");
    // Another region sees none of them.
    let other = aws_sdk_sns::Client::from_conf(
        c.config().to_builder().region(aws_sdk_sns::config::Region::new("eu-west-1")).build(),
    );
    assert!(other.list_topics().send().await.unwrap().topics.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn tags_permissions_and_data_protection() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let arn = c.create_topic().name("tagged").tags(tag("a", "1")).send().await.unwrap().topic_arn.unwrap();
    let e = c.create_topic().name("tagged").tags(tag("a", "2")).send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()).1,
        "Invalid parameter: Tags Reason: Topic already exists with different tags"
    );
    c.tag_resource().resource_arn(&arn).tags(tag("b", "2")).tags(tag("a", "3")).send().await.unwrap();
    let tags = c.list_tags_for_resource().resource_arn(&arn).send().await.unwrap().tags.unwrap();
    let pairs: Vec<(String, String)> = tags.into_iter().map(|t| (t.key, t.value)).collect();
    assert_eq!(pairs, [("a".to_string(), "3".to_string()), ("b".to_string(), "2".to_string())]);
    c.untag_resource().resource_arn(&arn).tag_keys("a").tag_keys("missing").send().await.unwrap();
    assert_eq!(c.list_tags_for_resource().resource_arn(&arn).send().await.unwrap().tags.unwrap().len(), 1);
    let mut too_many = c.tag_resource().resource_arn(&arn);
    for i in 0..50 {
        too_many = too_many.tags(tag(&format!("k{i}"), "v"));
    }
    let e = too_many.send().await.unwrap_err();
    assert!(e.into_service_error().is_tag_limit_exceeded_exception());
    let gone = "arn:aws:sns:us-east-1:000000000000:gone";
    let e = c.list_tags_for_resource().resource_arn(gone).send().await.unwrap_err();
    assert!(e.into_service_error().is_resource_not_found_exception());
    // Tag keys are checked against the model's constraints.
    let e = c.tag_resource().resource_arn(&arn).tags(tag(&"k".repeat(129), "v")).send().await.unwrap_err();
    let (code, message) = sns_code(e.as_service_error().unwrap());
    assert_eq!(code, "ValidationError");
    assert!(
        message.contains("failed to satisfy constraint: Member must have length less than or equal to 128"),
        "{message}"
    );

    c.add_permission()
        .topic_arn(&arn)
        .label("Cross")
        .aws_account_id("111122223333")
        .action_name("Publish")
        .send()
        .await
        .unwrap();
    let attrs = c.get_topic_attributes().topic_arn(&arn).send().await.unwrap().attributes.unwrap();
    let policy: serde_json::Value = serde_json::from_str(&attrs["Policy"]).unwrap();
    let added = policy["Statement"].as_array().unwrap().iter().find(|s| s["Sid"] == "Cross").cloned().unwrap();
    assert_eq!(added["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
    assert_eq!(added["Action"], "SNS:Publish");
    let e = c.add_permission().topic_arn(&arn).label("Cross").aws_account_id("1").action_name("Publish").send().await;
    assert_eq!(sns_code(e.unwrap_err().as_service_error().unwrap()).0, "InvalidParameter");
    c.remove_permission().topic_arn(&arn).label("Cross").send().await.unwrap();
    let e = c.remove_permission().topic_arn(&arn).label("Cross").send().await;
    assert_eq!(sns_code(e.unwrap_err().as_service_error().unwrap()).0, "InvalidParameter");

    assert_eq!(
        c.get_data_protection_policy().resource_arn(&arn).send().await.unwrap().data_protection_policy.as_deref(),
        Some("")
    );
    let dpp = r#"{"Name":"p","Version":"2021-06-01","Statement":[]}"#;
    c.put_data_protection_policy().resource_arn(&arn).data_protection_policy(dpp).send().await.unwrap();
    assert_eq!(
        c.get_data_protection_policy().resource_arn(&arn).send().await.unwrap().data_protection_policy.as_deref(),
        Some(dpp)
    );
    let e = c.put_data_protection_policy().resource_arn(&arn).data_protection_policy("nope").send().await;
    assert_eq!(sns_code(e.unwrap_err().as_service_error().unwrap()).0, "InvalidParameter");
}

#[tokio::test]
async fn the_query_protocol_speaks_sns_xml() {
    let env = start().await;
    let addr = env.running.addr;
    let r = query(addr, "/", "Action=CreateTopic&Version=2010-03-31&Name=xml&Tags.member.1.Key=k&Tags.member.1.Value=v&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=X").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.starts_with(r#"<?xml version="1.0"?><CreateTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:000000000000:xml</TopicArn></CreateTopicResult>"#), "{}", r.body);
    let r = query(addr, "/", "Action=ListTopics&Version=2010-03-31").await;
    assert!(r.body.contains("<ListTopicsResult><Topics><member><TopicArn>arn:aws:sns:us-east-1:000000000000:xml</TopicArn></member></Topics></ListTopicsResult>"), "{}", r.body);
    let r = query(
        addr,
        "/",
        "Action=GetTopicAttributes&Version=2010-03-31&TopicArn=arn:aws:sns:us-east-1:000000000000:xml",
    )
    .await;
    assert!(r.body.contains("<entry><key>DisplayName</key><value>X</value></entry>"), "{}", r.body);
    let r = query(
        addr,
        "/",
        "Action=GetTopicAttributes&Version=2010-03-31&TopicArn=arn:aws:sns:us-east-1:000000000000:none",
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message>"), "{}", r.body);
    let r =
        query(addr, "/", "Action=Publish&Version=2010-03-31&TopicArn=arn:aws:sns:us-east-1:000000000000:xml&Message=m")
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.starts_with("<?xml version=\"1.0\"?><PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>"), "{}", r.body);
}

#[tokio::test]
async fn topics_and_subscriptions_survive_a_restart() {
    let dir = temp_dir("sns-topics");
    let config = durable(&dir);
    let first = quayside::start(config.clone()).await.unwrap();
    let c = sns(&format!("http://{}", first.addr));
    let arn = c
        .create_topic()
        .name("kept.fifo")
        .attributes("FifoTopic", "true")
        .attributes("DisplayName", "Kept")
        .tags(tag("t", "1"))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let sub = c
        .subscribe()
        .topic_arn(&arn)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:000000000000:kept.fifo")
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .unwrap()
        .subscription_arn
        .unwrap();
    first.shutdown().await;
    let second = quayside::start(config).await.unwrap();
    let c = sns(&format!("http://{}", second.addr));
    let attrs = c.get_topic_attributes().topic_arn(&arn).send().await.unwrap().attributes.unwrap();
    assert_eq!((attrs["DisplayName"].as_str(), attrs["FifoTopic"].as_str()), ("Kept", "true"));
    assert_eq!(c.list_tags_for_resource().resource_arn(&arn).send().await.unwrap().tags.unwrap().len(), 1);
    let attrs = c.get_subscription_attributes().subscription_arn(&sub).send().await.unwrap().attributes.unwrap();
    assert_eq!((attrs["RawMessageDelivery"].as_str(), attrs["TopicArn"].as_str()), ("true", arn.as_str()));
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
