//! User certificates (README.md "SSH certificates"): which certificate files go with a
//! key, as ssh finds them (every `CertificateFile`, and `KEY-cert.pub` beside an
//! identity file), and why a refused certificate was probably refused (the server only
//! says "no").

use std::path::{Path, PathBuf};

use russh::keys::Certificate;
use russh::keys::ssh_key::certificate::CertType;
use russh::keys::ssh_key::public::KeyData;

use super::known_hosts::window;
use super::target::Hop;

/// A certificate read from a file.
#[derive(Debug, Clone)]
pub struct CertFile {
    pub path: PathBuf,
    pub cert: Certificate,
}

/// Every certificate of the hop: its `CertificateFile`s, then `KEY-cert.pub` beside each
/// identity file. Notes name configured files that could not be read.
pub fn certificates(hop: &Hop) -> (Vec<CertFile>, Vec<String>) {
    let mut out: Vec<CertFile> = Vec::new();
    let mut notes = Vec::new();
    let beside = hop
        .identities
        .iter()
        .map(|p| PathBuf::from(format!("{}-cert.pub", p.display())));
    let configured = hop.certificates.len();
    for (index, path) in hop.certificates.iter().cloned().chain(beside).enumerate() {
        if out.iter().any(|c| c.path == path) {
            continue;
        }
        match read(&path) {
            Ok(Some(cert)) => out.push(CertFile { path, cert }),
            // A missing `KEY-cert.pub` is the usual case; a missing CertificateFile is not.
            Ok(None) if index >= configured => {}
            Ok(None) => notes.push(format!("{} (CertificateFile) missing", path.display())),
            Err(e) => notes.push(format!("{} unreadable ({e})", path.display())),
        }
    }
    (out, notes)
}

fn read(path: &Path) -> Result<Option<Certificate>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    Certificate::from_openssh(text.trim())
        .map(Some)
        .map_err(|e| format!("not an OpenSSH certificate: {e}"))
}

/// The certificates whose key is `key`.
pub fn for_key<'a>(certs: &'a [CertFile], key: &KeyData) -> impl Iterator<Item = &'a CertFile> {
    certs.iter().filter(move |c| c.cert.public_key() == key)
}

/// Why a server would refuse this certificate for `user` at `now` (Unix seconds), as far
/// as the client can tell; `None` when it looks usable (the server's CA list is unknown).
pub fn diagnose(cert: &Certificate, user: &str, now: u64) -> Option<String> {
    let (after, before) = (cert.valid_after(), cert.valid_before());
    if cert.cert_type() != CertType::User {
        return Some("a host certificate, not a user certificate".into());
    }
    if now >= before {
        return Some(format!("certificate expired, {}", window(after, before)));
    }
    if now < after {
        return Some(format!(
            "certificate not yet valid, {}",
            window(after, before)
        ));
    }
    let principals = cert.valid_principals();
    if !principals.is_empty() && !principals.iter().any(|p| p == user) {
        return Some(format!(
            "certificate principals ({}) do not include {user}",
            principals.join(", ")
        ));
    }
    None
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use russh::keys::ssh_key::certificate::Builder;
    use russh::keys::ssh_key::private::Ed25519Keypair;

    use russh::keys::PrivateKey;

    use super::*;

    fn cert(kind: CertType, principals: &[&str], after: u64, before: u64) -> Certificate {
        let ca = PrivateKey::from(Ed25519Keypair::from_seed(&[1; 32]));
        let user = PrivateKey::from(Ed25519Keypair::from_seed(&[2; 32]));
        let mut b = Builder::new(
            vec![3; 32],
            user.public_key().key_data().clone(),
            after,
            before,
        )
        .expect("builder");
        b.cert_type(kind).expect("type");
        b.key_id("id").expect("id");
        if principals.is_empty() {
            b.all_principals_valid().expect("all");
        }
        for p in principals {
            b.valid_principal(*p).expect("principal");
        }
        b.sign(&ca).expect("sign")
    }

    #[test]
    fn the_likely_reason_for_a_refusal_is_named() {
        let now = 1_800_000_000;
        let ok = cert(CertType::User, &["root"], now - 1, now + 1);
        assert_eq!(diagnose(&ok, "root", now), None);
        assert_eq!(
            diagnose(&cert(CertType::User, &[], now - 1, now + 1), "x", now),
            None
        );
        let wrong = diagnose(&ok, "alice", now).expect("principal");
        assert!(wrong.contains("(root) do not include alice"), "{wrong}");
        let old = cert(CertType::User, &["root"], now - 10, now - 5);
        assert!(
            diagnose(&old, "root", now)
                .expect("expired")
                .starts_with("certificate expired, valid from")
        );
        let host = cert(CertType::Host, &["root"], now - 1, now + 1);
        assert!(diagnose(&host, "root", now).is_some());
    }

    #[test]
    fn certificate_files_are_found_beside_keys_and_configured() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = cert(CertType::User, &["root"], 0, u64::MAX);
        let text = good.to_openssh().expect("openssh");
        std::fs::write(dir.path().join("id-cert.pub"), &text).expect("write");
        std::fs::write(dir.path().join("junk-cert.pub"), "nonsense").expect("write");
        let mut hop = Hop::new("t", "h", 22, "root", vec![dir.path().join("id")], vec![]);
        hop.identities.push(dir.path().join("other"));
        hop.certificates = vec![
            dir.path().join("missing-cert.pub"),
            dir.path().join("junk-cert.pub"),
        ];
        let (found, notes) = certificates(&hop);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, dir.path().join("id-cert.pub"));
        assert_eq!(for_key(&found, good.public_key()).count(), 1);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("missing") && notes[1].contains("unreadable"));
    }
}
