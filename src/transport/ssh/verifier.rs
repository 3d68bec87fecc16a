//! The russh handler: its only job is to check the server's host key against known_hosts,
//! or host certificate (after the RevokedHostKeys file, which wins over both), and to
//! remember why it was refused so the error can say it.

use std::sync::{Arc, Mutex};

use russh::client::Handler;
use russh::keys::PublicKeyOrCertificate;

use super::known_hosts::{self, CertPolicy, KnownHosts, Verdict};
use super::revoked::RevokedKeys;

/// What one hop's host key is checked against.
pub struct Trust {
    /// The known_hosts name: `host`, `[host]:port` or the HostKeyAlias.
    pub name: String,
    /// The name a host certificate must list: the HostKeyAlias, else the host name.
    pub principal: String,
    pub files: Arc<Vec<KnownHosts>>,
    /// CASignatureAlgorithms.
    pub ca_algorithms: Vec<String>,
    /// The RevokedHostKeys file, read before connecting.
    pub revoked: Option<RevokedKeys>,
}

pub struct Verifier {
    trust: Trust,
    verdict: Arc<Mutex<Option<Verdict>>>,
}

impl Verifier {
    pub fn new(trust: Trust) -> (Verifier, Arc<Mutex<Option<Verdict>>>) {
        let verdict = Arc::new(Mutex::new(None));
        (
            Verifier {
                trust,
                verdict: verdict.clone(),
            },
            verdict,
        )
    }

    fn judge(&self, server_key: &PublicKeyOrCertificate) -> Verdict {
        let t = &self.trust;
        let revoked = t.revoked.as_ref().and_then(|r| {
            let why = match server_key {
                PublicKeyOrCertificate::PublicKey { key, .. } => r.key(key.key_data()),
                PublicKeyOrCertificate::Certificate(cert) => r.certificate(cert),
            }?;
            Some(Verdict::RevokedByList {
                file: r.path().to_path_buf(),
                reason: why,
            })
        });
        if let Some(verdict) = revoked {
            return verdict;
        }
        match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => {
                known_hosts::verify_name(&t.files, &t.name, key)
            }
            // Asked for only when an @cert-authority line covers the host (session.rs).
            PublicKeyOrCertificate::Certificate(cert) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let policy = CertPolicy {
                    principal: &t.principal,
                    ca_algorithms: &t.ca_algorithms,
                    now,
                };
                known_hosts::verify_certificate(&t.files, &t.name, &policy, cert)
            }
        }
    }
}

impl Handler for Verifier {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let verdict = self.judge(server_key);
        let trusted = matches!(verdict, Verdict::Trusted { .. });
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(verdict);
        }
        Ok(trusted)
    }
}
