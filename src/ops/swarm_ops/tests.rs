//! The pure parts of the swarm operations on what the lab's real engines answered
//! (`tests/fixtures/swarm/`): spec edits keep everything else, plans say what happens.

use serde_json::{Value, json};

use super::plan::{Found, plan};
use super::spec::{self, SpecError};
use super::*;

fn services() -> Vec<Value> {
    serde_json::from_str(include_str!(
        "../../../tests/fixtures/swarm/manager_services.json"
    ))
    .expect("fixture")
}

fn service(name: &str) -> Value {
    services()
        .into_iter()
        .find(|s| s["Spec"]["Name"] == name)
        .unwrap_or_else(|| panic!("no {name} in the fixture"))
}

fn node(hostname: &str) -> Value {
    let nodes: Vec<Value> = serde_json::from_str(include_str!(
        "../../../tests/fixtures/swarm/manager_nodes.json"
    ))
    .expect("fixture");
    nodes
        .into_iter()
        .find(|n| n["Description"]["Hostname"] == hostname)
        .unwrap_or_else(|| panic!("no {hostname} in the fixture"))
}

fn found(doc: Value) -> Found {
    Found::Service {
        swarm: "lab".into(),
        manager: "sw-alpha".into(),
        domain: doc["Spec"]["Labels"]["fleetdeck.domain"]
            .as_str()
            .map(String::from),
        doc,
    }
}

fn domain(d: &str) -> ServiceKey {
    ServiceKey::Domain(d.into())
}

/// Everything but `pointer` is the same in both specs.
fn same_but(before: &Value, after: &Value, pointer: &str) {
    let mut a = before.clone();
    let mut b = after.clone();
    if let Some(x) = a.pointer_mut(pointer) {
        *x = Value::Null;
    }
    if let Some(x) = b.pointer_mut(pointer) {
        *x = Value::Null;
    }
    assert_eq!(a, b, "only {pointer} may differ");
}

#[test]
fn scaling_changes_the_replicas_and_keeps_every_other_field() {
    let doc = service("fdfix-web");
    let spec = spec::scaled(&doc, 3).expect("scaled");
    assert_eq!(spec["Mode"]["Replicated"]["Replicas"], 3);
    same_but(&doc["Spec"], &spec, "/Mode/Replicated/Replicas");
    // Labels, placement and published ports go back as the engine wrote them.
    assert_eq!(spec["Labels"]["fleetdeck.domain"], "fix.lab");
    assert_eq!(spec["TaskTemplate"]["Placement"]["MaxReplicas"], 1);
    assert_eq!(spec["EndpointSpec"]["Ports"][0]["PublishedPort"], 20001);
}

#[test]
fn a_field_the_model_does_not_know_survives_an_edit() {
    let mut doc = service("fdfix-web");
    doc["Spec"]["TaskTemplate"]["ContainerSpec"]["SomethingNewer"] = json!({"x": [1, 2]});
    let spec = spec::with_image(&doc, "fdlab/busybox:v2").expect("image");
    assert_eq!(
        spec["TaskTemplate"]["ContainerSpec"]["SomethingNewer"],
        json!({"x": [1, 2]})
    );
    assert_eq!(
        spec["TaskTemplate"]["ContainerSpec"]["Image"],
        "fdlab/busybox:v2"
    );
    same_but(&doc["Spec"], &spec, "/TaskTemplate/ContainerSpec/Image");
}

#[test]
fn a_global_service_cannot_be_scaled() {
    let err = spec::scaled(&service("fdfix-glob"), 2).expect_err("global");
    assert!(matches!(err, SpecError::NotReplicated { ref mode, .. } if mode == "global"));
    let req = SwarmRequest::Scale {
        service: ServiceKey::Name("fdfix-glob".into()),
        replicas: 2,
    };
    let err = plan(&req, found(service("fdfix-glob"))).expect_err("refused");
    assert_eq!(err.kind(), crate::ops::FailKind::Invalid);
    assert!(
        err.to_string().contains("only a replicated service"),
        "{err}"
    );
}

#[test]
fn draining_sets_the_availability_and_keeps_role_and_labels() {
    let doc = node("s2");
    let spec = spec::with_availability(&doc, "drain").expect("drain");
    assert_eq!(spec["Availability"], "drain");
    assert_eq!(spec["Role"], "worker");
    same_but(&doc["Spec"], &spec, "/Availability");
}

#[test]
fn the_scale_plan_carries_the_version_read_and_says_what_changes() {
    let req = SwarmRequest::Scale {
        service: domain("fix.lab"),
        replicas: 3,
    };
    let p = plan(&req, found(service("fdfix-web"))).expect("plan");
    assert_eq!(p.version, 30);
    assert_eq!(
        p.path(),
        format!("/services/{}/update?version=30", p.id),
        "the version read at plan time goes with the update"
    );
    assert!(p.changes());
    let lines = p.lines();
    assert_eq!(
        lines[0],
        "scale service fdfix-web on swarm lab, asked through sw-alpha"
    );
    assert_eq!(lines[1], "2 replicas → 3 replicas");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("version 30") && l.contains("refused, not overwritten"))
    );
    assert_eq!(
        p.audit_target(),
        "fix.lab",
        "a site's service is audited by domain"
    );
    assert_eq!(p.params()["before"], "2 replicas");
}

#[test]
fn scaling_to_the_count_it_has_is_nothing_to_do() {
    let req = SwarmRequest::Scale {
        service: domain("fix.lab"),
        replicas: 2,
    };
    let p = plan(&req, found(service("fdfix-web"))).expect("plan");
    assert!(!p.changes());
    assert_eq!(p.lines()[1], "already 2 replicas: nothing to do");
}

#[test]
fn an_update_describes_the_rollout_from_the_services_own_config() {
    let mut doc = service("fdfix-web");
    doc["Spec"]["UpdateConfig"] = json!({
        "Parallelism": 1, "Delay": 2_000_000_000u64, "FailureAction": "rollback", "Order": "start-first"
    });
    let req = SwarmRequest::Update {
        service: domain("fix.lab"),
        image: "fdlab/busybox:v2".into(),
    };
    let p = plan(&req, found(doc.clone())).expect("plan");
    assert_eq!(p.before, "image fdlab/busybox:latest");
    assert_eq!(p.after, "image fdlab/busybox:v2");
    assert!(
        p.lines().iter().any(|l| l
            == "rolling update as the service's own config says: 1 task at a time, 2s apart, start-first, on failure rollback"),
        "{:#?}",
        p.lines()
    );
    assert_eq!(p.spec["UpdateConfig"], doc["Spec"]["UpdateConfig"], "kept");
    // A pinned image of the same name is not a change.
    let mut pinned = doc;
    pinned["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"] =
        json!("fdlab/busybox:v2@sha256:0123");
    let p = plan(&req, found(pinned)).expect("plan");
    assert!(!p.changes());
}

#[test]
fn a_rollback_needs_a_previous_spec_and_says_what_it_returns_to() {
    let req = SwarmRequest::Rollback {
        service: domain("fix.lab"),
    };
    let err = plan(&req, found(service("fdfix-web"))).expect_err("no previous spec");
    assert_eq!(err.kind(), crate::ops::FailKind::Invalid);
    assert!(err.to_string().contains("cannot be rolled back"), "{err}");

    let mut doc = service("fdfix-web");
    let mut previous = doc["Spec"].clone();
    previous["TaskTemplate"]["ContainerSpec"]["Image"] = json!("fdlab/busybox:old");
    previous["Mode"]["Replicated"]["Replicas"] = json!(1);
    doc["PreviousSpec"] = previous;
    let p = plan(&req, found(doc.clone())).expect("plan");
    assert_eq!(p.before, "image fdlab/busybox:latest, 2 replicas");
    assert_eq!(p.after, "image fdlab/busybox:old, 1 replica");
    assert!(p.path().ends_with("?version=30&rollback=previous"));
    assert_eq!(
        p.spec, doc["Spec"],
        "the current spec; the engine swaps in the previous one"
    );
}

#[test]
fn a_drain_plan_names_the_tasks_that_move_and_warns_when_nowhere_is_left() {
    let req = SwarmRequest::Drain {
        node: NodeKey::Fleet("sw-beta".into()),
    };
    let node_found = |other_active| Found::Node {
        swarm: "lab".into(),
        manager: "sw-alpha".into(),
        doc: node("s2"),
        fleet_node: Some("sw-beta".into()),
        tasks: vec!["fd-a.1".into(), "fd-b.2".into()],
        other_active,
    };
    let p = plan(&req, node_found(2)).expect("plan");
    assert_eq!(p.version, 19);
    assert_eq!(p.path(), format!("/nodes/{}/update?version=19", p.id));
    assert_eq!(p.audit_target(), "sw-beta");
    let lines = p.lines();
    assert_eq!(
        lines[0],
        "drain node s2 = sw-beta on swarm lab, asked through sw-alpha"
    );
    assert_eq!(lines[1], "availability active → availability drain");
    assert!(lines[2].contains("moves 2 tasks off it") && lines[2].contains("fd-a.1, fd-b.2"));
    assert!(!lines.iter().any(|l| l.contains("pending")));
    let lines = plan(&req, node_found(0)).expect("plan").lines();
    assert!(
        lines.iter().any(|l| l.contains("wait, pending")),
        "{lines:#?}"
    );

    // Activating an active node: nothing to do.
    let req = SwarmRequest::Activate {
        node: NodeKey::Fleet("sw-beta".into()),
    };
    assert!(!plan(&req, node_found(2)).expect("plan").changes());
}

#[test]
fn bad_input_is_refused_before_anything_is_asked() {
    let cases = [
        SwarmRequest::Scale {
            service: domain("fix.lab"),
            replicas: MAX_REPLICAS + 1,
        },
        SwarmRequest::Update {
            service: domain("fix.lab"),
            image: "bad image;rm".into(),
        },
        SwarmRequest::Rollback {
            service: domain("not a domain"),
        },
        SwarmRequest::Drain {
            node: NodeKey::Fleet(String::new()),
        },
    ];
    for req in cases {
        let err = req.validate().expect_err("refused");
        assert_eq!(err.kind(), crate::ops::FailKind::Invalid, "{req:?}: {err}");
    }
}

#[test]
fn a_service_is_found_by_its_domain_label_or_its_fd_name() {
    let web = service("fdfix-web");
    assert!(find::service_matches(&web, &domain("fix.lab")));
    assert!(find::service_matches(&web, &domain("FIX.lab")));
    assert!(!find::service_matches(&web, &domain("other.lab")));
    assert!(find::service_matches(
        &web,
        &ServiceKey::Name("fdfix-web".into())
    ));
    let mut named = web.clone();
    named["Spec"]["Labels"] = json!({});
    named["Spec"]["Name"] = json!("fd-shop.lab");
    assert!(find::service_matches(&named, &domain("shop.lab")));
}

#[test]
fn only_the_engines_sequence_error_is_a_conflict() {
    let status = |message: &str| crate::transport::DockerError::Status {
        target: "x".into(),
        what: "POST".into(),
        status: 500,
        message: message.into(),
    };
    assert!(apply::is_conflict(&status(
        "rpc error: code = Unknown desc = update out of sequence"
    )));
    assert!(!apply::is_conflict(&status("service not found")));
}
