//! Trimmed AWS service models (`fixtures/models/<service>.json`, made from AWS's published
//! models by `tools/trim-model.py`): routing metadata, the operation list, every shape with its
//! members, types, constraints and query/XML layout. Services check requests against their model
//! before any handler runs, in AWS's order: shape and type first, then constraints, then the
//! operation's own checks.

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// One service's model.
#[derive(Debug)]
pub struct Model {
    /// The model without its shapes.
    doc: Value,
    /// The shapes by name: every member of every input and output is looked up here, and a
    /// hash look-up costs less than a walk down the document's ordered map of a few hundred.
    shapes: HashMap<String, Value>,
    /// Compiled `pattern` constraints, by pattern text (compiled on first use).
    patterns: Mutex<HashMap<String, Option<regex::Regex>>>,
    /// Report every failed constraint of an input (Kinesis), not the first one.
    report_all: bool,
    /// Types read as AWS's Coral JSON services read them (Kinesis): timestamps are numbers
    /// only, blobs canonical base64.
    coral: bool,
    /// Enum values match whatever their case (Amazon MQ takes `ActiveMQ` for `ACTIVEMQ`).
    enums_any_case: bool,
}

/// Why an input does not fit its shape. Each service maps these to its own errors (the codes
/// differ between query-compatible services and the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// A required member is absent (or null). `path` names it as JSON validation messages do
    /// (`records.2.member.data`); `query_name` as the query protocol writes it, with its parents
    /// (`SendMessageBatchRequestEntry.1.MessageBody`).
    /// `scalar`: the member is a string, number, boolean, blob or timestamp (not a structure,
    /// list or map); some services word those differently.
    Missing { member: String, path: String, query_name: String, scalar: bool },
    /// A member's value is not of its shape's type. `value` is the value as received; `expected`
    /// the type in plain words ("integer"); `shape_type` the model's type (`long`, `blob`, ...);
    /// `received` the JSON kind that came (query values are strings); `reason` why a string
    /// is not its blob's base64, for a model [checking blobs](Model::coral_json).
    Type {
        member: String,
        expected: &'static str,
        value: String,
        from_query: bool,
        shape_type: &'static str,
        received: JsonKind,
        reason: Option<String>,
    },
    /// A value breaks a length, range, pattern or enum constraint. `path` is the member's
    /// path as AWS names it in validation messages (`streamName`, `tags.1.member.key`);
    /// `constraint` is AWS's wording (`Member must have length less than or equal to 128`).
    Constraint { member: String, path: String, value: String, constraint: String },
    /// A query parameter's value is not UTF-8 (raw bytes, or percent-escapes of bytes, that
    /// decode to no text): refused rather than stored with U+FFFD in place of the bytes.
    Encoding { member: String, query_name: String },
    /// Several failed constraints (a model [reporting all](Model::reporting_all)): each a
    /// `Constraint`, or a `Missing` member of a JSON input.
    Many(Vec<InputError>),
}

impl InputError {
    /// AWS's validation message for a constraint error (`1 validation error detected: Value
    /// 'x' at 'streamName' failed to satisfy constraint: Member must ...`).
    pub fn validation_message(&self) -> Option<String> {
        match self {
            InputError::Constraint { .. } | InputError::Missing { .. } => {
                Some(format!("1 validation error detected: {}", self.violation_text()?))
            }
            InputError::Many(all) => {
                let texts: Vec<String> = all.iter().filter_map(InputError::violation_text).collect();
                let n = texts.len();
                Some(format!("{n} validation error{} detected: {}", if n == 1 { "" } else { "s" }, texts.join("; ")))
            }
            _ => None,
        }
    }

    /// One violation as AWS lists it: `Value 'x' at 'path' failed to satisfy constraint: ...`
    /// (`Value null at ...` for a missing member).
    fn violation_text(&self) -> Option<String> {
        match self {
            InputError::Constraint { path, value, constraint, .. } => {
                Some(format!("Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"))
            }
            InputError::Missing { path, .. } => {
                Some(format!("Value null at '{path}' failed to satisfy constraint: Member must not be null"))
            }
            _ => None,
        }
    }
}

/// The kind of a JSON value, as type errors name what came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Null,
    Bool,
    Number,
    String,
    List,
    Object,
}

impl JsonKind {
    pub fn of(v: &Value) -> JsonKind {
        match v {
            Value::Null => JsonKind::Null,
            Value::Bool(_) => JsonKind::Bool,
            Value::Number(_) => JsonKind::Number,
            Value::String(_) => JsonKind::String,
            Value::Array(_) => JsonKind::List,
            Value::Object(_) => JsonKind::Object,
        }
    }
}

/// The model's type names, as `'static` strings.
pub(crate) fn static_type_of(kind: &str) -> &'static str {
    match kind {
        "structure" => "structure",
        "list" => "list",
        "map" => "map",
        "integer" => "integer",
        "long" => "long",
        "double" => "double",
        "float" => "float",
        "timestamp" => "timestamp",
        "boolean" => "boolean",
        "blob" => "blob",
        _ => "string",
    }
}

/// Why `s` is not canonical base64, in the words of the Java decoder AWS's Coral services use
/// (recorded for Kinesis, "dectected" included), or `None`.
pub fn base64_fault(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return Some(format!("Base64 encoded length is expected a multiple of 4 bytes but found: {}", b.len()));
    }
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let pads = b.iter().rev().take_while(|&&c| c == b'=').count().min(2);
    let body = &b[..b.len() - pads];
    if let Some(&bad) = body.iter().find(|&&c| value(c).is_none()) {
        let shown = s[body.iter().position(|&c| c == bad).unwrap_or(0)..].chars().next().unwrap_or('?');
        return Some(format!("Invalid Base64 character: '{shown}'"));
    }
    // The bits a padded quantum leaves over must be zero.
    let last = body.last().and_then(|&c| value(c)).unwrap_or(0);
    let spare = match pads {
        1 => last & 0b11,
        2 => last & 0b1111,
        _ => 0,
    };
    (spare != 0).then(|| "Invalid last non-pad Base64 character dectected".to_string())
}

/// The query-protocol error facts of a modeled error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorFacts {
    pub code: String,
    pub status: u16,
    pub sender_fault: bool,
}

impl Model {
    /// Parses a trimmed model document.
    ///
    /// Errors: the text is not JSON or has no `operations` object.
    pub fn parse(text: &str) -> Result<Model, String> {
        let mut doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if !doc["operations"].is_object() {
            return Err("the model has no operations".into());
        }
        let shapes = match doc.as_object_mut().and_then(|m| m.remove("shapes")) {
            Some(Value::Object(m)) => m.into_iter().collect(),
            _ => HashMap::new(),
        };
        Ok(Model {
            doc,
            shapes,
            patterns: Mutex::new(HashMap::new()),
            report_all: false,
            coral: false,
            enums_any_case: false,
        })
    }

    /// A metadata string (`apiVersion`, `targetPrefix`, `xmlNamespace`, ...).
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.doc["metadata"][key].as_str()
    }

    /// Whether the metadata has `key` at all (`awsQueryCompatible` is an empty object).
    pub fn has_metadata(&self, key: &str) -> bool {
        self.doc["metadata"].get(key).is_some()
    }

    /// Every operation, in name order.
    pub fn operations(&self) -> Vec<&str> {
        self.doc["operations"].as_object().map(|o| o.keys().map(|k| k.as_str()).collect()).unwrap_or_default()
    }

    pub fn has_operation(&self, operation: &str) -> bool {
        self.doc["operations"].get(operation).is_some()
    }

    pub fn input_shape(&self, operation: &str) -> Option<&str> {
        self.doc["operations"][operation]["input"].as_str()
    }

    pub fn output_shape(&self, operation: &str) -> Option<&str> {
        self.doc["operations"][operation]["output"].as_str()
    }

    /// The request URI template of a REST operation (`/v1/brokers/{broker-id}`).
    pub fn http_uri(&self, operation: &str) -> Option<&str> {
        self.doc["operations"][operation]["http"]["requestUri"].as_str()
    }

    /// The HTTP method of a REST operation.
    pub fn http_method(&self, operation: &str) -> Option<&str> {
        self.doc["operations"][operation]["http"]["method"].as_str()
    }

    /// The status of a REST operation's successful answer.
    pub fn http_status(&self, operation: &str) -> Option<u16> {
        self.doc["operations"][operation]["http"]["responseCode"].as_u64().map(|c| c as u16)
    }

    /// A shape by name (`Null` if the model has none of that name).
    pub fn shape(&self, name: &str) -> &Value {
        static NONE: Value = Value::Null;
        self.shapes.get(name).unwrap_or(&NONE)
    }

    /// This model with every failed constraint of an input reported together (`2 validation
    /// errors detected: ...; ...`), as Kinesis reports them; missing members are listed
    /// among them (`Value null at ...`). Type errors still stop the check at once.
    pub fn reporting_all(mut self) -> Self {
        self.report_all = true;
        self
    }

    /// This model reading types as AWS's Coral JSON services do (recorded for Kinesis): a
    /// timestamp must be a number (epoch seconds), a blob canonical base64; a value of another
    /// kind is a [`InputError::Type`].
    pub fn coral_json(mut self) -> Self {
        self.coral = true;
        self
    }

    /// This model taking enum values in any case (Amazon MQ's `engineType: ActiveMQ`).
    pub fn enums_in_any_case(mut self) -> Self {
        self.enums_any_case = true;
        self
    }

    /// Lists an enum's values in `order` in validation messages (AWS's Java services list an
    /// enum in their own order, recorded for Kinesis's ShardIteratorType).
    pub fn with_enum_order(mut self, shape: &str, order: &[&str]) -> Self {
        if let Some(s) = self.shapes.get_mut(shape) {
            s["enum"] = Value::from(order.to_vec());
        }
        self
    }

    /// Shape names of the model's modeled errors (exceptions).
    pub fn error_shapes(&self) -> Vec<&str> {
        let mut names: Vec<&str> =
            self.shapes.iter().filter(|(_, s)| s.get("exception").is_some()).map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names
    }

    /// The query-protocol code, status and fault of a modeled error, if the model records them.
    pub fn error_facts(&self, shape: &str) -> Option<ErrorFacts> {
        let e = &self.shape(shape)["error"];
        Some(ErrorFacts {
            code: e["code"].as_str().unwrap_or(shape).to_string(),
            status: e["httpStatusCode"].as_u64()? as u16,
            sender_fault: e["senderFault"].as_bool().unwrap_or(true),
        })
    }

    /// Checks a JSON-protocol `input` against the operation's input shape: required members
    /// present and scalars of the right type, then (with `constraints`) lengths, ranges,
    /// patterns and enums. Unknown members are ignored, as AWS's endpoints do.
    pub fn check_input(&self, operation: &str, input: &Value, constraints: bool) -> Result<(), InputError> {
        let Some(shape) = self.input_shape(operation) else {
            return Ok(());
        };
        let checker = Checker { model: self, constraints, all: self.report_all, found: Default::default() };
        checker.check(shape, input, "", "", "")?;
        let mut found = checker.found.into_inner();
        match found.len() {
            0 => Ok(()),
            1 => Err(found.remove(0)),
            _ => Err(InputError::Many(found)),
        }
    }

    fn pattern_matches(&self, pattern: &str, text: &str) -> bool {
        let mut cache = self.patterns.lock().unwrap_or_else(|p| p.into_inner());
        if !cache.contains_key(pattern) {
            cache.insert(pattern.to_string(), regex::Regex::new(&anchored(pattern)).ok());
        }
        let re = &cache[pattern];
        // A pattern the regex engine cannot read (Java-only syntax) constrains nothing.
        re.as_ref().is_none_or(|r| r.is_match(text))
    }
}

/// `a.b.c` with the last segment replaced: `a.b.name`.
fn replace_last(path: &str, name: &str) -> String {
    match path.rsplit_once('.') {
        Some((head, _)) => format!("{head}.{name}"),
        None => name.to_string(),
    }
}

/// AWS patterns match the whole value whether or not they say `^...$`.
/// Every constraint of a scalar shape in AWS's words, as a collection's message lists them:
/// the maximum, the minimum, the pattern, the enum.
fn constraint_texts(shape: &Value, coral: bool) -> Vec<String> {
    let mut out = Vec::new();
    let length = shape["type"].as_str().is_none_or(|t| t == "string" || t == "blob");
    let word = if length { "length" } else { "value" };
    if let Some(max) = shape["max"].as_f64() {
        out.push(format!("Member must have {word} less than or equal to {max}"));
    }
    if let Some(min) = shape["min"].as_f64() {
        out.push(format!("Member must have {word} greater than or equal to {min}"));
    }
    if let Some(p) = shape["pattern"].as_str() {
        out.push(format!("Member must satisfy regular expression pattern: {}", shown_pattern(p, coral)));
    }
    if let Some(values) = shape["enum"].as_array() {
        let list: Vec<&str> = values.iter().filter_map(|x| x.as_str()).collect();
        out.push(format!("Member must satisfy enum value set: [{}]", list.join(", ")));
    }
    out
}

/// A pattern as a validation message shows it: Coral services show the pattern without the
/// `^(...)$` the public model wraps some in (recorded for Kinesis: `0|([1-9]\d{0,128})`).
fn shown_pattern(pattern: &str, coral: bool) -> &str {
    match pattern.strip_prefix("^(").and_then(|p| p.strip_suffix(")$")) {
        Some(inner) if coral => inner,
        _ => pattern,
    }
}

fn anchored(pattern: &str) -> String {
    let p = pattern.strip_prefix('^').unwrap_or(pattern);
    let p = p.strip_suffix('$').unwrap_or(p);
    format!("^(?:{p})$")
}

/// The most violations one answer lists.
pub const MAX_LISTED_VIOLATIONS: usize = 1000;

struct Checker<'m> {
    model: &'m Model,
    constraints: bool,
    /// Collect every violation into `found` instead of stopping at the first.
    all: bool,
    found: std::cell::RefCell<Vec<InputError>>,
}

/// A member's path in validation messages: AWS writes members with a lower-case first letter.
fn path_join(path: &str, name: &str) -> String {
    let mut c = name.chars();
    let lower: String = match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    };
    if path.is_empty() {
        lower
    } else {
        format!("{path}.{lower}")
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Checker<'_> {
    fn check(&self, shape_name: &str, v: &Value, member: &str, path: &str, qpath: &str) -> Result<(), InputError> {
        let shape = self.model.shape(shape_name);
        let kind = shape["type"].as_str().unwrap_or("string");
        let type_error = |expected: &'static str| InputError::Type {
            member: member.to_string(),
            expected,
            value: shown(v),
            from_query: false,
            shape_type: static_type_of(kind),
            received: JsonKind::of(v),
            reason: None,
        };
        match kind {
            "structure" => match v {
                Value::Object(obj) => self.check_structure(shape, obj, path, qpath),
                _ => Err(type_error("structure")),
            },
            "list" => {
                let Value::Array(items) = v else { return Err(type_error("list")) };
                self.length(shape, items.len(), v, member, path)?;
                let item = shape["member"]["shape"].as_str().unwrap_or("String");
                let item_name = shape["member"]["locationName"].as_str();
                let flattened = shape["flattened"].as_bool().unwrap_or(false);
                let before = self.found.borrow().len();
                for (i, x) in items.iter().enumerate() {
                    let q = match (flattened, item_name) {
                        (true, Some(n)) => format!("{}.{}", replace_last(qpath, n), i + 1),
                        (true, None) => format!("{qpath}.{}", i + 1),
                        (false, n) => format!("{qpath}.{}.{}", n.unwrap_or("member"), i + 1),
                    };
                    self.check(item, x, member, &format!("{path}.{}.member", i + 1), &q)?;
                }
                let shown_list = || format!("[{}]", items.iter().map(shown).collect::<Vec<_>>().join(", "));
                self.collapse(before, item, "Member must satisfy constraint", shown_list, member, path)
            }
            "map" => {
                let Value::Object(entries) = v else { return Err(type_error("map")) };
                self.length(shape, entries.len(), v, member, path)?;
                let key = shape["key"]["shape"].as_str().unwrap_or("String");
                let value = shape["value"]["shape"].as_str().unwrap_or("String");
                let shown_map = || {
                    let pairs: Vec<String> = entries.iter().map(|(k, x)| format!("{k}={}", shown(x))).collect();
                    format!("{{{}}}", pairs.join(", "))
                };
                let before = self.found.borrow().len();
                for k in entries.keys() {
                    self.check(key, &Value::String(k.clone()), member, &format!("{path}.{k}.key"), qpath)?;
                }
                self.collapse(before, key, "Map keys must satisfy constraint", shown_map, member, path)?;
                let before = self.found.borrow().len();
                for (k, x) in entries {
                    // A map's value is `<map>.<key>.member` in AWS's paths (recorded:
                    // `messageAttributes.attr1.member.dataType`).
                    if !x.is_null() {
                        self.check(value, x, member, &format!("{path}.{k}.member"), qpath)?;
                    }
                }
                self.collapse(before, value, "Map value must satisfy constraint", shown_map, member, path)
            }
            "integer" | "long" => match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => {
                    self.range(shape, n.as_f64().unwrap_or(0.0), v, member, path)
                }
                _ => Err(type_error("integer")),
            },
            "double" | "float" => match v {
                Value::Number(n) => self.range(shape, n.as_f64().unwrap_or(0.0), v, member, path),
                _ => Err(type_error("number")),
            },
            "timestamp" => match v {
                Value::Number(_) => Ok(()),
                Value::String(s) if !self.model.coral && crate::time::parse_timestamp(s).is_some() => Ok(()),
                _ => Err(type_error("timestamp")),
            },
            "boolean" => match v {
                Value::Bool(_) => Ok(()),
                _ => Err(type_error("boolean")),
            },
            // strings and blobs (base64 strings in JSON)
            _ => match v {
                Value::String(s) => {
                    if kind == "string" {
                        self.length(shape, s.chars().count(), v, member, path)?;
                        self.pattern_and_enum(shape, s, member, path)?;
                    } else if kind == "blob" && self.model.coral {
                        if let Some(reason) = base64_fault(s) {
                            let mut e = type_error("blob");
                            if let InputError::Type { reason: r, .. } = &mut e {
                                *r = Some(reason);
                            }
                            return Err(e);
                        }
                    }
                    Ok(())
                }
                _ => Err(type_error("string")),
            },
        }
    }

    /// Coral's reading of a collection of scalars (recorded for Kinesis): the violations its
    /// items added since `before` become one, of the whole collection in Java's form (`[a, b]`,
    /// `{a=1, b=2}`), listing every constraint of the item's shape:
    /// `<lead>: [Member must have length less than or equal to 128, ...]`. Elsewhere, and for
    /// collections of structures, the items' own violations stay.
    fn collapse(
        &self,
        before: usize,
        item_shape: &str,
        lead: &str,
        shown_collection: impl Fn() -> String,
        member: &str,
        path: &str,
    ) -> Result<(), InputError> {
        let item = self.model.shape(item_shape);
        let scalar = !matches!(item["type"].as_str(), Some("structure" | "list" | "map"));
        if !self.model.coral || !self.all || !scalar || self.found.borrow().len() <= before {
            return Ok(());
        }
        self.found.borrow_mut().truncate(before);
        let texts = constraint_texts(item, self.model.coral);
        let constraint = format!("{lead}: [{}]", texts.join(", "));
        let value = Value::String(shown_collection());
        self.fail(self.violation(&value, member, path, constraint))
    }

    /// A violation: kept to report with the others, or the check's end.
    fn fail(&self, e: InputError) -> Result<(), InputError> {
        if self.all {
            let mut found = self.found.borrow_mut();
            found.push(e);
            // Capped, so that an input with a hundred thousand bad members is not answered with
            // a hundred thousand texts; the walk stops here too. AWS listed 504 for a PutRecords
            // of 501 entries (recorded), so the cap is above that (kinesalite stops at 10).
            if found.len() >= MAX_LISTED_VIOLATIONS {
                return Err(InputError::Many(std::mem::take(&mut *found)));
            }
            Ok(())
        } else {
            Err(e)
        }
    }

    fn violation(&self, v: &Value, member: &str, path: &str, constraint: String) -> InputError {
        InputError::Constraint { member: member.to_string(), path: path.to_string(), value: shown(v), constraint }
    }

    fn length(&self, shape: &Value, len: usize, v: &Value, member: &str, path: &str) -> Result<(), InputError> {
        if !self.constraints {
            return Ok(());
        }
        if let Some(min) = shape["min"].as_u64().filter(|m| (len as u64) < *m) {
            return self.fail(self.violation(
                v,
                member,
                path,
                format!("Member must have length greater than or equal to {min}"),
            ));
        }
        if let Some(max) = shape["max"].as_u64().filter(|m| (len as u64) > *m) {
            return self.fail(self.violation(
                v,
                member,
                path,
                format!("Member must have length less than or equal to {max}"),
            ));
        }
        Ok(())
    }

    fn range(&self, shape: &Value, n: f64, v: &Value, member: &str, path: &str) -> Result<(), InputError> {
        if !self.constraints {
            return Ok(());
        }
        if let Some(min) = shape["min"].as_f64().filter(|m| n < *m) {
            return self.fail(self.violation(
                v,
                member,
                path,
                format!("Member must have value greater than or equal to {min}"),
            ));
        }
        if let Some(max) = shape["max"].as_f64().filter(|m| n > *m) {
            return self.fail(self.violation(
                v,
                member,
                path,
                format!("Member must have value less than or equal to {max}"),
            ));
        }
        Ok(())
    }

    fn pattern_and_enum(&self, shape: &Value, s: &str, member: &str, path: &str) -> Result<(), InputError> {
        if !self.constraints {
            return Ok(());
        }
        let v = Value::String(s.to_string());
        if let Some(p) = shape["pattern"].as_str() {
            if !self.model.pattern_matches(p, s) {
                return self.fail(self.violation(
                    &v,
                    member,
                    path,
                    format!("Member must satisfy regular expression pattern: {}", shown_pattern(p, self.model.coral)),
                ));
            }
        }
        if let Some(values) = shape["enum"].as_array() {
            let same = |x: &str| if self.model.enums_any_case { x.eq_ignore_ascii_case(s) } else { x == s };
            if !values.iter().any(|x| x.as_str().is_some_and(same)) {
                let list: Vec<&str> = values.iter().filter_map(|x| x.as_str()).collect();
                return self.fail(self.violation(
                    &v,
                    member,
                    path,
                    format!("Member must satisfy enum value set: [{}]", list.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn check_structure(
        &self,
        shape: &Value,
        obj: &Map<String, Value>,
        path: &str,
        qpath: &str,
    ) -> Result<(), InputError> {
        let members = shape["members"].as_object();
        let query_name = |name: &str| {
            let written = members.and_then(|m| m[name]["locationName"].as_str()).unwrap_or(name);
            if qpath.is_empty() {
                written.to_string()
            } else {
                format!("{qpath}.{written}")
            }
        };
        if let Some(required) = shape["required"].as_array() {
            for r in required.iter().filter_map(|r| r.as_str()) {
                if obj.get(r).is_none_or(|v| v.is_null()) {
                    let (member, path, query_name) = (r.to_string(), path_join(path, r), query_name(r));
                    let target = members.and_then(|m| m[r]["shape"].as_str()).unwrap_or("");
                    let scalar =
                        !matches!(self.model.shape(target)["type"].as_str(), Some("structure" | "list" | "map"));
                    self.fail(InputError::Missing { member, path, query_name, scalar })?;
                }
            }
        }
        for (name, value) in obj {
            if value.is_null() {
                continue;
            }
            if let Some(target) = members.and_then(|m| m.get(name)).and_then(|m| m["shape"].as_str()) {
                self.check(target, value, name, &path_join(path, name), &query_name(name))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MODEL: &str = r#"{"metadata": {"apiVersion": "1", "awsQueryCompatible": {}},
      "operations": {"Send": {"input": "SendRequest", "output": "SendResult"}, "Ping": {"input": null, "output": null}},
      "shapes": {"SendRequest": {"type": "structure", "required": ["Url", "Body"],
                   "members": {"Url": {"shape": "String"}, "Body": {"shape": "String"}, "Delay": {"shape": "Integer"},
                               "Flag": {"shape": "Boolean"}, "Entries": {"shape": "EntryList"}, "Name": {"shape": "Name"},
                               "Mode": {"shape": "Mode"}, "Limit": {"shape": "Limit"}, "At": {"shape": "Time"}}},
                 "EntryList": {"type": "list", "member": {"shape": "Entry"}, "max": 2},
                 "Entry": {"type": "structure", "required": ["Id"], "members": {"Id": {"shape": "String"}}},
                 "Name": {"type": "string", "min": 1, "max": 5, "pattern": "[a-z]+"},
                 "Mode": {"type": "string", "enum": ["ON", "OFF"]},
                 "Limit": {"type": "integer", "min": 1, "max": 10},
                 "Time": {"type": "timestamp"},
                 "String": {"type": "string"}, "Integer": {"type": "integer"}, "Boolean": {"type": "boolean"},
                 "Oops": {"type": "structure", "exception": true, "error": {"code": "Ns.Oops", "httpStatusCode": 403, "senderFault": true}}}}"#;

    #[test]
    fn required_and_types() {
        let m = Model::parse(MODEL).unwrap();
        assert_eq!(m.operations(), vec!["Ping", "Send"]);
        assert!(m.output_shape("Send").is_some() && m.output_shape("Ping").is_none());
        assert!(m.has_metadata("awsQueryCompatible"));
        assert_eq!(m.error_shapes(), vec!["Oops"]);
        assert_eq!(
            m.error_facts("Oops").unwrap(),
            ErrorFacts { code: "Ns.Oops".into(), status: 403, sender_fault: true }
        );
        let missing = |member: &str, path: &str, query_name: &str| {
            Err(InputError::Missing {
                member: member.into(),
                path: path.into(),
                query_name: query_name.into(),
                scalar: true,
            })
        };
        assert_eq!(m.check_input("Send", &json!({"Url": "u"}), true), missing("Body", "body", "Body"));
        let bad = m.check_input("Send", &json!({"Url": "u", "Body": "b", "Delay": "x"}), true);
        assert!(matches!(bad, Err(InputError::Type { expected: "integer", .. })));
        let nested = m.check_input("Send", &json!({"Url": "u", "Body": "b", "Entries": [{}]}), true);
        assert_eq!(nested, missing("Id", "entries.1.member.id", "Entries.member.1.Id"));
        assert!(m.check_input("Send", &json!({"Url": "u", "Body": "b", "Unknown": [1], "At": 1.5}), true).is_ok());
    }

    #[test]
    fn a_model_reporting_all_lists_every_violation() {
        let m = Model::parse(MODEL).unwrap().reporting_all();
        let e = m.check_input("Send", &json!({"Url": "u", "Name": "ABCDEFG", "Limit": 0}), true).unwrap_err();
        assert_eq!(
            e.validation_message().unwrap(),
            "4 validation errors detected: Value null at 'body' failed to satisfy constraint: Member must not be null; \
             Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; \
             Value 'ABCDEFG' at 'name' failed to satisfy constraint: Member must have length less than or equal to 5; \
             Value 'ABCDEFG' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+"
        );
        let one = m.check_input("Send", &json!({"Url": "u", "Body": "b", "Mode": "X"}), true).unwrap_err();
        assert_eq!(
            one.validation_message().unwrap(),
            "1 validation error detected: Value 'X' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [ON, OFF]"
        );
        let nested = m.check_input("Send", &json!({"Url": "u", "Body": "b", "Entries": [{}, {}]}), true).unwrap_err();
        assert_eq!(
            nested.validation_message().unwrap(),
            "2 validation errors detected: Value null at 'entries.1.member.id' failed to satisfy constraint: Member must \
             not be null; Value null at 'entries.2.member.id' failed to satisfy constraint: Member must not be null"
        );
        // A type error still stops the check.
        let bad = m.check_input("Send", &json!({"Url": "u", "Delay": "x"}), true);
        assert!(matches!(bad, Err(InputError::Type { .. })));
        // At most MAX_LISTED_VIOLATIONS are listed, however many there are (150,000 here).
        let entries: Vec<Value> = (0..150_000).map(|_| json!({})).collect();
        let many = m.check_input("Send", &json!({"Url": "u", "Body": "b", "Entries": entries}), true).unwrap_err();
        let text = many.validation_message().unwrap();
        assert!(text.starts_with("1000 validation errors detected: Value '[{},{}"), "{}", &text[..80]);
        assert_eq!(text.matches("failed to satisfy constraint").count(), MAX_LISTED_VIOLATIONS);
        assert!(text.len() < 2 * 3 * 150_000, "the list's value is shown once: {}", text.len());
    }

    #[test]
    fn constraints_in_aws_words() {
        let m = Model::parse(MODEL).unwrap();
        let msg = |v: Value| m.check_input("Send", &v, true).unwrap_err().validation_message().unwrap();
        let base = |k: &str, v: Value| {
            let mut o = json!({"Url": "u", "Body": "b"});
            o[k] = v;
            o
        };
        assert_eq!(
            msg(base("Name", json!("abcdef"))),
            "1 validation error detected: Value 'abcdef' at 'name' failed to satisfy constraint: Member must have length less than or equal to 5"
        );
        assert!(msg(base("Name", json!("AB"))).ends_with("Member must satisfy regular expression pattern: [a-z]+"));
        assert!(msg(base("Mode", json!("MAYBE"))).ends_with("Member must satisfy enum value set: [ON, OFF]"));
        assert!(msg(base("Limit", json!(0))).ends_with("Member must have value greater than or equal to 1"));
        assert!(msg(base("Entries", json!([{"Id": "a"}, {"Id": "b"}, {"Id": "c"}]))).contains("at 'entries'"));
        // Constraints are the service's choice: SQS checks its own.
        assert!(m.check_input("Send", &base("Name", json!("abcdef")), false).is_ok());
    }
}
