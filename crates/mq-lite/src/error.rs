//! Amazon MQ's errors, named after the model's error shapes. Each carries the member it is
//! about (`errorAttribute`, as AWS's bodies do) and AWS's message; this is the one place those
//! strings live. Texts AWS has been seen to answer are marked recorded; the others are chosen
//! in the same style (docs/compatibility.md lists them).

use aws_protocol::model::InputError;
use aws_protocol::{AwsError, Protocol};

/// An Amazon MQ error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MqError {
    /// `BadRequestException` (400).
    BadRequest { attribute: String, message: String },
    /// `NotFoundException` (404).
    NotFound { attribute: String, message: String },
    /// `ConflictException` (409).
    Conflict { attribute: String, message: String },
    /// `InternalServerErrorException` (500): the store failed.
    Internal(String),
}

pub type MqResult<T> = Result<T, MqError>;

impl MqError {
    pub fn bad_request(attribute: &str, message: impl Into<String>) -> Self {
        MqError::BadRequest { attribute: attribute.to_string(), message: message.into() }
    }

    pub fn conflict(attribute: &str, message: impl Into<String>) -> Self {
        MqError::Conflict { attribute: attribute.to_string(), message: message.into() }
    }

    /// "Can't find requested broker [b-...]. Make sure your broker exists."
    pub fn broker_not_found(id: &str) -> Self {
        MqError::NotFound {
            attribute: "broker-id".into(),
            message: format!("Can't find requested broker [{id}]. Make sure your broker exists."),
        }
    }

    pub fn configuration_not_found(id: &str) -> Self {
        MqError::NotFound {
            attribute: "configuration-id".into(),
            message: format!("Can't find requested configuration [{id}]. Make sure your configuration exists."),
        }
    }

    pub fn revision_not_found(id: &str, revision: &str) -> Self {
        MqError::NotFound {
            attribute: "configuration-revision".into(),
            message: format!("Can't find requested revision [{revision}] of configuration [{id}]."),
        }
    }

    pub fn user_not_found(username: &str) -> Self {
        MqError::NotFound {
            attribute: "username".into(),
            message: format!("Can't find requested user [{username}]. Make sure your user exists."),
        }
    }

    pub fn resource_not_found(arn: &str) -> Self {
        MqError::NotFound {
            attribute: "resource-arn".into(),
            message: format!("Can't find requested resource [{arn}]. Make sure your resource exists."),
        }
    }

    /// The protocol-level error: code from the shape, `errorAttribute` in the body.
    pub fn to_aws(&self) -> AwsError {
        let (shape, status, attribute, message) = match self {
            MqError::BadRequest { attribute, message } => ("BadRequestException", 400, attribute.as_str(), message),
            MqError::NotFound { attribute, message } => ("NotFoundException", 404, attribute.as_str(), message),
            MqError::Conflict { attribute, message } => ("ConflictException", 409, attribute.as_str(), message),
            MqError::Internal(m) => ("InternalServerErrorException", 500, "", m),
        };
        let e = AwsError::new(shape, status, message.clone());
        if attribute.is_empty() {
            e
        } else {
            e.with_field("errorAttribute", attribute)
        }
    }
}

impl From<store::Error> for MqError {
    fn from(e: store::Error) -> Self {
        MqError::Internal(e.to_string())
    }
}

/// The member's wire name (`brokerName` for `BrokerName`, `broker-id` for the path label),
/// for `errorAttribute`.
fn wire_name(member: &str) -> String {
    let model = crate::api::model();
    for op in model.operations() {
        let Some(input) = model.input_shape(op) else { continue };
        if let Some(name) = model.shape(input)["members"][member]["locationName"].as_str() {
            return name.to_string();
        }
    }
    let mut c = member.chars();
    c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default()
}

/// An input that does not fit the model, as `BadRequestException` naming the member (wording
/// chosen: AWS's validation texts for Amazon MQ are not recorded).
pub fn input_error(e: InputError, _protocol: Protocol) -> AwsError {
    let err = match e {
        InputError::Missing { member, .. } => {
            let name = wire_name(&member);
            MqError::bad_request(&name, format!("The request must include the {name} parameter."))
        }
        InputError::Type { member, expected, .. } => {
            let name = wire_name(&member);
            MqError::bad_request(&name, format!("The {name} parameter must be a {expected}."))
        }
        InputError::Constraint { member, value, constraint, .. } => {
            let name = wire_name(&member);
            MqError::bad_request(
                &name,
                format!("The value [{value}] of the {name} parameter is invalid: {constraint}."),
            )
        }
        InputError::Encoding { member, .. } => {
            let name = wire_name(&member);
            MqError::bad_request(&name, format!("The {name} parameter is not valid UTF-8."))
        }
        InputError::Many(mut all) if !all.is_empty() => return input_error(all.remove(0), _protocol),
        InputError::Many(_) => MqError::bad_request("", "The request is invalid."),
    };
    err.to_aws()
}

/// A body that is not a JSON object.
pub fn body_error(e: AwsError) -> AwsError {
    MqError::bad_request("", format!("The request body is not valid JSON: {}", e.message)).to_aws()
}
