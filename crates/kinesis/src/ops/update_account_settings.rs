//! UpdateAccountSettings: enables or disables the minimum throughput billing commitment.
//! Enabling starts it now, with the earliest allowed end 24 hours later; disabling before that
//! keeps it ENABLED_UNTIL_EARLIEST_ALLOWED_END.

use crate::error::KinesisResult;
use crate::{persist, Kinesis};
use aws_protocol::RequestContext;
use serde_json::{json, Value};

const COMMITMENT_MS: u64 = 24 * 3600 * 1000;

pub(crate) async fn handle(k: &Kinesis, ctx: &RequestContext, input: Value) -> KinesisResult<Value> {
    let wanted = input["MinimumThroughputBillingCommitment"]["Status"].as_str().unwrap_or("DISABLED");
    let now = k.now_ms();
    let secs = |ms: u64| ms as f64 / 1000.0;
    let (pending, answer) = {
        let mut settings = k.settings().write();
        let current = settings.get(&ctx.account).cloned().unwrap_or_else(|| json!({"Status": "DISABLED"}));
        let started = current["StartedAt"].as_f64().map(|s| (s * 1000.0) as u64);
        let answer = match (wanted, started) {
            ("ENABLED", Some(_)) if current["Status"] == "ENABLED" => current,
            ("ENABLED", _) => json!({
                "Status": "ENABLED",
                "StartedAt": secs(now),
                "EarliestAllowedEndAt": secs(now + COMMITMENT_MS),
            }),
            (_, Some(start)) if now < start + COMMITMENT_MS => json!({
                "Status": "ENABLED_UNTIL_EARLIEST_ALLOWED_END",
                "StartedAt": secs(start),
                "EarliestAllowedEndAt": secs(start + COMMITMENT_MS),
                "EndedAt": secs(start + COMMITMENT_MS),
            }),
            (_, Some(start)) => json!({"Status": "DISABLED", "StartedAt": secs(start), "EndedAt": secs(now)}),
            (_, None) => json!({"Status": "DISABLED"}),
        };
        settings.insert(ctx.account.clone(), answer.clone());
        let (account, saved) = (ctx.account.clone(), answer.clone());
        (k.store().submit(move |t| persist::save_settings(t, &account, &saved)), answer)
    };
    pending.await?;
    Ok(json!({ "MinimumThroughputBillingCommitment": answer }))
}
