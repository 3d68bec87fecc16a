//! The russh handler: its only job is to check the server's host key against known_hosts,
//! or host certificate, and to remember why it was refused so the error can say it.

use std::sync::{Arc, Mutex};

use russh::client::Handler;
use russh::keys::PublicKeyOrCertificate;

use super::known_hosts::{self, KnownHosts, Verdict};

pub struct Verifier {
    /// The known_hosts name: `host`, `[host]:port` or the HostKeyAlias.
    name: String,
    /// The name a host certificate must list: the HostKeyAlias, else the host name.
    principal: String,
    files: Arc<Vec<KnownHosts>>,
    verdict: Arc<Mutex<Option<Verdict>>>,
}

impl Verifier {
    pub fn new(
        name: &str,
        principal: &str,
        files: Arc<Vec<KnownHosts>>,
    ) -> (Verifier, Arc<Mutex<Option<Verdict>>>) {
        let verdict = Arc::new(Mutex::new(None));
        (
            Verifier {
                name: name.to_string(),
                principal: principal.to_string(),
                files,
                verdict: verdict.clone(),
            },
            verdict,
        )
    }
}

impl Handler for Verifier {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let verdict = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => {
                known_hosts::verify_name(&self.files, &self.name, key)
            }
            // Asked for only when an @cert-authority line covers the host (session.rs).
            PublicKeyOrCertificate::Certificate(cert) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                known_hosts::verify_certificate(&self.files, &self.name, &self.principal, cert, now)
            }
        };
        let trusted = matches!(verdict, Verdict::Trusted { .. });
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(verdict);
        }
        Ok(trusted)
    }
}
