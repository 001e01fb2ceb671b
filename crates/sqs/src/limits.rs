//! SQS's limits, in one place.

pub const MAX_DELAY_SECONDS: i64 = 900;
pub const MIN_MESSAGE_SIZE: i64 = 1_024;
/// AWS raised the message size limit to 1 MiB in 2025.
pub const MAX_MESSAGE_SIZE: i64 = 1_048_576;
pub const MIN_RETENTION: i64 = 60;
pub const MAX_RETENTION: i64 = 1_209_600;
pub const DEFAULT_RETENTION: i64 = 345_600;
pub const MAX_WAIT_SECONDS: i64 = 20;
pub const MAX_VISIBILITY_TIMEOUT: i64 = 43_200;
pub const DEFAULT_VISIBILITY_TIMEOUT: i64 = 30;
pub const MIN_KMS_REUSE: i64 = 60;
pub const MAX_KMS_REUSE: i64 = 86_400;
pub const DEFAULT_KMS_REUSE: i64 = 300;
pub const MAX_RECEIVE_COUNT: i64 = 1_000;
pub const MAX_BATCH_ENTRIES: usize = 10;
pub const MAX_BATCH_ID_LEN: usize = 80;
pub const MAX_MESSAGE_ATTRIBUTES: usize = 10;
pub const MAX_ATTRIBUTE_NAME_LEN: usize = 256;
pub const MAX_QUEUE_NAME_LEN: usize = 80;
pub const MAX_RECEIVE_MESSAGES: i64 = 10;
pub const MAX_TAGS: usize = 50;
pub const MAX_LIST_RESULTS: i64 = 1_000;
pub const MAX_POLICY_STATEMENT_ACTIONS: usize = 7;
/// FIFO de-duplication window, and how long a ReceiveRequestAttemptId is remembered.
pub const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1_000;
/// One PurgeQueue per queue per 60 seconds.
pub const PURGE_INTERVAL_MS: i64 = 60 * 1_000;
/// After DeleteQueue, the name is blocked this long (strict limits only).
pub const DELETED_QUEUE_BLOCK_MS: i64 = 60 * 1_000;
/// Message move tasks without a rate move at most this many messages per second.
pub const DEFAULT_MOVE_RATE: i64 = 500;
pub const MAX_MOVE_RATE: i64 = 500;
