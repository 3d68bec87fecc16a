//! Logging in: the ssh-agent first (`SSH_AUTH_SOCK`), then identity files. An encrypted
//! key is reported as such: fleetdeck never prompts for a passphrase, the agent does.
//! As ssh, a key's certificates (`user_cert.rs`) are offered before the plain key, and a
//! refused certificate is reported with the reason the client can see (expired, not
//! for this user).

use std::path::Path;
use std::sync::Arc;

use russh::client::Handle;
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg};

use super::error::SshError;
use super::target::Hop;
use super::user_cert;
use super::verifier::Verifier;

pub async fn authenticate(
    handle: &mut Handle<Verifier>,
    hop: &Hop,
    agent: Option<&Path>,
) -> Result<(), SshError> {
    let mut tried: Vec<String> = Vec::new();
    let mut rsa = RsaHash::NotAsked;
    let (certs, notes) = user_cert::certificates(hop);
    match agent_auth(handle, hop, agent, &certs, &mut rsa, &mut tried).await {
        Ok(true) => return Ok(()),
        Ok(false) => tried.push("ssh-agent keys".into()),
        Err(note) => tried.push(note),
    }
    for path in &hop.identities {
        match key_auth(handle, hop, path, &certs, &mut rsa, &mut tried).await {
            Ok(true) => return Ok(()),
            Ok(false) => tried.push(format!("{} (refused)", path.display())),
            Err(note) => {
                if !note.is_empty() {
                    tried.push(note);
                }
            }
        }
    }
    tried.extend(notes);
    Err(SshError::Auth {
        hop: hop.to_string(),
        tried: if tried.is_empty() {
            "no ssh-agent and no identity file to try (set [ssh] identities or IdentityFile)".into()
        } else {
            format!("tried {}", tried.join(", "))
        },
    })
}

/// SHA-2 signatures for RSA when the server says it takes them (RFC 8332), else SHA-1.
/// Asked only when an RSA key is about to be used: russh may wait up to a second for the
/// server's extension info, a delay no ed25519 login should pay.
enum RsaHash {
    NotAsked,
    Known(Option<HashAlg>),
}

impl RsaHash {
    async fn get(&mut self, handle: &Handle<Verifier>) -> Option<HashAlg> {
        if let RsaHash::Known(hash) = self {
            return *hash;
        }
        let hash = handle
            .best_supported_rsa_hash()
            .await
            .ok()
            .flatten()
            .flatten();
        *self = RsaHash::Known(hash);
        hash
    }
}

/// `Ok(true)` logged in; `Ok(false)` the agent's keys were refused; `Err` why the agent
/// could not be used (absent is not worth mentioning).
async fn agent_auth(
    handle: &mut Handle<Verifier>,
    hop: &Hop,
    socket: Option<&Path>,
    certs: &[user_cert::CertFile],
    rsa: &mut RsaHash,
    tried: &mut Vec<String>,
) -> Result<bool, String> {
    let Some(socket) = socket else {
        return Err("no ssh-agent (SSH_AUTH_SOCK unset)".into());
    };
    let mut agent = AgentClient::connect_uds(socket)
        .await
        .map_err(|e| format!("ssh-agent unreachable ({e})"))?;
    let mut identities = agent
        .request_identities()
        .await
        .map_err(|e| format!("ssh-agent did not list keys ({e})"))?;
    if identities.is_empty() {
        return Err("ssh-agent holds no keys".into());
    }
    // Certificates before plain keys, as ssh offers them: a plain key the server does not
    // authorize would only use up one of its MaxAuthTries.
    identities.sort_by_key(|i| matches!(i, AgentIdentity::PublicKey { .. }));
    // A certificate file whose key only the agent holds cannot be used: the agent signs
    // for what it holds, and russh cannot sign a certificate login through a plain key.
    for identity in &identities {
        let AgentIdentity::PublicKey { key, .. } = identity else {
            continue;
        };
        let held = |c: &user_cert::CertFile| {
            identities.iter().any(|i| {
                matches!(i, AgentIdentity::Certificate { certificate, .. }
                    if certificate.public_key() == c.cert.public_key())
            })
        };
        for c in user_cert::for_key(certs, key.key_data()).filter(|c| !held(c)) {
            tried.push(format!(
                "{} (ssh-agent holds its key but not the certificate: ssh-add KEY with \
                 KEY-cert.pub beside it to use both from the agent)",
                c.path.display()
            ));
        }
    }
    // IdentitiesOnly: only the agent keys whose public half sits beside an identity file.
    let listed: Vec<russh::keys::PublicKey> = if hop.identities_only {
        hop.identities
            .iter()
            .filter_map(|p| russh::keys::load_public_key(format!("{}.pub", p.display())).ok())
            .collect()
    } else {
        Vec::new()
    };
    for identity in identities {
        let key = match identity {
            AgentIdentity::PublicKey { key, .. } => key,
            // A certificate the agent holds (ssh-add adds KEY-cert.pub with KEY).
            AgentIdentity::Certificate { certificate, .. } => {
                let listed_key = listed
                    .iter()
                    .any(|l| l.key_data() == certificate.public_key());
                if hop.identities_only && !listed_key {
                    continue;
                }
                let hash = if certificate.algorithm().is_rsa() {
                    rsa.get(handle).await
                } else {
                    None
                };
                let diagnosis = user_cert::diagnose(&certificate, &hop.user, user_cert::now());
                let key_id = certificate.key_id().to_string();
                match handle
                    .authenticate_certificate_with(&hop.user, certificate, hash, &mut agent)
                    .await
                {
                    Ok(result) if result.success() => return Ok(true),
                    Ok(_) => tried.push(refused(
                        &format!("ssh-agent certificate {key_id:?}"),
                        diagnosis,
                    )),
                    Err(e) => {
                        tracing::debug!(hop = %hop, error = %e, "agent certificate signing failed")
                    }
                }
                continue;
            }
        };
        if hop.identities_only && !listed.iter().any(|l| l.key_data() == key.key_data()) {
            continue;
        }
        let hash = if key.algorithm().is_rsa() {
            rsa.get(handle).await
        } else {
            None
        };
        match handle
            .authenticate_publickey_with(&hop.user, key, hash, &mut agent)
            .await
        {
            Ok(result) if result.success() => return Ok(true),
            Ok(_) => {}
            Err(e) => tracing::debug!(hop = %hop, error = %e, "agent signing failed"),
        }
    }
    Ok(false)
}

/// `name (refused: why)`, or `name (refused)` when the client sees nothing wrong.
fn refused(name: &str, diagnosis: Option<String>) -> String {
    match diagnosis {
        Some(why) => format!("{name} (refused: {why})"),
        None => format!("{name} (refused)"),
    }
}

async fn key_auth(
    handle: &mut Handle<Verifier>,
    hop: &Hop,
    path: &Path,
    certs: &[user_cert::CertFile],
    rsa: &mut RsaHash,
    tried: &mut Vec<String>,
) -> Result<bool, String> {
    if !path.exists() {
        // Default identity names that do not exist are not worth a word.
        return Err(String::new());
    }
    let key = match russh::keys::load_secret_key(path, None) {
        Ok(key) => key,
        Err(russh::keys::Error::KeyIsEncrypted) => {
            return Err(format!(
                "{} is encrypted (add it to ssh-agent: fleetdeck does not ask for passphrases)",
                path.display()
            ));
        }
        Err(e) => return Err(format!("{} unreadable ({e})", path.display())),
    };
    let hash = if key.algorithm().is_rsa() {
        rsa.get(handle).await
    } else {
        None
    };
    let key = Arc::new(key);
    for c in user_cert::for_key(certs, key.public_key().key_data()) {
        if key.algorithm().is_rsa() {
            // russh signs a certificate login made from a key file with its default RSA
            // hash under the SHA-1 name, which OpenSSH 8.8+ refuses; through the agent
            // the negotiated hash is used (README.md "SSH certificates").
            tried.push(format!(
                "{} (RSA certificates are offered through ssh-agent only: ssh-add {})",
                c.path.display(),
                path.display()
            ));
            continue;
        }
        match handle
            .authenticate_openssh_cert(&hop.user, key.clone(), c.cert.clone())
            .await
        {
            Ok(result) if result.success() => return Ok(true),
            Ok(_) => {
                let why = user_cert::diagnose(&c.cert, &hop.user, user_cert::now());
                tried.push(refused(&c.path.display().to_string(), why));
            }
            Err(e) => tried.push(format!("{} failed ({e})", c.path.display())),
        }
    }
    let key = PrivateKeyWithHashAlg::new(key, hash);
    match handle.authenticate_publickey(&hop.user, key).await {
        Ok(result) => Ok(result.success()),
        Err(e) => Err(format!("{} failed ({e})", path.display())),
    }
}
