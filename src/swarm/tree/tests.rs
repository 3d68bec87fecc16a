use std::path::Path;

use bollard::models::{Node, Service, Task};

use super::*;
use crate::fleet::snapshot::NodeSnapshot;
use crate::swarm::map::{self, Info};

macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/swarm/",
            $path
        ))
    };
}

/// The lab swarm's engines as fleetdeck nodes: names that are not the swarm's hostnames,
/// addresses that are.
fn config(extra: &str) -> Config {
    crate::config::load_str(
        &format!(
            "[[node]]\nname = \"alpha\"\nssh = \"root@10.79.0.1\"\n\
             [[node]]\nname = \"beta\"\nssh = \"root@10.79.0.2\"\n\
             [[node]]\nname = \"gamma\"\nssh = \"root@10.79.0.3\"\n\
             [[node]]\nname = \"other\"\nssh = \"root@10.77.0.9\"\n{extra}"
        ),
        Path::new("t.toml"),
    )
    .expect("config")
}

fn manager_facts() -> SwarmFacts {
    let info: Info = serde_json::from_str(fixture!("manager_info.json")).expect("info");
    let mut facts = map::facts_from_info(&info).expect("active");
    let nodes: Vec<Node> = serde_json::from_str(fixture!("manager_nodes.json")).expect("nodes");
    let services: Vec<Service> =
        serde_json::from_str(fixture!("manager_services.json")).expect("services");
    let tasks: Vec<Task> = serde_json::from_str(fixture!("manager_tasks.json")).expect("tasks");
    facts.cluster = Some(map::cluster(&info, nodes, services, tasks));
    facts
}

fn worker_facts(node_id: &str, addr: &str) -> SwarmFacts {
    let info: Info = serde_json::from_str(fixture!("worker_info.json")).expect("info");
    let mut facts = map::facts_from_info(&info).expect("active");
    facts.node_id = node_id.into();
    facts.node_addr = addr.into();
    facts
}

fn snap(name: &str, swarm: Option<SwarmFacts>) -> NodeSnapshot {
    let mut s = NodeSnapshot::unknown(name);
    s.swarm = swarm;
    s
}

fn built(
    config: &Config,
    snaps: &[NodeSnapshot],
) -> (Vec<TreeSwarm>, BTreeMap<String, Membership>) {
    let by_name: HashMap<&str, &NodeSnapshot> =
        snaps.iter().map(|s| (s.name.as_str(), s)).collect();
    build(config, &by_name, |name| {
        let node = config.node(name)?;
        let target: crate::config::SshTarget = node.ssh.as_deref()?.parse().ok()?;
        Some(target.host)
    })
}

#[test]
fn nodes_and_tasks_map_to_fleetdeck_nodes_by_address() {
    let config = config("");
    let snaps = [
        snap("alpha", Some(manager_facts())),
        snap(
            "beta",
            Some(worker_facts("2jcq8rr8z5ou5bxoad1e30fvz", "10.79.0.2")),
        ),
        snap("gamma", None),
        snap("other", None),
    ];
    let (swarms, members) = built(&config, &snaps);
    assert_eq!(swarms.len(), 1);
    let s = &swarms[0];
    assert_eq!(
        s.name, "357ibg7tfk9j",
        "no [[swarm]]: the cluster id's start"
    );
    assert_eq!(s.manager.as_deref(), Some("alpha"));
    let mapped: Vec<(Option<&str>, &str)> = s
        .nodes
        .iter()
        .map(|n| (n.node.as_deref(), n.hostname.as_str()))
        .collect();
    assert_eq!(
        mapped,
        [
            (Some("alpha"), "s1"),
            (Some("beta"), "s2"),
            (Some("gamma"), "s3")
        ],
        "gamma's engine said nothing: its ssh address maps it"
    );
    let web = s
        .services
        .iter()
        .find(|x| x.name == "fdfix-web")
        .expect("web");
    assert_eq!(
        web.replicas,
        Replicas {
            running: 2,
            desired: 2
        }
    );
    let on: Vec<Option<&str>> = web.tasks.iter().map(|t| t.node.as_deref()).collect();
    assert_eq!(on, [Some("gamma"), Some("beta")]);
    assert_eq!(
        members["alpha"],
        Membership {
            swarm: s.name.clone(),
            role: "manager".into()
        }
    );
    assert_eq!(members["beta"].role, "worker");
    assert!(
        !members.contains_key("gamma"),
        "its engine did not say it is a member"
    );
}

#[test]
fn a_configured_swarm_names_it() {
    let config = config("[[swarm]]\nname = \"prod\"\nmanagers = [\"alpha\"]\n");
    let (swarms, members) = built(&config, &[snap("alpha", Some(manager_facts()))]);
    assert_eq!(swarms[0].name, "prod");
    assert_eq!(members["alpha"].swarm, "prod");
}

#[test]
fn workers_without_an_answering_manager_still_show_their_swarm() {
    let named = config("[[swarm]]\nname = \"prod\"\nmanagers = [\"alpha\"]\n");
    let snaps = [
        snap("alpha", None),
        snap("beta", Some(worker_facts("b", "10.79.0.2"))),
        snap("gamma", Some(worker_facts("c", "10.79.0.3"))),
    ];
    let (swarms, members) = built(&named, &snaps);
    assert_eq!(swarms.len(), 1, "one swarm: both know the same manager");
    assert_eq!(swarms[0].name, "prod", "their manager's address is alpha's");
    assert_eq!(swarms[0].manager, None);
    assert_eq!(
        swarms[0].error.as_deref(),
        Some("no manager of this swarm answered")
    );
    assert_eq!(swarms[0].nodes.len(), 2);
    assert!(swarms[0].services.is_empty());
    assert_eq!(members["gamma"].role, "worker");

    let (unnamed, _) = built(&config(""), &snaps);
    assert_eq!(unnamed[0].name, "swarm@10.79.0.1:2377");
}

#[test]
fn a_manager_that_cannot_answer_says_why() {
    let mut m = manager_facts();
    m.cluster = None;
    m.cluster_error = Some("503: the swarm does not have a leader".into());
    let (swarms, members) = built(&config(""), &[snap("alpha", Some(m))]);
    assert_eq!(swarms.len(), 1);
    assert!(
        swarms[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("does not have a leader"))
    );
    assert_eq!(swarms[0].id, "357ibg7tfk9j5bia7wx3mxyxp");
    assert_eq!(members["alpha"].role, "manager");
}

#[test]
fn no_member_no_swarm() {
    let (swarms, members) = built(&config(""), &[snap("alpha", None)]);
    assert!(swarms.is_empty() && members.is_empty());
}

#[test]
fn the_json_carries_the_contract_fields() {
    let (swarms, _) = built(&config(""), &[snap("alpha", Some(manager_facts()))]);
    let v = serde_json::to_value(&swarms[0]).expect("json");
    let node = &v["nodes"][0];
    for key in ["id", "node", "address", "role", "availability", "status"] {
        assert!(node.get(key).is_some(), "node lacks {key}: {node}");
    }
    let web = v["services"]
        .as_array()
        .and_then(|s| s.iter().find(|x| x["name"] == "fdfix-web"))
        .expect("web");
    for key in ["name", "mode", "replicas", "image", "ports", "tasks"] {
        assert!(web.get(key).is_some(), "service lacks {key}: {web}");
    }
    assert_eq!(
        web["replicas"],
        serde_json::json!({"running": 2, "desired": 2})
    );
    let task = &web["tasks"][0];
    for key in ["slot", "node", "state", "error"] {
        assert!(task.get(key).is_some(), "task lacks {key}: {task}");
    }
    assert_eq!(task["slot"], 1);
    assert_eq!(task["error"], serde_json::Value::Null);
}
