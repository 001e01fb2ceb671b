//! Resource policies as AddPermission writes them (SQS and SNS).

use serde_json::{json, Value};

/// An Allow statement labelled `sid` for the accounts' root principals and the actions, each
/// written as one string when alone and as a list otherwise, as AWS writes them.
pub fn allow_statement(sid: &str, accounts: &[String], actions: &[String], resource: &str) -> Value {
    let one_or_list = |v: Vec<String>| if v.len() == 1 { json!(v[0]) } else { json!(v) };
    let principals = accounts.iter().map(|a| format!("arn:aws:iam::{a}:root")).collect();
    json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": one_or_list(principals)},
        "Action": one_or_list(actions.to_vec()),
        "Resource": resource,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_or_many() {
        let s = allow_statement("L", &["1".into()], &["SQS:SendMessage".into()], "arn");
        assert_eq!(s["Principal"]["AWS"], "arn:aws:iam::1:root");
        assert_eq!(s["Action"], "SQS:SendMessage");
        let s = allow_statement("L", &["1".into(), "2".into()], &["A".into(), "B".into()], "arn");
        assert_eq!(s["Principal"]["AWS"], json!(["arn:aws:iam::1:root", "arn:aws:iam::2:root"]));
        assert_eq!(s["Action"], json!(["A", "B"]));
    }
}
