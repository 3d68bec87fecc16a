//! The fleet as last seen: the latest snapshot of every node, updated by poll events.
//! Pure, so the console's `update` can own it.

use std::collections::BTreeMap;

use super::poller::PollEvent;
use super::snapshot::{NodeSnapshot, NodeStatus};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fleet {
    nodes: BTreeMap<String, NodeSnapshot>,
}

impl Fleet {
    /// Apply one event; `true` when something visible changed (so the screen redraws
    /// only then).
    pub fn apply(&mut self, event: PollEvent) -> bool {
        match event {
            PollEvent::Snapshot(snap) => {
                let mut snap = *snap;
                let previous = self.nodes.get(&snap.name);
                if snap.status != NodeStatus::Up {
                    // A node that went down keeps the time it was last seen.
                    snap.last_seen = previous.and_then(|p| p.last_seen.clone());
                }
                let changed = previous.is_none_or(|p| !same_content(p, &snap));
                self.nodes.insert(snap.name.clone(), snap);
                changed
            }
            PollEvent::Docker { node, facts } => match self.nodes.get_mut(&node) {
                Some(snap) if !same_docker(snap.docker.as_ref(), &facts) => {
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
}

fn same_docker(
    old: Option<&crate::collect::docker::DockerFacts>,
    new: &crate::collect::docker::DockerFacts,
) -> bool {
    let Some(old) = old else { return false };
    let strip = |d: &crate::collect::docker::DockerFacts| {
        let mut d = d.clone();
        d.containers.iter_mut().for_each(|c| c.status.clear());
        d
    };
    strip(old) == strip(new)
}

/// Equal but for the bookkeeping that changes on every poll (times, durations, load).
fn same_content(a: &NodeSnapshot, b: &NodeSnapshot) -> bool {
    let strip = |s: &NodeSnapshot| {
        let mut s = s.clone();
        s.polled_at.clear();
        s.last_seen = None;
        s.took_ms = 0;
        s.facts.uptime_secs = None;
        s.facts.load = None;
        // Docker's "Up 3 minutes" moves with the clock; the state word is what counts.
        if let Some(d) = s.docker.as_mut() {
            d.containers.iter_mut().for_each(|c| c.status.clear());
        }
        s
    };
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::docker::DockerFacts;

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
}
