//! The settings of a broker's ActiveMQ configuration (its current revision's XML) that
//! mq-lite honours, read when the broker starts running or reboots, as Amazon MQ applies a
//! configuration: the redelivery plugin's maximum redeliveries; per destination policy entry
//! (`queue=">"`, `topic="orders.*"`), the dead-letter strategy (`individualDeadLetterStrategy`
//! with its `queuePrefix`/`topicPrefix`, `sharedDeadLetterStrategy` with its queue,
//! `processNonPersistent`), the topics' `constantPendingMessageLimitStrategy` limit and
//! `queuePrefetch`/`topicPrefetch`/`durableTopicPrefetch`. Everything else in the document is
//! ignored (docs/compatibility.md lists it).

use super::state::{topic_matches, MAX_REDELIVERIES, PENDING_LIMIT};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// A policy entry: the destinations it covers and what it sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// `queue` or `topic` pattern (ActiveMQ wildcards).
    pub queue: Option<String>,
    pub topic: Option<String>,
    pub dead_letter: Option<DeadLetter>,
    pub pending_limit: Option<usize>,
    pub queue_prefetch: Option<usize>,
    pub topic_prefetch: Option<usize>,
    pub durable_prefetch: Option<usize>,
}

/// Where a destination's dead letters go.
#[derive(Debug, Clone, PartialEq)]
pub enum DeadLetter {
    /// One DLQ for all (`sharedDeadLetterStrategy`; ActiveMQ.DLQ unless named).
    Shared { queue: String, non_persistent: bool },
    /// A DLQ per destination: `<prefix><name>` (`individualDeadLetterStrategy`).
    Individual { queue_prefix: String, topic_prefix: String, non_persistent: bool },
    /// Dropped (`discarding`).
    Discard,
}

/// A broker's honoured settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub max_redeliveries: u32,
    pub entries: Vec<Entry>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { max_redeliveries: MAX_REDELIVERIES, entries: Vec::new() }
    }
}

impl Policy {
    /// The settings of an ActiveMQ `<broker>` document; a document that is not well-formed
    /// gives the defaults.
    pub fn parse(xml: &str) -> Policy {
        let mut p = Policy::default();
        let mut r = Reader::from_str(xml);
        r.config_mut().trim_text(true);
        let mut current: Option<Entry> = None;
        let mut in_redelivery_default = false;
        let mut depth_redelivery = 0usize;
        loop {
            let ev = match r.read_event() {
                Ok(Event::Eof) | Err(_) => break,
                Ok(e) => e,
            };
            match ev {
                Event::Start(e) | Event::Empty(e) => {
                    let name = local(&e);
                    match name.as_str() {
                        "policyEntry" => {
                            let entry = Entry {
                                queue: attr(&e, "queue"),
                                topic: attr(&e, "topic"),
                                queue_prefetch: attr(&e, "queuePrefetch").and_then(|v| v.parse().ok()),
                                topic_prefetch: attr(&e, "topicPrefetch").and_then(|v| v.parse().ok()),
                                durable_prefetch: attr(&e, "durableTopicPrefetch").and_then(|v| v.parse().ok()),
                                ..Entry::default()
                            };
                            current = Some(entry);
                        }
                        "individualDeadLetterStrategy" => {
                            if let Some(c) = current.as_mut() {
                                c.dead_letter = Some(DeadLetter::Individual {
                                    queue_prefix: attr(&e, "queuePrefix")
                                        .unwrap_or_else(|| "ActiveMQ.DLQ.Queue.".into()),
                                    topic_prefix: attr(&e, "topicPrefix")
                                        .unwrap_or_else(|| "ActiveMQ.DLQ.Topic.".into()),
                                    non_persistent: attr(&e, "processNonPersistent").as_deref() == Some("true"),
                                });
                            }
                        }
                        "sharedDeadLetterStrategy" => {
                            if let Some(c) = current.as_mut() {
                                c.dead_letter = Some(DeadLetter::Shared {
                                    queue: super::message::DLQ.to_string(),
                                    non_persistent: attr(&e, "processNonPersistent").as_deref() == Some("true"),
                                });
                            }
                        }
                        "discarding" | "discardingDLQBrokerPlugin" => {
                            if let Some(c) = current.as_mut() {
                                c.dead_letter = Some(DeadLetter::Discard);
                            }
                        }
                        // `<sharedDeadLetterStrategy><deadLetterQueue><queue physicalName="X"/>`.
                        "queue" => {
                            if let (Some(c), Some(n)) = (current.as_mut(), attr(&e, "physicalName")) {
                                if let Some(DeadLetter::Shared { queue, .. }) = c.dead_letter.as_mut() {
                                    *queue = n;
                                }
                            }
                        }
                        "constantPendingMessageLimitStrategy" => {
                            if let Some(c) = current.as_mut() {
                                c.pending_limit = attr(&e, "limit").and_then(|v| v.parse().ok());
                            }
                        }
                        "defaultEntry" => {
                            in_redelivery_default = depth_redelivery > 0;
                        }
                        "redeliveryPlugin" => depth_redelivery += 1,
                        "redeliveryPolicy" if in_redelivery_default || depth_redelivery > 0 => {
                            if let Some(n) = attr(&e, "maximumRedeliveries").and_then(|v| v.parse::<i64>().ok()) {
                                // -1 is "forever" in ActiveMQ.
                                p.max_redeliveries = if n < 0 { u32::MAX } else { n as u32 };
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    "policyEntry" => p.entries.extend(current.take()),
                    "defaultEntry" => in_redelivery_default = false,
                    "redeliveryPlugin" => depth_redelivery = depth_redelivery.saturating_sub(1),
                    _ => {}
                },
                _ => {}
            }
            // An empty `<policyEntry .../>` ends at once.
        }
        p.entries.extend(current);
        p
    }

    fn entry_for<'a>(&'a self, queue: Option<&'a str>, topic: Option<&'a str>) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| match (queue, topic) {
            (Some(q), _) => e.queue.as_deref().is_some_and(|p| topic_matches(p, q)),
            (_, Some(t)) => e.topic.as_deref().is_some_and(|p| topic_matches(p, t)),
            _ => false,
        })
    }

    /// Where a dead letter of a queue or topic goes: the DLQ's name, or `None` to drop it.
    pub fn dead_letter_queue(&self, queue: Option<&str>, topic: Option<&str>, persistent: bool) -> Option<String> {
        let strategy = self.entry_for(queue, topic).find_map(|e| e.dead_letter.clone());
        match strategy {
            None if persistent => Some(super::message::DLQ.to_string()),
            None => None,
            Some(DeadLetter::Discard) => None,
            Some(DeadLetter::Shared { queue: q, non_persistent }) => (persistent || non_persistent).then_some(q),
            Some(DeadLetter::Individual { queue_prefix, topic_prefix, non_persistent }) => {
                (persistent || non_persistent).then(|| match (queue, topic) {
                    (Some(q), _) => format!("{queue_prefix}{q}"),
                    (_, Some(t)) => format!("{topic_prefix}{t}"),
                    _ => super::message::DLQ.to_string(),
                })
            }
        }
    }

    /// A slow topic subscriber's waiting messages beyond its prefetch.
    pub fn pending_limit(&self, topic: &str) -> usize {
        self.entry_for(None, Some(topic)).find_map(|e| e.pending_limit).unwrap_or(PENDING_LIMIT)
    }

    /// The default prefetch of a queue, topic or durable subscription, if a policy sets one.
    pub fn prefetch(&self, queue: Option<&str>, topic: Option<&str>, durable: bool) -> Option<usize> {
        self.entry_for(queue, topic).find_map(|e| match (queue, durable) {
            (Some(_), _) => e.queue_prefetch,
            (None, true) => e.durable_prefetch,
            (None, false) => e.topic_prefetch,
        })
    }
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<broker xmlns="http://activemq.apache.org/schema/core" schedulePeriodForDestinationPurge="10000">
  <destinationPolicy>
    <policyMap>
      <policyEntries>
        <policyEntry queue="orders.>" queuePrefetch="5">
          <deadLetterStrategy>
            <individualDeadLetterStrategy queuePrefix="DLQ." useQueueForQueueMessages="true" processNonPersistent="true"/>
          </deadLetterStrategy>
        </policyEntry>
        <policyEntry queue="audit">
          <deadLetterStrategy><discarding/></deadLetterStrategy>
        </policyEntry>
        <policyEntry topic=">">
          <pendingMessageLimitStrategy>
            <constantPendingMessageLimitStrategy limit="10"/>
          </pendingMessageLimitStrategy>
        </policyEntry>
      </policyEntries>
    </policyMap>
  </destinationPolicy>
  <plugins>
    <redeliveryPlugin fallbackToDeadLetter="true" sendToDlqIfMaxRetriesExceeded="true">
      <redeliveryPolicyMap>
        <redeliveryPolicyMap>
          <defaultEntry>
            <redeliveryPolicy maximumRedeliveries="2" initialRedeliveryDelay="0"/>
          </defaultEntry>
        </redeliveryPolicyMap>
      </redeliveryPolicyMap>
    </redeliveryPlugin>
  </plugins>
</broker>"#;

    #[test]
    fn the_settings_mq_lite_honours_are_read() {
        let p = Policy::parse(XML);
        assert_eq!(p.max_redeliveries, 2);
        assert_eq!(p.dead_letter_queue(Some("orders.eu"), None, true).as_deref(), Some("DLQ.orders.eu"));
        assert_eq!(p.dead_letter_queue(Some("orders.eu"), None, false).as_deref(), Some("DLQ.orders.eu"));
        assert_eq!(p.dead_letter_queue(Some("audit"), None, true), None, "discarded");
        assert_eq!(p.dead_letter_queue(Some("other"), None, true).as_deref(), Some("ActiveMQ.DLQ"));
        assert_eq!(p.dead_letter_queue(Some("other"), None, false), None);
        assert_eq!(p.pending_limit("news"), 10);
        assert_eq!(p.prefetch(Some("orders.eu"), None, false), Some(5));
        assert_eq!(p.prefetch(Some("other"), None, false), None);
    }

    #[test]
    fn the_default_and_broken_documents_give_activemqs_defaults() {
        let d = Policy::parse(crate::control::configuration::DEFAULT_XML);
        assert_eq!(d.max_redeliveries, MAX_REDELIVERIES);
        assert_eq!(d.pending_limit("t"), 3000);
        assert_eq!(Policy::parse("<broker><unclosed>"), Policy::default());
        assert_eq!(Policy::parse("not xml at all"), Policy::default());
    }
}
