//! `update` for acting on the selection: shell, restart, stop/start, inspect, events.

use super::view_tests::{select_named, state};
use super::*;
use crate::act::events::FleetEvent;
use crate::act::lifecycle::Verb;
use crate::app::msg::{SessionTarget, StreamEvent};
use crate::app::{FilterEdit, TextInput};

fn act(s: &mut State, action: Action) -> Vec<Effect> {
    update(s, Msg::Action(action))
}

#[test]
fn e_on_a_node_or_a_container_hands_the_terminal_over() {
    let mut s = state(false);
    select_named(&mut s, "h2");
    assert_eq!(
        act(&mut s, Action::Shell),
        vec![Effect::Session(SessionTarget {
            node: "h2".into(),
            container: None
        })]
    );
    select_named(&mut s, "fdtu-logs");
    match act(&mut s, Action::Shell).as_slice() {
        [Effect::Session(t)] => {
            assert_eq!(t.node, "h1");
            assert_eq!(
                t.container.as_ref().map(|c| c.id.as_str()),
                Some("id-fdtu-logs")
            );
            assert_eq!(t.label(), "exec h1/fdtu-logs");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn read_only_refuses_every_action_that_can_change_something() {
    let mut s = state(true);
    select_named(&mut s, "fdtu-logs");
    for a in [Action::Shell, Action::Restart, Action::StopStart] {
        assert!(act(&mut s, a).is_empty(), "{a:?} refused");
        assert!(
            s.activity
                .last()
                .is_some_and(|l| l.text.contains("read-only"))
        );
    }
    // Reading stays possible.
    assert!(matches!(
        act(&mut s, Action::Inspect).as_slice(),
        [Effect::Inspect { .. }]
    ));
}

#[test]
fn r_plans_a_restart_and_s_stops_a_running_container() {
    let mut s = state(false);
    select_named(&mut s, "fdtu-logs");
    match act(&mut s, Action::Restart).as_slice() {
        [Effect::Operation(OpRequest::Lifecycle { verb, container })] => {
            assert_eq!(*verb, Verb::Restart);
            assert_eq!(container.name, "fdtu-logs");
        }
        other => panic!("unexpected {other:?}"),
    }
    // One operation at a time: the restart is still planning.
    assert!(act(&mut s, Action::StopStart).is_empty());
    s.op_busy = None;
    assert!(matches!(
        act(&mut s, Action::StopStart).as_slice(),
        [Effect::Operation(OpRequest::Lifecycle {
            verb: Verb::Stop,
            ..
        })]
    ));
}

#[test]
fn a_session_that_ended_shows_in_the_status_and_redraws_everything() {
    let mut s = state(false);
    let effects = update(
        &mut s,
        Msg::SessionEnded {
            ok: false,
            text: "ssh h2: exit 4 after 1.0 s".into(),
        },
    );
    assert_eq!(effects, vec![Effect::RefreshFleet]);
    assert_eq!(
        s.last_session.as_deref(),
        Some("ssh h2: exit 4 after 1.0 s")
    );
    assert!(s.redraw_all);
}

#[test]
fn the_inspect_view_loads_searches_copies_and_closes() {
    let mut s = state(false);
    select_named(&mut s, "fdtu-logs");
    let stream = match act(&mut s, Action::Inspect).as_slice() {
        [
            Effect::Inspect {
                stream,
                node,
                container,
            },
        ] => {
            assert_eq!(
                (node.as_str(), container.as_deref()),
                ("h1", Some("id-fdtu-logs"))
            );
            *stream
        }
        other => panic!("unexpected {other:?}"),
    };
    // An answer for an older request is dropped.
    update(
        &mut s,
        Msg::Inspected {
            stream: stream + 9,
            result: Ok(vec!["stale".into()]),
        },
    );
    let lines: Vec<String> = [
        "{",
        "  \"Id\": \"x\",",
        "  \"IPAddress\": \"10.0.0.1\"",
        "}",
    ]
    .iter()
    .map(|l| l.to_string())
    .collect();
    update(
        &mut s,
        Msg::Inspected {
            stream,
            result: Ok(lines),
        },
    );
    act(&mut s, Action::Filter);
    assert_eq!(s.text_input(), TextInput::Line);
    for c in "ipaddr".chars() {
        update(&mut s, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    update(&mut s, Msg::FilterEdit(FilterEdit::Accept));
    match act(&mut s, Action::Copy).as_slice() {
        [Effect::Clipboard(text)] => assert_eq!(text, "\"IPAddress\": \"10.0.0.1\""),
        other => panic!("unexpected {other:?}"),
    }
    assert!(act(&mut s, Action::Close).is_empty());
    assert_eq!(s.mode(), Mode::Tree);
}

#[test]
fn the_events_view_streams_only_while_open_and_filters() {
    let mut s = state(false);
    let stream = match act(&mut s, Action::Events).as_slice() {
        [Effect::OpenEvents { stream }] => *stream,
        other => panic!("unexpected {other:?}"),
    };
    let ev = |t: i64, action: &str| FleetEvent {
        node: "h1".into(),
        time: String::new(),
        time_nano: t,
        kind: "container".into(),
        action: action.into(),
        id: "abc".into(),
        name: Some("web".into()),
        attributes: Default::default(),
    };
    update(
        &mut s,
        Msg::Events {
            stream,
            event: StreamEvent::Data(vec![ev(1, "start"), ev(2, "die")]),
        },
    );
    act(&mut s, Action::Filter);
    update(&mut s, Msg::FilterEdit(FilterEdit::Insert('d')));
    let View::Events(v) = &s.view else {
        panic!("events view")
    };
    assert_eq!(v.visible().len(), 1);
    update(&mut s, Msg::FilterEdit(FilterEdit::Accept));
    // Esc drops the filter first, then closes and stops the stream.
    assert!(act(&mut s, Action::Close).is_empty());
    assert_eq!(
        act(&mut s, Action::Close),
        vec![Effect::CloseStream(stream)]
    );
}

#[test]
fn quitting_while_an_operation_runs_asks_for_a_second_q() {
    let mut s = state(false);
    s.op_busy = Some("restart h1/web".into());
    act(&mut s, Action::Quit);
    assert!(!s.should_quit, "one q does not cut an apply off");
    assert!(
        s.activity
            .last()
            .is_some_and(|l| l.text.contains("q again"))
    );
    act(&mut s, Action::Quit);
    assert!(s.should_quit);
    let mut idle = state(false);
    act(&mut idle, Action::Quit);
    assert!(idle.should_quit, "nothing running: one q quits");
}
