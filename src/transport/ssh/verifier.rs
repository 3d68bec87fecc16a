//! The russh handler: its only job is to check the server's host key against known_hosts,
//! and to remember why a key was refused so the error can say it.

use std::sync::{Arc, Mutex};

use russh::client::Handler;
use russh::keys::PublicKeyOrCertificate;

use super::known_hosts::{self, KnownHosts, Verdict};

pub struct Verifier {
    /// The known_hosts name: `host`, `[host]:port` or the HostKeyAlias.
    name: String,
    files: Arc<Vec<KnownHosts>>,
    verdict: Arc<Mutex<Option<Verdict>>>,
}

impl Verifier {
    pub fn new(name: &str, files: Arc<Vec<KnownHosts>>) -> (Verifier, Arc<Mutex<Option<Verdict>>>) {
        let verdict = Arc::new(Mutex::new(None));
        (
            Verifier {
                name: name.to_string(),
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
            // Host certificates would need @cert-authority support; refuse rather than guess.
            PublicKeyOrCertificate::Certificate(cert) => Verdict::Unknown {
                fingerprint: format!(
                    "certificate for {}",
                    cert.public_key().fingerprint(russh::keys::HashAlg::Sha256)
                ),
            },
        };
        let trusted = matches!(verdict, Verdict::Trusted { .. });
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(verdict);
        }
        Ok(trusted)
    }
}
