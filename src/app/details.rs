//! What the details pane says about the selection: every attribute of the selected item,
//! its inventory record and its findings from the last check, as plain lines. The app
//! owns this content (it scrolls it, and needs its length); `ui/details.rs` styles it.

mod swarm;

use super::State;
use super::rows::RowKind;
use crate::fleet::docker::ContainerHealth;
use crate::fleet::tree::TreeNode;

/// One line of the details pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailLine {
    /// A key in bold, then its value.
    Kv(&'static str, String),
    Blank,
    /// A section title in bold.
    Heading(String),
    Text(String),
}

fn kv(key: &'static str, value: impl Into<String>) -> DetailLine {
    DetailLine::Kv(key, value.into())
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

fn node_lines(node: &TreeNode) -> Vec<DetailLine> {
    let mut lines = vec![
        kv("node", node.name.clone()),
        kv("status", node.status.as_str()),
        kv("address", opt(&node.address)),
        kv("hypervisor", node.hypervisor),
        kv("last seen", opt(&node.last_seen)),
    ];
    if let Some(e) = &node.error {
        lines.push(kv("error", e.clone()));
    }
    if node.stale {
        let age = node
            .data_age_secs
            .map_or("never answered".to_string(), |a| format!("{a}s old"));
        let as_of = node
            .data_as_of
            .as_deref()
            .map(|t| format!(", as of {}", crate::fleet::stale::clock(t)))
            .unwrap_or_default();
        lines.push(kv("stale", format!("data {age}{as_of}")));
        if let Some(why) = &node.stale_reason {
            lines.push(kv("why", why.clone()));
        }
    }
    let f = &node.facts;
    lines.push(kv("host", opt(&f.hostname)));
    lines.push(kv("os", opt(&f.os)));
    lines.push(kv("kernel", opt(&f.kernel)));
    if let Some([a, b, c]) = f.load {
        lines.push(kv("load", format!("{a:.2} {b:.2} {c:.2}")));
    }
    lines.push(kv(
        "holds",
        [
            (node.guests.len(), "guest", "guests"),
            (node.containers.len(), "container", "containers"),
            (node.bridges.len(), "bridge", "bridges"),
            (node.tunnels.len(), "tunnel", "tunnels"),
        ]
        .map(|(n, one, many)| super::columns::plural(n, one, many))
        .join(", "),
    ));
    for e in &node.fact_errors {
        lines.push(kv("! fact", format!("{}: {}", e.fact, e.message)));
    }
    for n in &node.notes {
        lines.push(kv("note", n.clone()));
    }
    if let Some(m) = &node.swarm {
        lines.push(kv("swarm", format!("{} ({})", m.swarm, m.role)));
    }
    lines
}

fn item_lines(state: &State, node: &TreeNode, kind: RowKind, id: &str) -> Vec<DetailLine> {
    let key = id.rsplit('/').next().unwrap_or_default();
    match kind {
        RowKind::Node => node_lines(node),
        RowKind::Container => {
            let Some(c) = node.containers.iter().find(|c| c.id == key) else {
                return Vec::new();
            };
            let mut lines = vec![
                kv("container", c.name.clone()),
                kv("node", node.name.clone()),
                // Docker's own words say since when and with which exit code.
                kv(
                    "state",
                    if c.status.is_empty() {
                        c.state.clone()
                    } else {
                        format!("{} ({})", c.state, c.status)
                    },
                ),
                kv(
                    "restarts",
                    c.restarts.map_or("unknown".to_string(), |n| n.to_string()),
                ),
            ];
            // Only containers with a healthcheck get the line.
            if let Some(h) = c.health {
                let word = match h {
                    ContainerHealth::Unhealthy => "unhealthy (its healthcheck fails)",
                    other => other.as_str(),
                };
                lines.push(kv("health", word));
            }
            lines.extend([
                kv("image", c.image.clone()),
                kv("id", c.id.chars().take(12).collect::<String>()),
                kv("ip", opt(&c.ip)),
                kv("network", opt(&c.network)),
            ]);
            let site = c
                .domain
                .as_ref()
                .and_then(|d| state.index.site(state.sites(), d));
            match site {
                Some(s) => {
                    lines.push(DetailLine::Blank);
                    lines.push(DetailLine::Heading("inventory".into()));
                    lines.push(kv("domain", s.domain.clone()));
                    lines.push(kv("login", s.login.clone()));
                    lines.push(kv("vlan", s.vlan.to_string()));
                    lines.push(kv("ip", s.ip.to_string()));
                    lines.push(kv("state", s.state.as_str()));
                }
                None => lines.push(kv("inventory", "no site for this container")),
            }
            lines
        }
        RowKind::Guest => node
            .guests
            .iter()
            .find(|g| g.name == key)
            .map(|g| {
                vec![
                    kv("guest", g.name.clone()),
                    kv("node", node.name.clone()),
                    kv("state", g.state),
                    kv("ip", opt(&g.ip)),
                ]
            })
            .unwrap_or_default(),
        RowKind::Bridge => node
            .bridges
            .iter()
            .find(|b| b.name == key)
            .map(|b| {
                vec![
                    kv("bridge", b.name.clone()),
                    kv("node", node.name.clone()),
                    kv("addresses", b.addresses.join(" ")),
                    kv("ports", b.ports.join(" ")),
                ]
            })
            .unwrap_or_default(),
        RowKind::Tunnel => node
            .tunnels
            .iter()
            .find(|t| t.name == key)
            .map(|t| {
                vec![
                    kv("tunnel", t.name.clone()),
                    kv("origin", node.name.clone()),
                    kv("listen", t.listen.clone()),
                    kv("target", t.target.clone()),
                    kv("why", t.detail.clone()),
                ]
            })
            .unwrap_or_default(),
        // Their ids start `swarm/`: `lines` hands them to `details/swarm.rs`.
        RowKind::Swarm | RowKind::SwarmNode | RowKind::Service | RowKind::Task => Vec::new(),
    }
}

/// The selected item's lines, then its findings from the last check.
pub fn lines(state: &State) -> Vec<DetailLine> {
    if let Some(row) = state.selected_row().filter(|r| r.id.starts_with("swarm/")) {
        return swarm::lines(&state.doc, &row.id);
    }
    state
        .selected_row()
        .and_then(|row| {
            let node_name = row.id.strip_prefix("node/")?.split('/').next()?;
            let node = state.index.node(&state.doc, node_name)?;
            let mut lines = item_lines(state, node, row.kind, &row.id);
            lines.extend(finding_lines(state, node, row.kind, &row.id));
            Some(lines)
        })
        .unwrap_or_default()
}

fn finding_lines(state: &State, node: &TreeNode, kind: RowKind, id: &str) -> Vec<DetailLine> {
    let Some(check) = &state.last_check else {
        return Vec::new();
    };
    let key = id.rsplit('/').next().unwrap_or_default();
    let (container, domain) = match kind {
        RowKind::Node => (None, None),
        RowKind::Container => match node.containers.iter().find(|c| c.id == key) {
            Some(c) => (Some(c.name.as_str()), c.domain.as_deref()),
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let found: Vec<_> = check.about(&node.name, container, domain).collect();
    let mut lines = vec![
        DetailLine::Blank,
        DetailLine::Heading(format!(
            "last check ({})",
            crate::app::progress::check_when(&check.at, &state.now)
        )),
    ];
    if found.is_empty() {
        lines.push(DetailLine::Text("no finding".into()));
    }
    for f in found {
        lines.push(DetailLine::Text(format!(
            "{} {}: {}",
            f.severity.as_str(),
            f.kind.as_str(),
            f.message
        )));
    }
    lines
}
