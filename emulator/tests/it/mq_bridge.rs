//! Bridges (a broker tagged `quayside:bridge=true`): `/queue/NAME` over STOMP and the SQS
//! queue NAME are one queue, both ways, with the official `aws-sdk-sqs`; `/topic/NAME` and
//! MQTT topic NAME publish into the SNS topic NAME, and so to its subscribed queues with their
//! filter policies (`aws-sdk-sns`).

use crate::common::*;
use crate::mq_control::{activemq, mq, user};
use crate::mq_stomp::{Raw, PASSWORD};
use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use std::time::Duration;

async fn bridged() -> (Env, std::net::SocketAddr, std::net::SocketAddr) {
    let mut config = quayside::Config::for_tests();
    config.listener_ports.insert("stomp", Some(0));
    config.listener_ports.insert("mqtt", Some(0));
    let env = start_with(config).await;
    activemq(&mq(&env.endpoint()), "bridge").users(user("admin")).tags("quayside:bridge", "true").send().await.unwrap();
    let (stomp, mqtt) = (env.running.listeners["stomp"], env.running.listeners["mqtt"]);
    (env, stomp, mqtt)
}

async fn depth(env: &Env, url: &str) -> (String, String) {
    let a = env
        .client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    let n = |k: QueueAttributeName| a.get(&k).cloned().unwrap_or_default();
    (n(QueueAttributeName::ApproximateNumberOfMessages), n(QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
}

/// STOMP to SQS and SQS to STOMP: one queue, headers as attributes, ACK deletes, NACK gives
/// the message back.
#[tokio::test]
async fn a_stomp_queue_is_the_sqs_queue_of_its_name() {
    let (env, stomp, _) = bridged().await;
    let mut p = Raw::login(stomp, "").await;
    p.send("SEND\ndestination:/queue/orders\npersistent:true\nregion:eu\nreceipt:1\n\nfrom the plant\0").await;
    assert_eq!(p.frame().await.command, "RECEIPT");
    // The cloud side receives it with ReceiveMessage.
    let url = env.client.get_queue_url().queue_name("orders").send().await.unwrap().queue_url.unwrap();
    let got = env
        .client
        .receive_message()
        .queue_url(&url)
        .message_attribute_names("All")
        .wait_time_seconds(5)
        .send()
        .await
        .unwrap();
    let m = &got.messages()[0];
    assert_eq!(m.body(), Some("from the plant"));
    assert_eq!(m.message_attributes().unwrap()["region"].string_value(), Some("eu"));
    env.client.delete_message().queue_url(&url).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();

    // And the other way: SendMessage, received over STOMP.
    let region = MessageAttributeValue::builder().data_type("String").string_value("us").build().unwrap();
    env.client
        .send_message()
        .queue_url(&url)
        .message_body("from the cloud")
        .message_attributes("region", region)
        .send()
        .await
        .unwrap();
    let mut c = Raw::login(stomp, "").await;
    c.send("SUBSCRIBE\nid:s\ndestination:/queue/orders\nack:client-individual\n\n\0").await;
    let f = c.frame().await;
    assert_eq!((f.body.as_slice(), f.h("region")), (&b"from the cloud"[..], Some("us")));
    // Held by the STOMP consumer: in flight for SQS too. A NACK gives it back, redelivered.
    assert_eq!(depth(&env, &url).await, ("0".into(), "1".into()));
    c.send(&format!("NACK\nid:{}\n\n\0", f.h("ack").unwrap())).await;
    let again = c.frame().await;
    assert_eq!((again.body.as_slice(), again.h("redelivered")), (&b"from the cloud"[..], Some("true")));
    c.send(&format!("ACK\nid:{}\nreceipt:a\n\n\0", again.h("ack").unwrap())).await;
    assert_eq!(c.frame().await.h("receipt-id"), Some("a"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while depth(&env, &url).await != ("0".into(), "0".into()) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(depth(&env, &url).await, ("0".into(), "0".into()), "ACK deleted it from SQS");

    // What SQS refuses is refused to the producer in SQS's words.
    let headers: String = (0..11).map(|i| format!("h{i}:v\n")).collect();
    p.send(&format!("SEND\ndestination:/queue/orders\n{headers}\nx\0")).await;
    let e = p.frame().await;
    assert_eq!(e.command, "ERROR");
    assert!(e.h("message").unwrap().starts_with("SQS queue orders refused the message"), "{e:?}");
}

/// STOMP and MQTT topics publish into the SNS topic of the same name, whose filter policies
/// choose the subscribed queues that get it.
#[tokio::test]
async fn topics_publish_into_sns_with_their_filter_policies() {
    let (env, stomp, mqtt) = bridged().await;
    let sns = crate::sns_topics::sns(&env.endpoint());
    let topic = sns.create_topic().name("alerts").send().await.unwrap().topic_arn.unwrap();
    let url = env.client.create_queue().queue_name("pager").send().await.unwrap().queue_url.unwrap();
    let arn = "arn:aws:sqs:us-east-1:000000000000:pager";
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(arn)
        .attributes("RawMessageDelivery", "true")
        .attributes("FilterPolicy", r#"{"level": ["high"]}"#)
        .send()
        .await
        .unwrap();
    let mut p = Raw::login(stomp, "").await;
    // A broker subscriber gets both; the queue only what the policy takes.
    let mut local = Raw::login(stomp, "").await;
    local.send("SUBSCRIBE\nid:1\ndestination:/topic/alerts\nreceipt:r\n\n\0").await;
    local.frame().await;
    p.send("SEND\ndestination:/topic/alerts\nlevel:low\nreceipt:1\n\nnot paged\0").await;
    p.frame().await;
    p.send("SEND\ndestination:/topic/alerts\nlevel:high\nreceipt:2\n\nfire\0").await;
    p.frame().await;
    assert_eq!(local.frame().await.body, b"not paged");
    assert_eq!(local.frame().await.body, b"fire");
    // MQTT publishes to the same SNS topic (no attributes: the policy keeps it out).
    let mut o = rumqttc::MqttOptions::new("bridge-pub", mqtt.ip().to_string(), mqtt.port());
    o.set_credentials("admin", PASSWORD);
    let (c, mut ev) = rumqttc::AsyncClient::new(o, 10);
    c.publish("alerts", rumqttc::QoS::AtLeastOnce, false, "from mqtt").await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let rumqttc::Event::Incoming(rumqttc::Incoming::PubAck(_)) = ev.poll().await.unwrap() {
                return;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(local.frame().await.body, b"from mqtt");
    let got = env
        .client
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .wait_time_seconds(2)
        .send()
        .await
        .unwrap();
    let bodies: Vec<&str> = got.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["fire"]);
}
