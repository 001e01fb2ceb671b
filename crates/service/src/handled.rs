//! How many requests reached each operation's handler (past the model's checks): shown in
//! `/_quayside/health` so that a fuzz test can prove that its random inputs got into every
//! handler, not only into validation.

use std::sync::atomic::{AtomicU64, Ordering};

/// A counter per operation of a service's model.
#[derive(Debug)]
pub struct Handled {
    /// Sorted, for look-up by name.
    names: Vec<String>,
    counts: Vec<AtomicU64>,
}

impl Handled {
    /// Counters for `operations` (each starts at 0).
    pub fn new(operations: &[String]) -> Handled {
        let mut names = operations.to_vec();
        names.sort();
        names.dedup();
        let counts = names.iter().map(|_| AtomicU64::new(0)).collect();
        Handled { names, counts }
    }

    /// One request reached `operation`'s handler (an operation of no model is not counted).
    pub fn count(&self, operation: &str) {
        if let Ok(i) = self.names.binary_search_by(|n| n.as_str().cmp(operation)) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Every operation's count, by name.
    pub fn to_json(&self) -> serde_json::Value {
        let m: serde_json::Map<String, serde_json::Value> = self
            .names
            .iter()
            .zip(&self.counts)
            .map(|(n, c)| (n.clone(), serde_json::Value::from(c.load(Ordering::Relaxed))))
            .collect();
        serde_json::Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_name() {
        let h = Handled::new(&["B".to_string(), "A".to_string()]);
        h.count("A");
        h.count("A");
        h.count("Z");
        assert_eq!(h.to_json(), serde_json::json!({"A": 2, "B": 0}));
    }
}
