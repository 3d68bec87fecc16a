//! Tunnel status, judged from both ends: is the port listening where it should, and is
//! the ssh/autossh process that carries it alive at its origin.

use std::collections::HashMap;

use serde::Serialize;

use super::forwards::forwards_port;
use super::model::{ForwardKind, SshForward};
use super::snapshot::{NodeSnapshot, NodeStatus};
use crate::config::{Config, TunnelConfig, TunnelKind, check::parse_endpoint};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelStatus {
    Up,
    Down,
    /// An end that decides it was not read (node down or not polled).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TunnelView {
    pub name: String,
    pub kind: ForwardKind,
    pub listen: String,
    pub target: String,
    pub status: TunnelStatus,
    /// Why, in a few words: "port 2201 listening on central, autossh 4242 on teemo".
    pub detail: String,
}

fn listening_on(snap: &NodeSnapshot, port: u16) -> bool {
    snap.listening.iter().any(|s| s.port == port)
}

fn process_on(snap: &NodeSnapshot, kind: ForwardKind, port: u16) -> Option<u32> {
    snap.ssh_processes
        .iter()
        .find(|p| forwards_port(p, kind, port))
        .map(|p| p.pid)
}

/// One end's verdict: `None` when that end was not read.
fn end<T>(snap: Option<&NodeSnapshot>, check: impl Fn(&NodeSnapshot) -> T) -> Option<T> {
    snap.filter(|s| s.status == NodeStatus::Up).map(check)
}

fn combine(
    listen: Option<bool>,
    origin: Option<Option<u32>>,
    port: u16,
    listen_node: &str,
    origin_node: &str,
) -> (TunnelStatus, String) {
    let listen_word = match listen {
        Some(true) => format!("port {port} listening on {listen_node}"),
        Some(false) => format!("nothing listens on port {port} on {listen_node}"),
        None => format!("{listen_node} not read"),
    };
    let origin_word = match origin {
        Some(Some(pid)) => format!("ssh process {pid} on {origin_node}"),
        Some(None) => format!("no ssh process forwards port {port} on {origin_node}"),
        None => format!("{origin_node} not read"),
    };
    let status = match (listen, origin) {
        (Some(false), _) | (_, Some(None)) => TunnelStatus::Down,
        (Some(true), Some(Some(_))) => TunnelStatus::Up,
        // One end confirmed and the other not readable: the port answering is what a
        // user of the tunnel sees, so it decides.
        (Some(true), None) => TunnelStatus::Up,
        _ => TunnelStatus::Unknown,
    };
    (status, format!("{listen_word}; {origin_word}"))
}

fn declared(t: &TunnelConfig, snaps: &HashMap<&str, &NodeSnapshot>) -> TunnelView {
    let port = parse_endpoint(&t.listen, false)
        .map(|(_, p)| p)
        .unwrap_or(0);
    let kind = match t.kind {
        TunnelKind::Local => ForwardKind::Local,
        TunnelKind::Remote => ForwardKind::Remote,
    };
    let origin_snap = snaps.get(t.node.as_str()).copied();
    // A remote forward listens at the far end (`via`); a local one on its own node.
    let listen_node = match kind {
        ForwardKind::Remote => t.via.as_deref(),
        ForwardKind::Local => Some(t.node.as_str()),
    };
    let listen = listen_node.and_then(|n| end(snaps.get(n).copied(), |s| listening_on(s, port)));
    let origin = end(origin_snap, |s| process_on(s, kind, port));
    let (status, detail) = match listen_node {
        Some(n) => combine(listen, origin, port, n, &t.node),
        // The far end is outside the fleet: only the origin can be checked.
        None => match origin {
            Some(Some(pid)) => (TunnelStatus::Up, format!("ssh process {pid} on {}", t.node)),
            Some(None) => (
                TunnelStatus::Down,
                format!("no ssh process forwards port {port} on {}", t.node),
            ),
            None => (TunnelStatus::Unknown, format!("{} not read", t.node)),
        },
    };
    TunnelView {
        name: t.name.clone(),
        kind,
        listen: t.listen.clone(),
        target: t.target.clone(),
        status,
        detail,
    }
}

fn from_ssh_config(node: &str, f: &SshForward, snap: &NodeSnapshot) -> TunnelView {
    let port = f.listen.port;
    let origin = end(Some(snap), |s| process_on(s, f.kind, port));
    let (status, detail) = match f.kind {
        ForwardKind::Local => combine(
            end(Some(snap), |s| listening_on(s, port)),
            origin,
            port,
            node,
            node,
        ),
        ForwardKind::Remote => match origin {
            Some(Some(pid)) => (TunnelStatus::Up, format!("ssh process {pid} on {node}")),
            Some(None) => (
                TunnelStatus::Down,
                format!("no ssh process forwards port {port} on {node}"),
            ),
            None => (TunnelStatus::Unknown, format!("{node} not read")),
        },
    };
    let listen = match &f.listen.host {
        Some(h) => format!("{h}:{port}"),
        None => port.to_string(),
    };
    TunnelView {
        name: format!(
            "{}:{}{port}",
            f.host_alias,
            if f.kind == ForwardKind::Local {
                "L"
            } else {
                "R"
            }
        ),
        kind: f.kind,
        listen,
        target: f
            .target
            .as_ref()
            .map(|t| format!("{}:{}", t.host, t.port))
            .unwrap_or_else(|| "dynamic".into()),
        status,
        detail,
    }
}

/// Every tunnel whose origin is `node`: declared in the config, then found in the node's
/// own ssh client config.
pub fn tunnels_of(
    config: &Config,
    node: &str,
    snaps: &HashMap<&str, &NodeSnapshot>,
) -> Vec<TunnelView> {
    let mut out: Vec<TunnelView> = config
        .tunnels
        .iter()
        .filter(|t| t.node == node)
        .map(|t| declared(t, snaps))
        .collect();
    if let Some(snap) = snaps.get(node) {
        out.extend(
            snap.ssh_forwards
                .iter()
                .map(|f| from_ssh_config(node, f, snap)),
        );
    }
    out
}

#[cfg(test)]
mod tests;
