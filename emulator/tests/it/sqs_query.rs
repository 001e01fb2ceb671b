//! The query protocol as SDKs and tools send it, pinned with raw HTTP: every list form, empty
//! batches, presigned GETs, requests on a queue's URL, JSON answers for clients that ask, and
//! bodies kept byte for byte.

use crate::common::*;

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn lists_arrive_in_every_form() {
    let env = start().await;
    let addr = env.running.addr;
    let url = env.queue("forms").await;
    let q = enc(&url);
    for attr in ["AttributeName.1=VisibilityTimeout", "AttributeNames.member.1=VisibilityTimeout"] {
        let r = query(addr, "/", &format!("Action=GetQueueAttributes&QueueUrl={q}&{attr}")).await;
        assert!(
            r.body.contains("<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute>"),
            "{attr}: {}",
            r.body
        );
    }
    for entries in [
        "SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two",
        "Entries.member.1.Id=a&Entries.member.1.MessageBody=one&Entries.member.2.Id=b&Entries.member.2.MessageBody=two",
    ] {
        let r = query(addr, "/", &format!("Action=SendMessageBatch&QueueUrl={q}&{entries}")).await;
        assert_eq!(r.body.matches("<SendMessageBatchResultEntry>").count(), 2, "{}", r.body);
    }
    env.client
        .send_message()
        .queue_url(&url)
        .message_body("with attrs")
        .message_attributes(
            "k",
            aws_sdk_sqs::types::MessageAttributeValue::builder().data_type("String").string_value("v").build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    for names in [
        "MessageAttributeName.1=k&MessageSystemAttributeName.1=SentTimestamp",
        "MessageAttributeNames.member.1=k&MessageSystemAttributeNames.member.1=SentTimestamp",
        "MessageAttributeName.1=k&AttributeName.1=SentTimestamp",
    ] {
        let r = query(
            addr,
            "/",
            &format!("Action=ReceiveMessage&QueueUrl={q}&MaxNumberOfMessages=10&VisibilityTimeout=0&{names}"),
        )
        .await;
        assert!(r.body.contains("<MessageAttribute><Name>k</Name>"), "{names}: {}", r.body);
        assert!(r.body.contains("<Name>SentTimestamp</Name>"), "{names}: {}", r.body);
    }
    // A flattened map named on its shape: TagQueue's `Tag.N.Key` (AWS's own example), and the
    // member's name.
    for (n, tags) in [(1, "Tag.1.Key=team&Tag.1.Value=a"), (2, "Tags.1.Key=env&Tags.1.Value=b")] {
        let r = query(addr, "/", &format!("Action=TagQueue&QueueUrl={q}&{tags}")).await;
        assert_eq!(r.status, 200, "{tags}: {}", r.body);
        let r = query(addr, "/", &format!("Action=ListQueueTags&QueueUrl={q}")).await;
        assert_eq!(r.body.matches("<Tag>").count(), n, "{}", r.body);
    }
}

#[tokio::test]
async fn batches_without_entries_are_empty_batches() {
    let env = start().await;
    let q = enc(&env.queue("empty").await);
    for op in ["SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch"] {
        let r = query(env.running.addr, "/", &format!("Action={op}&QueueUrl={q}")).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("<Code>AWS.SimpleQueueService.EmptyBatchRequest</Code>"), "{op}: {}", r.body);
        let r = sqs_json(env.running.addr, op, &format!(r#"{{"QueueUrl":"{}"}}"#, env.queue("empty").await)).await;
        assert_eq!(r.header("x-amzn-query-error"), Some("AWS.SimpleQueueService.EmptyBatchRequest;Sender"), "{op}");
    }
}

#[tokio::test]
async fn presigned_gets_and_requests_on_a_queue_url() {
    let env = start().await;
    let addr = env.running.addr;
    let west = client_in(&env.endpoint(), "123456789012", "eu-west-1");
    let url = west.create_queue().queue_name("signed").send().await.unwrap().queue_url.unwrap();
    // Query-string authentication: the scope in X-Amz-Credential selects account and region.
    let presigned = "/?Action=ListQueues&Version=2012-11-05&X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=123456789012%2F20260101%2Feu-west-1%2Fsqs%2Faws4_request&X-Amz-Date=20260101T000000Z\
        &X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
    let r = raw(addr, "GET", presigned, &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(&format!("<QueueUrl>{url}</QueueUrl>")), "{}", r.body);
    // A GET on the queue's URL without an action: AWS's bare element, XML even when JSON is
    // asked for (recorded).
    let path = url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
    for accept in ["*/*", "application/json"] {
        let r = raw(addr, "GET", &path, &[("Accept", accept)], b"").await;
        assert_eq!((r.status, r.body.as_str()), (404, "<UnknownOperationException/>"));
    }
    // CreateQueue and ListQueues are not valid on a queue's URL; GetQueueUrl is, for any name.
    for action in ["ListQueues", "CreateQueue&QueueName=x"] {
        let r = query(addr, &path, &format!("Action={action}")).await;
        assert_eq!(r.status, 400);
        let name = action.split('&').next().unwrap();
        assert!(r.body.contains(&format!("<Message>The action {name} is not valid for this endpoint.</Message>")));
    }
    let auth =
        "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=0";
    let form = [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", auth)];
    let r = raw(addr, "POST", &path, &form, b"Action=GetQueueUrl&QueueName=signed").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(&format!("<QueueUrl>{url}</QueueUrl>")), "{}", r.body);
    // Queue actions are, without QueueUrl.
    let auth =
        "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=0";
    let r = raw(
        addr,
        "POST",
        &path,
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", auth)],
        b"Action=SendMessage&MessageBody=direct",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn query_answers_json_when_asked_and_keeps_bodies_exact() {
    let env = start().await;
    let addr = env.running.addr;
    let url = env.queue("exact").await;
    let body = "line1\r\nquote \" amp & lt < tab\t";
    let r = raw(
        addr,
        "POST",
        "/",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
        format!("Action=SendMessage&QueueUrl={}&MessageBody={}", enc(&url), enc(body)).as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    let result = &v["SendMessageResponse"]["SendMessageResult"];
    assert_eq!(result["MD5OfMessageBody"], md5_hex(body.as_bytes()));
    assert!(v["SendMessageResponse"]["ResponseMetadata"]["RequestId"].is_string());
    // XML keeps \r (as &#xD;), quotes and ampersands.
    let r = query(addr, "/", &format!("Action=ReceiveMessage&QueueUrl={}&VisibilityTimeout=0", enc(&url))).await;
    assert!(r.body.contains("<Body>line1&#xD;\nquote &quot; amp &amp; lt &lt; tab\t</Body>"), "{}", r.body);
    // And so does JSON, through the SDK.
    let got = env.receive_with_attributes(&url).await;
    assert_eq!(got[0].body.as_deref(), Some(body));
    // Errors come as JSON too.
    let r = raw(
        addr,
        "POST",
        "/",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
        b"Action=GetQueueUrl&QueueName=none",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["ErrorResponse"]["Error"]["Code"], "AWS.SimpleQueueService.NonExistentQueue");
}

#[tokio::test]
async fn json_errors_use_json_names_and_the_classic_code_in_the_header() {
    let env = start().await;
    let addr = env.running.addr;
    let r = sqs_json(addr, "CreateQueue", "{}").await;
    assert_eq!(r.json()["__type"], "com.amazonaws.sqs#MissingRequiredParameterException");
    assert_eq!(r.header("x-amzn-query-error"), Some("MissingParameter;Sender"));
    let url = env.queue("j").await;
    let r = sqs_json(addr, "ReceiveMessage", &format!(r#"{{"QueueUrl":"{url}","MaxNumberOfMessages":11}}"#)).await;
    assert_eq!(r.json()["__type"], "com.amazonaws.sqs#InvalidParameterValueException");
    assert_eq!(r.header("x-amzn-query-error"), Some("InvalidParameterValue;Sender"));
    let r = sqs_json(addr, "GetQueueUrl", r#"{"QueueName":"none"}"#).await;
    assert_eq!(r.json()["message"], "The specified queue does not exist.");
    let r = query(addr, "/", "Action=GetQueueUrl&QueueName=none").await;
    assert!(
        r.body.contains("<Message>The specified queue does not exist for this wsdl version.</Message>"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn the_developer_view_answers_localstacks_paths() {
    let env = start_virtual().await;
    let addr = env.running.addr;
    let c = &env.client;
    let url = env.queue("dev").await;
    c.send_message().queue_url(&url).message_body("visible").send().await.unwrap();
    c.send_message().queue_url(&url).message_body("delayed").delay_seconds(60).send().await.unwrap();
    c.send_message().queue_url(&url).message_body("inflight").send().await.unwrap();
    let got = c.receive_message().queue_url(&url).max_number_of_messages(1).send().await.unwrap().messages.unwrap();
    assert_eq!(got[0].body.as_deref(), Some("visible"));
    let by_path =
        raw(addr, "GET", "/_aws/sqs/messages/us-east-1/000000000000/dev", &[("Accept", "application/json")], b"").await;
    assert_eq!(by_path.status, 200, "{}", by_path.body);
    let msgs = by_path.json()["Messages"].as_array().cloned().unwrap();
    assert_eq!(msgs.len(), 3);
    for m in &msgs {
        assert!(m.get("ReceiptHandle").is_none(), "no live receipt handle: {m}");
        let state = (m["Attributes"]["IsVisible"].as_str(), m["Attributes"]["IsDelayed"].as_str());
        let want = match m["Body"].as_str().unwrap() {
            "visible" => (Some("false"), Some("false")), // received: in flight
            "delayed" => (Some("false"), Some("true")),
            _ => (Some("true"), Some("false")),
        };
        assert_eq!(state, want, "{m}");
    }
    // Each state alone: LocalStack's ShowDelayed and ShowInvisible, and Quayside's ShowVisible.
    for (filter, want) in [
        ("ShowDelayed=false&ShowInvisible=false", "inflight"),
        ("ShowVisible=false&ShowDelayed=false", "visible"),
        ("ShowVisible=false&ShowInvisible=false", "delayed"),
    ] {
        let path = format!("/_aws/sqs/messages/us-east-1/000000000000/dev?{filter}");
        let r = raw(addr, "GET", &path, &[("Accept", "application/json")], b"").await.json();
        let bodies: Vec<&str> = r["Messages"].as_array().unwrap().iter().map(|m| m["Body"].as_str().unwrap()).collect();
        assert_eq!(bodies, [want], "{filter}");
    }
    // The query form answers the same messages, in XML.
    let by_query = raw(addr, "GET", &format!("/_aws/sqs/messages?QueueUrl={}", enc(&url)), &[], b"").await;
    assert_eq!(by_query.body.matches("<Message>").count(), 3, "{}", by_query.body);
    // Nothing changed: the visible one is still there for a consumer.
    assert_eq!(
        c.receive_message().queue_url(&url).send().await.unwrap().messages.unwrap()[0].body.as_deref(),
        Some("inflight")
    );
}

fn md5_hex(b: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}
