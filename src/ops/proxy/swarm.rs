//! Where a swarm site is served from (README "Sites on a swarm"): one nginx `upstream`
//! per site, a `server node_address:published_port` for every node running one of its
//! tasks. The swarm moves tasks; `proxy plan` shows the upstream change, `check` reports
//! a deployed upstream that no longer matches (`upstream_stale`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::inventory::SwarmSite;
use crate::swarm::ClusterState;

/// A swarm site's upstream: its name in the nginx file, and its servers (`addr:port`,
/// sorted, so the same placement always renders the same bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub name: String,
    pub servers: Vec<String>,
}

/// Every swarm site's upstream, by domain.
pub type SwarmRoutes = BTreeMap<String, Upstream>;

/// What one swarm site's tasks say, from its swarm's state. Pure.
///
/// A task counts when it is running (where the swarm also wants it running): a task
/// starting or shutting down would only answer 502. The address is the swarm node's
/// own (`Status.Addr`), the one the tree maps to a fleetdeck node (`swarm/tree.rs`), so
/// the proxy reaches the node the way fleetdeck does.
pub fn upstream_of(site: &SwarmSite, state: &ClusterState) -> Upstream {
    let addresses: HashMap<&str, &str> = state
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.address.as_str()))
        .collect();
    let service = state.services.iter().find(|s| {
        s.name == site.service || s.labels.get(crate::contract::label::DOMAIN) == Some(&site.domain)
    });
    let servers: BTreeSet<String> = service
        .into_iter()
        .flat_map(|s| s.tasks.iter())
        .filter(|t| t.state == "running" && t.desired_state == "running")
        .filter_map(|t| addresses.get(t.node_id.as_deref()?))
        .filter(|a| !a.is_empty())
        .map(|a| format!("{a}:{}", site.published_port))
        .collect();
    Upstream {
        name: site.service.clone(),
        servers: servers.into_iter().collect(),
    }
}

/// Every swarm site's upstream; a swarm that could not be read is an error naming it
/// (rendering its sites with no servers would take them offline at the next apply).
pub fn routes(
    sites: &[SwarmSite],
    states: &BTreeMap<String, Result<ClusterState, String>>,
) -> Result<SwarmRoutes, String> {
    let mut out = SwarmRoutes::new();
    for site in sites {
        match states.get(&site.swarm) {
            Some(Ok(state)) => {
                out.insert(site.domain.clone(), upstream_of(site, state));
            }
            Some(Err(why)) => {
                return Err(format!(
                    "swarm {} (site {}): {why}",
                    site.swarm, site.domain
                ));
            }
            None => {
                return Err(format!(
                    "site {} is on swarm {}, which the config does not declare ([[swarm]])",
                    site.domain, site.swarm
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::{SwarmNode, SwarmService, SwarmTask};

    fn node(id: &str, addr: &str) -> SwarmNode {
        SwarmNode {
            id: id.into(),
            hostname: id.into(),
            address: addr.into(),
            role: "worker".into(),
            availability: "active".into(),
            status: "ready".into(),
            leader: false,
            reachability: None,
            engine_version: None,
        }
    }

    fn task(node: &str, state: &str, desired: &str) -> SwarmTask {
        SwarmTask {
            id: format!("t-{node}-{state}"),
            slot: Some(1),
            node_id: Some(node.into()),
            state: state.into(),
            desired_state: desired.into(),
            error: None,
            created_at: None,
        }
    }

    fn state(tasks: Vec<SwarmTask>) -> ClusterState {
        ClusterState {
            spec_name: "default".into(),
            nodes: vec![
                node("n1", "10.79.0.1"),
                node("n2", "10.79.0.2"),
                node("n3", "10.79.0.3"),
            ],
            services: vec![SwarmService {
                id: "svc".into(),
                name: "fd-a-example".into(),
                mode: "replicated".into(),
                running: 2,
                desired: 2,
                image: "img".into(),
                ports: vec!["20001:80/tcp (host)".into()],
                update_state: None,
                labels: Default::default(),
                tasks,
                failed: Vec::new(),
            }],
        }
    }

    fn site() -> SwarmSite {
        SwarmSite {
            domain: "a.example".into(),
            swarm: "lab".into(),
            published_port: 20001,
            service: "fd-a-example".into(),
        }
    }

    #[test]
    fn the_upstream_lists_the_nodes_running_a_task_sorted() {
        let up = upstream_of(
            &site(),
            &state(vec![
                task("n3", "running", "running"),
                task("n1", "running", "running"),
                task("n2", "starting", "running"),
                task("n2", "running", "shutdown"),
            ]),
        );
        assert_eq!(up.name, "fd-a-example");
        assert_eq!(up.servers, ["10.79.0.1:20001", "10.79.0.3:20001"]);
    }

    #[test]
    fn a_task_that_moved_moves_the_upstream_and_an_unread_swarm_is_an_error() {
        let before = upstream_of(&site(), &state(vec![task("n1", "running", "running")]));
        let after = upstream_of(&site(), &state(vec![task("n2", "running", "running")]));
        assert_ne!(before, after);
        assert_eq!(after.servers, ["10.79.0.2:20001"]);
        let states = BTreeMap::from([("lab".to_string(), Err("manager down".to_string()))]);
        let err = routes(&[site()], &states).expect_err("unread");
        assert!(
            err.contains("swarm lab") && err.contains("manager down"),
            "{err}"
        );
        let err = routes(&[site()], &BTreeMap::new()).expect_err("undeclared");
        assert!(err.contains("[[swarm]]"), "{err}");
        let ok = BTreeMap::from([("lab".to_string(), Ok(state(vec![])))]);
        assert!(
            routes(&[site()], &ok).expect("routes")["a.example"]
                .servers
                .is_empty()
        );
    }
}
