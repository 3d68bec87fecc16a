//! Logging in: the ssh-agent first (`SSH_AUTH_SOCK`), then identity files. An encrypted
//! key is reported as such: fleetdeck never prompts for a passphrase, the agent does.

use std::path::Path;
use std::sync::Arc;

use russh::client::Handle;
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg};

use super::error::SshError;
use super::target::Hop;
use super::verifier::Verifier;

pub async fn authenticate(
    handle: &mut Handle<Verifier>,
    hop: &Hop,
    agent: Option<&Path>,
) -> Result<(), SshError> {
    let mut tried: Vec<String> = Vec::new();
    let mut rsa = RsaHash::NotAsked;
    match agent_auth(handle, hop, agent, &mut rsa).await {
        Ok(true) => return Ok(()),
        Ok(false) => tried.push("ssh-agent keys".into()),
        Err(note) => tried.push(note),
    }
    for path in &hop.identities {
        match key_auth(handle, hop, path, &mut rsa).await {
            Ok(true) => return Ok(()),
            Ok(false) => tried.push(format!("{} (refused)", path.display())),
            Err(note) => {
                if !note.is_empty() {
                    tried.push(note);
                }
            }
        }
    }
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
    rsa: &mut RsaHash,
) -> Result<bool, String> {
    let Some(socket) = socket else {
        return Err("no ssh-agent (SSH_AUTH_SOCK unset)".into());
    };
    let mut agent = AgentClient::connect_uds(socket)
        .await
        .map_err(|e| format!("ssh-agent unreachable ({e})"))?;
    let identities = agent
        .request_identities()
        .await
        .map_err(|e| format!("ssh-agent did not list keys ({e})"))?;
    if identities.is_empty() {
        return Err("ssh-agent holds no keys".into());
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
        let AgentIdentity::PublicKey { key, .. } = identity else {
            continue;
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

async fn key_auth(
    handle: &mut Handle<Verifier>,
    hop: &Hop,
    path: &Path,
    rsa: &mut RsaHash,
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
    let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
    match handle.authenticate_publickey(&hop.user, key).await {
        Ok(result) => Ok(result.success()),
        Err(e) => Err(format!("{} failed ({e})", path.display())),
    }
}
