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
