//! Config as code: what a service needs to take its sections of a Quayside file (`queues`,
//! `topics`, ...) and to write its state back as one. The file's format, its checks and the
//! order of sections are the emulator's; each service reads and applies its own declarations.

/// What applying does with a resource that exists and differs from its declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Set what the file says.
    Update,
    /// Leave it, and report the differences.
    Report,
}

/// What applying did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Resources made (a label each).
    pub made: Vec<String>,
    /// Resources changed to match the file.
    pub updated: Vec<String>,
    /// Differences left in place (`Mode::Report`).
    pub differences: Vec<String>,
}

/// A declaration that could not be applied: its index in its section, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub index: usize,
    pub message: String,
}

impl Declared {
    pub fn error(index: usize, message: impl Into<String>) -> Self {
        Declared { index, message: message.into() }
    }
}

/// Applying a section: what was done, or the first declaration that failed.
pub type Applied = Result<Outcome, Declared>;

/// A service's section of a Quayside file, as the service writes it: its name, the current
/// state as declarations, and applying declarations (`account` and `region`: where one that
/// names none goes). Every `Section` is a [`Declares`], which the emulator holds.
pub trait Section: Send + Sync {
    /// The section's name in the file (`queues`).
    const NAME: &'static str;
    fn export(&self) -> Vec<serde_json::Value>;
    fn apply(
        &self,
        decls: &[serde_json::Value],
        mode: Mode,
        account: &str,
        region: &str,
    ) -> impl std::future::Future<Output = Applied> + Send;
}

/// A [`Section`] as a trait object (`Service::declares`).
pub trait Declares: Send + Sync {
    fn section(&self) -> &'static str;
    fn export(&self) -> Vec<serde_json::Value>;
    fn apply<'a>(
        &'a self,
        decls: &'a [serde_json::Value],
        mode: Mode,
        account: &'a str,
        region: &'a str,
    ) -> crate::BoxFuture<'a, Applied>;
}

impl<T: Section> Declares for T {
    fn section(&self) -> &'static str {
        T::NAME
    }

    fn export(&self) -> Vec<serde_json::Value> {
        Section::export(self)
    }

    fn apply<'a>(
        &'a self,
        decls: &'a [serde_json::Value],
        mode: Mode,
        account: &'a str,
        region: &'a str,
    ) -> crate::BoxFuture<'a, Applied> {
        Box::pin(Section::apply(self, decls, mode, account, region))
    }
}

/// One declaration's table, read the same way by every section: unknown keys refused, values
/// of the expected kinds, each error naming the key.
pub struct Fields<'a> {
    map: &'a serde_json::Map<String, serde_json::Value>,
    /// The key's prefix in messages (`subscriptions.`).
    at: &'a str,
}

impl<'a> Fields<'a> {
    /// `v` as a `what` with only `keys`.
    pub fn of(v: &'a serde_json::Value, what: &str, keys: &[&str], at: &'a str) -> Result<Self, String> {
        let map = v.as_object().ok_or(format!("a {what} is a table"))?;
        if let Some(k) = map.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(format!("unknown key `{at}{k}` (a {what} has {})", keys.join(", ")));
        }
        Ok(Fields { map, at })
    }

    pub fn get(&self, k: &str) -> Option<&'a serde_json::Value> {
        self.map.get(k)
    }

    /// A string (`default` when absent).
    pub fn text(&self, k: &str, default: &str) -> Result<String, String> {
        match self.map.get(k) {
            None => Ok(default.to_string()),
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("`{}{k}` is a string", self.at)),
        }
    }

    /// A string that must be there and not empty.
    pub fn required(&self, k: &str, what: &str) -> Result<String, String> {
        let s = self.text(k, "")?;
        if s.is_empty() {
            return Err(format!("a {what} needs a `{}{k}`", self.at));
        }
        Ok(s)
    }

    /// true or false (false when absent).
    pub fn flag(&self, k: &str) -> Result<bool, String> {
        match self.map.get(k) {
            None => Ok(false),
            Some(serde_json::Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("`{}{k}` is true or false", self.at)),
        }
    }

    /// A whole number, if given.
    pub fn int(&self, k: &str) -> Result<Option<i64>, String> {
        match self.map.get(k) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or(format!("`{}{k}` is a whole number", self.at)),
        }
    }

    /// A table of strings (numbers and booleans taken as their text); empty when absent.
    pub fn strings(&self, k: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
        let Some(v) = self.map.get(k) else { return Ok(Default::default()) };
        let t = v.as_object().ok_or(format!("`{}{k}` is a table of strings", self.at))?;
        t.iter()
            .map(|(n, v)| match v {
                serde_json::Value::String(s) => Ok((n.clone(), s.clone())),
                serde_json::Value::Number(x) => Ok((n.clone(), x.to_string())),
                serde_json::Value::Bool(b) => Ok((n.clone(), b.to_string())),
                _ => Err(format!("`{}{k}.{n}` is a string", self.at)),
            })
            .collect()
    }

    /// A list of names; empty when absent.
    pub fn names(&self, k: &str) -> Result<Vec<String>, String> {
        match self.map.get(k) {
            None => Ok(Vec::new()),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|c| c.as_str().map(str::to_string).ok_or(format!("`{}{k}` is a list of names", self.at)))
                .collect(),
            Some(_) => Err(format!("`{}{k}` is a list of names", self.at)),
        }
    }

    /// A list of tables; empty when absent.
    pub fn tables(&self, k: &str) -> Result<&'a [serde_json::Value], String> {
        match self.map.get(k) {
            None => Ok(&[]),
            Some(serde_json::Value::Array(a)) => Ok(a),
            Some(_) => Err(format!("`{}{k}` is a list of tables", self.at)),
        }
    }
}
