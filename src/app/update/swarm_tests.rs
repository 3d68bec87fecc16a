//! `update` for the swarm operations: `x` / `u` open their popup on a service row and
//! enter asks for the plan, `U` asks at once, `D` drains an active node and activates a
//! drained one, the palette's `:drain` / `:activate`; read-only refuses every one.

use super::view_tests::state;
use super::*;
use crate::app::create_form::FormEdit;
use crate::app::rows::{RowKind, Shape, arrange};
use crate::app::{Modal, TextInput};
use crate::ops::swarm_ops::{NodeKey, ServiceKey, SwarmRequest};
use crate::swarm::tree::{Replicas, TreeService, TreeSwarm, TreeSwarmNode};

fn with_swarm(read_only: bool) -> State {
    let mut s = state(read_only);
    let node = |id: &str, host: &str, availability: &str, fleet: Option<&str>| TreeSwarmNode {
        id: id.into(),
        node: fleet.map(str::to_string),
        address: format!("10.79.0.{}", &id[1..]),
        role: "worker".into(),
        availability: availability.into(),
        status: "ready".into(),
        hostname: host.into(),
        leader: false,
        reachability: None,
        engine_version: None,
    };
    s.doc.swarms = vec![TreeSwarm {
        name: "prod".into(),
        id: "cluster".into(),
        manager: Some("h1".into()),
        error: None,
        nodes: vec![
            node("n2", "s2", "active", Some("h1")),
            node("n3", "s3", "drain", None),
        ],
        services: vec![
            TreeService {
                name: "fd-web.lab".into(),
                id: "svc".into(),
                mode: "replicated".into(),
                replicas: Replicas {
                    running: 2,
                    desired: 2,
                },
                image: "fdlab/busybox:latest".into(),
                ports: Vec::new(),
                update_state: None,
                tasks: Vec::new(),
            },
            TreeService {
                name: "agent".into(),
                id: "svc2".into(),
                mode: "global".into(),
                replicas: Replicas {
                    running: 3,
                    desired: 3,
                },
                image: "agent:1".into(),
                ports: Vec::new(),
                update_state: None,
                tasks: Vec::new(),
            },
        ],
    }];
    let collapsed = std::collections::HashSet::new();
    let shape = Shape {
        collapsed: &collapsed,
        order: s.order,
        flat: false,
    };
    s.rows = arrange(&s.doc, &shape);
    s
}

fn select(s: &mut State, kind: RowKind, name: &str) {
    let at = s
        .rows
        .iter()
        .position(|r| r.kind == kind && r.name == name)
        .unwrap_or_else(|| panic!("no {kind:?} row {name}"));
    s.selected = at;
}

fn act(s: &mut State, action: Action) -> Vec<Effect> {
    update(s, Msg::Action(action))
}

fn swarm_op(effects: &[Effect]) -> Option<&SwarmRequest> {
    match effects {
        [Effect::Operation(OpRequest::Swarm(req))] => Some(req),
        _ => None,
    }
}

#[test]
fn hash_on_a_service_opens_the_replicas_popup_and_enter_asks_for_the_plan() {
    let mut s = with_swarm(false);
    select(&mut s, RowKind::Service, "fd-web.lab");
    assert!(act(&mut s, Action::Scale).is_empty());
    assert_eq!(s.text_input(), TextInput::Form);
    let Some(Modal::Ask(form)) = &s.modal else {
        panic!("no popup: {:?}", s.modal)
    };
    assert_eq!(form.input.value(), "2", "prefilled with what it wants now");
    update(&mut s, Msg::Form(FormEdit::Backspace));
    update(&mut s, Msg::Form(FormEdit::Insert('3')));
    let effects = update(&mut s, Msg::Form(FormEdit::Submit));
    assert_eq!(
        swarm_op(&effects),
        Some(&SwarmRequest::Scale {
            service: ServiceKey::Name("fd-web.lab".into()),
            replicas: 3,
        })
    );
    assert!(s.modal.is_none());
    assert_eq!(s.op_busy.as_deref(), Some("scale fd-web.lab 3"));
}

#[test]
fn u_opens_the_image_popup_and_capital_u_rolls_back_at_once() {
    let mut s = with_swarm(false);
    select(&mut s, RowKind::Service, "fd-web.lab");
    act(&mut s, Action::UpdateImage);
    let Some(Modal::Ask(form)) = &s.modal else {
        panic!("no popup")
    };
    assert_eq!(form.input.value(), "fdlab/busybox:latest");
    update(&mut s, Msg::Form(FormEdit::Cancel));
    assert!(s.modal.is_none());
    let effects = act(&mut s, Action::Rollback);
    assert_eq!(
        swarm_op(&effects),
        Some(&SwarmRequest::Rollback {
            service: ServiceKey::Name("fd-web.lab".into()),
        })
    );
}

#[test]
fn a_global_service_is_not_scaled_and_a_non_service_row_says_what_to_select() {
    let mut s = with_swarm(false);
    select(&mut s, RowKind::Service, "agent");
    assert!(act(&mut s, Action::Scale).is_empty());
    assert!(s.modal.is_none());
    assert!(
        s.activity
            .last()
            .is_some_and(|a| a.text.contains("global mode"))
    );
    select(&mut s, RowKind::Swarm, "prod");
    assert!(act(&mut s, Action::UpdateImage).is_empty());
    assert!(
        s.activity
            .last()
            .is_some_and(|a| a.text.contains("select a swarm service row"))
    );
}

#[test]
fn d_drains_an_active_node_and_activates_a_drained_one() {
    let mut s = with_swarm(false);
    select(&mut s, RowKind::SwarmNode, "s2");
    assert_eq!(
        swarm_op(&act(&mut s, Action::DrainActivate)),
        Some(&SwarmRequest::Drain {
            node: NodeKey::Id("n2".into())
        })
    );
    update(
        &mut s,
        Msg::OpFinished {
            ok: true,
            text: "done".into(),
            then: None,
        },
    );
    select(&mut s, RowKind::SwarmNode, "s3");
    assert_eq!(
        swarm_op(&act(&mut s, Action::DrainActivate)),
        Some(&SwarmRequest::Activate {
            node: NodeKey::Id("n3".into())
        })
    );
}

#[test]
fn d_on_a_fleetdeck_node_in_a_swarm_and_the_palette_words() {
    let mut s = with_swarm(false);
    select(&mut s, RowKind::Node, "h1");
    assert_eq!(
        swarm_op(&act(&mut s, Action::DrainActivate)),
        Some(&SwarmRequest::Drain {
            node: NodeKey::Fleet("h1".into())
        })
    );
    s.end_op();
    // `:activate` says which, whatever the node's availability.
    let effects = commands::run(&mut s, "activate");
    assert_eq!(
        swarm_op(&effects),
        Some(&SwarmRequest::Activate {
            node: NodeKey::Fleet("h1".into())
        })
    );
    s.end_op();
    select(&mut s, RowKind::Node, "h2");
    assert!(commands::run(&mut s, "drain").is_empty());
    assert!(
        s.activity
            .last()
            .is_some_and(|a| a.text.contains("in no swarm"))
    );
}

#[test]
fn read_only_refuses_every_swarm_key_and_command() {
    let mut s = with_swarm(true);
    select(&mut s, RowKind::Service, "fd-web.lab");
    for action in [
        Action::Scale,
        Action::UpdateImage,
        Action::Rollback,
        Action::DrainActivate,
    ] {
        assert!(act(&mut s, action).is_empty(), "{action:?}");
        assert!(s.modal.is_none());
        assert!(
            s.activity
                .last()
                .is_some_and(|a| a.text.contains("refused in read-only mode")),
            "{action:?}"
        );
    }
    for line in [
        "scale",
        "scale 3",
        "update img:2",
        "update",
        "rollback",
        "drain",
        "activate",
    ] {
        assert!(commands::run(&mut s, line).is_empty(), "{line}");
    }
    assert!(s.op_busy.is_none());
}

#[test]
fn a_finished_swarm_operation_polls_the_fleet_again() {
    let mut s = with_swarm(false);
    s.begin_op("scale fd-web.lab 3".into());
    let effects = update(
        &mut s,
        Msg::OpFinished {
            ok: true,
            text: "scale fd-web.lab: 3 replicas".into(),
            then: None,
        },
    );
    assert!(effects.contains(&Effect::RefreshFleet), "{effects:?}");
}

#[test]
fn the_palette_gives_the_popups_value_on_the_line_and_names_a_bad_one() {
    let mut s = with_swarm(false);
    select(&mut s, RowKind::Service, "fd-web.lab");
    let effects = commands::run(&mut s, ":scale 3");
    assert_eq!(
        swarm_op(&effects),
        Some(&SwarmRequest::Scale {
            service: ServiceKey::Name("fd-web.lab".into()),
            replicas: 3,
        }),
        "straight to the plan and its confirm, as # then enter"
    );
    assert!(s.modal.is_none());
    s.end_op();
    let effects = commands::run(&mut s, "update fdlab/busybox:2");
    assert_eq!(
        swarm_op(&effects),
        Some(&SwarmRequest::Update {
            service: ServiceKey::Name("fd-web.lab".into()),
            image: "fdlab/busybox:2".into(),
        })
    );
    s.end_op();
    for (line, words) in [
        (
            "scale three",
            "\"three\" is not valid: a number of replicas",
        ),
        ("scale 5000", "at most 1000"),
        ("update bad^image", "\"bad^image\" is not valid"),
    ] {
        assert!(commands::run(&mut s, line).is_empty(), "{line}");
        let said = s
            .activity
            .last()
            .map(|a| a.text.clone())
            .unwrap_or_default();
        assert!(said.contains(words), "{line}: {said}");
        assert!(s.op_busy.is_none());
    }
    // A value on a row that is not a service says what to select.
    select(&mut s, RowKind::Swarm, "prod");
    assert!(commands::run(&mut s, "scale 2").is_empty());
    assert!(
        s.activity
            .last()
            .is_some_and(|a| a.text.contains("select a swarm service row"))
    );
}
