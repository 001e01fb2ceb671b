//! One module per SQS operation, each a `handle(sqs, ctx, input)` returning the JSON output.

use crate::error::SqsResult;
use crate::Sqs;
use aws_protocol::RequestContext;
use serde_json::Value;

mod add_permission;
mod cancel_message_move_task;
mod change_message_visibility;
mod change_message_visibility_batch;
pub(crate) mod create_queue;
mod delete_message;
mod delete_message_batch;
mod delete_queue;
mod get_queue_attributes;
mod get_queue_url;
mod list_dead_letter_source_queues;
mod list_message_move_tasks;
mod list_queue_tags;
mod list_queues;
mod purge_queue;
pub(crate) mod receive_message;
mod remove_permission;
mod send_message;
mod send_message_batch;
pub(crate) mod set_queue_attributes;
mod start_message_move_task;
mod tag_queue;
mod untag_queue;

pub(crate) mod batch;
pub(crate) mod paging;

pub(crate) use receive_message::render as render_message;

/// The entry name of a batch operation (`SendMessageBatchRequestEntry`), for its errors.
pub(crate) fn batch_entry_name(operation: &str) -> Option<&'static str> {
    match operation {
        "SendMessageBatch" => Some("SendMessageBatchRequestEntry"),
        "DeleteMessageBatch" => Some("DeleteMessageBatchRequestEntry"),
        "ChangeMessageVisibilityBatch" => Some("ChangeMessageVisibilityBatchRequestEntry"),
        _ => None,
    }
}

/// Every operation, in name order (the index of the per-operation counters).
pub(crate) const OPERATIONS: [&str; 23] = [
    "AddPermission",
    "CancelMessageMoveTask",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "CreateQueue",
    "DeleteMessage",
    "DeleteMessageBatch",
    "DeleteQueue",
    "GetQueueAttributes",
    "GetQueueUrl",
    "ListDeadLetterSourceQueues",
    "ListMessageMoveTasks",
    "ListQueueTags",
    "ListQueues",
    "PurgeQueue",
    "ReceiveMessage",
    "RemovePermission",
    "SendMessage",
    "SendMessageBatch",
    "SetQueueAttributes",
    "StartMessageMoveTask",
    "TagQueue",
    "UntagQueue",
];

pub(crate) async fn dispatch(sqs: &Sqs, ctx: &RequestContext, op: &str, input: Value) -> SqsResult<Value> {
    if let Ok(i) = OPERATIONS.binary_search(&op) {
        sqs.count_handled(i);
    }
    match op {
        "AddPermission" => add_permission::handle(sqs, ctx, input).await,
        "CancelMessageMoveTask" => cancel_message_move_task::handle(sqs, ctx, input).await,
        "ChangeMessageVisibility" => change_message_visibility::handle(sqs, ctx, input).await,
        "ChangeMessageVisibilityBatch" => change_message_visibility_batch::handle(sqs, ctx, input).await,
        "CreateQueue" => create_queue::handle(sqs, ctx, input).await,
        "DeleteMessage" => delete_message::handle(sqs, ctx, input).await,
        "DeleteMessageBatch" => delete_message_batch::handle(sqs, ctx, input).await,
        "DeleteQueue" => delete_queue::handle(sqs, ctx, input).await,
        "GetQueueAttributes" => get_queue_attributes::handle(sqs, ctx, input).await,
        "GetQueueUrl" => get_queue_url::handle(sqs, ctx, input).await,
        "ListDeadLetterSourceQueues" => list_dead_letter_source_queues::handle(sqs, ctx, input).await,
        "ListMessageMoveTasks" => list_message_move_tasks::handle(sqs, ctx, input).await,
        "ListQueueTags" => list_queue_tags::handle(sqs, ctx, input).await,
        "ListQueues" => list_queues::handle(sqs, ctx, input).await,
        "PurgeQueue" => purge_queue::handle(sqs, ctx, input).await,
        "ReceiveMessage" => receive_message::handle(sqs, ctx, input).await,
        "RemovePermission" => remove_permission::handle(sqs, ctx, input).await,
        "SendMessage" => send_message::handle(sqs, ctx, input).await,
        "SendMessageBatch" => send_message_batch::handle(sqs, ctx, input).await,
        "SetQueueAttributes" => set_queue_attributes::handle(sqs, ctx, input).await,
        "StartMessageMoveTask" => start_message_move_task::handle(sqs, ctx, input).await,
        "TagQueue" => tag_queue::handle(sqs, ctx, input).await,
        "UntagQueue" => untag_queue::handle(sqs, ctx, input).await,
        // Unreachable through Sqs::dispatch, which checks the model first.
        _ => Err(crate::SqsError::invalid_action(op)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_counter_list_is_the_model_in_order() {
        let mut sorted = super::OPERATIONS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, super::OPERATIONS);
        assert_eq!(crate::model::model().operations(), super::OPERATIONS);
    }
}
