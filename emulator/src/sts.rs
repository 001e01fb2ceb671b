//! The one STS operation harnesses call first: GetCallerIdentity, answering the request's
//! account. Everything else STS has answers AWS's not-implemented shape.

use crate::http::Reply;
use crate::router::{query_error, reply};
use aws_protocol::xml::{query_response, XmlMember};
use aws_protocol::{AwsError, RequestContext, Response};

pub(crate) const TARGET_PREFIX: &str = "AWSSecurityTokenServiceV20110615";
const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// GetCallerIdentity's output: the request's account, as its root user.
fn identity(ctx: &RequestContext) -> serde_json::Value {
    serde_json::json!({
        "Arn": format!("arn:aws:iam::{}:root", ctx.account),
        "UserId": ctx.account,
        "Account": ctx.account,
    })
}

pub(crate) fn query(ctx: &RequestContext, action: &str) -> Reply {
    if action != "GetCallerIdentity" {
        return query_error(ctx, XMLNS, &AwsError::not_implemented("STS", action));
    }
    let output = identity(ctx);
    let xml = query_response("GetCallerIdentity", XMLNS, Some(&output), &ctx.request_id, &|_| XmlMember::Plain);
    reply(ctx, Response::ok("text/xml", xml))
}

pub(crate) fn json(ctx: &RequestContext, op: &str) -> Reply {
    if op != "GetCallerIdentity" {
        return reply(ctx, AwsError::not_implemented("STS", op).to_json_response("com.amazonaws.sts", false));
    }
    let body = identity(ctx);
    reply(ctx, Response::ok("application/x-amz-json-1.0", body.to_string()))
}
