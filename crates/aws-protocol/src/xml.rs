//! A small XML writer and the generic JSON-value-to-XML rendering used by query responses.

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

/// How a JSON member is laid out in a query-protocol XML response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlMember {
    /// `<Name>..</Name>` with the member's own name (structures, scalars; lists of structures
    /// wrapped in `<Name><member>..</member></Name>`).
    Plain,
    /// A flattened list: each item is its own `<elem>` element.
    FlatList(&'static str),
    /// A flattened map: each entry is `<elem><key>k</key><value>v</value></elem>`.
    FlatMap { elem: &'static str, key: &'static str, value: &'static str },
    /// Not rendered.
    Skip,
}

/// Renders `value` (a JSON object) as the children of the current element, asking `rule`
/// how each member is laid out.
pub fn render_members(w: &mut XmlWriter, value: &Value, rule: &dyn Fn(&str) -> XmlMember) {
    let Value::Object(map) = value else { return };
    for (name, v) in map {
        match rule(name) {
            XmlMember::Skip => {}
            XmlMember::Plain => render_value(w, name, v, rule),
            XmlMember::FlatList(elem) => {
                if let Value::Array(items) = v {
                    for item in items {
                        render_value(w, elem, item, rule);
                    }
                }
            }
            XmlMember::FlatMap { elem, key, value } => {
                if let Value::Object(entries) = v {
                    for (k, item) in entries {
                        w.open(elem);
                        w.leaf(key, k);
                        render_value(w, value, item, rule);
                        w.close(elem);
                    }
                }
            }
        }
    }
}

fn render_value(w: &mut XmlWriter, name: &str, v: &Value, rule: &dyn Fn(&str) -> XmlMember) {
    match v {
        Value::Null => {}
        Value::Bool(b) => w.leaf(name, if *b { "true" } else { "false" }),
        Value::Number(n) => w.leaf(name, &n.to_string()),
        Value::String(s) => w.leaf(name, s),
        Value::Object(_) => {
            w.open(name);
            render_members(w, v, rule);
            w.close(name);
        }
        Value::Array(items) => {
            w.open(name);
            for item in items {
                render_value(w, "member", item, rule);
            }
            w.close(name);
        }
    }
}

/// A query-protocol success document:
/// `<OpResponse xmlns=..><OpResult>..</OpResult><ResponseMetadata><RequestId>..`. `output` is
/// `None` for operations without an output shape, which AWS answers without a Result element.
pub fn query_response(
    operation: &str,
    xmlns: &str,
    output: Option<&Value>,
    request_id: &str,
    rule: &dyn Fn(&str) -> XmlMember,
) -> String {
    let mut w = XmlWriter::new();
    let response = format!("{operation}Response");
    w.open_ns(&response, xmlns);
    if let Some(output) = output {
        let result = format!("{operation}Result");
        w.open(&result);
        render_members(&mut w, output, rule);
        w.close(&result);
    }
    w.open("ResponseMetadata");
    w.leaf("RequestId", request_id);
    w.close("ResponseMetadata");
    w.close(&response);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_members() {
        let v = serde_json::json!({"QueueUrls": ["a", "b"], "Attributes": {"X": "1"}, "N": 3});
        let mut w = XmlWriter::new();
        render_members(&mut w, &v, &|n| match n {
            "QueueUrls" => XmlMember::FlatList("QueueUrl"),
            "Attributes" => XmlMember::FlatMap { elem: "Attribute", key: "Name", value: "Value" },
            _ => XmlMember::Plain,
        });
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\"?><Attribute><Name>X</Name><Value>1</Value></Attribute><N>3</N><QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl>"
        );
    }

    #[test]
    fn response_envelopes() {
        let plain = |_: &str| XmlMember::Plain;
        assert_eq!(
            query_response("Purge", "ns", None, "r", &plain),
            "<?xml version=\"1.0\"?><PurgeResponse xmlns=\"ns\"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PurgeResponse>"
        );
        assert_eq!(
            query_response("Get", "ns", Some(&serde_json::json!({"A": 1})), "r", &plain),
            "<?xml version=\"1.0\"?><GetResponse xmlns=\"ns\"><GetResult><A>1</A></GetResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetResponse>"
        );
    }

    #[test]
    fn escapes_text() {
        let mut s = String::new();
        escape_into(&mut s, "<a href=\"x\">&'\r");
        assert_eq!(s, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#xD;");
    }
}
