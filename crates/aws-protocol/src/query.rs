//! The AWS query protocol's input side: `application/x-www-form-urlencoded` parameters
//! (`Action=SendMessage&Attribute.1.Name=..`) decoded, as the service model lays them out, into
//! the JSON-protocol-shaped value a service reads, so one handler per operation serves both
//! protocols.
//!
//! Layout facts come from the model (`locationName`, `flattened`), and every form SDKs and tools
//! send is accepted: flattened lists under the member's or the list member's name
//! (`AttributeName.1`, `AttributeNames.1`), wrapped ones (`AttributeNames.member.1`), flattened
//! maps (`Attribute.1.Name`/`.Value`) and wrapped ones (`Tags.entry.1.key`/`.value`).

use crate::model::{InputError, Model};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

/// The most parameters a query request may carry. AWS's largest legal requests (a batch of ten
/// entries with ten message attributes each) carry about 500.
pub const MAX_PARAMETERS: usize = 5_000;

/// The decoded parameters of a query request, in the order they came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
    /// The places in `pairs` of values that were not UTF-8 (decoded lossily), ascending.
    not_utf8: Vec<usize>,
}

impl QueryParams {
    /// Parses a form body or URL query string. Invalid percent-escapes decode lossily, as
    /// form parsers do; the service then rejects any value that is not what it expects.
    pub fn parse(bytes: &[u8]) -> Self {
        let mut pairs = Vec::new();
        let mut not_utf8 = Vec::new();
        let mut start = 0;
        for end in memchr::memchr_iter(b'&', bytes).chain([bytes.len()]) {
            let piece = &bytes[start..end];
            start = end + 1;
            if piece.is_empty() {
                continue;
            }
            let (k, v) = match memchr::memchr(b'=', piece) {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &[][..]),
            };
            let (value, utf8) = form_component(v);
            if !utf8 {
                not_utf8.push(pairs.len());
            }
            pairs.push((form_component(k).0, value));
        }
        QueryParams { pairs, not_utf8 }
    }

    /// Adds the parameters of another source (the URL query of a form POST).
    pub fn extend(&mut self, other: QueryParams) {
        let base = self.pairs.len();
        self.not_utf8.extend(other.not_utf8.iter().map(|i| i + base));
        self.pairs.extend(other.pairs);
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Removes `name` and returns its first value.
    pub fn take(&mut self, name: &str) -> Option<String> {
        let i = self.pairs.iter().position(|(k, _)| k == name)?;
        let v = std::mem::take(&mut self.pairs[i].1);
        let mut place = 0;
        let mut kept = Vec::with_capacity(self.pairs.len());
        let mut not_utf8 = Vec::new();
        for (j, pair) in std::mem::take(&mut self.pairs).into_iter().enumerate() {
            if pair.0 != name {
                if self.not_utf8.binary_search(&j).is_ok() {
                    not_utf8.push(place);
                }
                kept.push(pair);
                place += 1;
            }
        }
        self.pairs = kept;
        self.not_utf8 = not_utf8;
        Some(v)
    }

    /// The bytes of every name and value together.
    pub fn byte_len(&self) -> usize {
        self.pairs.iter().map(|(k, v)| k.len() + v.len()).sum()
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Decodes the parameters into `operation`'s input, as the model lays it out: scalars are
    /// converted to the member's type (`"5"` to `5`, `"true"` to `true`), lists and maps are
    /// gathered in index order. Parameters the input does not have are ignored, as AWS does.
    ///
    /// Errors: [`InputError::Type`] (with `from_query`) for a scalar that is not of its type.
    pub fn decode(&self, model: &Model, operation: &str) -> Result<Value, InputError> {
        let Some(shape) = model.input_shape(operation) else {
            return Ok(Value::Object(Map::new()));
        };
        let tree = Tree::new(&self.pairs, &self.not_utf8);
        Ok(Decoder { model, tree }.structure(shape, "", "")?.unwrap_or_else(|| Value::Object(Map::new())))
    }
}

/// One decoded name or value of a form: `+` is a space, `%XX` a byte, anything else itself
/// (a `%` without two hex digits too), and bytes that are not UTF-8 decode lossily. Most
/// values (message bodies among them) have neither `+` nor `%`: they are checked and copied
/// once instead of being scanned three times. The flag says whether the bytes were UTF-8.
fn form_component(bytes: &[u8]) -> (String, bool) {
    if memchr::memchr2(b'%', b'+', bytes).is_none() {
        if let Ok(s) = std::str::from_utf8(bytes) {
            return (s.to_owned(), true);
        }
    }
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => (s, true),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
    }
}

/// The parameters by name, for prefix look-ups.
struct Tree<'a> {
    map: BTreeMap<&'a str, &'a str>,
    /// Names whose (first) value was not UTF-8.
    not_utf8: HashSet<&'a str>,
}

impl<'a> Tree<'a> {
    fn new(pairs: &'a [(String, String)], not_utf8: &[usize]) -> Self {
        let mut map = BTreeMap::new();
        let mut bad = HashSet::new();
        for (i, (k, v)) in pairs.iter().enumerate() {
            if let std::collections::btree_map::Entry::Vacant(e) = map.entry(k.as_str()) {
                e.insert(v.as_str());
                if not_utf8.binary_search(&i).is_ok() {
                    bad.insert(k.as_str());
                }
            }
        }
        Tree { map, not_utf8: bad }
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.map.get(key).copied()
    }

    fn is_utf8(&self, key: &str) -> bool {
        !self.not_utf8.contains(key)
    }

    /// The numbers N of the keys `prefix.N` and `prefix.N.*`, ascending.
    fn indices(&self, prefix: &str) -> Vec<u64> {
        let start = format!("{prefix}.");
        let mut out: Vec<u64> = self
            .map
            .range(start.as_str()..)
            .take_while(|(k, _)| k.starts_with(&start))
            .filter_map(|(k, _)| k[start.len()..].split('.').next()?.parse().ok())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The first segments of the keys under `path` (`A` and `B` for `path.A.1`, `path.B`),
    /// each once; every key's for the empty path.
    /// Linear in the keys under `path`: a list while it is short (most structures have a few
    /// members), a set beyond (a form of 100,000 distinct names searched a list per key, 12 s).
    fn children(&self, path: &str) -> Children<'a> {
        let prefix = if path.is_empty() { String::new() } else { format!("{path}.") };
        let mut out = Children::default();
        let from = (std::ops::Bound::Included(prefix.as_str()), std::ops::Bound::Unbounded);
        for (k, _) in self.map.range::<str, _>(from).take_while(|(k, _)| k.starts_with(&prefix)) {
            let k: &'a str = k;
            out.insert(k[prefix.len()..].split('.').next().unwrap_or(""));
        }
        out
    }

    /// Whether any key is `prefix` or starts with `prefix.`.
    fn has(&self, prefix: &str) -> bool {
        if self.map.contains_key(prefix) {
            return true;
        }
        let start = format!("{prefix}.");
        self.map.range(start.as_str()..).next().is_some_and(|(k, _)| k.starts_with(&start))
    }
}

/// The distinct first segments under a path.
#[derive(Default)]
struct Children<'a> {
    few: Vec<&'a str>,
    many: Option<HashSet<&'a str>>,
}

impl<'a> Children<'a> {
    const FEW: usize = 32;

    fn insert(&mut self, seg: &'a str) {
        if let Some(set) = &mut self.many {
            set.insert(seg);
        } else if !self.few.contains(&seg) {
            self.few.push(seg);
            if self.few.len() > Self::FEW {
                self.many = Some(self.few.drain(..).collect());
            }
        }
    }

    fn contains(&self, seg: &str) -> bool {
        match &self.many {
            Some(set) => set.contains(seg),
            None => self.few.contains(&seg),
        }
    }
}

struct Decoder<'m, 'a> {
    model: &'m Model,
    tree: Tree<'a>,
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// `a.b.c` with the last segment replaced: `a.b.name`.
fn replace_last(path: &str, name: &str) -> String {
    match path.rsplit_once('.') {
        Some((head, _)) => format!("{head}.{name}"),
        None => name.to_string(),
    }
}

impl Decoder<'_, '_> {
    /// Decodes the value of shape `shape_name` found at `path`; `member` names it in errors.
    fn value(&self, shape_name: &str, path: &str, member: &str) -> Result<Option<Value>, InputError> {
        let shape = self.model.shape(shape_name);
        match shape["type"].as_str().unwrap_or("string") {
            "structure" => self.structure(shape_name, path, member),
            "list" => self.list(shape, path, member),
            "map" => self.map(shape, path, member),
            other => match self.tree.get(path) {
                Some(_) if !self.tree.is_utf8(path) => {
                    Err(InputError::Encoding { member: member.to_string(), query_name: path.to_string() })
                }
                Some(text) => scalar(other, text, member).map(Some),
                None => Ok(None),
            },
        }
    }

    fn structure(&self, shape_name: &str, path: &str, _member: &str) -> Result<Option<Value>, InputError> {
        let shape = self.model.shape(shape_name);
        let Some(members) = shape["members"].as_object() else {
            return Ok(if self.tree.has(path) || path.is_empty() { Some(Value::Object(Map::new())) } else { None });
        };
        // Only members whose names (or, for a flattened list, its items' name) appear under the
        // path are looked for: most optional members are absent, and looking for each under all
        // the names the layouts allow was most of the decoding's work.
        let children = self.tree.children(path);
        let mut out = Map::new();
        for (name, spec) in members {
            let target = spec["shape"].as_str().unwrap_or("String");
            let target_shape = self.model.shape(target);
            let item_name = target_shape["member"]["locationName"].as_str();
            // A flattened map may carry its name on its shape (SQS's TagQueue: `Tag.1.Key`).
            let shape_name = target_shape["locationName"].as_str();
            let present = |n: Option<&str>| n.is_some_and(|n| children.contains(n));
            if !present(Some(name))
                && !present(spec["locationName"].as_str())
                && !present(item_name)
                && !present(shape_name)
            {
                continue;
            }
            let mut names = Vec::with_capacity(3);
            names.extend(spec["locationName"].as_str());
            names.extend(shape_name);
            names.push(name.as_str());
            for n in names {
                if let Some(v) = self.value(target, &join(path, n), name)? {
                    out.insert(name.clone(), v);
                    break;
                }
            }
        }
        if out.is_empty() && !path.is_empty() && !self.tree.has(path) {
            return Ok(None);
        }
        Ok(Some(Value::Object(out)))
    }

    fn list(&self, shape: &Value, path: &str, member: &str) -> Result<Option<Value>, InputError> {
        let item_shape = shape["member"]["shape"].as_str().unwrap_or("String");
        let item_name = shape["member"]["locationName"].as_str();
        let mut bases = Vec::with_capacity(4);
        if let Some(n) = item_name {
            bases.push(replace_last(path, n));
            bases.push(format!("{path}.{n}"));
        }
        bases.push(path.to_string());
        bases.push(format!("{path}.member"));
        for base in bases {
            let indices = self.tree.indices(&base);
            if indices.is_empty() {
                continue;
            }
            let mut items = Vec::with_capacity(indices.len());
            for i in indices {
                if let Some(v) = self.value(item_shape, &format!("{base}.{i}"), member)? {
                    items.push(v);
                }
            }
            return Ok(Some(Value::Array(items)));
        }
        // An empty list is sent as the bare name with an empty value.
        Ok(self.tree.get(path).filter(|v| v.is_empty()).map(|_| Value::Array(Vec::new())))
    }

    fn map(&self, shape: &Value, path: &str, member: &str) -> Result<Option<Value>, InputError> {
        let value_shape = shape["value"]["shape"].as_str().unwrap_or("String");
        let key_names: Vec<&str> = shape["key"]["locationName"].as_str().into_iter().chain(["key", "Name"]).collect();
        let value_names: Vec<&str> =
            shape["value"]["locationName"].as_str().into_iter().chain(["value", "Value"]).collect();
        for base in [path.to_string(), format!("{path}.entry")] {
            let indices = self.tree.indices(&base);
            if indices.is_empty() {
                continue;
            }
            let mut out = Map::new();
            for i in indices {
                let entry = format!("{base}.{i}");
                let Some(key) = key_names.iter().find_map(|k| self.tree.get(&format!("{entry}.{k}"))) else {
                    continue;
                };
                let mut value = None;
                for v in &value_names {
                    if let Some(x) = self.value(value_shape, &format!("{entry}.{v}"), member)? {
                        value = Some(x);
                        break;
                    }
                }
                out.insert(key.to_string(), value.unwrap_or(Value::Null));
            }
            return Ok(Some(Value::Object(out)));
        }
        Ok(None)
    }
}

/// A query scalar converted to the JSON protocol's type for `kind` (the shape's `type`).
fn scalar(kind: &str, text: &str, member: &str) -> Result<Value, InputError> {
    let bad = |expected: &'static str| InputError::Type {
        member: member.to_string(),
        expected,
        value: text.to_string(),
        from_query: true,
        shape_type: crate::model::static_type_of(kind),
        received: crate::model::JsonKind::String,
        reason: None,
    };
    Ok(match kind {
        "integer" | "long" => Value::from(text.trim().parse::<i64>().map_err(|_| bad("integer"))?),
        "boolean" => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("boolean")),
        },
        "double" | "float" => {
            let f = text.trim().parse::<f64>().map_err(|_| bad("number"))?;
            serde_json::Number::from_f64(f).map(Value::Number).ok_or_else(|| bad("number"))?
        }
        "timestamp" => match crate::time::parse_timestamp(text) {
            Some(ms) => Value::from(ms as f64 / 1000.0),
            None => return Err(bad("timestamp")),
        },
        _ => Value::String(text.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MODEL: &str = r#"{"metadata": {}, "operations": {"Op": {"input": "In"}},
      "shapes": {"In": {"type": "structure", "members": {
          "AttributeNames": {"shape": "Names"}, "Attributes": {"shape": "AttrMap", "locationName": "Attribute"},
          "Tags": {"shape": "TagMap"}, "Entries": {"shape": "Entries"}, "Max": {"shape": "Int"}, "Flag": {"shape": "Bool"},
          "Ids": {"shape": "Plain"}}},
        "Names": {"type": "list", "flattened": true, "member": {"shape": "S", "locationName": "AttributeName"}},
        "Plain": {"type": "list", "member": {"shape": "S"}},
        "AttrMap": {"type": "map", "flattened": true, "key": {"shape": "S", "locationName": "Name"}, "value": {"shape": "S", "locationName": "Value"}},
        "TagMap": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}},
        "Entries": {"type": "list", "flattened": true, "member": {"shape": "Entry", "locationName": "Entry"}},
        "Entry": {"type": "structure", "members": {"Id": {"shape": "S"}, "Attributes": {"shape": "AttrMap", "locationName": "Attribute"}}},
        "S": {"type": "string"}, "Int": {"type": "integer"}, "Bool": {"type": "boolean"}}}"#;

    fn decode(form: &str) -> Result<Value, InputError> {
        QueryParams::parse(form.as_bytes()).decode(&Model::parse(MODEL).unwrap(), "Op")
    }

    /// The form parser agrees with `form_urlencoded` (the WHATWG parser) on every shape of
    /// input: plain values, `+`, escapes (valid, cut short, not hex), `=` inside values, pairs
    /// without `=`, empty pairs, bytes that are not UTF-8.
    #[test]
    fn forms_parse_as_the_whatwg_parser_does() {
        let forms: &[&[u8]] = &[
            b"Action=Publish&Message=hello",
            b"a=1+2&b=%41%42%2b&c=%&d=%4&e=%zz&f=100%25",
            b"k=v=w&alone&&=empty-name&last=",
            b"m=caf%C3%A9&n=%FF%FE&o=\xff",
            b"",
            b"&&&",
            b"x=%E2%82%AC+%e2%82%ac",
        ];
        for form in forms {
            let expected: Vec<(String, String)> =
                form_urlencoded::parse(form).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            assert_eq!(QueryParams::parse(form).pairs, expected, "{}", String::from_utf8_lossy(form));
        }
        let invalid = [b'v', b'=', 0xff, b'a'];
        let expected: Vec<(String, String)> =
            form_urlencoded::parse(&invalid).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        assert_eq!(QueryParams::parse(&invalid).pairs, expected);
    }

    #[test]
    fn every_list_and_map_form() {
        let v = decode("Action=Op&AttributeName.2=B&AttributeName.10=C&AttributeName.1=A&Attribute.1.Name=K&Attribute.1.Value=V%20W&Entry.1.Id=a&Entry.1.Attribute.1.Name=x&Entry.1.Attribute.1.Value=y&Max=5&Flag=TRUE&Tags.entry.1.key=t&Tags.entry.1.value=u&Ids.member.1=i").unwrap();
        assert_eq!(
            v,
            json!({
                "AttributeNames": ["A", "B", "C"],
                "Attributes": {"K": "V W"},
                "Entries": [{"Id": "a", "Attributes": {"x": "y"}}],
                "Max": 5, "Flag": true, "Tags": {"t": "u"}, "Ids": ["i"],
            })
        );
        // The JSON member names work too, flattened or wrapped.
        let v = decode(
            "AttributeNames.member.1=A&AttributeNames.member.2=B&Attributes.1.Name=K&Attributes.1.Value=V&Ids.1=j",
        )
        .unwrap();
        assert_eq!(v, json!({"AttributeNames": ["A", "B"], "Attributes": {"K": "V"}, "Ids": ["j"]}));
        assert_eq!(decode("AttributeNames=").unwrap(), json!({"AttributeNames": []}));
    }

    #[test]
    fn scalars_are_typed() {
        assert!(matches!(decode("Max=abc"), Err(InputError::Type { expected: "integer", from_query: true, .. })));
        assert!(matches!(decode("Flag=yes"), Err(InputError::Type { expected: "boolean", .. })));
    }

    #[test]
    fn values_that_are_not_utf8_are_refused_by_name() {
        for form in [&b"Max=1&Entry.1.Id=a%FFb"[..], &b"Max=1&Entry.1.Id=a\xffb"[..]] {
            let e = QueryParams::parse(form).decode(&Model::parse(MODEL).unwrap(), "Op").unwrap_err();
            assert_eq!(e, InputError::Encoding { member: "Id".into(), query_name: "Entry.1.Id".into() });
        }
        // A later duplicate that is not UTF-8 is ignored, as the first value wins.
        assert_eq!(decode("Entry.1.Id=a&Entry.1.Id=%FF").unwrap(), json!({"Entries": [{"Id": "a"}]}));
        // Names outside the input are ignored, whatever their bytes.
        assert_eq!(decode("Other=%FF&Max=2").unwrap(), json!({"Max": 2}));
        let mut p = QueryParams::parse(b"Action=%FF&Entry.1.Id=%FE&Max=3");
        assert_eq!(p.take("Action").as_deref(), Some("\u{FFFD}"));
        assert!(p.decode(&Model::parse(MODEL).unwrap(), "Op").is_err(), "the places move with take");
    }

    /// A form of many distinct names decodes in time linear in its size (it was quadratic:
    /// 100,000 names took 12 s); ignored names cost a look-up each.
    #[test]
    fn many_distinct_names_decode() {
        let mut form = String::from("Max=7");
        for i in 0..200_000 {
            form.push_str(&format!("&n{i}=x"));
        }
        let p = QueryParams::parse(form.as_bytes());
        assert_eq!(p.len(), 200_001);
        assert_eq!(p.decode(&Model::parse(MODEL).unwrap(), "Op").unwrap(), json!({"Max": 7}));
    }

    #[test]
    fn take_removes_all() {
        let mut p = QueryParams::parse(b"Action=A&Action=B&Version=1");
        assert_eq!(p.take("Action").as_deref(), Some("A"));
        assert_eq!(p.get("Action"), None);
        assert_eq!(p.get("Version"), Some("1"));
    }
}
