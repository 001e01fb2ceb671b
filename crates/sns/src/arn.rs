//! ARNs as SNS reads them: `arn:<partition>:<service>:<region>:<account>:<resource>`, the one
//! splitter behind topic, subscription, SQS queue and platform ARNs, and AWS's words for an ARN
//! with too few parts.

use crate::error::{SnsError, SnsResult};

/// An ARN's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the account (it may hold `:` and `/`).
    pub resource: &'a str,
}

/// Splits an ARN of `service` with a region, an account and a resource.
pub fn split<'a>(arn: &'a str, service: &str) -> Option<Arn<'a>> {
    let mut p = arn.splitn(6, ':');
    match (p.next(), p.next(), p.next(), p.next(), p.next(), p.next()) {
        (Some("arn"), Some(_), Some(s), Some(region), Some(account), Some(resource))
            if s == service && !region.is_empty() && !account.is_empty() && !resource.is_empty() =>
        {
            Some(Arn { service: s, region, account, resource })
        }
        _ => None,
    }
}

/// `InvalidParameter` in AWS's words for an ARN of fewer than six parts
/// ("<member> Reason: An ARN must have at least 6 elements, not 1"), or `Ok`.
pub fn check_parts(arn: &str, member: &str) -> SnsResult<()> {
    let parts = arn.split(':').count();
    if parts < 6 {
        return Err(SnsError::invalid_parameter(format!(
            "{member} Reason: An ARN must have at least 6 elements, not {parts}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_refuses() {
        let a = split("arn:aws:sns:us-east-1:000000000000:t:sub-id", "sns").unwrap();
        assert_eq!((a.region, a.account, a.resource), ("us-east-1", "000000000000", "t:sub-id"));
        assert!(split("arn:aws:sqs:us-east-1:000000000000:q", "sns").is_none());
        assert!(split("arn:aws:sns::000000000000:t", "sns").is_none());
        assert_eq!(
            check_parts("nope", "EndpointArn").unwrap_err().to_aws().message,
            "Invalid parameter: EndpointArn Reason: An ARN must have at least 6 elements, not 1"
        );
    }
}
