//! SNS on the server's service interface: its entry in the service list, routing facts from
//! the model, each call decoded (query parameters as the model lays them out) and answered in
//! XML, or JSON when the client asks for it.

use crate::error::SnsError;
use crate::model::model;
use crate::{ops, persist, Sns};
use aws_protocol::{Response, ServiceRoutes};
use serde_json::Value;
use service::{BoxFuture, Call, Env, OptionSpec, PathCall, Service, ServiceDef};
use std::sync::Arc;

const OPTIONS: &[OptionSpec] = &[OptionSpec {
    flag: "sns-cert-host",
    help:
        "Host (or https://host base URL) written into SNS notifications' SigningCertURL, SubscribeURL and \
           UnsubscribeURL, for validators that insist on sns.<region>.amazonaws.com; empty: http://<the request's Host>",
    default: "",
    values: &[],
}];

/// The base URL of `--sns-cert-host`: a bare host means https.
fn cert_base(v: &str) -> Option<String> {
    let v = v.trim().trim_end_matches('/');
    if v.is_empty() {
        None
    } else if v.starts_with("http://") || v.starts_with("https://") {
        Some(v.to_string())
    } else {
        Some(format!("https://{v}"))
    }
}

/// SNS's entry in the emulator's service list.
pub fn def() -> ServiceDef {
    ServiceDef {
        name: "sns",
        migrations: persist::MIGRATIONS.to_vec(),
        options: OPTIONS,
        listeners: &[],
        open: Box::new(|env: &Env| {
            let options = crate::Options {
                sqs: env.peer::<sqs::SqsService>().map(|s| s.sqs().clone()),
                clock: env.clock.clone(),
                cert_base: cert_base(env.option("sns-cert-host")),
                deliver: !env.checking,
            };
            let sns = Sns::open(env.store.clone(), options).map_err(|e| format!("sns: {e}"))?;
            Ok(Arc::new(SnsService::new(sns)) as Arc<dyn Service>)
        }),
    }
}

/// The SNS service as the server holds it.
pub struct SnsService {
    sns: Sns,
    routes: ServiceRoutes,
    /// Requests that reached each operation's handler.
    handled: service::handled::Handled,
}

impl SnsService {
    /// SNS itself, for other services' use of its typed door.
    pub fn sns(&self) -> &Sns {
        &self.sns
    }

    pub fn new(sns: Sns) -> Self {
        let routes = ServiceRoutes::from_model(model());
        let handled = service::handled::Handled::new(&routes.operations);
        SnsService { sns, routes, handled }
    }

    /// LocalStack's `/_aws/sns/subscription-tokens/<subscription arn>`: the confirmation token of
    /// a pending subscription, so a test can confirm it without a server.
    fn subscription_token(&self, path: &str) -> Response {
        let arn = path.trim_start_matches("/_aws/sns/subscription-tokens").trim_start_matches('/');
        let arn = form_urlencoded::parse(format!("a={arn}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        match self.sns.subscription(&arn) {
            Ok(s) => match s.token {
                Some(t) => Response::json(
                    200,
                    "application/json",
                    &serde_json::json!({"subscription_token": t, "subscription_arn": s.arn}),
                ),
                None => Response::json(
                    404,
                    "application/json",
                    &serde_json::json!({"error": "the subscription is not pending confirmation", "subscription_arn": s.arn}),
                ),
            },
            Err(e) => Response::json(
                404,
                "application/json",
                &serde_json::json!({"error": e.to_aws().message, "subscription_arn": arn}),
            ),
        }
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        if call.operation.is_empty() {
            // The only path SNS owns without an action: its signing certificate.
            return match self.sns.signer() {
                Some(s) if call.path.trim_start_matches('/') == s.cert_file() => {
                    Response::new(200, "application/x-x509-ca-cert", s.cert_pem().to_string())
                }
                _ => Response::new(404, "text/plain", "quayside: no such certificate"),
            };
        }
        let (sns, ctx, op, handled) = (&self.sns, call.ctx, call.operation, &self.handled);
        service::codec::answer_with(
            model(),
            &self.routes,
            "SNS",
            &call,
            &crate::error::INPUT_RULES,
            |_, input| async move {
                handled.count(op);
                Some(ops::dispatch(sns, ctx, op, input).await?.map(Into::into).map_err(|e| e.to_aws()))
            },
        )
        .await
    }
}

impl Service for SnsService {
    fn routes(&self) -> &ServiceRoutes {
        &self.routes
    }

    fn call<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, Response> {
        Box::pin(self.answer(call))
    }

    fn tick(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            self.sns.expire_dedups().await;
            self.sns.trim_archives().await;
        })
    }

    fn clock_moved(&self) -> BoxFuture<'_, ()> {
        self.sns.clock_moved();
        Box::pin(self.sns.trim_archives())
    }

    fn owns_path(&self, path: &str) -> bool {
        path.starts_with("/SimpleNotificationService-") && path.ends_with(".pem")
    }

    fn reset(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { self.sns.reset().await.map_err(|e: SnsError| e.to_string()) })
    }

    fn health(&self) -> Value {
        serde_json::json!({"state": "running", "topics": self.sns.topic_count(), "handled": self.handled.to_json()})
    }

    fn metrics(&self, m: &mut service::Metrics) {
        self.sns.metrics(m);
    }

    fn declares(&self) -> Option<&dyn service::declare::Declares> {
        Some(&self.sns)
    }

    fn inspects(&self) -> Option<&dyn service::inspect::Inspects> {
        Some(&self.sns)
    }

    /// The host of `--sns-cert-host`: validators fetch the signing certificate there.
    fn hosts(&self) -> Vec<String> {
        self.sns.cert_host().into_iter().collect()
    }

    fn paths(&self) -> &[&'static str] {
        &[
            "/_quayside/sns/explain",
            "/_aws/sns/subscription-tokens",
            "/_quayside/sns/messages",
            "/_quayside/sns/deliveries",
            "/_aws/sns/sms-messages",
            "/_aws/sns/platform-endpoint-messages",
            "/_aws/sns/phone-opt-outs",
        ]
    }

    fn path_call<'a>(&'a self, call: PathCall<'a>) -> BoxFuture<'a, Response> {
        if call.path == "/_aws/sns/phone-opt-outs" {
            return Box::pin(crate::recorded::phone_opt_outs(&self.sns, call));
        }
        if call.path == "/_quayside/sns/deliveries" {
            return Box::pin(async move { crate::recorded::deliveries(&self.sns, &call).await });
        }
        if matches!(
            call.path,
            "/_quayside/sns/messages" | "/_aws/sns/sms-messages" | "/_aws/sns/platform-endpoint-messages"
        ) {
            return Box::pin(crate::recorded::answer(&self.sns, call));
        }
        let r = if call.path == "/_quayside/sns/explain" {
            if call.method == "POST" {
                crate::explain::answer(&self.sns, call.body)
            } else {
                Response::new(405, "text/plain", "POST a JSON body")
            }
        } else {
            self.subscription_token(call.path)
        };
        Box::pin(async move { r })
    }
}
