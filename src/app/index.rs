//! What a frame needs to know about the whole fleet, worked out once when the tree is
//! rebuilt rather than on every frame: the status bar's counts, a node by name, a site by
//! domain. Drawing then costs what is on screen, whatever the fleet's size (ARCHITECTURE
//! "app/"; README "A thousand hosts"). Pure.

use std::collections::HashMap;

use crate::fleet::snapshot::NodeStatus;
use crate::fleet::tree::{TreeDoc, TreeNode};
use crate::inventory::Site;

/// The fleet's counts, as the status bar shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Up and current (a stale node is counted apart).
    pub up: usize,
    pub down: usize,
    /// Not current, and not down.
    pub stale: usize,
    pub running: usize,
    pub containers: usize,
    /// Crashed or unhealthy (`rows::is_crash`).
    pub crashed: usize,
}

impl Tally {
    pub fn of(doc: &TreeDoc) -> Tally {
        let mut t = Tally::default();
        for n in &doc.nodes {
            t.add(&Tally::of_node(n));
        }
        t
    }

    /// One node's part of the counts.
    pub fn of_node(n: &TreeNode) -> Tally {
        let mut t = Tally::default();
        match n.status {
            NodeStatus::Down => t.down += 1,
            _ if n.stale => t.stale += 1,
            NodeStatus::Up => t.up += 1,
            NodeStatus::Unknown => {}
        }
        t.containers += n.containers.len();
        for c in &n.containers {
            t.running += usize::from(c.state == "running");
            t.crashed += usize::from(super::rows::is_crash(c));
        }
        t
    }

    fn add(&mut self, o: &Tally) {
        self.up += o.up;
        self.down += o.down;
        self.stale += o.stale;
        self.running += o.running;
        self.containers += o.containers;
        self.crashed += o.crashed;
    }

    /// Take back a part added before (so never below zero).
    fn take(&mut self, o: &Tally) {
        self.up = self.up.saturating_sub(o.up);
        self.down = self.down.saturating_sub(o.down);
        self.stale = self.stale.saturating_sub(o.stale);
        self.running = self.running.saturating_sub(o.running);
        self.containers = self.containers.saturating_sub(o.containers);
        self.crashed = self.crashed.saturating_sub(o.crashed);
    }
}

/// Positions by name in the tree's nodes and the inventory's sites.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    nodes: HashMap<String, usize>,
    sites: HashMap<String, usize>,
    pub tally: Tally,
    /// Each node's part of `tally`, so that one node's change is counted without
    /// counting the fleet again.
    parts: Vec<Tally>,
}

impl Index {
    pub fn of(doc: &TreeDoc, sites: &[Site]) -> Index {
        let nodes = doc
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.clone(), i))
            .collect();
        let mut by_domain = HashMap::with_capacity(sites.len());
        for (i, s) in sites.iter().enumerate() {
            // The first in inventory order wins, as a scan would find it.
            by_domain.entry(s.domain.clone()).or_insert(i);
        }
        let parts: Vec<Tally> = doc.nodes.iter().map(Tally::of_node).collect();
        let mut tally = Tally::default();
        parts.iter().for_each(|p| tally.add(p));
        Index {
            nodes,
            sites: by_domain,
            tally,
            parts,
        }
    }

    /// The entries `changed` of `doc` changed, and nothing else did (the same nodes in
    /// the same places, the same sites): their counts are taken again.
    pub fn patch(&mut self, doc: &TreeDoc, changed: &[usize]) {
        for &at in changed {
            let (Some(n), Some(part)) = (doc.nodes.get(at), self.parts.get_mut(at)) else {
                continue;
            };
            self.tally.take(part);
            *part = Tally::of_node(n);
            self.tally.add(part);
        }
    }

    /// The tree's node named `name`; `doc` must be the tree this index was built from.
    pub fn node<'a>(&self, doc: &'a TreeDoc, name: &str) -> Option<&'a TreeNode> {
        let at = *self.nodes.get(name)?;
        doc.nodes.get(at).filter(|n| n.name == name)
    }

    /// The inventory's site for `domain`; `sites` must be those this index was built
    /// from.
    pub fn site<'a>(&self, sites: &'a [Site], domain: &str) -> Option<&'a Site> {
        let at = *self.sites.get(domain)?;
        sites.get(at).filter(|s| s.domain == domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::docker::{ContainerInfo, DockerFacts};
    use crate::fleet::snapshot::NodeSnapshot;
    use crate::fleet::tree::build_from;

    fn doc() -> TreeDoc {
        let config = crate::config::load_str(
            "[[node]]\nname = \"a\"\nssh = \"root@10.0.0.1\"\n[[node]]\nname = \"b\"\nssh = \"root@10.0.0.2\"\n[[node]]\nname = \"c\"\nssh = \"root@10.0.0.3\"\n",
            std::path::Path::new("t.toml"),
        )
        .expect("config");
        let mut a = NodeSnapshot::unknown("a");
        a.status = NodeStatus::Up;
        a.polled_at = "2026-01-01T00:00:00Z".into();
        let mut crashed = ContainerInfo::running_for_test("x2");
        crashed.state = "exited".into();
        crashed.status = "Exited (1) 2 minutes ago".into();
        a.docker = Some(DockerFacts {
            containers: vec![ContainerInfo::running_for_test("x1"), crashed],
            networks: Vec::new(),
        });
        let mut b = NodeSnapshot::unknown("b");
        b.status = NodeStatus::Down;
        build_from(
            &config,
            [a, b].iter(),
            &[],
            "2026-01-01T00:00:01Z".into(),
            None,
        )
    }

    #[test]
    fn tally_counts_what_the_status_bar_shows() {
        let t = Tally::of(&doc());
        assert_eq!(
            t,
            Tally {
                up: 1,
                down: 1,
                stale: 0,
                running: 1,
                containers: 2,
                crashed: 1
            }
        );
    }

    #[test]
    fn nodes_are_found_by_name_and_unknown_names_are_not() {
        let doc = doc();
        let index = Index::of(&doc, &[]);
        assert_eq!(
            index.node(&doc, "b").map(|n| n.status),
            Some(NodeStatus::Down)
        );
        assert_eq!(index.node(&doc, "c").map(|n| n.name.as_str()), Some("c"));
        assert!(index.node(&doc, "zz").is_none());
    }
}
