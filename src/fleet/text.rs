//! `fleetdeck tree` as text: nodes nested under their parents, each with its guests,
//! containers, bridges and tunnels. ASCII branches when the terminal is not UTF-8.

use super::tree::nesting::MAX_DEPTH;
use super::tree::{Nesting, TreeContainer, TreeDoc};
use crate::fleet::docker::ContainerHealth;

struct Glyphs {
    branch: &'static str,
    last: &'static str,
    pipe: &'static str,
    space: &'static str,
}

const UTF8: Glyphs = Glyphs {
    branch: "├── ",
    last: "└── ",
    pipe: "│   ",
    space: "    ",
};
const ASCII: Glyphs = Glyphs {
    branch: "|-- ",
    last: "`-- ",
    pipe: "|   ",
    space: "    ",
};

/// Whether the locale says the terminal takes UTF-8 (LC_ALL, then LC_CTYPE, then LANG).
pub fn locale_is_utf8(var: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| var(k).filter(|v| !v.is_empty()))
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
}

/// One labelled item with its own sub-items.
struct Item {
    label: String,
    children: Vec<Item>,
}

fn leaf(label: String) -> Item {
    Item {
        label,
        children: Vec::new(),
    }
}

fn node_item(doc: &TreeDoc, nesting: &Nesting, at: usize, depth: usize) -> Item {
    let node = &doc.nodes[at];
    let mut label = format!("{} [{}]", node.name, node.status.as_str());
    if let Some(addr) = &node.address {
        label.push_str(&format!(" {addr}"));
    }
    if node.hypervisor != "none" {
        label.push_str(&format!(" {}", node.hypervisor));
    }
    if let Some(err) = &node.error {
        label.push_str(&format!(" — {err}"));
    }
    let mut children = Vec::new();
    if let Some(line) = facts_line(&node.facts) {
        children.push(leaf(line));
    }
    for e in &node.fact_errors {
        children.push(leaf(format!("! {}: {}", e.fact, e.message)));
    }
    for note in &node.notes {
        children.push(leaf(format!("note: {note}")));
    }
    if let Some(m) = &node.swarm {
        children.push(leaf(format!("swarm {} ({})", m.swarm, m.role)));
    }
    let group = |title: &str, items: Vec<Item>| Item {
        label: format!("{title} ({})", items.len()),
        children: items,
    };
    if !node.guests.is_empty() {
        let items = node
            .guests
            .iter()
            .map(|g| {
                leaf(format!(
                    "{} [{}] {}",
                    g.name,
                    g.state,
                    g.ip.as_deref().unwrap_or("-")
                ))
            })
            .collect();
        children.push(group("guests", items));
    }
    if !node.containers.is_empty() {
        let items = node
            .containers
            .iter()
            .map(|c| {
                let mut l = format!(
                    "{} [{}] {} {}",
                    c.name,
                    container_state(c),
                    c.ip.as_deref().unwrap_or("-"),
                    c.network.as_deref().unwrap_or("-")
                );
                if let Some(d) = &c.domain {
                    l.push_str(&format!(" {d}"));
                }
                if let Some(login) = &c.login {
                    l.push_str(&format!(" ({login})"));
                }
                leaf(l)
            })
            .collect();
        children.push(group("containers", items));
    }
    if !node.bridges.is_empty() {
        let items = node
            .bridges
            .iter()
            .map(|b| {
                let addrs = if b.addresses.is_empty() {
                    "-".to_string()
                } else {
                    b.addresses.join(",")
                };
                let ports = if b.ports.is_empty() {
                    "no ports".to_string()
                } else {
                    format!("ports {}", b.ports.join(","))
                };
                leaf(format!("{} {addrs} {ports}", b.name))
            })
            .collect();
        children.push(group("bridges", items));
    }
    if !node.tunnels.is_empty() {
        let items = node
            .tunnels
            .iter()
            .map(|t| {
                let kind = match t.kind {
                    super::model::ForwardKind::Local => "local",
                    super::model::ForwardKind::Remote => "remote",
                };
                let status = match t.status {
                    super::tunnels::TunnelStatus::Up => "up",
                    super::tunnels::TunnelStatus::Down => "down",
                    super::tunnels::TunnelStatus::Unknown => "unknown",
                };
                leaf(format!(
                    "{} {kind} {} -> {} [{status}] {}",
                    t.name, t.listen, t.target, t.detail
                ))
            })
            .collect();
        children.push(group("tunnels", items));
    }
    // The walk's depth guard, as the console's rows have it.
    if depth <= MAX_DEPTH {
        for &child in nesting.children(at) {
            children.push(node_item(doc, nesting, child, depth + 1));
        }
    }
    Item { label, children }
}

/// The state word with the healthcheck's verdict after it, as `docker ps` words it:
/// "running (unhealthy)", "running (health: starting)".
fn container_state(c: &TreeContainer) -> String {
    match c.health {
        None => c.state.clone(),
        Some(ContainerHealth::Starting) => format!("{} (health: starting)", c.state),
        Some(h) => format!("{} ({})", c.state, h.as_str()),
    }
}

fn facts_line(f: &super::model::NodeFacts) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(os) = &f.os {
        parts.push(os.clone());
    }
    if let Some(kernel) = &f.kernel {
        parts.push(kernel.clone());
    }
    if let Some(up) = f.uptime_secs {
        parts.push(format!("up {}", human_duration(up)));
    }
    if let Some([a, b, c]) = f.load {
        parts.push(format!("load {a:.2} {b:.2} {c:.2}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn human_duration(secs: u64) -> String {
    match secs {
        s if s >= 86_400 => format!("{}d{}h", s / 86_400, s % 86_400 / 3600),
        s if s >= 3600 => format!("{}h{}m", s / 3600, s % 3600 / 60),
        s => format!("{}m", s / 60),
    }
}

/// Labels carry what nodes answered (guest and container names, errors): a hostile node
/// could name a guest with escape sequences, so they are printed escaped.
fn write_item(out: &mut String, item: &Item, prefix: &str, last: bool, top: bool, g: &Glyphs) {
    let label = crate::validate::printable(&item.label);
    if top {
        out.push_str(&label);
    } else {
        out.push_str(prefix);
        out.push_str(if last { g.last } else { g.branch });
        out.push_str(&label);
    }
    out.push('\n');
    let inner = if top {
        String::new()
    } else {
        format!("{prefix}{}", if last { g.space } else { g.pipe })
    };
    for (i, child) in item.children.iter().enumerate() {
        write_item(out, child, &inner, i + 1 == item.children.len(), false, g);
    }
}

pub fn render(doc: &TreeDoc, ascii: bool) -> String {
    let g = if ascii { &ASCII } else { &UTF8 };
    let nesting = Nesting::of(doc);
    let mut out = String::new();
    for &root in nesting.roots() {
        write_item(
            &mut out,
            &node_item(doc, &nesting, root, 0),
            "",
            true,
            true,
            g,
        );
    }
    for swarm in &doc.swarms {
        write_item(&mut out, &swarm_item(swarm), "", true, true, g);
    }
    out
}

/// A swarm after the nodes: its nodes (with the fleetdeck node each maps to), then its
/// services with their tasks.
fn swarm_item(s: &crate::swarm::tree::TreeSwarm) -> Item {
    let mut label = format!("swarm {}", s.name);
    if let Some(m) = &s.manager {
        label.push_str(&format!(" (as {m} sees it)"));
    }
    if let Some(e) = &s.error {
        label.push_str(&format!(" — {e}"));
    }
    let nodes = s
        .nodes
        .iter()
        .map(|n| {
            let mut l = format!(
                "{} [{}] {} {} {}",
                if n.hostname.is_empty() {
                    &n.id
                } else {
                    &n.hostname
                },
                n.status,
                n.role,
                if n.availability.is_empty() {
                    "-"
                } else {
                    &n.availability
                },
                n.address
            );
            if n.leader {
                l.push_str(" leader");
            }
            l.push_str(&format!(
                " -> {}",
                n.node.as_deref().unwrap_or("(not a fleetdeck node)")
            ));
            leaf(l)
        })
        .collect::<Vec<_>>();
    let services = s
        .services
        .iter()
        .map(|svc| {
            let mut l = format!(
                "{} {} {}/{} {}",
                svc.name, svc.mode, svc.replicas.running, svc.replicas.desired, svc.image
            );
            if !svc.ports.is_empty() {
                l.push_str(&format!(" {}", svc.ports.join(",")));
            }
            if let Some(u) = &svc.update_state {
                l.push_str(&format!(" update {u}"));
            }
            let tasks = svc
                .tasks
                .iter()
                .map(|t| {
                    let slot = t.slot.map_or_else(|| "-".to_string(), |n| n.to_string());
                    let on = t.node.as_deref().or(t.hostname.as_deref()).unwrap_or("-");
                    let mut l = format!("{}.{slot} [{}] on {on}", svc.name, t.state);
                    if let Some(e) = &t.error {
                        l.push_str(&format!(" — {e}"));
                    }
                    leaf(l)
                })
                .collect();
            Item {
                label: l,
                children: tasks,
            }
        })
        .collect::<Vec<_>>();
    Item {
        label,
        children: vec![
            Item {
                label: format!("nodes ({})", nodes.len()),
                children: nodes,
            },
            Item {
                label: format!("services ({})", services.len()),
                children: services,
            },
        ],
    }
}
