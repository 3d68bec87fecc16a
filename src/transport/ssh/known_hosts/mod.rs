//! Host-key verification against OpenSSH `known_hosts` files: hashed entries, `[host]:port`,
//! wildcard and negated patterns, `@revoked` markers. There is no way to accept an unknown
//! key: the verdict says which file to add it to, or which line holds the other key.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use russh::keys::ssh_key::{HashAlg, PublicKey};

mod cert;
pub use cert::{
    Authority, CertPolicy, CertRefusal, authorities, has_authority, verify_certificate, window,
};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Plain { glob: String, negated: bool },
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

#[derive(Debug, Clone)]
struct Entry {
    line: usize,
    marker: Marker,
    patterns: Vec<Pattern>,
    key: PublicKey,
}

/// The result of checking one host key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Trusted {
        file: PathBuf,
        line: usize,
    },
    /// No file knows the host.
    Unknown {
        fingerprint: String,
    },
    /// A file knows the host with another key: possibly a man in the middle.
    Changed {
        file: PathBuf,
        line: usize,
        fingerprint: String,
    },
    Revoked {
        file: PathBuf,
        line: usize,
    },
    /// Refused by the RevokedHostKeys file (`revoked/`), `reason` saying which entry.
    RevokedByList {
        file: PathBuf,
        reason: String,
    },
    /// A host certificate refused (`cert.rs`); `fingerprint` is the key inside it.
    Certificate {
        fingerprint: String,
        refusal: CertRefusal,
    },
}

/// One parsed `known_hosts` file. Lines that cannot be parsed are skipped (and counted),
/// as OpenSSH does: one bad line must not make every host unknown.
#[derive(Debug, Clone)]
pub struct KnownHosts {
    path: PathBuf,
    entries: Vec<Entry>,
    pub skipped_lines: usize,
}

impl KnownHosts {
    pub fn parse(path: &Path, text: &str) -> KnownHosts {
        let mut entries = Vec::new();
        let mut skipped_lines = 0;
        for (index, raw) in text.lines().enumerate() {
            match parse_line(raw) {
                Ok(Some((marker, patterns, key))) => entries.push(Entry {
                    line: index + 1,
                    marker,
                    patterns,
                    key,
                }),
                Ok(None) => {}
                Err(()) => skipped_lines += 1,
            }
        }
        KnownHosts {
            path: path.to_path_buf(),
            entries,
            skipped_lines,
        }
    }

    /// A missing file knows nobody.
    pub fn load(path: &Path) -> std::io::Result<KnownHosts> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(KnownHosts::parse(path, &text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KnownHosts::parse(path, "")),
            Err(e) => Err(e),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn parse_line(raw: &str) -> Result<Option<(Marker, Vec<Pattern>, PublicKey)>, ()> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut fields = line.split_whitespace();
    let mut first = fields.next().ok_or(())?;
    let marker = match first {
        "@revoked" => Marker::Revoked,
        "@cert-authority" => Marker::CertAuthority,
        m if m.starts_with('@') => return Err(()),
        _ => Marker::None,
    };
    if marker != Marker::None {
        first = fields.next().ok_or(())?;
    }
    let key_type = fields.next().ok_or(())?;
    let key_data = fields.next().ok_or(())?;
    let key = PublicKey::from_openssh(&format!("{key_type} {key_data}")).map_err(|_| ())?;
    let patterns = first
        .split(',')
        .map(parse_pattern)
        .collect::<Result<Vec<_>, ()>>()?;
    Ok(Some((marker, patterns, key)))
}

fn parse_pattern(p: &str) -> Result<Pattern, ()> {
    if let Some(rest) = p.strip_prefix("|1|") {
        let (salt, hash) = rest.split_once('|').ok_or(())?;
        return Ok(Pattern::Hashed {
            salt: STANDARD.decode(salt).map_err(|_| ())?,
            hash: STANDARD.decode(hash).map_err(|_| ())?,
        });
    }
    let (glob, negated) = match p.strip_prefix('!') {
        Some(rest) => (rest, true),
        None => (p, false),
    };
    if glob.is_empty() {
        return Err(());
    }
    Ok(Pattern::Plain {
        glob: glob.to_ascii_lowercase(),
        negated,
    })
}

/// `host` for port 22, `[host]:port` otherwise, as OpenSSH writes them.
pub fn host_key_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

fn entry_matches(patterns: &[Pattern], name: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        match pattern {
            Pattern::Hashed { salt, hash } => {
                let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(salt) else {
                    continue;
                };
                mac.update(name.as_bytes());
                if mac.verify_slice(hash).is_ok() {
                    matched = true;
                }
            }
            Pattern::Plain { glob, negated } => {
                if glob_match(glob.as_bytes(), name.as_bytes()) {
                    if *negated {
                        return false;
                    }
                    matched = true;
                }
            }
        }
    }
    matched
}

/// OpenSSH's `*` and `?` wildcards.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob_match(&pattern[1..], text) || (!text.is_empty() && glob_match(pattern, &text[1..]))
        }
        (Some(b'?'), Some(_)) => glob_match(&pattern[1..], &text[1..]),
        (Some(p), Some(t)) if p == t => glob_match(&pattern[1..], &text[1..]),
        _ => false,
    }
}

pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Check `key` for `host:port` against the files, in order.
pub fn verify(files: &[KnownHosts], host: &str, port: u16, key: &PublicKey) -> Verdict {
    verify_name(files, &host_key_name(host, port), key)
}

/// The key types the files hold for `name` (revoked keys and CA lines aside), in file
/// order: what the host-key algorithm order puts first.
pub fn known_algorithms(files: &[KnownHosts], name: &str) -> Vec<russh::keys::Algorithm> {
    let name = name.to_ascii_lowercase();
    let mut out = Vec::new();
    for f in files {
        for e in &f.entries {
            if e.marker == Marker::None && entry_matches(&e.patterns, &name) {
                let alg = e.key.algorithm();
                if !out.contains(&alg) {
                    out.push(alg);
                }
            }
        }
    }
    out
}

/// Check `key` for a known_hosts name (`host`, `[host]:port` or a HostKeyAlias).
pub fn verify_name(files: &[KnownHosts], name: &str, key: &PublicKey) -> Verdict {
    let name = name.to_ascii_lowercase();
    let same_key = |e: &Entry| e.key.key_data() == key.key_data();
    let matching = || {
        files.iter().flat_map(|f| {
            f.entries
                .iter()
                .filter(|e| entry_matches(&e.patterns, &name))
                .map(move |e| (f, e))
        })
    };
    // A revoked key is refused wherever it appears, whatever the host patterns say.
    for f in files {
        if let Some(e) = f
            .entries
            .iter()
            .find(|e| e.marker == Marker::Revoked && same_key(e))
        {
            return Verdict::Revoked {
                file: f.path.clone(),
                line: e.line,
            };
        }
    }
    if let Some((f, e)) = matching().find(|(_, e)| e.marker == Marker::None && same_key(e)) {
        return Verdict::Trusted {
            file: f.path.clone(),
            line: e.line,
        };
    }
    if let Some((f, e)) = matching().find(|(_, e)| e.marker == Marker::None) {
        return Verdict::Changed {
            file: f.path.clone(),
            line: e.line,
            fingerprint: fingerprint(key),
        };
    }
    Verdict::Unknown {
        fingerprint: fingerprint(key),
    }
}

#[cfg(test)]
mod tests;
