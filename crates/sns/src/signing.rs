//! The key SNS signs its messages with, as AWS does: RSA 2048, `SHA1withRSA` for
//! SignatureVersion 1 and `SHA256withRSA` for 2, over the string AWS documents. The key and its
//! self-signed certificate are made once per data directory and kept in the store, so a
//! validator that fetched the certificate keeps accepting messages after a restart. The
//! certificate is served at `/SimpleNotificationService-<id>.pem`.
//!
//! Making a key takes a noticeable moment (tens to hundreds of milliseconds), so a new data
//! directory makes it on its own thread at start-up; the first signature waits for it.

use base64::Engine;
use parking_lot::Mutex;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::signature::{SignatureEncoding, Signer as _};
use rsa::RsaPrivateKey;
use sha2::Digest;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use store::rusqlite::{params, OptionalExtension};
use store::Store;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::EncodePem;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

/// The key and certificate.
pub struct Signer {
    v1: SigningKey<sha1::Sha1>,
    v2: SigningKey<sha2::Sha256>,
    cert_pem: String,
    /// The certificate's name part: `SimpleNotificationService-<id>.pem`.
    id: String,
}

impl Signer {
    fn from_parts(key_der: &[u8], cert_pem: String) -> Result<Signer, String> {
        let key = RsaPrivateKey::from_pkcs8_der(key_der).map_err(|e| format!("stored signing key: {e}"))?;
        let digest = sha2::Sha256::digest(cert_pem.as_bytes());
        let id = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        Ok(Signer { v1: SigningKey::new(key.clone()), v2: SigningKey::new(key), cert_pem, id })
    }

    /// A new key and its self-signed certificate (`CN=sns.amazonaws.com`, ten years).
    fn generate() -> Result<(Vec<u8>, String), String> {
        let mut rng = rand_core::OsRng;
        let key = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| format!("signing key: {e}"))?;
        let der = key.to_pkcs8_der().map_err(|e| format!("signing key: {e}"))?.as_bytes().to_vec();
        let signer = SigningKey::<sha2::Sha256>::new(key.clone());
        let spki = SubjectPublicKeyInfoOwned::from_key(key.to_public_key()).map_err(|e| e.to_string())?;
        let subject: Name = "CN=sns.amazonaws.com,O=Quayside".parse().map_err(|e| format!("{e}"))?;
        let serial = SerialNumber::from(uuid::Uuid::new_v4().as_u128() as u64 >> 1);
        let validity =
            Validity::from_now(std::time::Duration::from_secs(10 * 365 * 86_400)).map_err(|e| e.to_string())?;
        let builder = CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, &signer)
            .map_err(|e| e.to_string())?;
        let cert = builder.build::<rsa::pkcs1v15::Signature>().map_err(|e| e.to_string())?;
        let pem = cert.to_pem(x509_cert::der::pem::LineEnding::LF).map_err(|e| e.to_string())?;
        Ok((der, pem))
    }

    /// A base64 signature of `text` for a topic's SignatureVersion ("2" is SHA256, else SHA1).
    pub fn sign(&self, version: &str, text: &str) -> String {
        let sig = if version == "2" {
            self.v2.sign(text.as_bytes()).to_vec()
        } else {
            self.v1.sign(text.as_bytes()).to_vec()
        };
        base64::engine::general_purpose::STANDARD.encode(sig)
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The certificate's file name.
    pub fn cert_file(&self) -> String {
        format!("SimpleNotificationService-{}.pem", self.id)
    }
}

/// The thread making a new key.
type Making = JoinHandle<Result<Arc<Signer>, String>>;

/// The signer, loaded from the store or being made.
pub struct SignerCell {
    ready: OnceLock<Arc<Signer>>,
    making: Mutex<Option<Making>>,
}

impl SignerCell {
    /// Loads the stored key, or starts making one (stored as soon as it is made, ahead of any
    /// publish that uses it: store jobs commit in submission order).
    ///
    /// Errors: the store cannot be read, or the stored key is unreadable.
    pub fn open(store: &Store) -> Result<SignerCell, String> {
        let stored = store
            .run_blocking(|t| {
                Ok(t.query_row("SELECT key_der, cert_pem FROM sns_signing WHERE id = 1", [], |r| {
                    Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?)
            })
            .map_err(|e| e.to_string())?;
        let cell = SignerCell { ready: OnceLock::new(), making: Mutex::new(None) };
        match stored {
            Some((der, pem)) => {
                let _ = cell.ready.set(Arc::new(Signer::from_parts(&der, pem)?));
            }
            None => {
                let store = store.clone();
                let handle = std::thread::Builder::new()
                    .name("sns-signing-key".into())
                    .spawn(move || {
                        let (der, pem) = Signer::generate()?;
                        let signer = Arc::new(Signer::from_parts(&der, pem.clone())?);
                        drop(store.submit(move |t| {
                            t.execute(
                                "INSERT OR REPLACE INTO sns_signing (id, key_der, cert_pem) VALUES (1, ?1, ?2)",
                                params![der, pem],
                            )?;
                            Ok(())
                        }));
                        Ok(signer)
                    })
                    .map_err(|e| format!("signing key thread: {e}"))?;
                *cell.making.lock() = Some(handle);
            }
        }
        Ok(cell)
    }

    /// The signer, waiting for it if it is still being made.
    pub fn get(&self) -> Option<Arc<Signer>> {
        if let Some(s) = self.ready.get() {
            return Some(s.clone());
        }
        let mut making = self.making.lock();
        if let Some(s) = self.ready.get() {
            return Some(s.clone());
        }
        let handle = making.take()?;
        match handle.join() {
            Ok(Ok(s)) => {
                let _ = self.ready.set(s.clone());
                Some(s)
            }
            Ok(Err(e)) => {
                tracing::error!("sns: could not make a signing key: {e}");
                None
            }
            Err(_) => None,
        }
    }
}

/// The text AWS signs: each present field's name and value on lines of their own, in the
/// order given (AWS's: alphabetical).
fn string_to_sign(fields: &[(&str, Option<&str>)]) -> String {
    let mut s = String::with_capacity(fields.iter().map(|(k, v)| k.len() + v.map_or(0, str::len) + 2).sum());
    for (k, v) in fields {
        if let Some(v) = v {
            s.push_str(k);
            s.push('\n');
            s.push_str(v);
            s.push('\n');
        }
    }
    s
}

/// The text AWS signs for a notification (Subject only when present).
pub fn notification_text(
    message: &str,
    message_id: &str,
    subject: Option<&str>,
    timestamp: &str,
    topic_arn: &str,
) -> String {
    string_to_sign(&[
        ("Message", Some(message)),
        ("MessageId", Some(message_id)),
        ("Subject", subject),
        ("Timestamp", Some(timestamp)),
        ("TopicArn", Some(topic_arn)),
        ("Type", Some("Notification")),
    ])
}

/// The text AWS signs for a SubscriptionConfirmation or UnsubscribeConfirmation.
pub fn confirmation_text(
    kind: &str,
    message: &str,
    message_id: &str,
    subscribe_url: &str,
    timestamp: &str,
    token: &str,
    topic_arn: &str,
) -> String {
    string_to_sign(&[
        ("Message", Some(message)),
        ("MessageId", Some(message_id)),
        ("SubscribeURL", Some(subscribe_url)),
        ("Timestamp", Some(timestamp)),
        ("Token", Some(token)),
        ("TopicArn", Some(topic_arn)),
        ("Type", Some(kind)),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_to_sign_are_awss() {
        assert_eq!(
            super::notification_text("m", "id", None, "t", "arn"),
            "Message\nm\nMessageId\nid\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n"
        );
        assert!(super::notification_text("m", "id", Some("s"), "t", "arn").contains("\nSubject\ns\nTimestamp\n"));
        assert_eq!(
            super::confirmation_text("SubscriptionConfirmation", "m", "id", "u", "t", "k", "arn"),
            "Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nt\nToken\nk\nTopicArn\narn\nType\nSubscriptionConfirmation\n"
        );
    }
}
