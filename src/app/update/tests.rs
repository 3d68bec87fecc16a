use std::sync::Arc;

use super::*;
use crate::app::Keymap;
use crate::config::Config;
use crate::fleet::docker::{ContainerInfo, DockerFacts};
use crate::fleet::snapshot::PollEvent;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};

fn config() -> Arc<Config> {
    Arc::new(
        crate::config::load_str(
            "[[node]]\nname = \"h1\"\nssh = \"root@10.77.0.1\"\n[[node]]\nname = \"h2\"\nssh = \"root@10.77.0.2\"\n",
            std::path::Path::new("t.toml"),
        )
        .expect("config"),
    )
}

fn state() -> State {
    State::with_config(
        config(),
        false,
        "cfg".into(),
        "/tmp/i.db".into(),
        Keymap::defaults(),
    )
}

fn node_with(name: &str, containers: &[&str]) -> PollEvent {
    let mut s = NodeSnapshot::unknown(name);
    s.status = NodeStatus::Up;
    s.docker = Some(DockerFacts {
        containers: containers
            .iter()
            .map(|c| ContainerInfo::running_for_test(c))
            .collect(),
        networks: Vec::new(),
    });
    PollEvent::Snapshot(Box::new(s))
}

#[test]
fn nodes_show_before_any_poll_and_fill_in_as_polls_arrive() {
    let mut s = state();
    let ids: Vec<&str> = s.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["node/h1", "node/h2"],
        "the first frame lists the nodes at once"
    );
    assert_eq!(s.rows[0].state, "unknown");
    update(&mut s, Msg::Poll(node_with("h1", &["web", "db"])));
    assert_eq!(s.rows.len(), 4);
    assert_eq!(s.rows[0].state, "up");
    assert!(s.data_as_of.is_some());
}

#[test]
fn selection_follows_its_item_when_rows_move() {
    let mut s = state();
    update(&mut s, Msg::Poll(node_with("h1", &["web"])));
    update(&mut s, Msg::Action(Action::Bottom));
    assert_eq!(s.selected_id.as_deref(), Some("node/h2"));
    update(&mut s, Msg::Poll(node_with("h1", &["web", "db", "cache"])));
    assert_eq!(s.selected_id.as_deref(), Some("node/h2"));
    assert_eq!(s.selected, 4, "two containers appeared above it");
}

#[test]
fn toggle_collapses_and_expands_a_node() {
    let mut s = state();
    update(&mut s, Msg::Poll(node_with("h1", &["web", "db"])));
    update(&mut s, Msg::Action(Action::Top));
    update(&mut s, Msg::Action(Action::Toggle));
    assert_eq!(s.rows.len(), 2);
    assert!(s.rows[0].collapsed);
    update(&mut s, Msg::Action(Action::Toggle));
    assert_eq!(s.rows.len(), 4);
}

#[test]
fn help_opens_blocks_navigation_and_closes() {
    let mut s = state();
    update(&mut s, Msg::Action(Action::Help));
    assert!(s.show_help);
    update(&mut s, Msg::Action(Action::Down));
    assert_eq!(s.selected, 0, "navigation is blocked under the popup");
    update(&mut s, Msg::Action(Action::Close));
    assert!(!s.show_help);
    update(&mut s, Msg::Action(Action::Help));
    update(&mut s, Msg::Action(Action::Quit));
    assert!(s.should_quit, "quit works from the help popup");
}

#[test]
fn navigation_stays_in_bounds_and_pages() {
    let mut s = state();
    let many: Vec<String> = (0..30).map(|i| format!("c{i:02}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    update(&mut s, Msg::Poll(node_with("h1", &refs)));
    s.page_rows = 10;
    update(&mut s, Msg::Action(Action::PageDown));
    assert_eq!(s.selected, 10);
    update(&mut s, Msg::Action(Action::Bottom));
    assert_eq!(s.selected, 31);
    update(&mut s, Msg::Action(Action::Down));
    assert_eq!(s.selected, 31);
    update(&mut s, Msg::Action(Action::Top));
    update(&mut s, Msg::Action(Action::Up));
    assert_eq!(s.selected, 0);
}

#[test]
fn refresh_asks_for_inventory_and_fleet_and_signals_quit() {
    let mut s = state();
    assert_eq!(
        update(&mut s, Msg::Action(Action::Refresh)),
        vec![Effect::LoadSites, Effect::RefreshFleet]
    );
    update(&mut s, Msg::Signal("SIGTERM"));
    assert!(s.should_quit);
}

#[test]
fn an_identical_poll_changes_nothing_on_screen() {
    let mut s = state();
    update(&mut s, Msg::Poll(node_with("h1", &["web"])));
    assert!(s.dirty);
    s.dirty = false;
    update(&mut s, Msg::Poll(node_with("h1", &["web"])));
    assert!(!s.dirty, "nothing changed, nothing to draw");
    update(&mut s, Msg::Poll(node_with("h1", &["web", "db"])));
    assert!(s.dirty);
}

#[test]
fn the_filter_narrows_rows_as_it_is_typed_and_esc_clears_it() {
    let mut s = state();
    update(&mut s, Msg::Poll(node_with("h1", &["web", "db"])));
    update(&mut s, Msg::Action(Action::Filter));
    assert!(s.filter_editing);
    for c in "we".chars() {
        update(&mut s, Msg::FilterEdit(crate::app::FilterEdit::Insert(c)));
    }
    let names: Vec<&str> = s.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["h1", "web"]);
    update(&mut s, Msg::FilterEdit(crate::app::FilterEdit::Backspace));
    update(&mut s, Msg::FilterEdit(crate::app::FilterEdit::Accept));
    assert!(!s.filter_editing);
    assert_eq!(s.filter, "w");
    update(&mut s, Msg::Action(Action::Close));
    assert_eq!(s.filter, "");
    assert_eq!(s.rows.len(), 4);
    update(&mut s, Msg::Action(Action::Filter));
    update(&mut s, Msg::FilterEdit(crate::app::FilterEdit::Insert('z')));
    update(&mut s, Msg::FilterEdit(crate::app::FilterEdit::Cancel));
    assert_eq!((s.filter.as_str(), s.rows.len()), ("", 4));
}

#[test]
fn nodes_going_down_and_back_up_are_logged_once() {
    let mut s = state();
    update(&mut s, Msg::Poll(node_with("h1", &[])));
    assert!(
        s.activity.is_empty(),
        "coming up the first time is not news"
    );
    let mut down = NodeSnapshot::unknown("h1");
    down.status = NodeStatus::Down;
    down.error = Some("timed out".into());
    update(
        &mut s,
        Msg::Poll(PollEvent::Snapshot(Box::new(down.clone()))),
    );
    update(&mut s, Msg::Poll(PollEvent::Snapshot(Box::new(down))));
    update(&mut s, Msg::Poll(node_with("h1", &[])));
    let texts: Vec<&str> = s.activity.iter().map(|a| a.text.as_str()).collect();
    assert_eq!(texts, ["h1 down: timed out", "h1 is back up"]);
    assert_eq!(s.activity[0].level, crate::app::Level::Error);
}

#[test]
fn ctrl_l_redraws_everything_in_any_view() {
    let mut s = state();
    s.dirty = false;
    assert!(update(&mut s, Msg::Action(Action::Redraw)).is_empty());
    assert!(s.redraw_all && s.dirty, "the next frame writes every cell");
    s.redraw_all = false;
    s.show_help = true;
    update(&mut s, Msg::Action(Action::Redraw));
    assert!(
        s.redraw_all && s.show_help,
        "works over the help, which stays"
    );
}
