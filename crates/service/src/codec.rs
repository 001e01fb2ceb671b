//! Decoding a call's input and encoding its output, for services whose operations take and
//! return JSON-protocol-shaped values: one handler per operation serves every protocol.

use crate::{Call, Input};
use aws_protocol::model::{InputError, Model};
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
    match &call.input {
        Input::Body(bytes) if call.protocol == Protocol::Cbor11 => {
            aws_protocol::cbor::decode(bytes).map_err(DecodeError::Body)
        }
        Input::Body(bytes) => aws_protocol::json::parse_body(bytes).map_err(DecodeError::Body),
        Input::Query(params) => params.decode(model, call.operation).map_err(DecodeError::Input),
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
        p => Response::json(200, p.content_type(), output),
    }
}
