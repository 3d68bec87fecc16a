//! Finding what a swarm operation acts on (I/O, GETs only): a manager of each swarm the
//! config knows (`[[swarm]] managers`, else every node's engine asked whether it is
//! one), then the service (by its `fleetdeck.domain` label or its name `fd-<domain>`)
//! or the swarm node (mapped from a fleetdeck node by address, as `swarm/tree.rs`
//! maps them). Every answer is kept as the engine's raw JSON for `spec` to edit.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::plan::Found;
use super::{NodeKey, ServiceKey, SwarmOpError};
use crate::config::Config;
use crate::contract::label;
use crate::swarm::map::{self, Info};
use crate::transport::DockerClient;
use crate::transport::links::NodeLink;

/// A manager's engine that answered, and the swarm it manages.
pub struct Manager {
    /// The fleetdeck node it runs on.
    pub node: String,
    /// `[[swarm]] name`, else the cluster id's first 12 characters (as the tree).
    pub swarm: String,
    pub cluster_id: String,
    pub client: DockerClient,
}

/// Time limits of the lookup: reaching an engine, then each call.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect: Duration,
    pub call: Duration,
}

/// One manager per swarm the config knows: the first of each `[[swarm]] managers` that
/// answers as a manager; without `[[swarm]]`, every node whose engine says it manages
/// a swarm (one per cluster, in config order).
pub async fn managers(
    config: &Config,
    links: &BTreeMap<String, NodeLink>,
    limits: Limits,
) -> Result<Vec<Manager>, SwarmOpError> {
    let mut found: Vec<Manager> = Vec::new();
    let mut why = Vec::new();
    if config.swarms.is_empty() {
        let asked = config
            .nodes
            .iter()
            .map(|n| async move { (n.name.clone(), as_manager(links, &n.name, limits).await) });
        for (name, answer) in futures::future::join_all(asked).await {
            match answer {
                Ok(Some((client, cluster_id))) => {
                    if !found.iter().any(|m| m.cluster_id == cluster_id) {
                        found.push(Manager {
                            node: name,
                            swarm: cluster_id.get(..12).unwrap_or(&cluster_id).to_string(),
                            cluster_id,
                            client,
                        });
                    }
                }
                Ok(None) => {}
                Err(e) => why.push(format!("{name}: {e}")),
            }
        }
        if found.is_empty() {
            why.insert(
                0,
                "no node's engine manages a swarm (name its managers with [[swarm]] managers)"
                    .into(),
            );
        }
    } else {
        for swarm in &config.swarms {
            let mut answered = false;
            for name in &swarm.managers {
                match as_manager(links, name, limits).await {
                    Ok(Some((client, cluster_id))) => {
                        found.push(Manager {
                            node: name.clone(),
                            swarm: swarm.name.clone(),
                            cluster_id,
                            client,
                        });
                        answered = true;
                        break;
                    }
                    Ok(None) => why.push(format!(
                        "swarm {}: {name}'s engine is not a swarm manager",
                        swarm.name
                    )),
                    Err(e) => why.push(format!("swarm {}: {name}: {e}", swarm.name)),
                }
            }
            if !answered && swarm.managers.is_empty() {
                why.push(format!("swarm {}: no managers listed", swarm.name));
            }
        }
    }
    if found.is_empty() {
        return Err(SwarmOpError::NoManager(why.join("; ")));
    }
    Ok(found)
}

/// The node's engine and its cluster id when it is an active swarm manager.
async fn as_manager(
    links: &BTreeMap<String, NodeLink>,
    node: &str,
    limits: Limits,
) -> Result<Option<(DockerClient, String)>, String> {
    let link = links
        .get(node)
        .ok_or_else(|| format!("node {node} is not in the config"))?;
    let client = link
        .docker_client(limits.connect)
        .await
        .map_err(|e| e.to_string())?;
    let info: Info = bounded(limits.call, client.get_as("/info", 1024 * 1024))
        .await
        .map_err(|e| e.to_string())?;
    Ok(map::facts_from_info(&info)
        .filter(|f| f.manager)
        .map(|f| (client, f.cluster_id)))
}

async fn bounded<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, crate::transport::DockerError>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, call).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {}s", limit.as_secs())),
    }
}

async fn list(m: &Manager, path: &str, limits: Limits) -> Result<Vec<Value>, SwarmOpError> {
    let answer = bounded(limits.call, m.client.get_json(path))
        .await
        .map_err(|e| {
            SwarmOpError::NoManager(format!("{} (swarm {}): GET {path}: {e}", m.node, m.swarm))
        })?;
    match answer {
        Value::Array(items) => Ok(items),
        _ => Err(SwarmOpError::NoManager(format!(
            "{} (swarm {}): GET {path} did not answer a list",
            m.node, m.swarm
        ))),
    }
}

/// Whether a listed service is the one `key` names.
pub fn service_matches(doc: &Value, key: &ServiceKey) -> bool {
    let name = doc
        .pointer("/Spec/Name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match key {
        ServiceKey::Name(n) => name == n,
        ServiceKey::Domain(d) => {
            let labelled = doc
                .pointer("/Spec/Labels")
                .and_then(|l| l.get(label::DOMAIN))
                .and_then(Value::as_str)
                .is_some_and(|l| l.eq_ignore_ascii_case(d));
            labelled || name.eq_ignore_ascii_case(&format!("fd-{d}"))
        }
    }
}

/// The one service `key` names, on whichever swarm holds it.
pub async fn service(
    managers: &[Manager],
    key: &ServiceKey,
    limits: Limits,
) -> Result<Found, SwarmOpError> {
    let mut matches = Vec::new();
    for m in managers {
        for doc in list(m, "/services", limits).await? {
            if service_matches(&doc, key) {
                matches.push((m, doc));
            }
        }
    }
    let swarms: Vec<&str> = managers.iter().map(|m| m.swarm.as_str()).collect();
    match matches.len() {
        0 => Err(SwarmOpError::Invalid(match key {
            ServiceKey::Domain(d) => format!(
                "no swarm service for {d}: none is labelled {}={d} or named fd-{d} on swarm {}",
                label::DOMAIN,
                swarms.join(", ")
            ),
            ServiceKey::Name(n) => format!("no service {n} on swarm {}", swarms.join(", ")),
        })),
        1 => {
            let (m, doc) = matches.remove(0);
            let domain = doc
                .pointer("/Spec/Labels")
                .and_then(|l| l.get(label::DOMAIN))
                .and_then(Value::as_str)
                .map(str::to_string);
            Ok(Found::Service {
                swarm: m.swarm.clone(),
                manager: m.node.clone(),
                doc,
                domain,
            })
        }
        _ => Err(SwarmOpError::Invalid(format!(
            "{} names several services: {}; act on one from the console's service row",
            key.shown(),
            matches
                .iter()
                .map(|(m, d)| format!(
                    "{} on swarm {}",
                    d.pointer("/Spec/Name")
                        .and_then(Value::as_str)
                        .unwrap_or("?"),
                    m.swarm
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The address a swarm node reaches the swarm from (`Status.Addr`; a manager bound to
/// every interface reports 0.0.0.0, then its raft address), as `swarm/map.rs` reads it.
pub fn node_address(doc: &Value) -> String {
    let status = doc
        .pointer("/Status/Addr")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !status.is_empty() && status != "0.0.0.0" {
        return status.to_string();
    }
    doc.pointer("/ManagerStatus/Addr")
        .and_then(Value::as_str)
        .map(|a| map::host_of(a).to_string())
        .unwrap_or_default()
}

/// The addresses a fleetdeck node may have in a swarm, best first: what its own engine
/// advertises to the swarm (when it answers), then its ssh address.
async fn fleet_addresses(
    config: &Config,
    links: &BTreeMap<String, NodeLink>,
    name: &str,
    limits: Limits,
) -> Result<Vec<String>, SwarmOpError> {
    let node = config.node(name).ok_or_else(|| {
        SwarmOpError::Invalid(format!("unknown node {name}: it is not in the config"))
    })?;
    let mut out = Vec::new();
    if let Some(link) = links.get(name) {
        if let Ok(client) = link.docker_client(limits.connect).await
            && let Ok(info) =
                bounded(limits.call, client.get_as::<Info>("/info", 1024 * 1024)).await
            && let Some(f) = map::facts_from_info(&info)
            && !f.node_addr.is_empty()
        {
            out.push(f.node_addr);
        }
        if !link.is_local() {
            out.push(link.address());
        }
    }
    if let Some(host) = node
        .ssh
        .as_deref()
        .and_then(|s| s.parse::<crate::config::SshTarget>().ok())
        .map(|t| t.host)
    {
        out.push(host);
    }
    out.dedup();
    Ok(out)
}

/// The swarm node `key` names, with the tasks it runs now.
pub async fn node(
    config: &Config,
    links: &BTreeMap<String, NodeLink>,
    managers: &[Manager],
    key: &NodeKey,
    limits: Limits,
) -> Result<Found, SwarmOpError> {
    let addresses = match key {
        NodeKey::Fleet(name) => fleet_addresses(config, links, name, limits).await?,
        NodeKey::Id(_) => Vec::new(),
    };
    let mut listed = Vec::new();
    for m in managers {
        listed.push((m, list(m, "/nodes", limits).await?));
    }
    let hit = match key {
        NodeKey::Id(id) => listed.iter().find_map(|(m, nodes)| {
            nodes
                .iter()
                .find(|n| n.get("ID").and_then(Value::as_str) == Some(id))
                .map(|n| (*m, n.clone()))
        }),
        NodeKey::Fleet(_) => addresses.iter().find_map(|a| {
            listed.iter().find_map(|(m, nodes)| {
                nodes
                    .iter()
                    .find(|n| &node_address(n) == a)
                    .map(|n| (*m, n.clone()))
            })
        }),
    };
    let Some((m, doc)) = hit else {
        return Err(SwarmOpError::Invalid(match key {
            NodeKey::Fleet(name) => format!(
                "node {name} is in no swarm the config knows: no swarm node at {}",
                if addresses.is_empty() {
                    "its address (unknown)".to_string()
                } else {
                    addresses.join(" or ")
                }
            ),
            NodeKey::Id(id) => format!("no swarm node {id}"),
        }));
    };
    let id = doc
        .get("ID")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let nodes = listed
        .iter()
        .find(|(x, _)| x.node == m.node)
        .map(|(_, n)| n.as_slice())
        .unwrap_or_default();
    let other_active = nodes
        .iter()
        .filter(|n| n.get("ID").and_then(Value::as_str) != Some(id.as_str()))
        .filter(|n| {
            n.pointer("/Status/State").and_then(Value::as_str) == Some("ready")
                && n.pointer("/Spec/Availability").and_then(Value::as_str) == Some("active")
        })
        .count();
    let tasks = tasks_on(m, &id, limits).await?;
    let fleet_node = match key {
        NodeKey::Fleet(name) => Some(name.clone()),
        NodeKey::Id(_) => None,
    };
    Ok(Found::Node {
        swarm: m.swarm.clone(),
        manager: m.node.clone(),
        doc,
        fleet_node,
        tasks,
        other_active,
    })
}

/// `service.slot` of every task the orchestrator wants running on node `id`.
async fn tasks_on(m: &Manager, id: &str, limits: Limits) -> Result<Vec<String>, SwarmOpError> {
    let services = list(m, "/services", limits).await?;
    let names: BTreeMap<&str, &str> = services
        .iter()
        .filter_map(|s| Some((s.get("ID")?.as_str()?, s.pointer("/Spec/Name")?.as_str()?)))
        .collect();
    let tasks = list(m, "/tasks", limits).await?;
    let mut out: Vec<String> = tasks
        .iter()
        .filter(|t| t.get("NodeID").and_then(Value::as_str) == Some(id))
        .filter(|t| t.get("DesiredState").and_then(Value::as_str) == Some("running"))
        .map(|t| {
            let service = t
                .get("ServiceID")
                .and_then(Value::as_str)
                .and_then(|s| names.get(s).copied())
                .unwrap_or("?");
            match t.get("Slot").and_then(Value::as_i64) {
                Some(slot) => format!("{service}.{slot}"),
                None => service.to_string(),
            }
        })
        .collect();
    out.sort();
    Ok(out)
}
