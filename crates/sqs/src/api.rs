//! SQS on the server's service interface: its entry in the service list, routing facts from
//! the model, each call decoded from its protocol and answered in it, and LocalStack's
//! developer endpoint.

use crate::error::SqsError;
use crate::model::{self, model};
use crate::queue::UrlStyle;
use crate::{persist, Config, Sqs};
use aws_protocol::{AwsError, Protocol, Response, ServiceRoutes};
use serde_json::Value;
use service::codec::{decode_input, encode_output, DecodeError};
use service::{BoxFuture, Call, Env, OptionSpec, PathCall, Service, ServiceDef};
use std::sync::Arc;

const OPTIONS: &[OptionSpec] = &[OptionSpec {
    flag: "queue-url-style",
    help: "How queue URLs are written: path (http://host/queue/<region>/<account>/<name>), domain \
           (http://sqs.<region>.localhost:port/<account>/<name>) or off (http://host/<account>/<name>); \
           every form is accepted as input",
    default: "path",
    values: UrlStyle::VALUES,
}];

/// SQS's entry in the emulator's service list.
pub fn def() -> ServiceDef {
    ServiceDef {
        name: "sqs",
        migrations: persist::MIGRATIONS.to_vec(),
        options: OPTIONS,
        listeners: &[],
        open: Box::new(|env: &Env| {
            let url_style = UrlStyle::parse(env.option("queue-url-style")).unwrap_or_default();
            let config = Config { strict: env.strict, url_style };
            let sqs = Sqs::open(env.store.clone(), env.clock.clone(), config).map_err(|e| format!("sqs: {e}"))?;
            Ok(Arc::new(SqsService::new(sqs)) as Arc<dyn Service>)
        }),
    }
}

/// The SQS service as the server holds it.
pub struct SqsService {
    sqs: Sqs,
    routes: ServiceRoutes,
}

impl SqsService {
    pub fn new(sqs: Sqs) -> Self {
        let mut routes = ServiceRoutes::from_model(model());
        // SQS's query errors end with an empty <Detail/> (recorded); SNS's do not.
        routes.query_error_detail = true;
        SqsService { sqs, routes }
    }

    /// The engine behind the service (for other services and tests).
    pub fn sqs(&self) -> &Sqs {
        &self.sqs
    }

    fn error(&self, e: &SqsError, protocol: Protocol, request_id: &str) -> Response {
        e.to_aws(protocol).to_response(protocol, &self.routes, request_id)
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        let rid = call.ctx.request_id.as_str();
        if call.operation.is_empty() {
            // A request on a queue's URL that names no action (a browser's GET): AWS's bare
            // element, XML whatever the Accept header says (recorded).
            return Response::new(404, "text/xml", "<UnknownOperationException/>");
        }
        if !model::has_operation(call.operation) {
            let e = if call.protocol.is_query() {
                AwsError::invalid_action(call.operation)
            } else {
                AwsError::unknown_operation()
            };
            return e.to_response(call.protocol, &self.routes, rid);
        }
        // Only query requests are posted to a queue's URL; JSON ones skip the path check.
        let on_queue_path = call.protocol.is_query() && queue_path(call.path);
        if on_queue_path && matches!(call.operation, "CreateQueue" | "ListQueues") {
            // Only these are refused on a queue's URL (recorded: GetQueueUrl is answered there,
            // for any queue's name).
            return self.error(&SqsError::invalid_action(call.operation), call.protocol, rid);
        }
        let mut input = match decode_input(model(), &call) {
            Ok(v) => v,
            Err(DecodeError::Body(e)) => return self.error(&SqsError::serialization(e.message), call.protocol, rid),
            Err(DecodeError::Input(e)) => return self.error(&model::input_error(e), call.protocol, rid),
        };
        if let (true, true, Value::Object(m)) = (on_queue_path, model::is_queue_operation(call.operation), &mut input) {
            // Older SDKs post to the queue URL itself instead of sending QueueUrl.
            if !m.contains_key("QueueUrl") {
                m.insert("QueueUrl".into(), Value::String(format!("http://{}{}", call.ctx.host, call.path)));
            }
        }
        match self.sqs.dispatch(call.ctx, call.operation, input).await {
            Ok(v) => encode_output(model(), &self.routes, call.protocol, call.operation, &v, rid),
            Err(e) => self.error(&e, call.protocol, rid),
        }
    }
}

/// Whether a request path is a queue's URL path (`/<account>/<name>`, `/queue/<region>/<account>/<name>`).
fn queue_path(path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        [account, _] => account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
        ["queue", _, _, _] => true,
        _ => false,
    }
}

impl Service for SqsService {
    fn routes(&self) -> &ServiceRoutes {
        &self.routes
    }

    fn call<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, Response> {
        Box::pin(self.answer(call))
    }

    fn tick(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.sqs.tick())
    }

    fn clock_moved(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            self.sqs.tick().await;
            self.sqs.wake_all();
        })
    }

    fn reset(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { self.sqs.reset().await.map_err(|e| e.to_string()) })
    }

    fn health(&self) -> Value {
        let (queues, messages) = self.sqs.stats();
        serde_json::json!({
            "state": "running",
            "queues": queues,
            "messages": messages,
            "waiting_receives": self.sqs.waiting_receives(),
            "rows_to_delete": self.sqs.rows_to_delete(),
            "handled": self.sqs.handled_counts().into_iter().map(|(k, n)| (k.to_string(), Value::from(n))).collect::<serde_json::Map<String, Value>>(),
        })
    }

    fn shutdown(&self) {
        self.sqs.shutdown();
    }

    fn metrics(&self, m: &mut service::Metrics) {
        self.sqs.metrics(m);
    }

    fn declares(&self) -> Option<&dyn service::declare::Declares> {
        Some(&self.sqs)
    }

    fn inspects(&self) -> Option<&dyn service::inspect::Inspects> {
        Some(&self.sqs)
    }

    fn paths(&self) -> &[&'static str] {
        &["/_aws/sqs/messages"]
    }

    fn path_call<'a>(&'a self, call: PathCall<'a>) -> BoxFuture<'a, Response> {
        Box::pin(crate::developer::answer(self, call))
    }

    fn owns_path(&self, path: &str) -> bool {
        queue_path(path)
    }
}
