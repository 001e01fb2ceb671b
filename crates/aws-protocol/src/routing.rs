//! Request facts used to route: which protocol a request speaks and which account and region
//! its SigV4 credential scope names.

/// The wire protocol of an AWS API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// AWS JSON 1.0/1.1: `X-Amz-Target: <prefix>.<Operation>`.
    Json { target_prefix: String, operation: String },
    /// AWS query: form POST or GET with `Action=`.
    Query,
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
}
