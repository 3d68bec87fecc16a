//! A swarm's rows, after the nodes: the swarm, its nodes (each naming the fleetdeck node
//! it maps to), and its services with their tasks. Ids start `swarm/<name>`, never
//! `node/`, so node actions (shell, lifecycle) never take one for a node. Pure.

use super::{Health, Row, RowKind, Shape, word_health};
use crate::swarm::tree::{TreeService, TreeSwarm};

pub fn swarm_id(name: &str) -> String {
    format!("swarm/{name}")
}

fn row(id: String, depth: usize, kind: RowKind, name: &str, state: String) -> Row {
    Row {
        id,
        depth,
        kind,
        name: name.to_string(),
        state,
        extra: String::new(),
        health: Health::Unknown,
        expandable: false,
        collapsed: false,
        node: String::new(),
        cells: None,
        summary: String::new(),
    }
}

/// Degraded (fewer running than wanted) is a warning; nothing running of some wanted, bad.
fn service_health(s: &TreeService) -> Health {
    match (s.replicas.running, s.replicas.desired) {
        (r, d) if r >= d => Health::Good,
        (0, _) => Health::Bad,
        _ => Health::Warn,
    }
}

fn node_health(status: &str, availability: &str) -> Health {
    match (status, availability) {
        ("ready", "active") => Health::Good,
        ("ready", _) => Health::Warn,
        ("down" | "disconnected", _) => Health::Bad,
        _ => Health::Unknown,
    }
}

pub fn push(s: &TreeSwarm, shape: &Shape, out: &mut Vec<Row>) {
    let id = swarm_id(&s.name);
    let collapsed = shape.collapsed.contains(&id);
    let degraded = s
        .services
        .iter()
        .filter(|x| x.replicas.running < x.replicas.desired)
        .count();
    let mut head = row(id.clone(), 0, RowKind::Swarm, &s.name, "swarm".into());
    head.health = match (&s.error, degraded) {
        (Some(_), _) => Health::Bad,
        (None, 0) => Health::Good,
        _ => Health::Warn,
    };
    head.extra = s.error.clone().unwrap_or_else(|| {
        s.manager
            .as_ref()
            .map(|m| format!("as {m} sees it"))
            .unwrap_or_default()
    });
    head.node = s.manager.clone().unwrap_or_default();
    head.expandable = !s.nodes.is_empty() || !s.services.is_empty();
    head.collapsed = collapsed;
    let mut summary = vec![
        super::plural(s.nodes.len(), "node", "nodes"),
        super::plural(s.services.len(), "service", "services"),
    ];
    if degraded > 0 {
        summary.push(format!("{degraded} degraded"));
    }
    head.summary = summary.join(", ");
    out.push(head);
    if collapsed {
        return;
    }
    for n in &s.nodes {
        let shown = if n.hostname.is_empty() {
            &n.id
        } else {
            &n.hostname
        };
        let mut r = row(
            format!("{id}/node/{}", n.id),
            1,
            RowKind::SwarmNode,
            shown,
            n.status.clone(),
        );
        r.health = node_health(&n.status, &n.availability);
        r.extra = format!(
            "{} {} {} -> {}",
            n.role,
            n.availability,
            n.address,
            n.node.as_deref().unwrap_or("-")
        );
        r.node = n.node.clone().unwrap_or_default();
        out.push(r);
    }
    for svc in &s.services {
        let sid = format!("{id}/service/{}", svc.name);
        let folded = shape.collapsed.contains(&sid);
        let mut r = row(
            sid.clone(),
            1,
            RowKind::Service,
            &svc.name,
            format!("{}/{}", svc.replicas.running, svc.replicas.desired),
        );
        r.health = service_health(svc);
        let mut extra = vec![svc.mode.clone(), svc.image.clone()];
        extra.extend(svc.ports.iter().cloned());
        r.extra = extra.join(" ");
        r.node = s.manager.clone().unwrap_or_default();
        r.expandable = !svc.tasks.is_empty();
        r.collapsed = folded;
        out.push(r);
        if folded {
            continue;
        }
        for t in &svc.tasks {
            let slot = t.slot.map_or_else(|| "-".to_string(), |n| n.to_string());
            let mut r = row(
                format!("{sid}/task/{}", t.id),
                2,
                RowKind::Task,
                &format!("{}.{slot}", svc.name),
                t.state.clone(),
            );
            r.health = match t.state.as_str() {
                "rejected" | "failed" | "orphaned" => Health::Crashed,
                // On its way to running: not a problem yet.
                "new" | "allocated" | "pending" | "assigned" | "accepted" | "preparing"
                | "ready" => Health::Warn,
                "complete" => Health::Done,
                word => word_health(word),
            };
            let on = t.node.as_deref().or(t.hostname.as_deref()).unwrap_or("-");
            r.extra = match &t.error {
                Some(e) => format!("on {on}: {e}"),
                None => format!("on {on}"),
            };
            r.node = t.node.clone().unwrap_or_default();
            out.push(r);
        }
    }
}

#[cfg(test)]
pub(super) mod tests;
