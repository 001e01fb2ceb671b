//! SNS's limits, in one place.

pub const MAX_TOPIC_NAME_LEN: usize = 256;
/// Topics per page of ListTopics.
pub const PAGE_SIZE: usize = 100;
pub const MAX_TAGS: usize = 50;
/// `MaximumMessageSize` (2026): 1 KiB to 1 MiB, 256 KiB unless set.
pub const MIN_MESSAGE_SIZE: i64 = 1_024;
pub const MAX_MESSAGE_SIZE: i64 = 1_048_576;
pub const DEFAULT_MAX_MESSAGE_SIZE: i64 = 262_144;
/// Actions in one AddPermission statement.
pub const MAX_PERMISSION_ACTIONS: usize = 8;
/// Message attributes per publish.
pub const MAX_MESSAGE_ATTRIBUTES: usize = 10;
/// Subjects are under 100 characters.
pub const MAX_SUBJECT_LEN: usize = 99;
/// Entries in one PublishBatch.
pub const MAX_BATCH_ENTRIES: usize = 10;
/// Batch entry ids: up to 80 characters.
pub const MAX_BATCH_ID_LEN: usize = 80;
/// FIFO de-duplication window.
pub const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;
/// The SenderId SQS shows on messages SNS delivered.
pub const SNS_SENDER_ID: &str = "AIDAIT2UOQQY3AUEKVGXU";
