//! SMS: the account's SMS preferences (per region), its opt-out list (account-wide, as
//! LocalStack keeps it), and the SMS sandbox's destination numbers. Quayside sends no SMS:
//! what would be sent is recorded for `/_aws/sns/sms-messages`, one-time passwords included.
//!
//! The account is not in the SMS sandbox (GetSMSSandboxAccountStatus answers false), so
//! publishing to any valid number works as it does for a production account; the sandbox's
//! numbers can still be added, verified with the password recorded for them, and listed.

use crate::error::{SnsError, SnsResult};
use crate::message::Published;
use crate::{persist, Sns};
use std::collections::{BTreeMap, BTreeSet};

/// SetSMSAttributes' attribute names.
const ATTRIBUTES: &[&str] = &[
    "MonthlySpendLimit",
    "DeliveryStatusIAMRole",
    "DeliveryStatusSuccessSamplingRate",
    "DefaultSenderID",
    "DefaultSMSType",
    "UsageReportS3Bucket",
];

/// A new account's monthly SMS spend limit, in USD.
const DEFAULT_MONTHLY_SPEND_LIMIT: &str = "1";

/// A sandbox destination number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxNumber {
    /// `Pending` or `Verified`.
    pub status: String,
    pub otp: String,
}

/// SMS state of every account.
#[derive(Default)]
pub(crate) struct SmsState {
    /// Attributes set, by (account, region).
    pub attributes: BTreeMap<(String, String), BTreeMap<String, String>>,
    /// Opted-out numbers, by account.
    pub opted_out: BTreeMap<String, BTreeSet<String>>,
    /// Sandbox numbers, by (account, region, number).
    pub sandbox: BTreeMap<(String, String, String), SandboxNumber>,
}

/// Checks SetSMSAttributes' attributes as AWS documents them.
///
/// Errors: `InvalidParameter`.
pub fn check_attributes(attrs: &[(String, String)]) -> SnsResult<()> {
    for (k, v) in attrs {
        if !ATTRIBUTES.contains(&k.as_str()) {
            return Err(SnsError::invalid_parameter_bare(format!("{k} is not a valid attribute")));
        }
        let ok = match k.as_str() {
            "MonthlySpendLimit" => v.parse::<u64>().is_ok(),
            "DeliveryStatusSuccessSamplingRate" => v.parse::<u8>().is_ok_and(|n| n <= 100),
            "DefaultSMSType" => v == "Promotional" || v == "Transactional",
            // 1 to 11 letters and digits, at least one letter.
            "DefaultSenderID" => {
                (1..=11).contains(&v.len())
                    && v.bytes().all(|b| b.is_ascii_alphanumeric())
                    && v.bytes().any(|b| b.is_ascii_alphabetic())
            }
            _ => true,
        };
        if !ok {
            return Err(SnsError::invalid_parameter_bare(format!("{k} is invalid")));
        }
    }
    Ok(())
}

/// Checks a phone number given to the opt-out operations (E.164).
///
/// Errors: `InvalidParameter` in AWS's words.
pub fn check_phone(p: &str) -> SnsResult<()> {
    if crate::subscription::valid_phone(p) && p.starts_with('+') {
        Ok(())
    } else {
        Err(SnsError::invalid_parameter("PhoneNumber Reason: input incorrectly formatted"))
    }
}

fn sandbox_not_found() -> SnsError {
    SnsError::modeled("ResourceNotFoundException", "Phone number does not exist in the SMS sandbox")
}

impl Sns {
    /// The SMS attributes of an account in a region (the spend limit's default included),
    /// those named in `names` or all.
    pub(crate) fn sms_attributes(&self, account: &str, region: &str, names: &[String]) -> BTreeMap<String, String> {
        let s = self.inner.sms.read();
        let mut all = BTreeMap::from([("MonthlySpendLimit".to_string(), DEFAULT_MONTHLY_SPEND_LIMIT.to_string())]);
        if let Some(set) = s.attributes.get(&(account.to_string(), region.to_string())) {
            all.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if !names.is_empty() {
            all.retain(|k, _| names.contains(k));
        }
        all
    }

    pub(crate) async fn set_sms_attributes(
        &self,
        account: &str,
        region: &str,
        attrs: Vec<(String, String)>,
    ) -> SnsResult<()> {
        check_attributes(&attrs)?;
        let pending = {
            let mut s = self.inner.sms.write();
            let key = (account.to_string(), region.to_string());
            let set = s.attributes.entry(key.clone()).or_default();
            set.extend(attrs);
            let row = set.clone();
            self.store().submit(move |t| persist::save_sms_attributes(t, &key.0, &key.1, &row))
        };
        pending.await?;
        Ok(())
    }

    pub(crate) fn is_opted_out(&self, account: &str, phone: &str) -> bool {
        self.inner.sms.read().opted_out.get(account).is_some_and(|s| s.contains(phone))
    }

    /// The account's opted-out numbers, in order.
    pub(crate) fn opted_out(&self, account: &str) -> Vec<String> {
        self.inner.sms.read().opted_out.get(account).map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

    /// Adds (a recipient replied STOP: the developer endpoint) or removes (OptInPhoneNumber) a
    /// number of the opt-out list.
    pub(crate) async fn set_opted_out(&self, account: &str, phone: &str, out: bool) -> SnsResult<()> {
        let changed = {
            let mut s = self.inner.sms.write();
            if out {
                s.opted_out.entry(account.to_string()).or_default().insert(phone.to_string())
            } else {
                s.opted_out.get_mut(account).is_some_and(|set| set.remove(phone))
            }
        };
        if changed {
            let (account, phone) = (account.to_string(), phone.to_string());
            self.store().submit(move |t| persist::save_opt_out(t, &account, &phone, out)).await?;
        }
        Ok(())
    }

    /// Adds a number to the SMS sandbox (or sends a new password to one pending) and records
    /// the SMS with its one-time password.
    ///
    /// Errors: `OptedOut`; `InvalidParameter` for a number that is verified already.
    pub(crate) async fn add_sandbox_number(&self, account: &str, region: &str, phone: &str) -> SnsResult<()> {
        if self.is_opted_out(account, phone) {
            return Err(SnsError::modeled("OptedOutException", "Phone number is opted out."));
        }
        let otp = format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000);
        let key = (account.to_string(), region.to_string(), phone.to_string());
        let n = SandboxNumber { status: "Pending".into(), otp: otp.clone() };
        {
            let mut s = self.inner.sms.write();
            if s.sandbox.get(&key).is_some_and(|n| n.status == "Verified") {
                return Err(SnsError::invalid_parameter("PhoneNumber Reason: Phone number is already verified"));
            }
            s.sandbox.insert(key.clone(), n.clone());
        }
        let p = Published::text(format!("Your Amazon SNS verification code is: {otp}"), self.now_ms());
        let body = crate::publish::record(None, "sms", phone, &p, &p.message).to_string();
        self.store()
            .submit(move |t| {
                persist::save_sandbox_number(t, &key.0, &key.1, &key.2, &n)?;
                persist::insert_recorded(t, "sms", &body)
            })
            .await?;
        Ok(())
    }

    /// Verifies a sandbox number with its one-time password.
    ///
    /// Errors: `ResourceNotFound`; `VerificationException` for a wrong password.
    pub(crate) async fn verify_sandbox_number(
        &self,
        account: &str,
        region: &str,
        phone: &str,
        otp: &str,
    ) -> SnsResult<()> {
        let key = (account.to_string(), region.to_string(), phone.to_string());
        let row = {
            let mut s = self.inner.sms.write();
            let n = s.sandbox.get_mut(&key).ok_or_else(sandbox_not_found)?;
            if n.status == "Verified" {
                return Ok(());
            }
            if n.otp != otp {
                return Err(SnsError::modeled("VerificationException", "Invalid one-time password."));
            }
            n.status = "Verified".into();
            n.clone()
        };
        self.store().submit(move |t| persist::save_sandbox_number(t, &key.0, &key.1, &key.2, &row)).await?;
        Ok(())
    }

    /// Errors: `ResourceNotFound`.
    pub(crate) async fn delete_sandbox_number(&self, account: &str, region: &str, phone: &str) -> SnsResult<()> {
        let key = (account.to_string(), region.to_string(), phone.to_string());
        if self.inner.sms.write().sandbox.remove(&key).is_none() {
            return Err(sandbox_not_found());
        }
        self.store().submit(move |t| persist::delete_sandbox_number(t, &key.0, &key.1, &key.2)).await?;
        Ok(())
    }

    /// The sandbox numbers of an account in a region, in order, with their status.
    pub(crate) fn sandbox_numbers(&self, account: &str, region: &str) -> Vec<(String, String)> {
        self.inner
            .sms
            .read()
            .sandbox
            .iter()
            .filter(|((a, r, _), _)| a == account && r == region)
            .map(|((_, _, p), n)| (p.clone(), n.status.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn attributes_are_checked_as_documented() {
        assert!(check_attributes(&pairs(&[("DefaultSMSType", "Transactional"), ("MonthlySpendLimit", "5")])).is_ok());
        assert!(check_attributes(&pairs(&[("DefaultSMSType", "Loud")])).is_err());
        assert!(check_attributes(&pairs(&[("DefaultSenderID", "12345")])).is_err());
        assert!(check_attributes(&pairs(&[("DefaultSenderID", "Quayside1")])).is_ok());
        assert!(check_attributes(&pairs(&[("DeliveryStatusSuccessSamplingRate", "101")])).is_err());
        assert!(check_attributes(&pairs(&[("test", "x")])).is_err());
        assert!(check_phone("+15555550100").is_ok());
        assert!(check_phone("15555550100").is_err());
        assert!(check_phone("+1-555").is_err());
    }
}
