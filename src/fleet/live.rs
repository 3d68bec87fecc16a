//! The fleet as last seen: the latest snapshot of every node, updated by poll events.
//! Pure, so the console's `update` can own it.

use std::collections::BTreeMap;

use super::model::NodeFacts;
use super::snapshot::PollEvent;
use super::snapshot::{NodeSnapshot, NodeStatus, Stale};
use super::stale::hold;
use crate::fleet::docker::{ContainerInfo, DockerFacts};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fleet {
    nodes: BTreeMap<String, NodeSnapshot>,
}

impl Fleet {
    /// Apply one event; `true` when something visible changed (so the screen redraws
    /// only then).
    pub fn apply(&mut self, event: PollEvent) -> bool {
        match event {
            PollEvent::Snapshot(snap) if snap.missed().is_some() => {
                // No answer in time (a silent sshd): what was last seen stays, dated.
                let why = snap.missed().unwrap_or_default().to_string();
                self.apply(PollEvent::Missed {
                    node: snap.name,
                    why,
                })
            }
            PollEvent::Snapshot(snap) => {
                let mut snap = *snap;
                let previous = self.nodes.get(&snap.name);
                if snap.status != NodeStatus::Up {
                    // A node that went down keeps the time it was last seen.
                    snap.last_seen = previous.and_then(|p| p.last_seen.clone());
                }
                if let Some(prev) = previous {
                    keep_containers(prev, &mut snap);
                }
                let changed = previous.is_none_or(|p| !same_content(p, &snap));
                self.nodes.insert(snap.name.clone(), snap);
                changed
            }
            PollEvent::Missed { node, why } => {
                let held = hold(self.nodes.get(&node), &node, why);
                let changed = self
                    .nodes
                    .get(&node)
                    .is_none_or(|p| !same_content(p, &held));
                self.nodes.insert(node, held);
                changed
            }
            PollEvent::Docker { node, facts } => match self.nodes.get_mut(&node) {
                Some(snap) if !same_docker(snap.docker.as_ref(), Some(&facts)) => {
                    snap.docker = Some(facts);
                    true
                }
                _ => false,
            },
        }
    }

    pub fn node(&self, name: &str) -> Option<&NodeSnapshot> {
        self.nodes.get(name)
    }

    pub fn snapshots(&self) -> Vec<NodeSnapshot> {
        self.nodes.values().cloned().collect()
    }

    /// The latest snapshot of every node, by name, without copying them.
    pub fn iter(&self) -> impl Iterator<Item = &NodeSnapshot> {
        self.nodes.values()
    }
}

/// A node that answers while its engine does not keeps its last-known containers (shown
/// greyed, "as of" when they were read) instead of losing them: an engine that stalls
/// must not look like an engine with nothing running.
pub fn keep_containers(prev: &NodeSnapshot, snap: &mut NodeSnapshot) {
    let Some(error) = snap.fact_error("docker").map(str::to_string) else {
        return;
    };
    if snap.status != NodeStatus::Up || snap.docker.is_some() || prev.docker.is_none() {
        return;
    }
    let as_of = match &prev.stale {
        Some(s) => s.as_of.clone(),
        None => (!prev.polled_at.is_empty()).then(|| prev.polled_at.clone()),
    };
    snap.docker = prev.docker.clone();
    snap.swarm = prev.swarm.clone();
    snap.stale = Some(Stale {
        why: format!("engine not answering: {error}"),
        as_of,
    });
}

/// Equal but for Docker's human status ("Up 3 minutes"), which moves with the clock;
/// the state word is what counts. Compared in place: cloning 10,000 containers to strip
/// one field was most of the cost of an update.
fn same_containers(a: &[ContainerInfo], b: &[ContainerInfo]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            let ContainerInfo {
                id,
                name,
                image,
                state,
                status: _,
                health,
                networks,
                labels,
                restarts,
            } = x;
            *id == y.id
                && *name == y.name
                && *image == y.image
                && *state == y.state
                && *health == y.health
                && *networks == y.networks
                && *labels == y.labels
                && *restarts == y.restarts
        })
}

fn same_docker(old: Option<&DockerFacts>, new: Option<&DockerFacts>) -> bool {
    match (old, new) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.networks == b.networks && same_containers(&a.containers, &b.containers)
        }
        _ => false,
    }
}

/// Equal in everything shown: not when it was polled, nor uptime and load, which move on
/// every poll. Destructured so that a new field has to be placed on one side or the other.
fn same_content(a: &NodeSnapshot, b: &NodeSnapshot) -> bool {
    let NodeSnapshot {
        name,
        status,
        error,
        fact_errors,
        address,
        facts,
        guests,
        docker,
        swarm,
        bridges,
        listening,
        ssh_processes,
        ssh_forwards,
        notes,
        polled_at: _,
        last_seen: _,
        took_ms: _,
        stale,
        retry_at,
    } = a;
    let NodeFacts {
        hostname,
        os,
        kernel,
        uptime_secs: _,
        load: _,
    } = facts;
    *name == b.name
        && *status == b.status
        && *error == b.error
        && *fact_errors == b.fact_errors
        && *address == b.address
        && *hostname == b.facts.hostname
        && *os == b.facts.os
        && *kernel == b.facts.kernel
        && *guests == b.guests
        && *bridges == b.bridges
        && *listening == b.listening
        && *ssh_processes == b.ssh_processes
        && *ssh_forwards == b.ssh_forwards
        && *notes == b.notes
        && *stale == b.stale
        && *retry_at == b.retry_at
        && *swarm == b.swarm
        && same_docker(docker.as_ref(), b.docker.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::docker::DockerFacts;

    fn up(name: &str, at: &str) -> NodeSnapshot {
        let mut s = NodeSnapshot::unknown(name);
        s.status = NodeStatus::Up;
        s.polled_at = at.into();
        s.last_seen = Some(at.into());
        s
    }

    #[test]
    fn a_node_that_goes_down_keeps_its_last_seen_time_and_error() {
        let mut fleet = Fleet::default();
        assert!(fleet.apply(PollEvent::Snapshot(Box::new(up("teemo", "10:00")))));
        let mut down = NodeSnapshot::unknown("teemo");
        down.status = NodeStatus::Down;
        down.error = Some("timed out".into());
        assert!(fleet.apply(PollEvent::Snapshot(Box::new(down))));
        let node = fleet.node("teemo").expect("node");
        assert_eq!(
            (node.status, node.last_seen.as_deref()),
            (NodeStatus::Down, Some("10:00"))
        );
        assert_eq!(node.error.as_deref(), Some("timed out"));
    }

    #[test]
    fn identical_polls_change_nothing_and_docker_events_patch_containers() {
        let mut fleet = Fleet::default();
        fleet.apply(PollEvent::Snapshot(Box::new(up("teemo", "10:00"))));
        let mut again = up("teemo", "10:05");
        again.facts.load = Some([0.5, 0.4, 0.3]);
        assert!(
            !fleet.apply(PollEvent::Snapshot(Box::new(again))),
            "only times and load moved: no redraw"
        );
        let facts = DockerFacts::default();
        assert!(fleet.apply(PollEvent::Docker {
            node: "teemo".into(),
            facts: facts.clone()
        }));
        assert!(!fleet.apply(PollEvent::Docker {
            node: "teemo".into(),
            facts
        }));
        assert!(!fleet.apply(PollEvent::Docker {
            node: "nobody".into(),
            facts: DockerFacts::default()
        }));
    }

    fn with_container(at: &str, state: &str, status: &str, ip: &str) -> NodeSnapshot {
        let mut s = up("teemo", at);
        s.docker = Some(DockerFacts {
            containers: vec![ContainerInfo {
                restarts: None,
                id: "c1".into(),
                name: "fd-a.lab".into(),
                image: "nginx".into(),
                state: state.into(),
                status: status.into(),
                health: None,
                networks: vec![crate::fleet::docker::ContainerNet {
                    network: "vlan110".into(),
                    ip: Some(ip.into()),
                }],
                labels: Default::default(),
            }],
            networks: Vec::new(),
        });
        s
    }

    #[test]
    fn a_container_changes_the_fleet_only_by_what_is_shown() {
        let mut fleet = Fleet::default();
        let first = with_container("10:00", "running", "Up 1 minute", "10.0.110.2");
        assert!(fleet.apply(PollEvent::Snapshot(Box::new(first))));
        let later = with_container("10:05", "running", "Up 6 minutes", "10.0.110.2");
        assert!(
            !fleet.apply(PollEvent::Snapshot(Box::new(later))),
            "Docker's human status moves with the clock: no redraw"
        );
        let mut sick = with_container("10:05", "running", "Up 6 minutes (unhealthy)", "10.0.110.2");
        if let Some(d) = sick.docker.as_mut() {
            d.containers[0].health = Some(crate::fleet::docker::ContainerHealth::Unhealthy);
        }
        assert!(
            fleet.apply(PollEvent::Snapshot(Box::new(sick))),
            "the health is shown"
        );
        let stopped = with_container("10:06", "exited", "Exited (0)", "10.0.110.2");
        assert!(fleet.apply(PollEvent::Snapshot(Box::new(stopped))), "state");
        let moved = with_container("10:07", "exited", "Exited (0)", "10.0.110.9");
        assert!(fleet.apply(PollEvent::Snapshot(Box::new(moved))), "address");
        let mut kernel = with_container("10:08", "exited", "Exited (0)", "10.0.110.9");
        kernel.facts.kernel = Some("Linux 6.2".into());
        assert!(fleet.apply(PollEvent::Snapshot(Box::new(kernel))), "kernel");
        let mut bridge = with_container("10:09", "exited", "Exited (0)", "10.0.110.9");
        bridge.facts.kernel = Some("Linux 6.2".into());
        bridge.notes.push("dial-stdio".into());
        assert!(fleet.apply(PollEvent::Snapshot(Box::new(bridge))), "notes");
        assert_eq!(fleet.iter().count(), 1);
    }
}
