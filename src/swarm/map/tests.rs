//! Fixtures: what the lab swarm's engines answered (s1 manager, s2 s3 workers) with
//! three services: `fdfix-web` (2 replicas, port 20001 published in host mode),
//! `fdfix-glob` (global) and `fdfix-bad` (an image no engine has: its task is rejected).

use super::*;

macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/swarm/",
            $path
        ))
    };
}

fn info(text: &str) -> Info {
    serde_json::from_str(text).expect("info fixture")
}

fn manager_cluster() -> ClusterState {
    let nodes: Vec<Node> = serde_json::from_str(fixture!("manager_nodes.json")).expect("nodes");
    let services: Vec<Service> =
        serde_json::from_str(fixture!("manager_services.json")).expect("services");
    let tasks: Vec<Task> = serde_json::from_str(fixture!("manager_tasks.json")).expect("tasks");
    cluster(&info(fixture!("manager_info.json")), nodes, services, tasks)
}

#[test]
fn a_manager_and_a_worker_say_what_they_are() {
    let m = facts_from_info(&info(fixture!("manager_info.json"))).expect("active");
    assert!(m.manager);
    assert_eq!(m.cluster_id, "357ibg7tfk9j5bia7wx3mxyxp");
    assert_eq!(m.node_addr, "10.79.0.1");
    assert_eq!(m.remote_managers, ["10.79.0.1:2377"]);
    let w = facts_from_info(&info(fixture!("worker_info.json"))).expect("active");
    assert!(!w.manager);
    assert_eq!(w.cluster_id, "", "a worker's /info has no cluster");
    assert_eq!(w.node_id, "2jcq8rr8z5ou5bxoad1e30fvz");
    assert_eq!(w.remote_managers, ["10.79.0.1:2377"]);
    assert_eq!(spec_name(&info(fixture!("manager_info.json"))), "default");
}

#[test]
fn engines_outside_a_swarm_have_no_swarm_facts() {
    let inactive = info(
        r#"{"Swarm":{"NodeID":"","NodeAddr":"","LocalNodeState":"inactive","ControlAvailable":false,"RemoteManagers":null}}"#,
    );
    assert_eq!(facts_from_info(&inactive), None);
    let pending = info(r#"{"Swarm":{"NodeID":"x","LocalNodeState":"pending"}}"#);
    assert_eq!(facts_from_info(&pending), None, "still joining");
    assert_eq!(
        facts_from_info(&info("{}")),
        None,
        "an engine without the field"
    );
}

#[test]
fn nodes_carry_role_availability_status_and_address() {
    let c = manager_cluster();
    let shown: Vec<(&str, &str, &str, &str, &str)> = c
        .nodes
        .iter()
        .map(|n| {
            (
                n.hostname.as_str(),
                n.address.as_str(),
                n.role.as_str(),
                n.availability.as_str(),
                n.status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("s1", "10.79.0.1", "manager", "active", "ready"),
            ("s2", "10.79.0.2", "worker", "active", "ready"),
            ("s3", "10.79.0.3", "worker", "active", "ready"),
        ]
    );
    assert!(c.nodes[0].leader);
    assert_eq!(c.nodes[0].reachability.as_deref(), Some("reachable"));
    assert_eq!(c.nodes[1].reachability, None, "workers have no raft status");
    assert_eq!(c.nodes[2].engine_version.as_deref(), Some("20.10.24+dfsg1"));
}

#[test]
fn services_carry_mode_replicas_image_ports_and_current_tasks() {
    let c = manager_cluster();
    let names: Vec<&str> = c.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["fdfix-bad", "fdfix-glob", "fdfix-web"]);
    let web = &c.services[2];
    assert_eq!(
        (web.mode.as_str(), web.running, web.desired),
        ("replicated", 2, 2)
    );
    assert_eq!(web.image, "fdlab/busybox:latest");
    assert_eq!(web.ports, ["20001:80/tcp (host)"]);
    assert_eq!(web.labels["fleetdeck.domain"], "fix.lab");
    let slots: Vec<Option<i64>> = web.tasks.iter().map(|t| t.slot).collect();
    assert_eq!(slots, [Some(1), Some(2)]);
    assert!(
        web.tasks
            .iter()
            .all(|t| t.state == "running" && t.error.is_none())
    );

    let glob = &c.services[1];
    assert_eq!(
        (glob.mode.as_str(), glob.running, glob.desired),
        ("global", 3, 3)
    );
    assert_eq!(glob.tasks.len(), 3, "one per node");
    assert!(glob.tasks.iter().all(|t| t.slot.is_none()));

    let bad = &c.services[0];
    assert_eq!((bad.running, bad.desired), (0, 1));
    assert_eq!(bad.tasks.len(), 1, "the rejected history is left out");
    assert_eq!(bad.tasks[0].state, "rejected");
    assert_eq!(
        bad.tasks[0].error.as_deref(),
        Some("No such image: fdlab/nope:latest")
    );
}

#[test]
fn odd_documents_map_without_panicking() {
    let c = cluster(
        &Info::default(),
        vec![Node::default()],
        vec![Service::default()],
        vec![Task::default()],
    );
    assert_eq!(c.nodes[0].status, "unknown");
    assert_eq!(c.services[0].mode, "replicated");
    assert_eq!(
        c.services[0].tasks.len(),
        1,
        "a task with no service id meets one"
    );
}

#[test]
fn addresses_and_images_are_shown_plainly() {
    assert_eq!(host_of("10.79.0.1:2377"), "10.79.0.1");
    assert_eq!(host_of("[fd00::1]:2377"), "fd00::1");
    assert_eq!(shown_image("nginx:1.27@sha256:abcd"), "nginx:1.27");
    assert_eq!(shown_image("fdlab/busybox:latest"), "fdlab/busybox:latest");
}
