//! Staleness in `update`: ticks with the time handed in, missed deadlines, engines that
//! stop answering, the "back" line and the "next try" countdown. No clock is read.

use std::sync::Arc;

use super::*;
use crate::app::Keymap;
use crate::app::rows::Health;
use crate::config::Config;
use crate::fleet::docker::{ContainerInfo, DockerFacts};
use crate::fleet::snapshot::PollEvent;
use crate::fleet::snapshot::{FactError, NodeSnapshot, NodeStatus};

fn state() -> State {
    let config: Arc<Config> = Arc::new(
        crate::config::load_str(
            "refresh_secs = 2\n[[node]]\nname = \"h1\"\nssh = \"root@10.77.0.1\"\n\
             [[node]]\nname = \"h2\"\nssh = \"root@10.77.0.2\"\n",
            std::path::Path::new("t.toml"),
        )
        .expect("config"),
    );
    let mut s = State::with_config(
        config,
        false,
        "cfg".into(),
        "i.db".into(),
        Keymap::defaults(),
    );
    s.polling_since = Some(at(0));
    s
}

fn at(secs: u32) -> String {
    format!("2024-05-01T10:{:02}:{:02}Z", secs / 60, secs % 60)
}

fn polled(name: &str, secs: u32, containers: &[&str]) -> Msg {
    let mut s = NodeSnapshot::unknown(name);
    s.status = NodeStatus::Up;
    s.polled_at = at(secs);
    s.last_seen = Some(at(secs));
    s.docker = Some(DockerFacts {
        containers: containers
            .iter()
            .map(|c| ContainerInfo::running_for_test(c))
            .collect(),
        networks: Vec::new(),
    });
    Msg::Poll(PollEvent::Snapshot(Box::new(s)))
}

fn row<'a>(s: &'a State, id: &str) -> &'a crate::app::rows::Row {
    s.rows
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no row {id}: {:?}", s.rows))
}

fn activity(s: &State) -> Vec<String> {
    s.activity.iter().map(|a| a.text.clone()).collect()
}

#[test]
fn a_node_without_news_turns_stale_after_two_refreshes_keeping_its_containers() {
    let mut s = state();
    update_at(&mut s, polled("h1", 1, &["web"]), at(1));
    update_at(&mut s, polled("h2", 1, &["db"]), at(1));
    s.dirty = false;
    update_at(&mut s, Msg::Tick, at(5));
    assert!(
        !s.dirty,
        "4 s old with a 2 s refresh: still fresh, nothing redrawn"
    );
    update_at(&mut s, polled("h2", 5, &["db"]), at(5));
    update_at(&mut s, Msg::Tick, at(6));
    assert!(s.dirty, "h1 turned stale");
    let node = row(&s, "node/h1");
    assert_eq!((node.state.as_str(), node.health), ("stale", Health::Stale));
    assert!(node.extra.contains("data 5s old"), "{node:?}");
    let web = row(&s, "node/h1/container/id-web");
    assert_eq!(web.health, Health::Greyed, "kept, greyed");
    assert!(web.extra.contains("as of 10:00:01"), "{web:?}");
    assert_eq!(row(&s, "node/h2").state, "up", "the others go on");
    assert!(
        activity(&s)
            .iter()
            .any(|l| l.starts_with("h1 stale: no answer for 5s")),
        "{:?}",
        activity(&s)
    );
    // The age counts while it stays stale; fresh data brings it back.
    update_at(&mut s, Msg::Tick, at(9));
    assert!(row(&s, "node/h1").extra.contains("data 8s old"));
    update_at(&mut s, polled("h1", 10, &["web"]), at(10));
    assert_eq!(row(&s, "node/h1").state, "up");
    assert!(
        activity(&s).iter().any(|l| l.starts_with("h1 back")),
        "{:?}",
        activity(&s)
    );
}

#[test]
fn a_missed_deadline_is_stale_at_once_and_an_engine_error_keeps_containers() {
    let mut s = state();
    update_at(&mut s, polled("h1", 1, &["web"]), at(1));
    let missed = PollEvent::Missed {
        node: "h1".into(),
        why: "no complete answer within 33s".into(),
    };
    update_at(&mut s, Msg::Poll(missed), at(2));
    assert_eq!(row(&s, "node/h1").state, "stale");
    assert_eq!(s.doc.nodes[0].data_age_secs, Some(1));
    assert_eq!(s.doc.nodes[0].containers.len(), 1, "never silently removed");
    // The node answers again but its engine does not: the containers stay, as of 10:00:01.
    let mut snap = NodeSnapshot::unknown("h1");
    snap.status = NodeStatus::Up;
    snap.polled_at = at(4);
    snap.fact_errors.push(FactError {
        fact: "docker",
        message: "timed out".into(),
    });
    update_at(
        &mut s,
        Msg::Poll(PollEvent::Snapshot(Box::new(snap))),
        at(4),
    );
    let node = &s.doc.nodes[0];
    assert!(node.stale);
    assert_eq!(node.containers.len(), 1);
    assert_eq!(node.data_as_of.as_deref(), Some(at(1).as_str()));
    assert!(
        row(&s, "node/h1/container/id-web")
            .extra
            .contains("as of 10:00:01")
    );
}

#[test]
fn a_node_that_never_answers_is_stale_two_refreshes_after_polling_began() {
    let mut s = state();
    update_at(&mut s, Msg::Tick, at(4));
    assert_eq!(row(&s, "node/h1").state, "unknown");
    update_at(&mut s, Msg::Tick, at(5));
    assert_eq!(row(&s, "node/h1").state, "stale");
    assert!(row(&s, "node/h1").extra.contains("no answer yet"));
    assert!(s.doc.nodes[0].data_age_secs.is_none());
}

#[test]
fn the_next_try_counts_down_with_the_time_handed_in() {
    let mut s = state();
    let mut down = NodeSnapshot::unknown("h2");
    down.status = NodeStatus::Down;
    down.polled_at = at(1);
    down.error = Some("root@10.77.0.2:22 is down (last error: refused)".into());
    down.retry_at = Some(at(23));
    update_at(
        &mut s,
        Msg::Poll(PollEvent::Snapshot(Box::new(down))),
        at(1),
    );
    assert!(row(&s, "node/h2").extra.starts_with("next try in 22s"));
    s.dirty = false;
    update_at(&mut s, Msg::Tick, at(11));
    assert!(s.dirty);
    assert!(row(&s, "node/h2").extra.starts_with("next try in 12s"));
    assert_eq!(row(&s, "node/h2").state, "down", "down, not stale");
}

#[test]
fn an_unchanged_answer_looks_at_its_own_node_only_the_tick_moves_the_others() {
    let mut s = state();
    update_at(&mut s, polled("h1", 1, &["web"]), at(1));
    update_at(&mut s, polled("h2", 1, &["db"]), at(1));
    update_at(&mut s, polled("h2", 5, &["db"]), at(5));
    update_at(&mut s, Msg::Tick, at(6));
    assert_eq!(row(&s, "node/h1").state, "stale");
    s.dirty = false;
    // h2 answers as before, 2 s later: h1's age moved, but that is the tick's to show.
    update_at(&mut s, polled("h2", 8, &["db"]), at(8));
    assert!(!s.dirty, "nothing h2 shows changed");
    assert!(row(&s, "node/h1").extra.contains("data 5s old"));
    update_at(&mut s, Msg::Tick, at(8));
    assert!(s.dirty, "the tick shows h1's age");
    assert!(row(&s, "node/h1").extra.contains("data 7s old"));
    // h1 answers with the same containers: fresh again at once, not at the next tick.
    s.dirty = false;
    update_at(&mut s, polled("h1", 9, &["web"]), at(9));
    assert!(s.dirty, "h1 fresh again");
    assert_eq!(row(&s, "node/h1").state, "up");
}
