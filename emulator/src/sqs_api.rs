//! SQS over both wire protocols: JSON 1.0 in and out (with `x-amzn-query-error` on errors),
//! and query (form or URL parameters in, XML out).

use crate::http::Reply;
use crate::router::reply;
use crate::App;
use aws_protocol::query::QueryParams;
use aws_protocol::xml::query_response;
use aws_protocol::{RequestContext, Response};
use serde_json::Value;
use sqs::wire::{xml_member, JSON_NAMESPACE, XMLNS};

pub(crate) async fn json(app: &App, ctx: &RequestContext, op: &str, body: &[u8]) -> Reply {
    if !sqs::model::has_operation(op) {
        let e = aws_protocol::AwsError::new("UnknownOperationException", 400, "");
        return reply(ctx, e.to_json_response(JSON_NAMESPACE, false));
    }
    let input = match aws_protocol::json::parse_body(body) {
        Ok(v) => v,
        Err(e) => return reply(ctx, e.to_json_response(JSON_NAMESPACE, true)),
    };
    match app.sqs.dispatch(ctx, op, input, false).await {
        Ok(v) => reply(ctx, Response::ok("application/x-amz-json-1.0", v.to_string())),
        Err(e) => reply(ctx, e.to_aws().to_json_response(JSON_NAMESPACE, true)),
    }
}

pub(crate) async fn query(app: &App, ctx: &RequestContext, op: &str, params: QueryParams, path: &str) -> Reply {
    let mut input = params.to_json(&sqs::wire::query_member);
    if let Value::Object(m) = &mut input {
        m.retain(|k, _| !matches!(k.as_str(), "Action" | "Version") && !k.starts_with("X-Amz-"));
        // Older SDKs post to the queue URL itself instead of sending QueueUrl.
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if !m.contains_key("QueueUrl") && segs.len() == 2 {
            m.insert("QueueUrl".into(), Value::String(format!("http://{}{}", ctx.host, path)));
        }
    }
    match app.sqs.dispatch(ctx, op, input, true).await {
        Ok(v) => reply(ctx, Response::ok("text/xml", query_xml(op, &v, &ctx.request_id))),
        Err(e) => reply(ctx, e.to_aws().to_query_response(XMLNS, &ctx.request_id)),
    }
}

/// SQS's query success document (operations without output have no Result element).
pub(crate) fn query_xml(op: &str, output: &Value, request_id: &str) -> String {
    let output = sqs::model::has_output(op).then_some(output);
    query_response(op, XMLNS, output, request_id, &|name| xml_member(op, name))
}
