//! The two address forms a node carries: where its SSH server is, and where its Docker
//! engine is. Both are parsed here so a typo fails at load time, not at first connect.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How to reach a node's Docker Engine API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerEndpoint {
    /// The node's `docker_socket`, through its SSH connection.
    Ssh,
    Unix(PathBuf),
    /// Plain TCP, or TLS when the node has a `tls` table.
    Tcp {
        host: String,
        port: u16,
    },
    /// The node runs no Docker engine.
    None,
}

impl FromStr for DockerEndpoint {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        const EXPECTED: &str =
            "expected \"ssh\", \"none\", \"unix:///path/to/docker.sock\" or \"tcp://host:port\"";
        match raw {
            "ssh" => return Ok(DockerEndpoint::Ssh),
            "none" => return Ok(DockerEndpoint::None),
            _ => {}
        }
        if let Some(path) = raw.strip_prefix("unix://") {
            if !path.starts_with('/') {
                return Err(format!(
                    "{raw:?}: the socket path must be absolute (unix:///var/run/docker.sock)"
                ));
            }
            return Ok(DockerEndpoint::Unix(PathBuf::from(path)));
        }
        if let Some(rest) = raw.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = rest
                .rsplit_once(':')
                .ok_or_else(|| format!("{raw:?}: missing port, as in tcp://10.2.0.1:2376"))?;
            let port: u16 = port
                .parse()
                .map_err(|_| format!("{raw:?}: {port:?} is not a port number"))?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() || port == 0 {
                return Err(format!("{raw:?}: {EXPECTED}"));
            }
            return Ok(DockerEndpoint::Tcp {
                host: host.to_string(),
                port,
            });
        }
        Err(format!("{raw:?}: {EXPECTED}"))
    }
}

impl fmt::Display for DockerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DockerEndpoint::Ssh => f.write_str("ssh"),
            DockerEndpoint::None => f.write_str("none"),
            DockerEndpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            DockerEndpoint::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            DockerEndpoint::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

impl<'de> Deserialize<'de> for DockerEndpoint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for DockerEndpoint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A node's `ssh` value: `[user@]host[:port]`, where `host` may be an alias that the ssh
/// config resolves later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl FromStr for SshTarget {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.is_empty() {
            return Err("is empty".into());
        }
        if let Some(bad) = raw
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || "'\"`$;&|<>\\".contains(*c))
        {
            return Err(format!("{raw:?} contains {bad:?}"));
        }
        let (user, rest) = match raw.rsplit_once('@') {
            Some((user, rest)) if !user.is_empty() => (Some(user.to_string()), rest),
            Some(_) => return Err(format!("{raw:?} has an empty user before '@'")),
            None => (None, raw),
        };
        let (host, port) = split_host_port(rest).map_err(|e| format!("{raw:?}: {e}"))?;
        if host.is_empty() || host.starts_with('-') {
            return Err(format!("{raw:?} has no usable host name"));
        }
        Ok(SshTarget { user, host, port })
    }
}

fn split_host_port(rest: &str) -> Result<(String, Option<u16>), String> {
    if let Some(inner) = rest.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or("unclosed '[' around an IPv6 address")?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if after.is_empty() => None,
            None => return Err(format!("unexpected {after:?} after ']'")),
        };
        return Ok((host.to_string(), port));
    }
    match rest.split_once(':') {
        Some((host, port)) if !port.contains(':') => {
            Ok((host.to_string(), Some(parse_port(port)?)))
        }
        Some(_) => Err("write IPv6 addresses as [addr]:port".into()),
        None => Ok((rest.to_string(), None)),
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("{p:?} is not a port number")),
    }
}

impl fmt::Display for SshTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}
