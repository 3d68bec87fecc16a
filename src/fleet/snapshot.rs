//! One poll of one node: what it holds, or why it could not be read.

use serde::Serialize;

use super::model::{Bridge, Guest, ListeningSocket, NodeFacts, ProcessLine, SshForward};
use crate::fleet::docker::DockerFacts;
use crate::swarm::SwarmFacts;

/// What the node tasks (`collect::poller`) report; whoever holds the model applies them.
#[derive(Debug, Clone, PartialEq)]
pub enum PollEvent {
    /// A full poll of a node.
    Snapshot(Box<NodeSnapshot>),
    /// Only the node's containers and networks, re-read after an engine event.
    Docker { node: String, facts: DockerFacts },
    /// A poll of the node missed its deadline: what was known stays, marked stale.
    Missed { node: String, why: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeStatus {
    Up,
    Down,
    /// Not polled yet.
    Unknown,
}

impl NodeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeStatus::Up => "up",
            NodeStatus::Down => "down",
            NodeStatus::Unknown => "unknown",
        }
    }
}

/// A fact that could not be read on a node that is otherwise up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactError {
    pub fact: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeSnapshot {
    pub name: String,
    pub status: NodeStatus,
    /// Why the node is down.
    pub error: Option<String>,
    pub fact_errors: Vec<FactError>,
    /// The address fleetdeck reaches the node at (the ssh HostName), or `local`.
    pub address: Option<String>,
    pub facts: NodeFacts,
    pub guests: Vec<Guest>,
    /// `None` when the node has no Docker engine to ask.
    pub docker: Option<DockerFacts>,
    /// The swarm its engine is in (`None`: none, or no engine); see `swarm/`.
    pub swarm: Option<SwarmFacts>,
    pub bridges: Vec<Bridge>,
    pub listening: Vec<ListeningSocket>,
    pub ssh_processes: Vec<ProcessLine>,
    /// `LocalForward`/`RemoteForward` lines of the node's own ssh client config.
    pub ssh_forwards: Vec<SshForward>,
    /// Remarks for the details pane, e.g. Docker reached through dial-stdio.
    pub notes: Vec<String>,
    /// RFC 3339, when this poll finished.
    pub polled_at: String,
    /// When the node last answered (this poll if it is up).
    pub last_seen: Option<String>,
    pub took_ms: u64,
    /// Set when what this snapshot shows was read by an earlier poll: the latest poll
    /// missed its deadline, so the last-known data is kept rather than dropped.
    pub stale: Option<Stale>,
    /// RFC 3339: when the next connection attempt is due, while the node is backing off
    /// (the "next try in Ns" countdown is computed from it, never baked into `error`).
    pub retry_at: Option<String>,
}

/// Why a node's data is old, and when it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stale {
    pub why: String,
    /// RFC 3339; `None` when the node never answered.
    pub as_of: Option<String>,
}

impl NodeSnapshot {
    /// Why this poll brought nothing back in time, when it did: the poll missed its
    /// deadline (`collect::once::poll_one`) or the node's sshd accepted and stayed silent
    /// (`collect::node::down`). A caller that knows an older poll shows that instead.
    pub fn missed(&self) -> Option<&str> {
        let stale = self.stale.as_ref()?;
        (self.status == NodeStatus::Unknown && stale.as_of.is_none()).then_some(stale.why.as_str())
    }

    pub fn unknown(name: &str) -> NodeSnapshot {
        NodeSnapshot {
            name: name.to_string(),
            status: NodeStatus::Unknown,
            error: None,
            fact_errors: Vec::new(),
            address: None,
            facts: NodeFacts::default(),
            guests: Vec::new(),
            docker: None,
            swarm: None,
            bridges: Vec::new(),
            listening: Vec::new(),
            ssh_processes: Vec::new(),
            ssh_forwards: Vec::new(),
            notes: Vec::new(),
            polled_at: String::new(),
            last_seen: None,
            took_ms: 0,
            stale: None,
            retry_at: None,
        }
    }

    pub fn fact_error(&self, fact: &str) -> Option<&str> {
        self.fact_errors
            .iter()
            .find(|e| e.fact == fact)
            .map(|e| e.message.as_str())
    }
}
