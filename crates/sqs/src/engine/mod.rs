//! The message engine shared by the single and batch operations (and by other services that
//! deliver into queues): send, receive, delete, change visibility, and housekeeping.
//!
//! Receives, deletes and visibility changes update the in-memory index and submit the matching
//! store job under the queue's lock (jobs commit in submission order), then wait for the group
//! commit before answering. Sends are prepared under the lock and applied to the index by the
//! commit hook of the job that stores them, so a message is receivable only once it is durable.

mod ack;
mod copies;
mod housekeeping;
pub(crate) mod reaper;
mod receive;
mod send;

pub use copies::{CopiesApply, CopiesRequest, CopiesWrite};
pub(crate) use housekeeping::housekeeping;
pub(crate) use receive::{ReceiveRequest, Received};
pub(crate) use send::missing_dedup_id;
pub use send::{EnqueueApply, EnqueueRequest, EnqueueResult, EnqueueWrite, PreparedEnqueue};
