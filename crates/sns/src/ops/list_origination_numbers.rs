use crate::error::{SnsError, SnsResult};
use crate::input::str_opt;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListOriginationNumbers: an emulated account owns no origination numbers (toll-free numbers,
/// 10DLC, short codes are bought through AWS End User Messaging), so the list is empty; a
/// NextToken cannot name a page of it.
pub async fn handle(_sns: &Sns, _ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    if str_opt(&input, "NextToken").is_some_and(|t| !t.is_empty()) {
        return Err(SnsError::invalid_parameter("NextToken"));
    }
    Ok(json!({"PhoneNumbers": []}))
}
