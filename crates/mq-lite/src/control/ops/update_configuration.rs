use super::Mq;
use crate::control::configuration::Revision;
use crate::control::types::*;
use crate::control::Change;
use crate::error::{MqError, MqResult};
use aws_protocol::RequestContext;
use base64::Engine;

/// UpdateConfiguration: a new revision of the XML. The data must be base64 of an ActiveMQ
/// `<broker>` document; mq-lite honours the settings it implements and ignores the rest
/// (docs/compatibility.md lists which).
pub async fn handle(
    mq: &Mq,
    ctx: &RequestContext,
    i: UpdateConfigurationRequest,
) -> MqResult<UpdateConfigurationResponse> {
    let xml = base64::engine::general_purpose::STANDARD
        .decode(i.data.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| MqError::bad_request("data", "The configuration data must be base64-encoded UTF-8 XML."))?;
    if !xml.contains("<broker") {
        return Err(MqError::bad_request("data", "The configuration must be an ActiveMQ <broker> document."));
    }
    let now = Timestamp(mq.now_ms());
    mq.change(|mq| {
        let mut c = mq.configuration(ctx, &i.configuration_id)?;
        let revision = c.latest().revision + 1;
        c.revisions.push(Revision {
            revision,
            created: now,
            description: i.description.clone().unwrap_or_default(),
            data: i.data.trim().to_string(),
        });
        let out = UpdateConfigurationResponse {
            arn: Some(c.arn.clone()),
            created: Some(c.created),
            id: Some(c.id.clone()),
            latest_revision: Some(ConfigurationRevision { created: now, description: i.description.clone(), revision }),
            name: Some(c.name.clone()),
            warnings: Some(Vec::new()),
        };
        Ok((Change::configuration(c), out))
    })
    .await
}
