//! Transition delays of resources that AWS creates, reboots or deletes asynchronously.

/// Transition delays per operation, in milliseconds, as services take them from a flag
/// (`--kinesis-delays CreateStream=500,DeleteStream=500,*=200`, `--mq-delays CreateBroker=2000`):
/// `*` for every operation not named; 0 by default, so that a resource is ready, or gone,
/// when the call that changes it answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delays {
    by_operation: std::collections::HashMap<String, u64>,
    other: u64,
}

impl Delays {
    /// Reads `Operation=ms,...`.
    ///
    /// Errors: an entry that is not `name=milliseconds`.
    pub fn parse(text: &str) -> Result<Delays, String> {
        let mut d = Delays::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (op, ms) = entry.split_once('=').ok_or_else(|| format!("{entry} is not Operation=milliseconds"))?;
            let ms: u64 = ms.trim().parse().map_err(|_| format!("{entry}: {ms} is not a number of milliseconds"))?;
            match op.trim() {
                "*" => d.other = ms,
                op => {
                    d.by_operation.insert(op.to_string(), ms);
                }
            }
        }
        Ok(d)
    }

    pub fn of(&self, operation: &str) -> u64 {
        self.by_operation.get(operation).copied().unwrap_or(self.other)
    }
}
