//! Which service and protocol a request is for, decided once from its head: `X-Amz-Target`
//! (AWS JSON or CBOR), else `Action=` in the form or URL (AWS query, by `Version`, signing
//! name, or the one service that has the action), else a REST path or a service's own path.
//! The table is built from the services' routing facts; no service is named here.

use aws_protocol::query::QueryParams;
use aws_protocol::routing::split_target;
use aws_protocol::{AwsError, Protocol};
use service::Service;
use std::collections::HashMap;
use std::sync::Arc;

/// The routing table.
pub(crate) struct Table {
    by_target: HashMap<String, usize>,
    by_version: HashMap<String, usize>,
    by_signing_name: HashMap<String, usize>,
    by_action: HashMap<String, Vec<usize>>,
    rest: Vec<(String, usize)>,
    paths: Vec<(&'static str, usize)>,
    /// Each service's JSON version (for requests without a Content-Type), by index.
    json_versions: Vec<Option<String>>,
    /// Every service's signing name, sorted: what a request for another service is told.
    served: Vec<String>,
}

/// What the router needs of a request.
pub(crate) struct Head<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub target: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub accept: Option<&'a str>,
    /// The signing name of the SigV4 credential scope, if signed.
    pub signing_name: Option<&'a str>,
}

/// Where a request goes.
pub(crate) enum Decision {
    /// An AWS API call: service index, protocol, operation (empty: none named), query params.
    Call { service: usize, protocol: Protocol, operation: String, params: Option<QueryParams> },
    /// One of a service's own paths.
    Path { service: usize },
    /// `GET /`: the running status scripts wait for.
    Root,
    /// Nothing here.
    NotFound,
    /// An error that belongs to no service, in AWS's generic shape.
    Error { protocol: Protocol, error: AwsError },
}

impl Table {
    pub(crate) fn new(services: &[Arc<dyn Service>]) -> Table {
        let mut t = Table {
            by_target: HashMap::new(),
            by_version: HashMap::new(),
            by_signing_name: HashMap::new(),
            by_action: HashMap::new(),
            rest: Vec::new(),
            paths: Vec::new(),
            json_versions: Vec::new(),
            served: Vec::new(),
        };
        for (i, s) in services.iter().enumerate() {
            let r = s.routes();
            if let Some(p) = &r.target_prefix {
                t.by_target.entry(p.clone()).or_insert(i);
            }
            if let Some(v) = &r.query_version {
                t.by_version.entry(v.clone()).or_insert(i);
                for op in &r.operations {
                    t.by_action.entry(op.clone()).or_default().push(i);
                }
                // The signing name routes query requests only.
                t.by_signing_name.entry(r.signing_name.clone()).or_insert(i);
            }
            t.rest.extend(r.rest_paths.iter().map(|p| (p.clone(), i)));
            t.paths.extend(s.paths().iter().map(|p| (*p, i)));
            t.json_versions.push(r.json_version.clone());
            t.served.push(r.signing_name.clone());
        }
        t.served.sort();
        t.served.dedup();
        t.rest.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        t
    }

    /// The service a JSON target names (`AmazonSQS.SendMessage`), if any.
    pub(crate) fn service_for_target(&self, target: &str) -> Option<usize> {
        split_target(target).and_then(|(prefix, _)| self.by_target.get(prefix).copied())
    }

    /// Decides where a request goes. `form` is the body when it is form-encoded (or any POST
    /// body without a JSON target, which older clients send without a content type).
    pub(crate) fn route(
        &self,
        head: &Head<'_>,
        form: Option<&[u8]>,
        owner_of_path: impl Fn(&str) -> Option<usize>,
    ) -> Decision {
        let under = |p: &str| head.path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if let Some(&(_, i)) = self.paths.iter().find(|(p, _)| under(p)) {
            return Decision::Path { service: i };
        }
        // A request signed for a service that is not served is told so, whatever else it
        // looks like (an S3 path, a DynamoDB target), unless its target is a served one's.
        let ours = head.target.and_then(|t| self.service_for_target(t)).is_some();
        if let Some(name) = head.signing_name.filter(|n| !ours && !self.served.iter().any(|s| s == n)) {
            let protocol = match head.target {
                Some(_) => Protocol::for_target(head.content_type, None),
                None if head.accept.is_some_and(|a| a.contains("application/json")) => Protocol::AwsQueryJson,
                None => Protocol::AwsQuery,
            };
            return Decision::Error { protocol, error: AwsError::unknown_service(name, &self.served) };
        }
        if let Some(target) = head.target {
            let protocol = Protocol::for_target(head.content_type, None);
            let unknown = Decision::Error { protocol, error: AwsError::unknown_operation() };
            let Some((prefix, op)) = split_target(target) else { return unknown };
            let Some(&i) = self.by_target.get(prefix) else {
                // Unsigned, or signed for a served service: AWS's unknown operation, saying
                // what is served.
                return Decision::Error { protocol, error: AwsError::unknown_target(target, &self.served) };
            };
            let protocol = Protocol::for_target(head.content_type, self.json_versions[i].as_deref());
            return Decision::Call { service: i, protocol, operation: op.to_string(), params: None };
        }
        if let Some(&(_, i)) = self.rest.iter().find(|(p, _)| head.path.starts_with(p.as_str())) {
            return Decision::Call { service: i, protocol: Protocol::RestJson, operation: String::new(), params: None };
        }
        let mut params = QueryParams::parse(head.query.as_bytes());
        if let Some(body) = form {
            params.extend(QueryParams::parse(body));
        }
        let protocol = if head.accept.is_some_and(|a| a.contains("application/json")) {
            Protocol::AwsQueryJson
        } else {
            Protocol::AwsQuery
        };
        if params.len() > aws_protocol::query::MAX_PARAMETERS {
            return Decision::Error { protocol, error: AwsError::too_many_parameters() };
        }
        let owner = owner_of_path(head.path);
        let Some(action) = params.get("Action").map(str::to_string) else {
            if let Some(i) = owner {
                return Decision::Call { service: i, protocol, operation: String::new(), params: Some(params) };
            }
            if params.is_empty() {
                return if head.path == "/" && matches!(head.method, "GET" | "HEAD") {
                    Decision::Root
                } else {
                    Decision::NotFound
                };
            }
            return Decision::Error { protocol, error: AwsError::missing_action() };
        };
        let by_version = params.get("Version").and_then(|v| self.by_version.get(v)).copied();
        let by_scope = head.signing_name.and_then(|s| self.by_signing_name.get(s)).copied();
        let by_action = self
            .by_action
            .get(&action)
            .and_then(|candidates| owner.filter(|o| candidates.contains(o)).or_else(|| candidates.first().copied()));
        match by_version.or(by_scope).or(by_action).or(owner) {
            Some(i) => Decision::Call { service: i, protocol, operation: action, params: Some(params) },
            None => Decision::Error { protocol, error: AwsError::invalid_action(&action) },
        }
    }
}
