//! Where a node's SSH server is and how to get there: the node's `ssh` value resolved
//! through the OpenSSH client config (HostName, User, Port, IdentityFile, ProxyJump,
//! UserKnownHostsFile, Include, host patterns), and the config's `jump` chain.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ssh2_config::{ParseRule, SshConfig as OpenSshConfig};

use crate::config::{Config, NodeConfig, SshTarget};

/// One SSH server to log in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// What the user wrote (alias or address), for messages.
    pub label: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub identities: Vec<PathBuf>,
}

impl std::fmt::Display for Hop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}:{}", self.user, self.host, self.port)
    }
}

/// The full way to a node: jump hosts in order, then the node itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub jumps: Vec<Hop>,
    pub target: Hop,
    pub known_hosts: Vec<PathBuf>,
    /// The ssh-agent socket: `IdentityAgent` of the ssh config, else `SSH_AUTH_SOCK`.
    pub agent: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub keepalive: Duration,
}

impl Route {
    pub fn describe(&self) -> String {
        let mut out = self.target.to_string();
        if !self.jumps.is_empty() {
            let via: Vec<String> = self.jumps.iter().map(ToString::to_string).collect();
            out.push_str(&format!(" via {}", via.join(" -> ")));
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("node {node}: {message}")]
    Invalid { node: String, message: String },
    #[error("cannot read ssh config {}: {message}", path.display())]
    SshConfig { path: PathBuf, message: String },
}

/// The user's OpenSSH client config, parsed once (Include and `Key=Value` forms handled
/// by ssh2-config). A missing file is an empty config.
pub struct ClientConfig {
    parsed: OpenSshConfig,
    home: Option<PathBuf>,
}

impl ClientConfig {
    pub fn load(path: Option<&Path>) -> Result<ClientConfig, TargetError> {
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
        let path = match path {
            Some(p) => Some(p.to_path_buf()),
            None => home.as_ref().map(|h| h.join(".ssh/config")),
        };
        let mut parsed = OpenSshConfig::default();
        if let Some(home) = &home {
            parsed = parsed.home_dir(home);
        }
        if let Some(path) = path.filter(|p| p.exists()) {
            let file = std::fs::File::open(&path).map_err(|e| TargetError::SshConfig {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let mut reader = std::io::BufReader::new(file);
            parsed = parsed
                .parse(
                    &mut reader,
                    ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS,
                )
                .map_err(|e| TargetError::SshConfig {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
        }
        Ok(ClientConfig { parsed, home })
    }

    pub fn from_text(text: &str) -> Result<ClientConfig, TargetError> {
        let parsed = OpenSshConfig::default()
            .home_dir("/nonexistent-home")
            .parse(
                &mut text.as_bytes(),
                ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS,
            )
            .map_err(|e| TargetError::SshConfig {
                path: PathBuf::from("<text>"),
                message: e.to_string(),
            })?;
        Ok(ClientConfig { parsed, home: None })
    }

    fn unsupported(&self, alias: &str, key: &str) -> Option<Vec<String>> {
        self.parsed
            .query(alias)
            .unsupported_fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    }
}

/// Resolve one `[user@]host[:port]` (or alias) through the client config. Explicit user
/// and port win over the config, as with `ssh -p`.
fn resolve_hop(
    label: &str,
    client: &ClientConfig,
    extra_identities: &[PathBuf],
) -> Result<(Hop, Vec<String>), String> {
    let target: SshTarget = label.parse()?;
    let params = client.parsed.query(&target.host);
    let user = target
        .user
        .clone()
        .or(params.user.clone())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "root".into());
    let mut identities: Vec<PathBuf> = params.identity_file.clone().unwrap_or_default();
    for extra in extra_identities {
        if !identities.contains(extra) {
            identities.push(extra.clone());
        }
    }
    if identities.is_empty()
        && let Some(home) = &client.home
    {
        for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
            identities.push(home.join(".ssh").join(name));
        }
    }
    let hop = Hop {
        label: label.to_string(),
        host: params
            .host_name
            .clone()
            .unwrap_or_else(|| target.host.clone()),
        port: target.port.or(params.port).unwrap_or(22),
        user,
        identities,
    };
    let jumps = params
        .proxy_jump
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|j| !j.eq_ignore_ascii_case("none"))
        .collect();
    Ok((hop, jumps))
}

/// The route to `node`: the config's `jump` chain if set, else the ssh config's ProxyJump.
pub fn route_for(
    config: &Config,
    node: &NodeConfig,
    client: &ClientConfig,
) -> Result<Route, TargetError> {
    let invalid = |message: String| TargetError::Invalid {
        node: node.name.clone(),
        message,
    };
    let ssh = node
        .ssh
        .as_deref()
        .ok_or_else(|| invalid("is local; it has no ssh target".into()))?;
    let extra = &config.ssh.identities;
    let (target, proxy_jumps) = resolve_hop(ssh, client, extra).map_err(&invalid)?;
    let mut jumps = Vec::new();
    if node.jump.is_some() {
        // Walk the config's jump chain outward, then reverse it: first hop first.
        let mut hop = node.jump.as_deref();
        let mut seen = vec![node.name.as_str()];
        while let Some(name) = hop {
            if seen.contains(&name) {
                return Err(invalid(format!("jump chain loops at {name}")));
            }
            seen.push(name);
            let jump_node = config
                .node(name)
                .ok_or_else(|| invalid(format!("jump names no node {name:?}")))?;
            let jump_ssh = jump_node
                .ssh
                .as_deref()
                .ok_or_else(|| invalid(format!("jump host {name} has no ssh target")))?;
            let (jump_hop, _) = resolve_hop(jump_ssh, client, extra).map_err(&invalid)?;
            jumps.push(jump_hop);
            hop = jump_node.jump.as_deref();
        }
        jumps.reverse();
    } else {
        for label in proxy_jumps {
            let (jump_hop, _) = resolve_hop(&label, client, extra).map_err(&invalid)?;
            jumps.push(jump_hop);
        }
    }
    let mut known_hosts = Vec::new();
    if let Some(home) = &client.home {
        known_hosts.push(home.join(".ssh/known_hosts"));
    }
    if let Some(files) = client.unsupported(alias_of(ssh), "UserKnownHostsFile") {
        for f in files {
            let path = expand_home(&f, client.home.as_deref());
            if !known_hosts.contains(&path) {
                known_hosts.push(path);
            }
        }
    }
    if let Some(extra) = &config.ssh.known_hosts {
        known_hosts.push(extra.clone());
    }
    let alias = node.ssh.as_deref().map(alias_of).unwrap_or_default();
    let agent = match client
        .unsupported(alias, "IdentityAgent")
        .and_then(|v| v.into_iter().next())
    {
        Some(none) if none.eq_ignore_ascii_case("none") => None,
        Some(path) if path != "SSH_AUTH_SOCK" => Some(expand_home(&path, client.home.as_deref())),
        _ => std::env::var_os("SSH_AUTH_SOCK")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from),
    };
    Ok(Route {
        jumps,
        target,
        known_hosts,
        agent,
        connect_timeout: Duration::from_secs(config.ssh.connect_timeout_secs),
        keepalive: Duration::from_secs(config.ssh.keepalive_secs.max(1)),
    })
}

fn alias_of(ssh: &str) -> &str {
    let after_user = ssh.rsplit_once('@').map_or(ssh, |(_, h)| h);
    after_user.split(':').next().unwrap_or(after_user)
}

fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests;
