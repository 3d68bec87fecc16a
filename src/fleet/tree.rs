//! The fleet as a tree: nodes nested under their parent (or the hypervisor running a
//! guest with the node's address), containers joined with inventory rows. Pure: built
//! from the config, the last snapshot of each node and the inventory. Its serde form is
//! the `tree --json` contract of the README's contracts.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Serialize;

use super::model::NodeFacts;
use super::snapshot::{FactError, NodeSnapshot, NodeStatus};
use super::tunnels::{TunnelView, tunnels_of};
use crate::collect::docker::ContainerInfo;
use crate::collect::health::ContainerHealth;
use crate::config::{Config, NodeConfig};
use crate::inventory::Site;

/// 2: containers gained `health`.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeDoc {
    pub schema_version: u32,
    pub generated_at: String,
    pub nodes: Vec<TreeNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeNode {
    pub name: String,
    pub status: NodeStatus,
    pub error: Option<String>,
    pub address: Option<String>,
    pub hypervisor: &'static str,
    pub guests: Vec<TreeGuest>,
    pub containers: Vec<TreeContainer>,
    pub bridges: Vec<TreeBridge>,
    pub tunnels: Vec<TunnelView>,
    pub children: Vec<String>,
    pub last_seen: Option<String>,
    pub fact_errors: Vec<FactError>,
    pub notes: Vec<String>,
    pub facts: NodeFacts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeGuest {
    pub name: String,
    pub state: &'static str,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeContainer {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: String,
    /// `null` when the container has no healthcheck.
    pub health: Option<ContainerHealth>,
    pub ip: Option<String>,
    pub network: Option<String>,
    pub domain: Option<String>,
    pub login: Option<String>,
    pub vlan: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeBridge {
    pub name: String,
    pub addresses: Vec<String>,
    pub ports: Vec<String>,
}

/// The host part of the node's `ssh` value, as its address.
fn address(node: &NodeConfig) -> Option<String> {
    let ssh = node.ssh.as_deref()?;
    let target: crate::config::SshTarget = ssh.parse().ok()?;
    Some(target.host)
}

/// The container's address on a fleetdeck VLAN network of this node if it has one,
/// else its first address.
fn primary_net(config: &Config, node: &str, c: &ContainerInfo) -> (Option<String>, Option<String>) {
    let vlan_nets: Vec<String> = config
        .vlans
        .iter()
        .filter(|v| v.node == node)
        .map(|v| v.network_name())
        .collect();
    let chosen = c
        .networks
        .iter()
        .find(|n| vlan_nets.contains(&n.network) && n.ip.is_some())
        .or_else(|| c.networks.iter().find(|n| n.ip.is_some()))
        .or_else(|| c.networks.first());
    (
        chosen.and_then(|n| n.ip.clone()),
        chosen.map(|n| n.network.clone()),
    )
}

/// The inventory looked up by domain and by address, built once per tree: a scan of
/// every site for every container grew with their product.
struct SiteIndex<'a> {
    by_domain: HashMap<&'a str, &'a Site>,
    by_ip: HashMap<std::net::Ipv4Addr, Vec<&'a Site>>,
}

impl<'a> SiteIndex<'a> {
    fn new(sites: &'a [Site]) -> SiteIndex<'a> {
        let mut index = SiteIndex {
            by_domain: HashMap::with_capacity(sites.len()),
            by_ip: HashMap::with_capacity(sites.len()),
        };
        for site in sites {
            // The first site in inventory order wins, as a scan would find it.
            index.by_domain.entry(site.domain.as_str()).or_insert(site);
            index.by_ip.entry(site.ip).or_default().push(site);
        }
        index
    }
}

fn container(config: &Config, node: &str, c: &ContainerInfo, sites: &SiteIndex) -> TreeContainer {
    let (ip, network) = primary_net(config, node, c);
    let labelled = c.labels.get("fleetdeck.domain");
    let site = labelled
        .and_then(|d| sites.by_domain.get(d.as_str()).copied())
        .or_else(|| {
            let ip: std::net::Ipv4Addr = ip.as_deref().and_then(|i| i.parse().ok())?;
            sites
                .by_ip
                .get(&ip)?
                .iter()
                .copied()
                .find(|s| s.node.as_deref().is_none_or(|n| n == node))
        });
    TreeContainer {
        id: c.id.clone(),
        name: c.name.clone(),
        image: c.image.clone(),
        state: c.state.clone(),
        health: c.health,
        ip,
        network,
        domain: site.map(|s| s.domain.clone()).or_else(|| labelled.cloned()),
        login: site
            .map(|s| s.login.clone())
            .or_else(|| c.labels.get("fleetdeck.login").cloned()),
        vlan: site
            .map(|s| s.vlan)
            .or_else(|| c.labels.get("fleetdeck.vlan").and_then(|v| v.parse().ok())),
    }
}

/// Which node each node nests under: its `parent`, else a hypervisor whose guest has the
/// node's address.
fn parents(config: &Config, snaps: &HashMap<&str, &NodeSnapshot>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for node in &config.nodes {
        if let Some(parent) = &node.parent {
            out.insert(node.name.clone(), parent.clone());
            continue;
        }
        let Some(ip) = address(node).and_then(|a| a.parse::<IpAddr>().ok()) else {
            continue;
        };
        let host = config.nodes.iter().find(|h| {
            h.name != node.name
                && snaps
                    .get(h.name.as_str())
                    .is_some_and(|s| s.guests.iter().any(|g| g.ips.contains(&ip)))
        });
        if let Some(host) = host {
            out.insert(node.name.clone(), host.name.clone());
        }
    }
    out
}

pub fn build(
    config: &Config,
    snapshots: &[NodeSnapshot],
    sites: &[Site],
    generated_at: String,
) -> TreeDoc {
    build_from(config, snapshots.iter(), sites, generated_at)
}

/// [`build`] over borrowed snapshots (the console's live fleet, without copying it).
pub fn build_from<'a>(
    config: &Config,
    snapshots: impl Iterator<Item = &'a NodeSnapshot>,
    sites: &[Site],
    generated_at: String,
) -> TreeDoc {
    let snaps: HashMap<&str, &NodeSnapshot> = snapshots.map(|s| (s.name.as_str(), s)).collect();
    let parents = parents(config, &snaps);
    let sites = SiteIndex::new(sites);
    let nodes = config
        .nodes
        .iter()
        .map(|node| {
            let unknown = NodeSnapshot::unknown(&node.name);
            let snap = snaps.get(node.name.as_str()).copied().unwrap_or(&unknown);
            let mut guests: Vec<TreeGuest> = snap
                .guests
                .iter()
                .map(|g| TreeGuest {
                    name: g.name.clone(),
                    state: g.state.as_str(),
                    ip: g.ips.first().map(ToString::to_string),
                })
                .collect();
            guests.sort_by(|a, b| a.name.cmp(&b.name));
            TreeNode {
                name: node.name.clone(),
                status: snap.status,
                error: snap.error.clone(),
                address: snap
                    .address
                    .clone()
                    .or_else(|| address(node))
                    .or_else(|| Some("local".into())),
                hypervisor: node.hypervisor.as_str(),
                guests,
                containers: snap
                    .docker
                    .iter()
                    .flat_map(|d| d.containers.iter())
                    .map(|c| container(config, &node.name, c, &sites))
                    .collect(),
                bridges: snap
                    .bridges
                    .iter()
                    .map(|b| TreeBridge {
                        name: b.name.clone(),
                        addresses: b.addresses.clone(),
                        ports: b.ports.iter().map(|p| p.name.clone()).collect(),
                    })
                    .collect(),
                tunnels: tunnels_of(config, &node.name, &snaps),
                children: config
                    .nodes
                    .iter()
                    .filter(|c| parents.get(&c.name) == Some(&node.name))
                    .map(|c| c.name.clone())
                    .collect(),
                last_seen: snap.last_seen.clone(),
                fact_errors: snap.fact_errors.clone(),
                notes: snap.notes.clone(),
                facts: snap.facts.clone(),
            }
        })
        .collect();
    TreeDoc {
        schema_version: SCHEMA_VERSION,
        generated_at,
        nodes,
    }
}

#[cfg(test)]
mod tests;
