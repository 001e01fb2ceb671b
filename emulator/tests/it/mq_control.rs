//! The Amazon MQ control plane with the official `aws-sdk-mq` (REST-JSON), and raw HTTP where
//! the wire must be pinned: brokers through their states, users and their pending changes,
//! configurations and revisions, tags, the catalog, errors in AWS's shape, and a restart.

use crate::common::*;
use aws_sdk_mq::error::ProvideErrorMetadata;
use aws_sdk_mq::types::{BrokerState, ChangeType, ConfigurationId, DeploymentMode, EngineType, User, WeeklyStartTime};
use aws_sdk_mq::Client as Mq;
use base64::Engine;

pub fn mq(endpoint: &str) -> Mq {
    let http = aws_smithy_http_client::Builder::new().build_http();
    let conf = aws_sdk_mq::Config::builder()
        .behavior_version(aws_sdk_mq::config::BehaviorVersion::latest())
        .region(aws_sdk_mq::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_mq::config::Credentials::new("test", "secret", None, None, "test"))
        .endpoint_url(endpoint)
        .http_client(http)
        .build();
    Mq::from_conf(conf)
}

pub fn user(name: &str) -> User {
    User::builder().username(name).password("correct-horse-battery").build()
}

/// CreateBroker for an ActiveMQ broker with only the required members (users to add).
pub fn activemq(c: &Mq, name: &str) -> aws_sdk_mq::operation::create_broker::builders::CreateBrokerFluentBuilder {
    c.create_broker()
        .broker_name(name)
        .engine_type(EngineType::Activemq)
        .host_instance_type("mq.t3.micro")
        .deployment_mode(DeploymentMode::SingleInstance)
        .publicly_accessible(false)
}

/// An ActiveMQ broker as Terraform's `aws_mq_broker` makes one.
pub async fn broker(c: &Mq, name: &str) -> String {
    c.create_broker()
        .broker_name(name)
        .engine_type(EngineType::from("ActiveMQ"))
        .engine_version("5.18")
        .host_instance_type("mq.t3.micro")
        .deployment_mode(DeploymentMode::SingleInstance)
        .publicly_accessible(false)
        .auto_minor_version_upgrade(true)
        .users(user("admin"))
        .tags("team", "orders")
        .send()
        .await
        .unwrap()
        .broker_id
        .unwrap()
}

/// Create, describe (what was set comes back, in AWS's shapes), list, pending changes applied
/// by a reboot, delete.
#[tokio::test]
async fn a_broker_reads_back_as_created_and_changes_wait_for_a_reboot() {
    let env = start().await;
    let c = mq(&env.endpoint());
    let id = broker(&c, "orders").await;
    assert!(id.starts_with("b-") && id.len() == 38, "{id}");

    let d = c.describe_broker().broker_id(&id).send().await.unwrap();
    assert_eq!(d.broker_state, Some(BrokerState::Running));
    assert_eq!(d.broker_arn.as_deref(), Some(format!("arn:aws:mq:us-east-1:000000000000:broker:orders:{id}").as_str()));
    // Answers write the engine as AWS does; requests take it in any case.
    assert_eq!(d.engine_type.as_ref().map(|e| e.as_str()), Some("ActiveMQ"));
    assert_eq!(d.engine_version.as_deref(), Some("5.18"));
    assert_eq!(d.host_instance_type.as_deref(), Some("mq.t3.micro"));
    assert_eq!(d.deployment_mode, Some(DeploymentMode::SingleInstance));
    assert_eq!((d.publicly_accessible, d.auto_minor_version_upgrade), (Some(false), Some(true)));
    assert_eq!(d.users().iter().map(|u| u.username.as_deref().unwrap_or_default()).collect::<Vec<_>>(), ["admin"]);
    assert_eq!(d.tags.as_ref().unwrap()["team"], "orders");
    assert!(d.created.is_some());
    let mw = d.maintenance_window_start_time.unwrap();
    assert_eq!(
        (mw.day_of_week.as_ref().map(|d| d.as_str()), mw.time_of_day.as_deref()),
        (Some("SUNDAY"), Some("00:00"))
    );
    assert_eq!(d.encryption_options.unwrap().use_aws_owned_key, Some(true));
    let logs = d.logs.unwrap();
    assert_eq!((logs.general, logs.audit), (Some(false), Some(false)));
    // A default configuration was made for it, and is current once it runs.
    let current = d.configurations.unwrap().current.unwrap();
    assert_eq!(current.revision, Some(1));
    let config = c.describe_configuration().configuration_id(current.id.as_ref().unwrap()).send().await.unwrap();
    assert_eq!(config.name.as_deref(), Some("orders"));
    assert_eq!(config.latest_revision.unwrap().revision, Some(1));

    let list = c.list_brokers().send().await.unwrap();
    let summary = &list.broker_summaries()[0];
    assert_eq!((summary.broker_id.as_deref(), summary.broker_name.as_deref()), (Some(id.as_str()), Some("orders")));
    assert_eq!(summary.engine_type.as_ref().map(|e| e.as_str()), Some("ActiveMQ"));

    // Users wait for a reboot.
    c.create_user().broker_id(&id).username("app").password("another-long-secret").groups("g1").send().await.unwrap();
    let u = c.describe_user().broker_id(&id).username("app").send().await.unwrap();
    assert_eq!(u.pending.as_ref().map(|p| p.pending_change.clone()), Some(Some(ChangeType::Create)));
    assert_eq!(u.groups(), ["g1"]);
    c.delete_user().broker_id(&id).username("admin").send().await.unwrap();
    c.update_broker().broker_id(&id).engine_version("5.19").host_instance_type("mq.m5.large").send().await.unwrap();
    let d = c.describe_broker().broker_id(&id).send().await.unwrap();
    assert_eq!(d.pending_engine_version.as_deref(), Some("5.19"));
    assert_eq!(d.pending_host_instance_type.as_deref(), Some("mq.m5.large"));
    assert_eq!(d.engine_version.as_deref(), Some("5.18"));
    let pending: Vec<_> =
        d.users().iter().map(|u| (u.username.as_deref().unwrap_or_default(), u.pending_change.clone())).collect();
    assert_eq!(pending, [("admin", Some(ChangeType::Delete)), ("app", Some(ChangeType::Create))]);

    c.reboot_broker().broker_id(&id).send().await.unwrap();
    let d = c.describe_broker().broker_id(&id).send().await.unwrap();
    assert_eq!((d.engine_version.as_deref(), d.pending_engine_version.as_deref()), (Some("5.19"), None));
    assert_eq!(d.host_instance_type.as_deref(), Some("mq.m5.large"));
    let users: Vec<_> =
        d.users().iter().map(|u| (u.username.as_deref().unwrap_or_default(), u.pending_change.clone())).collect();
    assert_eq!(users, [("app", None)]);
    let listed = c.list_users().broker_id(&id).send().await.unwrap();
    assert_eq!(listed.users().len(), 1);

    c.delete_broker().broker_id(&id).send().await.unwrap();
    let e = c.describe_broker().broker_id(&id).send().await.unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));
    assert_eq!(
        e.message(),
        Some(format!("Can't find requested broker [{id}]. Make sure your broker exists.").as_str())
    );
    // The configuration stays, as in AWS.
    assert_eq!(c.list_configurations().send().await.unwrap().configurations().len(), 1);
}

/// Configurations: revisions with their XML, a broker moved to another one through a reboot,
/// and a configuration in use cannot be deleted.
#[tokio::test]
async fn configurations_keep_revisions_and_brokers_take_them_at_reboot() {
    let env = start().await;
    let c = mq(&env.endpoint());
    let made = c
        .create_configuration()
        .name("tuned")
        .engine_type(EngineType::Activemq)
        .engine_version("5.18")
        .send()
        .await
        .unwrap();
    let cid = made.id.unwrap();
    assert!(cid.starts_with("c-"));
    let xml = "<broker xmlns=\"http://activemq.apache.org/schema/core\" schedulePeriodForDestinationPurge=\"10000\"/>";
    let data = base64::engine::general_purpose::STANDARD.encode(xml);
    let updated =
        c.update_configuration().configuration_id(&cid).data(&data).description("purge").send().await.unwrap();
    assert_eq!(updated.latest_revision.unwrap().revision, Some(2));
    let r2 =
        c.describe_configuration_revision().configuration_id(&cid).configuration_revision("2").send().await.unwrap();
    assert_eq!((r2.data.as_deref(), r2.description.as_deref()), (Some(data.as_str()), Some("purge")));
    let r1 =
        c.describe_configuration_revision().configuration_id(&cid).configuration_revision("1").send().await.unwrap();
    let default = base64::engine::general_purpose::STANDARD.decode(r1.data.unwrap()).unwrap();
    assert!(String::from_utf8(default).unwrap().contains("<broker"));
    let revs = c.list_configuration_revisions().configuration_id(&cid).max_results(1).send().await.unwrap();
    assert_eq!(revs.revisions().len(), 1);
    let rest = c
        .list_configuration_revisions()
        .configuration_id(&cid)
        .next_token(revs.next_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.revisions()[0].revision, Some(2));
    assert!(rest.next_token.is_none());

    let bad = c.update_configuration().configuration_id(&cid).data("not base64!").send().await.unwrap_err();
    assert_eq!(bad.code(), Some("BadRequestException"));

    let id = broker(&c, "b1").await;
    let conf = ConfigurationId::builder().id(&cid).revision(2).build();
    c.update_broker().broker_id(&id).configuration(conf).send().await.unwrap();
    let d = c.describe_broker().broker_id(&id).send().await.unwrap();
    assert_eq!(d.configurations.as_ref().unwrap().pending.as_ref().and_then(|p| p.id.as_deref()), Some(cid.as_str()));
    c.reboot_broker().broker_id(&id).send().await.unwrap();
    let configs = c.describe_broker().broker_id(&id).send().await.unwrap().configurations.unwrap();
    assert_eq!(configs.current.as_ref().and_then(|p| p.id.as_deref()), Some(cid.as_str()));
    assert_eq!(configs.history().len(), 1);
    assert!(configs.pending.is_none());
    let in_use = c.delete_configuration().configuration_id(&cid).send().await.unwrap_err();
    assert_eq!(in_use.code(), Some("ConflictException"));
    c.delete_broker().broker_id(&id).send().await.unwrap();
    let deleted = c.delete_configuration().configuration_id(&cid).send().await.unwrap();
    assert_eq!(deleted.configuration_id.as_deref(), Some(cid.as_str()));
}

/// Tags on brokers and configurations: 204 answers, merge, removal, unknown resources.
#[tokio::test]
async fn tags_on_brokers_and_configurations() {
    let env = start().await;
    let c = mq(&env.endpoint());
    let id = broker(&c, "tagged").await;
    let arn = c.describe_broker().broker_id(&id).send().await.unwrap().broker_arn.unwrap();
    c.create_tags().resource_arn(&arn).tags("a", "1").tags("team", "billing").send().await.unwrap();
    c.delete_tags().resource_arn(&arn).tag_keys("a").send().await.unwrap();
    let tags = c.list_tags().resource_arn(&arn).send().await.unwrap().tags.unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags["team"], "billing");
    let missing = c.list_tags().resource_arn(format!("{arn}x")).send().await.unwrap_err();
    assert_eq!(missing.code(), Some("NotFoundException"));

    // The wire: 204 without a body, the ARN as a path label.
    let path = format!("/v1/tags/{}?tagKeys=team", arn.replace(':', "%3A"));
    let r = raw(env.running.addr, "DELETE", &path, &[], b"").await;
    assert_eq!((r.status, r.body.as_str()), (204, ""));
}

/// Errors in Amazon MQ's shape: status, `x-amzn-errortype`, `errorAttribute` and message.
#[tokio::test]
async fn bad_requests_name_the_member() {
    let env = start().await;
    let addr = env.running.addr;
    let c = mq(&env.endpoint());
    let post = |body: &'static str| async move {
        raw(addr, "POST", "/v1/brokers", &[("Content-Type", "application/json")], body.as_bytes()).await
    };
    // A required member missing (the model's check).
    let r = post(r#"{"engineType": "ACTIVEMQ", "hostInstanceType": "mq.t3.micro", "deploymentMode": "SINGLE_INSTANCE", "publiclyAccessible": false}"#).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-amzn-errortype"), Some("BadRequestException"));
    let v = r.json();
    assert_eq!(v["errorAttribute"], "brokerName");
    assert_eq!(v["message"], "The request must include the brokerName parameter.");
    // A value of the wrong type, an enum value not in the model, a body that is not JSON.
    let r = post(r#"{"brokerName": 5, "engineType": "ACTIVEMQ", "hostInstanceType": "mq.t3.micro", "deploymentMode": "SINGLE_INSTANCE", "publiclyAccessible": false}"#).await;
    assert_eq!((r.status, r.json()["errorAttribute"].as_str()), (400, Some("brokerName")));
    let r = post(r#"{"brokerName": "x", "engineType": "KAFKA", "hostInstanceType": "mq.t3.micro", "deploymentMode": "SINGLE_INSTANCE", "publiclyAccessible": false}"#).await;
    assert_eq!((r.status, r.json()["errorAttribute"].as_str()), (400, Some("engineType")));
    let r = post("{not json").await;
    assert_eq!((r.status, r.header("x-amzn-errortype")), (400, Some("BadRequestException")));
    // Unknown path, known path with another method.
    let r = raw(addr, "GET", "/v1/brokers/b-1/nothing", &[], b"").await;
    assert_eq!(r.status, 404);
    let r = raw(addr, "PATCH", "/v1/brokers/b-1", &[], b"").await;
    assert_eq!(r.status, 405);
    // A query-string member of the wrong type.
    let r = raw(addr, "GET", "/v1/brokers?maxResults=many", &[], b"").await;
    assert_eq!((r.status, r.json()["errorAttribute"].as_str()), (400, Some("maxResults")));

    // The service's own rules, through the SDK.
    let rabbit = c
        .create_broker()
        .broker_name("rabbit")
        .engine_type(EngineType::Rabbitmq)
        .host_instance_type("mq.m5.large")
        .deployment_mode(DeploymentMode::SingleInstance)
        .publicly_accessible(false)
        .users(user("one"))
        .users(user("two"))
        .send()
        .await
        .unwrap_err();
    // Recorded.
    assert_eq!(rabbit.code(), Some("BadRequestException"));
    assert_eq!(rabbit.message(), Some("Specify exactly one user for engine type [RABBITMQ]."));
    let e = activemq(&c, "has space").users(user("admin")).send().await.unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    let weak = activemq(&c, "weak")
        .users(User::builder().username("admin").password("short").build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(weak.code(), Some("BadRequestException"));
    broker(&c, "taken").await;
    let twice = activemq(&c, "taken").users(user("admin")).send().await.unwrap_err();
    assert_eq!(twice.code(), Some("ConflictException"));
    let v = c.describe_user().broker_id("b-nope").username("x").send().await.unwrap_err();
    assert_eq!(v.code(), Some("NotFoundException"));
    let promote = c.promote().broker_id(broker(&c, "solo").await).mode("SWITCHOVER".into()).send().await.unwrap_err();
    assert_eq!(promote.code(), Some("BadRequestException"));
}

/// A RabbitMQ broker: no configuration, users managed in the broker, and DescribeBroker says
/// its data plane is not served.
#[tokio::test]
async fn rabbitmq_brokers_follow_their_own_rules() {
    let env = start().await;
    let c = mq(&env.endpoint());
    let id = c
        .create_broker()
        .broker_name("rabbit")
        .engine_type(EngineType::Rabbitmq)
        .host_instance_type("mq.m5.large")
        .deployment_mode(DeploymentMode::ClusterMultiAz)
        .publicly_accessible(true)
        .users(user("admin"))
        .send()
        .await
        .unwrap()
        .broker_id
        .unwrap();
    let d = c.describe_broker().broker_id(&id).send().await.unwrap();
    assert_eq!(d.engine_type.as_ref().map(|e| e.as_str()), Some("RabbitMQ"));
    assert_eq!(d.engine_version.as_deref(), Some("3.13"));
    assert!(d.configurations.is_none());
    assert!(d.broker_instances().is_empty());
    assert_eq!(d.actions_required()[0].action_required_code.as_deref(), Some("QUAYSIDE_DATA_PLANE_NOT_SERVED"));
    assert_eq!(d.subnet_ids().len(), 3);
    let e = c.create_user().broker_id(&id).username("other").password("another-long-secret").send().await.unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    let e = c.create_configuration().name("r").engine_type(EngineType::Rabbitmq).send().await.unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    let wrong_mode = c
        .create_broker()
        .broker_name("rabbit2")
        .engine_type(EngineType::Rabbitmq)
        .host_instance_type("mq.m5.large")
        .deployment_mode(DeploymentMode::ActiveStandbyMultiAz)
        .publicly_accessible(true)
        .users(user("admin"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(wrong_mode.code(), Some("BadRequestException"));
}

/// The catalog: engines and versions, instance options filtered and paged.
#[tokio::test]
async fn engine_types_and_instance_options() {
    let env = start().await;
    let c = mq(&env.endpoint());
    let types = c.describe_broker_engine_types().send().await.unwrap();
    let names: Vec<&str> =
        types.broker_engine_types().iter().filter_map(|t| t.engine_type.as_ref()).map(|e| e.as_str()).collect();
    assert_eq!(names, ["ACTIVEMQ", "RABBITMQ"]);
    let active = c.describe_broker_engine_types().engine_type("ACTIVEMQ").send().await.unwrap();
    let versions: Vec<&str> =
        active.broker_engine_types()[0].engine_versions().iter().filter_map(|v| v.name.as_deref()).collect();
    assert!(versions.contains(&"5.18"));
    let opts = c.describe_broker_instance_options().engine_type("RABBITMQ").max_results(5).send().await.unwrap();
    assert_eq!(opts.broker_instance_options().len(), 5);
    let more = c
        .describe_broker_instance_options()
        .engine_type("RABBITMQ")
        .next_token(opts.next_token.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(more.broker_instance_options().len(), 1);
    let zones = opts.broker_instance_options()[0].availability_zones();
    assert_eq!(zones[0].name.as_deref(), Some("us-east-1a"));
    let t3 = c.describe_broker_instance_options().host_instance_type("mq.t3.micro").send().await.unwrap();
    assert_eq!(t3.broker_instance_options().len(), 2, "ActiveMQ EFS and RabbitMQ EBS");
}

/// `--mq-delays`: a broker is CREATION_IN_PROGRESS, then RUNNING; a reboot is
/// REBOOT_IN_PROGRESS; a deletion DELETION_IN_PROGRESS, then gone. Brokers, users and
/// configurations survive a restart.
#[tokio::test]
async fn states_take_their_delays_and_brokers_survive_a_restart() {
    let dir = temp_dir("mq-states");
    let mut config = durable(&dir);
    config.virtual_clock = true;
    config.options.insert("mq-delays", "CreateBroker=60000,RebootBroker=30000,DeleteBroker=30000".into());
    let env = start_with(config.clone()).await;
    let c = mq(&env.endpoint());
    let id = broker(&c, "slow").await;
    let state =
        |c: Mq, id: String| async move { c.describe_broker().broker_id(id).send().await.map(|d| d.broker_state) };
    assert_eq!(state(c.clone(), id.clone()).await.unwrap(), Some(BrokerState::CreationInProgress));
    let d = c.describe_broker().broker_id(&id).send().await.unwrap();
    assert!(d.broker_instances().is_empty(), "no instances before it runs");
    assert!(d.configurations.unwrap().current.is_none(), "its configuration is pending until it runs");
    // Not rebootable while it is being made.
    assert_eq!(c.reboot_broker().broker_id(&id).send().await.unwrap_err().code(), Some("BadRequestException"));
    env.advance(61).await;
    assert_eq!(state(c.clone(), id.clone()).await.unwrap(), Some(BrokerState::Running));
    c.create_user().broker_id(&id).username("later").password("another-long-secret").send().await.unwrap();
    c.reboot_broker().broker_id(&id).send().await.unwrap();
    assert_eq!(state(c.clone(), id.clone()).await.unwrap(), Some(BrokerState::RebootInProgress));
    let window = WeeklyStartTime::builder().day_of_week("MONDAY".into()).time_of_day("03:00").build();
    c.update_broker().broker_id(&id).maintenance_window_start_time(window).send().await.unwrap();
    env.running.shutdown().await;

    // A restart keeps the broker, its pending user, and the reboot's deadline.
    let env = start_with(config.clone()).await;
    let c = mq(&env.endpoint());
    assert_eq!(state(c.clone(), id.clone()).await.unwrap(), Some(BrokerState::RebootInProgress));
    env.advance(31).await;
    let d = c.describe_broker().broker_id(&id).send().await.unwrap();
    assert_eq!(d.broker_state, Some(BrokerState::Running));
    let users: Vec<_> =
        d.users().iter().map(|u| (u.username.as_deref().unwrap_or_default(), u.pending_change.clone())).collect();
    assert_eq!(users, [("admin", None), ("later", None)]);
    assert_eq!(d.maintenance_window_start_time.unwrap().time_of_day.as_deref(), Some("03:00"));
    c.delete_broker().broker_id(&id).send().await.unwrap();
    assert_eq!(state(c.clone(), id.clone()).await.unwrap(), Some(BrokerState::DeletionInProgress));
    env.advance(31).await;
    assert_eq!(state(c.clone(), id.clone()).await.unwrap_err().code(), Some("NotFoundException"));
    let _ = std::fs::remove_dir_all(&dir);
}
