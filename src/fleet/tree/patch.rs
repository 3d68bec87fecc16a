//! One node's new snapshot, applied to a tree already built: only the entries it changes
//! are built again, so a poll of one node in a fleet of a thousand costs about that one
//! node (issue 19; ARCHITECTURE "app/"). Pure, and held to give exactly the tree a whole
//! [`super::build_from`] gives (`patch/tests.rs`).

use std::collections::HashMap;

use super::{Around, Ties, TreeDoc, error_text};
use crate::config::Config;
use crate::fleet::snapshot::NodeSnapshot;
use crate::fleet::stale;
use crate::inventory::Site;

/// Bring `doc` up to date at `generated_at` after the nodes named in `changed` got new
/// snapshots (`snapshots`: the whole fleet as it is now). Built again: those nodes'
/// entries, the entries whose tunnels read one of them, and the entries the time moved
/// (a node turning stale, a stale node's age, a "next try" countdown); the invisible age
/// of a fresh node is brought up to date in place. `None` when what ties nodes together
/// changed (which node nests under which, the swarms, the config's nodes): then only a
/// whole [`super::build_from`] is right, and the caller makes one. Otherwise the positions in
/// `doc.nodes` of the entries that now read differently, in order.
pub fn patch_from<'a>(
    doc: &mut TreeDoc,
    config: &Config,
    snapshots: impl Iterator<Item = &'a NodeSnapshot>,
    sites: &[Site],
    changed: &[String],
    generated_at: String,
    asking_since: Option<&str>,
) -> Option<Vec<usize>> {
    let same_nodes = doc.nodes.len() == config.nodes.len()
        && doc
            .nodes
            .iter()
            .zip(&config.nodes)
            .all(|(n, c)| n.name == c.name);
    if !same_nodes {
        return None;
    }
    let around = Around::new(config, snapshots, sites, &generated_at, asking_since);
    let mut ties = Ties::of(config, &around.snaps);
    if ties.swarms != doc.swarms {
        return None;
    }
    // The same parents give the same children and the same loops (and their notes).
    let nesting_kept = doc.nodes.iter().all(|n| {
        let kids = ties.children.get(&n.name).map_or(&[][..], Vec::as_slice);
        n.children == kids
    });
    if !nesting_kept {
        return None;
    }

    let at: HashMap<&str, usize> = config
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let mut redo = vec![false; doc.nodes.len()];
    let mut mark = |name: &str| {
        if let Some(&i) = at.get(name) {
            redo[i] = true;
        }
    };
    changed.iter().for_each(|n| mark(n));
    // A declared tunnel is shown on its origin node and reads its far end too.
    for t in &config.tunnels {
        let reads_changed = changed
            .iter()
            .any(|c| *c == t.node || t.via.as_deref() == Some(c.as_str()));
        if reads_changed {
            mark(&t.node);
        }
    }
    for (i, n) in doc.nodes.iter_mut().enumerate() {
        if redo[i] {
            continue;
        }
        if n.swarm.as_ref() != ties.membership.get(&n.name) {
            redo[i] = true;
            continue;
        }
        // The time moved since the entry was built.
        let unknown;
        let snap = match around.snaps.get(n.name.as_str()) {
            Some(s) => *s,
            None => {
                unknown = NodeSnapshot::unknown(&n.name);
                &unknown
            }
        };
        let fresh = stale::freshness(snap, &generated_at, around.live());
        if fresh.stale != n.stale
            || fresh.as_of != n.data_as_of
            || fresh.why != n.stale_reason
            || error_text(snap, &generated_at) != n.error
            || (n.stale && fresh.age_secs != n.data_age_secs)
        {
            redo[i] = true;
        } else {
            // A fresh node's age is not shown (`tree --json` has it): kept current as a
            // whole build would, without building the entry again.
            n.data_age_secs = fresh.age_secs;
        }
    }

    let mut moved = Vec::new();
    for (i, node) in config.nodes.iter().enumerate() {
        if !redo[i] {
            continue;
        }
        let entry = around.entry(
            node,
            ties.loop_notes.get(&node.name),
            ties.children.remove(&node.name).unwrap_or_default(),
            ties.membership.remove(&node.name),
        );
        if entry != doc.nodes[i] {
            doc.nodes[i] = entry;
            moved.push(i);
        }
    }
    doc.generated_at = generated_at;
    Some(moved)
}

#[cfg(test)]
mod tests;
