//! Docker Swarm, as the engines report it (ARCHITECTURE.md, `swarm/`). Every node's
//! engine says whether it is in a swarm (`/info`); only a manager can say what the
//! cluster holds (nodes, services, tasks), so only managers are asked for that.
//!
//! `collect` does the I/O (through the Docker chokepoint, GETs only), `map` turns the
//! engine's documents into these types, `tree` joins the swarms with the fleet for
//! `tree --json` and the console. Both are pure.

pub mod collect;
pub mod map;
pub mod ports;
pub mod tree;

use serde::Serialize;

/// What one node's engine says about the swarm it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmFacts {
    /// The cluster's id (`Swarm.Cluster.ID`); empty on a worker, whose `/info` does not
    /// carry it: a worker is tied to its swarm through its node id.
    pub cluster_id: String,
    /// This engine's node id in the swarm.
    pub node_id: String,
    /// The address the node advertises to the swarm (`Swarm.NodeAddr`).
    pub node_addr: String,
    /// The engine is a manager (`Swarm.ControlAvailable`).
    pub manager: bool,
    /// The managers this node knows (`host:port`), sorted: what ties a worker to its
    /// swarm when no manager answered.
    pub remote_managers: Vec<String>,
    /// What a manager knows of the whole cluster; `None` on a worker, or when the
    /// manager could not answer (`cluster_error`).
    pub cluster: Option<ClusterState>,
    /// Why a manager's cluster state is missing (e.g. the swarm lost its quorum).
    pub cluster_error: Option<String>,
}

/// A manager's view of the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClusterState {
    /// The swarm's own name (`Spec.Name`, `default` unless set).
    pub spec_name: String,
    pub nodes: Vec<SwarmNode>,
    pub services: Vec<SwarmService>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmNode {
    pub id: String,
    pub hostname: String,
    /// The address the node reaches the swarm from: what maps it to a fleetdeck node.
    pub address: String,
    /// `manager` or `worker`.
    pub role: String,
    /// `active`, `pause` or `drain`.
    pub availability: String,
    /// `ready`, `down`, `disconnected` or `unknown`.
    pub status: String,
    pub leader: bool,
    /// A manager's raft reachability (`reachable`, `unreachable`, `unknown`).
    pub reachability: Option<String>,
    pub engine_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmService {
    pub id: String,
    pub name: String,
    /// `replicated`, `global`, `replicated-job` or `global-job`.
    pub mode: String,
    pub running: u64,
    pub desired: u64,
    pub image: String,
    /// `published:target/protocol (mode)`, e.g. `20001:80/tcp (host)`.
    pub ports: Vec<String>,
    /// A rolling update's state (`updating`, `completed`, `rollback_completed`…).
    pub update_state: Option<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    /// The tasks the orchestrator still wants (history left out), by slot then node.
    pub tasks: Vec<SwarmTask>,
    /// The newest tasks of the history that failed with an error (at most
    /// [`map::FAILED_KEPT`], newest first): where the engine says why a replaced task
    /// could not run, e.g. its port held on its node. Not in `tree --json`.
    #[serde(skip)]
    pub failed: Vec<SwarmTask>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmTask {
    pub id: String,
    /// The replica number; `None` for a global service's task (one per node).
    pub slot: Option<i64>,
    /// The swarm node it is assigned to, once assigned.
    pub node_id: Option<String>,
    /// Where it is (`running`, `pending`, `rejected`…).
    pub state: String,
    /// Where the orchestrator wants it (`running`, `ready`, `shutdown`…).
    pub desired_state: String,
    pub error: Option<String>,
    /// RFC 3339, when the task was created.
    pub created_at: Option<String>,
}
