//! A small XML writer and the generic JSON-value-to-XML rendering used by query responses.

use crate::model::Model;
use serde_json::Value;

/// Appends XML to a string; escapes text and attribute values.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// A document that starts with the XML declaration.
    pub fn new() -> Self {
        XmlWriter { out: String::from("<?xml version=\"1.0\"?>") }
    }

    pub fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    pub fn open_ns(&mut self, name: &str, xmlns: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        escape_into(&mut self.out, xmlns);
        self.out.push_str("\">");
    }

    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Closes `name`, as `<name/>` when nothing was written inside it.
    pub fn close_collapsing(&mut self, name: &str) {
        let opened = format!("<{name}>");
        if self.out.ends_with(&opened) {
            self.out.truncate(self.out.len() - opened.len());
            self.empty(name);
        } else {
            self.close(name);
        }
    }

    pub fn empty(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
    }

    pub fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text);
    }

    /// `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        self.text(text);
        self.close(name);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Escapes the five XML specials, and carriage returns (which XML parsers would otherwise
/// normalize away, changing a message body's MD5 on the client side).
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Renders `value` (a JSON-protocol value of shape `shape_name`) as the children of the current
/// element, laid out as the model says: member `locationName`s, flattened or wrapped lists
/// (`<member>`) and maps (`<entry><key/><value/></entry>`).
pub fn render_members(w: &mut XmlWriter, model: &Model, shape_name: &str, value: &Value) {
    let shape = model.shape(shape_name);
    let (Some(members), Value::Object(map)) = (shape["members"].as_object(), value) else { return };
    for (name, spec) in members {
        let Some(v) = map.get(name) else { continue };
        let element = spec["locationName"].as_str().unwrap_or(name);
        render_value(w, model, spec["shape"].as_str().unwrap_or("String"), element, v);
    }
}

fn render_value(w: &mut XmlWriter, model: &Model, shape_name: &str, element: &str, v: &Value) {
    let shape = model.shape(shape_name);
    let flattened = shape["flattened"].as_bool().unwrap_or(false);
    match (shape["type"].as_str().unwrap_or("string"), v) {
        (_, Value::Null) => {}
        ("structure", _) => {
            w.open(element);
            render_members(w, model, shape_name, v);
            w.close(element);
        }
        ("list", Value::Array(items)) => {
            let item_shape = shape["member"]["shape"].as_str().unwrap_or("String");
            let item_name = shape["member"]["locationName"].as_str();
            if flattened {
                for item in items {
                    render_value(w, model, item_shape, item_name.unwrap_or(element), item);
                }
            } else {
                w.open(element);
                for item in items {
                    render_value(w, model, item_shape, item_name.unwrap_or("member"), item);
                }
                w.close(element);
            }
        }
        ("map", Value::Object(entries)) => {
            let key = shape["key"]["locationName"].as_str().unwrap_or("key");
            let value_name = shape["value"]["locationName"].as_str().unwrap_or("value");
            let value_shape = shape["value"]["shape"].as_str().unwrap_or("String");
            if !flattened {
                w.open(element);
            }
            for (k, item) in entries {
                w.open(if flattened { element } else { "entry" });
                w.leaf(key, k);
                render_value(w, model, value_shape, value_name, item);
                w.close(if flattened { element } else { "entry" });
            }
            if !flattened {
                w.close(element);
            }
        }
        ("timestamp", Value::Number(n)) => {
            w.leaf(element, &crate::time::iso8601_ms((n.as_f64().unwrap_or(0.0) * 1000.0).round() as i64))
        }
        (_, Value::Bool(b)) => w.leaf(element, if *b { "true" } else { "false" }),
        (_, Value::Number(n)) => w.leaf(element, &n.to_string()),
        (_, Value::String(s)) => w.leaf(element, s),
        // A value that does not fit its shape is a bug in the service; render what it is.
        (_, other) => w.leaf(element, &other.to_string()),
    }
}

/// A query-protocol success document:
/// `<OpResponse xmlns=..><OpResult>..</OpResult><ResponseMetadata><RequestId>..`. Operations
/// without an output shape are answered without a Result element, as AWS does.
pub fn query_response(model: &Model, operation: &str, xmlns: &str, output: &Value, request_id: &str) -> String {
    let mut w = XmlWriter::new();
    let response = format!("{operation}Response");
    w.open_ns(&response, xmlns);
    if let Some(shape) = model.output_shape(operation) {
        let result = format!("{operation}Result");
        w.open(&result);
        render_members(&mut w, model, shape, output);
        // An empty result is one empty element (recorded: `<ReceiveMessageResult/>`).
        w.close_collapsing(&result);
    }
    w.open("ResponseMetadata");
    w.leaf("RequestId", request_id);
    w.close("ResponseMetadata");
    w.close(&response);
    w.finish()
}

/// The query protocol's answer for a client that asked for JSON (`Accept: application/json`):
/// the XML document's structure as JSON, `{"OpResponse": {"OpResult": {..}, "ResponseMetadata":
/// {"RequestId": ..}}}`, as AWS and LocalStack negotiate it.
pub fn query_json_response(model: &Model, operation: &str, output: &Value, request_id: &str) -> Value {
    let mut inner = serde_json::Map::new();
    if model.output_shape(operation).is_some() {
        inner.insert(format!("{operation}Result"), output.clone());
    }
    inner.insert("ResponseMetadata".into(), serde_json::json!({"RequestId": request_id}));
    serde_json::json!({ format!("{operation}Response"): inner })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"{"metadata": {}, "operations": {"Get": {"input": null, "output": "Out"}, "Purge": {"input": null, "output": null}},
      "shapes": {"Out": {"type": "structure", "members": {"QueueUrls": {"shape": "Urls"}, "Attributes": {"shape": "Attrs", "locationName": "Attribute"},
                   "N": {"shape": "I"}, "Tags": {"shape": "TagMap"}, "Items": {"shape": "Plain"}, "At": {"shape": "T"}}},
        "Urls": {"type": "list", "flattened": true, "member": {"shape": "S", "locationName": "QueueUrl"}},
        "Plain": {"type": "list", "member": {"shape": "S"}},
        "Attrs": {"type": "map", "flattened": true, "key": {"shape": "S", "locationName": "Name"}, "value": {"shape": "S", "locationName": "Value"}},
        "TagMap": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}},
        "S": {"type": "string"}, "I": {"type": "integer"}, "T": {"type": "timestamp"}}}"#;

    #[test]
    fn layouts_follow_the_model() {
        let m = Model::parse(MODEL).unwrap();
        let v = serde_json::json!({"QueueUrls": ["a", "b"], "Attributes": {"X": "1"}, "N": 3, "Tags": {"k": "v"}, "Items": ["i"], "At": 0});
        assert_eq!(
            query_response(&m, "Get", "ns", &v, "r"),
            "<?xml version=\"1.0\"?><GetResponse xmlns=\"ns\"><GetResult><At>1970-01-01T00:00:00.000Z</At><Attribute><Name>X</Name><Value>1</Value></Attribute><Items><member>i</member></Items><N>3</N><QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl><Tags><entry><key>k</key><value>v</value></entry></Tags></GetResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetResponse>"
        );
        assert_eq!(
            query_response(&m, "Purge", "ns", &serde_json::json!({}), "r"),
            "<?xml version=\"1.0\"?><PurgeResponse xmlns=\"ns\"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PurgeResponse>"
        );
        assert_eq!(
            query_json_response(&m, "Get", &serde_json::json!({"N": 1}), "r"),
            serde_json::json!({"GetResponse": {"GetResult": {"N": 1}, "ResponseMetadata": {"RequestId": "r"}}})
        );
    }

    #[test]
    fn escapes_text() {
        let mut s = String::new();
        escape_into(&mut s, "<a href=\"x\">&'\r");
        assert_eq!(s, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#xD;");
    }
}
