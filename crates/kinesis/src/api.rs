//! Kinesis on the server's service interface: routing facts from the model (AWS JSON 1.1 and
//! CBOR under `Kinesis_20131202`), each call decoded, checked against the model's constraints
//! in AWS's wording, dispatched, and answered in the request's protocol.

use crate::{ops, persist, Kinesis};
use aws_protocol::model::Model;
use aws_protocol::{Response, ServiceRoutes};
use service::{BoxFuture, Call, Env, ListenerKind, ListenerSpec, OptionSpec, PathCall, Service, ServiceDef};
use std::sync::{Arc, OnceLock};

/// The trimmed Kinesis model, parsed once.
pub(crate) fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        Model::parse(include_str!("../../../fixtures/models/kinesis.json"))
            .expect("the bundled Kinesis model parses")
            // Kinesis lists every failed constraint: `2 validation errors detected: ...`.
            .reporting_all()
            // Timestamps are numbers, blobs canonical base64, collections and patterns in
            // Coral's words (recorded).
            .coral_json()
            // The order AWS lists the enum in (recorded).
            .with_enum_order(
                "ShardIteratorType",
                &["AFTER_SEQUENCE_NUMBER", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON"],
            )
    })
}

/// Kinesis's reading of its input: the model's checks, with type errors in Coral's words.
const INPUT_RULES: service::codec::InputRules =
    service::codec::InputRules { first: |_, _| Ok(()), error: crate::error::input_error, body: |e| e };

/// Kinesis's entry in the emulator's service list.
pub fn def() -> ServiceDef {
    ServiceDef {
        name: "kinesis",
        migrations: persist::MIGRATIONS.to_vec(),
        options: &[
            OptionSpec {
                flag: "kinesis-shard-limit",
                help: "Open Kinesis shards an account may have in a region (DescribeLimits' ShardLimit)",
                default: "500",
                values: &[],
            },
            OptionSpec {
                flag: "kinesis-enforce-limits",
                help:
                    "Enforce each Kinesis shard's throughput (1,000 records and 1 MiB/s in; 5 reads and 2 MiB/s out), \
                       answering ProvisionedThroughputExceededException",
                default: "false",
                values: &["false", "true"],
            },
            OptionSpec {
                flag: "kinesis-delays",
                help: "How long Kinesis resources stay CREATING, UPDATING or DELETING, in ms per operation \
                       (CreateStream=500,DeleteStream=500,*=200), for streams, consumers, queues and channels; 0 by default",
                default: "",
                values: &[],
            },
        ],
        listeners: &[ListenerSpec {
            name: "kinesis",
            help: "A listener for Kinesis alone, answering as the Kinesis endpoint does (for kinesalite's users, \
                   the KPL and the KCL); off by default",
            default_port: None,
            kind: ListenerKind::Endpoint,
        }],
        open: Box::new(|env: &Env| {
            let limit = match env.option("kinesis-shard-limit") {
                "" => crate::DEFAULT_SHARD_LIMIT,
                n => n.parse().map_err(|_| format!("kinesis: --kinesis-shard-limit {n} is not a number"))?,
            };
            let delays = crate::Delays::parse(env.option("kinesis-delays"))
                .map_err(|e| format!("kinesis: --kinesis-delays: {e}"))?;
            let options = crate::Options {
                shard_limit: limit,
                delays,
                enforce_limits: env.option("kinesis-enforce-limits") == "true",
                channel_dir: env.data_dir.as_ref().map(|d| d.join("kinesis-channels")),
            };
            let sqs = env.peer::<sqs::SqsService>().map(|s| s.sqs().clone());
            let k = Kinesis::open(env.store.clone(), env.clock.clone(), options, sqs)
                .map_err(|e| format!("kinesis: {e}"))?;
            Ok(Arc::new(KinesisService::new(k)) as Arc<dyn Service>)
        }),
    }
}

/// The Kinesis service as the server holds it.
pub struct KinesisService {
    kinesis: Kinesis,
    routes: ServiceRoutes,
    /// Requests that reached each operation's handler.
    handled: service::handled::Handled,
}

impl KinesisService {
    pub fn new(kinesis: Kinesis) -> Self {
        let mut routes = ServiceRoutes::from_model(model());
        // Kinesis names its errors bare (`"__type": "ResourceNotFoundException"`).
        routes.json_namespace = String::new();
        routes.serialization_message_capital = true;
        let handled = service::handled::Handled::new(&routes.operations);
        KinesisService { kinesis, routes, handled }
    }

    pub fn kinesis(&self) -> &Kinesis {
        &self.kinesis
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        let (k, ctx, op, handled) = (&self.kinesis, call.ctx, call.operation, &self.handled);
        service::codec::answer_with(model(), &self.routes, "Kinesis", &call, &INPUT_RULES, |_, input| async move {
            handled.count(op);
            let out = ops::dispatch(k, ctx, op, input).await?.map_err(|e| e.to_aws());
            // An operation without output answers 200 with an empty body, not `{}` (recorded
            // for CreateStream, DeleteStream, AddTagsToStream, RemoveTagsFromStream,
            // MergeShards and SplitShard).
            if model().output_shape(op).is_none() {
                return Some(out.map(|_| {
                    service::codec::Output::Encoded(Box::new(|p: aws_protocol::Protocol| {
                        Response::new(200, p.content_type(), Vec::new())
                    }))
                }));
            }
            Some(out)
        })
        .await
    }
}

impl Service for KinesisService {
    /// PutRecords carries up to 10 MiB of data (a single record too, after
    /// UpdateMaxRecordSize), base64 in JSON: 13.4 MiB, plus 500 keys and the structure.
    fn max_body_bytes(&self) -> usize {
        16 * 1024 * 1024
    }

    fn routes(&self) -> &ServiceRoutes {
        &self.routes
    }

    fn call<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, Response> {
        Box::pin(self.answer(call))
    }

    fn tick(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.kinesis.tick())
    }

    fn clock_moved(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // Subscriptions re-check their lifetime against the new time.
            self.kinesis.wake_readers();
            self.kinesis.tick().await
        })
    }

    fn reset(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { self.kinesis.reset().await.map_err(|e| e.to_string()) })
    }

    fn paths(&self) -> &[&'static str] {
        &["/_quayside/kinesis"]
    }

    fn path_call<'a>(&'a self, call: PathCall<'a>) -> BoxFuture<'a, Response> {
        Box::pin(async move {
            match (call.method, call.path) {
                ("GET", "/_quayside/kinesis/channels/deliveries") => self.kinesis.deliveries_page(
                    call.params.get("channel"),
                    call.params.get("NextToken"),
                    call.params.get("limit"),
                    call.params.get("content") != Some("false"),
                ),
                ("DELETE", "/_quayside/kinesis/channels/deliveries") => {
                    match self.kinesis.clear_deliveries(call.params.get("channel")).await {
                        Ok(n) => Response::json(200, "application/json", &serde_json::json!({ "deleted": n })),
                        Err(e) => {
                            Response::json(500, "application/json", &serde_json::json!({ "error": e.to_string() }))
                        }
                    }
                }
                _ => Response::new(404, "text/plain", "not found"),
            }
        })
    }

    fn shutdown(&self) {
        self.kinesis.shutdown();
    }

    fn metrics(&self, m: &mut service::Metrics) {
        self.kinesis.metrics(m);
    }

    fn declares(&self) -> Option<&dyn service::declare::Declares> {
        Some(&self.kinesis)
    }

    fn inspects(&self) -> Option<&dyn service::inspect::Inspects> {
        Some(&self.kinesis)
    }

    fn health(&self) -> serde_json::Value {
        serde_json::json!({
            "state": "running",
            "streams": self.kinesis.streams().read().len(),
            "handled": self.handled.to_json(),
        })
    }
}
