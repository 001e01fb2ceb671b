use crate::error::SnsResult;
use crate::input::{int_opt, str_opt};
use crate::limits::PAGE_SIZE;
use crate::Sns;
use aws_protocol::RequestContext;
use serde_json::{json, Value};

/// ListSMSSandboxPhoneNumbers: MaxResults (1 to 100, checked by the model) a page.
pub async fn handle(sns: &Sns, ctx: &RequestContext, input: Value) -> SnsResult<Value> {
    let limit = int_opt(&input, "MaxResults").map_or(PAGE_SIZE, |n| n as usize);
    let numbers = sns.sandbox_numbers(&ctx.account, &ctx.region);
    super::paged(
        numbers,
        |(p, _)| p,
        str_opt(&input, "NextToken"),
        limit,
        ("PhoneNumbers", "NextToken"),
        |(p, s)| json!({"PhoneNumber": p, "Status": s}),
    )
}
