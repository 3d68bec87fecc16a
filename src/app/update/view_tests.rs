//! `update` for the palette, the logs and stats views, operations, focus and the mouse.

use std::sync::Arc;

use super::*;
use crate::app::logs::{LogLine, LogStream};
use crate::app::msg::{Mouse, PaletteEdit, StreamEvent};
use crate::app::stats::StatsSample;
use crate::app::{Keymap, TextInput};
use crate::fleet::docker::{ContainerInfo, DockerFacts};
use crate::fleet::snapshot::PollEvent;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};
use tui_input::InputRequest;

pub(super) fn state(read_only: bool) -> State {
    let config = crate::config::load_str(
        "[[node]]\nname = \"h1\"\nssh = \"root@10.77.0.1\"\n\
         [[node]]\nname = \"h2\"\nssh = \"root@10.77.0.2\"\n\
         [[node]]\nname = \"h3\"\nssh = \"root@10.78.0.3\"\nparent = \"h1\"\n",
        std::path::Path::new("t.toml"),
    )
    .expect("config");
    let mut s = State::with_config(
        Arc::new(config),
        read_only,
        "cfg".into(),
        "/tmp/i.db".into(),
        Keymap::defaults(),
    );
    let mut h1 = NodeSnapshot::unknown("h1");
    h1.status = NodeStatus::Up;
    h1.docker = Some(DockerFacts {
        containers: ["fdtu-logs", "fd-blog.example.org"]
            .iter()
            .map(|c| {
                let mut info = ContainerInfo::running_for_test(c);
                if c.starts_with("fd-") {
                    info.labels.insert(
                        "fleetdeck.domain".to_string(),
                        "blog.example.org".to_string(),
                    );
                }
                info
            })
            .collect(),
        networks: Vec::new(),
    });
    update(&mut s, Msg::Poll(PollEvent::Snapshot(Box::new(h1))));
    update(
        &mut s,
        Msg::Resized {
            width: 80,
            height: 24,
        },
    );
    s
}

fn act(s: &mut State, action: Action) -> Vec<Effect> {
    update(s, Msg::Action(action))
}

pub(super) fn select_named(s: &mut State, name: &str) {
    let at = s.rows.iter().position(|r| r.name == name).expect(name);
    s.select(at);
}

fn type_palette(s: &mut State, text: &str) -> Vec<Effect> {
    act(s, Action::Palette);
    assert_eq!(s.text_input(), TextInput::Palette);
    for c in text.chars() {
        update(
            s,
            Msg::Palette(PaletteEdit::Input(InputRequest::InsertChar(c))),
        );
    }
    update(s, Msg::Palette(PaletteEdit::Run))
}

fn last_activity(s: &State) -> &str {
    s.activity.last().map_or("", |a| a.text.as_str())
}

fn lines(n: usize) -> Vec<LogLine> {
    (0..n)
        .map(|i| LogLine {
            stream: if i % 2 == 0 {
                LogStream::Stdout
            } else {
                LogStream::Stderr
            },
            at: "10:00:00".into(),
            text: format!("line {i}"),
        })
        .collect()
}

#[test]
fn operation_keys_ask_the_driver_for_their_operation() {
    let mut s = state(false);
    assert_eq!(
        op_act(&mut s, Action::Check),
        vec![Effect::Operation(OpRequest::Check)]
    );
    assert_eq!(
        op_act(&mut s, Action::ProxyPlan),
        vec![Effect::Operation(OpRequest::ProxyPlan)]
    );
    assert_eq!(
        op_act(&mut s, Action::ProxyApply),
        vec![Effect::Operation(OpRequest::ProxyApply)]
    );
    assert!(
        act(&mut s, Action::Create).is_empty(),
        "create opens its form"
    );
    assert!(matches!(s.modal, Some(crate::app::Modal::Create(_))));
    s.modal = None;
    select_named(&mut s, "fd-blog.example.org");
    assert_eq!(
        op_act(&mut s, Action::Delete),
        vec![Effect::Operation(OpRequest::Delete {
            domain: "blog.example.org".into()
        })]
    );
    select_named(&mut s, "fdtu-logs");
    assert!(act(&mut s, Action::Delete).is_empty(), "not a site");
    assert!(
        last_activity(&s).contains(":delete DOMAIN"),
        "{}",
        last_activity(&s)
    );
}

#[test]
fn read_only_refuses_mutating_actions_from_keys_and_palette() {
    let mut s = state(true);
    select_named(&mut s, "fd-blog.example.org");
    for action in [Action::ProxyApply, Action::Create, Action::Delete] {
        let before = s.activity.len();
        assert!(act(&mut s, action).is_empty(), "{action:?}");
        assert_eq!(s.activity.len(), before + 1);
        assert!(
            last_activity(&s).contains("read-only mode"),
            "{}",
            last_activity(&s)
        );
    }
    assert_eq!(
        op_act(&mut s, Action::Check),
        vec![Effect::Operation(OpRequest::Check)]
    );
    assert_eq!(
        op_act(&mut s, Action::ProxyPlan),
        vec![Effect::Operation(OpRequest::ProxyPlan)]
    );
    for typed in ["create", "proxy apply", "delete blog.example.org"] {
        assert!(type_palette(&mut s, typed).is_empty(), "{typed}");
        assert!(last_activity(&s).contains("read-only mode"), "{typed}");
    }
    // Looking is fine in read-only mode: logs and stats open.
    select_named(&mut s, "fdtu-logs");
    assert!(matches!(
        &act(&mut s, Action::Logs)[..],
        [Effect::OpenLogs { .. }]
    ));
    act(&mut s, Action::Close);
    assert!(matches!(
        &act(&mut s, Action::Stats)[..],
        [Effect::OpenStats { .. }]
    ));
    act(&mut s, Action::Close);
    act(&mut s, Action::Palette);
    let offered = s.palette.as_ref().expect("palette").candidates.clone();
    assert!(offered.contains(&"check".to_string()));
    for hidden in ["create", "delete", "proxy apply"] {
        assert!(
            !offered.iter().any(|c| c == hidden),
            "{hidden} offered: {offered:?}"
        );
    }
}

#[test]
fn the_palette_completes_runs_and_reports_unknown_commands() {
    let mut s = state(false);
    assert_eq!(
        op_palette(&mut s, "check"),
        vec![Effect::Operation(OpRequest::Check)]
    );
    assert!(s.palette.is_none(), "enter closes it");
    assert!(type_palette(&mut s, "fly away").is_empty());
    assert!(last_activity(&s).contains("unknown command :fly away"));

    act(&mut s, Action::Palette);
    for c in "pro".chars() {
        update(
            &mut s,
            Msg::Palette(PaletteEdit::Input(InputRequest::InsertChar(c))),
        );
    }
    update(&mut s, Msg::Palette(PaletteEdit::Complete));
    assert_eq!(s.palette.as_ref().map(|p| p.input.value()), Some("proxy "));
    update(&mut s, Msg::Palette(PaletteEdit::Next));
    update(&mut s, Msg::Palette(PaletteEdit::Next));
    assert_eq!(
        op_update(&mut s, Msg::Palette(PaletteEdit::Run)),
        vec![Effect::Operation(OpRequest::ProxyApply)],
        "the picked candidate runs"
    );
    act(&mut s, Action::Palette);
    update(&mut s, Msg::Palette(PaletteEdit::Close));
    assert!(s.palette.is_none());
    assert!(type_palette(&mut s, "delete not_a_domain").is_empty());
    assert!(
        last_activity(&s).starts_with("delete:"),
        "{}",
        last_activity(&s)
    );
    assert_eq!(
        op_palette(&mut s, "delete Shop.Example.org"),
        vec![Effect::Operation(OpRequest::Delete {
            domain: "shop.example.org".into()
        })]
    );
    assert!(type_palette(&mut s, "quit").is_empty());
    assert!(s.should_quit);
}

#[test]
fn node_command_selects_and_reveals_a_folded_or_filtered_node() {
    let mut s = state(false);
    s.collapsed.insert("node/h1".into());
    s.rebuild();
    assert!(
        !s.rows.iter().any(|r| r.id == "node/h3"),
        "h3 is folded in h1"
    );
    type_palette(&mut s, "node h3");
    assert_eq!(s.selected_id.as_deref(), Some("node/h3"));
    type_palette(&mut s, "node h2");
    assert_eq!(s.selected_id.as_deref(), Some("node/h2"));
    s.filter = "fdtu".into();
    s.rebuild();
    type_palette(&mut s, "node h2");
    assert_eq!(s.selected_id.as_deref(), Some("node/h2"));
    assert!(s.filter.is_empty(), "a filter hiding the node is dropped");
    type_palette(&mut s, "node h9");
    assert!(last_activity(&s).contains("no node named \"h9\""));
    assert_eq!(s.selected_id.as_deref(), Some("node/h2"));
}

#[test]
fn logs_open_on_a_container_stream_scroll_search_and_close() {
    let mut s = state(false);
    select_named(&mut s, "h1");
    assert!(act(&mut s, Action::Logs).is_empty());
    assert!(last_activity(&s).contains("select a container"));
    select_named(&mut s, "fdtu-logs");
    let effects = act(&mut s, Action::Logs);
    let stream = s.last_stream;
    assert_eq!(
        effects,
        vec![Effect::OpenLogs {
            stream,
            node: "h1".into(),
            container: "id-fdtu-logs".into()
        }]
    );
    assert_eq!(s.mode(), Mode::Logs);

    s.dirty = false;
    update(
        &mut s,
        Msg::Logs {
            stream: stream + 9,
            event: StreamEvent::Data(lines(3)),
        },
    );
    assert!(!s.dirty, "a stale stream draws nothing");
    update(
        &mut s,
        Msg::Logs {
            stream,
            event: StreamEvent::Data(Vec::new()),
        },
    );
    assert!(!s.dirty, "no lines, nothing to draw");
    update(
        &mut s,
        Msg::Logs {
            stream,
            event: StreamEvent::Data(lines(100)),
        },
    );
    assert!(s.dirty);
    let View::Logs(v) = &s.view else {
        panic!("logs view")
    };
    assert_eq!((v.lines.len(), v.follow), (100, true));

    act(&mut s, Action::Up);
    let View::Logs(v) = &s.view else {
        panic!("logs view")
    };
    assert!(!v.follow, "scrolling up pauses follow");
    act(&mut s, Action::Follow);
    let View::Logs(v) = &s.view else {
        panic!("logs view")
    };
    assert!(v.follow, "f follows again");

    act(&mut s, Action::Filter);
    assert_eq!(s.text_input(), TextInput::Line);
    for c in "line 4".chars() {
        update(&mut s, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    update(&mut s, Msg::FilterEdit(FilterEdit::Accept));
    let View::Logs(v) = &s.view else {
        panic!("logs view")
    };
    assert_eq!((v.hit, v.follow), (Some(49), false), "newest match first");
    act(&mut s, Action::PrevMatch);
    let View::Logs(v) = &s.view else {
        panic!("logs view")
    };
    assert_eq!(v.hit, Some(48));
    act(&mut s, Action::NextMatch);
    let View::Logs(v) = &s.view else {
        panic!("logs view")
    };
    assert_eq!(v.hit, Some(49));
    assert_eq!(s.filter, "", "the tree filter is untouched");

    update(
        &mut s,
        Msg::Logs {
            stream,
            event: StreamEvent::Failed("engine gone".into()),
        },
    );
    assert!(last_activity(&s).contains("engine gone"));
    assert_eq!(act(&mut s, Action::Quit), vec![Effect::CloseStream(stream)]);
    assert!(!s.should_quit, "q closes the view, not the console");
    assert_eq!(s.mode(), Mode::Tree);
    s.dirty = false;
    update(
        &mut s,
        Msg::Logs {
            stream,
            event: StreamEvent::Data(lines(1)),
        },
    );
    assert!(!s.dirty, "late lines of a closed view draw nothing");
}

#[test]
fn stats_open_take_samples_and_close_their_stream() {
    let mut s = state(false);
    select_named(&mut s, "fd-blog.example.org");
    let effects = act(&mut s, Action::Stats);
    let stream = s.last_stream;
    assert!(matches!(&effects[..], [Effect::OpenStats { stream: st, .. }] if *st == stream));
    update(
        &mut s,
        Msg::Stats {
            stream,
            event: StreamEvent::Data(StatsSample {
                mem_usage: 10,
                ..Default::default()
            }),
        },
    );
    let View::Stats(v) = &s.view else {
        panic!("stats view")
    };
    assert_eq!(v.mem.len(), 1);
    act(&mut s, Action::Palette);
    assert!(s.palette.is_none(), "the palette is only on the tree");
    assert_eq!(
        act(&mut s, Action::Close),
        vec![Effect::CloseStream(stream)]
    );
    let effects = type_palette(&mut s, "logs fdtu-logs");
    assert!(
        matches!(&effects[..], [Effect::OpenLogs { container, .. }] if container == "id-fdtu-logs")
    );
    act(&mut s, Action::Help);
    assert!(s.show_help);
    let effects = act(&mut s, Action::Quit);
    assert_eq!(effects, vec![Effect::CloseStream(s.last_stream)]);
    assert!(!s.show_help && !s.should_quit);
    assert!(type_palette(&mut s, "stats nope").is_empty());
    assert!(last_activity(&s).contains("no container or domain named \"nope\""));
}

#[test]
fn tab_focuses_the_details_which_then_scroll() {
    let mut s = state(false);
    act(&mut s, Action::Focus);
    assert_eq!(s.focus, Focus::Tree, "no details pane at 80 columns");
    assert!(matches!(s.view, View::Details), "so they open full-screen");
    act(&mut s, Action::Close);
    assert!(matches!(s.view, View::Tree));
    update(
        &mut s,
        Msg::Resized {
            width: 160,
            height: 10,
        },
    );
    act(&mut s, Action::Focus);
    assert_eq!(s.focus, Focus::Details);
    let at = s.selected;
    act(&mut s, Action::Down);
    assert_eq!(
        (s.selected, s.details_scroll),
        (at, 1),
        "down scrolls the details"
    );
    act(&mut s, Action::Bottom);
    let max = u16::try_from(crate::app::details::lines(&s).len() - 1).expect("small");
    assert_eq!(s.details_scroll, max);
    act(&mut s, Action::Close);
    assert_eq!(s.focus, Focus::Tree);
    act(&mut s, Action::Down);
    assert_eq!((s.selected, s.details_scroll), (at + 1, 0));
}

#[test]
fn mouse_clicks_select_rows_and_the_wheel_moves() {
    let mut s = state(false);
    // Row 0 is the tree's border, row 1 its header; rows follow from screen row 2.
    update(&mut s, Msg::Mouse(Mouse::Click { column: 5, row: 4 }));
    assert_eq!(s.selected, 2);
    update(&mut s, Msg::Mouse(Mouse::Click { column: 5, row: 0 }));
    assert_eq!(s.selected, 2, "a border selects nothing");
    update(&mut s, Msg::Mouse(Mouse::Click { column: 5, row: 1 }));
    assert_eq!(s.selected, 2, "nor does the header");
    update(&mut s, Msg::Mouse(Mouse::WheelUp));
    assert_eq!(s.selected, 0);
    update(&mut s, Msg::Mouse(Mouse::WheelDown));
    assert_eq!(s.selected, 3);
    update(
        &mut s,
        Msg::Resized {
            width: 160,
            height: 30,
        },
    );
    update(
        &mut s,
        Msg::Mouse(Mouse::Click {
            column: 120,
            row: 5,
        }),
    );
    assert_eq!(s.focus, Focus::Details);
    select_named(&mut s, "fdtu-logs");
    let stream = {
        act(&mut s, Action::Logs);
        s.last_stream
    };
    update(
        &mut s,
        Msg::Logs {
            stream,
            event: StreamEvent::Data(lines(200)),
        },
    );
    update(&mut s, Msg::Mouse(Mouse::WheelUp));
    let View::Logs(v) = &s.view else {
        panic!("logs view")
    };
    assert!(!v.follow, "the wheel scrolls the logs");
}

// The driver finishes at once in these tests, so the next operation may start.
fn op_act(s: &mut State, action: Action) -> Vec<Effect> {
    let effects = act(s, action);
    s.op_busy = None;
    effects
}

fn op_palette(s: &mut State, typed: &str) -> Vec<Effect> {
    let effects = type_palette(s, typed);
    s.op_busy = None;
    effects
}

fn op_update(s: &mut State, msg: Msg) -> Vec<Effect> {
    let effects = update(s, msg);
    s.op_busy = None;
    effects
}
