//! Decoding a call's input and encoding its output, for services whose operations take and
//! return JSON-protocol-shaped values: one handler per operation serves every protocol.

use crate::{Call, Input};
use aws_protocol::model::{InputError, Model};
use aws_protocol::rest::{RestInputError, RestMatch};
use aws_protocol::xml::{query_json_response, query_response};
use aws_protocol::{AwsError, Protocol, Response, ServiceRoutes};
use serde_json::Value;

/// Why an input could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The body is not a JSON object (`SerializationException`).
    Body(AwsError),
    /// The input does not fit the operation's shape.
    Input(InputError),
}

/// The call's input as a JSON-protocol value: the JSON body parsed, or the query parameters
/// decoded as the model lays them out (`Action`, `Version` and signing parameters left out).
///
/// Errors: a body that is not a JSON object; a query scalar of the wrong type.
pub fn decode_input(model: &Model, call: &Call<'_>) -> Result<Value, DecodeError> {
    off_the_workers(input_size(&call.input), || decode_now(model, call))
}

/// Inputs from this size on are decoded with the worker thread handed over to the runtime's
/// other tasks (tokio's `block_in_place`), so that parsing a large body does not hold up the
/// connections that share the thread.
const LARGE_INPUT: usize = 64 * 1024;

fn input_size(input: &Input<'_>) -> usize {
    match input {
        Input::Body(b) => b.len(),
        Input::Query(p) => p.byte_len(),
    }
}

/// Runs `f` at once, or, for `size` from [`LARGE_INPUT`] on a multi-threaded runtime, as
/// blocking work (the other tasks of this worker move to another thread meanwhile).
pub fn off_the_workers<T>(size: usize, f: impl FnOnce() -> T) -> T {
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if size >= LARGE_INPUT && multi {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

fn decode_now(model: &Model, call: &Call<'_>) -> Result<Value, DecodeError> {
    match &call.input {
        Input::Body(bytes) if call.protocol == Protocol::Cbor11 => {
            aws_protocol::cbor::decode(bytes).map_err(DecodeError::Body)
        }
        Input::Body(bytes) => aws_protocol::json::parse_body(bytes).map_err(DecodeError::Body),
        Input::Query(params) => params.decode(model, call.operation).map_err(DecodeError::Input),
    }
}

/// AWS's generic reading of an input error, for services without wording of their own:
/// query services answer `MissingParameter` / `InvalidParameterValue` / `ValidationError`,
/// JSON services `ValidationException` (constraints and absent members, in AWS's `1 validation
/// error detected` wording) or `SerializationException` (a value of the wrong type).
pub fn generic_input_error(e: InputError, protocol: Protocol) -> AwsError {
    let query = protocol.is_query();
    match e {
        InputError::Missing { query_name, .. } if query => {
            AwsError::new("MissingParameter", 400, format!("The request must contain the parameter {query_name}."))
        }
        InputError::Type { member, expected, value, .. } if query => AwsError::new(
            "InvalidParameterValue",
            400,
            format!("Value {value} for parameter {member} is invalid. Reason: Must be a {expected}."),
        ),
        InputError::Type { member, expected, .. } => {
            AwsError::new("SerializationException", 400, format!("Value for parameter {member} must be a {expected}."))
        }
        InputError::Encoding { query_name, .. } => {
            AwsError::new("InvalidParameterValue", 400, format!("Value for parameter {query_name} is not valid UTF-8."))
        }
        // A missing member of a JSON input is a violation like the others (`Value null at ...`).
        c @ (InputError::Missing { .. } | InputError::Constraint { .. } | InputError::Many(_)) => {
            let message = c.validation_message().unwrap_or_default();
            AwsError::new(if query { "ValidationError" } else { "ValidationException" }, 400, message)
        }
    }
}

/// What an operation answers: a JSON-shaped value the model encodes for the call's protocol,
/// or a response the operation encodes itself (a large body written without an intermediate
/// value: Kinesis's GetRecords).
pub enum Output {
    Value(Value),
    Encoded(Box<dyn FnOnce(Protocol) -> Response + Send>),
}

impl From<Value> for Output {
    fn from(v: Value) -> Self {
        Output::Value(v)
    }
}

/// The request path of a model-driven service: an operation the model lacks is refused as AWS
/// refuses it (`InvalidAction` over query, `UnknownOperationException` over JSON); the input is
/// decoded and checked against the model's constraints; `dispatch` runs the operation (`None`:
/// not built yet, answered `NotImplemented` naming `title`); the output or error is encoded in
/// the call's protocol.
pub async fn answer<F, Fut>(
    model: &Model,
    routes: &ServiceRoutes,
    title: &str,
    call: &Call<'_>,
    dispatch: F,
) -> Response
where
    F: FnOnce(Value) -> Fut,
    Fut: std::future::Future<Output = Option<Result<Output, AwsError>>>,
{
    answer_with(model, routes, title, call, &InputRules::GENERIC, |_, input| dispatch(input)).await
}

/// How a service reads its input before an operation runs, where it differs from the model's
/// generic answers.
pub struct InputRules {
    /// Runs on the decoded input before the model's constraints (`operation`, input): some
    /// services check a member before reporting another as missing (SNS checks an ARN's shape
    /// first).
    pub first: fn(&str, &Value) -> Result<(), AwsError>,
    /// Words an input that does not fit the model.
    pub error: fn(InputError, Protocol) -> AwsError,
    /// Words a body that is not a JSON object (given the generic `SerializationException`).
    pub body: fn(AwsError) -> AwsError,
}

impl InputRules {
    /// The model's checks, in [`generic_input_error`]'s words.
    pub const GENERIC: InputRules = InputRules { first: |_, _| Ok(()), error: generic_input_error, body: |e| e };
}

/// [`answer`], with the service's own [`InputRules`]; `dispatch` gets the operation's name
/// too (a REST call's is found from its method and path).
pub async fn answer_with<F, Fut>(
    model: &Model,
    routes: &ServiceRoutes,
    title: &str,
    call: &Call<'_>,
    rules: &InputRules,
    dispatch: F,
) -> Response
where
    F: FnOnce(String, Value) -> Fut,
    Fut: std::future::Future<Output = Option<Result<Output, AwsError>>>,
{
    let rid = call.ctx.request_id.as_str();
    let error = |e: AwsError| e.to_response(call.protocol, routes, rid);
    // A REST call names its operation by method and path.
    let (operation, labels) = if call.protocol == Protocol::RestJson && call.operation.is_empty() {
        match routes.rest.find(call.method, call.path) {
            RestMatch::Found { operation, labels } => (operation, labels),
            RestMatch::WrongMethod => {
                return error(AwsError::new(
                    "MethodNotAllowedException",
                    405,
                    "The method is not allowed on this path.",
                ))
            }
            RestMatch::NotFound => return error(AwsError::new("UnknownOperationException", 404, "")),
        }
    } else {
        (call.operation, Vec::new())
    };
    if !model.has_operation(operation) {
        let e =
            if call.protocol.is_query() { AwsError::invalid_action(operation) } else { AwsError::unknown_operation() };
        return error(e);
    }
    let checked = off_the_workers(input_size(&call.input), || {
        let decoded = match (&call.input, call.protocol) {
            (Input::Body(body), Protocol::RestJson) => {
                aws_protocol::rest::decode(model, operation, &labels, call.query, body).map_err(|e| match e {
                    RestInputError::Body(reason) => {
                        DecodeError::Body(AwsError::new("SerializationException", 400, reason))
                    }
                    RestInputError::Input(e) => DecodeError::Input(e),
                })
            }
            _ => decode_now(model, call),
        };
        let input = match decoded {
            Ok(v) => v,
            Err(DecodeError::Body(e)) => return Err((rules.body)(e)),
            Err(DecodeError::Input(e)) => return Err((rules.error)(e, call.protocol)),
        };
        (rules.first)(operation, &input)?;
        match model.check_input(operation, &input, true) {
            Ok(()) => Ok(input),
            Err(e) => Err((rules.error)(e, call.protocol)),
        }
    });
    let input = match checked {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    match dispatch(operation.to_string(), input).await {
        Some(Ok(Output::Value(v))) => encode_output(model, routes, call.protocol, operation, &v, rid),
        // Encoded outputs are the large ones (GetRecords writes up to 10 MiB of records).
        Some(Ok(Output::Encoded(f))) => off_the_workers(LARGE_INPUT, || f(call.protocol)),
        Some(Err(e)) => error(e),
        None => error(AwsError::not_implemented(title, operation)),
    }
}

/// A successful answer in the call's protocol.
pub fn encode_output(
    model: &Model,
    routes: &ServiceRoutes,
    protocol: Protocol,
    operation: &str,
    output: &Value,
    request_id: &str,
) -> Response {
    match protocol {
        Protocol::AwsQuery => {
            Response::ok("text/xml", query_response(model, operation, &routes.xmlns, output, request_id))
        }
        Protocol::AwsQueryJson => {
            Response::json(200, "application/json", &query_json_response(model, operation, output, request_id))
        }
        Protocol::Cbor11 => Response::ok(
            "application/x-amz-cbor-1.1",
            aws_protocol::cbor::encode(Some(model), model.output_shape(operation), output),
        ),
        Protocol::RestJson => match routes.rest.status(operation) {
            204 => Response::new(204, "application/json", ""),
            status => Response::json(status, "application/json", &aws_protocol::rest::encode(model, operation, output)),
        },
        p => Response::json(200, p.content_type(), output),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An operation of the model that a service has not built answers AWS's NotImplemented
    /// (501), in the request's protocol.
    #[tokio::test]
    async fn operations_not_built_answer_not_implemented() {
        let model = Model::parse(include_str!("../../../fixtures/models/kinesis.json")).unwrap();
        let routes = aws_protocol::ServiceRoutes::from_model(&model);
        let ctx = aws_protocol::RequestContext::new("000000000000", "us-east-1", "localhost");
        for (protocol, body) in [(Protocol::AwsJson11, &b"{}"[..]), (Protocol::Cbor11, &[0xa0][..])] {
            let call = Call {
                ctx: &ctx,
                protocol,
                operation: "ListChannels",
                input: Input::Body(body),
                path: "/",
                method: "POST",
                query: "",
            };
            let r = answer(&model, &routes, "Kinesis", &call, |_| async { None }).await;
            assert_eq!(r.status, 501);
            assert_eq!(r.content_type, protocol.content_type());
            let v = match protocol {
                Protocol::Cbor11 => aws_protocol::cbor::decode(r.bytes()).unwrap(),
                _ => serde_json::from_slice(r.bytes()).unwrap(),
            };
            assert!(v["__type"].as_str().is_some_and(|t| t.ends_with("NotImplemented")), "{v}");
        }
    }

    #[test]
    fn generic_errors_per_protocol() {
        let missing = || InputError::Missing {
            scalar: true,
            member: "StreamName".into(),
            path: "streamName".into(),
            query_name: "StreamName".into(),
        };
        let q = generic_input_error(missing(), Protocol::AwsQuery);
        assert_eq!(
            (q.code.as_str(), q.message.as_str()),
            ("MissingParameter", "The request must contain the parameter StreamName.")
        );
        let j = generic_input_error(missing(), Protocol::AwsJson11);
        assert_eq!(j.code, "ValidationException");
        assert_eq!(
            j.message,
            "1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null"
        );
        let c = InputError::Constraint {
            member: "StreamName".into(),
            path: "streamName".into(),
            value: "x".into(),
            constraint: "Member must have length greater than or equal to 2".into(),
        };
        assert_eq!(generic_input_error(c, Protocol::Cbor11).code, "ValidationException");
    }
}
