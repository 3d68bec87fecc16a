//! Staleness in the console: whether the time handed in with a tick changes what the
//! tree shows (a node turning stale, a stale node's age, a "next try" countdown), and
//! the activity lines for nodes that turn stale or come back.

use std::collections::BTreeMap;

use crate::app::{Level, State};
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};
use crate::fleet::stale::freshness;
use crate::fleet::tree::{TreeNode, error_text};

/// Whether rebuilding the tree at `state.now` would show something else. Ages of fresh
/// nodes are not shown, so they alone never cause a redraw.
pub(super) fn moved(state: &State) -> bool {
    state.doc.nodes.iter().any(|n| node_moved(state, n))
}

/// [`moved`], for the nodes named only: a poll round's answers that changed nothing
/// can only have made those nodes fresh again; the others move with the clock, which
/// the tick looks at (at 200 nodes, a check of every node per answer was most of the
/// console's idle CPU).
pub(super) fn moved_among(state: &State, names: &[String]) -> bool {
    names
        .iter()
        .filter_map(|name| state.index.node(&state.doc, name))
        .any(|n| node_moved(state, n))
}

fn node_moved(state: &State, n: &TreeNode) -> bool {
    let live = state
        .polling_since
        .as_deref()
        .map(|since| (state.config.refresh_secs, since));
    let unknown;
    let snap = match state.fleet.node(&n.name) {
        Some(s) => s,
        None => {
            unknown = NodeSnapshot::unknown(&n.name);
            &unknown
        }
    };
    let f = freshness(snap, &state.now, live);
    f.stale != n.stale
        || (f.stale && f.age_secs != n.data_age_secs)
        || error_text(snap, &state.now) != n.error
}

/// Each node's staleness as the tree shows it: (stale, status, age).
pub(super) type Seen = BTreeMap<String, (bool, NodeStatus, Option<u64>)>;

pub(super) fn stale_nodes(state: &State) -> Seen {
    state
        .doc
        .nodes
        .iter()
        .map(|n| (n.name.clone(), (n.stale, n.status, n.data_age_secs)))
        .collect()
}

/// Lines for nodes that turned stale or came back since `before`. Down nodes are left to
/// the up/down lines.
pub(super) fn changes(before: &Seen, state: &State) -> Vec<(Level, String)> {
    let mut out = Vec::new();
    for n in &state.doc.nodes {
        let Some((was_stale, was, age)) = before.get(&n.name) else {
            continue;
        };
        if n.status == NodeStatus::Down || *was == NodeStatus::Down {
            continue;
        }
        match (*was_stale, n.stale) {
            (false, true) => out.push((
                Level::Warn,
                format!(
                    "{} stale: {}",
                    n.name,
                    n.stale_reason.as_deref().unwrap_or("no current data")
                ),
            )),
            (true, false) if n.status == NodeStatus::Up => {
                let was_old = age
                    .map(|a| format!(" (data was {a}s old)"))
                    .unwrap_or_default();
                out.push((
                    Level::Info,
                    format!("{} back: answering again{was_old}", n.name),
                ));
            }
            _ => {}
        }
    }
    out
}
