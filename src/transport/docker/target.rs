//! Where a node's engine is: from the node's configuration, or for this machine from the
//! docker CLI's environment variables.

use std::path::PathBuf;
use std::sync::Arc;

use super::DockerTarget;
use super::error::DockerError;
use crate::config::{DEFAULT_DOCKER_SOCKET, DockerEndpoint, NodeConfig};
use crate::transport::Dialer;

/// The engine of this machine as the docker CLI finds it: `DOCKER_HOST` (unset or empty:
/// `unix:///var/run/docker.sock`); for `tcp://`, TLS when `DOCKER_TLS_VERIFY` (or
/// `DOCKER_TLS`) is set and non-empty, with `ca.pem`, `cert.pem` and `key.pem` from
/// `DOCKER_CERT_PATH` (default `~/.docker`). Unlike the CLI, `DOCKER_TLS` alone does not
/// skip verifying the engine: fleetdeck always verifies. `vars` reads a variable (e.g.
/// `|k| std::env::var(k).ok()`).
pub fn local_target_from_env(
    vars: impl Fn(&str) -> Option<String>,
) -> Result<DockerTarget, DockerError> {
    local_target(&vars, &|path| std::fs::read_to_string(path).ok())
}

/// [`local_target_from_env`] with the files read by `read`: without `DOCKER_HOST`, the
/// docker CLI's current context (`DOCKER_CONTEXT`, else its config file; see
/// `context.rs`), else the default socket.
pub fn local_target(
    vars: &dyn Fn(&str) -> Option<String>,
    read: &dyn Fn(&std::path::Path) -> Option<String>,
) -> Result<DockerTarget, DockerError> {
    let set = |name: &str| vars(name).filter(|v| !v.is_empty());
    if set("DOCKER_HOST").is_none()
        && let Some(chosen) = super::context::chosen(&set, read)
    {
        return super::context::target(&chosen, &set, read);
    }
    from_docker_host(&set)
}

/// The engine `DOCKER_HOST` and the TLS variables name (the default socket when unset).
pub(super) fn from_docker_host(
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<DockerTarget, DockerError> {
    let set = |name: &str| vars(name).filter(|v| !v.is_empty());
    let Some(host) = set("DOCKER_HOST") else {
        return Ok(DockerTarget::Unix(PathBuf::from(DEFAULT_DOCKER_SOCKET)));
    };
    let bad = |reason: &str| DockerError::Environment {
        variable: "DOCKER_HOST",
        value: host.clone(),
        reason: reason.to_string(),
    };
    if let Some(path) = host.strip_prefix("unix://") {
        if !path.starts_with('/') {
            return Err(bad(
                "the socket path must be absolute, as in unix:///var/run/docker.sock",
            ));
        }
        return Ok(DockerTarget::Unix(PathBuf::from(path)));
    }
    if host.starts_with("ssh://") {
        return Err(bad(
            "ssh:// is not used for the local node: declare a [[node]] with ssh = \"user@host\" and docker = \"ssh\"",
        ));
    }
    let Some(rest) = host.strip_prefix("tcp://") else {
        return Err(bad(
            "expected unix:///path/to/docker.sock or tcp://host:port",
        ));
    };
    let tls = set("DOCKER_TLS_VERIFY").is_some() || set("DOCKER_TLS").is_some();
    let default_port = if tls { 2376 } else { 2375 };
    let (host_part, port) =
        split_host_port(rest.trim_end_matches('/'), default_port).map_err(|reason| bad(&reason))?;
    if !tls {
        return Ok(DockerTarget::Tcp {
            host: host_part,
            port,
        });
    }
    let dir = match set("DOCKER_CERT_PATH") {
        Some(dir) => PathBuf::from(dir),
        None => match set("HOME") {
            Some(home) => PathBuf::from(home).join(".docker"),
            None => {
                return Err(DockerError::Environment {
                    variable: "DOCKER_CERT_PATH",
                    value: String::new(),
                    reason: "unset, and HOME is unset too, so ~/.docker cannot be found".into(),
                });
            }
        },
    };
    Ok(DockerTarget::Tls {
        host: host_part,
        port,
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    })
}

/// `host[:port]` or `[v6]:port`, with the docker CLI's default port when none is given.
fn split_host_port(text: &str, default_port: u16) -> Result<(String, u16), String> {
    let port_of = |p: &str| match p.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("{p:?} is not a port number")),
    };
    let (host, port) = if let Some(inner) = text.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or("unclosed '[' around an IPv6 address")?;
        match after.strip_prefix(':') {
            Some(p) => (host, port_of(p)?),
            None if after.is_empty() => (host, default_port),
            None => return Err(format!("unexpected {after:?} after ']'")),
        }
    } else {
        match text.split_once(':') {
            Some((host, p)) => (host, port_of(p)?),
            None => (text, default_port),
        }
    };
    if host.is_empty() || host.contains(['/', '@', '?', '#']) {
        return Err("expected tcp://host:port".into());
    }
    Ok((host.to_string(), port))
}

/// The engine of a configured node. `docker = "ssh"` needs `ssh_dialer`: a stream to the
/// node's `docker_socket` through its SSH connection.
pub fn target_for_node(
    node: &NodeConfig,
    ssh_dialer: Option<Arc<dyn Dialer>>,
) -> Result<DockerTarget, DockerError> {
    match node.docker_endpoint() {
        DockerEndpoint::None => Err(DockerError::NoEngine {
            node: node.name.clone(),
        }),
        DockerEndpoint::Unix(path) => Ok(DockerTarget::Unix(path)),
        DockerEndpoint::Tcp { host, port } => Ok(match &node.tls {
            Some(tls) => DockerTarget::Tls {
                host,
                port,
                ca: tls.ca.clone(),
                cert: tls.cert.clone(),
                key: tls.key.clone(),
            },
            None => DockerTarget::Tcp { host, port },
        }),
        DockerEndpoint::Ssh => {
            ssh_dialer
                .map(DockerTarget::Dialer)
                .ok_or_else(|| DockerError::NoSshDialer {
                    node: node.name.clone(),
                })
        }
    }
}
