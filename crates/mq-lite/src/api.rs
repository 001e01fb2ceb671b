//! Amazon MQ on the server's service interface: REST-JSON routes from the model, each call
//! decoded, checked against the model, turned into its typed input, dispatched, and answered.

use crate::control::types::Request;
use crate::control::{dispatch, Mq};
use crate::error::MqError;
use crate::persist;
use aws_protocol::model::Model;
use aws_protocol::{Response, ServiceRoutes};
use service::{
    BoxFuture, Call, Connection, ConnectionInfo, Env, ListenerKind, ListenerSpec, OptionSpec, Service, ServiceDef,
};
use std::sync::{Arc, OnceLock};

/// The trimmed Amazon MQ model, parsed once.
pub(crate) fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        Model::parse(include_str!("../../../fixtures/models/mq.json"))
            .expect("the bundled Amazon MQ model parses")
            // `engineType: ActiveMQ` is `ACTIVEMQ` (AWS's own example request writes it so).
            .enums_in_any_case()
    })
}

/// Amazon MQ's reading of its input: BadRequestException naming the member.
const INPUT_RULES: service::codec::InputRules = service::codec::InputRules {
    first: |_, _| Ok(()),
    error: crate::error::input_error,
    body: crate::error::body_error,
};

/// Amazon MQ's entry in the emulator's service list.
pub fn def() -> ServiceDef {
    ServiceDef {
        name: "mq",
        migrations: [persist::MIGRATIONS, crate::broker::persist::MIGRATIONS].concat(),
        options: &[
            OptionSpec {
                flag: "mq-memory-limit",
                help: "MiB the messages of one Amazon MQ broker may hold before its producers wait (flow control)",
                default: "512",
                values: &[],
            },
            OptionSpec {
                flag: "mq-delays",
                help:
                    "How long Amazon MQ brokers stay CREATION_IN_PROGRESS, REBOOT_IN_PROGRESS or DELETION_IN_PROGRESS, \
                   in ms per operation (CreateBroker=2000,RebootBroker=500,*=200); 0 by default",
                default: "",
                values: &[],
            },
        ],
        listeners: &[
            ListenerSpec {
                name: "stomp",
                help: "mq-lite's STOMP listener (ActiveMQ's default port; 0 picks a free one, `off` disables it)",
                default_port: Some(61613),
                kind: ListenerKind::Tcp,
            },
            ListenerSpec {
                name: "mqtt",
                help:
                    "mq-lite's MQTT 3.1/3.1.1 listener (ActiveMQ's default port; 0 picks a free one, `off` disables it)",
                default_port: Some(1883),
                kind: ListenerKind::Tcp,
            },
            ListenerSpec {
                name: "ws",
                help: "mq-lite's WebSocket listener, STOMP and MQTT by sub-protocol (ActiveMQ's default port; 0 picks \
                       a free one, `off` disables it)",
                default_port: Some(61614),
                kind: ListenerKind::Tcp,
            },
        ],
        open: Box::new(|env: &Env| {
            let delays =
                service::Delays::parse(env.option("mq-delays")).map_err(|e| format!("mq: --mq-delays: {e}"))?;
            let mq = Mq::open(env.store.clone(), env.clock.clone(), delays).map_err(|e| format!("mq: {e}"))?;
            let memory: usize = match env.option("mq-memory-limit") {
                "" => crate::broker::MEMORY_LIMIT,
                n => {
                    n.parse::<usize>().map_err(|_| format!("mq: --mq-memory-limit {n} is not a number of MiB"))?
                        * 1024
                        * 1024
                }
            };
            let engine = crate::broker::Engine::open(env.store.clone(), env.clock.now_ms(), memory)
                .map_err(|e| format!("mq: {e}"))?;
            mq.attach_engine(engine.clone());
            engine.attach_bridges(crate::broker::bridge::Bridges {
                sqs: env.peer::<sqs::SqsService>().map(|s| s.sqs().clone()),
                sns: env.peer::<sns::SnsService>().map(|s| s.sns().clone()),
            });
            let shared = Arc::new(crate::stomp::Shared {
                mq: mq.clone(),
                engine,
                clock: env.clock.clone(),
                limits: crate::stomp::frame::Limits::default(),
            });
            Ok(Arc::new(MqService::new(mq, shared, env.tls)) as Arc<dyn Service>)
        }),
    }
}

/// Amazon MQ as the server holds it.
pub struct MqService {
    mq: Mq,
    pub(crate) stomp: Arc<crate::stomp::Shared>,
    routes: ServiceRoutes,
    handled: service::handled::Handled,
    /// The listeners speak TLS too: endpoints are named with AWS's TLS schemes.
    tls: bool,
}

impl MqService {
    /// `tls`: the listeners speak TLS too (DescribeBroker names AWS's TLS schemes).
    pub fn new(mq: Mq, stomp: Arc<crate::stomp::Shared>, tls: bool) -> Self {
        let mut routes = ServiceRoutes::from_model(model());
        // REST-JSON errors name their shape bare (the SDKs read `x-amzn-errortype`).
        routes.json_namespace = String::new();
        let handled = service::handled::Handled::new(&routes.operations);
        MqService { mq, stomp, routes, handled, tls }
    }

    pub fn mq(&self) -> &Mq {
        &self.mq
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        let (mq, ctx, handled) = (&self.mq, call.ctx, &self.handled);
        service::codec::answer_with(model(), &self.routes, "MQ", &call, &INPUT_RULES, |op, input| async move {
            // The one place an input becomes its typed form (after the model's checks).
            let request = match Request::decode(&op, &input)? {
                Ok(r) => r,
                Err(e) => return Some(Err(MqError::bad_request(&e.member, e.to_string()).to_aws())),
            };
            handled.count(&op);
            Some(dispatch(mq, ctx, request).await.map(Into::into).map_err(|e| e.to_aws()))
        })
        .await
    }
}

impl Service for MqService {
    fn routes(&self) -> &ServiceRoutes {
        &self.routes
    }

    fn call<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, Response> {
        Box::pin(self.answer(call))
    }

    fn tick(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.mq.tick())
    }

    fn reset(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { self.mq.reset().await.map_err(|e| format!("{e:?}")) })
    }

    /// DescribeBroker lists each bound listener as an endpoint: with TLS (`--tls`, the
    /// default) in AWS's schemes (`stomp+ssl://localhost:61613`, `mqtt+ssl://`, `wss://`),
    /// without it in the plain ones (`stomp://`, `mqtt://`, `ws://`).
    fn bound(&self, listener: &'static str, addr: std::net::SocketAddr) {
        let host = if addr.ip().is_loopback() || addr.ip().is_unspecified() {
            "localhost".to_string()
        } else {
            addr.ip().to_string()
        };
        let scheme = match (listener, self.tls) {
            ("stomp", true) => "stomp+ssl",
            ("mqtt", true) => "mqtt+ssl",
            ("ws", true) => "wss",
            (plain, _) => plain,
        };
        self.mq.add_endpoint(format!("{scheme}://{host}:{}", addr.port()));
    }

    fn serve_connection(
        &self,
        listener: &'static str,
        conn: Box<dyn Connection>,
        info: ConnectionInfo,
    ) -> BoxFuture<'static, ()> {
        let shared = self.stomp.clone();
        match listener {
            "stomp" => Box::pin(crate::stomp::conn::serve(shared, conn, info)),
            "mqtt" => Box::pin(crate::mqtt::conn::serve(shared, conn, info)),
            "ws" => Box::pin(crate::ws::serve(shared, conn, info)),
            _ => Box::pin(async {}),
        }
    }

    fn declares(&self) -> Option<&dyn service::declare::Declares> {
        Some(&self.mq)
    }

    fn inspects(&self) -> Option<&dyn service::inspect::Inspects> {
        Some(self)
    }

    fn metrics(&self, m: &mut service::Metrics) {
        let names: std::collections::HashMap<String, String> =
            self.mq.brokers().into_iter().map(|b| (b.id.clone(), b.name.clone())).collect();
        for (id, v) in self.stomp.engine.vhosts() {
            let Some(name) = names.get(&id) else { continue };
            let broker = [("broker", name.as_str()), ("broker_id", id.as_str())];
            m.gauge(
                "quayside_mq_connections",
                "Connections logged in to the broker (STOMP, MQTT, WebSocket).",
                &broker,
                v.connection_count() as f64,
            );
            for (kind, dest, waiting, consumers) in v.destinations() {
                let labels = [
                    ("broker", name.as_str()),
                    ("broker_id", id.as_str()),
                    ("kind", kind),
                    ("destination", dest.as_str()),
                ];
                if kind != "topic" {
                    m.gauge(
                        "quayside_mq_destination_messages",
                        "Messages waiting in a queue or durable subscription.",
                        &labels,
                        waiting as f64,
                    );
                }
                m.gauge(
                    "quayside_mq_destination_consumers",
                    "Consumers of a queue or durable subscription; subscribers of a topic.",
                    &labels,
                    consumers as f64,
                );
            }
        }
    }

    fn health(&self) -> serde_json::Value {
        serde_json::json!({
            "state": "running",
            "brokers": self.mq.broker_count(),
            "handled": self.handled.to_json(),
        })
    }
}
