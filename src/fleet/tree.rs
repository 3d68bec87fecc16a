//! The fleet as a tree: nodes nested under their parent (or the hypervisor running a
//! guest with the node's address), containers joined with inventory rows. Pure: built
//! from the config, the last snapshot of each node and the inventory. Its serde form is
//! the `tree --json` contract of the README's contracts.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde::Serialize;

use super::model::NodeFacts;
use super::snapshot::{FactError, NodeSnapshot, NodeStatus};
use super::stale;
use super::tunnels::{TunnelView, tunnels_of};
use crate::config::{Config, NodeConfig};
use crate::contract::label;
use crate::fleet::docker::ContainerHealth;
use crate::fleet::docker::ContainerInfo;
use crate::inventory::Site;
use crate::swarm::tree::{Membership, TreeSwarm};

/// 2: containers gained `health`. 3: nodes gained `stale`, `data_age_secs`,
/// `data_as_of` and `stale_reason`. 4: nodes gained `source` and `terraform`. 5: `swarms`
/// at the top, and per node `swarm`.
pub use crate::contract::schema::TREE as SCHEMA_VERSION;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeDoc {
    pub schema_version: u32,
    pub generated_at: String,
    pub nodes: Vec<TreeNode>,
    /// Docker Swarms found on the nodes' engines (`swarm::tree`).
    pub swarms: Vec<TreeSwarm>,
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
    /// The data shown is not current (see `fleet::stale`).
    pub stale: bool,
    /// Seconds since the data shown was read; `null` when the node was never polled.
    pub data_age_secs: Option<u64>,
    /// RFC 3339: when the data shown was read.
    pub data_as_of: Option<String>,
    pub stale_reason: Option<String>,
    /// `config` for a `[[node]]`, `terraform:<name>` for a node only a state declares.
    pub source: String,
    /// The resource that declares the node, when a state does (README "Nodes from
    /// Terraform"), even when a `[[node]]` wins.
    pub terraform: Option<TreeTerraform>,
    /// The swarm this node's engine is in, and its role there.
    pub swarm: Option<Membership>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeTerraform {
    pub state: String,
    pub resource: String,
    pub address: String,
    pub tainted: bool,
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
    /// How often the engine restarted it; `null` when not known (not asked yet, or the
    /// engine did not answer its inspect).
    pub restarts: Option<u32>,
    /// Docker's status line (`Exited (3) 2 minutes ago`): the console's state cell reads
    /// the exit code and age from it. Not part of `tree --json`.
    #[serde(skip)]
    pub status: String,
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
/// else its first address. `vlan_nets`: the node's VLAN networks.
fn primary_net(vlan_nets: &[String], c: &ContainerInfo) -> (Option<String>, Option<String>) {
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

fn container(
    vlan_nets: &[String],
    node: &str,
    c: &ContainerInfo,
    sites: &SiteIndex,
) -> TreeContainer {
    let (ip, network) = primary_net(vlan_nets, c);
    let labelled = c.labels.get(label::DOMAIN);
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
        status: c.status.clone(),
        health: c.health,
        restarts: c.restarts,
        ip,
        network,
        domain: site.map(|s| s.domain.clone()).or_else(|| labelled.cloned()),
        login: site
            .map(|s| s.login.clone())
            .or_else(|| c.labels.get(label::LOGIN).cloned()),
        vlan: site
            .map(|s| s.vlan)
            .or_else(|| c.labels.get(label::VLAN).and_then(|v| v.parse().ok())),
    }
}

/// Which node each node nests under: its `parent`, else a hypervisor whose guest has the
/// node's address. Inferred parents can loop (two hypervisors each running a guest with
/// the other's address): such a loop would hide every node in it, so it is broken, and
/// the node that loses its inferred parent gets a note saying why.
fn parents(
    config: &Config,
    snaps: &HashMap<&str, &NodeSnapshot>,
) -> (HashMap<String, String>, HashMap<String, String>) {
    let mut out = HashMap::new();
    let mut inferred = Vec::new();
    // Which hypervisors run a guest with each address, in config order: one pass over
    // the guests, not one per node (a thousand nodes made that a million lookups).
    let mut hosts_of: HashMap<IpAddr, Vec<&str>> = HashMap::new();
    for h in &config.nodes {
        let Some(snap) = snaps.get(h.name.as_str()) else {
            continue;
        };
        for ip in snap.guests.iter().flat_map(|g| g.ips.iter()) {
            let hosts = hosts_of.entry(*ip).or_default();
            if hosts.last() != Some(&h.name.as_str()) {
                hosts.push(h.name.as_str());
            }
        }
    }
    for node in &config.nodes {
        if let Some(parent) = &node.parent {
            out.insert(node.name.clone(), parent.clone());
            continue;
        }
        let Some(ip) = address(node).and_then(|a| a.parse::<IpAddr>().ok()) else {
            continue;
        };
        let host = hosts_of
            .get(&ip)
            .and_then(|hosts| hosts.iter().find(|h| **h != node.name));
        if let Some(host) = host {
            out.insert(node.name.clone(), host.to_string());
            inferred.push(node.name.clone());
        }
    }
    let notes = break_cycles(&mut out, &inferred);
    (out, notes)
}

/// Remove one inferred edge from every loop of `parents`: in config order, the first
/// node on a loop that has an inferred parent loses it (config `parent` chains are
/// checked loop-free when the config loads). Returns a note per node that lost one.
fn break_cycles(
    parents: &mut HashMap<String, String>,
    inferred: &[String],
) -> HashMap<String, String> {
    let mut notes = HashMap::new();
    for start in inferred {
        let mut path = vec![start.clone()];
        let mut at = start.clone();
        while let Some(next) = parents.get(&at).cloned() {
            if let Some(pos) = path.iter().position(|p| *p == next) {
                let ring = &path[pos..];
                let Some(victim) = inferred.iter().find(|n| ring.contains(n)).cloned() else {
                    break;
                };
                let mut shown: Vec<&str> = ring.iter().map(String::as_str).collect();
                shown.push(next.as_str());
                if let Some(parent) = parents.remove(&victim) {
                    notes.insert(
                        victim.clone(),
                        format!(
                            "not nested under {parent} (a guest there has this node's address): that would loop {}",
                            shown.join(" -> ")
                        ),
                    );
                }
                break;
            }
            path.push(next.clone());
            at = next;
        }
    }
    notes
}

/// The details line of a node a Terraform state declares: which resource, and whether a
/// `[[node]]` is the one shown.
fn terraform_note(o: &crate::config::NodeOrigin) -> String {
    let also = if o.configured {
        "also declared"
    } else {
        "declared"
    };
    let tainted = if o.tainted {
        "; tainted: the next apply replaces it"
    } else {
        ""
    };
    format!(
        "{also} in {} as {} ({}){tainted}",
        o.state, o.resource, o.address
    )
}

/// The tree at `generated_at` (RFC 3339, also the "now" that data ages are measured to).
pub fn build(
    config: &Config,
    snapshots: &[NodeSnapshot],
    sites: &[Site],
    generated_at: String,
) -> TreeDoc {
    build_from(config, snapshots.iter(), sites, generated_at, None)
}

/// The node's error, with the countdown to its next connection attempt.
pub fn error_text(snap: &NodeSnapshot, now: &str) -> Option<String> {
    let error = snap.error.clone()?;
    Some(match stale::countdown(snap.retry_at.as_deref(), now) {
        Some(next) => format!("{error}; {next}"),
        None => error,
    })
}

/// What ties one node's entry to the rest of the fleet: where it nests (its children,
/// a note when an inferred parent would loop) and the swarms the engines describe. An
/// update of one node's entry alone is right only while these stay as they were
/// (`patch.rs`).
struct Ties {
    loop_notes: HashMap<String, String>,
    children: HashMap<String, Vec<String>>,
    swarms: Vec<TreeSwarm>,
    membership: BTreeMap<String, Membership>,
}

impl Ties {
    fn of(config: &Config, snaps: &HashMap<&str, &NodeSnapshot>) -> Ties {
        let (parents, loop_notes) = parents(config, snaps);
        // Each node's children in one pass, rather than one pass over every node per node.
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for c in &config.nodes {
            if let Some(parent) = parents.get(&c.name) {
                children
                    .entry(parent.clone())
                    .or_default()
                    .push(c.name.clone());
            }
        }
        // Most fleets have no swarm: then there is nothing to work out, and a fleet of a
        // thousand nodes is not walked once per node for their addresses.
        let in_swarm = config.nodes.iter().any(|n| {
            snaps
                .get(n.name.as_str())
                .is_some_and(|s| s.swarm.is_some())
        });
        let (swarms, membership) = if in_swarm {
            let by_name: HashMap<&str, &NodeConfig> =
                config.nodes.iter().map(|n| (n.name.as_str(), n)).collect();
            crate::swarm::tree::build(config, snaps, |name| {
                let node = by_name.get(name)?;
                snaps
                    .get(name)
                    .and_then(|s| s.address.clone())
                    .or_else(|| address(node))
            })
        } else {
            (Vec::new(), BTreeMap::new())
        };
        Ties {
            loop_notes,
            children,
            swarms,
            membership,
        }
    }
}

/// What every entry reads, worked out once per tree: the snapshots by name, each node's
/// VLAN networks (one pass over the VLANs rather than one per container), the inventory
/// indexed, and the time.
struct Around<'s, 'c> {
    config: &'c Config,
    snaps: HashMap<&'s str, &'s NodeSnapshot>,
    vlan_nets: HashMap<&'c str, Vec<String>>,
    sites: SiteIndex<'c>,
    generated_at: &'c str,
    asking_since: Option<&'c str>,
}

impl<'s, 'c> Around<'s, 'c> {
    fn new(
        config: &'c Config,
        snapshots: impl Iterator<Item = &'s NodeSnapshot>,
        sites: &'c [Site],
        generated_at: &'c str,
        asking_since: Option<&'c str>,
    ) -> Around<'s, 'c> {
        let mut vlan_nets: HashMap<&str, Vec<String>> = HashMap::new();
        // A swarm VLAN is on no node: its overlay network is the swarm's.
        for v in &config.vlans {
            if let Some(node) = v.node.as_deref() {
                vlan_nets.entry(node).or_default().push(v.network_name());
            }
        }
        Around {
            config,
            snaps: snapshots.map(|s| (s.name.as_str(), s)).collect(),
            vlan_nets,
            sites: SiteIndex::new(sites),
            generated_at,
            asking_since,
        }
    }

    fn live(&self) -> Option<(u64, &str)> {
        self.asking_since
            .map(|since| (self.config.refresh_secs, since))
    }

    /// One node's entry; `children` and `swarm` from [`Ties`].
    fn entry(
        &self,
        node: &NodeConfig,
        loop_note: Option<&String>,
        children: Vec<String>,
        swarm: Option<Membership>,
    ) -> TreeNode {
        let config = self.config;
        let generated_at = self.generated_at;
        let unknown = NodeSnapshot::unknown(&node.name);
        let snap = self
            .snaps
            .get(node.name.as_str())
            .copied()
            .unwrap_or(&unknown);
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
        let fresh = stale::freshness(snap, generated_at, self.live());
        let mut notes = snap.notes.clone();
        notes.extend(loop_note.cloned());
        notes.extend(config.origins.get(&node.name).map(terraform_note));
        let nets = self
            .vlan_nets
            .get(node.name.as_str())
            .map_or(&[][..], Vec::as_slice);
        TreeNode {
            name: node.name.clone(),
            status: snap.status,
            error: error_text(snap, generated_at),
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
                .map(|c| container(nets, &node.name, c, &self.sites))
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
            tunnels: tunnels_of(config, &node.name, &self.snaps),
            children,
            last_seen: snap.last_seen.clone(),
            fact_errors: snap.fact_errors.clone(),
            notes,
            facts: snap.facts.clone(),
            stale: fresh.stale,
            data_age_secs: fresh.age_secs,
            data_as_of: fresh.as_of,
            stale_reason: fresh.why,
            source: config
                .origins
                .get(&node.name)
                .map_or("config", |o| o.source())
                .to_string(),
            terraform: config.origins.get(&node.name).map(|o| TreeTerraform {
                state: o.state.clone(),
                resource: o.resource.clone(),
                address: o.address.clone(),
                tainted: o.tainted,
            }),
            swarm,
        }
    }
}

/// [`build`] over borrowed snapshots (the console's live fleet, without copying it).
/// `asking_since`: when the console started polling; a live view also judges data by its
/// age (see `stale::freshness`), a one-shot (`None`) does not.
pub fn build_from<'a>(
    config: &Config,
    snapshots: impl Iterator<Item = &'a NodeSnapshot>,
    sites: &[Site],
    generated_at: String,
    asking_since: Option<&str>,
) -> TreeDoc {
    let around = Around::new(config, snapshots, sites, &generated_at, asking_since);
    let mut ties = Ties::of(config, &around.snaps);
    let nodes = config
        .nodes
        .iter()
        .map(|node| {
            around.entry(
                node,
                ties.loop_notes.get(&node.name),
                ties.children.remove(&node.name).unwrap_or_default(),
                ties.membership.remove(&node.name),
            )
        })
        .collect();
    TreeDoc {
        schema_version: SCHEMA_VERSION,
        generated_at,
        nodes,
        swarms: ties.swarms,
    }
}

pub mod nesting;
mod patch;
pub use nesting::Nesting;
pub use patch::patch_from;

#[cfg(test)]
mod stale_tests;
#[cfg(test)]
mod tests;
