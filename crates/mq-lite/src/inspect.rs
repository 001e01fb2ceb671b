//! What the console shows of mq-lite: each broker with its connections and waiting messages,
//! and a broker's destinations (queues, topics, durable subscriptions) and the connections
//! logged in to it.

use crate::api::MqService;
use serde_json::{json, Value};
use service::inspect::{Inspects, Resource};
use std::collections::HashMap;
use std::sync::Arc;

impl MqService {
    fn vhosts_by_id(&self) -> HashMap<String, Arc<crate::broker::Vhost>> {
        self.stomp.engine.vhosts().into_iter().collect()
    }
}

impl Inspects for MqService {
    fn kind(&self) -> &'static str {
        "broker"
    }

    fn resources(&self, out: &mut Vec<Resource>) {
        let vhosts = self.vhosts_by_id();
        for b in self.mq().brokers() {
            let (connections, destinations, waiting) = match vhosts.get(&b.id) {
                Some(v) => {
                    let d = v.destinations();
                    let waiting: usize = d.iter().filter(|x| x.0 != "topic").map(|x| x.2).sum();
                    (v.connection_count(), d.len(), waiting)
                }
                None => (0, 0, 0),
            };
            out.push(
                Resource::new("broker", &b.account, &b.region, &b.name, &b.arn)
                    .figure("connections", connections)
                    .figure("destinations", destinations)
                    .figure("messages_waiting", waiting),
            );
        }
    }

    fn detail(&self, account: &str, region: &str, name: &str) -> Option<Value> {
        let b =
            self.mq().brokers().into_iter().find(|b| b.account == account && b.region == region && b.name == name)?;
        let vhost = self.vhosts_by_id().remove(&b.id);
        let destinations: Vec<Value> = vhost
        .as_ref()
        .map(|v| v.destinations())
        .unwrap_or_default()
        .into_iter()
        .map(|(kind, name, waiting, consumers)| {
            json!({"kind": kind, "name": name, "messages": (kind != "topic").then_some(waiting), "consumers": consumers})
        })
        .collect();
        let connections: Vec<Value> = vhost
        .as_ref()
        .map(|v| v.logins())
        .unwrap_or_default()
        .into_iter()
        .map(|l| {
            json!({"protocol": l.protocol, "transport": l.transport, "peer": l.peer.to_string(), "client_id": l.client_id, "user": l.user, "since_ms": l.since_ms})
        })
        .collect();
        Some(json!({
            "kind": "broker",
            "account": b.account,
            "region": b.region,
            "name": b.name,
            "arn": b.arn,
            "id": b.id,
            "state": b.state.as_str(),
            "engine": b.engine_type.as_str(),
            "engine_version": b.engine_version,
            "users": b.users.keys().collect::<Vec<_>>(),
            "tags": b.tags,
            "endpoints": self.mq().endpoints(),
            "destinations": destinations,
            "connections": connections,
        }))
    }
}
