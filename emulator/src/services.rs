//! The services this binary serves. Adding a service is one line here (and its crate): the
//! router, admin endpoints, health, reset, housekeeping and listeners all work from this list.

use service::ServiceDef;

/// Every service, in routing priority (a query `Action` two services share goes to the first).
pub fn all() -> Vec<ServiceDef> {
    vec![sqs::def(), sns::def(), sts::def(), kinesis::def(), mq_lite::def()]
}
