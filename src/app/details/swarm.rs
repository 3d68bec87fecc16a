//! The details of a swarm row (`app/rows/swarm.rs`): the swarm, one of its nodes, a
//! service or a task, found again in the tree by the row's id.

use super::{DetailLine, kv, opt};
use crate::fleet::tree::TreeDoc;

/// Lines for the row `id` (`swarm/<name>[/node/<id> | /service/<name>[/task/<id>]]`).
pub fn lines(doc: &TreeDoc, id: &str) -> Vec<DetailLine> {
    let Some(rest) = id.strip_prefix("swarm/") else {
        return Vec::new();
    };
    let mut parts = rest.split('/');
    let Some(s) = parts
        .next()
        .and_then(|name| doc.swarms.iter().find(|s| s.name == name))
    else {
        return Vec::new();
    };
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (None, ..) => {
            let mut lines = vec![
                kv("swarm", s.name.clone()),
                kv("cluster id", s.id.clone()),
                kv("view of", opt(&s.manager)),
                kv("nodes", s.nodes.len().to_string()),
                kv("services", s.services.len().to_string()),
            ];
            if let Some(e) = &s.error {
                lines.push(kv("error", e.clone()));
            }
            lines
        }
        (Some("node"), Some(node_id), None, _) => s
            .nodes
            .iter()
            .find(|n| n.id == node_id)
            .map(|n| {
                vec![
                    kv("swarm node", n.hostname.clone()),
                    kv("fleetdeck node", opt(&n.node)),
                    kv("id", n.id.clone()),
                    kv("address", n.address.clone()),
                    kv(
                        "role",
                        if n.leader {
                            format!("{} (leader)", n.role)
                        } else {
                            n.role.clone()
                        },
                    ),
                    kv("availability", n.availability.clone()),
                    kv("status", n.status.clone()),
                    kv("reachability", opt(&n.reachability)),
                    kv("engine", opt(&n.engine_version)),
                ]
            })
            .unwrap_or_default(),
        (Some("service"), Some(name), task, task_id) => {
            let Some(svc) = s.services.iter().find(|x| x.name == name) else {
                return Vec::new();
            };
            if let (Some("task"), Some(task_id)) = (task, task_id) {
                return svc
                    .tasks
                    .iter()
                    .find(|t| t.id == task_id)
                    .map(|t| {
                        vec![
                            kv("task", t.id.clone()),
                            kv("service", svc.name.clone()),
                            kv("slot", t.slot.map_or("-".into(), |n| n.to_string())),
                            kv("node", opt(&t.node)),
                            kv("swarm node", opt(&t.hostname)),
                            kv("state", t.state.clone()),
                            kv("desired", t.desired_state.clone()),
                            kv("error", opt(&t.error)),
                            kv("created", opt(&t.created_at)),
                        ]
                    })
                    .unwrap_or_default();
            }
            vec![
                kv("service", svc.name.clone()),
                kv("swarm", s.name.clone()),
                kv("mode", svc.mode.clone()),
                kv(
                    "replicas",
                    format!(
                        "{} running of {}",
                        svc.replicas.running, svc.replicas.desired
                    ),
                ),
                kv("image", svc.image.clone()),
                kv("ports", svc.ports.join(" ")),
                kv("update", opt(&svc.update_state)),
                kv("tasks", svc.tasks.len().to_string()),
            ]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::tree::{Replicas, TreeService, TreeSwarm, TreeTask};

    fn doc() -> TreeDoc {
        TreeDoc {
            schema_version: 5,
            generated_at: String::new(),
            nodes: Vec::new(),
            swarms: vec![TreeSwarm {
                name: "prod".into(),
                id: "cluster".into(),
                manager: None,
                error: Some("no manager of this swarm answered".into()),
                nodes: Vec::new(),
                services: vec![TreeService {
                    name: "web".into(),
                    id: "svc".into(),
                    mode: "global".into(),
                    replicas: Replicas {
                        running: 3,
                        desired: 3,
                    },
                    image: "img".into(),
                    ports: Vec::new(),
                    update_state: Some("completed".into()),
                    tasks: vec![TreeTask {
                        slot: None,
                        node: Some("alpha".into()),
                        state: "running".into(),
                        error: None,
                        id: "t1".into(),
                        node_id: Some("n1".into()),
                        hostname: Some("s1".into()),
                        desired_state: "running".into(),
                        created_at: None,
                    }],
                }],
            }],
        }
    }

    fn value(lines: &[DetailLine], key: &str) -> Option<String> {
        lines.iter().find_map(|l| match l {
            DetailLine::Kv(k, v) if *k == key => Some(v.clone()),
            _ => None,
        })
    }

    #[test]
    fn each_swarm_row_has_its_details() {
        let d = doc();
        let head = lines(&d, "swarm/prod");
        assert_eq!(
            value(&head, "error").as_deref(),
            Some("no manager of this swarm answered")
        );
        let svc = lines(&d, "swarm/prod/service/web");
        assert_eq!(value(&svc, "replicas").as_deref(), Some("3 running of 3"));
        let task = lines(&d, "swarm/prod/service/web/task/t1");
        assert_eq!(value(&task, "node").as_deref(), Some("alpha"));
        assert_eq!(value(&task, "slot").as_deref(), Some("-"));
        assert!(lines(&d, "swarm/nope").is_empty());
        assert!(lines(&d, "node/alpha").is_empty());
    }
}
