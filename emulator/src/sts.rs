//! The one STS operation harnesses call first: GetCallerIdentity, answering the request's
//! account. Everything else STS has answers AWS's not-implemented shape.

use crate::http::Reply;
use crate::router::{query_error, reply};
use aws_protocol::xml::XmlWriter;
use aws_protocol::{AwsError, RequestContext, Response};

pub(crate) const TARGET_PREFIX: &str = "AWSSecurityTokenServiceV20110615";
const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn not_implemented(op: &str) -> AwsError {
    AwsError::new("NotImplemented", 501, format!("The STS operation {op} is not implemented by Quayside."))
}

pub(crate) fn query(ctx: &RequestContext, action: &str) -> Reply {
    if action != "GetCallerIdentity" {
        return query_error(ctx, XMLNS, &not_implemented(action));
    }
    let mut w = XmlWriter::new();
    w.open_ns("GetCallerIdentityResponse", XMLNS);
    w.open("GetCallerIdentityResult");
    w.leaf("Arn", &format!("arn:aws:iam::{}:root", ctx.account));
    w.leaf("UserId", &ctx.account);
    w.leaf("Account", &ctx.account);
    w.close("GetCallerIdentityResult");
    w.open("ResponseMetadata");
    w.leaf("RequestId", &ctx.request_id);
    w.close("ResponseMetadata");
    w.close("GetCallerIdentityResponse");
    reply(ctx, Response::ok("text/xml", w.finish()))
}

pub(crate) fn json(ctx: &RequestContext, op: &str) -> Reply {
    if op != "GetCallerIdentity" {
        return reply(ctx, not_implemented(op).to_json_response("com.amazonaws.sts", false));
    }
    let body = serde_json::json!({
        "Arn": format!("arn:aws:iam::{}:root", ctx.account),
        "UserId": ctx.account,
        "Account": ctx.account,
    });
    reply(ctx, Response::ok("application/x-amz-json-1.0", body.to_string()))
}
