//! The fleet tree flattened into screen rows: nodes (nested under their parents), and
//! under each its guests, containers, bridges and tunnels. Every row has a stable id, so
//! the selection survives refreshes. Pure.

use std::collections::HashSet;

use crate::collect::health::ContainerHealth;
use crate::fleet::snapshot::NodeStatus;
use crate::fleet::tree::{TreeContainer, TreeDoc, TreeNode};
use crate::fleet::tunnels::TunnelStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Node,
    Guest,
    Container,
    Bridge,
    Tunnel,
}

/// How an item is doing, for its glyph and colour (its word says it without colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Good,
    Warn,
    Bad,
    /// Running, but its healthcheck fails: its own mark, apart from stopped (`Bad`).
    Unhealthy,
    Unknown,
    /// A node whose data is not current: its own word, glyph and colour.
    Stale,
    /// A last-known item of a stale node, kept and greyed rather than dropped.
    Greyed,
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
/// "running": "unhealthy" (running but failing, never shown as good) or "starting".
fn container_state(c: &TreeContainer) -> (String, Health) {
    match (c.state.as_str(), c.health) {
        ("running", Some(ContainerHealth::Unhealthy)) => ("unhealthy".into(), Health::Unhealthy),
        ("running", Some(ContainerHealth::Starting)) => ("starting".into(), Health::Warn),
        _ => (c.state.clone(), word_health(&c.state)),
    }
}

fn push_node(
    doc: &TreeDoc,
    node: &TreeNode,
    depth: usize,
    collapsed: &HashSet<String>,
    out: &mut Vec<Row>,
) {
    let id = node_id(&node.name);
    let is_collapsed = collapsed.contains(&id);
    let children_count = node.guests.len()
        + node.containers.len()
        + node.bridges.len()
        + node.tunnels.len()
        + node.children.len();
    out.push(Row {
        id: id.clone(),
        depth,
        kind: RowKind::Node,
        name: node.name.clone(),
        state: node_word(node).to_string(),
        extra: node_extra(node),
        health: node_health(node),
        expandable: children_count > 0,
        collapsed: is_collapsed,
    });
    if is_collapsed || depth > 16 {
        return;
    }
    let inner = depth + 1;
    // Items under a node are leaves: one id scheme, `node/<name>/<kind>/<key>`.
    let leaf = |kind: RowKind,
                tag: &str,
                key: &str,
                name: &str,
                state: String,
                extra: String,
                health: Health| Row {
        id: format!("{id}/{tag}/{key}"),
        depth: inner,
        kind,
        name: name.to_string(),
        state,
        extra,
        health,
        expandable: false,
        collapsed: false,
    };
    for g in &node.guests {
        let extra = g.ip.clone().unwrap_or_default();
        out.push(leaf(
            RowKind::Guest,
            "guest",
            &g.name,
            &g.name,
            g.state.to_string(),
            extra,
            word_health(g.state),
        ));
    }
    // A stale node's containers are its last-known ones: greyed, and dated.
    let as_of = node
        .stale
        .then_some(node.data_as_of.as_deref())
        .flatten()
        .map(|t| format!("as of {}", crate::fleet::stale::clock(t)));
    for c in &node.containers {
        let extra = [c.ip.clone(), c.domain.clone(), as_of.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let (state, health) = container_state(c);
        let health = if as_of.is_some() {
            Health::Greyed
        } else {
            health
        };
        out.push(leaf(
            RowKind::Container,
            "container",
            &c.id,
            &c.name,
            state,
            extra,
            health,
        ));
    }
    for b in &node.bridges {
        let state = format!("{} ports", b.ports.len());
        out.push(leaf(
            RowKind::Bridge,
            "bridge",
            &b.name,
            &b.name,
            state,
            b.addresses.join(" "),
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
            &t.name,
            state.into(),
            extra,
            health,
        ));
    }
    for child in &node.children {
        if let Some(c) = doc.nodes.iter().find(|n| &n.name == child) {
            push_node(doc, c, inner, collapsed, out);
        }
    }
}

/// Keep the rows that match `needle` (name, state or extra, any case) and the ancestors
/// of every match, so a match is always seen where it lives.
pub fn filtered(rows: Vec<Row>, needle: &str) -> Vec<Row> {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() {
        return rows;
    }
    let hit = |r: &Row| {
        [&r.name, &r.state, &r.extra]
            .iter()
            .any(|f| f.to_lowercase().contains(&needle))
    };
    // One pass with the chain of ancestors of the current row: a match keeps itself
    // and that whole chain.
    let mut keep = vec![false; rows.len()];
    let mut chain: Vec<usize> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        while chain.last().is_some_and(|&a| rows[a].depth >= row.depth) {
            chain.pop();
        }
        if hit(row) {
            keep[i] = true;
            chain.iter().for_each(|&a| keep[a] = true);
        }
        chain.push(i);
    }
    rows.into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect()
}

/// Every visible row, in screen order.
pub fn rows(doc: &TreeDoc, collapsed: &HashSet<String>) -> Vec<Row> {
    let nested: HashSet<&str> = doc
        .nodes
        .iter()
        .flat_map(|n| n.children.iter().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    for node in doc
        .nodes
        .iter()
        .filter(|n| !nested.contains(n.name.as_str()))
    {
        push_node(doc, node, 0, collapsed, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::snapshot::NodeSnapshot;

    fn doc() -> TreeDoc {
        let config = crate::config::load_str(
            "[[node]]\nname = \"hyper\"\n[[node]]\nname = \"vm\"\nparent = \"hyper\"\n",
            std::path::Path::new("t.toml"),
        )
        .expect("config");
        let mut up = NodeSnapshot::unknown("hyper");
        up.status = NodeStatus::Up;
        crate::fleet::tree::build(&config, &[up], &[], String::new())
    }

    #[test]
    fn children_nest_and_collapse_hides_them() {
        let all = rows(&doc(), &HashSet::new());
        let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["node/hyper", "node/vm"]);
        assert_eq!((all[0].depth, all[1].depth), (0, 1));
        assert!(all[0].expandable);
        assert_eq!(all[1].health, Health::Unknown, "vm was never polled");
        let folded = rows(&doc(), &HashSet::from(["node/hyper".to_string()]));
        assert_eq!(folded.len(), 1);
        assert!(folded[0].collapsed);
    }

    #[test]
    fn a_failing_healthcheck_is_its_own_word_and_health() {
        let mut doc = doc();
        let container = |name: &str, state: &str, health| TreeContainer {
            id: format!("id-{name}"),
            name: name.into(),
            image: "img".into(),
            state: state.into(),
            health,
            ip: None,
            network: None,
            domain: None,
            login: None,
            vlan: None,
        };
        doc.nodes[0].containers = vec![
            container("sick", "running", Some(ContainerHealth::Unhealthy)),
            container("booting", "running", Some(ContainerHealth::Starting)),
            container("fine", "running", Some(ContainerHealth::Healthy)),
            container("plain", "running", None),
            container("gone", "exited", None),
        ];
        let all = rows(&doc, &HashSet::new());
        let looks: Vec<(&str, &str, Health)> = all
            .iter()
            .filter(|r| r.kind == RowKind::Container)
            .map(|r| (r.name.as_str(), r.state.as_str(), r.health))
            .collect();
        assert_eq!(
            looks,
            [
                ("sick", "unhealthy", Health::Unhealthy),
                ("booting", "starting", Health::Warn),
                ("fine", "running", Health::Good),
                ("plain", "running", Health::Good),
                ("gone", "exited", Health::Bad),
            ]
        );
        let names = |rows: Vec<Row>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(names(filtered(all, "unhealthy")), ["hyper", "sick"]);
    }

    fn row(id: &str, depth: usize, name: &str) -> Row {
        Row {
            id: id.into(),
            depth,
            kind: if depth == 0 {
                RowKind::Node
            } else {
                RowKind::Container
            },
            name: name.into(),
            state: "running".into(),
            extra: String::new(),
            health: Health::Good,
            expandable: false,
            collapsed: false,
        }
    }

    #[test]
    fn filter_keeps_matches_and_their_ancestors_only() {
        let all = vec![
            row("a", 0, "hyper"),
            row("a/x", 1, "web"),
            row("b", 1, "vm"),
            row("b/y", 2, "blog.example.org"),
            row("b/z", 2, "shop"),
            row("c", 0, "garen"),
            row("c/w", 1, "db"),
        ];
        let names = |rows: Vec<Row>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(
            names(filtered(all.clone(), "BLOG")),
            ["hyper", "vm", "blog.example.org"]
        );
        assert_eq!(names(filtered(all.clone(), "garen")), ["garen"]);
        assert_eq!(
            names(filtered(all.clone(), "running")).len(),
            7,
            "state words match too"
        );
        assert_eq!(names(filtered(all.clone(), "nothing")).len(), 0);
        assert_eq!(filtered(all.clone(), "  ").len(), 7);
        // A match deep in one subtree keeps its own parent even when a later sibling
        // subtree also matches.
        let tricky = vec![
            row("n", 0, "n"),
            row("p", 1, "p"),
            row("q", 2, "hit"),
            row("s", 2, "s"),
            row("t", 1, "hit"),
        ];
        assert_eq!(names(filtered(tricky, "hit")), ["n", "p", "hit", "hit"]);
    }
}
