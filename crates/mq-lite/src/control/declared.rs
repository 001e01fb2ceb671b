//! Config as code: the `brokers` section of a Quayside file. A broker by name (in an account
//! and region) with its engine, version, instance type, deployment mode, users and tags,
//! applied through the Amazon MQ operations (CreateBroker; for an existing broker UpdateBroker,
//! CreateUser and CreateTags, then RebootBroker to apply what waits for a reboot, as AWS
//! does). Passwords are never stored in the clear, so an export writes each user's password as
//! a variable to fill in: `${MQ_PASSWORD_<BROKER>_<USER>}`.

use super::broker::Broker;
use super::types::Request;
use super::{dispatch, Mq};
use aws_protocol::RequestContext;
use serde_json::{json, Value};
use service::declare::{Applied, Declared, Fields, Mode, Outcome, Section};

/// The variable an export names for a user's password.
fn password_variable(broker: &str, user: &str) -> String {
    let clean = |s: &str| {
        s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect::<String>()
    };
    format!("${{MQ_PASSWORD_{}_{}}}", clean(broker), clean(user))
}

struct User {
    username: String,
    password: Option<String>,
    groups: Vec<String>,
    console_access: bool,
}

struct Decl {
    name: String,
    account: String,
    region: String,
    engine: String,
    engine_version: String,
    instance_type: String,
    deployment_mode: String,
    publicly_accessible: bool,
    auto_minor_version_upgrade: bool,
    users: Vec<User>,
    tags: std::collections::BTreeMap<String, String>,
}

fn decl(v: &Value, account: &str, region: &str) -> Result<Decl, String> {
    const KEYS: &[&str] = &[
        "name",
        "account",
        "region",
        "engine",
        "engine_version",
        "instance_type",
        "deployment_mode",
        "publicly_accessible",
        "auto_minor_version_upgrade",
        "users",
        "tags",
    ];
    let f = Fields::of(v, "broker", KEYS, "")?;
    let mut users = Vec::new();
    for u in f.tables("users")? {
        let uf = Fields::of(u, "user", &["username", "password", "groups", "console_access"], "users.")?;
        users.push(User {
            username: uf.required("username", "user")?,
            password: Some(uf.text("password", "")?).filter(|p| !p.is_empty()),
            groups: uf.names("groups")?,
            console_access: uf.flag("console_access")?,
        });
    }
    Ok(Decl {
        name: f.required("name", "broker")?,
        account: f.text("account", account)?,
        region: f.text("region", region)?,
        engine: f.text("engine", "ActiveMQ")?,
        engine_version: f.text("engine_version", "5.18")?,
        instance_type: f.text("instance_type", "mq.t3.micro")?,
        deployment_mode: f.text("deployment_mode", "SINGLE_INSTANCE")?,
        publicly_accessible: f.flag("publicly_accessible")?,
        auto_minor_version_upgrade: f.flag("auto_minor_version_upgrade")?,
        users,
        tags: f.strings("tags")?,
    })
}

impl Mq {
    async fn run(&self, ctx: &RequestContext, op: &str, input: Value) -> Result<Value, String> {
        let request = match Request::decode(op, &input) {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err(format!("no operation {op}")),
        };
        dispatch(self, ctx, request).await.map_err(|e| e.to_aws().message)
    }
}

impl Section for Mq {
    const NAME: &'static str = "brokers";

    /// Every broker as a declaration, by account, region and name; passwords as variables.
    fn export(&self) -> Vec<Value> {
        let mut brokers: Vec<Broker> = self.brokers();
        brokers.sort_by(|a, b| (&a.account, &a.region, &a.name).cmp(&(&b.account, &b.region, &b.name)));
        brokers
            .iter()
            .map(|b| {
                let users: Vec<Value> = b
                    .users
                    .values()
                    .map(|u| {
                        let mut e =
                            json!({"username": u.username, "password": password_variable(&b.name, &u.username)});
                        if !u.groups.is_empty() {
                            e["groups"] = json!(u.groups);
                        }
                        if u.console_access {
                            e["console_access"] = json!(true);
                        }
                        e
                    })
                    .collect();
                let engine = super::broker::shown_engine(b.engine_type);
                let mut d = json!({
                    "name": b.name, "account": b.account, "region": b.region, "engine": engine,
                    "engine_version": b.engine_version, "instance_type": b.host_instance_type,
                    "deployment_mode": b.deployment_mode.as_str(),
                });
                if b.publicly_accessible {
                    d["publicly_accessible"] = json!(true);
                }
                if b.auto_minor_version_upgrade {
                    d["auto_minor_version_upgrade"] = json!(true);
                }
                if !users.is_empty() {
                    d["users"] = Value::Array(users);
                }
                if !b.tags.is_empty() {
                    d["tags"] = json!(b.tags);
                }
                d
            })
            .collect()
    }

    /// Applies declarations: brokers made; an existing one brought to the file's engine
    /// version, instance type, users (missing ones made; others left) and tags by
    /// UpdateBroker, CreateUser and CreateTags and a reboot (`Mode::Update`), or the
    /// differences reported (`Mode::Report`).
    ///
    /// Errors: the first declaration malformed or refused (Amazon MQ's message).
    async fn apply(&self, decls: &[Value], mode: Mode, account: &str, region: &str) -> Applied {
        let mut out = Outcome::default();
        for (i, v) in decls.iter().enumerate() {
            let d = decl(v, account, region).map_err(|e| Declared::error(i, e))?;
            let ctx = RequestContext::new(d.account.clone(), d.region.clone(), "localhost");
            let label = format!("broker {} ({} {})", d.name, d.account, d.region);
            let refused = |e: String| Declared::error(i, format!("{label}: {e}"));
            let existing =
                self.brokers().into_iter().find(|b| b.name == d.name && b.account == d.account && b.region == d.region);
            let Some(b) = existing else {
                let mut users = Vec::new();
                for u in &d.users {
                    let Some(p) = &u.password else {
                        return Err(refused(format!("user {} needs a `password`", u.username)));
                    };
                    users.push(json!({"Username": u.username, "Password": p, "Groups": u.groups, "ConsoleAccess": u.console_access}));
                }
                let input = json!({
                    "BrokerName": d.name, "EngineType": d.engine, "EngineVersion": d.engine_version,
                    "HostInstanceType": d.instance_type, "DeploymentMode": d.deployment_mode,
                    "PubliclyAccessible": d.publicly_accessible, "AutoMinorVersionUpgrade": d.auto_minor_version_upgrade,
                    "Users": users, "Tags": d.tags,
                });
                self.run(&ctx, "CreateBroker", input).await.map_err(refused)?;
                out.made.push(label);
                continue;
            };
            let mut differences = Vec::new();
            if b.engine_version != d.engine_version {
                differences
                    .push(format!("{label}: engine version {}, the file says {}", b.engine_version, d.engine_version));
            }
            if b.host_instance_type != d.instance_type {
                differences.push(format!(
                    "{label}: instance type {}, the file says {}",
                    b.host_instance_type, d.instance_type
                ));
            }
            let missing: Vec<&User> = d.users.iter().filter(|u| !b.users.contains_key(&u.username)).collect();
            for u in &missing {
                differences.push(format!("{label}: no user {}", u.username));
            }
            let tags_differ = d.tags.iter().any(|(k, v)| b.tags.get(k) != Some(v));
            if tags_differ {
                differences.push(format!("{label}: its tags differ from the file's"));
            }
            if differences.is_empty() {
                continue;
            }
            if mode == Mode::Report {
                out.differences.extend(differences);
                continue;
            }
            let mut reboot = false;
            if b.engine_version != d.engine_version || b.host_instance_type != d.instance_type {
                let input =
                    json!({"BrokerId": b.id, "EngineVersion": d.engine_version, "HostInstanceType": d.instance_type});
                self.run(&ctx, "UpdateBroker", input).await.map_err(refused)?;
                reboot = true;
            }
            for u in missing {
                let Some(p) = &u.password else {
                    return Err(refused(format!("user {} needs a `password`", u.username)));
                };
                let input = json!({"BrokerId": b.id, "Username": u.username, "Password": p, "Groups": u.groups, "ConsoleAccess": u.console_access});
                self.run(&ctx, "CreateUser", input).await.map_err(refused)?;
                reboot = true;
            }
            if tags_differ {
                self.run(&ctx, "CreateTags", json!({"ResourceArn": b.arn, "Tags": d.tags})).await.map_err(refused)?;
            }
            if reboot {
                self.run(&ctx, "RebootBroker", json!({"BrokerId": b.id})).await.map_err(refused)?;
            }
            out.updated.push(label);
        }
        Ok(out)
    }
}
