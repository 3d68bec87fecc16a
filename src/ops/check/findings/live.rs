//! Addresses given twice (in the inventory, or among live containers) and containers
//! that no site accounts for.

use std::collections::{BTreeMap, BTreeSet};

use super::{Claimed, Collector, LABEL_DOMAIN, LABEL_VLAN, site_node};
use crate::config::Config;
use crate::fleet::docker::ContainerInfo;
use crate::ops::check::{CheckInput, Finding, Kind, Severity, Target};

/// Every address held by two or more rows, whatever their VLANs: the proxy reaches a site
/// by its address alone, so two sites with one address cannot both be served. Returns
/// those addresses, so the same clash among the containers is not reported twice.
pub(super) fn inventory_duplicates(
    input: &CheckInput<'_>,
    out: &mut Collector,
) -> BTreeSet<String> {
    let mut by_ip: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, site) in input.sites.iter().enumerate() {
        by_ip.entry(site.ip.to_string()).or_default().push(i);
    }
    let mut dups = BTreeSet::new();
    for (ip, rows) in by_ip.into_iter().filter(|(_, rows)| rows.len() > 1) {
        for &i in &rows {
            let site = &input.sites[i];
            let others: Vec<String> = rows
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| format!("{} (VLAN {})", input.sites[j].domain, input.sites[j].vlan))
                .collect();
            let node = site_node(input.config, site);
            out.push(
                Finding::new(
                    Kind::DuplicateIp,
                    Severity::Error,
                    format!(
                        "the inventory gives {ip} to {} and to {}",
                        site.domain,
                        super::short_list(&others)
                    ),
                )
                .domain(site.domain.as_str())
                .node(node)
                .expected("an address of its own".to_string())
                .actual(ip.clone())
                .target(Target {
                    node: node.map(str::to_string),
                    container: None,
                    domain: Some(site.domain.clone()),
                }),
            );
        }
        dups.insert(ip);
    }
    dups
}

/// The VLAN networks a node hosts, by Docker network name.
fn vlan_networks(config: &Config, node: &str) -> BTreeMap<String, u16> {
    config
        .vlans
        .iter()
        .filter(|v| v.is_on(node))
        .map(|v| (v.network_name(), v.id))
        .collect()
}

/// A container fleetdeck answers for on `node`: on one of the node's VLAN networks, or
/// labelled for a VLAN of this config. Containers labelled for VLANs the config does not
/// know belong to someone else's fleetdeck (another config on shared hosts), not to us.
/// Returns its address on the VLAN network, if it has one.
fn in_scope(
    config: &Config,
    networks: &BTreeMap<String, u16>,
    c: &ContainerInfo,
) -> Option<Option<String>> {
    let labelled = c
        .labels
        .get(LABEL_VLAN)
        .and_then(|v| v.parse::<u16>().ok())
        .and_then(|id| config.vlan(id));
    let on_vlan: Vec<_> = c
        .networks
        .iter()
        .filter(|n| networks.contains_key(&n.network))
        .collect();
    if labelled.is_none() && on_vlan.is_empty() {
        return None;
    }
    // The labelled VLAN's network first, else the first VLAN network it is on.
    let ip = labelled
        .and_then(|v| {
            let name = v.network_name();
            c.networks.iter().find(|n| n.network == name)
        })
        .or_else(|| on_vlan.first().copied())
        .and_then(|n| n.ip.clone());
    Some(ip)
}

struct Live<'a> {
    node: &'a str,
    container: &'a ContainerInfo,
    ip: Option<String>,
    /// The domain of the site that claims it, if one does.
    claimed: Option<&'a str>,
}

impl Live<'_> {
    fn domain(&self) -> Option<&str> {
        self.claimed
            .or_else(|| self.container.labels.get(LABEL_DOMAIN).map(String::as_str))
    }

    fn target(&self) -> Target {
        Target {
            node: Some(self.node.to_string()),
            container: Some(self.container.name.clone()),
            domain: self.domain().map(str::to_string),
        }
    }
}

/// Orphans (in scope, claimed by no site) and addresses held by two running containers.
pub(super) fn live_containers(
    input: &CheckInput<'_>,
    claimed: &Claimed,
    inventory_dups: &BTreeSet<String>,
    out: &mut Collector,
) {
    let mut live: Vec<Live<'_>> = Vec::new();
    for (node, result) in &input.nodes {
        let Ok(containers) = result else { continue };
        let networks = vlan_networks(input.config, node);
        for c in containers {
            if let Some(ip) = in_scope(input.config, &networks, c) {
                live.push(Live {
                    node,
                    container: c,
                    ip: ip.filter(|_| c.state == "running"),
                    claimed: claimed
                        .get(&(node.clone(), c.id.clone()))
                        .map(String::as_str),
                });
            }
        }
    }
    for l in live.iter().filter(|l| l.claimed.is_none()) {
        let c = l.container;
        let at = match &l.ip {
            Some(ip) => format!("{ip}, {}", c.state),
            None => c.state.clone(),
        };
        out.push(
            Finding::new(
                Kind::OrphanContainer,
                Severity::Warning,
                format!(
                    "container {} on {} ({at}) has no inventory row: adopt it (fleetdeck inventory adopt {}/{}) or remove it",
                    c.name, l.node, l.node, c.name
                ),
            )
            .domain(l.domain())
            .node(l.node)
            .expected("an inventory row".to_string())
            .actual(c.name.clone())
            .target(l.target()),
        );
    }
    let mut by_ip: BTreeMap<&str, Vec<&Live<'_>>> = BTreeMap::new();
    for l in &live {
        if let Some(ip) = l.ip.as_deref().filter(|ip| !inventory_dups.contains(*ip)) {
            by_ip.entry(ip).or_default().push(l);
        }
    }
    for (ip, holders) in by_ip.into_iter().filter(|(_, h)| h.len() > 1) {
        for l in &holders {
            let others: Vec<String> = holders
                .iter()
                .filter(|o| !std::ptr::eq(**o, *l))
                .map(|o| format!("{} on {}", o.container.name, o.node))
                .collect();
            out.push(
                Finding::new(
                    Kind::DuplicateIp,
                    Severity::Error,
                    format!(
                        "{ip} is held by container {} on {} and by {}",
                        l.container.name,
                        l.node,
                        super::short_list(&others)
                    ),
                )
                .domain(l.domain())
                .node(l.node)
                .expected("an address of its own".to_string())
                .actual(ip.to_string())
                .target(l.target()),
            );
        }
    }
}
