//! `/_quayside/metrics`: every service adds its figures to one [`Metrics`], which renders them
//! in Prometheus' text format (version 0.0.4): a family's `# HELP` and `# TYPE` once, then its
//! samples, families in name order.

use std::collections::BTreeMap;
use std::fmt::Write;

/// Whether a family's value only grows (since the process started) or goes up and down.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Counter,
    Gauge,
}

struct Family {
    help: &'static str,
    kind: Kind,
    samples: Vec<(String, f64)>,
}

/// The figures of one scrape.
#[derive(Default)]
pub struct Metrics {
    families: BTreeMap<&'static str, Family>,
}

impl Metrics {
    /// A gauge sample of family `name` with `labels`.
    pub fn gauge(&mut self, name: &'static str, help: &'static str, labels: &[(&str, &str)], value: f64) {
        self.add(name, help, Kind::Gauge, labels, value);
    }

    /// A counter sample (a `_total` name: the count since the process started).
    pub fn counter(&mut self, name: &'static str, help: &'static str, labels: &[(&str, &str)], value: f64) {
        self.add(name, help, Kind::Counter, labels, value);
    }

    fn add(&mut self, name: &'static str, help: &'static str, kind: Kind, labels: &[(&str, &str)], value: f64) {
        let family = self.families.entry(name).or_insert_with(|| Family { help, kind, samples: Vec::new() });
        let mut l = String::new();
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                l.push(',');
            }
            let _ = write!(l, "{k}=\"");
            escape(&mut l, v);
            l.push('"');
        }
        family.samples.push((l, value));
    }

    /// The text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, f) in &self.families {
            let kind = match f.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
            };
            let _ = writeln!(out, "# HELP {name} {}", f.help);
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, v) in &f.samples {
                if labels.is_empty() {
                    let _ = writeln!(out, "{name} {v}");
                } else {
                    let _ = writeln!(out, "{name}{{{labels}}} {v}");
                }
            }
        }
        out
    }
}

/// A label value as the text format writes it: backslash, double quote and newline escaped.
fn escape(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_render_once_with_escaped_labels() {
        let mut m = Metrics::default();
        m.gauge("b_depth", "Depth.", &[("queue", "a\"b\\c\nd")], 3.0);
        m.counter("a_sent_total", "Sent.", &[], 7.0);
        m.gauge("b_depth", "Depth.", &[("queue", "x")], 0.5);
        assert_eq!(
            m.render(),
            "# HELP a_sent_total Sent.\n# TYPE a_sent_total counter\na_sent_total 7\n\
             # HELP b_depth Depth.\n# TYPE b_depth gauge\nb_depth{queue=\"a\\\"b\\\\c\\nd\"} 3\nb_depth{queue=\"x\"} 0.5\n"
        );
    }
}
