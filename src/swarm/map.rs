//! The engine's swarm documents (`/info`'s `Swarm`, `/nodes`, `/services?status=true`,
//! `/tasks`) → the types of `swarm/mod.rs`. Pure; the fixtures in
//! `tests/fixtures/swarm/` are what the lab's real engines answered.

use std::collections::HashMap;

use bollard::models::{Node, Service, Task, TaskState};
use serde::Deserialize;

use super::{ClusterState, SwarmFacts, SwarmNode, SwarmService, SwarmTask};

/// The part of `/info` read here. Decoded by its own small type, not bollard's
/// `SystemInfo`: the rest of `/info` varies between engine versions and is not needed.
#[derive(Debug, Default, Deserialize)]
pub struct Info {
    #[serde(rename = "Swarm", default)]
    pub swarm: Option<InfoSwarm>,
}

#[derive(Debug, Default, Deserialize)]
pub struct InfoSwarm {
    #[serde(rename = "NodeID", default)]
    pub node_id: String,
    #[serde(rename = "NodeAddr", default)]
    pub node_addr: String,
    /// `inactive`, `pending`, `active`, `error` or `locked`.
    #[serde(rename = "LocalNodeState", default)]
    pub local_node_state: String,
    #[serde(rename = "ControlAvailable", default)]
    pub control_available: bool,
    #[serde(rename = "RemoteManagers", default)]
    pub remote_managers: Option<Vec<Peer>>,
    #[serde(rename = "Cluster", default)]
    pub cluster: Option<InfoCluster>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Peer {
    #[serde(rename = "Addr", default)]
    pub addr: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct InfoCluster {
    #[serde(rename = "ID", default)]
    pub id: String,
    #[serde(rename = "Spec", default)]
    pub spec: Option<InfoClusterSpec>,
}

#[derive(Debug, Default, Deserialize)]
pub struct InfoClusterSpec {
    #[serde(rename = "Name", default)]
    pub name: String,
}

/// The node's place in a swarm, when its engine is an active member; `None` otherwise
/// (not in a swarm, still joining, locked or in error: nothing to show yet).
pub fn facts_from_info(info: &Info) -> Option<SwarmFacts> {
    let swarm = info.swarm.as_ref()?;
    if swarm.local_node_state != "active" {
        return None;
    }
    let mut remote_managers: Vec<String> = swarm
        .remote_managers
        .iter()
        .flatten()
        .map(|p| p.addr.clone())
        .collect();
    remote_managers.sort();
    Some(SwarmFacts {
        cluster_id: swarm
            .cluster
            .as_ref()
            .map(|c| c.id.clone())
            .unwrap_or_default(),
        node_id: swarm.node_id.clone(),
        node_addr: swarm.node_addr.clone(),
        manager: swarm.control_available,
        remote_managers,
        cluster: None,
        cluster_error: None,
    })
}

/// The swarm's own name from a manager's `/info` (`default` unless it was set).
pub fn spec_name(info: &Info) -> String {
    info.swarm
        .as_ref()
        .and_then(|s| s.cluster.as_ref())
        .and_then(|c| c.spec.as_ref())
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

/// Nodes sorted by hostname then id.
pub fn nodes(listed: Vec<Node>) -> Vec<SwarmNode> {
    let mut out: Vec<SwarmNode> = listed.into_iter().map(node).collect();
    out.sort_by(|a, b| (&a.hostname, &a.id).cmp(&(&b.hostname, &b.id)));
    out
}

fn node(n: Node) -> SwarmNode {
    let spec = n.spec.unwrap_or_default();
    let status = n.status.unwrap_or_default();
    let manager = n.manager_status;
    let mut address = status.addr.unwrap_or_default();
    // A manager listening on every interface may report 0.0.0.0 as its status address;
    // its raft address (`ManagerStatus.Addr`, host:port) is then the real one.
    if (address.is_empty() || address == "0.0.0.0")
        && let Some(raft) = manager.as_ref().and_then(|m| m.addr.as_deref())
    {
        address = host_of(raft).to_string();
    }
    let description = n.description.unwrap_or_default();
    SwarmNode {
        id: n.id.unwrap_or_default(),
        hostname: description.hostname.unwrap_or_default(),
        address,
        role: spec.role.map(|r| r.to_string()).unwrap_or_default(),
        availability: spec.availability.map(|a| a.to_string()).unwrap_or_default(),
        status: status
            .state
            .map_or_else(|| "unknown".to_string(), |s| s.to_string()),
        leader: manager.as_ref().and_then(|m| m.leader).unwrap_or(false),
        reachability: manager
            .as_ref()
            .and_then(|m| m.reachability.as_ref())
            .map(|r| r.to_string()),
        engine_version: description.engine.and_then(|e| e.engine_version),
    }
}

/// `10.79.0.1:2377` → `10.79.0.1`; `[fd00::1]:2377` → `fd00::1`.
pub fn host_of(addr: &str) -> &str {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

/// Services sorted by name, each with its current tasks.
pub fn services(listed: Vec<Service>, tasks: Vec<Task>) -> Vec<SwarmService> {
    let mut by_service: HashMap<String, Vec<SwarmTask>> = HashMap::new();
    let mut failed: HashMap<String, Vec<SwarmTask>> = HashMap::new();
    for t in tasks {
        let service = t.service_id.clone().unwrap_or_default();
        if is_current(&t) {
            by_service.entry(service).or_default().push(task(t));
        } else if t
            .status
            .as_ref()
            .and_then(|s| s.err.as_deref())
            .is_some_and(|e| !e.is_empty())
        {
            failed.entry(service).or_default().push(task(t));
        }
    }
    let mut out: Vec<SwarmService> = listed
        .into_iter()
        .map(|s| {
            let id = s.id.clone().unwrap_or_default();
            let mut tasks = by_service.remove(&id).unwrap_or_default();
            tasks.sort_by(|a, b| {
                (a.slot, &a.node_id, &a.created_at).cmp(&(b.slot, &b.node_id, &b.created_at))
            });
            let mut failed = failed.remove(&id).unwrap_or_default();
            failed.sort_by(|a, b| b.created_at.cmp(&a.created_at));
            failed.truncate(FAILED_KEPT);
            SwarmService {
                failed,
                ..service(s, tasks)
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// How many failed tasks of its history a service keeps (`SwarmService::failed`).
pub const FAILED_KEPT: usize = 5;

/// A task the orchestrator still wants: not one it is shutting down or removing (the
/// history the engine keeps, `TaskHistoryRetentionLimit` per slot).
fn is_current(t: &Task) -> bool {
    !matches!(
        t.desired_state,
        Some(TaskState::SHUTDOWN | TaskState::REMOVE | TaskState::COMPLETE)
    )
}

/// One task as the types of `swarm/mod.rs` hold it (history included: the caller filters).
pub fn task(t: Task) -> SwarmTask {
    let status = t.status.unwrap_or_default();
    SwarmTask {
        id: t.id.unwrap_or_default(),
        slot: t.slot,
        node_id: t.node_id.filter(|n| !n.is_empty()),
        state: status.state.map(|s| s.to_string()).unwrap_or_default(),
        desired_state: t.desired_state.map(|s| s.to_string()).unwrap_or_default(),
        error: status.err.filter(|e| !e.is_empty()),
        created_at: t.created_at,
    }
}

fn service(s: Service, tasks: Vec<SwarmTask>) -> SwarmService {
    let spec = s.spec.unwrap_or_default();
    let mode = spec.mode.as_ref().map_or("replicated", |m| {
        if m.global.is_some() {
            "global"
        } else if m.replicated_job.is_some() {
            "replicated-job"
        } else if m.global_job.is_some() {
            "global-job"
        } else {
            "replicated"
        }
    });
    let status = s.service_status.unwrap_or_default();
    let image = spec
        .task_template
        .and_then(|t| t.container_spec)
        .and_then(|c| c.image)
        .unwrap_or_default();
    let ports = s
        .endpoint
        .and_then(|e| e.ports)
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let protocol = p.protocol.map_or_else(|| "tcp".into(), |x| x.to_string());
            let mode = p
                .publish_mode
                .map_or_else(|| "ingress".into(), |x| x.to_string());
            format!(
                "{}:{}/{protocol} ({mode})",
                p.published_port.unwrap_or(0),
                p.target_port.unwrap_or(0)
            )
        })
        .collect();
    SwarmService {
        id: s.id.unwrap_or_default(),
        name: spec.name.unwrap_or_default(),
        mode: mode.to_string(),
        running: status.running_tasks.unwrap_or(0),
        desired: status.desired_tasks.unwrap_or(0),
        image: shown_image(&image).to_string(),
        ports,
        update_state: s
            .update_status
            .and_then(|u| u.state)
            .map(|st| st.to_string()),
        labels: spec.labels.unwrap_or_default().into_iter().collect(),
        tasks,
        failed: Vec::new(),
    }
}

/// The image as the user named it: the engine pins `name:tag@sha256:…` when a registry
/// answered; the digest is noise in a tree.
fn shown_image(image: &str) -> &str {
    image.split_once("@sha256:").map_or(image, |(name, _)| name)
}

/// A manager's cluster state from its answers.
pub fn cluster(
    info: &Info,
    listed_nodes: Vec<Node>,
    listed: Vec<Service>,
    tasks: Vec<Task>,
) -> ClusterState {
    ClusterState {
        spec_name: spec_name(info),
        nodes: nodes(listed_nodes),
        services: services(listed, tasks),
    }
}

#[cfg(test)]
mod tests;
