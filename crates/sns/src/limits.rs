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
