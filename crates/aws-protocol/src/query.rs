//! The AWS query protocol's input side: `application/x-www-form-urlencoded` parameters
//! (`Action=SendMessage&Attribute.1.Name=..`) turned into the JSON-protocol-shaped value a
//! service reads, so one decoder per operation serves both protocols.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The decoded parameters of a query request, in the order they came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Parses a form body or URL query string. Invalid percent-escapes decode lossily, as
    /// form parsers do; the service then rejects any value that is not what it expects.
    pub fn parse(bytes: &[u8]) -> Self {
        QueryParams { pairs: form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect() }
    }

    /// Adds the parameters of another source (the URL query of a form POST).
    pub fn extend(&mut self, other: QueryParams) {
        self.pairs.extend(other.pairs);
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Removes `name` and returns its first value.
    pub fn take(&mut self, name: &str) -> Option<String> {
        let i = self.pairs.iter().position(|(k, _)| k == name)?;
        let (_, v) = self.pairs.remove(i);
        self.pairs.retain(|(k, _)| k != name);
        Some(v)
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Converts the parameters into a JSON object shaped like the JSON protocol's input,
    /// asking `rule` how each dotted prefix is laid out. Scalars stay strings: the service's
    /// decoder accepts numeric and boolean strings from query requests.
    pub fn to_json(&self, rule: &dyn Fn(&str) -> QueryMember) -> Value {
        let mut root = Node::default();
        for (k, v) in &self.pairs {
            let mut node = &mut root;
            for seg in k.split('.') {
                node = node.children.entry(seg.to_string()).or_default();
            }
            if node.value.is_none() {
                node.value = Some(v.clone());
            }
        }
        root.to_object(rule)
    }
}

/// How a query parameter prefix maps onto the JSON input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryMember {
    /// `Name=value` or `Name.Sub=..` structures, under the same name.
    Plain,
    /// `Prefix.N=v` or `Prefix.N.Field=..`: a list named `json`.
    List(&'static str),
    /// `Prefix.N.<key>=k&Prefix.N.<value>=v`: a map named `json`.
    Map { json: &'static str, key: &'static str, value: &'static str },
}

#[derive(Debug, Default)]
struct Node {
    value: Option<String>,
    children: BTreeMap<String, Node>,
}

impl Node {
    fn to_object(&self, rule: &dyn Fn(&str) -> QueryMember) -> Value {
        let mut out = Map::new();
        for (name, child) in &self.children {
            match rule(name) {
                QueryMember::Plain => {
                    out.insert(name.clone(), child.to_value(rule));
                }
                QueryMember::List(json) => {
                    let items = child.indexed().into_iter().map(|n| n.to_value(rule)).collect();
                    out.insert(json.to_string(), Value::Array(items));
                }
                QueryMember::Map { json, key, value } => {
                    let mut map = Map::new();
                    for entry in child.indexed() {
                        let k = entry.children.get(key).and_then(|n| n.value.clone());
                        let v = entry.children.get(value).map(|n| n.to_value(rule));
                        if let Some(k) = k {
                            map.insert(k, v.unwrap_or(Value::Null));
                        }
                    }
                    out.insert(json.to_string(), Value::Object(map));
                }
            }
        }
        Value::Object(out)
    }

    fn to_value(&self, rule: &dyn Fn(&str) -> QueryMember) -> Value {
        if self.children.is_empty() {
            Value::String(self.value.clone().unwrap_or_default())
        } else {
            self.to_object(rule)
        }
    }

    /// Children with numeric names, in numeric order (`.1`, `.2`, .. `.10`).
    fn indexed(&self) -> Vec<&Node> {
        let mut v: Vec<(u64, &Node)> =
            self.children.iter().filter_map(|(k, n)| k.parse::<u64>().ok().map(|i| (i, n))).collect();
        v.sort_by_key(|(i, _)| *i);
        v.into_iter().map(|(_, n)| n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(name: &str) -> QueryMember {
        match name {
            "AttributeName" => QueryMember::List("AttributeNames"),
            "Attribute" => QueryMember::Map { json: "Attributes", key: "Name", value: "Value" },
            "Entry" => QueryMember::List("Entries"),
            _ => QueryMember::Plain,
        }
    }

    #[test]
    fn lists_maps_and_nested_entries() {
        let p = QueryParams::parse(
            b"Action=X&AttributeName.2=B&AttributeName.10=C&AttributeName.1=A&Attribute.1.Name=K&Attribute.1.Value=V%20W&Entry.1.Id=a&Entry.1.Attribute.1.Name=x&Entry.1.Attribute.1.Value=y",
        );
        assert_eq!(
            p.to_json(&rule),
            json!({
                "Action": "X",
                "AttributeNames": ["A", "B", "C"],
                "Attributes": {"K": "V W"},
                "Entries": [{"Id": "a", "Attributes": {"x": "y"}}],
            })
        );
    }

    #[test]
    fn take_removes_all() {
        let mut p = QueryParams::parse(b"Action=A&Action=B&Version=1");
        assert_eq!(p.take("Action").as_deref(), Some("A"));
        assert_eq!(p.get("Action"), None);
        assert_eq!(p.get("Version"), Some("1"));
    }
}
