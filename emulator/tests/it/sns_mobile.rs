//! SNS mobile push and SMS with the official `aws-sdk-sns`: platform applications and
//! endpoints (credentials, idempotency, pagination, cascade), publishing to endpoints and to
//! application subscriptions (what is recorded, what disabled endpoints get), SMS preferences,
//! opt-outs, the SMS sandbox with its one-time password, and all of it across a restart.

use crate::common::*;
use crate::sns_topics::{sns, sns_code};

const PHONE: &str = "+15555550100";

async fn gcm_app(c: &aws_sdk_sns::Client, name: &str) -> String {
    c.create_platform_application()
        .name(name)
        .platform("GCM")
        .attributes("PlatformCredential", "api-key")
        .send()
        .await
        .unwrap()
        .platform_application_arn
        .unwrap()
}

async fn endpoint(c: &aws_sdk_sns::Client, app: &str, token: &str) -> String {
    c.create_platform_endpoint().platform_application_arn(app).token(token).send().await.unwrap().endpoint_arn.unwrap()
}

#[tokio::test]
async fn platform_applications_and_endpoints_answer_as_aws_does() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let app = c
        .create_platform_application()
        .name("ios.app")
        .platform("APNS")
        .attributes("PlatformCredential", "private-key")
        .attributes("PlatformPrincipal", "certificate")
        .attributes("SuccessFeedbackSampleRate", "50")
        .send()
        .await
        .unwrap()
        .platform_application_arn
        .unwrap();
    assert_eq!(app, "arn:aws:sns:us-east-1:000000000000:app/APNS/ios.app");
    // The credentials are kept, never shown.
    let attrs = c.get_platform_application_attributes().platform_application_arn(&app).send().await.unwrap();
    let attrs = attrs.attributes.unwrap();
    assert_eq!(attrs.get("Enabled").map(String::as_str), Some("true"));
    assert_eq!(attrs.get("SuccessFeedbackSampleRate").map(String::as_str), Some("50"));
    assert!(!attrs.contains_key("PlatformCredential") && !attrs.contains_key("PlatformPrincipal"), "{attrs:?}");
    c.set_platform_application_attributes()
        .platform_application_arn(&app)
        .attributes("EventEndpointCreated", "arn:aws:sns:us-east-1:000000000000:events")
        .send()
        .await
        .unwrap();
    let listed = c.list_platform_applications().send().await.unwrap().platform_applications.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].attributes.as_ref().unwrap().get("EventEndpointCreated").map(String::as_str),
        Some("arn:aws:sns:us-east-1:000000000000:events")
    );

    // Bad applications, in AWS's words.
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        ("bad name", "GCM", vec![("PlatformCredential", "k")], "Invalid parameter: bad name Reason: must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'"),
        ("app", "FCM", vec![("PlatformCredential", "k")], "Invalid parameter: Platform Reason: FCM is not supported"),
        ("app", "APNS", vec![("PlatformCredential", "k")], "Invalid parameter: Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal"),
        ("app", "GCM", vec![("PlatformPrincipal", "p")], "Invalid parameter: Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential"),
        ("app", "GCM", vec![("Enabled", "true")], "Invalid parameter: Attributes Reason: PlatformCredential attribute required"),
        ("app", "GCM", vec![("PlatformCredential", "k"), ("Colour", "blue")], "Invalid parameter: Attributes Reason: Invalid attribute name: Colour"),
    ];
    for (name, platform, attrs, message) in cases {
        let mut req = c.create_platform_application().name(name).platform(platform);
        for (k, v) in attrs {
            req = req.attributes(k, v);
        }
        let e = req.send().await.unwrap_err();
        assert_eq!(sns_code(e.as_service_error().unwrap()), ("InvalidParameter".into(), message.into()), "{name}");
    }

    // Endpoints: idempotent for the same token and attributes, refused for other attributes.
    let gcm = gcm_app(&c, "android").await;
    let first = c
        .create_platform_endpoint()
        .platform_application_arn(&gcm)
        .token("device-1")
        .custom_user_data("user 1")
        .send()
        .await
        .unwrap()
        .endpoint_arn
        .unwrap();
    assert!(first.starts_with("arn:aws:sns:us-east-1:000000000000:endpoint/GCM/android/"), "{first}");
    let again = c
        .create_platform_endpoint()
        .platform_application_arn(&gcm)
        .token("device-1")
        .custom_user_data("user 1")
        .attributes("Enabled", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(again.endpoint_arn.as_deref(), Some(first.as_str()));
    let e = c.create_platform_endpoint().platform_application_arn(&gcm).token("device-1").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        (
            "InvalidParameter".into(),
            format!("Invalid parameter: Token Reason: Endpoint {first} already exists with the same Token, but different attributes.")
        )
    );
    let e =
        c.create_platform_endpoint().platform_application_arn(format!("{gcm}2")).token("t").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        ("NotFound".into(), "PlatformApplication does not exist".into())
    );
    let e = c
        .create_platform_endpoint()
        .platform_application_arn(&gcm)
        .token("t")
        .attributes("CustomUserData", "x".repeat(2049))
        .send()
        .await
        .unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()).1, "Invalid parameter: Attributes Reason: Invalid value for attribute: CustomUserData: must be at most 2048 bytes long in UTF-8 encoding");

    let attrs = c.get_endpoint_attributes().endpoint_arn(&first).send().await.unwrap().attributes.unwrap();
    assert_eq!(
        (attrs["Token"].as_str(), attrs["Enabled"].as_str(), attrs["CustomUserData"].as_str()),
        ("device-1", "true", "user 1")
    );
    c.set_endpoint_attributes().endpoint_arn(&first).attributes("Token", "device-1b").send().await.unwrap();
    let attrs = c.get_endpoint_attributes().endpoint_arn(&first).send().await.unwrap().attributes.unwrap();
    assert_eq!(attrs["Token"], "device-1b");
    let e = c.set_endpoint_attributes().endpoint_arn(&first).attributes("Enabled", "yes").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()).1,
        "Invalid parameter: Attributes Reason: Invalid value for attribute: Enabled"
    );
    let e = c.get_endpoint_attributes().endpoint_arn("nope").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        (
            "InvalidParameter".into(),
            "Invalid parameter: EndpointArn Reason: An ARN must have at least 6 elements, not 1".into()
        )
    );

    // 100 endpoints a page.
    for i in 0..101 {
        endpoint(&c, &gcm, &format!("bulk-{i:03}")).await;
    }
    let page = c.list_endpoints_by_platform_application().platform_application_arn(&gcm).send().await.unwrap();
    assert_eq!(page.endpoints().len(), 100);
    let token = page.next_token.clone().expect("a second page");
    let rest = c
        .list_endpoints_by_platform_application()
        .platform_application_arn(&gcm)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.endpoints().len(), 2);
    assert!(rest.next_token.is_none());

    // DeleteEndpoint is idempotent; deleting the application takes its endpoints.
    let bulk = page.endpoints()[0].endpoint_arn.clone().unwrap();
    c.delete_endpoint().endpoint_arn(&bulk).send().await.unwrap();
    c.delete_endpoint().endpoint_arn(&bulk).send().await.unwrap();
    c.delete_platform_application().platform_application_arn(&gcm).send().await.unwrap();
    c.delete_platform_application().platform_application_arn(&gcm).send().await.unwrap();
    let e = c.get_endpoint_attributes().endpoint_arn(&first).send().await.unwrap_err();
    let e = e.as_service_error().unwrap();
    assert!(e.is_not_found_exception());
    assert_eq!(sns_code(e), ("NotFound".into(), "Endpoint does not exist".into()));
    let e = c.list_endpoints_by_platform_application().platform_application_arn(&gcm).send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        ("NotFound".into(), "PlatformApplication does not exist".into())
    );
}

#[tokio::test]
async fn pushes_to_endpoints_are_recorded_and_disabled_ones_refused_or_skipped() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let addr = env.running.addr;
    let app = gcm_app(&c, "shop").await;
    let phone = endpoint(&c, &app, "phone").await;
    let tablet = endpoint(&c, &app, "tablet").await;

    // Straight to an endpoint: the platform's own entry of a JSON message.
    let body = serde_json::json!({"default": "plain", "GCM": "{\"notification\":{\"title\":\"hi\"}}"}).to_string();
    let id = c.publish().target_arn(&phone).message(&body).message_structure("json").send().await.unwrap();
    let id = id.message_id.unwrap();
    let r =
        raw(addr, "GET", &format!("/_aws/sns/platform-endpoint-messages?endpointArn={phone}"), &[], b"").await.json();
    let sent = &r["platform_endpoint_messages"][&phone];
    assert_eq!(sent.as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(sent[0]["MessageId"], id.as_str());
    assert_eq!(sent[0]["Message"], "{\"notification\":{\"title\":\"hi\"}}");
    assert_eq!(sent[0]["TargetArn"], phone.as_str());

    // Through a topic: every enabled endpoint subscribed; a disabled one gets nothing.
    let topic = c.create_topic().name("offers").send().await.unwrap().topic_arn.unwrap();
    for e in [&phone, &tablet] {
        let sub = c.subscribe().topic_arn(&topic).protocol("application").endpoint(e).send().await.unwrap();
        assert!(sub.subscription_arn.unwrap().starts_with(&topic));
    }
    c.set_endpoint_attributes().endpoint_arn(&tablet).attributes("Enabled", "false").send().await.unwrap();
    c.publish().topic_arn(&topic).message("sale").send().await.unwrap();
    let r = raw(addr, "GET", "/_aws/sns/platform-endpoint-messages", &[], b"").await.json();
    let by_endpoint = r["platform_endpoint_messages"].as_object().unwrap();
    assert_eq!(by_endpoint[&phone].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(by_endpoint[&phone][1]["Message"], "sale");
    assert_eq!(by_endpoint[&phone][1]["TopicArn"], topic.as_str());
    assert!(!by_endpoint.contains_key(&tablet), "{r}");

    // Straight to a disabled endpoint, or through a disabled application: refused.
    let e = c.publish().target_arn(&tablet).message("x").send().await.unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()), ("EndpointDisabled".into(), "Endpoint is disabled".into()));
    c.set_platform_application_attributes()
        .platform_application_arn(&app)
        .attributes("Enabled", "false")
        .send()
        .await
        .unwrap();
    let e = c.publish().target_arn(&phone).message("x").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        ("PlatformApplicationDisabled".into(), "Platform application is disabled".into())
    );
    let e = c.publish().target_arn(format!("{phone}0")).message("x").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        (
            "InvalidParameter".into(),
            "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified".into()
        )
    );
    let e =
        c.subscribe().topic_arn(&topic).protocol("application").endpoint(format!("{phone}0")).send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()).1,
        format!("Invalid parameter: Endpoint Reason: Endpoint does not exist for endpoint arn{phone}0")
    );

    // DELETE clears one endpoint's messages.
    let r = raw(addr, "DELETE", &format!("/_aws/sns/platform-endpoint-messages?endpointArn={phone}"), &[], b"").await;
    assert_eq!(r.status, 204);
    let r = raw(addr, "GET", "/_aws/sns/platform-endpoint-messages", &[], b"").await.json();
    assert_eq!(r["platform_endpoint_messages"], serde_json::json!({}));
}

#[tokio::test]
async fn sms_preferences_opt_outs_and_the_sandbox() {
    let env = start().await;
    let c = sns(&env.endpoint());
    let addr = env.running.addr;

    // Preferences: set, read back (the spend limit's default too), filtered, checked.
    c.set_sms_attributes()
        .attributes("DefaultSMSType", "Transactional")
        .attributes("DefaultSenderID", "Quay1")
        .send()
        .await
        .unwrap();
    let all = c.get_sms_attributes().send().await.unwrap().attributes.unwrap();
    assert_eq!(all.get("DefaultSMSType").map(String::as_str), Some("Transactional"));
    assert_eq!(all.get("MonthlySpendLimit").map(String::as_str), Some("1"));
    let some = c.get_sms_attributes().attributes("DefaultSenderID").send().await.unwrap().attributes.unwrap();
    assert_eq!(some.len(), 1);
    for (k, v, message) in [
        // AWS's texts carry no "Invalid parameter: " here (recorded).
        ("test", "x", "test is not a valid attribute"),
        ("DefaultSendID", "aaaaaaaaaaaa", "DefaultSendID is not a valid attribute"),
        ("DefaultSMSType", "Loud", "DefaultSMSType is invalid"),
        ("DefaultSenderID", "123", "DefaultSenderID is invalid"),
    ] {
        let e = c.set_sms_attributes().attributes(k, v).send().await.unwrap_err();
        assert_eq!(sns_code(e.as_service_error().unwrap()), ("InvalidParameter".into(), message.into()));
    }

    // Opt-outs: a recipient replies STOP (the developer endpoint); nothing more is sent to it.
    let topic = c.create_topic().name("alerts").send().await.unwrap().topic_arn.unwrap();
    c.subscribe().topic_arn(&topic).protocol("sms").endpoint(PHONE).send().await.unwrap();
    assert!(!c.check_if_phone_number_is_opted_out().phone_number(PHONE).send().await.unwrap().is_opted_out);
    let r =
        raw(addr, "POST", "/_aws/sns/phone-opt-outs", &[], format!("{{\"phoneNumber\":\"{PHONE}\"}}").as_bytes()).await;
    assert_eq!(r.status, 200);
    assert!(c.check_if_phone_number_is_opted_out().phone_number(PHONE).send().await.unwrap().is_opted_out);
    assert_eq!(c.list_phone_numbers_opted_out().send().await.unwrap().phone_numbers(), [PHONE]);
    c.publish().topic_arn(&topic).message("while out").send().await.unwrap();
    c.publish().phone_number(PHONE).message("direct while out").send().await.unwrap();
    let r = raw(addr, "GET", "/_aws/sns/sms-messages", &[], b"").await.json();
    assert_eq!(r["sms_messages"], serde_json::json!({}), "{r}");
    c.opt_in_phone_number().phone_number(PHONE).send().await.unwrap();
    assert!(c.list_phone_numbers_opted_out().send().await.unwrap().phone_numbers().is_empty());
    c.publish().topic_arn(&topic).message("back in").send().await.unwrap();
    let r = raw(addr, "GET", "/_aws/sns/sms-messages", &[], b"").await.json();
    assert_eq!(r["sms_messages"][PHONE][0]["Message"], "back in", "{r}");
    let e = c.check_if_phone_number_is_opted_out().phone_number("5550100").send().await.unwrap_err();
    assert_eq!(
        sns_code(e.as_service_error().unwrap()),
        ("InvalidParameter".into(), "Invalid parameter: PhoneNumber Reason: input incorrectly formatted".into())
    );

    // The sandbox: the account is out of it; numbers are added, verified with the password
    // SNS sent them, listed and deleted.
    assert!(!c.get_sms_sandbox_account_status().send().await.unwrap().is_in_sandbox);
    let number = "+15555550111";
    c.create_sms_sandbox_phone_number().phone_number(number).send().await.unwrap();
    let listed = c.list_sms_sandbox_phone_numbers().send().await.unwrap();
    assert_eq!(listed.phone_numbers()[0].status().map(|s| s.as_str()), Some("Pending"));
    let r = raw(addr, "GET", "/_aws/sns/sms-messages?phoneNumber=%2B15555550111", &[], b"").await.json();
    let text = r["sms_messages"][number][0]["Message"].as_str().unwrap().to_string();
    let otp = text.rsplit(' ').next().unwrap().to_string();
    assert_eq!(otp.len(), 6, "{text}");
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let e = c.verify_sms_sandbox_phone_number().phone_number(number).one_time_password(wrong).send().await.unwrap_err();
    assert!(e.as_service_error().unwrap().is_verification_exception(), "{e:?}");
    c.verify_sms_sandbox_phone_number().phone_number(number).one_time_password(&otp).send().await.unwrap();
    let listed = c.list_sms_sandbox_phone_numbers().send().await.unwrap();
    assert_eq!(listed.phone_numbers()[0].status().map(|s| s.as_str()), Some("Verified"));
    c.delete_sms_sandbox_phone_number().phone_number(number).send().await.unwrap();
    let e = c.delete_sms_sandbox_phone_number().phone_number(number).send().await.unwrap_err();
    assert!(e.as_service_error().unwrap().is_resource_not_found_exception());
    let e = c.create_sms_sandbox_phone_number().phone_number("555-0100").send().await.unwrap_err();
    assert_eq!(sns_code(e.as_service_error().unwrap()).0, "ValidationError");
    let r = raw(addr, "POST", "/_aws/sns/phone-opt-outs", &[], b"{\"phoneNumber\":\"+15555550112\"}").await;
    assert_eq!(r.status, 200);
    let e = c.create_sms_sandbox_phone_number().phone_number("+15555550112").send().await.unwrap_err();
    assert!(e.as_service_error().unwrap().is_opted_out_exception());

    // No origination numbers in an emulated account; MaxResults is checked.
    assert!(c.list_origination_numbers().send().await.unwrap().phone_numbers().is_empty());
    let r = query(addr, "/", "Action=ListOriginationNumbers&MaxResults=31").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<Code>ValidationError</Code>"), "{}", r.body);
}

#[tokio::test]
async fn mobile_and_sms_state_survive_a_restart() {
    let dir = temp_dir("sns-mobile");
    let config = durable(&dir);
    let first = quayside::start(config.clone()).await.unwrap();
    let c = sns(&format!("http://{}", first.addr));
    let app = gcm_app(&c, "kept").await;
    let ep = endpoint(&c, &app, "kept-token").await;
    c.set_sms_attributes().attributes("DefaultSMSType", "Promotional").send().await.unwrap();
    let r =
        raw(first.addr, "POST", "/_aws/sns/phone-opt-outs", &[], format!("{{\"phoneNumber\":\"{PHONE}\"}}").as_bytes())
            .await;
    assert_eq!(r.status, 200);
    c.create_sms_sandbox_phone_number().phone_number("+15555550113").send().await.unwrap();
    first.shutdown().await;

    let second = quayside::start(config).await.unwrap();
    let c = sns(&format!("http://{}", second.addr));
    let endpoints = c.list_endpoints_by_platform_application().platform_application_arn(&app).send().await.unwrap();
    assert_eq!(endpoints.endpoints()[0].endpoint_arn.as_deref(), Some(ep.as_str()));
    assert_eq!(endpoints.endpoints()[0].attributes.as_ref().unwrap()["Token"], "kept-token");
    let attrs = c.get_sms_attributes().send().await.unwrap().attributes.unwrap();
    assert_eq!(attrs.get("DefaultSMSType").map(String::as_str), Some("Promotional"));
    assert_eq!(c.list_phone_numbers_opted_out().send().await.unwrap().phone_numbers(), [PHONE]);
    let listed = c.list_sms_sandbox_phone_numbers().send().await.unwrap();
    assert_eq!(listed.phone_numbers()[0].phone_number(), Some("+15555550113"));
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
