//! Host certificates, checked as OpenSSH checks them (README.md "SSH certificates"): the
//! certificate must be signed by a key listed as `@cert-authority PATTERNS KEY` for the
//! host's known_hosts name, be a host certificate, be valid now, name the host (its
//! HostKeyAlias when set) among its principals (none means any host) and carry no
//! critical option. A certificate no listed authority signed is not refused outright:
//! like ssh, the key inside it is then looked up as a plain key.

use russh::keys::ssh_key::certificate::CertType;
use russh::keys::ssh_key::{Certificate, HashAlg, PublicKey};

use super::{Entry, KnownHosts, Marker, Verdict, entry_matches, fingerprint, glob_match};

/// Why a host certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertRefusal {
    /// Outside `valid after <= now < valid before`.
    Expired {
        window: String,
    },
    NotYetValid {
        window: String,
    },
    /// The principals do not name the host.
    Principal {
        wanted: String,
        principals: Vec<String>,
    },
    /// No `@cert-authority` line for the host holds the signing key, and the key inside
    /// the certificate is not known either.
    UntrustedCa {
        ca_fingerprint: String,
        /// How many `@cert-authority` lines matched the host (all with other keys).
        authorities: usize,
    },
    /// Signed by a trusted CA, with a signature algorithm CASignatureAlgorithms leaves
    /// out (ssh's default leaves out `ssh-rsa`, RSA with SHA-1).
    CaAlgorithm {
        algorithm: String,
        allowed: Vec<String>,
    },
    /// Signed by a trusted key but unusable: bad signature, a user certificate, critical
    /// options.
    Invalid {
        reason: String,
    },
}

/// What a host certificate must satisfy beyond its CA line: the name it must carry
/// (the HostKeyAlias, else the host name), the CA signature algorithms accepted
/// (CASignatureAlgorithms), and the time (Unix seconds).
pub struct CertPolicy<'a> {
    pub principal: &'a str,
    pub ca_algorithms: &'a [String],
    pub now: u64,
}

/// Check the certificate a server presented for the known_hosts `name`.
pub fn verify_certificate(
    files: &[KnownHosts],
    name: &str,
    policy: &CertPolicy,
    cert: &Certificate,
) -> Verdict {
    let name = name.to_ascii_lowercase();
    let inner = PublicKey::new(cert.public_key().clone(), "");
    let signer = cert.signature_key();
    // A revoked host key or a revoked authority is refused wherever it is listed.
    for f in files {
        let revoked = f.entries.iter().find(|e| {
            e.marker == Marker::Revoked
                && (e.key.key_data() == inner.key_data() || e.key.key_data() == signer)
        });
        if let Some(e) = revoked {
            return Verdict::Revoked {
                file: f.path.clone(),
                line: e.line,
            };
        }
    }
    let authorities: Vec<(&KnownHosts, &Entry)> = files
        .iter()
        .flat_map(|f| f.entries.iter().map(move |e| (f, e)))
        .filter(|(_, e)| e.marker == Marker::CertAuthority && entry_matches(&e.patterns, &name))
        .collect();
    let Some((file, entry)) = authorities.iter().find(|(_, e)| e.key.key_data() == signer) else {
        // As ssh: no authority for this certificate, so try the plain key inside it.
        return match super::verify_name(files, &name, &inner) {
            Verdict::Unknown { fingerprint } => Verdict::Certificate {
                fingerprint,
                refusal: CertRefusal::UntrustedCa {
                    ca_fingerprint: signer.fingerprint(HashAlg::Sha256).to_string(),
                    authorities: authorities.len(),
                },
            },
            other => other,
        };
    };
    let refusal = judge(cert, entry, policy);
    match refusal {
        None => Verdict::Trusted {
            file: file.path.clone(),
            line: entry.line,
        },
        Some(refusal) => Verdict::Certificate {
            fingerprint: fingerprint(&inner),
            refusal,
        },
    }
}

fn judge(cert: &Certificate, ca: &Entry, policy: &CertPolicy) -> Option<CertRefusal> {
    let (principal, now) = (policy.principal, policy.now);
    let invalid = |reason: &str| {
        Some(CertRefusal::Invalid {
            reason: reason.to_string(),
        })
    };
    let (after, before) = (cert.valid_after(), cert.valid_before());
    if after >= before {
        return invalid("its validity window is empty");
    }
    // Before the signature: an algorithm left out (`ssh-rsa`, SHA-1) is refused for
    // what it is, whether or not it could be verified.
    let algorithm = cert.signature().algorithm().as_str().to_string();
    if !policy.ca_algorithms.contains(&algorithm) {
        return Some(CertRefusal::CaAlgorithm {
            algorithm,
            allowed: policy.ca_algorithms.to_vec(),
        });
    }
    // The signature is checked at a moment inside the window, so a bad signature and a
    // bad date are told apart; the date is judged on its own below.
    let ca_fp = ca.key.fingerprint(HashAlg::Sha256);
    if cert.validate_at(after, [&ca_fp]).is_err() {
        return invalid("its signature does not verify with the authority's key");
    }
    if cert.cert_type() != CertType::Host {
        return invalid("it is a user certificate, not a host certificate");
    }
    if now < after {
        return Some(CertRefusal::NotYetValid {
            window: window(after, before),
        });
    }
    if now >= before {
        return Some(CertRefusal::Expired {
            window: window(after, before),
        });
    }
    let wanted = principal.to_ascii_lowercase();
    let principals = cert.valid_principals();
    if !principals.is_empty()
        && !principals
            .iter()
            .any(|p| glob_match(p.to_ascii_lowercase().as_bytes(), wanted.as_bytes()))
    {
        return Some(CertRefusal::Principal {
            wanted,
            principals: principals.to_vec(),
        });
    }
    if !cert.critical_options().is_empty() {
        return invalid("it carries critical options, which a host certificate must not");
    }
    None
}

/// `from 2026-01-01 10:00:00 UTC to 2026-01-02 10:00:00 UTC` (ssh-keygen's "forever"
/// shows as such).
pub fn window(after: u64, before: u64) -> String {
    let at = |secs: u64| -> String {
        let Ok(secs) = i64::try_from(secs) else {
            return "forever".into();
        };
        time::OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .and_then(|t| {
                t.format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
                ))
                .ok()
            })
            .unwrap_or_else(|| "forever".into())
    };
    format!("valid from {} to {}", at(after), at(before))
}

/// One `@cert-authority` line covering a host (`config check` shows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    pub file: std::path::PathBuf,
    pub line: usize,
    pub fingerprint: String,
}

/// Every `@cert-authority` line covering the known_hosts `name`, in file order.
pub fn authorities(files: &[KnownHosts], name: &str) -> Vec<Authority> {
    let name = name.to_ascii_lowercase();
    files
        .iter()
        .flat_map(|f| {
            f.entries
                .iter()
                .filter(|e| e.marker == Marker::CertAuthority && entry_matches(&e.patterns, &name))
                .map(|e| Authority {
                    file: f.path.clone(),
                    line: e.line,
                    fingerprint: fingerprint(&e.key),
                })
        })
        .collect()
}

/// Whether any `@cert-authority` line covers the known_hosts `name`: only then are host
/// certificates asked for (an unasked-for certificate could only be checked as its
/// plain key, and ssh would not put certificates first either).
pub fn has_authority(files: &[KnownHosts], name: &str) -> bool {
    !authorities(files, name).is_empty()
}

#[cfg(test)]
mod tests;
