//! `RevokedHostKeys` (README.md "Host keys"): a file of revoked host keys, read as
//! OpenSSH reads it. A binary KRL (`ssh-keygen -k`, [`krl`]) when it starts with the KRL
//! magic, otherwise a text file of public keys, one a line, where a line may also be a
//! certificate (its key is revoked) or a CA key (every certificate it signed is
//! revoked). A file that cannot be read refuses every host, as it does for ssh: a
//! revocation list that silently stops applying would be worse than no connection.

pub mod krl;

use std::path::{Path, PathBuf};

use russh::keys::ssh_key::public::KeyData;
use russh::keys::ssh_key::{Certificate, PublicKey};

#[derive(Debug, thiserror::Error)]
pub enum RevokedError {
    #[error("cannot read the RevokedHostKeys file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the RevokedHostKeys file {} is not a usable KRL: {reason}", path.display())]
    Krl { path: PathBuf, reason: String },
}

#[derive(Debug, Clone)]
enum List {
    /// Each key with its line number.
    Text(Vec<(usize, KeyData)>),
    Krl(krl::Krl),
}

/// One RevokedHostKeys file, parsed.
#[derive(Debug, Clone)]
pub struct RevokedKeys {
    path: PathBuf,
    list: List,
}

/// The key of a text line: a plain public key, or the key a certificate certifies.
/// Lines ssh could not read either are skipped.
fn text_key(line: &str) -> Option<KeyData> {
    let mut fields = line.split_whitespace();
    let (kind, data) = (fields.next()?, fields.next()?);
    let text = format!("{kind} {data}");
    if kind.contains("-cert-v01@openssh.com") {
        return Certificate::from_openssh(&text)
            .ok()
            .map(|c| c.public_key().clone());
    }
    PublicKey::from_openssh(&text)
        .ok()
        .map(|k| k.key_data().clone())
}

impl RevokedKeys {
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<RevokedKeys, RevokedError> {
        let list = if bytes.starts_with(krl::MAGIC) {
            List::Krl(krl::parse(bytes).map_err(|reason| RevokedError::Krl {
                path: path.to_path_buf(),
                reason,
            })?)
        } else {
            let text = String::from_utf8_lossy(bytes);
            List::Text(
                text.lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                    .filter_map(|(i, l)| text_key(l).map(|k| (i + 1, k)))
                    .collect(),
            )
        };
        Ok(RevokedKeys {
            path: path.to_path_buf(),
            list,
        })
    }

    /// Read the file; a missing or unreadable one is an error (see the module's note).
    pub fn load(path: &Path) -> Result<RevokedKeys, RevokedError> {
        let bytes = std::fs::read(path).map_err(|source| RevokedError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        RevokedKeys::parse(path, &bytes)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why a plain host key is revoked, if it is.
    pub fn key(&self, key: &KeyData) -> Option<String> {
        self.listed(key, "the host key")
    }

    /// Why a host certificate is revoked, if it is: the key it certifies, the
    /// certificate itself (a KRL's serials and key ids), or the CA that signed it.
    pub fn certificate(&self, cert: &Certificate) -> Option<String> {
        self.listed(cert.public_key(), "the host key inside the certificate")
            .or_else(|| match &self.list {
                List::Krl(k) => k.cert_revoked(cert),
                List::Text(_) => None,
            })
            .or_else(|| self.listed(cert.signature_key(), "the CA key that signed it"))
    }

    fn listed(&self, key: &KeyData, what: &str) -> Option<String> {
        match &self.list {
            List::Text(keys) => keys
                .iter()
                .find(|(_, k)| k == key)
                .map(|(line, _)| format!("{what} is listed on line {line}")),
            List::Krl(k) => k.key_revoked(key).map(|why| format!("{what} is {why}")),
        }
    }
}

#[cfg(test)]
mod tests;
