use std::collections::BTreeMap;

use super::*;
use crate::config::Config;
use crate::inventory::Site;
use crate::ops::check::{DnsCheck, ProxyCheck};
use crate::swarm::{SwarmNode, SwarmTask};

fn site(domain: &str) -> Site {
    Site {
        domain: domain.into(),
        login: "alice".into(),
        vlan: 300,
        node: None,
        ip: "10.93.0.2".parse().expect("ip"),
        container_id: Some("svc".into()),
        image: None,
        port: Some(80),
        state: SiteState::Active,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

fn row(domain: &str, port: u16) -> SwarmSite {
    SwarmSite {
        domain: domain.into(),
        swarm: "lab".into(),
        published_port: port,
        service: crate::validate::service_name_for(domain),
    }
}

fn node(id: &str, addr: &str) -> SwarmNode {
    SwarmNode {
        id: id.into(),
        hostname: id.into(),
        address: addr.into(),
        role: "worker".into(),
        availability: "active".into(),
        status: "ready".into(),
        leader: false,
        reachability: None,
        engine_version: None,
    }
}

fn task(node: &str, error: Option<&str>) -> SwarmTask {
    SwarmTask {
        id: format!("t-{node}"),
        slot: Some(1),
        node_id: Some(node.into()),
        state: if error.is_some() {
            "pending"
        } else {
            "running"
        }
        .into(),
        desired_state: "running".into(),
        error: error.map(str::to_string),
        created_at: None,
    }
}

fn service(name: &str, port: u16, tasks: Vec<SwarmTask>) -> SwarmService {
    SwarmService {
        id: format!("id-{name}"),
        name: name.into(),
        mode: "replicated".into(),
        running: 2,
        desired: 2,
        image: "img".into(),
        ports: vec![format!("{port}:80/tcp (host)")],
        update_state: None,
        labels: Default::default(),
        tasks,
        failed: Vec::new(),
    }
}

fn state(services: Vec<SwarmService>) -> ClusterState {
    ClusterState {
        spec_name: "default".into(),
        nodes: vec![node("n1", "10.79.0.1"), node("n2", "10.79.0.2")],
        services,
    }
}

fn evaluate(
    sites: &[Site],
    rows: Vec<SwarmSite>,
    cluster: ClusterState,
    upstreams: Option<BTreeMap<String, Vec<String>>>,
) -> Vec<Finding> {
    let config = Config::builtin_default();
    let input = CheckInput {
        config: &config,
        sites,
        nodes: Default::default(),
        dns: DnsCheck::Skipped(String::new()),
        proxy: ProxyCheck::Skipped(String::new()),
        reached: Default::default(),
        hosts: Default::default(),
        swarms: [("lab".to_string(), Ok(("mgr".to_string(), cluster)))].into(),
        swarm_sites: rows,
        upstreams,
    };
    let mut out = Collector::default();
    services(&input, &mut out);
    upstreams_check(&input, &mut out);
    ports(&input, &mut out);
    out.findings
}

use super::upstreams as upstreams_check;

fn kinds(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.kind.as_str()).collect()
}

#[test]
fn a_site_running_where_its_upstream_says_is_clean() {
    let a = "a.example";
    let svc = service(
        &row(a, 20000).service,
        20000,
        vec![task("n1", None), task("n2", None)],
    );
    let deployed = BTreeMap::from([(
        row(a, 20000).service,
        vec!["10.79.0.1:20000".to_string(), "10.79.0.2:20000".to_string()],
    )]);
    let found = evaluate(
        &[site(a)],
        vec![row(a, 20000)],
        state(vec![svc]),
        Some(deployed),
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_site_without_its_service_is_service_missing() {
    let found = evaluate(
        &[site("a.example")],
        vec![row("a.example", 20000)],
        state(vec![]),
        None,
    );
    assert_eq!(kinds(&found), ["service_missing"]);
    assert_eq!(found[0].domain.as_deref(), Some("a.example"));
    assert_eq!(found[0].node.as_deref(), Some("mgr"));
    assert_eq!(found[0].expected.as_deref(), Some("service fd-a-example"));
}

#[test]
fn a_task_that_moved_makes_the_deployed_upstream_stale() {
    let a = "a.example";
    let svc = service(&row(a, 20000).service, 20000, vec![task("n2", None)]);
    let deployed = BTreeMap::from([(row(a, 20000).service, vec!["10.79.0.1:20000".to_string()])]);
    let found = evaluate(
        &[site(a)],
        vec![row(a, 20000)],
        state(vec![svc.clone()]),
        Some(deployed),
    );
    assert_eq!(kinds(&found), ["upstream_stale"]);
    assert_eq!(found[0].expected.as_deref(), Some("10.79.0.2:20000"));
    assert_eq!(found[0].actual.as_deref(), Some("10.79.0.1:20000"));
    // No upstream block at all is stale too.
    let found = evaluate(
        &[site(a)],
        vec![row(a, 20000)],
        state(vec![svc]),
        Some(BTreeMap::new()),
    );
    assert_eq!(found[0].actual.as_deref(), Some("no upstream block"));
}

#[test]
fn two_claims_on_one_port_and_a_port_taken_on_a_node_are_port_conflicts() {
    let a = "a.example";
    let own = service(&row(a, 20000).service, 20000, vec![task("n1", None)]);
    let intruder = service("hand-made", 20000, vec![]);
    let found = evaluate(
        &[site(a)],
        vec![row(a, 20000)],
        state(vec![own, intruder]),
        None,
    );
    assert_eq!(kinds(&found), ["port_conflict"]);
    assert!(
        found[0]
            .message
            .contains("service fd-a-example and service hand-made"),
        "{}",
        found[0].message
    );
    assert_eq!(found[0].domain.as_deref(), Some(a));

    let blocked = service(
        &row(a, 20001).service,
        20001,
        vec![task(
            "n1",
            Some("no suitable node (host-mode port already in use on 1 node)"),
        )],
    );
    let found = evaluate(&[site(a)], vec![row(a, 20001)], state(vec![blocked]), None);
    assert_eq!(kinds(&found), ["port_conflict"]);
    assert!(
        found[0]
            .message
            .contains("port 20001 of a.example is taken on node"),
        "{}",
        found[0].message
    );

    // Held outside the swarm: the failed task was replaced (history), the service is
    // short of a task, and the finding names the node and the port.
    let mut held = service(&row(a, 20002).service, 20002, vec![task("n1", None)]);
    held.running = 1;
    held.failed = vec![SwarmTask {
        desired_state: "shutdown".into(),
        state: "failed".into(),
        ..task(
            "n2",
            Some(
                "Error starting userland proxy: listen tcp4 0.0.0.0:20002: bind: address already in use",
            ),
        )
    }];
    let found = evaluate(
        &[site(a)],
        vec![row(a, 20002)],
        state(vec![held.clone()]),
        None,
    );
    assert!(kinds(&found).contains(&"port_conflict"), "{found:?}");
    let conflict = found
        .iter()
        .find(|f| f.kind == crate::ops::check::Kind::PortConflict)
        .expect("port_conflict");
    assert!(
        conflict
            .message
            .contains("port 20002 of a.example is taken on node")
            && conflict.message.contains("(10.79.0.2)"),
        "{}",
        conflict.message
    );
    // Back at full strength, an old failure in the history is not a finding.
    held.running = 2;
    let found = evaluate(&[site(a)], vec![row(a, 20002)], state(vec![held]), None);
    assert!(!kinds(&found).contains(&"port_conflict"), "{found:?}");
}

#[test]
fn a_pending_site_or_an_unread_swarm_gives_no_site_finding() {
    let mut pending = site("a.example");
    pending.state = SiteState::Pending;
    let found = evaluate(
        &[pending],
        vec![row("a.example", 20000)],
        state(vec![]),
        None,
    );
    assert!(found.is_empty(), "{found:#?}");
}
