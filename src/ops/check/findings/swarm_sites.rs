//! The swarm sites' findings (README "Sites on a swarm"): `service_missing` (a site of
//! the inventory with no service), `upstream_stale` (the deployed upstream is not where
//! the tasks run) and `port_conflict` (a site's published port claimed twice, or taken
//! on a node). Pure, from the manager's view `gather` read.

use std::collections::BTreeMap;

use super::{CheckInput, Collector, Finding, Kind, Severity, Target};
use crate::inventory::{SiteState, SwarmSite};
use crate::ops::proxy::swarm::upstream_of;
use crate::swarm::{ClusterState, SwarmService};

fn target(manager: Option<&str>, domain: &str) -> Target {
    Target {
        node: manager.map(str::to_string),
        container: None,
        domain: Some(domain.to_string()),
    }
}

/// Active swarm sites with their swarm's view, when it was read (an unread swarm is
/// already a skipped check, said by `swarm.rs`).
fn active<'a>(
    input: &'a CheckInput<'_>,
) -> impl Iterator<Item = (&'a SwarmSite, &'a str, &'a ClusterState)> {
    input.swarm_sites.iter().filter_map(|row| {
        let site = input.sites.iter().find(|s| s.domain == row.domain)?;
        if site.state != SiteState::Active {
            return None;
        }
        let (manager, state) = input.swarms.get(&row.swarm)?.as_ref().ok()?;
        Some((row, manager.as_str(), state))
    })
}

fn service_of<'a>(row: &SwarmSite, state: &'a ClusterState) -> Option<&'a SwarmService> {
    state
        .services
        .iter()
        .find(|s| s.name == row.service || s.labels.get(super::LABEL_DOMAIN) == Some(&row.domain))
}

pub(super) fn services(input: &CheckInput<'_>, out: &mut Collector) {
    for (row, manager, state) in active(input) {
        if service_of(row, state).is_some() {
            continue;
        }
        out.push(
            Finding::new(
                Kind::ServiceMissing,
                Severity::Error,
                format!(
                    "site {} has no service on swarm {}: recreate it (delete, then create) or remove the site",
                    row.domain, row.swarm
                ),
            )
            .domain(row.domain.as_str())
            .node(manager)
            .expected(format!("service {}", row.service))
            .actual("no such service".to_string())
            .target(target(Some(manager), &row.domain)),
        );
    }
}

pub(super) fn upstreams(input: &CheckInput<'_>, out: &mut Collector) {
    let Some(deployed) = &input.upstreams else {
        return;
    };
    for (row, _, state) in active(input) {
        if service_of(row, state).is_none() {
            continue;
        }
        let want = upstream_of(row, state).servers;
        let have = deployed.get(&row.service);
        if have == Some(&want) {
            continue;
        }
        let shown = |s: &[String]| {
            if s.is_empty() {
                "no server".to_string()
            } else {
                s.join(" ")
            }
        };
        let actual = have.map_or_else(|| "no upstream block".to_string(), |h| shown(h));
        out.push(
            Finding::new(
                Kind::UpstreamStale,
                Severity::Error,
                format!(
                    "upstream {} of {} lists {actual}, but its tasks run on {}: run proxy plan, then proxy apply",
                    row.service,
                    row.domain,
                    shown(&want)
                ),
            )
            .domain(row.domain.as_str())
            .expected(shown(&want))
            .actual(actual)
            .target(target(None, &row.domain)),
        );
    }
}

/// The published ports a service claims, from its `published:target/proto (mode)` text.
fn published(s: &SwarmService) -> impl Iterator<Item = u16> + '_ {
    s.ports
        .iter()
        .filter_map(|p| p.split(':').next()?.parse::<u16>().ok())
        .filter(|p| *p != 0)
}

pub(super) fn ports(input: &CheckInput<'_>, out: &mut Collector) {
    for (name, read) in &input.swarms {
        let Ok((manager, state)) = read else { continue };
        // Every claim of a port on this swarm: services, and sites whose service is gone.
        let mut claims: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        for s in &state.services {
            for p in published(s) {
                claims
                    .entry(p)
                    .or_default()
                    .push(format!("service {}", s.name));
            }
        }
        for row in input.swarm_sites.iter().filter(|r| &r.swarm == name) {
            let own = state
                .services
                .iter()
                .any(|s| s.name == row.service && published(s).any(|p| p == row.published_port));
            if !own {
                claims
                    .entry(row.published_port)
                    .or_default()
                    .push(format!("site {}", row.domain));
            }
        }
        for (port, who) in &claims {
            if who.len() < 2 {
                continue;
            }
            let domain = input
                .swarm_sites
                .iter()
                .find(|r| &r.swarm == name && r.published_port == *port)
                .map(|r| r.domain.clone());
            out.push(
                Finding::new(
                    Kind::PortConflict,
                    Severity::Error,
                    format!(
                        "port {port} on swarm {name} is claimed by {}: give all but one another port",
                        who.join(" and ")
                    ),
                )
                .domain(domain.as_deref())
                .node(manager.as_str())
                .expected("one claim".to_string())
                .actual(who.join(", "))
                .target(Target {
                    node: Some(manager.clone()),
                    container: None,
                    domain,
                }),
            );
        }
        taken_on_nodes(input, name, manager, state, out);
    }
}

/// A site's task that could not run because its port is held on a node: the scheduler's
/// "host-mode port already in use" (another service), or a bind failure on the node
/// (something outside the swarm). A failure in the history counts while the service is
/// short of tasks; the node is named as the manager lists it.
fn taken_on_nodes(
    input: &CheckInput<'_>,
    swarm: &str,
    manager: &str,
    state: &ClusterState,
    out: &mut Collector,
) {
    use crate::swarm::ports::{node_named, port_taken};
    for row in input.swarm_sites.iter().filter(|r| r.swarm == swarm) {
        let Some(service) = service_of(row, state) else {
            continue;
        };
        let port = row.published_port;
        let history = service
            .failed
            .iter()
            .filter(|_| service.running < service.desired);
        let blocked = service.tasks.iter().chain(history).find_map(|t| {
            let e = t.error.as_deref()?;
            let hit = port_taken(e, port) || (e.contains("port") && e.contains("in use"));
            hit.then_some((t.node_id.as_deref(), e))
        });
        if let Some((node_id, why)) = blocked {
            let on = node_id
                .map(|id| format!("node {}", node_named(&state.nodes, id)))
                .unwrap_or_else(|| format!("a node of swarm {swarm}"));
            out.push(
                Finding::new(
                    Kind::PortConflict,
                    Severity::Error,
                    format!(
                        "port {port} of {} is taken on {on} ({why}): free it there, or recreate the site",
                        row.domain
                    ),
                )
                .domain(row.domain.as_str())
                .node(manager)
                .expected(format!("port {port} free on the nodes"))
                .actual(format!("{on}: {why}"))
                .target(target(Some(manager), &row.domain)),
            );
        }
    }
}

#[cfg(test)]
mod tests;
