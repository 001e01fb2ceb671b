//! TLS beside plain on every port (HTTPS, `stomp+ssl`, `mqtt+ssl`, `wss`): a connection whose
//! first byte opens a TLS handshake (0x16) is served over TLS, any other as before. The certificate is `--tls-cert`/`--tls-key`,
//! or one signed at each start by a local CA that is made once and kept in the data directory
//! (`tls/ca.pem`; in memory with `--in-memory`), so that a test trusts one file
//! (`AWS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`, `REQUESTS_CA_BUNDLE`), also served at
//! `/_quayside/tls/ca.pem`.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the listeners need for TLS, and the CA to give clients.
pub(crate) struct Tls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// The local CA's certificate (PEM), when the certificate is Quayside's own.
    pub ca_pem: Option<String>,
    /// Where that CA is kept (none in memory, or with `--tls-cert`).
    pub ca_path: Option<PathBuf>,
}

impl Tls {
    /// The server side of a connection that opened with a TLS handshake, once the handshake
    /// finishes within `limit`; `None` when it fails (logged) or takes longer.
    pub(crate) async fn handshake<IO>(
        &self,
        io: IO,
        limit: std::time::Duration,
        listener: &str,
        peer: std::net::SocketAddr,
    ) -> Option<tokio_rustls::server::TlsStream<IO>>
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        match tokio::time::timeout(limit, self.acceptor.accept(io)).await {
            Ok(Ok(s)) => Some(s),
            Ok(Err(e)) => {
                tracing::debug!("{listener}: tls handshake from {peer}: {e}");
                None
            }
            Err(_) => None,
        }
    }
}

/// The regions whose `sqs.<region>.localhost` names (the `domain` queue URL style) the
/// certificate covers.
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// The names the generated certificate holds: loopback, `localhost` and its subdomains, the
/// LocalStack names, every region's queue URL host, and `extra` (`--sns-cert-host`,
/// `--allowed-hosts`, `--host`).
pub(crate) fn names(extra: &[String], region: &str) -> Vec<String> {
    let mut out: Vec<String> =
        ["localhost", "*.localhost", "127.0.0.1", "::1", "localhost.localstack.cloud", "*.localhost.localstack.cloud"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    // Some clients (rustls) take no wildcard directly under a one-label name: the services'
    // own names under `localhost` are listed.
    for service in ["sqs", "sns", "kinesis", "mq", "sts"] {
        out.push(format!("{service}.localhost"));
    }
    for r in REGIONS.iter().copied().chain(std::iter::once(region)) {
        out.push(format!("*.{r}.localhost"));
        out.push(format!("*.{r}.localhost.localstack.cloud"));
    }
    for h in extra {
        let h = h.trim().trim_start_matches("https://").trim_start_matches("http://");
        let host = h.split(['/', ':']).next().unwrap_or("").trim_start_matches('.');
        if !host.is_empty() && host != "0.0.0.0" {
            out.push(host.to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Sets TLS up: `cert`/`key` when given, else a certificate for `names` signed by the local CA
/// of `dir` (made there on first use; `None`: in memory).
///
/// Errors: a file cannot be read, written or parsed; the certificate cannot be made.
pub(crate) fn setup(
    cert: Option<&Path>,
    key: Option<&Path>,
    dir: Option<&Path>,
    names: Vec<String>,
) -> Result<Tls, String> {
    let (chain, key_der, ca_pem, ca_path) = match (cert, key) {
        (Some(cert), Some(key)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
                .map_err(|e| format!("{}: {e}", cert.display()))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{}: {e}", cert.display()))?;
            if chain.is_empty() {
                return Err(format!("{}: no certificate in it", cert.display()));
            }
            let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
            (chain, key_der, None, None)
        }
        (None, None) => {
            let (ca_params, ca_key, ca_pem, ca_path) = local_ca(dir)?;
            let issuer = ca_params.self_signed(&ca_key).map_err(|e| format!("the local CA: {e}"))?;
            let leaf_key = KeyPair::generate().map_err(|e| format!("a TLS key: {e}"))?;
            let mut params = CertificateParams::default();
            params.subject_alt_names = names
                .iter()
                .map(|n| match n.parse::<std::net::IpAddr>() {
                    Ok(ip) => Ok(SanType::IpAddress(ip)),
                    Err(_) => n.clone().try_into().map(SanType::DnsName),
                })
                .collect::<Result<_, _>>()
                .map_err(|e| format!("a certificate name: {e}"))?;
            params.distinguished_name.push(DnType::CommonName, "localhost");
            params.use_authority_key_identifier_extension = true;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
            params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
            let leaf = params.signed_by(&leaf_key, &issuer, &ca_key).map_err(|e| format!("the certificate: {e}"))?;
            let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
            (vec![leaf.der().clone()], key_der, Some(ca_pem), ca_path)
        }
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| format!("the certificate and key: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    // No TLS 1.3 session tickets. They arrive after the handshake, so a client whose reading
    // thread takes them while another thread writes its first frame on the same OpenSSL
    // connection (stomp.py does; OpenSSL connections are not safe for that) corrupts its
    // stream: stomp.py over TLS failed one connect in five, its CONNECT lost or cut. A local
    // server gains nothing from resumption.
    config.send_tls13_tickets = 0;
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    Ok(Tls { acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)), ca_pem, ca_path })
}

/// The CA's subject and constraints; the same every time, so that a CA re-made from its kept
/// key issues certificates that the kept `ca.pem` validates.
fn ca_params() -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, "Quayside local CA");
    p.distinguished_name.push(DnType::OrganizationName, "Quayside");
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    p
}

/// The local CA: its parameters and key, its certificate (PEM) and where it is kept. Made and
/// written on first use (the key readable by the owner only); read back after.
fn local_ca(dir: Option<&Path>) -> Result<(CertificateParams, KeyPair, String, Option<PathBuf>), String> {
    let params = ca_params();
    let Some(dir) = dir else {
        let key = KeyPair::generate().map_err(|e| format!("a CA key: {e}"))?;
        let pem = params.clone().self_signed(&key).map_err(|e| format!("the local CA: {e}"))?.pem();
        return Ok((params, key, pem, None));
    };
    let tls_dir = dir.join("tls");
    let (cert_path, key_path) = (tls_dir.join("ca.pem"), tls_dir.join("ca-key.pem"));
    if cert_path.exists() && key_path.exists() {
        let key_pem = std::fs::read_to_string(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
        let key = KeyPair::from_pem(&key_pem).map_err(|e| format!("{}: {e}", key_path.display()))?;
        let pem = std::fs::read_to_string(&cert_path).map_err(|e| format!("{}: {e}", cert_path.display()))?;
        return Ok((params, key, pem, Some(cert_path)));
    }
    std::fs::create_dir_all(&tls_dir).map_err(|e| format!("{}: {e}", tls_dir.display()))?;
    let key = KeyPair::generate().map_err(|e| format!("a CA key: {e}"))?;
    let pem = params.clone().self_signed(&key).map_err(|e| format!("the local CA: {e}"))?.pem();
    write_private(&key_path, &key.serialize_pem())?;
    std::fs::write(&cert_path, &pem).map_err(|e| format!("{}: {e}", cert_path.display()))?;
    Ok((params, key, pem, Some(cert_path)))
}

/// Writes a file only its owner may read.
fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}

/// How a connection opens.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Opening {
    /// With a TLS handshake record.
    Tls,
    /// With anything else (its bytes are left for the protocol).
    Plain,
    /// With nothing within the limit, or closed: the connection is dropped, as an idle one is.
    Silent,
}

/// How a connection opens, without taking its bytes; waits for its first byte at most `limit`
/// (`None`: as long as it takes), and not past the server's stop (a silent connection must not
/// keep the server, and its data directory, after a stop).
pub(crate) async fn opening(
    stream: &tokio::net::TcpStream,
    limit: Option<std::time::Duration>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Opening {
    let mut first = [0u8; 1];
    let peek = async {
        match limit {
            Some(d) => tokio::time::timeout(d, stream.peek(&mut first)).await.unwrap_or(Ok(0)),
            None => stream.peek(&mut first).await,
        }
    };
    let peeked = tokio::select! {
        p = peek => p,
        _ = stop.wait_for(|s| *s) => Ok(0),
    };
    match peeked {
        Ok(1) if first[0] == 0x16 => Opening::Tls,
        Ok(1) => Opening::Plain,
        _ => Opening::Silent,
    }
}
