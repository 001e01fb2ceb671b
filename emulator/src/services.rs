//! The services this binary serves. Adding a service is one line here (and its crate): the
//! router, admin endpoints, health, reset, housekeeping and listeners all work from this list.

use service::{ServiceDef, Unbuilt};

/// Every service, in routing priority (a query `Action` two services share goes to the first).
pub fn all() -> Vec<ServiceDef> {
    vec![
        sqs::def(),
        sts::def(),
        // Not built yet: routed by their models, every operation answers NotImplemented.
        Unbuilt::def("sns", include_str!("../../fixtures/models/sns.json")),
        Unbuilt::def("kinesis", include_str!("../../fixtures/models/kinesis.json")),
    ]
}
