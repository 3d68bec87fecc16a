//! Where a node's SSH server is and how to get there: the node's `ssh` value resolved
//! through the OpenSSH client config by the one resolver (`sshcfg`, README.md "How
//! fleetdeck reads your ssh_config"), and the config's `jump` chain.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, NodeConfig, SshTarget};
use crate::sshcfg::{self, Destination, Resolved, Resolver};

/// One SSH server to log in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// What the user wrote (alias or address), for messages.
    pub label: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub identities: Vec<PathBuf>,
    /// `IdentitiesOnly yes`: the agent's keys are offered only when listed as files.
    pub identities_only: bool,
    pub certificates: Vec<PathBuf>,
    /// The files trusted for this hop's host key: its UserKnownHostsFile (which
    /// replaces `~/.ssh/known_hosts` as it does for ssh), GlobalKnownHostsFile, then
    /// `[ssh] known_hosts`.
    pub known_hosts: Vec<PathBuf>,
    /// The name looked up in known_hosts (HostKeyAlias, else `host` or `[host]:port`).
    pub host_key_name: String,
    /// HostKeyAlias, lowercased as ssh uses it.
    pub host_key_alias: Option<String>,
    /// HostKeyAlgorithms of the ssh config, when it sets one.
    pub host_key_algorithms: Option<String>,
    /// CASignatureAlgorithms: what a host certificate's CA may have signed with.
    pub ca_signature_algorithms: Vec<String>,
    /// RevokedHostKeys, expanded: keys and certificates refused for this hop.
    pub revoked_host_keys: Option<PathBuf>,
}

impl Hop {
    /// A hop to `host:port` trusting `known_hosts`, without anything from an ssh
    /// config (tests, benchmarks).
    pub fn new(
        label: &str,
        host: &str,
        port: u16,
        user: &str,
        identities: Vec<PathBuf>,
        known_hosts: Vec<PathBuf>,
    ) -> Hop {
        Hop {
            label: label.to_string(),
            host: host.to_string(),
            port,
            user: user.to_string(),
            identities,
            identities_only: false,
            certificates: Vec::new(),
            known_hosts,
            host_key_name: super::known_hosts::host_key_name(host, port),
            host_key_alias: None,
            host_key_algorithms: None,
            ca_signature_algorithms: crate::sshcfg::algorithms::CA_SIGNATURE_DEFAULT
                .iter()
                .map(|a| a.to_string())
                .collect(),
            revoked_host_keys: None,
        }
    }
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
    /// The ProxyCommand that carries the first hop (tokens expanded), instead of TCP.
    pub proxy_command: Option<String>,
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
        if let Some(cmd) = &self.proxy_command {
            out.push_str(&format!(" over ProxyCommand {cmd:?}"));
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("node {node}: {message}")]
    Invalid { node: String, message: String },
    #[error(transparent)]
    SshConfig(#[from] sshcfg::ResolveError),
}

/// The user's OpenSSH client config, read once: `[ssh] config` alone when set (as
/// `ssh -F`), else `~/.ssh/config` then `/etc/ssh/ssh_config`.
pub struct ClientConfig {
    pub resolver: Resolver,
}

impl ClientConfig {
    pub fn load(path: Option<&Path>) -> Result<ClientConfig, TargetError> {
        let local = sshcfg::Local::from_process();
        let sources = match path {
            Some(p) => sshcfg::Sources::Only(p.to_path_buf()),
            None => local.default_sources(),
        };
        let resolver = Resolver::load(&sshcfg::RealFiles, &sources, local)?;
        Ok(ClientConfig { resolver })
    }

    /// One config text and a fixed local side (unit tests).
    pub fn from_text(text: &str) -> Result<ClientConfig, TargetError> {
        let local = sshcfg::Local {
            user: "me".into(),
            uid: 1000,
            home: PathBuf::from("/home/me"),
            hostname: "bastion.example".into(),
            vars: Default::default(),
        };
        let loaded = sshcfg::Loaded::from_text(Path::new("<text>"), text)?;
        Ok(ClientConfig {
            resolver: Resolver {
                loaded,
                local,
                exec: sshcfg::ExecPolicy::Refuse,
            },
        })
    }

    /// `[user@]host[:port]` (or alias) as ssh resolves it; explicit user and port win
    /// over the config, as with `ssh -l` and `-p`.
    pub fn resolve(&self, label: &str) -> Result<Resolved, String> {
        let target: SshTarget = label.parse()?;
        self.resolver
            .resolve(&Destination {
                host: target.host,
                user: target.user,
                port: target.port,
                jump: None,
            })
            .map_err(|e| e.to_string())
    }
}

/// A resolved destination as a hop to log in to.
fn hop_of(label: &str, r: &Resolved, config: &Config) -> Result<Hop, String> {
    let mut identities = r.identity_paths().map_err(|e| e.to_string())?;
    for extra in &config.ssh.identities {
        if !identities.contains(extra) {
            identities.push(extra.clone());
        }
    }
    let mut known_hosts = r.known_hosts_paths();
    if let Some(extra) = &config.ssh.known_hosts
        && !known_hosts.contains(extra)
    {
        known_hosts.push(extra.clone());
    }
    Ok(Hop {
        label: label.to_string(),
        host: r.hostname.clone(),
        port: r.port,
        user: r.user.clone(),
        identities,
        identities_only: r.identities_only,
        certificates: r.certificate_paths().map_err(|e| e.to_string())?,
        known_hosts,
        host_key_name: r.known_hosts_name(),
        host_key_alias: r.host_key_alias.clone(),
        host_key_algorithms: r.host_key_algorithms.clone(),
        ca_signature_algorithms: r.ca_signature_algorithms.clone(),
        revoked_host_keys: r.revoked_path().map_err(|e| e.to_string())?,
    })
}

/// The route to `node`: the config's `jump` chain if set, else the ssh config's
/// ProxyJump (each hop resolved again) or ProxyCommand.
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
    let resolved = client.resolve(ssh).map_err(&invalid)?;
    let target = hop_of(ssh, &resolved, config).map_err(&invalid)?;
    let mut jumps = Vec::new();
    let first: Resolved;
    if node.jump.is_some() {
        // Walk the config's jump chain outward, then reverse it: first hop first.
        let mut hop = node.jump.as_deref();
        let mut seen = vec![node.name.as_str()];
        let mut outermost = resolved.clone();
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
            let r = client.resolve(jump_ssh).map_err(&invalid)?;
            jumps.push(hop_of(jump_ssh, &r, config).map_err(&invalid)?);
            outermost = r;
            hop = jump_node.jump.as_deref();
        }
        jumps.reverse();
        first = outermost;
    } else {
        let chain = client.resolver.jumps(&resolved)?;
        for r in &chain {
            let label = r.host_arg.clone();
            jumps.push(hop_of(&label, r, config).map_err(&invalid)?);
        }
        first = chain.into_iter().next().unwrap_or_else(|| resolved.clone());
    }
    let proxy_command = first.proxy_command_line()?;
    let agent = match resolved.identity_agent.as_deref() {
        Some(none) if none.eq_ignore_ascii_case("none") => None,
        Some(path) if path != "SSH_AUTH_SOCK" => Some(PathBuf::from(resolved.expand(path)?)),
        _ => std::env::var_os("SSH_AUTH_SOCK")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from),
    };
    // A shorter ConnectTimeout or ServerAliveInterval of the ssh config is honoured;
    // fleetdeck's own values stay the upper bound (README.md, ssh_config section).
    let connect = resolved
        .connect_timeout
        .filter(|&s| s > 0)
        .map_or(config.ssh.connect_timeout_secs, |s| {
            s.min(config.ssh.connect_timeout_secs)
        });
    let keepalive = match resolved.server_alive_interval {
        0 => config.ssh.keepalive_secs,
        s => s.min(config.ssh.keepalive_secs),
    };
    Ok(Route {
        jumps,
        target,
        proxy_command,
        agent,
        connect_timeout: Duration::from_secs(connect.clamp(1, 600)),
        keepalive: Duration::from_secs(keepalive.clamp(1, 3600)),
    })
}

#[cfg(test)]
mod tests;
