//! Living with Quayside (issue 18): what a request for a service it does not emulate is told,
//! readiness for scripts and containers, metrics.

use crate::common::*;

/// An Authorization header signed (in form: signatures are not verified) for `service`.
fn signed_for(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261205/us-east-1/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000"
    )
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
    // The same target unsigned: named by its prefix.
    let r = raw(
        a,
        "POST",
        "/",
        &[("x-amz-target", "DynamoDB_20120810.ListTables"), ("content-type", "application/x-amz-json-1.0")],
        b"{}",
    )
    .await;
    assert_eq!((r.status, r.json()["__type"].as_str()), (501, Some("InternalFailure")), "{}", r.body);
    assert!(r.json()["message"].as_str().unwrap().contains("'DynamoDB_20120810'"), "{}", r.body);
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

/// Like [`signed_for`], in `region`.
fn signed_for_region(service: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261205/{region}/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000"
    )
}
