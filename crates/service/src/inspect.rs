//! The console's view of a service (`/_quayside/ui`): every resource by account and region
//! with the figures its lists and live charts show, and one resource's details (a queue's
//! redrive sources, a topic's subscriptions with their filter policies and recent matches, a
//! stream's shards and consumers, a broker's destinations and connections). Reading only:
//! the console changes things through the services' own operations, as any client does.

use serde_json::{Map, Value};

/// Resources a list answer holds at most (the console pages past them).
pub const LIST_LIMIT: usize = 2000;

/// One resource as the console lists it.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `queue`, `topic`, `stream`, `broker`.
    pub kind: &'static str,
    pub account: String,
    pub region: String,
    /// Unique within its kind, account and region (what [`Inspects::detail`] takes).
    pub name: String,
    pub arn: String,
    /// Gauges and `_total` counters, by name (`visible`, `sent_total`, ...): the console
    /// charts gauges as they are and counters as rates.
    pub figures: Map<String, Value>,
}

impl Resource {
    /// A resource with no figures yet.
    pub fn new(kind: &'static str, account: &str, region: &str, name: &str, arn: &str) -> Resource {
        Resource {
            kind,
            account: account.to_string(),
            region: region.to_string(),
            name: name.to_string(),
            arn: arn.to_string(),
            figures: Map::new(),
        }
    }

    /// Adds a figure.
    pub fn figure(mut self, name: &str, value: impl Into<Value>) -> Resource {
        self.figures.insert(name.to_string(), value.into());
        self
    }
}

/// What a service shows the console.
pub trait Inspects: Send + Sync {
    /// The kind of resource it holds (`queue`, `topic`, `stream`, `broker`).
    fn kind(&self) -> &'static str;

    /// Every resource the service holds, in any account and region.
    fn resources(&self, out: &mut Vec<Resource>);

    /// One resource's details as JSON; `None` when there is no such resource.
    fn detail(&self, account: &str, region: &str, name: &str) -> Option<Value>;
}
