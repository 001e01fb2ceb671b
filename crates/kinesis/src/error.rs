//! Kinesis's errors, named after AWS's error shapes; the wording of each is AWS's (as
//! kinesalite recorded it), and this is the one place those strings live.

use aws_protocol::AwsError;

/// A Kinesis error: a shape with AWS's message, or an internal failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KinesisError {
    Shape {
        shape: &'static str,
        message: String,
    },
    Internal(String),
    /// AWS's bare `{"__type":"InternalFailure"}` (500, no message), which it answers to some
    /// inputs (recorded: a version-0 StartingSequenceNumber of the right shard).
    InternalFailure,
}

pub type KinesisResult<T> = Result<T, KinesisError>;

impl KinesisError {
    fn shape(shape: &'static str, message: impl Into<String>) -> Self {
        KinesisError::Shape { shape, message: message.into() }
    }

    /// `ResourceNotFoundException`: "Stream <name> under account <account> not found."
    pub fn stream_not_found(name: &str, account: &str) -> Self {
        Self::shape("ResourceNotFoundException", format!("Stream {name} under account {account} not found."))
    }

    /// `ResourceInUseException` for a name that is taken.
    pub fn stream_exists(name: &str, account: &str) -> Self {
        Self::shape("ResourceInUseException", format!("Stream {name} under account {account} already exists."))
    }

    /// `ResourceInUseException` for a stream that is not ACTIVE.
    pub fn stream_not_active(name: &str, account: &str, status: &str) -> Self {
        Self::shape(
            "ResourceInUseException",
            format!("Stream {name} under account {account} not ACTIVE, instead in state {status}"),
        )
    }

    /// `ResourceInUseException` with its own words.
    pub fn in_use(message: impl Into<String>) -> Self {
        Self::shape("ResourceInUseException", message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::shape("InvalidArgumentException", message)
    }

    pub fn internal_failure() -> Self {
        KinesisError::InternalFailure
    }

    /// `SerializationException`: a body or member that does not decode.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::shape("SerializationException", message)
    }

    /// `ResourceNotFoundException` with its own words.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::shape("ResourceNotFoundException", message)
    }

    /// `ResourceNotFoundException` for a shard.
    pub fn shard_not_found(shard: &str, stream: &str, account: &str) -> Self {
        Self::shape(
            "ResourceNotFoundException",
            format!("Shard {shard} in stream {stream} under account {account} does not exist"),
        )
    }

    /// `DryRunOperationException`: the call would have succeeded.
    pub fn dry_run() -> Self {
        Self::shape("DryRunOperationException", "Request would have succeeded, but DryRun flag is set.")
    }

    /// `ExpiredIteratorException`, with the times in AWS's `Thu Jan 22 01:22:02 UTC 2015` form.
    pub fn iterator_expired(issued_ms: u64, now_ms: u64, lifetime_ms: u64) -> Self {
        Self::shape(
            "ExpiredIteratorException",
            format!(
                "Iterator expired. The iterator was created at time {} while right now it is {} which is further \
                 in the future than the tolerated delay of {lifetime_ms} milliseconds.",
                aws_protocol::time::java_utc(issued_ms as i64),
                aws_protocol::time::java_utc(now_ms as i64)
            ),
        )
    }

    /// `ProvisionedThroughputExceededException` for a shard (`--kinesis-enforce-limits`).
    pub fn rate_exceeded(shard: &str, stream: &str, account: &str) -> Self {
        Self::shape(
            "ProvisionedThroughputExceededException",
            format!("Rate exceeded for shard {shard} in stream {stream} under account {account}."),
        )
    }

    /// The message (for errors reported inside a successful answer).
    pub fn message(&self) -> String {
        match self {
            KinesisError::Shape { message, .. } | KinesisError::Internal(message) => message.clone(),
            KinesisError::InternalFailure => String::new(),
        }
    }

    /// `ValidationException` with its own words.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::shape("ValidationException", message)
    }

    /// `ValidationException` for one member, in AWS's `1 validation error detected` wording.
    pub fn validation(value: &str, path: &str, constraint: &str) -> Self {
        Self::shape(
            "ValidationException",
            format!(
                "1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"
            ),
        )
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::shape("LimitExceededException", message)
    }

    /// The classic code (for tests and logs).
    pub fn code(&self) -> String {
        self.to_aws().code
    }

    /// Maps to the protocol-level error: every Kinesis error is a 400 sender fault but the
    /// internal one.
    pub fn to_aws(&self) -> AwsError {
        match self {
            KinesisError::Shape { shape, message } => AwsError::new(shape, 400, message.clone()),
            KinesisError::Internal(m) => {
                let mut e = AwsError::new("InternalFailureException", 500, m.clone());
                e.sender_fault = false;
                e
            }
            KinesisError::InternalFailure => {
                let mut e = AwsError::new("InternalFailure", 500, "");
                e.sender_fault = false;
                e
            }
        }
    }
}

impl From<store::Error> for KinesisError {
    fn from(e: store::Error) -> Self {
        tracing::error!("kinesis: store error: {e}");
        KinesisError::Internal("We encountered an internal error. Please try again.".into())
    }
}

impl std::fmt::Display for KinesisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = self.to_aws();
        write!(f, "{}: {}", e.code, e.message)
    }
}

/// How an input that does not fit the model reads on Kinesis's wire: a value of the wrong
/// JSON type is a `SerializationException` in the words of AWS's Java (Coral) deserializer,
/// recorded for every member type (`class java.lang.Boolean can not be converted to an
/// String`, `Expected list or null`, `'23' can not be converted to an Boolean`, ...); the rest
/// reads as the generic JSON errors.
pub fn input_error(e: aws_protocol::model::InputError, protocol: aws_protocol::Protocol) -> AwsError {
    use aws_protocol::model::{InputError, JsonKind};
    let InputError::Type { shape_type, received, value, reason, from_query: false, .. } = e else {
        return service::codec::generic_input_error(e, protocol);
    };
    const NUMBER: &str = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";
    let java = |k: JsonKind| match k {
        JsonKind::Bool => "class java.lang.Boolean",
        JsonKind::Number => NUMBER,
        _ => "class java.lang.String",
    };
    // A list or an object where none belongs is reported by the token that starts it; any
    // other value by the type it cannot become.
    let message = match (received, shape_type) {
        (JsonKind::List, _) => "Start of list found where not expected".to_string(),
        (JsonKind::Object, _) => "Start of structure or map found where not expected.".to_string(),
        (_, "list") => "Expected list or null".to_string(),
        (_, "map") => "Expected map or null".to_string(),
        (_, "structure") => "Expected null".to_string(),
        (JsonKind::String, "blob") => {
            format!("'{value}' can not be converted to a Blob: {}", reason.unwrap_or_default())
        }
        (k, "blob") => format!("{} can not be converted to a Blob", java(k)),
        (JsonKind::String, "boolean") => format!("'{value}' can not be converted to an Boolean"),
        (k, "timestamp") => format!("{} can not be converted to milliseconds since epoch", java(k)),
        (k, t) => {
            let target = match t {
                "integer" => "Integer",
                "long" => "Long",
                "boolean" => "Boolean",
                "double" => "Double",
                "float" => "Float",
                _ => "String",
            };
            format!("{} can not be converted to an {target}", java(k))
        }
    };
    AwsError::new("SerializationException", 400, message)
}
