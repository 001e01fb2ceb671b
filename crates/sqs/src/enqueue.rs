//! Putting messages into queues from another service (SNS fan-out), inside that service's own
//! store transaction: the one home of the cross-service API.
//!
//! 1. [`Sqs::prepare_enqueue`](crate::Sqs::prepare_enqueue) validates, numbers the messages and
//!    reserves their FIFO de-duplication ids under the queue's lock, storing nothing;
//! 2. [`EnqueueWrite::persist`] runs inside the caller's store job;
//! 3. [`EnqueueApply::apply`] runs in that job's commit hook: the messages become receivable
//!    exactly when, and only if, the transaction that stores them commits.
//!
//! [`Sqs::enqueue`](crate::Sqs::enqueue) is the one-call form for callers without a
//! transaction of their own. [`Sqs::prepare_copies`](crate::Sqs::prepare_copies) puts messages
//! each into many standard queues in the same three steps, one stored row per message.

pub use crate::body::Body;
pub use crate::engine::{
    CopiesApply, CopiesRequest, CopiesWrite, EnqueueApply, EnqueueRequest, EnqueueResult, EnqueueWrite, PreparedEnqueue,
};
pub use crate::message::{AttributeValue, Attributes};
