//! AWS STS for Quayside: GetCallerIdentity answers the request's account (the AWS CLI,
//! Terraform and test harnesses call it first). Every other operation of the model answers
//! AWS's `NotImplemented` shape (listed in docs/compatibility.md).

use aws_protocol::model::Model;
use aws_protocol::{AwsError, RequestContext, Response, ServiceRoutes};
use service::codec::{decode_input, encode_output, generic_input_error, DecodeError};
use service::{BoxFuture, Call, Env, Service, ServiceDef};
use std::sync::Arc;

/// STS's entry in the emulator's service list.
pub fn def() -> ServiceDef {
    ServiceDef { name: "sts", migrations: Vec::new(), options: &[], listeners: &[], open: Box::new(open) }
}

fn open(_: &Env) -> Result<Arc<dyn Service>, String> {
    let model =
        Model::parse(include_str!("../../../fixtures/models/sts.json")).map_err(|e| format!("sts model: {e}"))?;
    let mut routes = ServiceRoutes::from_model(&model);
    // STS also takes AWS JSON 1.0 under its Smithy service name (newer SDKs' fallback).
    routes.target_prefix = Some("AWSSecurityTokenServiceV20110615".into());
    routes.json_version = Some("1.0".into());
    routes.json_namespace = "com.amazonaws.sts".into();
    Ok(Arc::new(Sts { model, routes }))
}

struct Sts {
    model: Model,
    routes: ServiceRoutes,
}

/// GetCallerIdentity's output: the request's account, as its root user.
fn identity(ctx: &RequestContext) -> serde_json::Value {
    serde_json::json!({
        "Arn": format!("arn:aws:iam::{}:root", ctx.account),
        "UserId": ctx.account,
        "Account": ctx.account,
    })
}

impl Service for Sts {
    fn routes(&self) -> &ServiceRoutes {
        &self.routes
    }

    fn call<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, Response> {
        let rid = &call.ctx.request_id;
        let r = if !self.model.has_operation(call.operation) {
            let e = if call.protocol.is_query() {
                AwsError::invalid_action(call.operation)
            } else {
                AwsError::unknown_operation()
            };
            e.to_response(call.protocol, &self.routes, rid)
        } else if call.operation != "GetCallerIdentity" {
            AwsError::not_implemented("STS", call.operation).to_response(call.protocol, &self.routes, rid)
        } else {
            let checked = decode_input(&self.model, &call)
                .and_then(|v| self.model.check_input(call.operation, &v, true).map_err(DecodeError::Input));
            match checked {
                Ok(_) => {
                    encode_output(&self.model, &self.routes, call.protocol, call.operation, &identity(call.ctx), rid)
                }
                Err(DecodeError::Body(e)) => e.to_response(call.protocol, &self.routes, rid),
                Err(DecodeError::Input(e)) => {
                    generic_input_error(e, call.protocol).to_response(call.protocol, &self.routes, rid)
                }
            }
        };
        Box::pin(async move { r })
    }
}
