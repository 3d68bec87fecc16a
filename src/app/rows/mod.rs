//! The fleet tree flattened into screen rows: nodes (nested under their parents), and
//! under each its guests, containers, bridges and tunnels; or every container in one flat
//! list. Every row has a stable id, so the selection survives refreshes and re-sorting.
//! Containers carry their table cells (`app/columns.rs` lays them out). Pure.

mod filter;
mod order;
mod swarm;
mod table;

use std::collections::HashSet;

pub use filter::{Terms, filtered};
pub use order::{Order, Shape, arrange};
pub use table::Table;

use super::columns::{parse_status, plural, state_cell};
use crate::fleet::docker::ContainerHealth;
use crate::fleet::snapshot::NodeStatus;
// Below this depth a node shows its own row only (a guard against a runaway chain).
use crate::fleet::tree::nesting::MAX_DEPTH;
use crate::fleet::tree::{Nesting, TreeContainer, TreeDoc, TreeNode};
use crate::fleet::tunnels::TunnelStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Node,
    Guest,
    Container,
    Bridge,
    Tunnel,
    /// A swarm heading, after the nodes (`rows/swarm.rs`).
    Swarm,
    SwarmNode,
    Service,
    Task,
}

/// How an item is doing, for its glyph and colour (its word says it without colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Good,
    Warn,
    Bad,
    /// A container that crashed: exited non-zero, restarting or dead. Red, its own glyph.
    Crashed,
    /// Running, but its healthcheck fails: a crash too, with its own mark.
    Unhealthy,
    /// Exited 0: finished, not broken; dimmed.
    Done,
    Unknown,
    /// A node whose data is not current: its own word, glyph and colour.
    Stale,
    /// A last-known item of a stale node, kept and greyed rather than dropped.
    Greyed,
}

impl Health {
    /// Worst first, for the "problems first" order.
    pub fn rank(self) -> u8 {
        match self {
            Health::Crashed => 0,
            Health::Unhealthy => 1,
            Health::Bad => 2,
            Health::Warn => 3,
            Health::Stale => 4,
            Health::Unknown => 5,
            Health::Greyed => 6,
            Health::Good => 7,
            Health::Done => 8,
        }
    }
}

/// A container's table cells, beyond its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cells {
    /// Word, exit code and age: `exited (3) 2m`, `running 3h`.
    pub state: String,
    /// `healthy`, `unhealthy`, `starting`, or `-` without a healthcheck.
    pub health: String,
    pub ip: String,
    pub domain: String,
    pub image: String,
    pub vlan: Option<u16>,
    /// The engine's restart count; `None` when not known.
    pub restarts: Option<u32>,
    pub exit_code: Option<i64>,
    /// Time in its current state, for sorting by age.
    pub age_secs: Option<u64>,
    /// A stale node's container: when its data was read (`as of 10:00:05`).
    pub as_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    pub depth: usize,
    pub kind: RowKind,
    pub name: String,
    /// The state word: up, down, running, exited, ...
    pub state: String,
    /// A short extra: an address, a domain.
    pub extra: String,
    pub health: Health,
    pub expandable: bool,
    pub collapsed: bool,
    /// The node the row belongs to (a node row: its own name).
    pub node: String,
    /// A container's cells.
    pub cells: Option<Box<Cells>>,
    /// A node's one-line summary: containers running of all, crashed ones, and when
    /// collapsed what it hides.
    pub summary: String,
}

pub fn node_id(name: &str) -> String {
    format!("node/{name}")
}

fn node_health(node: &TreeNode) -> Health {
    if node.stale && node.status != NodeStatus::Down {
        return Health::Stale;
    }
    match node.status {
        NodeStatus::Up if node.fact_errors.is_empty() => Health::Good,
        NodeStatus::Up => Health::Warn,
        NodeStatus::Down => Health::Bad,
        NodeStatus::Unknown => Health::Unknown,
    }
}

/// Down wins over stale (a down verdict says more); stale wins over up and unknown.
fn node_word(node: &TreeNode) -> &'static str {
    if node.stale && node.status != NodeStatus::Down {
        "stale"
    } else {
        node.status.as_str()
    }
}

/// The node's address, after how old a stale node's data is, or when a down node tries
/// again (both computed from the time the tree was built at, so they count).
fn node_extra(node: &TreeNode) -> String {
    let address = node.address.clone().unwrap_or_default();
    let lead = if node.status == NodeStatus::Down {
        node.error
            .as_deref()
            .and_then(|e| e.rsplit_once("; "))
            .map(|(_, next)| next.to_string())
            .filter(|n| n.starts_with("next try") || n.starts_with("trying"))
    } else if node.stale {
        Some(match node.data_age_secs {
            Some(age) => format!("data {age}s old"),
            None => "no answer yet".to_string(),
        })
    } else {
        None
    };
    match lead {
        Some(lead) if address.is_empty() => lead,
        Some(lead) => format!("{lead}  {address}"),
        None => address,
    }
}

fn word_health(state: &str) -> Health {
    match state {
        "running" | "up" | "blocked" => Health::Good,
        "paused" | "restarting" | "created" | "starting" | "suspended" | "shutdown" => Health::Warn,
        "exited" | "dead" | "down" | "crashed" | "stopped" | "dying" | "removing" => Health::Bad,
        _ => Health::Unknown,
    }
}

/// A container's word and health. A running container's healthcheck says more than
/// "running": "unhealthy" (running but failing, never shown as good) or "starting". An
/// exit code tells a crash (non-zero) from a finished job (0); restarting and dead are
/// crashes too.
fn container_state(c: &TreeContainer, exit_code: Option<i64>) -> (String, Health) {
    let health = match (c.state.as_str(), c.health, exit_code) {
        ("running", Some(ContainerHealth::Unhealthy), _) => {
            return ("unhealthy".into(), Health::Unhealthy);
        }
        ("running", Some(ContainerHealth::Starting), _) => {
            return ("starting".into(), Health::Warn);
        }
        ("exited", _, Some(0)) => Health::Done,
        ("exited", _, Some(_)) | ("restarting" | "dead", _, _) => Health::Crashed,
        (word, _, _) => word_health(word),
    };
    (c.state.clone(), health)
}

/// Whether a container counts as crashed (the node row and the status bar count these).
pub fn is_crash(c: &TreeContainer) -> bool {
    let (_, health) = container_state(c, parse_status(&c.status).exit_code);
    matches!(health, Health::Crashed | Health::Unhealthy)
}

/// A container's row, at `depth`; `as_of` dates the last-known containers of a stale node.
fn container_row(node: &str, c: &TreeContainer, depth: usize, as_of: Option<&str>) -> Row {
    let status = parse_status(&c.status);
    let (word, health) = container_state(c, status.exit_code);
    let health = if as_of.is_some() {
        Health::Greyed
    } else {
        health
    };
    let extra = [c.ip.clone(), c.domain.clone(), as_of.map(str::to_string)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let cells = Cells {
        // A last-known state has no age worth showing: it is as old as the data.
        state: if as_of.is_some() {
            word.clone()
        } else {
            state_cell(&word, &status)
        },
        health: c.health.map_or("-", |h| h.as_str()).to_string(),
        ip: c.ip.clone().unwrap_or_default(),
        domain: c.domain.clone().unwrap_or_default(),
        image: c.image.clone(),
        vlan: c.vlan,
        restarts: c.restarts,
        exit_code: status.exit_code,
        age_secs: status.age_secs,
        as_of: as_of.map(str::to_string),
    };
    Row {
        id: format!("{}/container/{}", node_id(node), c.id),
        depth,
        kind: RowKind::Container,
        name: c.name.clone(),
        state: word,
        extra,
        health,
        expandable: false,
        collapsed: false,
        node: node.to_string(),
        cells: Some(Box::new(cells)),
        summary: String::new(),
    }
}

/// `as of HH:MM:SS` for the containers of a stale node.
fn as_of(node: &TreeNode) -> Option<String> {
    node.stale
        .then_some(node.data_as_of.as_deref())
        .flatten()
        .map(|t| format!("as of {}", crate::fleet::stale::clock(t)))
}

/// `2/3 running · 1 crashed`, and what a collapsed node hides.
fn node_summary(node: &TreeNode, collapsed: bool) -> String {
    let mut parts = Vec::new();
    if !node.containers.is_empty() {
        let running = node
            .containers
            .iter()
            .filter(|c| c.state == "running")
            .count();
        parts.push(format!("{running}/{} running", node.containers.len()));
        let crashed = node.containers.iter().filter(|c| is_crash(c)).count();
        if crashed > 0 {
            parts.push(format!("{crashed} crashed"));
        }
    }
    if collapsed {
        let more = [
            (node.guests.len(), "vm", "vms"),
            (node.bridges.len(), "bridge", "bridges"),
            (node.tunnels.len(), "tunnel", "tunnels"),
            (node.children.len(), "node", "nodes"),
        ];
        parts.extend(
            more.into_iter()
                .filter(|(n, _, _)| *n > 0)
                .map(|(n, one, many)| plural(n, one, many)),
        );
    }
    parts.join(", ")
}

fn node_row(node: &TreeNode, depth: usize, collapsed: bool) -> Row {
    let children_count = node.guests.len()
        + node.containers.len()
        + node.bridges.len()
        + node.tunnels.len()
        + node.children.len();
    Row {
        id: node_id(&node.name),
        depth,
        kind: RowKind::Node,
        name: node.name.clone(),
        state: node_word(node).to_string(),
        extra: node_extra(node),
        health: node_health(node),
        expandable: children_count > 0,
        collapsed,
        node: node.name.clone(),
        cells: None,
        summary: node_summary(node, collapsed),
    }
}

/// A node's own rows at `depth`: its row and, unless it is folded (or nested too deep to
/// show more), its guests, containers (in the shape's order), bridges and tunnels. Its
/// children's rows come after them (`visit`).
pub(super) fn own_rows(node: &TreeNode, depth: usize, shape: &Shape) -> Vec<Row> {
    let id = node_id(&node.name);
    let is_collapsed = shape.collapsed.contains(&id);
    let mut out = vec![node_row(node, depth, is_collapsed)];
    if is_collapsed || depth > MAX_DEPTH {
        return out;
    }
    let inner = depth + 1;
    // Items under a node are leaves: one id scheme, `node/<name>/<kind>/<key>`.
    let leaf = |kind: RowKind, tag: &str, name: &str, state: String, extra: String, health| Row {
        id: format!("{id}/{tag}/{name}"),
        depth: inner,
        kind,
        name: name.to_string(),
        state,
        extra,
        health,
        expandable: false,
        collapsed: false,
        node: node.name.clone(),
        cells: None,
        summary: String::new(),
    };
    for g in &node.guests {
        let extra = g.ip.clone().unwrap_or_default();
        let health = word_health(g.state);
        out.push(leaf(
            RowKind::Guest,
            "guest",
            &g.name,
            g.state.into(),
            extra,
            health,
        ));
    }
    out.extend(container_rows(node, inner, shape.order));
    for b in &node.bridges {
        let state = plural(b.ports.len(), "port", "ports");
        let extra = b.addresses.join(" ");
        out.push(leaf(
            RowKind::Bridge,
            "bridge",
            &b.name,
            state,
            extra,
            Health::Good,
        ));
    }
    for t in &node.tunnels {
        let (state, health) = match t.status {
            TunnelStatus::Up => ("up", Health::Good),
            TunnelStatus::Down => ("down", Health::Bad),
            TunnelStatus::Unknown => ("unknown", Health::Unknown),
        };
        let extra = format!("{} -> {}", t.listen, t.target);
        out.push(leaf(
            RowKind::Tunnel,
            "tunnel",
            &t.name,
            state.into(),
            extra,
            health,
        ));
    }
    out
}

/// A node's containers at `depth`, in `order`. A stale node's are its last-known ones:
/// greyed, and dated.
pub(super) fn container_rows(node: &TreeNode, depth: usize, order: Order) -> Vec<Row> {
    let as_of = as_of(node);
    let mut rows: Vec<Row> = node
        .containers
        .iter()
        .map(|c| container_row(&node.name, c, depth, as_of.as_deref()))
        .collect();
    order.sort(&mut rows);
    rows
}

/// Every node the tree shows, in screen order: `seen(position in doc.nodes, depth)` for
/// each top-level node, then, unless it is folded, for its children after it, and so on
/// (the one walk over the fleet tree, `fleet::tree::Nesting`).
pub(super) fn visit(doc: &TreeDoc, shape: &Shape, mut seen: impl FnMut(usize, usize)) {
    Nesting::of(doc).walk(|at, depth| {
        seen(at, depth);
        !shape.collapsed.contains(&node_id(&doc.nodes[at].name))
    });
}

/// Every visible row of the tree, in screen order, items in name order.
pub fn rows(doc: &TreeDoc, collapsed: &HashSet<String>) -> Vec<Row> {
    arrange(
        doc,
        &Shape {
            collapsed,
            order: Order::Name,
            flat: false,
        },
    )
}

/// The tree's rows: top-level nodes and what they hold.
fn tree_rows(doc: &TreeDoc, shape: &Shape) -> Vec<Row> {
    let mut out = Vec::new();
    visit(doc, shape, |at, depth| {
        out.extend(own_rows(&doc.nodes[at], depth, shape));
    });
    for s in &doc.swarms {
        swarm::push(s, shape, &mut out);
    }
    out
}

/// Every container of every node, one level, in the shape's order.
fn flat_rows(doc: &TreeDoc, shape: &Shape) -> Vec<Row> {
    let mut out: Vec<Row> = doc
        .nodes
        .iter()
        .flat_map(|n| container_rows(n, 0, shape.order))
        .collect();
    shape.order.sort(&mut out);
    out
}

#[cfg(test)]
mod tests;
