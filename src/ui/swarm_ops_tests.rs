//! Snapshots of the swarm operations' popups: the replicas line, the image line with its
//! error as typed, and the confirm popup of a scale and of a drain.

use super::tests::{draw, state};
use crate::app::Modal;
use crate::app::ask_form::{Ask, AskForm};
use crate::app::confirm::{ConfirmView, PlannedOp};
use crate::app::create_form::FormEdit;
use crate::ops::swarm_ops::{self, Found, NodeKey, ServiceKey, SwarmRequest};

#[test]
fn scale_popup_80x24() {
    let mut s = state(false, 3);
    let mut form = AskForm::new(Ask::Replicas, "fd-web.example.org", "2");
    form.handle(FormEdit::Backspace);
    form.handle(FormEdit::Insert('3'));
    s.modal = Some(Modal::Ask(Box::new(form)));
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn update_image_popup_with_an_error_80x24() {
    let mut s = state(false, 3);
    let mut form = AskForm::new(Ask::Image, "fd-web.example.org", "fdlab/busybox:latest");
    for c in " v2".chars() {
        form.handle(FormEdit::Insert(c));
    }
    s.modal = Some(Modal::Ask(Box::new(form)));
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

fn fixture(name: &str) -> serde_json::Value {
    let all: Vec<serde_json::Value> = serde_json::from_str(match name {
        "services" => include_str!("../../tests/fixtures/swarm/manager_services.json"),
        _ => include_str!("../../tests/fixtures/swarm/manager_nodes.json"),
    })
    .expect("fixture");
    all.into_iter().next().expect("one")
}

#[test]
fn confirm_scale_and_drain_80x24() {
    let mut s = state(false, 3);
    let req = SwarmRequest::Scale {
        service: ServiceKey::Name("fdfix-web".into()),
        replicas: 3,
    };
    let found = Found::Service {
        swarm: "prod".into(),
        manager: "teemo".into(),
        doc: fixture("services"),
        domain: Some("fix.lab".into()),
    };
    let plan = swarm_ops::plan(&req, found).expect("plan");
    s.modal = Some(Modal::Confirm(Box::new(ConfirmView::new(
        PlannedOp::Swarm(Box::new(plan)),
    ))));
    insta::assert_snapshot!("confirm_scale_80x24", draw(&s, 80, 24).backend());

    let req = SwarmRequest::Drain {
        node: NodeKey::Fleet("garen".into()),
    };
    let mut doc = fixture("nodes");
    doc["Spec"]["Availability"] = "active".into();
    let found = Found::Node {
        swarm: "prod".into(),
        manager: "teemo".into(),
        doc,
        fleet_node: Some("garen".into()),
        tasks: vec!["fd-web.example.org.1".into()],
        other_active: 1,
    };
    let plan = swarm_ops::plan(&req, found).expect("plan");
    s.modal = Some(Modal::Confirm(Box::new(ConfirmView::new(
        PlannedOp::Swarm(Box::new(plan)),
    ))));
    insta::assert_snapshot!("confirm_drain_80x24", draw(&s, 80, 24).backend());
}

/// A swarm of two nodes with one site's service, its row selected.
fn with_service() -> crate::app::State {
    use crate::swarm::tree::{Replicas, TreeService, TreeSwarm};
    let mut s = state(false, 1);
    s.doc.swarms = vec![TreeSwarm {
        name: "prod".into(),
        id: "cluster".into(),
        manager: Some("teemo".into()),
        error: None,
        nodes: Vec::new(),
        services: vec![TreeService {
            name: "fd-web-example-org".into(),
            id: "svc".into(),
            mode: "replicated".into(),
            replicas: Replicas {
                running: 2,
                desired: 2,
            },
            image: "fdlab/busybox:latest".into(),
            ports: vec!["20001:80/tcp (host)".into()],
            update_state: Some("updating".into()),
            tasks: Vec::new(),
        }],
    }];
    s.reshape();
    s
}

#[test]
fn an_update_in_flight_shows_on_its_service_row_100x16() {
    let mut s = with_service();
    s.now = "2026-11-22T10:00:12Z".into();
    s.begin_op("update fd-web-example-org fdlab/busybox:2".into());
    s.op_since = Some("2026-11-22T10:00:05Z".into());
    let text = format!("{:?}", draw(&s, 100, 16).backend());
    assert!(text.contains("updating… 7s"), "{text}");
    insta::assert_snapshot!(draw(&s, 100, 16).backend());
}

#[test]
fn create_form_on_a_swarm_vlan_with_too_many_replicas_80x24() {
    let text = r#"
[[node]]
name = "teemo"
ssh = "root@10.0.0.1"
[containers]
image = "fdlab/busybox:latest"
[[swarm]]
name = "prod"
managers = ["teemo"]
[[vlan]]
id = 300
swarm = "prod"
subnet = "10.30.0.0/24"
gateway = "10.30.0.1"
ports = "20000-20999"
"#;
    let config = crate::config::load_str(text, std::path::Path::new("t.toml")).expect("config");
    let mut s = state(false, 3);
    let mut form = crate::app::create_form::CreateForm::new(&config);
    form.schedulable.insert("prod".into(), 3);
    for c in "alice".chars() {
        form.handle(FormEdit::Insert(c));
    }
    form.focus = 4;
    for c in "5".chars() {
        form.handle(FormEdit::Insert(c));
    }
    s.modal = Some(Modal::Create(Box::new(form)));
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}
