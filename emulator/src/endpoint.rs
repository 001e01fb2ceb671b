//! A listener dedicated to one AWS JSON service (`--kinesis-port`): tools written for that
//! service alone (kinesalite's users, the KPL and KCL) point there, and get the answers of the
//! service's own endpoint for everything that is not a valid call of it. kinesalite recorded
//! those answers against AWS: a method other than POST, an unreadable target or a body without
//! a content type is a 403 XML AccessDeniedException (with no Content-Type); a content type
//! the service does not read is a 404
//! `<UnknownOperationException/>`; an empty or unparsable body, an unknown target, and a
//! missing or incomplete signature are errors in the request's own format. CBOR (the KCL's
//! default) is read as AWS's endpoint reads it.

use crate::respond::Reply;
use aws_protocol::routing::ServiceRoutes;
use aws_protocol::Response;
use bytes::Bytes;
use hyper::http::request::Parts;

const JSON: &str = "application/x-amz-json-1.1";
const CBOR: &str = "application/x-amz-cbor-1.1";

fn xml(status: u16, body: String) -> Response {
    Response::new(status, "application/xml", Bytes::from(body))
}

/// `<Type>\n  <Message>..</Message>\n</Type>\n`, 403, with no Content-Type (recorded).
fn xml_error(kind: &str, message: &str) -> Response {
    Response::new(403, "", Bytes::from(format!("<{kind}>\n  <Message>{message}</Message>\n</{kind}>\n")))
}

/// `{"__type": kind, "message": ..}` in the request's format, 400.
fn error(content_type: &str, kind: &str, message: Option<&str>) -> Response {
    let mut v = serde_json::json!({ "__type": kind });
    if let Some(m) = message {
        v["message"] = m.into();
    }
    if content_type == CBOR {
        Response::new(400, CBOR, aws_protocol::cbor::encode(None, None, &v))
    } else {
        Response::json(400, JSON, &v)
    }
}

/// The answer for a request the dedicated endpoint refuses before the service sees it; `None`
/// for a request to pass on.
pub(crate) fn refuse(
    parts: &Parts,
    body: &[u8],
    routes: &ServiceRoutes,
    has_operation: impl Fn(&str) -> bool,
) -> Option<Response> {
    let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok());
    if parts.method != hyper::Method::POST {
        return Some(xml_error("AccessDeniedException", "Unable to determine service/operation name to be authorized"));
    }
    let content_type = header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_string();
    let (service, operation) = match header("x-amz-target").unwrap_or("").split_once('.') {
        Some((s, o)) => (s.to_string(), o.to_string()),
        None => (header("x-amz-target").unwrap_or("").to_string(), String::new()),
    };
    let known = routes.target_prefix.as_deref() == Some(service.as_str()) && has_operation(&operation);
    if body.is_empty() {
        let kind = if known { "SerializationException" } else { "UnknownOperationException" };
        return Some(error(if content_type == JSON { JSON } else { CBOR }, kind, None));
    }
    if ![JSON, CBOR, "application/json"].contains(&content_type.as_str()) {
        // A body without a content type is unreadable whatever its target (recorded).
        if service.is_empty() || operation.is_empty() || content_type.is_empty() {
            return Some(xml_error(
                "AccessDeniedException",
                "Unable to determine service/operation name to be authorized",
            ));
        }
        return Some(xml(404, "<UnknownOperationException/>\n".into()));
    }
    let parsed = if content_type == CBOR {
        aws_protocol::cbor::decode(body).is_ok()
    } else {
        serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v.is_object())
    };
    // Coral's envelope, no message (recorded: 400 for a body that is not JSON, 404 for one
    // that is).
    let coral = |status: u16, kind: &str| {
        let v = serde_json::json!({"Output": {"__type": format!("com.amazon.coral.service#{kind}")}, "Version": "1.0"});
        Response::json(status, "application/json", &v)
    };
    if !parsed {
        if content_type == "application/json" {
            return Some(coral(400, "SerializationException"));
        }
        return Some(error(&content_type, "SerializationException", None));
    }
    // The old `application/json` content type goes no further at AWS.
    if content_type == "application/json" {
        return Some(coral(404, "UnknownOperationException"));
    }
    if !known {
        return Some(error(&content_type, "UnknownOperationException", None));
    }
    signature_error(parts).map(|(kind, message)| error(&content_type, kind, Some(&message)))
}

/// A missing or incomplete SigV4 signature, as AWS words it.
fn signature_error(parts: &Parts) -> Option<(&'static str, String)> {
    let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok());
    let query = aws_protocol::query::QueryParams::parse(parts.uri.query().unwrap_or("").as_bytes());
    let auth = header("authorization");
    let by_query = query.get("X-Amz-Algorithm").is_some();
    match auth {
        Some(_) if by_query => Some((
            "InvalidSignatureException",
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.".into(),
        )),
        None if !by_query => Some(("MissingAuthenticationTokenException", "Missing Authentication Token".into())),
        Some(auth) => {
            let given: Vec<(&str, &str)> = auth
                .split([',', ' '])
                .skip(1)
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.trim().split_once('='))
                .collect();
            let mut msg = String::new();
            for p in ["Credential", "Signature", "SignedHeaders"] {
                if !given.iter().any(|(k, v)| *k == p && !v.is_empty()) {
                    msg += &format!("Authorization header requires '{p}' parameter. ");
                }
            }
            if header("x-amz-date").is_none() && header("date").is_none() {
                msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
            }
            (!msg.is_empty()).then(|| ("IncompleteSignatureException", format!("{msg}Authorization={auth}")))
        }
        None => {
            let mut msg = String::new();
            for p in ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"] {
                if query.get(p).is_none_or(str::is_empty) {
                    msg += &format!("AWS query-string parameters must include '{p}'. ");
                }
            }
            (!msg.is_empty())
                .then(|| ("IncompleteSignatureException", format!("{msg}Re-examine the query-string parameters.")))
        }
    }
}

/// Adds `x-amz-id-2` (AWS's extended request id: 72 random bytes in base64) to an answer of
/// the dedicated endpoint.
pub(crate) fn extended_id(reply: &mut Reply) {
    let bytes: Vec<u8> = (0..5).flat_map(|_| uuid::Uuid::new_v4().into_bytes()).take(72).collect();
    use base64::Engine;
    let id = base64::engine::general_purpose::STANDARD.encode(bytes);
    if let Ok(v) = hyper::header::HeaderValue::from_str(&id) {
        reply.headers_mut().insert("x-amz-id-2", v);
    }
}
