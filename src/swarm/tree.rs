//! The swarms of `tree --json` (README "Docker Swarm"): each swarm found from its
//! members' snapshots, shown from one manager's view, its nodes mapped to fleetdeck nodes
//! by address (not hostname: several hosts may share one). Pure.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{SwarmFacts, SwarmNode, SwarmService};
use crate::config::Config;
use crate::fleet::snapshot::NodeSnapshot;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeSwarm {
    /// `[[swarm]] name`, else the first 12 characters of the cluster id.
    pub name: String,
    /// The cluster id; empty when no manager answered.
    pub id: String,
    /// The fleetdeck node whose manager view is shown.
    pub manager: Option<String>,
    /// Why nodes, services or tasks are missing.
    pub error: Option<String>,
    pub nodes: Vec<TreeSwarmNode>,
    pub services: Vec<TreeService>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeSwarmNode {
    pub id: String,
    /// The fleetdeck node at this address, if any.
    pub node: Option<String>,
    pub address: String,
    pub role: String,
    pub availability: String,
    pub status: String,
    pub hostname: String,
    pub leader: bool,
    pub reachability: Option<String>,
    pub engine_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeService {
    pub name: String,
    pub id: String,
    pub mode: String,
    pub replicas: Replicas,
    pub image: String,
    pub ports: Vec<String>,
    pub update_state: Option<String>,
    pub tasks: Vec<TreeTask>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Replicas {
    pub running: u64,
    pub desired: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeTask {
    pub slot: Option<i64>,
    /// The fleetdeck node running it (its swarm node mapped by address), if any.
    pub node: Option<String>,
    pub state: String,
    pub error: Option<String>,
    pub id: String,
    pub node_id: Option<String>,
    /// The swarm's name for that node, mapped or not.
    pub hostname: Option<String>,
    pub desired_state: String,
    pub created_at: Option<String>,
}

/// A fleetdeck node's place in a swarm, for its details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub swarm: String,
    pub role: String,
}

/// The swarms the snapshots show, in the order of their first member in the config, and
/// each member node's membership by fleetdeck node name.
pub fn build(
    config: &Config,
    snaps: &HashMap<&str, &NodeSnapshot>,
    address_of: impl Fn(&str) -> Option<String>,
) -> (Vec<TreeSwarm>, BTreeMap<String, Membership>) {
    // Members in config order.
    let members: Vec<(&str, &SwarmFacts)> = config
        .nodes
        .iter()
        .filter_map(|n| {
            let facts = snaps.get(n.name.as_str())?.swarm.as_ref()?;
            Some((n.name.as_str(), facts))
        })
        .collect();
    let by_address = addresses(config, &members, &address_of);
    let mut swarms = Vec::new();
    let mut membership = BTreeMap::new();
    let mut placed: Vec<&str> = Vec::new();

    // One swarm per cluster a manager described, from the preferred manager's view.
    for &(name, facts) in &members {
        if facts.cluster.is_none() || placed.contains(&name) {
            continue;
        }
        let view = preferred_view(config, &members, facts);
        let (manager, cluster) = match view.1.cluster.as_ref() {
            Some(c) => (view.0, c),
            None => continue,
        };
        let swarm_name = swarm_name(config, &members, &facts.cluster_id);
        let ids: HashMap<&str, &SwarmNode> =
            cluster.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        for &(member, f) in &members {
            let same_cluster = !f.cluster_id.is_empty() && f.cluster_id == facts.cluster_id;
            if ids.contains_key(f.node_id.as_str()) || same_cluster {
                placed.push(member);
                let role = ids
                    .get(f.node_id.as_str())
                    .map_or_else(|| role_of(f).to_string(), |n| n.role.clone());
                membership.insert(
                    member.to_string(),
                    Membership {
                        swarm: swarm_name.clone(),
                        role,
                    },
                );
            }
        }
        let node_name = |n: &SwarmNode| by_address.get(n.address.as_str()).cloned();
        swarms.push(TreeSwarm {
            name: swarm_name,
            id: facts.cluster_id.clone(),
            manager: Some(manager.to_string()),
            error: None,
            nodes: cluster
                .nodes
                .iter()
                .map(|n| tree_node(n, node_name(n)))
                .collect(),
            services: cluster
                .services
                .iter()
                .map(|s| tree_service(s, &ids, &node_name))
                .collect(),
        });
    }

    // Members no answering manager described: grouped by the managers they know.
    let mut orphans: BTreeMap<String, Vec<(&str, &SwarmFacts)>> = BTreeMap::new();
    let mut order = Vec::new();
    for &(name, facts) in &members {
        if placed.contains(&name) {
            continue;
        }
        let key = facts.remote_managers.join(",");
        if !orphans.contains_key(&key) {
            order.push(key.clone());
        }
        orphans.entry(key).or_default().push((name, facts));
    }
    for key in order {
        let group = &orphans[&key];
        let name = orphan_name(config, group, &by_address);
        let why = group
            .iter()
            .find_map(|(_, f)| f.cluster_error.clone())
            .map_or_else(
                || "no manager of this swarm answered".to_string(),
                |e| format!("the manager did not answer: {e}"),
            );
        for (member, f) in group {
            membership.insert(
                member.to_string(),
                Membership {
                    swarm: name.clone(),
                    role: role_of(f).to_string(),
                },
            );
        }
        swarms.push(TreeSwarm {
            name,
            id: group
                .iter()
                .map(|(_, f)| f.cluster_id.clone())
                .find(|c| !c.is_empty())
                .unwrap_or_default(),
            manager: None,
            error: Some(why),
            nodes: group
                .iter()
                .map(|(member, f)| TreeSwarmNode {
                    id: f.node_id.clone(),
                    node: Some(member.to_string()),
                    address: f.node_addr.clone(),
                    role: role_of(f).to_string(),
                    availability: String::new(),
                    status: "unknown".into(),
                    hostname: String::new(),
                    leader: false,
                    reachability: None,
                    engine_version: None,
                })
                .collect(),
            services: Vec::new(),
        });
    }
    (swarms, membership)
}

fn role_of(f: &SwarmFacts) -> &'static str {
    if f.manager { "manager" } else { "worker" }
}

/// Address → fleetdeck node: first what each member's own engine advertises to the swarm,
/// then each node's configured address (its ssh host) for nodes whose engine did not say.
fn addresses(
    config: &Config,
    members: &[(&str, &SwarmFacts)],
    address_of: &impl Fn(&str) -> Option<String>,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (name, f) in members {
        if !f.node_addr.is_empty() {
            out.entry(f.node_addr.clone())
                .or_insert_with(|| name.to_string());
        }
    }
    for node in &config.nodes {
        if let Some(a) = address_of(&node.name) {
            out.entry(a).or_insert_with(|| node.name.clone());
        }
    }
    out
}

/// Whose view to show: a manager of the same cluster named in that swarm's
/// `[[swarm]] managers` that answered, else the first in config order that answered.
fn preferred_view<'a>(
    config: &Config,
    members: &[(&'a str, &'a SwarmFacts)],
    first: &'a SwarmFacts,
) -> (&'a str, &'a SwarmFacts) {
    let answered = |f: &SwarmFacts| f.cluster.is_some() && f.cluster_id == first.cluster_id;
    let configured = config.swarms.iter().flat_map(|s| s.managers.iter());
    for wanted in configured {
        if let Some(&(n, f)) = members.iter().find(|(n, f)| n == wanted && answered(f)) {
            return (n, f);
        }
    }
    members
        .iter()
        .copied()
        .find(|(_, f)| answered(f))
        .unwrap_or(("", first))
}

/// `[[swarm]] name` when one of its `managers` is a member of this cluster.
fn swarm_name(config: &Config, members: &[(&str, &SwarmFacts)], cluster_id: &str) -> String {
    config
        .swarms
        .iter()
        .find(|s| {
            s.managers.iter().any(|m| {
                members
                    .iter()
                    .any(|(n, f)| n == m && f.cluster_id == cluster_id)
            })
        })
        .map_or_else(
            || cluster_id.get(..12).unwrap_or(cluster_id).to_string(),
            |s| s.name.clone(),
        )
}

/// A swarm no manager described: `[[swarm]] name` when one of its configured managers is
/// a manager these members know (by address), else `swarm@<first manager address>`.
fn orphan_name(
    config: &Config,
    group: &[(&str, &SwarmFacts)],
    by_address: &HashMap<String, String>,
) -> String {
    let known: Vec<&str> = group
        .iter()
        .flat_map(|(_, f)| f.remote_managers.iter())
        .filter_map(|addr| {
            let host = addr.rsplit_once(':').map_or(addr.as_str(), |(h, _)| h);
            by_address.get(host).map(String::as_str)
        })
        .chain(group.iter().filter(|(_, f)| f.manager).map(|(n, _)| *n))
        .collect();
    if let Some(s) = config
        .swarms
        .iter()
        .find(|s| s.managers.iter().any(|m| known.contains(&m.as_str())))
    {
        return s.name.clone();
    }
    let first = group
        .iter()
        .flat_map(|(_, f)| f.remote_managers.first())
        .next()
        .cloned()
        .unwrap_or_else(|| group.first().map_or("", |(n, _)| n).to_string());
    format!("swarm@{first}")
}

fn tree_node(n: &SwarmNode, node: Option<String>) -> TreeSwarmNode {
    TreeSwarmNode {
        id: n.id.clone(),
        node,
        address: n.address.clone(),
        role: n.role.clone(),
        availability: n.availability.clone(),
        status: n.status.clone(),
        hostname: n.hostname.clone(),
        leader: n.leader,
        reachability: n.reachability.clone(),
        engine_version: n.engine_version.clone(),
    }
}

fn tree_service(
    s: &SwarmService,
    ids: &HashMap<&str, &SwarmNode>,
    node_name: &impl Fn(&SwarmNode) -> Option<String>,
) -> TreeService {
    TreeService {
        name: s.name.clone(),
        id: s.id.clone(),
        mode: s.mode.clone(),
        replicas: Replicas {
            running: s.running,
            desired: s.desired,
        },
        image: s.image.clone(),
        ports: s.ports.clone(),
        update_state: s.update_state.clone(),
        tasks: s
            .tasks
            .iter()
            .map(|t| {
                let swarm_node = t.node_id.as_deref().and_then(|id| ids.get(id)).copied();
                TreeTask {
                    slot: t.slot,
                    node: swarm_node.and_then(node_name),
                    state: t.state.clone(),
                    error: t.error.clone(),
                    id: t.id.clone(),
                    node_id: t.node_id.clone(),
                    hostname: swarm_node.map(|n| n.hostname.clone()),
                    desired_state: t.desired_state.clone(),
                    created_at: t.created_at.clone(),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
