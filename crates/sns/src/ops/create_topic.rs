use crate::error::{SnsError, SnsResult};
use crate::input::{str_opt, str_req, string_map, tags};
use crate::limits::MAX_TAGS;
use crate::topic::{self, Topic};
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// CreateTopic: idempotent for the same name, attributes and tags; a different value of a
/// given attribute or tag is refused, as AWS does.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let name = str_req(&input, "Name")?;
    let attributes = string_map(&input, "Attributes");
    let given_tags = tags(&input, "Tags");
    let fifo = attributes.iter().any(|(k, v)| k == "FifoTopic" && v.eq_ignore_ascii_case("true"));
    if fifo && !topic::valid_name(name, true) {
        // Recorded: the same text whether the name lacks `.fifo` or is a standard topic's.
        return Err(SnsError::invalid_parameter("Topic Name"));
    }
    if !fifo && !topic::valid_name(name, false) {
        return Err(SnsError::invalid_parameter("Topic Name"));
    }
    let mut t = Topic::new(&ctx.region, &ctx.account, name, fifo);
    for (k, v) in &attributes {
        if k == "FifoTopic" {
            if !matches!(v.to_ascii_lowercase().as_str(), "true" | "false") {
                return Err(SnsError::invalid_parameter("FifoTopic"));
            }
            continue;
        }
        topic::check_attribute(k, v, fifo)?;
        t.attributes.insert(k.clone(), v.clone());
    }
    crate::ops::no_duplicate_keys(&given_tags)?;
    if given_tags.len() > MAX_TAGS {
        return Err(SnsError::tag_limit_exceeded());
    }
    t.tags = given_tags.iter().cloned().collect();
    if let Some(p) = str_opt(&input, "DataProtectionPolicy").filter(|p| !p.is_empty()) {
        crate::ops::put_data_protection_policy::check(p)?;
        t.data_protection_policy = Some(p.to_string());
    }
    let arn = sns
        .create_topic(t, |existing| {
            let shown = existing.shown();
            for (k, v) in &attributes {
                // Unset attributes compare as their defaults (shown or not).
                let current = match k.as_str() {
                    "FifoTopic" => Some(existing.fifo.to_string()),
                    "MaximumMessageSize" => Some(existing.max_message_size().to_string()),
                    "FifoThroughputScope" if existing.fifo => {
                        Some(shown.get(k).cloned().unwrap_or_else(|| "Topic".to_string()))
                    }
                    _ => shown.get(k).cloned(),
                };
                if current.as_deref().map(str::to_ascii_lowercase) != Some(v.to_ascii_lowercase()) {
                    return Err(SnsError::invalid_parameter(
                        "Attributes Reason: Topic already exists with different attributes",
                    ));
                }
            }
            if given_tags.iter().any(|(k, v)| existing.tags.get(k) != Some(v)) {
                return Err(SnsError::invalid_parameter("Tags Reason: Topic already exists with different tags"));
            }
            Ok(())
        })
        .await?;
    Ok(json!({"TopicArn": arn}))
}
