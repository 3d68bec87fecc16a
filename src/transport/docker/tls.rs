//! Mutual TLS to `dockerd --tlsverify`: the engine is verified against the node's own CA
//! only (never the system roots, never switched off), and fleetdeck presents the node's
//! client certificate.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, AlertDescription, CertificateError, ClientConfig, RootCertStore};

use super::error::DockerError;

/// Everything needed to open TLS sessions to one engine, loaded once.
#[derive(Clone)]
pub(crate) struct TlsSetup {
    pub connector: TlsConnector,
    pub server_name: ServerName<'static>,
    pub ca: PathBuf,
    pub cert: PathBuf,
}

impl TlsSetup {
    /// Reads the three files and builds the client configuration. `target` names the
    /// engine in messages.
    pub fn load(
        host: &str,
        ca: &Path,
        cert: &Path,
        key: &Path,
        target: &str,
    ) -> Result<TlsSetup, DockerError> {
        let mut roots = RootCertStore::empty();
        for der in read_certs(ca, "CA certificate")? {
            roots.add(der).map_err(|e| DockerError::BadCertFile {
                what: "CA certificate",
                path: ca.to_path_buf(),
                reason: e.to_string(),
            })?;
        }
        let chain = read_certs(cert, "client certificate")?;
        let key_der = read_key(key)?;

        // The provider is named explicitly: the process-wide default is ambiguous when
        // more than one rustls backend ends up compiled in.
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| {
                b.with_root_certificates(roots)
                    .with_client_auth_cert(chain, key_der)
            })
            .map_err(|source| match source {
                rustls::Error::InconsistentKeys(_) => DockerError::BadCertFile {
                    what: "client key",
                    path: key.to_path_buf(),
                    reason: format!(
                        "it does not belong to the client certificate {}",
                        cert.display()
                    ),
                },
                source => DockerError::TlsConfig {
                    target: target.to_string(),
                    source,
                },
            })?;

        Ok(TlsSetup {
            connector: TlsConnector::from(Arc::new(config)),
            server_name: server_name(host)?,
            ca: ca.to_path_buf(),
            cert: cert.to_path_buf(),
        })
    }

    /// One line saying why a handshake (or the first read after it) failed.
    pub fn explain(&self, err: &rustls::Error) -> String {
        let ca = self.ca.display();
        let cert = self.cert.display();
        match err {
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                format!("certificate signed by unknown authority (ca {ca})")
            }
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => format!(
                "the engine's certificate is not valid for {} ({err})",
                self.name_text()
            ),
            rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. },
            ) => format!("the engine's certificate has expired ({err})"),
            rustls::Error::InvalidCertificate(_) => {
                format!("the engine's certificate was rejected: {err} (ca {ca})")
            }
            rustls::Error::AlertReceived(
                alert @ (AlertDescription::BadCertificate
                | AlertDescription::CertificateRequired
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateUnknown
                | AlertDescription::UnsupportedCertificate
                | AlertDescription::AccessDenied
                | AlertDescription::DecryptError),
            ) => format!("the engine refused the client certificate {cert} (alert: {alert:?})"),
            other => other.to_string(),
        }
    }

    fn name_text(&self) -> String {
        match &self.server_name {
            ServerName::IpAddress(ip) => IpAddr::from(*ip).to_string(),
            other => other.to_str().into_owned(),
        }
    }
}

/// IP addresses are verified against the certificate's IP SANs (no SNI is sent); any
/// other host against its DNS SANs.
fn server_name(host: &str) -> Result<ServerName<'static>, DockerError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ServerName::IpAddress(ip.into()));
    }
    ServerName::try_from(host.to_string()).map_err(|e| DockerError::InvalidTarget {
        target: host.to_string(),
        reason: format!("{host:?} is not a valid TLS server name: {e}"),
    })
}

fn read_file(path: &Path, what: &'static str) -> Result<Vec<u8>, DockerError> {
    std::fs::read(path).map_err(|source| DockerError::CertFile {
        what,
        path: path.to_path_buf(),
        source,
    })
}

fn read_certs(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, DockerError> {
    let bad = |reason: String| DockerError::BadCertFile {
        what,
        path: path.to_path_buf(),
        reason,
    };
    let pem = read_file(path, what)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("invalid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, DockerError> {
    const WHAT: &str = "client key";
    let pem = read_file(path, WHAT)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| DockerError::BadCertFile {
        what: WHAT,
        path: path.to_path_buf(),
        reason: match e {
            rustls_pki_types::pem::Error::NoItemsFound => {
                "no PEM private key in it (PKCS#8, PKCS#1 or SEC1)".into()
            }
            other => format!("invalid PEM: {other}"),
        },
    })
}

/// The rustls error inside an I/O error from a TLS stream, if there is one.
pub(crate) fn rustls_cause<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(found) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
        {
            return Some(found);
        }
        next = e.source();
    }
    None
}
