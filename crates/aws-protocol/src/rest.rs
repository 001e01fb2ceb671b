//! REST-JSON (Amazon MQ), as the model declares it: each operation's method and URI template
//! (`/v1/brokers/{broker-id}/users/{username}`), members bound to path labels (`location:
//! uri`), to the query string (`location: querystring`) or to the JSON body under their wire
//! names (`locationName`: `brokerName`), and each operation's success status.
//!
//! Requests are decoded into the JSON-protocol shape of the operation's input (members by
//! their model names, `BrokerName`), so the model's checks and the services' handlers are the
//! same as for the other protocols; outputs are encoded back under the wire names, timestamps
//! in their shape's format.

use crate::model::{InputError, JsonKind, Model};
use serde_json::{Map, Value};

/// One operation's route.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    method: String,
    segments: Vec<Segment>,
    operation: String,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`: one non-empty segment; `{name+}`: the rest of the path.
    Label {
        name: String,
        greedy: bool,
    },
}

/// The REST routes of a model (empty for a service that speaks no REST protocol).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestRoutes {
    routes: Vec<Route>,
}

/// What a request's method and path name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestMatch<'a> {
    /// The operation and its path labels, percent-decoded.
    Found {
        operation: &'a str,
        labels: Vec<(String, String)>,
    },
    /// The path is an operation's, the method none of its.
    WrongMethod,
    NotFound,
}

impl RestRoutes {
    /// The routes of every operation with an `http` binding.
    pub fn from_model(model: &Model) -> RestRoutes {
        let mut routes = Vec::new();
        for op in model.operations() {
            let Some(uri) = model.http_uri(op) else { continue };
            let path = uri.split('?').next().unwrap_or("");
            let segments = path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(l) => Segment::Label { name: l.trim_end_matches('+').to_string(), greedy: l.ends_with('+') },
                    None => Segment::Literal(s.to_string()),
                })
                .collect();
            routes.push(Route {
                method: model.http_method(op).unwrap_or("POST").to_string(),
                segments,
                operation: op.to_string(),
                status: model.http_status(op).unwrap_or(200),
            });
        }
        // The most specific template first: more literal segments win over labels.
        routes.sort_by_key(|r| {
            let literals = r.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count();
            (std::cmp::Reverse(literals), std::cmp::Reverse(r.segments.len()))
        });
        RestRoutes { routes }
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The operation a method and path (without the query string) name.
    pub fn find(&self, method: &str, path: &str) -> RestMatch<'_> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut path_matched = false;
        for r in &self.routes {
            let Some(labels) = match_segments(&r.segments, &parts) else { continue };
            if r.method.eq_ignore_ascii_case(method) {
                return RestMatch::Found { operation: &r.operation, labels };
            }
            path_matched = true;
        }
        if path_matched {
            RestMatch::WrongMethod
        } else {
            RestMatch::NotFound
        }
    }

    /// The status of an operation's successful answer (`responseCode`: 200, or 204 for
    /// Amazon MQ's CreateTags and DeleteTags).
    pub fn status(&self, operation: &str) -> u16 {
        self.routes.iter().find(|r| r.operation == operation).map_or(200, |r| r.status)
    }
}

fn match_segments(template: &[Segment], parts: &[&str]) -> Option<Vec<(String, String)>> {
    let mut labels = Vec::new();
    let mut i = 0;
    for seg in template {
        match seg {
            Segment::Literal(l) => {
                if parts.get(i) != Some(&l.as_str()) {
                    return None;
                }
                i += 1;
            }
            Segment::Label { name, greedy: false } => {
                let p = parts.get(i)?;
                labels.push((name.clone(), percent_decode(p)?));
                i += 1;
            }
            Segment::Label { name, greedy: true } => {
                if i >= parts.len() {
                    return None;
                }
                let rest: Vec<String> = parts[i..].iter().map(|p| percent_decode(p)).collect::<Option<_>>()?;
                labels.push((name.clone(), rest.join("/")));
                i = parts.len();
            }
        }
    }
    (i == parts.len()).then_some(labels)
}

/// `%XX` escapes decoded (a path keeps `+` as is); `None` if the result is not UTF-8 or an
/// escape is cut short.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Why a REST request could not be read into its operation's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestInputError {
    /// The body is not a JSON object (its parser's words).
    Body(String),
    /// A label or query value that is not its member's type, or not UTF-8.
    Input(InputError),
}

/// The operation's input as a JSON-protocol value: path labels, query-string members and the
/// JSON body's members, each under its model name. Unknown query parameters and body members
/// are ignored, as AWS's endpoints do.
///
/// Errors: a body that is not a JSON object; a label or query value not of its type.
pub fn decode(
    model: &Model,
    operation: &str,
    labels: &[(String, String)],
    query: &str,
    body: &[u8],
) -> Result<Value, RestInputError> {
    let Some(shape_name) = model.input_shape(operation) else {
        return Ok(Value::Object(Map::new()));
    };
    let shape = model.shape(shape_name);
    let mut out = Map::new();
    let body_text = std::str::from_utf8(body).map_err(|_| RestInputError::Body("the body is not UTF-8".into()))?;
    if !body_text.trim().is_empty() {
        let v: Value = serde_json::from_str(body_text).map_err(|e| RestInputError::Body(e.to_string()))?;
        let Value::Object(wire) = v else {
            return Err(RestInputError::Body("the body is not a JSON object".into()));
        };
        if let Value::Object(m) = from_wire(model, shape_name, &Value::Object(wire)) {
            out = m;
        }
    }
    let query_pairs = parse_query(query);
    let Some(members) = shape["members"].as_object() else {
        return Ok(Value::Object(out));
    };
    for (member, spec) in members {
        let wire = spec["locationName"].as_str().unwrap_or(member);
        let target = spec["shape"].as_str().unwrap_or("");
        match spec["location"].as_str() {
            Some("uri") => {
                if let Some((_, v)) = labels.iter().find(|(l, _)| l == wire) {
                    out.insert(member.clone(), scalar(model, member, target, v)?);
                }
            }
            Some("querystring") => {
                let values: Vec<&str> =
                    query_pairs.iter().filter(|(k, _)| k == wire).map(|(_, v)| v.as_str()).collect();
                if values.is_empty() {
                    continue;
                }
                let t = model.shape(target);
                if t["type"] == "list" {
                    let item = t["member"]["shape"].as_str().unwrap_or("");
                    let list = values.iter().map(|v| scalar(model, member, item, v)).collect::<Result<Vec<_>, _>>()?;
                    out.insert(member.clone(), Value::Array(list));
                } else {
                    out.insert(member.clone(), scalar(model, member, target, values[0])?);
                }
            }
            // Headers: Amazon MQ binds none; a body member keeps what the body gave.
            _ => {}
        }
    }
    Ok(Value::Object(out))
}

/// `a=1&b=%20x`, decoded (`+` is a space in a query string).
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let d = |s: &str| percent_decode(&s.replace('+', " ")).unwrap_or_else(|| s.to_string());
            (d(k), d(v))
        })
        .collect()
}

/// A label or query value as its shape's type.
fn scalar(model: &Model, member: &str, shape: &str, text: &str) -> Result<Value, RestInputError> {
    let kind = model.shape(shape)["type"].as_str().unwrap_or("string");
    let bad = |expected: &'static str| {
        RestInputError::Input(InputError::Type {
            member: member.to_string(),
            expected,
            value: text.to_string(),
            from_query: true,
            shape_type: crate::model::static_type_of(kind),
            received: JsonKind::String,
            reason: None,
        })
    };
    Ok(match kind {
        "integer" | "long" => text.parse::<i64>().map(Value::from).map_err(|_| bad("integer"))?,
        "double" | "float" => text.parse::<f64>().map(Value::from).map_err(|_| bad("number"))?,
        "boolean" => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("boolean")),
        },
        _ => Value::String(text.to_string()),
    })
}

/// A body value under wire names, as the shape's members by model name.
fn from_wire(model: &Model, shape_name: &str, v: &Value) -> Value {
    let shape = model.shape(shape_name);
    match (shape["type"].as_str(), v) {
        (Some("structure"), Value::Object(wire)) => {
            let mut out = Map::new();
            if let Some(members) = shape["members"].as_object() {
                for (member, spec) in members {
                    if spec.get("location").is_some() {
                        continue;
                    }
                    let name = spec["locationName"].as_str().unwrap_or(member);
                    if let Some(x) = wire.get(name) {
                        out.insert(member.clone(), from_wire(model, spec["shape"].as_str().unwrap_or(""), x));
                    }
                }
            }
            Value::Object(out)
        }
        (Some("list"), Value::Array(items)) => {
            let item = shape["member"]["shape"].as_str().unwrap_or("");
            Value::Array(items.iter().map(|x| from_wire(model, item, x)).collect())
        }
        (Some("map"), Value::Object(m)) => {
            let value = shape["value"]["shape"].as_str().unwrap_or("");
            Value::Object(m.iter().map(|(k, x)| (k.clone(), from_wire(model, value, x))).collect())
        }
        _ => v.clone(),
    }
}

/// An output value (members by model name) under wire names, timestamps (epoch seconds in
/// the value) written in their shape's format; members bound to headers or the path are left
/// out of the body.
pub fn encode(model: &Model, operation: &str, output: &Value) -> Value {
    match model.output_shape(operation) {
        Some(shape) => to_wire(model, shape, output),
        None => Value::Object(Map::new()),
    }
}

fn to_wire(model: &Model, shape_name: &str, v: &Value) -> Value {
    let shape = model.shape(shape_name);
    match (shape["type"].as_str(), v) {
        (Some("structure"), Value::Object(m)) => {
            let mut out = Map::new();
            if let Some(members) = shape["members"].as_object() {
                for (member, spec) in members {
                    let Some(x) = m.get(member) else { continue };
                    if spec.get("location").is_some() || x.is_null() {
                        continue;
                    }
                    let name = spec["locationName"].as_str().unwrap_or(member);
                    out.insert(name.to_string(), to_wire(model, spec["shape"].as_str().unwrap_or(""), x));
                }
            }
            Value::Object(out)
        }
        (Some("list"), Value::Array(items)) => {
            let item = shape["member"]["shape"].as_str().unwrap_or("");
            Value::Array(items.iter().map(|x| to_wire(model, item, x)).collect())
        }
        (Some("map"), Value::Object(m)) => {
            let value = shape["value"]["shape"].as_str().unwrap_or("");
            Value::Object(m.iter().map(|(k, x)| (k.clone(), to_wire(model, value, x))).collect())
        }
        (Some("timestamp"), Value::Number(n)) => match shape["timestampFormat"].as_str() {
            Some("iso8601") | None => {
                let ms = (n.as_f64().unwrap_or(0.0) * 1000.0).round() as i64;
                Value::String(crate::time::iso8601_ms(ms))
            }
            _ => v.clone(),
        },
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mq() -> Model {
        Model::parse(include_str!("../../../fixtures/models/mq.json")).unwrap()
    }

    #[test]
    fn every_mq_operation_is_routed_by_its_template() {
        let m = mq();
        let r = RestRoutes::from_model(&m);
        let cases = [
            ("POST", "/v1/brokers", "CreateBroker", vec![]),
            ("GET", "/v1/brokers", "ListBrokers", vec![]),
            ("GET", "/v1/brokers/b-1", "DescribeBroker", vec![("broker-id", "b-1")]),
            ("PUT", "/v1/brokers/b-1", "UpdateBroker", vec![("broker-id", "b-1")]),
            ("DELETE", "/v1/brokers/b-1", "DeleteBroker", vec![("broker-id", "b-1")]),
            ("GET", "/v1/brokers/b-1/users", "ListUsers", vec![("broker-id", "b-1")]),
            ("POST", "/v1/brokers/b-1/users/ann", "CreateUser", vec![("broker-id", "b-1"), ("username", "ann")]),
            ("POST", "/v1/brokers/b-1/reboot", "RebootBroker", vec![("broker-id", "b-1")]),
            ("GET", "/v1/brokers/b-1/shared-resources", "DescribeSharedResources", vec![("broker-id", "b-1")]),
            (
                "GET",
                "/v1/configurations/c-1/revisions/2",
                "DescribeConfigurationRevision",
                vec![("configuration-id", "c-1"), ("configuration-revision", "2")],
            ),
            (
                "POST",
                "/v1/tags/arn%3Aaws%3Amq%3Aus-east-1%3A0%3Abroker%3Ab%3Ab-1",
                "CreateTags",
                vec![("resource-arn", "arn:aws:mq:us-east-1:0:broker:b:b-1")],
            ),
            ("GET", "/v1/broker-engine-types", "DescribeBrokerEngineTypes", vec![]),
        ];
        for (method, path, op, labels) in cases {
            let labels: Vec<(String, String)> = labels.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
            assert_eq!(r.find(method, path), RestMatch::Found { operation: op, labels }, "{method} {path}");
        }
        assert_eq!(r.find("PATCH", "/v1/brokers/b-1"), RestMatch::WrongMethod);
        assert_eq!(r.find("GET", "/v1/brokers/b-1/nothing"), RestMatch::NotFound);
        assert_eq!(r.find("GET", "/v1/brokers/b-1/users/ann/more"), RestMatch::NotFound);
        assert_eq!((r.status("CreateTags"), r.status("DeleteTags"), r.status("CreateBroker")), (204, 204, 200));
        assert_eq!(m.operations().len(), 25);
    }

    #[test]
    fn requests_decode_to_model_names_and_outputs_encode_to_wire_names() {
        let m = mq();
        let body = br#"{"brokerName": "b", "engineType": "ACTIVEMQ", "users": [{"username": "u", "password": "p"}], "tags": {"k": "v"}, "unknown": 1}"#;
        let v = decode(&m, "CreateBroker", &[], "", body).unwrap();
        assert_eq!(
            v,
            json!({"BrokerName": "b", "EngineType": "ACTIVEMQ", "Users": [{"Username": "u", "Password": "p"}], "Tags": {"k": "v"}})
        );
        let v = decode(&m, "ListBrokers", &[], "maxResults=5&nextToken=a%2Bb+c", b"").unwrap();
        assert_eq!(v, json!({"MaxResults": 5, "NextToken": "a+b c"}));
        let labels = [("resource-arn".to_string(), "arn".to_string())];
        let v = decode(&m, "DeleteTags", &labels, "tagKeys=a&tagKeys=b", b"").unwrap();
        assert_eq!(v, json!({"ResourceArn": "arn", "TagKeys": ["a", "b"]}));
        assert!(matches!(
            decode(&m, "ListBrokers", &[], "maxResults=many", b""),
            Err(RestInputError::Input(InputError::Type { expected: "integer", .. }))
        ));
        assert!(matches!(decode(&m, "CreateBroker", &[], "", b"[1]"), Err(RestInputError::Body(_))));
        assert!(matches!(decode(&m, "CreateBroker", &[], "", b"{"), Err(RestInputError::Body(_))));

        let out = json!({"BrokerId": "b-1", "Created": 1_700_000_000.5, "BrokerInstances": [{"ConsoleURL": "x"}], "Unknown": 1});
        assert_eq!(
            encode(&m, "DescribeBroker", &out),
            json!({"brokerId": "b-1", "created": "2023-11-14T22:13:20.500Z", "brokerInstances": [{"consoleURL": "x"}]})
        );
    }
}
