//! Configurations: named ActiveMQ XML documents with numbered revisions, stored one JSON
//! document each.

use super::types::*;
use aws_protocol::shape::{members, optional, put_required, required};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One revision: its number, time, description and the XML (base64, as the API carries it).
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub revision: i32,
    pub created: Timestamp,
    pub description: String,
    pub data: String,
}

/// A stored configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    pub account: String,
    pub region: String,
    pub id: String,
    pub arn: String,
    pub name: String,
    pub engine_type: EngineType,
    pub engine_version: String,
    pub authentication_strategy: AuthenticationStrategy,
    pub created: Timestamp,
    /// Oldest first; never empty.
    pub revisions: Vec<Revision>,
    pub tags: BTreeMap<String, String>,
}

/// The configuration ActiveMQ 5.18 ships (`conf/activemq.xml` as Amazon MQ trims it): what a
/// new configuration's first revision holds.
pub const DEFAULT_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<broker xmlns="http://activemq.apache.org/schema/core">
  <destinationPolicy>
    <policyMap>
      <policyEntries>
        <policyEntry topic=">">
          <pendingMessageLimitStrategy>
            <constantPendingMessageLimitStrategy limit="3000"/>
          </pendingMessageLimitStrategy>
        </policyEntry>
      </policyEntries>
    </policyMap>
  </destinationPolicy>
  <plugins>
  </plugins>
</broker>
"#;

impl Configuration {
    pub fn latest(&self) -> &Revision {
        // Never empty: made with its first revision.
        &self.revisions[self.revisions.len() - 1]
    }

    pub fn revision(&self, n: i32) -> Option<&Revision> {
        self.revisions.iter().find(|r| r.revision == n)
    }

    fn latest_summary(&self) -> ConfigurationRevision {
        let r = self.latest();
        ConfigurationRevision { created: r.created, description: Some(r.description.clone()), revision: r.revision }
    }

    /// ListConfigurations' entry.
    pub fn summary(&self) -> super::types::Configuration {
        super::types::Configuration {
            arn: self.arn.clone(),
            authentication_strategy: self.authentication_strategy,
            created: self.created,
            description: self.latest().description.clone(),
            engine_type: self.engine_type,
            engine_version: self.engine_version.clone(),
            id: self.id.clone(),
            latest_revision: self.latest_summary(),
            name: self.name.clone(),
            tags: Some(self.tags.clone()),
        }
    }

    /// DescribeConfiguration's answer.
    pub fn describe(&self) -> DescribeConfigurationResponse {
        DescribeConfigurationResponse {
            arn: Some(self.arn.clone()),
            authentication_strategy: Some(self.authentication_strategy),
            created: Some(self.created),
            description: Some(self.latest().description.clone()),
            engine_type: Some(self.engine_type),
            engine_version: Some(self.engine_version.clone()),
            id: Some(self.id.clone()),
            latest_revision: Some(self.latest_summary()),
            name: Some(self.name.clone()),
            tags: Some(self.tags.clone()),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in [
            ("Account", &self.account),
            ("Region", &self.region),
            ("Id", &self.id),
            ("Arn", &self.arn),
            ("Name", &self.name),
            ("EngineVersion", &self.engine_version),
        ] {
            put_required(&mut m, k, v);
        }
        put_required(&mut m, "EngineType", &self.engine_type);
        put_required(&mut m, "AuthenticationStrategy", &self.authentication_strategy);
        put_required(&mut m, "Created", &self.created);
        put_required(&mut m, "Tags", &self.tags);
        let revisions = self
            .revisions
            .iter()
            .map(|r| {
                let mut rm = Map::new();
                put_required(&mut rm, "Revision", &r.revision);
                put_required(&mut rm, "Created", &r.created);
                put_required(&mut rm, "Description", &r.description);
                put_required(&mut rm, "Data", &r.data);
                Value::Object(rm)
            })
            .collect();
        m.insert("Revisions".into(), Value::Array(revisions));
        Value::Object(m)
    }

    /// Reads [`to_json`](Self::to_json)'s document.
    ///
    /// Errors: a document this code did not write.
    pub fn from_json(v: &Value) -> Result<Configuration, ShapeError> {
        let m = members(v, "configuration")?;
        let mut revisions = Vec::new();
        for r in m.get("Revisions").and_then(Value::as_array).into_iter().flatten() {
            let rm = members(r, "Revisions")?;
            revisions.push(Revision {
                revision: required(rm, "Revision")?,
                created: required(rm, "Created")?,
                description: required(rm, "Description")?,
                data: required(rm, "Data")?,
            });
        }
        if revisions.is_empty() {
            return Err(ShapeError { member: "Revisions".into(), expected: "at least one revision" });
        }
        Ok(Configuration {
            account: required(m, "Account")?,
            region: required(m, "Region")?,
            id: required(m, "Id")?,
            arn: required(m, "Arn")?,
            name: required(m, "Name")?,
            engine_type: required(m, "EngineType")?,
            engine_version: required(m, "EngineVersion")?,
            authentication_strategy: required(m, "AuthenticationStrategy")?,
            created: required(m, "Created")?,
            revisions,
            tags: optional(m, "Tags")?.unwrap_or_default(),
        })
    }
}
