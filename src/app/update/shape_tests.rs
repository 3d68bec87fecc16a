//! The keys that shape the fleet table, driven through `update`: fold with `←` `→`,
//! orders, the flat list, filter terms, the full-screen details.

use super::view_tests::{select_named, state};
use super::*;
use crate::app::rows::Order;
use crate::fleet::docker::{ContainerInfo, DockerFacts};
use crate::fleet::snapshot::PollEvent;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};

fn act(s: &mut State, action: Action) {
    update(s, Msg::Action(action));
}

fn names(s: &State) -> Vec<&str> {
    s.rows.iter().map(|r| r.name.as_str()).collect()
}

/// h1 holds two running containers and `zz-crash`, which exited with 2.
fn crashed() -> State {
    let mut s = state(false);
    let mut h1 = NodeSnapshot::unknown("h1");
    h1.status = NodeStatus::Up;
    let mut crash = ContainerInfo::running_for_test("zz-crash");
    crash.state = "exited".into();
    crash.status = "Exited (2) 1 minute ago".into();
    h1.docker = Some(DockerFacts {
        containers: vec![
            ContainerInfo::running_for_test("fd-blog.example.org"),
            ContainerInfo::running_for_test("fdtu-logs"),
            crash,
        ],
        networks: Vec::new(),
    });
    update(&mut s, Msg::Poll(PollEvent::Snapshot(Box::new(h1))));
    s
}

#[test]
fn left_folds_or_goes_to_the_node_and_right_unfolds() {
    let mut s = crashed();
    select_named(&mut s, "fdtu-logs");
    act(&mut s, Action::Collapse);
    assert_eq!(
        s.selected_row().map(|r| r.name.as_str()),
        Some("h1"),
        "to its node"
    );
    assert!(s.collapsed.is_empty(), "nothing folded yet");
    act(&mut s, Action::Collapse);
    assert_eq!(names(&s), ["h1", "h2"]);
    assert_eq!(s.rows[0].summary, "2/3 running, 1 crashed, 1 node");
    act(&mut s, Action::Collapse);
    assert_eq!(names(&s), ["h1", "h2"], "a folded node stays folded");
    act(&mut s, Action::Expand);
    assert_eq!(names(&s).len(), 6);
    act(&mut s, Action::Expand);
    assert_eq!(names(&s).len(), 6, "right never folds");
    act(&mut s, Action::Toggle);
    assert_eq!(names(&s), ["h1", "h2"], "space still toggles");
}

#[test]
fn sort_cycles_and_keeps_the_selection_on_its_item() {
    let mut s = crashed();
    select_named(&mut s, "fdtu-logs");
    assert_eq!(
        names(&s)[1..4],
        ["fd-blog.example.org", "fdtu-logs", "zz-crash"]
    );
    for expected in [Order::State, Order::Age, Order::Problems] {
        act(&mut s, Action::Sort);
        assert_eq!(s.order, expected);
    }
    assert_eq!(
        names(&s)[1..4],
        ["zz-crash", "fd-blog.example.org", "fdtu-logs"]
    );
    assert_eq!(s.selected_row().map(|r| r.name.as_str()), Some("fdtu-logs"));
    act(&mut s, Action::Sort);
    assert_eq!(s.order, Order::Restarts);
    act(&mut s, Action::Sort);
    assert_eq!(s.order, Order::Name);
}

#[test]
fn the_flat_list_holds_every_container_and_the_filter_takes_terms() {
    let mut s = crashed();
    select_named(&mut s, "zz-crash");
    act(&mut s, Action::Flat);
    assert_eq!(names(&s), ["fd-blog.example.org", "fdtu-logs", "zz-crash"]);
    assert_eq!(s.selected_row().map(|r| r.name.as_str()), Some("zz-crash"));
    act(&mut s, Action::Flat);
    assert_eq!(names(&s)[0], "h1", "the tree again");
    act(&mut s, Action::Filter);
    for c in "state:crashed node:h1".chars() {
        update(&mut s, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    update(&mut s, Msg::FilterEdit(FilterEdit::Accept));
    assert_eq!(names(&s), ["h1", "zz-crash"]);
}

#[test]
fn enter_opens_the_details_full_screen_and_esc_comes_back() {
    let mut s = crashed();
    select_named(&mut s, "zz-crash");
    act(&mut s, Action::Details);
    assert!(matches!(s.view, View::Details));
    assert_eq!(s.mode(), Mode::Details);
    act(&mut s, Action::Down);
    assert_eq!(s.details_scroll, 1, "arrows scroll the details");
    act(&mut s, Action::Logs);
    assert!(
        matches!(s.view, View::Details),
        "logs is not a key of this view"
    );
    act(&mut s, Action::Close);
    assert!(matches!(s.view, View::Tree));
    assert_eq!(s.selected_row().map(|r| r.name.as_str()), Some("zz-crash"));
}

#[test]
fn shaping_keys_rearrange_the_rows_without_rebuilding_the_tree() {
    let mut s = crashed();
    let built_at = s.doc.generated_at.clone();
    // Time moves on; only a poll or a tick may rebuild the tree at the new time.
    s.now = "2030-01-01T00:00:00Z".into();
    act(&mut s, Action::Filter);
    update(&mut s, Msg::FilterEdit(FilterEdit::Insert('z')));
    act(&mut s, Action::Sort);
    act(&mut s, Action::Flat);
    act(&mut s, Action::Flat);
    assert_eq!(s.doc.generated_at, built_at);
    assert_eq!(names(&s), ["h1", "zz-crash"]);
}

#[test]
fn the_columns_follow_the_longest_cells_of_the_rows_shown() {
    let mut s = crashed();
    let all = s.want;
    assert_eq!(all.name, 4 + 2 + "fd-blog.example.org".len(), "{all:?}");
    act(&mut s, Action::Filter);
    for c in "zz".chars() {
        update(&mut s, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    assert_eq!(s.want.name, 4 + 2 + "zz-crash".len());
    act(&mut s, Action::Flat);
    assert_eq!(
        s.want.name,
        2 + "zz-crash".len(),
        "no indent, no fold marker"
    );
}

#[test]
fn polls_that_arrive_together_are_one_rebuild_with_the_same_result() {
    let snap = |name: &str, containers: &[&str]| {
        let mut n = NodeSnapshot::unknown(name);
        n.status = NodeStatus::Up;
        n.docker = Some(DockerFacts {
            containers: containers
                .iter()
                .map(|c| ContainerInfo::running_for_test(c))
                .collect(),
            networks: Vec::new(),
        });
        PollEvent::Snapshot(Box::new(n))
    };
    let events = || {
        vec![
            snap("h1", &["a", "b"]),
            snap("h2", &["c"]),
            snap("h3", &[]),
            snap("h1", &["a", "b", "d"]),
        ]
    };
    let mut one_by_one = state(false);
    for e in events() {
        update(&mut one_by_one, Msg::Poll(e));
    }
    let mut batched = state(false);
    update(&mut batched, Msg::Polls(events()));
    assert_eq!(batched.doc, one_by_one.doc);
    assert_eq!(batched.rows, one_by_one.rows);
    assert_eq!(batched.index.tally, one_by_one.index.tally);
    assert_eq!(batched.index.tally.containers, 4);
    assert!(batched.dirty);
    // Both nodes answered: a pending `r` is over.
    let mut waiting = state(false);
    update(&mut waiting, Msg::Action(Action::Refresh));
    assert!(waiting.refreshing.is_some());
    update(&mut waiting, Msg::Polls(events()));
    assert!(waiting.refreshing.is_none(), "every node answered");
}
