//! Mobile push: platform applications (one per push service and app) and their endpoints (one
//! per device token). Quayside never calls APNS, FCM or the others: what a publish would send to
//! an endpoint is recorded for `/_aws/sns/platform-endpoint-messages`.
//!
//! ARNs are AWS's: `arn:aws:sns:<region>:<account>:app/<platform>/<name>` and
//! `arn:aws:sns:<region>:<account>:endpoint/<platform>/<name>/<uuid>`.

use crate::error::{SnsError, SnsResult};
use crate::{persist, Sns};
use std::collections::BTreeMap;

/// The push services SNS knows (CreatePlatformApplication's Platform).
pub const PLATFORMS: &[&str] = &[
    "ADM",
    "APNS",
    "APNS_SANDBOX",
    "APNS_VOIP",
    "APNS_VOIP_SANDBOX",
    "BAIDU",
    "GCM",
    "MACOS",
    "MACOS_SANDBOX",
    "MPNS",
    "WNS",
];

/// The attributes a platform application takes.
const APP_ATTRIBUTES: &[&str] = &[
    "PlatformCredential",
    "PlatformPrincipal",
    "EventEndpointCreated",
    "EventEndpointDeleted",
    "EventEndpointUpdated",
    "EventDeliveryFailure",
    "SuccessFeedbackRoleArn",
    "FailureFeedbackRoleArn",
    "SuccessFeedbackSampleRate",
    "ApplePlatformTeamID",
    "ApplePlatformBundleID",
    "AuthenticationMethod",
    "Enabled",
];

/// Secrets AWS keeps but never shows.
const SECRET_ATTRIBUTES: &[&str] = &["PlatformCredential", "PlatformPrincipal"];

/// The attributes an endpoint takes.
const ENDPOINT_ATTRIBUTES: &[&str] = &["CustomUserData", "Enabled", "Token"];

/// CustomUserData's limit, in UTF-8 bytes.
const MAX_CUSTOM_USER_DATA: usize = 2048;

/// A platform application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformApp {
    pub arn: String,
    pub account: String,
    pub region: String,
    pub name: String,
    pub platform: String,
    /// Every attribute set, credentials included.
    pub attributes: BTreeMap<String, String>,
}

impl PlatformApp {
    /// What GetPlatformApplicationAttributes and ListPlatformApplications show: `Enabled`
    /// and the attributes set, without the credentials.
    pub fn shown(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> =
            self.attributes.iter().filter(|(k, _)| !SECRET_ATTRIBUTES.contains(&k.as_str())).map(clone_pair).collect();
        out.entry("Enabled".into()).or_insert_with(|| "true".into());
        out
    }

    pub fn enabled(&self) -> bool {
        enabled(&self.attributes)
    }
}

/// A device endpoint of a platform application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformEndpoint {
    pub arn: String,
    pub app_arn: String,
    /// `Token`, `Enabled` and (if set) `CustomUserData`.
    pub attributes: BTreeMap<String, String>,
}

impl PlatformEndpoint {
    pub fn enabled(&self) -> bool {
        enabled(&self.attributes)
    }

    /// The push service, from the ARN (`endpoint/<platform>/...`): the key a
    /// MessageStructure=json message gives this endpoint its own text under.
    pub fn platform(&self) -> &str {
        endpoint_platform(&self.arn).unwrap_or("")
    }
}

/// `Enabled` unless set to anything but `true`.
fn enabled(attributes: &BTreeMap<String, String>) -> bool {
    attributes.get("Enabled").is_none_or(|v| v == "true")
}

fn clone_pair((k, v): (&String, &String)) -> (String, String) {
    (k.clone(), v.clone())
}

/// `arn:aws:sns:<region>:<account>:app/<platform>/<name>`.
pub fn app_arn(region: &str, account: &str, platform: &str, name: &str) -> String {
    format!("arn:aws:sns:{region}:{account}:app/{platform}/{name}")
}

/// The platform of an endpoint ARN.
pub fn endpoint_platform(arn: &str) -> Option<&str> {
    let mut p = crate::arn::split(arn, "sns")?.resource.split('/');
    match (p.next(), p.next(), p.next(), p.next(), p.next()) {
        (Some("endpoint"), Some(platform), Some(_), Some(_), None) => Some(platform),
        _ => None,
    }
}

/// Checks a PlatformApplicationArn's form.
///
/// Errors: `InvalidParameter`, in AWS's words for an ARN with too few parts.
fn check_app_arn(arn: &str) -> SnsResult<()> {
    crate::arn::check_parts(arn, "PlatformApplicationArn")?;
    let ok = crate::arn::split(arn, "sns").is_some_and(|a| {
        let mut p = a.resource.split('/');
        matches!((p.next(), p.next(), p.next(), p.next()), (Some("app"), Some(pl), Some(n), None) if !pl.is_empty() && !n.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err(SnsError::invalid_parameter(
            "PlatformApplicationArn Reason: Wrong number of slashes in relative portion of the ARN.",
        ))
    }
}

/// Checks an EndpointArn's form.
fn check_endpoint_arn(arn: &str) -> SnsResult<()> {
    crate::arn::check_parts(arn, "EndpointArn")?;
    if endpoint_platform(arn).is_none() {
        return Err(SnsError::invalid_parameter(
            "EndpointArn Reason: Wrong number of slashes in relative portion of the ARN.",
        ));
    }
    Ok(())
}

/// A platform application's name: 1 to 256 of letters, digits, `_`, `-` and `.`.
pub fn check_name(name: &str) -> SnsResult<()> {
    let reason = if name.is_empty() {
        "cannot be empty"
    } else if name.chars().count() > 256 {
        "must be at most 256 characters long"
    } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        "must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'"
    } else {
        return Ok(());
    };
    Err(SnsError::invalid_parameter(format!("{name} Reason: {reason}")))
}

pub fn check_platform(platform: &str) -> SnsResult<()> {
    if PLATFORMS.contains(&platform) {
        Ok(())
    } else {
        Err(SnsError::invalid_parameter(format!("Platform Reason: {platform} is not supported")))
    }
}

/// Checks platform application attributes. On creation the credentials are required: the
/// PlatformCredential, and for the services that have one, the PlatformPrincipal with it
/// (GCM takes a credential alone); SetPlatformApplicationAttributes may change either alone. Quayside cannot ask the push service whether they are
/// valid, so any non-empty value is taken.
///
/// Errors: `InvalidParameter`.
pub fn check_app_attributes(platform: &str, attrs: &[(String, String)], creating: bool) -> SnsResult<()> {
    for (k, v) in attrs {
        if !APP_ATTRIBUTES.contains(&k.as_str()) {
            return Err(SnsError::invalid_parameter(format!("Attributes Reason: Invalid attribute name: {k}")));
        }
        let bad = match k.as_str() {
            "SuccessFeedbackSampleRate" => v.parse::<u8>().map_or(true, |n| n > 100),
            "Enabled" => v != "true" && v != "false",
            "EventEndpointCreated" | "EventEndpointDeleted" | "EventEndpointUpdated" | "EventDeliveryFailure" => {
                !v.is_empty() && crate::topic::parse_arn(v).is_none()
            }
            _ => false,
        };
        if bad {
            return Err(SnsError::invalid_parameter(format!("Attributes Reason: Invalid value for attribute: {k}")));
        }
    }
    let has = |name: &str| attrs.iter().any(|(k, v)| k == name && !v.is_empty());
    let (credential, principal) = (has("PlatformCredential"), has("PlatformPrincipal"));
    if creating && principal && !credential {
        return Err(SnsError::invalid_parameter(
            "Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential",
        ));
    }
    if creating && !credential {
        return Err(SnsError::invalid_parameter("Attributes Reason: PlatformCredential attribute required"));
    }
    if creating && credential && !principal && platform != "GCM" {
        return Err(SnsError::invalid_parameter(
            "Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal",
        ));
    }
    Ok(())
}

/// Checks endpoint attributes (CreatePlatformEndpoint, SetEndpointAttributes).
///
/// Errors: `InvalidParameter`.
pub fn check_endpoint_attributes(attrs: &[(String, String)]) -> SnsResult<()> {
    for (k, v) in attrs {
        if !ENDPOINT_ATTRIBUTES.contains(&k.as_str()) {
            return Err(SnsError::invalid_parameter(format!("Attributes Reason: Invalid attribute name: {k}")));
        }
        match k.as_str() {
            "CustomUserData" if v.len() > MAX_CUSTOM_USER_DATA => {
                return Err(SnsError::invalid_parameter(
                    "Attributes Reason: Invalid value for attribute: CustomUserData: must be at most 2048 bytes long in UTF-8 encoding",
                ))
            }
            "Enabled" if v != "true" && v != "false" => {
                return Err(SnsError::invalid_parameter("Attributes Reason: Invalid value for attribute: Enabled"))
            }
            "Token" if v.is_empty() => {
                return Err(SnsError::invalid_parameter("Attributes Reason: Invalid value for attribute: Token"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Platform applications and endpoints, by ARN.
#[derive(Default)]
pub(crate) struct Mobile {
    pub apps: BTreeMap<String, PlatformApp>,
    pub endpoints: BTreeMap<String, PlatformEndpoint>,
}

/// Why a notification to an endpoint would not be sent.
enum Undeliverable {
    NoEndpoint,
    ApplicationDisabled,
    EndpointDisabled,
}

impl Mobile {
    /// The endpoint, if it exists and it and its application are enabled (checked in the
    /// order Publish answers them).
    fn deliverable(&self, arn: &str) -> Result<&PlatformEndpoint, Undeliverable> {
        let e = self.endpoints.get(arn).ok_or(Undeliverable::NoEndpoint)?;
        if !self.apps.get(&e.app_arn).is_some_and(PlatformApp::enabled) {
            return Err(Undeliverable::ApplicationDisabled);
        }
        if !e.enabled() {
            return Err(Undeliverable::EndpointDisabled);
        }
        Ok(e)
    }
}

fn app_not_found() -> SnsError {
    SnsError::modeled("NotFoundException", "PlatformApplication does not exist")
}

fn endpoint_not_found() -> SnsError {
    SnsError::modeled("NotFoundException", "Endpoint does not exist")
}

impl Sns {
    /// Creates a platform application; creating one that exists replaces its attributes.
    pub(crate) async fn create_platform_app(&self, app: PlatformApp) -> SnsResult<String> {
        let arn = app.arn.clone();
        let pending = {
            let mut m = self.inner.mobile.write();
            m.apps.insert(app.arn.clone(), app.clone());
            self.store().submit(move |t| persist::save_platform_app(t, &app))
        };
        pending.await?;
        Ok(arn)
    }

    /// A copy of a platform application.
    ///
    /// Errors: `InvalidParameter` for a malformed ARN; `NotFound`.
    pub(crate) fn platform_app(&self, arn: &str) -> SnsResult<PlatformApp> {
        check_app_arn(arn)?;
        self.inner.mobile.read().apps.get(arn).cloned().ok_or_else(app_not_found)
    }

    /// An account's platform applications in a region, in ARN order.
    pub(crate) fn platform_apps(&self, account: &str, region: &str) -> Vec<PlatformApp> {
        self.inner.mobile.read().apps.values().filter(|a| a.account == account && a.region == region).cloned().collect()
    }

    /// Sets attributes of a platform application.
    pub(crate) async fn update_platform_app(&self, arn: &str, attrs: Vec<(String, String)>) -> SnsResult<()> {
        check_app_arn(arn)?;
        let pending = {
            let mut m = self.inner.mobile.write();
            let app = m.apps.get_mut(arn).ok_or_else(app_not_found)?;
            check_app_attributes(&app.platform, &attrs, false)?;
            app.attributes.extend(attrs);
            let row = app.clone();
            self.store().submit(move |t| persist::save_platform_app(t, &row))
        };
        pending.await?;
        Ok(())
    }

    /// Deletes a platform application and its endpoints; an unknown one is not an error.
    pub(crate) async fn delete_platform_app(&self, arn: &str) -> SnsResult<()> {
        check_app_arn(arn)?;
        let pending = {
            let mut m = self.inner.mobile.write();
            if m.apps.remove(arn).is_none() {
                return Ok(());
            }
            let gone: Vec<String> = m.endpoints.values().filter(|e| e.app_arn == arn).map(|e| e.arn.clone()).collect();
            for g in &gone {
                m.endpoints.remove(g);
            }
            let arn = arn.to_string();
            self.store().submit(move |t| {
                persist::delete_platform_endpoints(t, &gone)?;
                persist::delete_platform_app(t, &arn)
            })
        };
        pending.await?;
        Ok(())
    }

    /// Creates an endpoint for a device token, or answers the one that has the token already
    /// if its attributes are the same.
    ///
    /// Errors: `NotFound` for the application; `InvalidParameter` for a token registered with
    /// other attributes.
    pub(crate) async fn create_platform_endpoint(
        &self,
        app_arn: &str,
        attributes: BTreeMap<String, String>,
    ) -> SnsResult<String> {
        check_app_arn(app_arn)?;
        let (arn, pending) = {
            let mut m = self.inner.mobile.write();
            let app = m.apps.get(app_arn).ok_or_else(app_not_found)?;
            let token = attributes.get("Token").cloned().unwrap_or_default();
            let same = m
                .endpoints
                .values()
                .find(|e| e.app_arn == app_arn && e.attributes.get("Token").is_some_and(|t| *t == token));
            if let Some(e) = same {
                if e.attributes != attributes {
                    return Err(SnsError::invalid_parameter(format!(
                        "Token Reason: Endpoint {} already exists with the same Token, but different attributes.",
                        e.arn
                    )));
                }
                return Ok(e.arn.clone());
            }
            let arn = format!(
                "arn:aws:sns:{}:{}:endpoint/{}/{}/{}",
                app.region,
                app.account,
                app.platform,
                app.name,
                uuid::Uuid::new_v4()
            );
            let e = PlatformEndpoint { arn: arn.clone(), app_arn: app_arn.to_string(), attributes };
            m.endpoints.insert(arn.clone(), e.clone());
            (arn, self.store().submit(move |t| persist::save_platform_endpoint(t, &e)))
        };
        pending.await?;
        Ok(arn)
    }

    /// A copy of an endpoint.
    ///
    /// Errors: `InvalidParameter` for a malformed ARN; `NotFound`.
    pub(crate) fn platform_endpoint(&self, arn: &str) -> SnsResult<PlatformEndpoint> {
        check_endpoint_arn(arn)?;
        self.inner.mobile.read().endpoints.get(arn).cloned().ok_or_else(endpoint_not_found)
    }

    /// The endpoints of an application, in ARN order.
    pub(crate) fn platform_endpoints(&self, app_arn: &str) -> Vec<PlatformEndpoint> {
        self.inner.mobile.read().endpoints.values().filter(|e| e.app_arn == app_arn).cloned().collect()
    }

    /// Sets attributes of an endpoint.
    pub(crate) async fn update_platform_endpoint(&self, arn: &str, attrs: Vec<(String, String)>) -> SnsResult<()> {
        check_endpoint_arn(arn)?;
        let pending = {
            let mut m = self.inner.mobile.write();
            let e = m.endpoints.get_mut(arn).ok_or_else(endpoint_not_found)?;
            e.attributes.extend(attrs);
            let row = e.clone();
            self.store().submit(move |t| persist::save_platform_endpoint(t, &row))
        };
        pending.await?;
        Ok(())
    }

    /// Deletes an endpoint; an unknown one is not an error.
    pub(crate) async fn delete_platform_endpoint(&self, arn: &str) -> SnsResult<()> {
        check_endpoint_arn(arn)?;
        let pending = {
            let mut m = self.inner.mobile.write();
            if m.endpoints.remove(arn).is_none() {
                return Ok(());
            }
            let gone = vec![arn.to_string()];
            self.store().submit(move |t| persist::delete_platform_endpoints(t, &gone))
        };
        pending.await?;
        Ok(())
    }

    /// Whether a notification to an endpoint would be sent: the endpoint exists and it and
    /// its application are enabled. The fan-out skips the others, as AWS does.
    pub(crate) fn endpoint_deliverable(&self, arn: &str) -> bool {
        self.inner.mobile.read().deliverable(arn).is_ok()
    }

    /// The endpoint a Publish with a TargetArn goes to.
    ///
    /// Errors: `InvalidParameter` (no such endpoint), `PlatformApplicationDisabled`,
    /// `EndpointDisabled`.
    pub(crate) fn publish_target(&self, arn: &str) -> SnsResult<PlatformEndpoint> {
        match self.inner.mobile.read().deliverable(arn) {
            Ok(e) => Ok(e.clone()),
            Err(Undeliverable::NoEndpoint) => {
                Err(SnsError::invalid_parameter("TargetArn Reason: No endpoint found for the target arn specified"))
            }
            Err(Undeliverable::ApplicationDisabled) => {
                Err(SnsError::modeled("PlatformApplicationDisabledException", "Platform application is disabled"))
            }
            Err(Undeliverable::EndpointDisabled) => {
                Err(SnsError::modeled("EndpointDisabledException", "Endpoint is disabled"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn arns_and_names() {
        assert_eq!(app_arn("us-east-1", "1", "GCM", "a"), "arn:aws:sns:us-east-1:1:app/GCM/a");
        assert_eq!(endpoint_platform("arn:aws:sns:us-east-1:1:endpoint/APNS/a/x"), Some("APNS"));
        assert_eq!(endpoint_platform("arn:aws:sns:us-east-1:1:endpoint/APNS/a"), None);
        assert!(check_app_arn("arn:aws:sns:us-east-1:1:app/GCM/a").is_ok());
        assert!(check_app_arn("arn:aws:sns:us-east-1:1:topic").is_err());
        assert!(check_name("my.app-1_x").is_ok());
        assert!(check_name("bad name").is_err());
        assert!(check_name("").is_err());
        assert!(check_platform("FCM").is_err());
    }

    #[test]
    fn credentials_are_required_as_each_service_needs_them() {
        assert!(check_app_attributes("GCM", &pairs(&[("PlatformCredential", "k")]), true).is_ok());
        assert!(check_app_attributes("APNS", &pairs(&[("PlatformCredential", "k")]), true).is_err());
        assert!(check_app_attributes("APNS", &pairs(&[("PlatformCredential", "k"), ("PlatformPrincipal", "c")]), true)
            .is_ok());
        assert!(check_app_attributes("GCM", &pairs(&[("Enabled", "true")]), true).is_err());
        assert!(check_app_attributes("GCM", &pairs(&[("Enabled", "true")]), false).is_ok());
        assert!(check_app_attributes("GCM", &pairs(&[("SuccessFeedbackSampleRate", "101")]), false).is_err());
        assert!(check_app_attributes("GCM", &pairs(&[("Nope", "1")]), false).is_err());
        assert!(check_endpoint_attributes(&pairs(&[("CustomUserData", &"x".repeat(2049))])).is_err());
        assert!(check_endpoint_attributes(&pairs(&[("Enabled", "yes")])).is_err());
    }
}
