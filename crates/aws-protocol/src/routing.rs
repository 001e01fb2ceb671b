//! Request facts used to route: a service's routing facts (from its model's metadata), the
//! `X-Amz-Target` header, and the account and region a SigV4 credential scope names.

use crate::model::Model;

/// What the router needs to know of a service, read from its model's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceRoutes {
    /// Short name (the endpoint prefix: `sqs`, `sns`, `kinesis`), for health and logs.
    pub name: String,
    /// The SigV4 signing name (`sqs`, `sts`, `mq`).
    pub signing_name: String,
    /// `X-Amz-Target` prefix of JSON requests (`AmazonSQS`, `Kinesis_20131202`).
    pub target_prefix: Option<String>,
    /// `"1.0"` or `"1.1"` for JSON services.
    pub json_version: Option<String>,
    /// The `Version=` of query requests (`2012-11-05`), for services that speak query.
    pub query_version: Option<String>,
    /// XML namespace of query answers.
    pub xmlns: String,
    /// Prefix of JSON error `__type`s (`com.amazonaws.sqs`); empty for a bare shape name.
    pub json_namespace: String,
    /// JSON errors also carry `x-amzn-query-error` (awsQueryCompatible services).
    pub query_compatible: bool,
    /// Path prefixes of REST operations (`/v1/brokers`).
    pub rest_paths: Vec<String>,
    /// The REST operations' routes (method and URI template).
    pub rest: crate::rest::RestRoutes,
    /// The operations, for routing a query `Action` that names no `Version`.
    pub operations: Vec<String>,
    /// Query errors carry an empty `<Detail/>` after the message: SQS's do, SNS's and STS's
    /// do not (recorded). The service sets it; no model says it.
    pub query_error_detail: bool,
    /// A JSON `SerializationException` carries its text under `Message`, as the Coral
    /// deserializer writes it (recorded for Kinesis; other errors keep `message`).
    pub serialization_message_capital: bool,
}

impl ServiceRoutes {
    /// The routing facts a model's metadata and operations state.
    pub fn from_model(model: &Model) -> ServiceRoutes {
        let name = model.metadata("endpointPrefix").unwrap_or("").to_string();
        let protocol = model.metadata("protocol").unwrap_or("");
        let query_compatible = model.has_metadata("awsQueryCompatible");
        let speaks_query = protocol == "query" || query_compatible;
        let mut rest_paths: Vec<String> = Vec::new();
        if protocol.starts_with("rest") {
            for op in model.operations() {
                if let Some(uri) = model.http_uri(op) {
                    let prefix = uri.split(['{', '?']).next().unwrap_or("").trim_end_matches('/').to_string();
                    if !prefix.is_empty() && !rest_paths.contains(&prefix) {
                        rest_paths.push(prefix);
                    }
                }
            }
        }
        ServiceRoutes {
            signing_name: model.metadata("signingName").unwrap_or(&name).to_string(),
            target_prefix: model.metadata("targetPrefix").map(str::to_string),
            json_version: model.metadata("jsonVersion").map(str::to_string),
            query_version: if speaks_query { model.metadata("apiVersion").map(str::to_string) } else { None },
            xmlns: model.metadata("xmlNamespace").unwrap_or("").to_string(),
            json_namespace: format!("com.amazonaws.{name}"),
            query_compatible,
            rest_paths,
            rest: crate::rest::RestRoutes::from_model(model),
            operations: model.operations().into_iter().map(str::to_string).collect(),
            query_error_detail: false,
            serialization_message_capital: false,
            name,
        }
    }
}

/// Splits an `X-Amz-Target` header into prefix and operation (`AmazonSQS.SendMessage`).
pub fn split_target(target: &str) -> Option<(&str, &str)> {
    let (prefix, op) = target.rsplit_once('.')?;
    if prefix.is_empty() || op.is_empty() {
        return None;
    }
    Some((prefix, op))
}

/// What a SigV4 credential scope says: `AKID/20240101/us-east-1/sqs/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key_id: String,
    pub region: String,
    /// The signing name (`sqs`, `sns`, `sts`, `kinesis`); empty if the scope is cut short.
    pub service: String,
}

/// The credential scope of a SigV4 `Authorization` header
/// (`AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, ...`) or of a
/// presigned URL's `X-Amz-Credential` value. `None` if it names no key id and region.
pub fn credential_scope(value: &str) -> Option<CredentialScope> {
    let cred = match value.find("Credential=") {
        Some(i) => &value[i + "Credential=".len()..],
        None => value,
    };
    let cred = cred.split([',', ' ']).next()?;
    let mut parts = cred.split('/');
    let access_key_id = parts.next()?.to_string();
    let _date = parts.next()?;
    let region = parts.next()?.to_string();
    let service = parts.next().unwrap_or("").to_string();
    if access_key_id.is_empty() || region.is_empty() {
        return None;
    }
    Some(CredentialScope { access_key_id, region, service })
}

/// The account an access key id selects: a 12-digit key id is itself the account
/// (LocalStack's convention); anything else is the default account.
pub fn account_for_key(akid: &str, default: &str) -> String {
    if akid.len() == 12 && akid.bytes().all(|b| b.is_ascii_digit()) {
        akid.to_string()
    } else {
        default.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope() {
        let h = "AWS4-HMAC-SHA256 Credential=123456789012/20240101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=abc";
        let scope = credential_scope(h).unwrap();
        assert_eq!(
            (scope.access_key_id.as_str(), scope.region.as_str(), scope.service.as_str()),
            ("123456789012", "eu-west-1", "sqs")
        );
        assert_eq!(credential_scope("garbage"), None);
        assert_eq!(account_for_key("123456789012", "000000000000"), "123456789012");
        assert_eq!(account_for_key("AKIDEXAMPLE", "000000000000"), "000000000000");
    }

    #[test]
    fn targets() {
        assert_eq!(split_target("AmazonSQS.SendMessage"), Some(("AmazonSQS", "SendMessage")));
        assert_eq!(split_target("Kinesis_20131202.PutRecord"), Some(("Kinesis_20131202", "PutRecord")));
        assert_eq!(split_target("nodot"), None);
    }

    #[test]
    fn routes_from_models() {
        let m = Model::parse(include_str!("../../../fixtures/models/sqs.json")).unwrap();
        let r = ServiceRoutes::from_model(&m);
        assert_eq!(r.target_prefix.as_deref(), Some("AmazonSQS"));
        assert_eq!(r.query_version.as_deref(), Some("2012-11-05"));
        assert_eq!(r.xmlns, "http://queue.amazonaws.com/doc/2012-11-05/");
        assert!(r.query_compatible);
        let k =
            ServiceRoutes::from_model(&Model::parse(include_str!("../../../fixtures/models/kinesis.json")).unwrap());
        assert_eq!((k.json_version.as_deref(), k.query_version.as_deref()), (Some("1.1"), None));
    }
}
