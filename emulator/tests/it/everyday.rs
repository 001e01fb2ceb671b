//! Living with Quayside (issue 18): what a request for a service it does not emulate is told,
//! readiness for scripts and containers, metrics.

use crate::common::*;

/// An Authorization header signed (in form: signatures are not verified) for `service`.
fn signed_for(service: &str) -> String {
    signed_for_region(service, "us-east-1")
}

/// A request for DynamoDB, S3 or any other service not emulated is answered 501
/// `InternalFailure` (LocalStack's code and status for the same case) in the request's
/// protocol, naming the service and the ones served; requests to served services are not
/// affected.
#[tokio::test]
async fn requests_for_services_not_emulated_say_which_are_served() {
    let env = start().await;
    let a = env.running.addr;
    let served = "it serves 'kinesis', 'mq', 'sns', 'sqs', 'sts'.";
    // DynamoDB, signed: a JSON 1.0 error.
    let auth = signed_for("dynamodb");
    let r = raw(
        a,
        "POST",
        "/",
        &[
            ("authorization", auth.as_str()),
            ("x-amz-target", "DynamoDB_20120810.ListTables"),
            ("content-type", "application/x-amz-json-1.0"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 501, "{}", r.body);
    assert_eq!(r.json()["__type"], "InternalFailure");
    assert_eq!(r.json()["message"], format!("Quayside does not emulate the service 'dynamodb'; {served}"));
    // The same target unsigned (no SDK sends that): AWS's unknown operation, with a message.
    let r = raw(
        a,
        "POST",
        "/",
        &[("x-amz-target", "DynamoDB_20120810.ListTables"), ("content-type", "application/x-amz-json-1.0")],
        b"{}",
    )
    .await;
    assert_eq!((r.status, r.json()["__type"].as_str()), (400, Some("UnknownOperationException")), "{}", r.body);
    assert_eq!(
        r.json()["message"],
        format!("Quayside does not know the operation DynamoDB_20120810.ListTables; {served}")
    );
    // S3, signed, path style: an XML error.
    let auth = signed_for("s3");
    let r = raw(a, "GET", "/my-bucket?list-type=2", &[("authorization", auth.as_str())], b"").await;
    assert_eq!(r.status, 501, "{}", r.body);
    assert!(r.body.contains("<Code>InternalFailure</Code>"), "{}", r.body);
    assert!(r.body.contains("does not emulate the service &apos;s3&apos;"), "{}", r.body);
    // A served service signed as itself, and an unknown operation of a served service, are
    // answered as before.
    let auth = signed_for("sqs");
    let r = raw(
        a,
        "POST",
        "/",
        &[
            ("authorization", auth.as_str()),
            ("x-amz-target", "AmazonSQS.ListQueues"),
            ("content-type", "application/x-amz-json-1.0"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = raw(
        a,
        "POST",
        "/",
        &[("x-amz-target", "AmazonSQS.NoSuchThing"), ("content-type", "application/x-amz-json-1.0")],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.json()["__type"].as_str().unwrap().ends_with("UnknownOperationException"));
}

/// The AWS CLI (v1, installed by `make test` under `tools/py/site`), as a command.
fn aws_cli(dir: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/py/site");
    let path = dir.join("aws");
    std::fs::write(&path, format!("#!/bin/sh\nPYTHONPATH='{}' exec python3 -m awscli \"$@\"\n", site.display()))
        .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}

/// `--init-dir`'s hooks run in name order once the server listens, with the endpoint and
/// region in their environment: `.aws` files through the real AWS CLI, `.sh` files through
/// `sh`, executables as they are; one that fails is marked ERROR and the next still runs;
/// other files are skipped. `/_localstack/init` shows their progress in LocalStack's shape,
/// and health's `ready` turns true only after them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_hooks_run_in_order_and_then_the_server_is_ready() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("init-hooks");
    let tools = temp_dir("init-tools");
    let hooks = dir.join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(
        hooks.join("01-resources.aws"),
        "# made by the hook\naws sqs create-queue --queue-name from-hook\nsns create-topic --name 'hook-topic'\n",
    )
    .unwrap();
    // Not executable: run through sh. It waits for a file the test writes, so the test sees
    // the server answer while a hook runs.
    let seen = dir.join("seen");
    let go = dir.join("go");
    std::fs::write(
        hooks.join("02-env.sh"),
        format!(
            "while [ ! -e '{go}' ]; do sleep 0.05; done\necho \"$AWS_ENDPOINT_URL $AWS_DEFAULT_REGION\" > '{seen}'\n",
            go = go.display(),
            seen = seen.display()
        ),
    )
    .unwrap();
    std::fs::write(hooks.join("03-fails"), "#!/bin/sh\nexit 3\n").unwrap();
    std::fs::set_permissions(hooks.join("03-fails"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(hooks.join("04-after.sh"), format!("echo after >> '{}'\n", seen.display())).unwrap();
    std::fs::write(hooks.join("notes.txt"), "not a hook").unwrap();

    let mut config = quayside::Config::for_tests();
    config.region = "eu-west-1".into();
    config.init_dir = Some(hooks.clone());
    config.init_aws_cli = aws_cli(&tools);
    let env = start_with(config).await;
    let a = env.running.addr;

    // While 02 waits: not ready, 01 done, 02 running.
    let init = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            let r = raw(a, "GET", "/_localstack/init/ready", &[], b"").await;
            let v = r.json();
            if v["scripts"][1]["state"] == "RUNNING" {
                return v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the second hook runs within 60 s");
    assert_eq!(init["completed"], false);
    assert_eq!(
        init["scripts"][0],
        serde_json::json!({"stage": "READY", "name": "01-resources.aws", "state": "SUCCESSFUL"})
    );
    assert_eq!(raw(a, "GET", "/_quayside/health", &[], b"").await.json()["ready"], false);
    let names: Vec<_> = init["scripts"].as_array().unwrap().iter().map(|s| s["name"].clone()).collect();
    assert_eq!(names, ["01-resources.aws", "02-env.sh", "03-fails", "04-after.sh"]);

    std::fs::write(&go, "").unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), env.running.ready()).await.expect("ready within 30 s");
    let v = raw(a, "GET", "/_localstack/init/READY", &[], b"").await.json();
    assert_eq!(v["completed"], true);
    let states: Vec<_> = v["scripts"].as_array().unwrap().iter().map(|s| s["state"].clone()).collect();
    assert_eq!(states, ["SUCCESSFUL", "SUCCESSFUL", "ERROR", "SUCCESSFUL"]);
    let all = raw(a, "GET", "/_localstack/init", &[], b"").await.json();
    assert_eq!(all["completed"], serde_json::json!({"BOOT": true, "START": true, "READY": true, "SHUTDOWN": false}));
    assert_eq!(all["scripts"].as_array().unwrap().len(), 4);
    let r = raw(a, "GET", "/_localstack/init/nonsense", &[], b"").await;
    assert_eq!((r.status, r.body.as_str()), (404, "no such stage nonsense"));
    assert_eq!(raw(a, "GET", "/_quayside/health", &[], b"").await.json()["ready"], true);

    // The hooks reached this server, in the configured region.
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), format!("http://{a} eu-west-1\nafter\n"));
    let c = client_in(&format!("http://{a}"), "test", "eu-west-1");
    let url = c.get_queue_url().queue_name("from-hook").send().await.expect("the hook made the queue");
    assert!(url.queue_url().unwrap().ends_with("/from-hook"));
    let topics = raw(
        a,
        "POST",
        "/",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", &signed_for_region("sns", "eu-west-1")),
        ],
        b"Action=ListTopics&Version=2010-03-31",
    )
    .await;
    assert!(topics.body.contains("arn:aws:sns:eu-west-1:000000000000:hook-topic"), "{}", topics.body);
}

/// [`signed_for`] in `region`.
fn signed_for_region(service: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261205/{region}/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000"
    )
}

/// `/_quayside/metrics`, parsed: every line is a comment or `name{labels} value`, each family
/// has its HELP and TYPE before its samples; answers the samples as (name, labels, value).
fn parse_metrics(text: &str) -> Vec<(String, String, f64)> {
    let mut typed = std::collections::HashSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(kind == "counter" || kind == "gauge", "{line}");
            assert!(typed.insert(name.to_string()), "one TYPE per family: {line}");
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => (n, l.strip_suffix('}').unwrap_or_else(|| panic!("closed labels: {line}"))),
            None => (series, ""),
        };
        assert!(typed.contains(name), "TYPE before samples: {line}");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line}");
        samples.push((name.to_string(), labels.to_string(), value));
    }
    samples
}

/// The value of the one sample of `name` whose labels contain every one of `has`.
fn sample(samples: &[(String, String, f64)], name: &str, has: &[&str]) -> f64 {
    let found: Vec<_> = samples.iter().filter(|(n, l, _)| n == name && has.iter().all(|h| l.contains(h))).collect();
    assert_eq!(found.len(), 1, "one {name} with {has:?} in {samples:?}");
    found[0].2
}

/// `/_quayside/metrics` in Prometheus' text format: SQS queue depth, in flight, delayed,
/// oldest age, sends, receives and deletes; SNS publishes and per subscription matches,
/// deliveries and failures; Kinesis records in and out and iterator age per shard; mq-lite
/// connections and destinations — each driven by the official SDKs (and a STOMP client) and
/// read back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_cover_every_service_in_prometheus_format() {
    let mut config = quayside::Config::for_tests();
    config.virtual_clock = true;
    let (env, stomp, _) = crate::mq_stomp::stomp_env(config).await;
    let a = env.running.addr;
    let endpoint = format!("http://{a}");
    // SQS: 3 sent, 2 received, 1 deleted, 1 delayed.
    let sqs = &env.client;
    let url = sqs.create_queue().queue_name("metered").send().await.unwrap().queue_url.unwrap();
    for i in 0..3 {
        sqs.send_message().queue_url(&url).message_body(format!("m{i}")).send().await.unwrap();
    }
    sqs.send_message().queue_url(&url).message_body("later").delay_seconds(60).send().await.unwrap();
    let got = sqs.receive_message().queue_url(&url).max_number_of_messages(2).send().await.unwrap();
    assert_eq!(got.messages().len(), 2);
    let handle = got.messages()[0].receipt_handle().unwrap();
    sqs.delete_message().queue_url(&url).receipt_handle(handle).send().await.unwrap();

    // SNS: a filtered SQS subscription, and one to a queue that does not exist.
    let sns = crate::sns_topics::sns(&endpoint);
    let topic = sns.create_topic().name("orders").send().await.unwrap().topic_arn.unwrap();
    sqs.create_queue().queue_name("big-orders").send().await.unwrap();
    let target_arn = "arn:aws:sqs:us-east-1:000000000000:big-orders";
    let matched = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(target_arn)
        .attributes("FilterPolicy", r#"{"size": ["big"]}"#)
        .send()
        .await
        .unwrap()
        .subscription_arn
        .unwrap();
    let missing = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:000000000000:no-such-queue")
        .send()
        .await
        .unwrap()
        .subscription_arn
        .unwrap();
    let attr = |v: &str| {
        aws_sdk_sns::types::MessageAttributeValue::builder().data_type("String").string_value(v).build().unwrap()
    };
    sns.publish().topic_arn(&topic).message("a").message_attributes("size", attr("big")).send().await.unwrap();
    sns.publish().topic_arn(&topic).message("b").message_attributes("size", attr("small")).send().await.unwrap();

    // Kinesis: 3 records into one shard, read back.
    let k = crate::kinesis_records::kinesis(&endpoint);
    k.create_stream().stream_name("clicks").shard_count(1).send().await.unwrap();
    for i in 0..3 {
        k.put_record()
            .stream_name("clicks")
            .partition_key("p")
            .data(aws_sdk_kinesis::primitives::Blob::new(format!("r{i}")))
            .send()
            .await
            .unwrap();
    }
    let it = k
        .get_shard_iterator()
        .stream_name("clicks")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap();
    let records = k.get_records().shard_iterator(it).send().await.unwrap();
    assert_eq!(records.records().len(), 3);

    // mq-lite: one STOMP connection consuming a queue that holds one message.
    let mut s = crate::mq_stomp::Raw::login(stomp, "").await;
    s.send("SEND\ndestination:/queue/jobs\npersistent:true\nreceipt:r1\n\nwaiting\0").await;
    assert_eq!(s.frame().await.command, "RECEIPT");
    s.send("SUBSCRIBE\nid:1\ndestination:/queue/other\nreceipt:r2\n\n\0").await;
    assert_eq!(s.frame().await.command, "RECEIPT");

    // 20 s pass: the oldest message ages (the received ones stay in flight for 30 s, the
    // delayed one delayed for 60 s).
    env.advance(20).await;
    let r = raw(a, "GET", "/_quayside/metrics", &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let m = parse_metrics(&r.body);
    assert_eq!(sample(&m, "quayside_up", &[]), 1.0);
    assert_eq!(sample(&m, "quayside_ready", &[]), 1.0);
    let q = ["queue=\"metered\"", "region=\"us-east-1\"", "account=\"000000000000\""];
    assert_eq!(sample(&m, "quayside_sqs_messages_visible", &q), 1.0);
    assert_eq!(sample(&m, "quayside_sqs_messages_in_flight", &q), 1.0);
    assert_eq!(sample(&m, "quayside_sqs_messages_delayed", &q), 1.0);
    let age = sample(&m, "quayside_sqs_oldest_message_age_seconds", &q);
    assert!((20.0..25.0).contains(&age), "the oldest was sent 20 s ago: {age}");
    assert_eq!(sample(&m, "quayside_sqs_messages_sent_total", &q), 4.0);
    assert_eq!(sample(&m, "quayside_sqs_messages_received_total", &q), 2.0);
    assert_eq!(sample(&m, "quayside_sqs_messages_deleted_total", &q), 1.0);
    assert_eq!(sample(&m, "quayside_sqs_messages_sent_total", &["queue=\"big-orders\""]), 1.0, "SNS fan-out counts");

    assert_eq!(sample(&m, "quayside_sns_messages_published_total", &["topic=\"orders\""]), 2.0);
    let sub = format!("subscription=\"{matched}\"");
    assert_eq!(sample(&m, "quayside_sns_subscription_matches_total", &[&sub]), 1.0);
    assert_eq!(sample(&m, "quayside_sns_deliveries_total", &[&sub]), 1.0);
    assert_eq!(sample(&m, "quayside_sns_delivery_failures_total", &[&sub]), 0.0);
    let gone = format!("subscription=\"{missing}\"");
    assert_eq!(sample(&m, "quayside_sns_subscription_matches_total", &[&gone]), 2.0);
    assert_eq!(sample(&m, "quayside_sns_deliveries_total", &[&gone]), 0.0);
    assert_eq!(sample(&m, "quayside_sns_delivery_failures_total", &[&gone]), 2.0);

    let shard = ["stream=\"clicks\"", "shard=\"shardId-000000000000\""];
    assert_eq!(sample(&m, "quayside_kinesis_records_in_total", &shard), 3.0);
    assert_eq!(sample(&m, "quayside_kinesis_records_out_total", &shard), 3.0);
    assert_eq!(sample(&m, "quayside_kinesis_iterator_age_milliseconds", &shard), 0.0);

    assert_eq!(sample(&m, "quayside_mq_connections", &["broker=\"b\""]), 1.0);
    let jobs = ["broker=\"b\"", "kind=\"queue\"", "destination=\"jobs\""];
    assert_eq!(sample(&m, "quayside_mq_destination_messages", &jobs), 1.0);
    let other = ["broker=\"b\"", "kind=\"queue\"", "destination=\"other\""];
    assert_eq!(sample(&m, "quayside_mq_destination_consumers", &other), 1.0);
    drop(s);
    // The connection going is seen.
    let gone_soon = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let m = parse_metrics(&raw(a, "GET", "/_quayside/metrics", &[], b"").await.body);
            if sample(&m, "quayside_mq_connections", &["broker=\"b\""]) == 0.0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(gone_soon.is_ok(), "the closed connection is no longer counted");
}

/// A TLS connection to `addr` presenting `name`, trusting only `ca_pem`, offering `alpn`.
pub async fn tls_connect(
    addr: std::net::SocketAddr,
    name: &str,
    ca_pem: &str,
    alpn: &[&[u8]],
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let mut config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let server_name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
    connector.connect(server_name, tcp).await
}

/// A GET over HTTP/1.1 on a TLS stream; (status, body).
async fn https_get(
    mut s: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    host: &str,
    path: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// HTTPS on the main port beside HTTP, with a certificate from a local CA made in the data
/// directory at first start and kept across restarts: the AWS CLI (`AWS_CA_BUNDLE`) and the
/// JavaScript SDK over HTTP/2 (`NODE_EXTRA_CA_CERTS`, ALPN h2, SubscribeToShard included) call
/// it; a rustls client checks the names it covers (`localhost`, `127.0.0.1`,
/// `sqs.<region>.localhost`, the LocalStack names) and one it does not; the CA is served at
/// `/_quayside/tls/ca.pem`; plain HTTP keeps working on the same port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_on_the_main_port_with_a_local_ca() {
    let dir = temp_dir("tls");
    let env = start_with(durable(&dir)).await;
    let a = env.running.addr;
    let ca_path = env.running.tls_ca_path().expect("a CA file in the data directory").to_path_buf();
    assert_eq!(ca_path, dir.join("tls/ca.pem"));
    let ca = std::fs::read_to_string(&ca_path).unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("tls/ca-key.pem")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the CA's key is its owner's only");
    }
    // Plain HTTP still, on the same port; and the CA served.
    env.client.create_queue().queue_name("plain").send().await.unwrap();
    assert_eq!(raw(a, "GET", "/_quayside/tls/ca.pem", &[], b"").await.body, ca);

    // Names the certificate covers, and one it does not.
    for name in ["localhost", "127.0.0.1", "sqs.eu-west-1.localhost", "localhost.localstack.cloud", "sqs.localhost"] {
        let s = tls_connect(a, name, &ca, &[b"http/1.1"]).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let host = if name == "127.0.0.1" { a.to_string() } else { format!("{name}:{}", a.port()) };
        let (status, body) = https_get(s, &host, "/_quayside/health").await;
        assert_eq!(status, 200, "{name}: {body}");
    }
    assert!(tls_connect(a, "example.com", &ca, &[]).await.is_err(), "a name the certificate does not hold");

    // The AWS CLI, trusting the CA through AWS_CA_BUNDLE.
    let endpoint = format!("https://localhost:{}", a.port());
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/py/site");
    let cli = {
        let (endpoint, ca_path) = (endpoint.clone(), ca_path.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new("python3")
                .args(["-m", "awscli", "sqs", "create-queue", "--queue-name", "over-tls", "--endpoint-url", &endpoint])
                .env("PYTHONPATH", &site)
                .env("AWS_CA_BUNDLE", &ca_path)
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .env("AWS_DEFAULT_REGION", "us-east-1")
                .output()
                .expect("the AWS CLI runs")
        })
        .await
        .unwrap()
    };
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    assert!(String::from_utf8_lossy(&cli.stdout).contains("/over-tls"), "{}", String::from_utf8_lossy(&cli.stdout));
    env.client.get_queue_url().queue_name("over-tls").send().await.expect("the CLI made it over https");

    // The JavaScript SDK (HTTP/2 by ALPN), trusting the CA through NODE_EXTRA_CA_CERTS.
    let js = {
        let (endpoint, ca_path) = (endpoint.clone(), ca_path.clone());
        tokio::task::spawn_blocking(move || {
            let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/kinesis-js");
            std::process::Command::new("node")
                .arg(tools.join("run.js"))
                .arg(&endpoint)
                .arg("tls")
                .env("NODE_EXTRA_CA_CERTS", &ca_path)
                .output()
                .expect("node runs")
        })
        .await
        .unwrap()
    };
    assert!(js.status.success(), "{}", String::from_utf8_lossy(&js.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&js.stdout).unwrap();
    assert_eq!(seen["handler"], "NodeHttp2Handler");
    assert_eq!(seen["put"].as_array().unwrap().len(), 20);
    assert_eq!(seen["getRecords"].as_array().unwrap().len(), 20);
    assert_eq!(seen["subscribed"].as_array().unwrap().len(), 20, "SubscribeToShard's event stream over TLS");

    // A restart keeps the CA: a client that trusted it before connects after.
    env.running.shutdown().await;
    let env = start_with(durable(&dir)).await;
    assert_eq!(std::fs::read_to_string(&ca_path).unwrap(), ca, "the CA is kept");
    let s = tls_connect(env.running.addr, "localhost", &ca, &[]).await.expect("the kept CA signs the new certificate");
    let (status, _) = https_get(s, &format!("localhost:{}", env.running.addr.port()), "/_quayside/health").await;
    assert_eq!(status, 200);
}

/// `--tls-cert`/`--tls-key` replace the local CA's certificate (and there is no CA to serve);
/// `--tls false` serves plain HTTP only.
#[tokio::test]
async fn https_with_a_given_certificate_or_none() {
    let dir = temp_dir("tls-given");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), cert.key_pair.serialize_pem()).unwrap();
    let mut config = quayside::Config::for_tests();
    config.tls_cert = Some(dir.join("cert.pem"));
    config.tls_key = Some(dir.join("key.pem"));
    let env = start_with(config).await;
    let a = env.running.addr;
    let s = tls_connect(a, "localhost", &cert.cert.pem(), &[]).await.expect("the given certificate");
    assert_eq!(https_get(s, &format!("localhost:{}", a.port()), "/_quayside/health").await.0, 200);
    assert_eq!(raw(a, "GET", "/_quayside/tls/ca.pem", &[], b"").await.status, 404);
    assert!(env.running.tls_ca_pem().is_none());

    let mut config = quayside::Config::for_tests();
    config.tls = false;
    let env = start_with(config).await;
    assert!(tls_connect(env.running.addr, "localhost", &cert.cert.pem(), &[]).await.is_err(), "no TLS");
    env.client.list_queues().send().await.expect("plain HTTP");

    // A key file that is not there stops the start, naming it.
    let mut config = quayside::Config::for_tests();
    config.tls_cert = Some(dir.join("cert.pem"));
    config.tls_key = Some(dir.join("missing.pem"));
    let e = quayside::start(config).await.err().expect("refused");
    assert!(e.to_string().contains("missing.pem"), "{e}");
}

/// A server on `data` with `file` as its `--config` (in `mode`).
async fn with_config(data: &std::path::Path, file: &std::path::Path, mode: &str) -> Result<Env, quayside::StartError> {
    let mut config = durable(data);
    config.config_file = Some(file.to_path_buf());
    config.config_mode = mode.to_string();
    let running = quayside::start(config).await?;
    let client = client(&format!("http://{}", running.addr), "test");
    Ok(Env { running, client })
}

/// Config as code for SQS: a TOML file declares queues in any account and region, with
/// attributes, tags from the environment and a dead-letter queue declared after its source;
/// applying it again changes nothing; a changed value is updated, or reported and left in
/// `report` mode; the exported state, applied to an empty server, exports the same file; a
/// file with an error is refused with its line and nothing of it is applied.
#[tokio::test]
async fn a_config_file_declares_queues_and_its_export_round_trips() {
    let dir = temp_dir("config");
    let data = dir.join("data");
    let file = dir.join("quayside.toml");
    let text = r#"
[[queues]]
name = "orders"
attributes = { VisibilityTimeout = "45", RedrivePolicy = '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq","maxReceiveCount":"3"}' }
tags = { team = "${QUAYSIDE_TEST_SURELY_UNSET:-payments}" }

[[queues]]
name = "orders-dlq"
attributes = { MessageRetentionPeriod = "1209600" }

[[queues]]
name = "events.fifo"
account = "111122223333"
region = "eu-west-1"
attributes = { FifoQueue = "true", ContentBasedDeduplication = "true" }

[[topics]]
name = "order-events"
attributes = { DisplayName = "Orders" }
tags = { team = "payments" }
subscriptions = [
  { protocol = "sqs", endpoint = "orders", attributes = { RawMessageDelivery = "true", FilterPolicy = '{"kind":["order"]}' } },
]

[[streams]]
name = "clicks"
shards = 2
retention_hours = 48
tags = { team = "web" }
consumers = ["analytics"]

[[brokers]]
name = "legacy"
engine_version = "5.18"
users = [{ username = "app", password = "${QUAYSIDE_TEST_SURELY_UNSET:-app-password-123}", groups = ["ops"] }]
tags = { team = "ops" }
"#;
    std::fs::write(&file, text).unwrap();
    let env = with_config(&data, &file, "update").await.expect("the file applies");
    assert_eq!(
        env.running.declared().unwrap().made.len(),
        7,
        "3 queues, a topic, its subscription, a stream, a broker"
    );
    let mq = crate::mq_control::mq(&env.endpoint());
    let b = &mq.list_brokers().send().await.unwrap().broker_summaries()[0].clone();
    assert_eq!(b.broker_name.as_deref(), Some("legacy"));
    let user = mq.describe_user().broker_id(b.broker_id.clone().unwrap()).username("app").send().await.unwrap();
    assert_eq!(user.groups(), ["ops"]);
    let k = crate::kinesis_records::kinesis(&env.endpoint());
    let s = k.describe_stream_summary().stream_name("clicks").send().await.unwrap().stream_description_summary.unwrap();
    assert_eq!((s.open_shard_count, s.retention_period_hours, s.consumer_count), (2, 48, Some(1)));
    let c = &env.client;
    let url = c.get_queue_url().queue_name("orders").send().await.unwrap().queue_url.unwrap();
    assert_eq!(env.attribute(&url, "VisibilityTimeout").await.as_deref(), Some("45"));
    let redrive = env.attribute(&url, "RedrivePolicy").await.unwrap_or_default();
    assert!(redrive.contains("orders-dlq"), "{redrive}");
    let tags = c.list_queue_tags().queue_url(&url).send().await.unwrap().tags.unwrap();
    assert_eq!(tags["team"], "payments", "the default of an unset variable");
    let other = client_in(&env.endpoint(), "111122223333", "eu-west-1");
    other.get_queue_url().queue_name("events.fifo").send().await.expect("declared in its account and region");
    // The topic fans out into the declared queue through its filter, raw.
    let sns = crate::sns_topics::sns(&env.endpoint());
    let kind = |v: &str| {
        aws_sdk_sns::types::MessageAttributeValue::builder().data_type("String").string_value(v).build().unwrap()
    };
    let topic = "arn:aws:sns:us-east-1:000000000000:order-events";
    sns.publish().topic_arn(topic).message("skipped").message_attributes("kind", kind("refund")).send().await.unwrap();
    sns.publish().topic_arn(topic).message("declared").message_attributes("kind", kind("order")).send().await.unwrap();
    let got = c.receive_message().queue_url(&url).wait_time_seconds(5).send().await.unwrap();
    assert_eq!(got.messages()[0].body(), Some("declared"));
    let exported = raw(env.running.addr, "GET", "/_quayside/config", &[], b"").await.body;
    assert!(exported.contains("[[queues]]") && exported.contains("name = \"orders-dlq\""), "{exported}");
    assert!(exported.contains("[[topics]]") && exported.contains("RawMessageDelivery"), "{exported}");
    env.running.shutdown().await;

    // Again: nothing to do.
    let env = with_config(&data, &file, "update").await.unwrap();
    let o = env.running.declared().unwrap();
    assert!(o.made.is_empty() && o.updated.is_empty() && o.differences.is_empty(), "{o:?}");
    env.running.shutdown().await;

    // A changed value: updated; then in report mode, reported and left.
    let second_user = r#"groups = ["ops"] }, { username = "ops", password = "ops-password-123" }]"#;
    let changed = |vt: &str| {
        text.replace("\"45\"", vt).replace("shards = 2", "shards = 4").replace(r#"groups = ["ops"] }]"#, second_user)
    };
    std::fs::write(&file, changed("\"60\"")).unwrap();
    let env = with_config(&data, &file, "update").await.unwrap();
    assert_eq!(
        env.running.declared().unwrap().updated,
        [
            "queue orders (000000000000 us-east-1)",
            "stream clicks (000000000000 us-east-1)",
            "broker legacy (000000000000 us-east-1)"
        ]
    );
    let mq = crate::mq_control::mq(&env.endpoint());
    let id = mq.list_brokers().send().await.unwrap().broker_summaries()[0].broker_id.clone().unwrap();
    let ops = mq.describe_user().broker_id(&id).username("ops").send().await.unwrap();
    assert!(ops.pending.is_none(), "the new user applied by the reboot");
    let k = crate::kinesis_records::kinesis(&env.endpoint());
    let s = k.describe_stream_summary().stream_name("clicks").send().await.unwrap().stream_description_summary.unwrap();
    assert_eq!(s.open_shard_count, 4, "UpdateShardCount applied");
    env.running.shutdown().await;
    std::fs::write(&file, changed("\"90\"")).unwrap();
    let env = with_config(&data, &file, "report").await.unwrap();
    assert_eq!(
        env.running.declared().unwrap().differences,
        ["queue orders (000000000000 us-east-1): VisibilityTimeout is \"60\", the file says \"90\""]
    );
    let url = env.client.get_queue_url().queue_name("orders").send().await.unwrap().queue_url.unwrap();
    assert_eq!(env.attribute(&url, "VisibilityTimeout").await.as_deref(), Some("60"));
    let exported = raw(env.running.addr, "GET", "/_quayside/config", &[], b"").await.body;
    env.running.shutdown().await;

    // Round trip: the export, applied to an empty server, exports the same file. Passwords are
    // exported as variables to fill in (Quayside keeps only their hashes).
    assert!(exported.contains("password = \"${MQ_PASSWORD_LEGACY_APP}\""), "{exported}");
    let again = dir.join("exported.toml");
    let filled = exported
        .replace("${MQ_PASSWORD_LEGACY_APP}", "app-password-123")
        .replace("${MQ_PASSWORD_LEGACY_OPS}", "ops-password-123");
    std::fs::write(&again, filled).unwrap();
    let env = with_config(&dir.join("empty"), &again, "update").await.expect("an export applies");
    assert_eq!(raw(env.running.addr, "GET", "/_quayside/config", &[], b"").await.body, exported);
    env.running.shutdown().await;

    // Errors: the file, the line and the reason; nothing of the file applied.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[[queues]]\nname = \"first-is-fine\"\n\n[[queues]]\nname = \"too-slow\"\nattributes = { VisibilityTimeout = \"99999\" }\n",
    )
    .unwrap();
    let e = with_config(&data, &bad, "update").await.err().expect("refused").to_string();
    assert!(e.contains("bad.toml:4:") && e.contains("VisibilityTimeout"), "{e}");
    assert!(e.contains("nothing of the file was applied"), "{e}");
    std::fs::write(&bad, "[[queues]]\nname = \"x\"\n\n[[dynamodb_tables]]\nname = \"t\"\n").unwrap();
    let e = with_config(&data, &bad, "update").await.err().expect("refused").to_string();
    assert!(e.contains("bad.toml:4: unknown section `dynamodb_tables`"), "{e}");
    std::fs::write(&bad, "[[queues]]\nname = \"${QUAYSIDE_TEST_SURELY_UNSET}\"\n").unwrap();
    let e = with_config(&data, &bad, "update").await.err().expect("refused").to_string();
    assert!(e.contains("bad.toml:2: the environment variable QUAYSIDE_TEST_SURELY_UNSET is not set"), "{e}");
    let env = start_with(durable(&data)).await;
    assert!(env.client.get_queue_url().queue_name("first-is-fine").send().await.is_err(), "not half-applied");
}

/// The server that checks a config file first sends nothing out: an HTTP subscription
/// declared in the file gets one SubscriptionConfirmation, from the server that applies it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checking_a_config_file_sends_nothing_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let hook = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_addr = hook.local_addr().unwrap();
    let confirmations = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = confirmations.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = hook.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got).to_ascii_lowercase();
                    if text.contains("\r\n\r\n") && text.contains("subscriptionconfirmation") {
                        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
                        break;
                    }
                }
            });
        }
    });
    let dir = temp_dir("config-http");
    let file = dir.join("quayside.toml");
    std::fs::write(
        &file,
        format!("[[topics]]\nname = \"hooks\"\nsubscriptions = [{{ protocol = \"http\", endpoint = \"http://{hook_addr}/sns\" }}]\n"),
    )
    .unwrap();
    let env = with_config(&dir.join("data"), &file, "update").await.expect("applies");
    for _ in 0..100 {
        if confirmations.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(confirmations.load(std::sync::atomic::Ordering::SeqCst), 1, "one confirmation, from the real server");
    env.running.shutdown().await;
}

/// A connection that has sent nothing yet (its first byte would tell TLS from plain) does not
/// keep a stopped server, nor its data directory: the same directory starts again at once.
#[tokio::test]
async fn a_silent_connection_does_not_hold_a_stopped_server() {
    let dir = temp_dir("silent");
    let env = start_with(durable(&dir)).await;
    let silent = tokio::net::TcpStream::connect(env.running.addr).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    env.running.shutdown().await;
    let again = quayside::start(durable(&dir)).await;
    assert!(again.is_ok(), "the data directory was released: {:?}", again.err());
    drop(silent);
}
