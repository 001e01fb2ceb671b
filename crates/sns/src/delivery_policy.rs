//! HTTP/S delivery policies: AWS's `healthyRetryPolicy` (a subscription's DeliveryPolicy) and
//! `http.defaultHealthyRetryPolicy` (a topic's), checked as AWS checks them when they are set,
//! and the retry schedule they describe.
//!
//! AWS's limits (the SNS developer guide, "Creating an HTTP/S delivery policy"): numRetries
//! 0-100; minDelayTarget 1 to maxDelayTarget; maxDelayTarget up to 3,600 s; the immediate,
//! minimum-delay and maximum-delay phases together at most numRetries; the whole schedule at
//! most 3,600 s. A policy outside them would make one publish hammer an endpoint (a billion
//! retries without delay were accepted before these checks).

use serde_json::Value;

/// The most retries a policy may ask for.
pub const MAX_RETRIES: i64 = 100;
/// The longest delay between attempts, and the longest whole schedule, in seconds.
pub const MAX_DELAY_S: i64 = 3600;

/// The retry policy of a delivery: AWS's `healthyRetryPolicy` fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RetryPolicy {
    pub min_delay: i64,
    pub max_delay: i64,
    pub num_retries: i64,
    pub num_no_delay: i64,
    pub num_min_delay: i64,
    pub num_max_delay: i64,
    pub backoff: Backoff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backoff {
    Linear,
    Arithmetic,
    Geometric,
    Exponential,
}

impl Default for RetryPolicy {
    /// AWS's default for HTTP/S: three retries, 20 seconds apart. Subscription confirmations
    /// always follow it, whatever policy the subscription carries.
    fn default() -> Self {
        RetryPolicy {
            min_delay: 20,
            max_delay: 20,
            num_retries: 3,
            num_no_delay: 0,
            num_min_delay: 0,
            num_max_delay: 0,
            backoff: Backoff::Linear,
        }
    }
}

const BACKOFFS: [(&str, Backoff); 4] = [
    ("linear", Backoff::Linear),
    ("arithmetic", Backoff::Arithmetic),
    ("geometric", Backoff::Geometric),
    ("exponential", Backoff::Exponential),
];

impl RetryPolicy {
    /// Reads a `healthyRetryPolicy` object found at `path` (`healthyRetryPolicy`,
    /// `http.defaultHealthyRetryPolicy`), checking it as AWS does; missing fields keep the
    /// defaults.
    ///
    /// Errors: the text after `DeliveryPolicy: ` in AWS's InvalidParameter message
    /// (`healthyRetryPolicy.minDelayTarget must be greater than or equal to 1`).
    pub fn checked(v: &Value, path: &str) -> Result<RetryPolicy, String> {
        let Value::Object(fields) = v else {
            return Err(format!("{path} type mismatch, expecting object, received {}", kind(v)));
        };
        let d = RetryPolicy::default();
        let int = |k: &str, dflt: i64| -> Result<i64, String> {
            match fields.get(k) {
                None | Some(Value::Null) => Ok(dflt),
                Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64().unwrap_or(dflt)),
                Some(Value::Number(n)) if n.is_u64() => Ok(i64::MAX),
                Some(other) => Err(format!("{path}.{k} type mismatch, expecting integer, received {}", kind(other))),
            }
        };
        let p = RetryPolicy {
            min_delay: int("minDelayTarget", d.min_delay)?,
            max_delay: int("maxDelayTarget", d.max_delay)?,
            num_retries: int("numRetries", d.num_retries)?,
            num_no_delay: int("numNoDelayRetries", d.num_no_delay)?,
            num_min_delay: int("numMinDelayRetries", d.num_min_delay)?,
            num_max_delay: int("numMaxDelayRetries", d.num_max_delay)?,
            backoff: match fields.get("backoffFunction") {
                None | Some(Value::Null) => d.backoff,
                Some(Value::String(f)) => {
                    BACKOFFS.iter().find(|(name, _)| name == f).map(|(_, b)| *b).ok_or_else(|| {
                        format!("{path}.backoffFunction must be one of linear, arithmetic, geometric, exponential")
                    })?
                }
                Some(other) => {
                    return Err(format!(
                        "{path}.backoffFunction type mismatch, expecting string, received {}",
                        kind(other)
                    ))
                }
            },
        };
        let at_least = |k: &str, v: i64, min: i64| {
            if v < min {
                Err(format!("{path}.{k} must be greater than or equal to {min}"))
            } else {
                Ok(())
            }
        };
        let at_most = |k: &str, v: i64, max: i64| {
            if v > max {
                Err(format!("{path}.{k} must be less than or equal to {max}"))
            } else {
                Ok(())
            }
        };
        at_least("numRetries", p.num_retries, 0)?;
        at_most("numRetries", p.num_retries, MAX_RETRIES)?;
        at_least("minDelayTarget", p.min_delay, 1)?;
        at_most("minDelayTarget", p.min_delay, MAX_DELAY_S)?;
        at_least("maxDelayTarget", p.max_delay, 1)?;
        at_most("maxDelayTarget", p.max_delay, MAX_DELAY_S)?;
        at_least("maxDelayTarget", p.max_delay, p.min_delay)?;
        for (k, v) in [
            ("numNoDelayRetries", p.num_no_delay),
            ("numMinDelayRetries", p.num_min_delay),
            ("numMaxDelayRetries", p.num_max_delay),
        ] {
            at_least(k, v, 0)?;
            at_most(k, v, p.num_retries)?;
        }
        if p.num_no_delay + p.num_min_delay + p.num_max_delay > p.num_retries {
            return Err(format!(
                "{path}.numRetries must be greater than or equal to numNoDelayRetries + numMinDelayRetries + \
                 numMaxDelayRetries"
            ));
        }
        let total: i64 = (1..=p.num_retries).filter_map(|r| p.delay(r)).sum();
        if total > MAX_DELAY_S {
            return Err(format!(
                "{path}: the total time of the retries ({total} seconds) must be less than or equal to {MAX_DELAY_S} \
                 seconds"
            ));
        }
        Ok(p)
    }

    /// Reads a stored policy for use: as [`checked`](Self::checked), or, for a policy stored
    /// before the checks existed, the default.
    pub fn stored(v: &Value, path: &str) -> RetryPolicy {
        Self::checked(v, path).unwrap_or_default()
    }

    /// The delay in seconds before retry number `retry` (1-based), or `None` when the retries
    /// are used up. The phases are AWS's: immediate retries, retries at the minimum delay, the
    /// backoff phase from minimum to maximum, then retries at the maximum.
    pub fn delay(&self, retry: i64) -> Option<i64> {
        if retry > self.num_retries {
            return None;
        }
        if retry <= self.num_no_delay {
            return Some(0);
        }
        let r = retry - self.num_no_delay;
        if r <= self.num_min_delay {
            return Some(self.min_delay);
        }
        let backoff_n = (self.num_retries - self.num_no_delay - self.num_min_delay - self.num_max_delay).max(0);
        let r = r - self.num_min_delay;
        if r > backoff_n {
            return Some(self.max_delay);
        }
        let (lo, hi) = (self.min_delay as f64, self.max_delay as f64);
        if backoff_n <= 1 || hi <= lo {
            return Some(if backoff_n <= 1 { self.min_delay } else { self.max_delay });
        }
        let f = (r - 1) as f64 / (backoff_n - 1) as f64;
        let v = match self.backoff {
            Backoff::Linear => lo + (hi - lo) * f,
            Backoff::Arithmetic => lo + (hi - lo) * f * f,
            Backoff::Geometric => lo * (hi / lo.max(1.0)).powf(f),
            Backoff::Exponential => lo + (hi - lo) * ((2f64.powf(f * 5.0) - 1.0) / 31.0),
        };
        Some(v.round().clamp(lo, hi) as i64)
    }
}

/// A JSON value's kind as AWS's messages name it.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        Value::Null => "null",
    }
}

/// Checks a DeliveryPolicy attribute: a subscription's (`healthyRetryPolicy`,
/// `throttlePolicy`) or a topic's (`http.defaultHealthyRetryPolicy`,
/// `http.defaultThrottlePolicy`).
///
/// Errors: the text after `DeliveryPolicy: ` in AWS's message.
pub(crate) fn check(policy: &serde_json::Map<String, Value>, topic: bool) -> Result<(), String> {
    let (root, retry, throttle) = if topic {
        match policy.get("http") {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::Object(http)) => (http, "http.defaultHealthyRetryPolicy", "http.defaultThrottlePolicy"),
            Some(other) => return Err(format!("http type mismatch, expecting object, received {}", kind(other))),
        }
    } else {
        (policy, "healthyRetryPolicy", "throttlePolicy")
    };
    let field = |path: &str| root.get(path.rsplit('.').next().unwrap_or(path)).filter(|v| !v.is_null());
    if let Some(v) = field(retry) {
        RetryPolicy::checked(v, retry)?;
    }
    if let Some(v) = field(throttle) {
        match v.get("maxReceivesPerSecond") {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n >= 1) => {}
            Some(Value::Number(_)) => {
                return Err(format!("{throttle}.maxReceivesPerSecond must be greater than or equal to 1"))
            }
            Some(other) => {
                return Err(format!(
                    "{throttle}.maxReceivesPerSecond type mismatch, expecting integer, received {}",
                    kind(other)
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aws_default_is_three_retries_twenty_seconds_apart() {
        let p = RetryPolicy::default();
        assert_eq!((1..=4).map(|r| p.delay(r)).collect::<Vec<_>>(), vec![Some(20), Some(20), Some(20), None]);
    }

    #[test]
    fn phases_follow_the_policy() {
        let p = RetryPolicy::checked(
            &json!({
                "minDelayTarget": 1, "maxDelayTarget": 60, "numRetries": 10, "numNoDelayRetries": 2,
                "numMinDelayRetries": 2, "numMaxDelayRetries": 2, "backoffFunction": "linear"
            }),
            "healthyRetryPolicy",
        )
        .unwrap();
        let d: Vec<i64> = (1..=10).map(|r| p.delay(r).unwrap()).collect();
        assert_eq!(&d[..4], &[0, 0, 1, 1]);
        assert_eq!(d[4], 1);
        assert_eq!(d[7], 60);
        assert_eq!(&d[8..], &[60, 60]);
        assert!(d.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(p.delay(11), None);
    }

    #[test]
    fn policies_outside_aws_limits_are_refused_in_aws_words() {
        let err = |v: Value| RetryPolicy::checked(&v, "healthyRetryPolicy").unwrap_err();
        // AWS's recorded text (a CloudFormation stack's Subscribe).
        assert_eq!(
            err(json!({"numRetries": 0, "minDelayTarget": 0, "maxDelayTarget": 0})),
            "healthyRetryPolicy.minDelayTarget must be greater than or equal to 1"
        );
        assert_eq!(
            err(json!({"numRetries": 1_000_000_000, "minDelayTarget": 1, "maxDelayTarget": 1})),
            "healthyRetryPolicy.numRetries must be less than or equal to 100"
        );
        assert_eq!(
            err(json!({"numRetries": 3, "minDelayTarget": 1, "maxDelayTarget": 3601})),
            "healthyRetryPolicy.maxDelayTarget must be less than or equal to 3600"
        );
        assert_eq!(
            err(json!({"numRetries": 3, "minDelayTarget": 30, "maxDelayTarget": 20})),
            "healthyRetryPolicy.maxDelayTarget must be greater than or equal to 30"
        );
        assert!(err(json!({"numRetries": 3, "numNoDelayRetries": 2, "numMaxDelayRetries": 2}))
            .starts_with("healthyRetryPolicy.numRetries must be greater than or equal to numNoDelayRetries"));
        assert!(err(json!({"numRetries": 100, "minDelayTarget": 60, "maxDelayTarget": 60}))
            .starts_with("healthyRetryPolicy: the total time of the retries (6000 seconds)"));
        assert_eq!(
            RetryPolicy::checked(&json!({"minDelayTarget": "20"}), "http.defaultHealthyRetryPolicy").unwrap_err(),
            "http.defaultHealthyRetryPolicy.minDelayTarget type mismatch, expecting integer, received a string"
        );
        assert!(err(json!({"backoffFunction": "cubic"})).contains("backoffFunction"));
        // Within the limits: 100 retries, all without delay, is a legal (bounded) schedule.
        assert!(RetryPolicy::checked(&json!({"numRetries": 100, "numNoDelayRetries": 100}), "p").is_ok());
        assert!(RetryPolicy::checked(&json!({"numRetries": 5}), "p").is_ok());
        // A stored policy from before the checks is used as the default.
        assert_eq!(RetryPolicy::stored(&json!({"numRetries": 1_000_000_000}), "p"), RetryPolicy::default());
    }

    #[test]
    fn topic_and_subscription_documents() {
        let obj = |v: Value| v.as_object().unwrap().clone();
        assert!(check(&obj(json!({"http": {"defaultHealthyRetryPolicy": {"numRetries": 5}}})), true).is_ok());
        assert!(check(&obj(json!({"http": {}})), true).is_ok());
        assert_eq!(
            check(&obj(json!({"http": {"defaultHealthyRetryPolicy": {"numRetries": 101}}})), true).unwrap_err(),
            "http.defaultHealthyRetryPolicy.numRetries must be less than or equal to 100"
        );
        assert_eq!(
            check(&obj(json!({"throttlePolicy": {"maxReceivesPerSecond": 0}})), false).unwrap_err(),
            "throttlePolicy.maxReceivesPerSecond must be greater than or equal to 1"
        );
        assert!(check(&obj(json!({"healthyRetryPolicy": {"numRetries": -1}})), false).is_err());
    }
}
