//! mq-lite's MQTT listener with a Rust MQTT client nobody here wrote (`rumqttc`) and raw
//! packets: MQTT and STOMP share ActiveMQ's topics both ways, QoS 2 end to end, bad packets
//! close the connection, packets split at every byte, a second connection with the same
//! client id takes over.

use crate::common::*;
use crate::mq_stomp::{stomp_env, Raw, PASSWORD};
use rumqttc::{AsyncClient, Event, EventLoop, Incoming, MqttOptions, QoS};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn mqtt_env() -> (Env, SocketAddr, SocketAddr) {
    let mut config = quayside::Config::for_tests();
    config.listener_ports.insert("mqtt", Some(0));
    let (env, stomp, _) = stomp_env(config).await;
    let mqtt = env.running.listeners["mqtt"];
    (env, stomp, mqtt)
}

fn client(addr: SocketAddr, id: &str) -> (AsyncClient, EventLoop) {
    let mut o = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    o.set_credentials("admin", PASSWORD);
    o.set_keep_alive(Duration::from_secs(30));
    AsyncClient::new(o, 100)
}

/// The next incoming PUBLISH (other events skipped); panics after 10 s.
async fn next_publish(ev: &mut EventLoop) -> rumqttc::Publish {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Event::Incoming(Incoming::Publish(p)) = ev.poll().await.unwrap() {
                return p;
            }
        }
    })
    .await
    .expect("a PUBLISH within 10 s")
}

/// Polls until the broker acknowledged the subscription.
async fn subscribed(ev: &mut EventLoop) {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Event::Incoming(Incoming::SubAck(_)) = ev.poll().await.unwrap() {
                return;
            }
        }
    })
    .await
    .expect("SUBACK within 10 s");
}

/// MQTT topics are ActiveMQ's topics: `a/b` over MQTT is `/topic/a.b` over STOMP, both ways;
/// QoS 2 goes through end to end.
#[tokio::test]
async fn mqtt_and_stomp_share_topics() {
    let (_env, stomp, mqtt) = mqtt_env().await;
    let mut s = Raw::login(stomp, "").await;
    s.send("SUBSCRIBE\nid:1\ndestination:/topic/plant.line1.>\nreceipt:r\n\n\0").await;
    s.frame().await;
    let (c, mut ev) = client(mqtt, "rust-1");
    c.subscribe("orders/#", QoS::ExactlyOnce).await.unwrap();
    subscribed(&mut ev).await;
    // MQTT to STOMP.
    c.publish("plant/line1/temp", QoS::AtLeastOnce, false, "88.5").await.unwrap();
    let driver = tokio::spawn(async move {
        let p = next_publish(&mut ev).await;
        (p, ev)
    });
    let f = s.frame().await;
    assert_eq!((f.h("destination"), f.body.as_slice()), (Some("/topic/plant.line1.temp"), &b"88.5"[..]));
    assert_eq!(f.h("persistent"), Some("true"), "QoS 1 messages are persistent");
    // STOMP to MQTT, at the subscription's QoS (persistent: QoS 1 at most... and a QoS 2
    // publish keeps QoS 2).
    s.send("SEND\ndestination:/topic/orders.new\npersistent:true\n\nfrom stomp\0").await;
    let (p, mut ev) = driver.await.unwrap();
    assert_eq!((p.topic.as_str(), &p.payload[..]), ("orders/new", &b"from stomp"[..]));
    assert_eq!(p.qos, QoS::AtLeastOnce);
    c.publish("orders/big", QoS::ExactlyOnce, false, "exactly once").await.unwrap();
    let p = next_publish(&mut ev).await;
    assert_eq!((p.topic.as_str(), p.qos), ("orders/big", QoS::ExactlyOnce));
    // The QoS 2 handshake completes (PUBREC, PUBREL, PUBCOMP) without errors.
    tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            let _ = ev.poll().await.unwrap();
        }
    })
    .await
    .unwrap_err();
}

/// A second connection with the same client id takes over; the first is closed.
#[tokio::test]
async fn the_same_client_id_takes_over() {
    let (_env, _, mqtt) = mqtt_env().await;
    let (_c1, mut ev1) = client(mqtt, "twin");
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Event::Incoming(Incoming::ConnAck(_)) = ev1.poll().await.unwrap() {
                return;
            }
        }
    })
    .await
    .unwrap();
    let (_c2, mut ev2) = client(mqtt, "twin");
    tokio::spawn(async move {
        loop {
            if ev2.poll().await.is_err() {
                return;
            }
        }
    });
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if ev1.poll().await.is_err() {
                return;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the first connection was closed");
}

/// Overlapping subscriptions of one client each deliver their copy, as ActiveMQ does (each
/// MQTT subscription is a consumer there; MQTT 3.1.1 allows one copy or several): `a/#` and
/// `a/b` get two copies of a message to `a/b`, one of a message to `a/c`.
#[tokio::test]
async fn overlapping_subscriptions_deliver_a_copy_each() {
    let (_env, _, mqtt) = mqtt_env().await;
    let (c, mut ev) = client(mqtt, "overlap");
    c.subscribe("a/#", QoS::AtLeastOnce).await.unwrap();
    subscribed(&mut ev).await;
    c.subscribe("a/b", QoS::AtMostOnce).await.unwrap();
    subscribed(&mut ev).await;
    c.publish("a/b", QoS::AtLeastOnce, false, "one").await.unwrap();
    let mut copies = [next_publish(&mut ev).await, next_publish(&mut ev).await];
    copies.sort_by_key(|p| p.qos as u8);
    let got: Vec<_> = copies.iter().map(|p| (p.topic.as_str(), &p.payload[..], p.qos)).collect();
    assert_eq!(got, vec![("a/b", &b"one"[..], QoS::AtMostOnce), ("a/b", &b"one"[..], QoS::AtLeastOnce)]);
    // Only `a/#` matches `a/c`: the next message is its one copy, no third copy of `a/b`.
    c.publish("a/c", QoS::AtLeastOnce, false, "two").await.unwrap();
    let p = next_publish(&mut ev).await;
    assert_eq!((p.topic.as_str(), &p.payload[..]), ("a/c", &b"two"[..]));
    c.publish("a/d", QoS::AtLeastOnce, false, "three").await.unwrap();
    let p = next_publish(&mut ev).await;
    assert_eq!((p.topic.as_str(), &p.payload[..]), ("a/d", &b"three"[..]), "one copy of a/c");
}

async fn raw(addr: SocketAddr) -> tokio::net::TcpStream {
    tokio::net::TcpStream::connect(addr).await.unwrap()
}

/// CONNECT (3.1.1, clean session, keep-alive 30 s) as `admin`.
fn connect_packet(client_id: &str, password: &str) -> Vec<u8> {
    let mut body = vec![0, 4, b'M', b'Q', b'T', b'T', 4, 0xc2, 0, 30];
    for s in [client_id.as_bytes(), b"admin", password.as_bytes()] {
        body.extend_from_slice(&(s.len() as u16).to_be_bytes());
        body.extend_from_slice(s);
    }
    let mut p = vec![0x10, body.len() as u8];
    p.extend(body);
    p
}

async fn read_some(s: &mut tokio::net::TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut buf)).await.unwrap().unwrap();
    buf
}

async fn closes(s: &mut tokio::net::TcpStream) -> bool {
    let mut b = [0u8; 64];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut b)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// Raw packets: CONNACK codes, a packet a byte at a time, bad packets close the connection.
#[tokio::test]
async fn raw_packets_connack_codes_and_malformed_input() {
    let (_env, _, mqtt) = mqtt_env().await;
    // A wrong password: CONNACK 4, then the connection closes.
    let mut s = raw(mqtt).await;
    s.write_all(&connect_packet("raw-1", "wrong")).await.unwrap();
    assert_eq!(read_some(&mut s, 4).await, [0x20, 2, 0, 4]);
    assert!(closes(&mut s).await);
    // An unknown protocol level: CONNACK 1.
    let mut s = raw(mqtt).await;
    let mut p = connect_packet("raw-2", PASSWORD);
    p[8] = 5;
    s.write_all(&p).await.unwrap();
    assert_eq!(read_some(&mut s, 4).await, [0x20, 2, 0, 1]);
    // A good CONNECT written a byte at a time, then PINGREQ.
    let mut s = raw(mqtt).await;
    let mut wire = connect_packet("raw-3", PASSWORD);
    wire.extend([0xc0, 0x00]);
    for b in wire {
        s.write_all(&[b]).await.unwrap();
        tokio::task::yield_now().await;
    }
    assert_eq!(read_some(&mut s, 4).await, [0x20, 2, 0, 0]);
    assert_eq!(read_some(&mut s, 2).await, [0xd0, 0]);
    // A reserved packet type closes it.
    s.write_all(&[0xf0, 0x00]).await.unwrap();
    assert!(closes(&mut s).await);
    // A remaining length over the limit is refused before its bytes come.
    let mut s = raw(mqtt).await;
    s.write_all(&connect_packet("raw-4", PASSWORD)).await.unwrap();
    read_some(&mut s, 4).await;
    s.write_all(&[0x30, 0xff, 0xff, 0xff, 0x7f]).await.unwrap();
    assert!(closes(&mut s).await);
    // Something that is not MQTT at all.
    let mut s = raw(mqtt).await;
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    assert!(closes(&mut s).await);
}

/// Browser-side clients over WebSocket, under node: stomp.js (sub-protocol `v12.stomp`) and
/// MQTT.js (`mqtt`) on the one WebSocket port, sharing a queue's and a topic's messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stomp_js_and_mqtt_js_over_websocket() {
    let mut config = quayside::Config::for_tests();
    config.listener_ports.insert("ws", Some(0));
    let (env, _, id) = stomp_env(config).await;
    let ws = env.running.listeners["ws"];
    let d = crate::mq_control::mq(&env.endpoint()).describe_broker().broker_id(&id).send().await.unwrap();
    assert!(d.broker_instances()[0].endpoints().contains(&format!("wss://localhost:{}", ws.port())));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/mq-ws");
    let ca = crate::common::temp_dir("ws-ca").join("ca.pem");
    std::fs::write(&ca, env.running.tls_ca_pem().unwrap()).unwrap();
    // Plain WebSocket, then TLS (`wss`, trusting Quayside's CA) on the same port.
    for url in [format!("ws://127.0.0.1:{}", ws.port()), format!("wss://localhost:{}", ws.port())] {
        let (dir, ca) = (dir.clone(), ca.clone());
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("node")
                .arg(dir.join("run.js"))
                .arg(url)
                .arg(PASSWORD)
                .env("NODE_EXTRA_CA_CERTS", ca)
                .output()
                .expect("node runs")
        })
        .await
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text} {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["stompVersion"], "1.2");
        assert_eq!((v["queue"].as_str(), v["queueHeader"].as_str()), (Some("hello from a browser"), Some("blue")));
        assert_eq!((v["mqttTopic"].as_str(), v["mqttPayload"].as_str()), (Some("web/echo"), Some("from stomp.js")));
        assert_eq!(v["fromMqtt"], "from MQTT.js");
    }
}
