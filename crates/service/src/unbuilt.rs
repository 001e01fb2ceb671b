//! A service whose crate is not built yet: it routes as its model says and answers every
//! operation of the model with AWS's `NotImplemented` shape, so clients get a clear answer
//! instead of a routing error.

use crate::{BoxFuture, Call, Env, Service, ServiceDef};
use aws_protocol::model::Model;
use aws_protocol::{AwsError, Response, ServiceRoutes};
use std::sync::Arc;

/// See the module documentation.
pub struct Unbuilt {
    routes: ServiceRoutes,
    title: String,
}

impl Unbuilt {
    /// The definition of a service known only by its trimmed model.
    pub fn def(name: &'static str, model_text: &'static str) -> ServiceDef {
        ServiceDef {
            name,
            migrations: Vec::new(),
            options: &[],
            listeners: &[],
            open: Box::new(move |_: &Env| {
                let model = Model::parse(model_text).map_err(|e| format!("{name} model: {e}"))?;
                let routes = ServiceRoutes::from_model(&model);
                let title = model.metadata("serviceId").unwrap_or(name).to_string();
                Ok(Arc::new(Unbuilt { routes, title }) as Arc<dyn Service>)
            }),
        }
    }
}

impl Service for Unbuilt {
    fn routes(&self) -> &ServiceRoutes {
        &self.routes
    }

    fn call<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, Response> {
        let e = if self.routes.operations.iter().any(|o| o == call.operation) {
            AwsError::not_implemented(&self.title, call.operation)
        } else if call.protocol.is_query() {
            AwsError::invalid_action(call.operation)
        } else {
            AwsError::unknown_operation()
        };
        let r = e.to_response(call.protocol, &self.routes, &call.ctx.request_id);
        Box::pin(async move { r })
    }

    fn health(&self) -> serde_json::Value {
        serde_json::json!({"state": "not implemented"})
    }

    fn running(&self) -> bool {
        false
    }
}
