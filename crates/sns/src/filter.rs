//! Subscription filter policies: parsing with AWS's limits and messages, and matching a message
//! (its attributes, or its JSON body) against them.
//!
//! A policy is a JSON object. Each key names an attribute (MessageAttributes scope) or a path
//! into the body (MessageBody scope, nested objects); its value is an array of conditions, any of
//! which may match: exact strings, numbers, `null`, `{"prefix"}`, `{"suffix"}`,
//! `{"equals-ignore-case"}`, `{"anything-but"}` (a value, a list, or a prefix/suffix/
//! equals-ignore-case), `{"numeric": [op, n, ...]}`, `{"exists": bool}` and `{"cidr"}`. `$or`
//! takes a list of sub-policies. Every key must match.

use crate::error::{SnsError, SnsResult};
use serde_json::{Map, Value};
use std::net::IpAddr;

/// Keys a policy may name at most.
const MAX_KEYS: usize = 5;
/// Combinations (the product of each key's value count) a policy may have at most.
const MAX_COMBINATIONS: usize = 150;
/// Numbers in numeric conditions stay within this magnitude, with at most 5 decimals.
const MAX_NUMBER: f64 = 1_000_000_000.0;
/// A policy's size limit.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

/// Where a policy looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    MessageAttributes,
    MessageBody,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "MessageAttributes" => Some(Scope::MessageAttributes),
            "MessageBody" => Some(Scope::MessageBody),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::MessageAttributes => "MessageAttributes",
            Scope::MessageBody => "MessageBody",
        }
    }
}

/// A parsed policy: a conjunction of key conditions, or `$or` alternatives.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
enum Rule {
    /// The value at `path` matches one of `conditions`.
    Key { path: Vec<String>, conditions: Vec<Condition> },
    /// One of the sub-policies matches.
    Or(Vec<Policy>),
}

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    Exact(String),
    Number(f64),
    Bool(bool),
    Null,
    Prefix(String),
    Suffix(String),
    EqualsIgnoreCase(String),
    AnythingBut(AnythingBut),
    Numeric(Vec<(String, f64)>),
    Exists(bool),
    Cidr(IpAddr, u8),
}

#[derive(Debug, Clone, PartialEq)]
enum AnythingBut {
    Values(Vec<Value>),
    Prefix(String),
    EqualsIgnoreCase(Vec<String>),
}

fn invalid(why: impl std::fmt::Display) -> SnsError {
    SnsError::invalid_parameter(format!("FilterPolicy: {why}"))
}

/// Parses and checks a policy for `scope`.
///
/// Errors: `InvalidParameter` ("Invalid parameter: FilterPolicy: ...") for a policy AWS refuses:
/// not a JSON object, nested keys in the MessageAttributes scope, a condition it does not know,
/// more than 5 keys or 150 combinations, numbers out of range.
pub fn parse(text: &str, scope: Scope) -> SnsResult<Policy> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(invalid("Filter policy is too long"));
    }
    let v: Value = serde_json::from_str(text).map_err(|e| invalid(crate::jackson::parse_failure(text, &e)))?;
    let Value::Object(obj) = v else {
        return Err(invalid("Filter policy must be a JSON object"));
    };
    let policy = parse_object(&obj, scope, &mut Vec::new(), text)?;
    let keys = policy.leaf_keys();
    if keys > MAX_KEYS {
        return Err(invalid(format!("Filter policy can not have more than {MAX_KEYS} keys")));
    }
    if policy.combinations() > MAX_COMBINATIONS {
        return Err(invalid("Filter policy is too complex"));
    }
    Ok(policy)
}

/// `text` is the policy as sent: where an error names one of several members, AWS names the
/// first as written (serde_json's maps are sorted).
fn parse_object(obj: &Map<String, Value>, scope: Scope, prefix: &mut Vec<String>, text: &str) -> SnsResult<Policy> {
    let mut rules = Vec::new();
    for (k, v) in obj {
        if k == "$or" {
            let Value::Array(alts) = v else {
                return Err(invalid("\"$or\" must be an array"));
            };
            if alts.len() < 2 {
                return Err(invalid("\"$or\" must have at least 2 elements"));
            }
            let mut policies = Vec::new();
            for a in alts {
                let Value::Object(o) = a else {
                    return Err(invalid("\"$or\" elements must be objects"));
                };
                policies.push(parse_object(o, scope, prefix, text)?);
            }
            rules.push(Rule::Or(policies));
            continue;
        }
        match v {
            Value::Array(items) => {
                let mut path = prefix.clone();
                path.push(k.clone());
                if items.is_empty() {
                    return Err(invalid("Empty arrays are not allowed"));
                }
                let conditions = items.iter().map(parse_condition).collect::<SnsResult<Vec<_>>>()?;
                rules.push(Rule::Key { path, conditions });
            }
            Value::Object(inner) => {
                if scope == Scope::MessageAttributes {
                    // An operator-like object (`{"suffix": "v"}`) is judged member by member
                    // (recorded: "\"suffix\" must be an object or an array"); only a truly
                    // nested policy is refused as nested.
                    let written_at = |m: &str| text.find(&format!("\"{m}\"")).unwrap_or(usize::MAX);
                    let scalar = inner.iter().filter(|(_, x)| !x.is_array() && !x.is_object());
                    if let Some((m, _)) = scalar.min_by_key(|(m, _)| written_at(m)) {
                        return Err(invalid(format!("\"{m}\" must be an object or an array")));
                    }
                    return Err(SnsError::invalid_parameter(
                        "Filter policy scope MessageAttributes does not support nested filter policy",
                    ));
                }
                prefix.push(k.clone());
                let nested = parse_object(inner, scope, prefix, text)?;
                prefix.pop();
                rules.extend(nested.rules);
            }
            _ => return Err(invalid(format!("\"{k}\" must be an object or an array"))),
        }
    }
    Ok(Policy { rules })
}

fn number(v: &Value, what: &str) -> SnsResult<f64> {
    let n = v.as_f64().ok_or_else(|| invalid(format!("Value of {what} must be numeric")))?;
    if n.abs() > MAX_NUMBER {
        return Err(invalid("Numeric values must be between -1000000000 and 1000000000 inclusive"));
    }
    // At most 5 decimal places.
    let scaled = (n * 100_000.0).round();
    if (scaled / 100_000.0 - n).abs() > 1e-9 {
        return Err(invalid("Numeric values must have at most 5 decimal places"));
    }
    Ok(n)
}

fn string(v: &Value, what: &str) -> SnsResult<String> {
    v.as_str().map(str::to_string).ok_or_else(|| invalid(format!("{what} match pattern must be a string")))
}

fn parse_condition(v: &Value) -> SnsResult<Condition> {
    Ok(match v {
        Value::String(s) => Condition::Exact(s.clone()),
        Value::Number(_) => Condition::Number(number(v, "number")?),
        Value::Bool(b) => Condition::Bool(*b),
        Value::Null => Condition::Null,
        Value::Array(_) => return Err(invalid("Match value must be String, number, true, false, or null")),
        Value::Object(o) => {
            let Some((op, arg)) = o.iter().next().filter(|_| o.len() == 1) else {
                return Err(invalid("Only one key allowed in match expression"));
            };
            match op.as_str() {
                "prefix" => Condition::Prefix(string(arg, "prefix")?),
                "suffix" => Condition::Suffix(string(arg, "suffix")?),
                "equals-ignore-case" => Condition::EqualsIgnoreCase(string(arg, "equals-ignore-case")?),
                "exists" => match arg {
                    Value::Bool(b) => Condition::Exists(*b),
                    _ => return Err(invalid("exists match pattern must be either true or false.")),
                },
                "numeric" => Condition::Numeric(parse_numeric(arg)?),
                "cidr" => parse_cidr(arg)?,
                "anything-but" => Condition::AnythingBut(parse_anything_but(arg)?),
                other => return Err(invalid(format!("Unrecognized match type {other}"))),
            }
        }
    })
}

/// A numeric condition: `[op, n]` or `[">"|">=", low, "<"|"<=", high]`, checked in AWS's order
/// and words.
fn parse_numeric(arg: &Value) -> SnsResult<Vec<(String, f64)>> {
    let Value::Array(items) = arg else {
        return Err(invalid("Value of numeric must be an array."));
    };
    let shown = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut it = items.iter();
    let first = it.next().ok_or_else(|| invalid("Invalid member in numeric match: ]"))?;
    let op = first.as_str().ok_or_else(|| invalid(format!("Invalid member in numeric match: {}", shown(first))))?;
    if !matches!(op, "=" | "<" | "<=" | ">" | ">=") {
        return Err(invalid(format!("Unrecognized numeric range operator: {op}")));
    }
    let what = |op: &str| if op == "=" { "equals".to_string() } else { op.to_string() };
    let value = |v: Option<&Value>, op: &str| match v {
        Some(v) if v.is_number() => number(v, &what(op)),
        _ => Err(invalid(format!("Value of {} must be numeric", what(op)))),
    };
    let low = value(it.next(), op)?;
    let mut out = vec![(op.to_string(), low)];
    let Some(second) = it.next() else {
        return Ok(out);
    };
    if !matches!(op, ">" | ">=") {
        return Err(invalid("Too many elements in numeric expression"));
    }
    let op2 = second.as_str().ok_or_else(|| invalid(format!("Bad value in numeric range: {}", shown(second))))?;
    if !matches!(op2, "<" | "<=") {
        return Err(invalid(format!("Bad numeric range operator: {op2}")));
    }
    let high = value(it.next(), op2)?;
    if high <= low {
        return Err(invalid("Bottom must be less than top"));
    }
    if it.next().is_some() {
        return Err(invalid("Too many terms in numeric range expression"));
    }
    out.push((op2.to_string(), high));
    Ok(out)
}

fn parse_cidr(arg: &Value) -> SnsResult<Condition> {
    let s = arg.as_str().ok_or_else(|| invalid("prefix match pattern must be a string"))?;
    let Some((ip, bits)) = s.split_once('/').filter(|(_, b)| !b.contains('/')) else {
        return Err(invalid("Malformed CIDR, one '/' required"));
    };
    let bits: u8 = bits.parse().map_err(|_| invalid("Malformed CIDR, mask bits must be an integer"))?;
    let ip: IpAddr = ip.parse().map_err(|_| invalid(format!("Nonstandard IP address: {ip}")))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if bits > max {
        return Err(invalid(format!("Nonstandard IP address: {ip}")));
    }
    Ok(Condition::Cidr(ip, bits))
}

fn parse_anything_but(arg: &Value) -> SnsResult<AnythingBut> {
    Ok(match arg {
        Value::String(_) | Value::Number(_) => AnythingBut::Values(vec![arg.clone()]),
        Value::Array(items) => {
            if items.iter().any(|i| !(i.is_string() || i.is_number())) {
                return Err(invalid("Inside anything but list, start|null|boolean is not supported."));
            }
            AnythingBut::Values(items.clone())
        }
        Value::Object(o) if o.len() == 1 => match o.iter().next() {
            Some((k, v)) if k == "prefix" => AnythingBut::Prefix(string(v, "prefix")?),
            Some((k, Value::String(s))) if k == "equals-ignore-case" => AnythingBut::EqualsIgnoreCase(vec![s.clone()]),
            Some((k, Value::Array(a))) if k == "equals-ignore-case" => AnythingBut::EqualsIgnoreCase(
                a.iter().map(|x| string(x, "equals-ignore-case")).collect::<SnsResult<_>>()?,
            ),
            Some((k, _)) => return Err(invalid(format!("Unsupported anything-but pattern: {k}"))),
            None => return Err(invalid("Unsupported anything-but pattern")),
        },
        _ => return Err(invalid("Value of anything-but must be an array or single string/number value.")),
    })
}

impl Policy {
    fn leaf_keys(&self) -> usize {
        let mut keys = std::collections::BTreeSet::new();
        self.collect_keys(&mut keys);
        keys.len()
    }

    fn collect_keys(&self, keys: &mut std::collections::BTreeSet<Vec<String>>) {
        for r in &self.rules {
            match r {
                Rule::Key { path, .. } => {
                    keys.insert(path.clone());
                }
                Rule::Or(ps) => ps.iter().for_each(|p| p.collect_keys(keys)),
            }
        }
    }

    /// The number of value combinations as AWS counts them: each key's condition count times
    /// its depth (a key three levels down with four values counts 12), multiplied together;
    /// `$or` alternatives add.
    fn combinations(&self) -> usize {
        self.rules.iter().fold(1usize, |acc, r| {
            let n = match r {
                Rule::Key { path, conditions } => conditions.len().saturating_mul(path.len()),
                Rule::Or(ps) => ps.iter().map(Policy::combinations).sum(),
            };
            acc.saturating_mul(n)
        })
    }

    /// The decision on a published message: its attributes for the MessageAttributes scope, or
    /// its body (parsed, `None` when it is not a JSON object) for the MessageBody scope. `Err`
    /// says why it does not match (see [`explain`](Self::explain)).
    pub fn decide(
        &self,
        scope: Scope,
        attributes: &crate::message::Attributes,
        body: Option<&Value>,
    ) -> Result<(), String> {
        match scope {
            Scope::MessageAttributes => self.explain(&|path| {
                let a = attributes.get(path[0].as_str())?;
                if a.binary_value.is_some() {
                    return None;
                }
                attribute_values(&a.data_type, a.string_value.as_deref().unwrap_or(""))
            }),
            Scope::MessageBody => match body {
                Some(body) => self.explain(&|path| body_values(body, path)),
                None => Err("the message body is not a JSON object, so a MessageBody policy cannot match".to_string()),
            },
        }
    }

    /// Whether a message matches: `values(path)` gives what the message has at a key (`None`:
    /// absent; several values for arrays).
    pub fn matches(&self, values: &dyn Fn(&[String]) -> Option<Vec<Value>>) -> bool {
        self.explain(values).is_ok()
    }

    /// Like [`matches`](Self::matches), saying which key decided: `Err` names the first key
    /// (dotted path) none of whose conditions matched, or the `$or` none of whose alternatives
    /// did.
    pub fn explain(&self, values: &dyn Fn(&[String]) -> Option<Vec<Value>>) -> Result<(), String> {
        for r in &self.rules {
            match r {
                Rule::Or(ps) => {
                    if !ps.iter().any(|p| p.matches(values)) {
                        let why: Vec<String> = ps.iter().filter_map(|p| p.explain(values).err()).collect();
                        return Err(format!("no alternative of $or matched ({})", why.join("; ")));
                    }
                }
                Rule::Key { path, conditions } => {
                    let found = values(path);
                    if !conditions.iter().any(|c| condition_matches(c, found.as_deref())) {
                        let key = path.join(".");
                        return Err(match found {
                            None => format!("\"{key}\" is absent and no condition accepts that"),
                            Some(v) => format!("no condition of \"{key}\" matched {}", Value::Array(v)),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

fn condition_matches(c: &Condition, found: Option<&[Value]>) -> bool {
    match c {
        Condition::Exists(want) => found.is_some() == *want,
        Condition::AnythingBut(a) => match found {
            // anything-but needs the key to be there.
            None => false,
            Some(vals) => vals.iter().any(|v| anything_but_matches(a, v)),
        },
        _ => found.is_some_and(|vals| vals.iter().any(|v| value_matches(c, v))),
    }
}

fn as_number(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn value_matches(c: &Condition, v: &Value) -> bool {
    match c {
        Condition::Exact(s) => v.as_str() == Some(s.as_str()),
        Condition::Number(n) => as_number(v).is_some_and(|x| (x - n).abs() < 1e-9),
        Condition::Bool(b) => v.as_bool() == Some(*b),
        Condition::Null => v.is_null(),
        Condition::Prefix(p) => v.as_str().is_some_and(|s| s.starts_with(p.as_str())),
        Condition::Suffix(p) => v.as_str().is_some_and(|s| s.ends_with(p.as_str())),
        Condition::EqualsIgnoreCase(p) => v.as_str().is_some_and(|s| s.to_lowercase() == p.to_lowercase()),
        Condition::Numeric(ops) => as_number(v).is_some_and(|x| {
            ops.iter().all(|(op, n)| match op.as_str() {
                "=" => (x - n).abs() < 1e-9,
                "<" => x < *n,
                "<=" => x <= *n,
                ">" => x > *n,
                _ => x >= *n,
            })
        }),
        Condition::Cidr(net, bits) => {
            v.as_str().and_then(|s| s.parse::<IpAddr>().ok()).is_some_and(|ip| in_cidr(ip, *net, *bits))
        }
        Condition::Exists(_) | Condition::AnythingBut(_) => false,
    }
}

fn anything_but_matches(a: &AnythingBut, v: &Value) -> bool {
    match a {
        AnythingBut::Values(vals) => !vals.iter().any(|x| match (x, v) {
            (Value::Number(n), _) => as_number(v).is_some_and(|y| (y - n.as_f64().unwrap_or(f64::NAN)).abs() < 1e-9),
            (Value::String(s), Value::String(t)) => s == t,
            _ => false,
        }),
        AnythingBut::Prefix(p) => v.as_str().is_some_and(|s| !s.starts_with(p.as_str())),
        AnythingBut::EqualsIgnoreCase(list) => {
            v.as_str().is_some_and(|s| !list.iter().any(|x| x.to_lowercase() == s.to_lowercase()))
        }
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits as u32) };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits as u32) };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// The values a message has at `path` in its JSON body. As in AWS, keys are compared as dotted
/// names on both sides (recorded): `{"object.nested": [..]}` and `{"object": {"nested": [..]}}`
/// match `{"object": {"nested": v}}`, `{"object.nested": v}` and `{"object": {"nested.x": ..}}`
/// mixes alike; arrays on the way, nested in each other too, match by any element. Only leaves
/// (not objects) are values; a key with none is absent.
pub fn body_values(body: &Value, path: &[String]) -> Option<Vec<Value>> {
    let target = path.join(".");
    let mut out = Vec::new();
    walk(body, "", &target, &mut out);
    (!out.is_empty()).then_some(out)
}

/// Collects the leaves at `target` below `v`, whose own dotted name is `at`.
fn walk(v: &Value, at: &str, target: &str, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| walk(i, at, target, out)),
        Value::Object(m) => {
            for (k, x) in m {
                let name = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                let below = target.len() > name.len()
                    && target.starts_with(name.as_str())
                    && target.as_bytes()[name.len()] == b'.';
                if name == target || below {
                    walk(x, &name, target, out);
                }
            }
        }
        leaf if at == target => out.push(leaf.clone()),
        _ => {}
    }
}

/// The values of a message attribute: String as a string, Number as a number, String.Array as
/// its elements; Binary attributes cannot be matched (they count as absent).
pub fn attribute_values(data_type: &str, value: &str) -> Option<Vec<Value>> {
    let base = data_type.split('.').next().unwrap_or("");
    match (base, data_type) {
        (_, "String.Array") => match serde_json::from_str::<Value>(value) {
            Ok(Value::Array(items)) => Some(items),
            _ => Some(vec![Value::String(value.to_string())]),
        },
        ("Number", _) => Some(vec![value
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(value.to_string()))]),
        ("String", _) => Some(vec![Value::String(value.to_string())]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs_match(policy: &str, attrs: &[(&str, &str, &str)]) -> bool {
        let p = parse(policy, Scope::MessageAttributes).unwrap();
        p.matches(&|path| attrs.iter().find(|(k, _, _)| *k == path[0]).and_then(|(_, t, v)| attribute_values(t, v)))
    }

    fn body_match(policy: &str, body: Value) -> bool {
        let p = parse(policy, Scope::MessageBody).unwrap();
        p.matches(&|path| body_values(&body, path))
    }

    #[test]
    fn operators_on_attributes() {
        let s = |v| ("k", "String", v);
        assert!(attrs_match(r#"{"k": ["a", "b"]}"#, &[s("b")]));
        assert!(!attrs_match(r#"{"k": ["a"]}"#, &[s("c")]));
        assert!(attrs_match(r#"{"k": [{"prefix": "ab"}]}"#, &[s("abc")]));
        assert!(attrs_match(r#"{"k": [{"suffix": "bc"}]}"#, &[s("abc")]));
        assert!(attrs_match(r#"{"k": [{"equals-ignore-case": "ABC"}]}"#, &[s("abc")]));
        assert!(attrs_match(r#"{"k": [{"anything-but": ["x", "y"]}]}"#, &[s("z")]));
        assert!(!attrs_match(r#"{"k": [{"anything-but": ["x", "y"]}]}"#, &[s("x")]));
        assert!(!attrs_match(r#"{"k": [{"anything-but": "x"}]}"#, &[]), "anything-but needs the key");
        assert!(attrs_match(r#"{"k": [{"anything-but": {"prefix": "x"}}]}"#, &[s("yz")]));
        assert!(attrs_match(r#"{"k": [{"exists": false}]}"#, &[]));
        assert!(!attrs_match(r#"{"k": [{"exists": true}]}"#, &[]));
        let n = |v| ("k", "Number", v);
        assert!(attrs_match(r#"{"k": [{"numeric": [">", 0, "<=", 5]}]}"#, &[n("5")]));
        assert!(!attrs_match(r#"{"k": [{"numeric": [">", 0, "<=", 5]}]}"#, &[n("5.5")]));
        assert!(attrs_match(r#"{"k": [5]}"#, &[n("5.0")]));
        assert!(!attrs_match(r#"{"k": [5]}"#, &[s("5")]), "a number given as a string is a string");
        assert!(attrs_match(r#"{"k": ["b"]}"#, &[("k", "String.Array", r#"["a", "b"]"#)]));
        assert!(attrs_match(r#"{"k": [{"cidr": "10.0.0.0/24"}]}"#, &[s("10.0.0.7")]));
        assert!(!attrs_match(r#"{"k": [{"cidr": "10.0.0.0/24"}]}"#, &[s("10.0.1.7")]));
        assert!(attrs_match(r#"{"k": [{"cidr": "2001:db8::/32"}]}"#, &[s("2001:db8::1")]));
        assert!(!attrs_match(r#"{"k": [{"cidr": "2001:db8::/32"}]}"#, &[s("2001:db9::1")]));
        assert!(attrs_match(r#"{"$or": [{"k": ["a"]}, {"j": ["b"]}]}"#, &[("j", "String", "b")]));
        assert!(!attrs_match(r#"{"k": ["a"]}"#, &[("k", "Binary", "AAE=")]));
    }

    #[test]
    fn operators_on_bodies() {
        let body = json!({"order": {"total": 12.5, "items": [{"sku": "a"}, {"sku": "b"}], "note": null}, "ok": true});
        assert!(body_match(r#"{"order": {"total": [{"numeric": [">", 10]}]}}"#, body.clone()));
        assert!(body_match(r#"{"order": {"items": {"sku": ["b"]}}}"#, body.clone()), "nested payload arrays");
        assert!(body_match(r#"{"order": {"note": [null]}}"#, body.clone()));
        assert!(body_match(r#"{"ok": [true]}"#, body.clone()));
        assert!(body_match(r#"{"order": {"$or": [{"total": [1]}, {"items": {"sku": ["a"]}}]}}"#, body.clone()));
        assert!(!body_match(r#"{"order": {"missing": [{"exists": true}]}}"#, body.clone()));
        let p = parse(r#"{"ok": [true], "order": {"total": [1]}}"#, Scope::MessageBody).unwrap();
        assert_eq!(
            p.explain(&|path| body_values(&body, path)),
            Err("no condition of \"order.total\" matched [12.5]".into())
        );
    }

    #[test]
    fn invalid_policies_as_aws_refuses_them() {
        let err = |p: &str, scope| parse(p, scope).unwrap_err().to_aws().message;
        let a = Scope::MessageAttributes;
        assert_eq!(
            err(r#"{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}"#, a),
            "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"
        );
        let many: Vec<u32> = (0..13).collect();
        let p = json!({"a": many, "b": many}).to_string();
        assert_eq!(err(&p, a), "Invalid parameter: FilterPolicy: Filter policy is too complex");
        assert!(err(r#"{"a": [{"numeric": [">", 1000000001]}]}"#, a).contains("between -1000000000 and 1000000000"));
        assert!(err(r#"{"a": [{"numeric": ["=", 1.123456]}]}"#, a).contains("5 decimal"));
        assert!(err(r#"{"a": [{"prefi": "x"}]}"#, a).ends_with("Unrecognized match type prefi"));
        assert!(err(r#"{"a": "x"}"#, a).ends_with("\"a\" must be an object or an array"));
        assert_eq!(
            err(r#"{"a": {"b": ["x"]}}"#, a),
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"
        );
        assert!(parse(r#"{"a": {"b": ["x"]}}"#, Scope::MessageBody).is_ok());
        assert!(err("[]", a).contains("JSON object"));
        assert!(err(r#"{"a": [{"cidr": "10.0.0.0"}]}"#, a).contains("CIDR"));
    }
    /// Walks `fixtures/sns/filter-policies.json`: every case's policy is parsed for its scope
    /// and either refused with the expected message, or decided on its message (attributes built
    /// as Publish builds them, or the body) with the expected outcome.
    #[test]
    fn the_fixture_table_holds() {
        use crate::message::{AttributeValue, Attributes};
        let table: Value = serde_json::from_str(include_str!("../../../fixtures/sns/filter-policies.json")).unwrap();
        let cases = table["cases"].as_array().unwrap();
        assert!(cases.len() >= 250, "the table has {} cases", cases.len());
        let mut failures = Vec::new();
        for c in cases {
            let name = c["name"].as_str().unwrap();
            let scope = Scope::parse(c["scope"].as_str().unwrap()).unwrap();
            let text = match c.get("policy_text") {
                Some(t) => t.as_str().unwrap().to_string(),
                None => c["policy"].to_string(),
            };
            let parsed = parse(&text, scope);
            if let Some(want) = c.get("error").and_then(Value::as_str) {
                match parsed {
                    Err(e) => {
                        let e = e.to_aws();
                        if e.code != "InvalidParameter" || e.message != want {
                            failures
                                .push(format!("{name}: refused with {} {:?}, expected {want:?}", e.code, e.message));
                        }
                    }
                    Ok(_) => failures.push(format!("{name}: accepted, expected {want:?}")),
                }
                continue;
            }
            let policy = match parsed {
                Ok(p) => p,
                Err(e) => {
                    failures.push(format!("{name}: refused: {}", e.to_aws().message));
                    continue;
                }
            };
            let mut attributes = Attributes::new();
            for (k, v) in c.get("attributes").and_then(Value::as_object).into_iter().flatten() {
                let (data_type, value) = (v[0].as_str().unwrap(), v[1].as_str().unwrap());
                let binary = data_type.starts_with("Binary");
                attributes.insert(
                    k.clone(),
                    AttributeValue {
                        data_type: data_type.to_string(),
                        string_value: (!binary).then(|| value.to_string()),
                        binary_value: binary.then(|| value.as_bytes().to_vec()),
                    },
                );
            }
            let body: Option<Value> = match c.get("body_text") {
                Some(t) => serde_json::from_str(t.as_str().unwrap()).ok(),
                None => c.get("body").cloned(),
            };
            let body = body.filter(Value::is_object);
            let got = policy.decide(scope, &attributes, body.as_ref());
            if got.is_ok() != c["match"].as_bool().unwrap() {
                failures.push(format!("{name}: expected match={}, got {got:?}", c["match"]));
            }
        }
        assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
        // The size limit, too large for the table: 256 KiB.
        let huge = format!("{{\"a\": [\"{}\"]}}", "x".repeat(MAX_POLICY_BYTES));
        assert_eq!(
            parse(&huge, Scope::MessageAttributes).unwrap_err().to_aws().message,
            "Invalid parameter: FilterPolicy: Filter policy is too long"
        );
    }
}
