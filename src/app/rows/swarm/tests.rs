use std::collections::HashSet;

use super::super::{Order, Shape, arrange};
use super::*;
use crate::fleet::tree::TreeDoc;
use crate::swarm::tree::{Replicas, TreeSwarmNode, TreeTask};

pub(in crate::app::rows) fn swarm() -> TreeSwarm {
    let node = |id: &str, host: &str, role: &str, status: &str, node: Option<&str>| TreeSwarmNode {
        id: id.into(),
        node: node.map(str::to_string),
        address: format!("10.79.0.{}", &id[1..]),
        role: role.into(),
        availability: "active".into(),
        status: status.into(),
        hostname: host.into(),
        leader: role == "manager",
        reachability: None,
        engine_version: None,
    };
    let task = |id: &str, slot: i64, on: Option<&str>, state: &str, error: Option<&str>| TreeTask {
        slot: Some(slot),
        node: on.map(str::to_string),
        state: state.into(),
        error: error.map(str::to_string),
        id: id.into(),
        node_id: None,
        hostname: None,
        desired_state: "running".into(),
        created_at: None,
    };
    TreeSwarm {
        name: "prod".into(),
        id: "cluster".into(),
        manager: Some("alpha".into()),
        error: None,
        nodes: vec![
            node("n1", "s1", "manager", "ready", Some("alpha")),
            node("n3", "s3", "worker", "down", None),
        ],
        services: vec![TreeService {
            name: "web".into(),
            id: "svc".into(),
            mode: "replicated".into(),
            replicas: Replicas {
                running: 1,
                desired: 2,
            },
            image: "fdlab/busybox:latest".into(),
            ports: vec!["20001:80/tcp (host)".into()],
            update_state: None,
            tasks: vec![
                task("t1", 1, Some("alpha"), "running", None),
                task("t2", 2, None, "rejected", Some("No such image")),
            ],
        }],
    }
}

fn doc() -> TreeDoc {
    TreeDoc {
        schema_version: 5,
        generated_at: String::new(),
        nodes: Vec::new(),
        swarms: vec![swarm()],
    }
}

fn arranged(collapsed: &HashSet<String>, flat: bool) -> Vec<Row> {
    arrange(
        &doc(),
        &Shape {
            collapsed,
            order: Order::Name,
            flat,
        },
    )
}

#[test]
fn a_swarm_lists_its_nodes_then_services_with_their_tasks() {
    let rows = arranged(&HashSet::new(), false);
    let shown: Vec<(&str, usize, RowKind, &str)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.depth, r.kind, r.state.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("prod", 0, RowKind::Swarm, "swarm"),
            ("s1", 1, RowKind::SwarmNode, "ready"),
            ("s3", 1, RowKind::SwarmNode, "down"),
            ("web", 1, RowKind::Service, "1/2"),
            ("web.1", 2, RowKind::Task, "running"),
            ("web.2", 2, RowKind::Task, "rejected"),
        ]
    );
    assert_eq!(rows[0].summary, "2 nodes, 1 service, 1 degraded");
    assert_eq!(rows[0].health, Health::Warn, "a degraded service");
    assert_eq!(rows[1].extra, "manager active 10.79.0.1 -> alpha");
    assert_eq!(rows[2].health, Health::Bad);
    assert_eq!(rows[3].health, Health::Warn, "1 of 2 running");
    assert_eq!(rows[5].extra, "on -: No such image");
    assert_eq!(rows[5].health, Health::Crashed);
    assert!(
        rows.iter().all(|r| r.id.starts_with("swarm/prod")),
        "never a node/ id"
    );
}

#[test]
fn swarms_fold_and_stay_out_of_the_flat_view() {
    let folded = arranged(&HashSet::from(["swarm/prod".to_string()]), false);
    assert_eq!(folded.len(), 1);
    assert!(folded[0].collapsed);
    let service_folded = arranged(
        &HashSet::from(["swarm/prod/service/web".to_string()]),
        false,
    );
    assert_eq!(service_folded.len(), 4, "its two tasks hidden");
    assert!(
        arranged(&HashSet::new(), true).is_empty(),
        "the flat view lists containers"
    );
}
