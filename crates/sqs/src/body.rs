//! Message bodies, owned by one message or shared by many (an SNS publish fanned out to
//! several queues with the same text). A shared body is stored once, in `sqs_bodies`, with a
//! count of the messages that reference it; a trigger on `sqs_messages` releases it when the
//! last of them is deleted (see [`crate::persist`]).

use std::sync::Arc;

/// A message body: its text, and its MD5 (computed once however many queues it goes to).
#[derive(Debug, Clone)]
pub struct Body(Repr);

#[derive(Debug, Clone)]
enum Repr {
    Owned(String),
    Shared(Arc<Shared>),
}

#[derive(Debug)]
pub(crate) struct Shared {
    /// Its row in `sqs_bodies`.
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) md5: String,
}

impl Body {
    /// The MD5 hex digest SQS answers as MD5OfMessageBody.
    pub fn md5(&self) -> String {
        match &self.0 {
            Repr::Owned(s) => crate::message::md5_hex(s.as_bytes()),
            Repr::Shared(s) => s.md5.clone(),
        }
    }

    pub(crate) fn shared(id: i64, text: String) -> Body {
        let md5 = crate::message::md5_hex(text.as_bytes());
        Body(Repr::Shared(Arc::new(Shared { id, text, md5 })))
    }

    /// The shared body this one is, if it is one.
    pub(crate) fn as_shared(&self) -> Option<&Arc<Shared>> {
        match &self.0 {
            Repr::Owned(_) => None,
            Repr::Shared(s) => Some(s),
        }
    }
}

impl Default for Body {
    fn default() -> Body {
        Body(Repr::Owned(String::new()))
    }
}

impl std::ops::Deref for Body {
    type Target = str;
    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Owned(s) => s,
            Repr::Shared(s) => &s.text,
        }
    }
}

impl From<String> for Body {
    fn from(s: String) -> Body {
        Body(Repr::Owned(s))
    }
}

impl From<&str> for Body {
    fn from(s: &str) -> Body {
        Body(Repr::Owned(s.to_string()))
    }
}

impl PartialEq<&str> for Body {
    fn eq(&self, other: &&str) -> bool {
        &**self == *other
    }
}
