//! The pure heart of `check`: from what was read (inventory, containers per node, DNS
//! answers, proxy rules) to findings and a summary. No I/O, so every kind is unit-tested.

mod edge;
mod live;
mod swarm;
mod swarm_sites;
mod terraform;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::{CheckInput, CheckReport, Finding, Kind, Severity, Summary, Target};
use crate::config::Config;
use crate::fleet::docker::ContainerHealth;
use crate::fleet::docker::ContainerInfo;
use crate::inventory::{Site, SiteState};
use crate::validate::container_name_for;

pub use crate::contract::label::{DOMAIN as LABEL_DOMAIN, VLAN as LABEL_VLAN};

/// (node, container id) → the domain of the site that claims the container.
type Claimed = HashMap<(String, String), String>;

/// Findings being collected, with what the summary needs to know.
#[derive(Default)]
struct Collector {
    findings: Vec<Finding>,
    /// Active sites some check could not run for.
    unchecked: BTreeSet<String>,
    /// Unreachable node → why (several reasons when several reads failed).
    unreachable: BTreeMap<String, Vec<String>>,
    skipped: Vec<String>,
}

impl Collector {
    fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    fn node_down(&mut self, node: &str, why: String) {
        let reasons = self.unreachable.entry(node.to_string()).or_default();
        if !reasons.contains(&why) {
            reasons.push(why);
        }
    }
}

fn site_target(node: Option<&str>, domain: &str, container: Option<&str>) -> Target {
    Target {
        node: node.map(str::to_string),
        container: container.map(str::to_string),
        domain: Some(domain.to_string()),
    }
}

/// The node a site's container lives on: the row's own, else its VLAN's (legacy rows).
pub fn site_node<'a>(config: &'a Config, site: &'a Site) -> Option<&'a str> {
    site.node
        .as_deref()
        .or_else(|| config.vlan(site.vlan).and_then(|v| v.node_name()))
}

/// A site's container on its node: by the domain label, else by the derived name, else
/// (rows imported from the legacy table) by the recorded container id.
pub fn find_container<'a>(
    containers: &'a [ContainerInfo],
    site: &Site,
) -> Option<&'a ContainerInfo> {
    let by_label = containers.iter().find(|c| {
        c.labels
            .get(LABEL_DOMAIN)
            .is_some_and(|d| *d == site.domain)
    });
    let name = container_name_for(&site.domain);
    by_label
        .or_else(|| containers.iter().find(|c| c.name == name))
        .or_else(|| {
            let id = site.container_id.as_deref().filter(|id| !id.is_empty())?;
            containers
                .iter()
                .find(|c| c.id == id || (id.len() >= 12 && c.id.starts_with(id)))
        })
}

pub fn evaluate(input: &CheckInput<'_>) -> CheckReport {
    let mut out = Collector::default();
    for (node, result) in &input.nodes {
        if let Err(e) = result {
            out.node_down(node, e.clone());
        }
    }
    // (node, container id) of every container some site claims → that site's domain.
    let mut claimed: Claimed = HashMap::new();
    for site in input.sites {
        check_site(input, site, &mut out, &mut claimed);
    }
    let inventory_dups = live::inventory_duplicates(input, &mut out);
    live::live_containers(input, &claimed, &inventory_dups, &mut out);
    edge::dns(input, &mut out);
    edge::proxy(input, &mut out);
    unreachable_findings(input, &mut out);
    terraform::unreachable(input, &mut out);
    terraform::address_changed(input.config, &input.hosts, &mut out);
    terraform::undeclared(input.config, &mut out);
    swarm::degraded(input, &mut out);
    swarm_sites::services(input, &mut out);
    swarm_sites::upstreams(input, &mut out);
    swarm_sites::ports(input, &mut out);
    finish(input, out)
}

fn check_site(input: &CheckInput<'_>, site: &Site, out: &mut Collector, claimed: &mut Claimed) {
    let domain = site.domain.as_str();
    // A swarm site has no container of its own: its service is checked instead.
    if input.swarm_sites.iter().any(|s| s.domain == domain) {
        return;
    }
    let Some(node) = site_node(input.config, site) else {
        let message = format!(
            "VLAN {} is not in the config and the row names no node: add the VLAN or set the site's node",
            site.vlan
        );
        out.push(
            Finding::new(Kind::MissingContainer, Severity::Error, message)
                .domain(domain)
                .expected(format!("a node for VLAN {}", site.vlan))
                .target(site_target(None, domain, None)),
        );
        return;
    };
    let containers = match input.nodes.get(node) {
        Some(Ok(containers)) => containers,
        Some(Err(_)) => {
            if site.state == SiteState::Active {
                out.unchecked.insert(domain.to_string());
            }
            return;
        }
        None => {
            let message =
                format!("the inventory places it on node {node}, which is not in the config");
            out.push(
                Finding::new(Kind::MissingContainer, Severity::Error, message)
                    .domain(domain)
                    .node(node)
                    .expected(format!("a container on {node}"))
                    .target(site_target(Some(node), domain, None)),
            );
            return;
        }
    };
    let found = find_container(containers, site);
    if let Some(c) = found {
        claimed.insert((node.to_string(), c.id.clone()), domain.to_string());
    }
    let Some(c) = found else {
        let name = container_name_for(domain);
        let (severity, message) = match site.state {
            // A create in flight has no container yet; start-up reconciles it.
            SiteState::Pending => (
                Severity::Info,
                format!(
                    "pending: a create is in flight (or was interrupted); no container {name} on {node} yet"
                ),
            ),
            SiteState::Active => (Severity::Error, format!("no container {name} on {node}")),
        };
        out.push(
            Finding::new(Kind::MissingContainer, severity, message)
                .domain(domain)
                .node(node)
                .expected(name)
                .target(site_target(Some(node), domain, None)),
        );
        return;
    };
    if site.state == SiteState::Pending {
        return;
    }
    let about = |f: Finding| {
        f.domain(domain)
            .node(node)
            .target(site_target(Some(node), domain, Some(&c.name)))
    };
    if c.state != "running" {
        let message = format!(
            "container {} on {node} is {} ({})",
            c.name, c.state, c.status
        );
        out.push(about(
            Finding::new(Kind::ContainerStopped, Severity::Warning, message)
                .expected("running".to_string())
                .actual(c.state.clone()),
        ));
        return;
    }
    if c.health == Some(ContainerHealth::Unhealthy) {
        // The site may still answer, so the address checks below go on.
        out.push(about(unhealthy(c, node)));
    }
    let want = site.ip.to_string();
    let network = input.config.vlan(site.vlan).map(|v| v.network_name());
    let actual = match &network {
        Some(net) => match c.networks.iter().find(|n| n.network == *net) {
            Some(n) => n.ip.clone(),
            None => {
                let on: Vec<&str> = c.networks.iter().map(|n| n.network.as_str()).collect();
                let on = if on.is_empty() {
                    "no network".to_string()
                } else {
                    on.join(", ")
                };
                let message = format!(
                    "container {} on {node} is not attached to {net} (it is on: {on})",
                    c.name
                );
                out.push(about(
                    Finding::new(Kind::IpMismatch, Severity::Error, message)
                        .expected(want)
                        .actual(format!("not on {net}")),
                ));
                return;
            }
        },
        // VLAN unknown to the config: any of its addresses will do.
        None => c
            .networks
            .iter()
            .filter_map(|n| n.ip.clone())
            .find(|ip| *ip == want)
            .or_else(|| c.networks.iter().find_map(|n| n.ip.clone())),
    };
    if actual.as_deref() != Some(want.as_str()) {
        let message = format!(
            "container {} on {node} has {} on {}; the inventory says {want}",
            c.name,
            actual.as_deref().unwrap_or("no address"),
            network.as_deref().unwrap_or("any network")
        );
        out.push(about(
            Finding::new(Kind::IpMismatch, Severity::Error, message)
                .expected(want)
                .actual(actual),
        ));
    }
}

/// A running container whose healthcheck fails. The engine's list carries only the
/// verdict (its probe output needs an inspect per container), so the message quotes the
/// status Docker shows for it.
fn unhealthy(c: &ContainerInfo, node: &str) -> Finding {
    let message = format!(
        "container {name} on {node} is running but its healthcheck fails ({}); the probe's output: `docker inspect {name}`, .State.Health.Log",
        c.status,
        name = c.name
    );
    Finding::new(Kind::ContainerUnhealthy, Severity::Error, message)
        .expected(ContainerHealth::Healthy.as_str().to_string())
        .actual(ContainerHealth::Unhealthy.as_str().to_string())
}

/// How many names to list in one message before "and N more".
const LIST_MAX: usize = 5;

pub(super) fn short_list(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(LIST_MAX)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LIST_MAX {
        text.push_str(&format!(" and {} more", items.len() - LIST_MAX));
    }
    text
}

/// One finding per unreachable node (never one per site), naming the sites left
/// unchecked because of it.
fn unreachable_findings(input: &CheckInput<'_>, out: &mut Collector) {
    let down = std::mem::take(&mut out.unreachable);
    for (node, reasons) in down {
        let sites: Vec<String> = input
            .sites
            .iter()
            .filter(|s| s.state == SiteState::Active && site_node(input.config, s) == Some(&node))
            .map(|s| s.domain.clone())
            .collect();
        let why = reasons.join("; ");
        let message = if sites.is_empty() {
            format!("{node} unreachable: {why}")
        } else {
            format!(
                "{node} unreachable: {why}; {} not checked: {}",
                crate::plural::plural(sites.len(), "site", "sites"),
                short_list(&sites)
            )
        };
        out.push(
            Finding::new(Kind::NodeUnreachable, Severity::Error, message)
                .node(node.as_str())
                .expected("reachable".to_string())
                .actual(why)
                .target(Target {
                    node: Some(node.clone()),
                    ..Target::default()
                }),
        );
    }
}

fn finish(input: &CheckInput<'_>, mut out: Collector) -> CheckReport {
    out.findings.sort_by(|a, b| {
        (a.kind, &a.domain, &a.node, &a.message).cmp(&(b.kind, &b.domain, &b.node, &b.message))
    });
    let counted = |f: &&Finding| f.severity != Severity::Info;
    let flagged: HashSet<&str> = out
        .findings
        .iter()
        .filter(counted)
        .filter_map(|f| f.domain.as_deref())
        .collect();
    let active = input.sites.iter().filter(|s| s.state == SiteState::Active);
    let ok = active
        .filter(|s| !out.unchecked.contains(&s.domain) && !flagged.contains(s.domain.as_str()))
        .count();
    CheckReport {
        summary: Summary {
            sites: input.sites.len(),
            ok,
            problems: out.findings.iter().filter(counted).count(),
            unreachable: out.unchecked.len(),
        },
        findings: out.findings,
        skipped: out.skipped,
    }
}

#[cfg(test)]
mod tests;
