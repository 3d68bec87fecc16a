//! A poll brings only the nodes it changed up to date (the tree's entries, the counts,
//! their rows); what the console holds after it is exactly what a whole rebuild makes,
//! whatever the order, the flat list, the folds and the filter, and the selection stays
//! on its item.

use std::net::IpAddr;
use std::sync::Arc;

use super::*;
use crate::app::Keymap;
use crate::config::Config;
use crate::fleet::docker::{ContainerInfo, DockerFacts};
use crate::fleet::model::{Guest, GuestKind, GuestState};
use crate::fleet::snapshot::PollEvent;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};

fn at(secs: u32) -> String {
    format!("2026-05-01T10:{:02}:{:02}Z", secs / 60, secs % 60)
}

/// hyper runs KVM with vm1 under it; vm2 has an address a guest of hyper may take; solo
/// and idle stand alone, and idle has not answered yet.
fn state() -> State {
    let config: Arc<Config> = Arc::new(
        crate::config::load_str(
            "refresh_secs = 5\n\
             [[node]]\nname = \"hyper\"\nssh = \"root@10.9.0.1\"\nhypervisor = \"kvm\"\n\
             [[node]]\nname = \"vm1\"\nssh = \"root@10.9.0.21\"\nparent = \"hyper\"\n\
             [[node]]\nname = \"vm2\"\nssh = \"root@10.9.0.22\"\n\
             [[node]]\nname = \"solo\"\nssh = \"root@10.9.0.3\"\n\
             [[node]]\nname = \"idle\"\nssh = \"root@10.9.0.4\"\n",
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
    update_at(
        &mut s,
        Msg::Polls(vec![
            polled("hyper", &[]),
            polled("vm1", &[("web", "running"), ("db", "running")]),
            polled("vm2", &[("shop", "running"), ("batch", "exited")]),
            polled("solo", &[("cache", "running"), ("crashy", "restarting")]),
        ]),
        at(1),
    );
    s
}

fn polled(name: &str, containers: &[(&str, &str)]) -> PollEvent {
    PollEvent::Snapshot(Box::new(snapshot(name, containers)))
}

fn snapshot(name: &str, containers: &[(&str, &str)]) -> NodeSnapshot {
    let mut s = NodeSnapshot::unknown(name);
    s.status = NodeStatus::Up;
    s.polled_at = at(1);
    s.last_seen = Some(at(1));
    s.docker = Some(DockerFacts {
        containers: containers
            .iter()
            .map(|(c, state)| {
                let mut info = ContainerInfo::running_for_test(c);
                info.state = state.to_string();
                info.status = match *state {
                    "exited" => "Exited (1) 1 minute ago".into(),
                    "restarting" => "Restarting (2) 3 seconds ago".into(),
                    _ => "Up 5 minutes".into(),
                };
                info
            })
            .collect(),
        networks: Vec::new(),
    });
    s
}

fn guest_at(address: &str) -> Guest {
    let mut g = Guest::new(GuestKind::Kvm, "guest", GuestState::Running);
    g.ips = vec![address.parse::<IpAddr>().expect("an address")];
    g
}

/// What the console holds is what rebuilding everything from the fleet makes.
fn assert_whole(s: &State, what: &str) {
    let mut w = s.clone();
    w.rebuild();
    assert_eq!(s.doc, w.doc, "{what}: the tree");
    assert_eq!(s.index, w.index, "{what}: the counts");
    let ids = |s: &State| s.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(s), ids(&w), "{what}: which rows, in which order");
    assert_eq!(s.rows, w.rows, "{what}: the rows");
    assert_eq!(s.want, w.want, "{what}: the columns' needs");
    assert_eq!(
        (s.selected, &s.selected_id),
        (w.selected, &w.selected_id),
        "{what}: the selection"
    );
}

fn type_filter(s: &mut State, text: &str) {
    update(s, Msg::Action(Action::Filter));
    for c in text.chars() {
        update(s, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    update(s, Msg::FilterEdit(FilterEdit::Accept));
}

fn select_id(s: &mut State, id: &str) -> bool {
    match s.rows.iter().position(|r| r.id == id) {
        Some(at) => {
            s.select(at);
            true
        }
        None => false,
    }
}

/// A node changing its containers, a node going down, one answering for the first time,
/// one nesting under a hypervisor (a guest took its address) and leaving it again, then
/// the time turning the silent ones stale: in every shape, with and without a filter.
#[test]
fn every_poll_leaves_what_a_whole_rebuild_makes() {
    let folds: [&[&str]; 3] = [&[], &["node/solo"], &["node/hyper"]];
    for sorts in 0..4 {
        for flat in [false, true] {
            for fold in folds {
                for filter in ["", "web", "state:crashed", "vm"] {
                    let what = format!("sorts={sorts} flat={flat} fold={fold:?} filter={filter:?}");
                    let mut s = state();
                    for _ in 0..sorts {
                        update(&mut s, Msg::Action(Action::Sort));
                    }
                    if flat {
                        update(&mut s, Msg::Action(Action::Flat));
                    }
                    for id in fold {
                        s.collapsed.insert(id.to_string());
                    }
                    s.reshape();
                    type_filter(&mut s, filter);
                    assert_whole(&s, &format!("shaped, {what}"));
                    let web = "node/vm1/container/id-web";
                    let on_web = select_id(&mut s, web);

                    let steps: Vec<(&str, Msg, u32)> = vec![
                        (
                            "vm1 changed",
                            Msg::Poll(polled(
                                "vm1",
                                &[("api", "running"), ("db", "exited"), ("web", "running")],
                            )),
                            2,
                        ),
                        (
                            "solo down",
                            Msg::Poll(PollEvent::Snapshot(Box::new({
                                let mut d = NodeSnapshot::unknown("solo");
                                d.status = NodeStatus::Down;
                                d.error = Some("connection refused".into());
                                d
                            }))),
                            3,
                        ),
                        (
                            "idle answers",
                            Msg::Poll(polled("idle", &[("webhook", "running")])),
                            4,
                        ),
                        (
                            "vm2 nests under hyper",
                            Msg::Poll(PollEvent::Snapshot(Box::new({
                                let mut h = snapshot("hyper", &[]);
                                h.guests = vec![guest_at("10.9.0.22")];
                                h
                            }))),
                            5,
                        ),
                        ("vm2 back at the top", Msg::Poll(polled("hyper", &[])), 6),
                        ("the time: stale", Msg::Tick, 20),
                        (
                            "vm1 again, while others are stale",
                            Msg::Poll(PollEvent::Snapshot(Box::new({
                                let mut v = snapshot("vm1", &[("web", "running")]);
                                v.polled_at = at(21);
                                v
                            }))),
                            21,
                        ),
                    ];
                    for (step, msg, secs) in steps {
                        update_at(&mut s, msg, at(secs));
                        assert_whole(&s, &format!("{step}, {what}"));
                        if on_web {
                            assert_eq!(
                                s.selected_row().map(|r| r.id.as_str()),
                                Some(web),
                                "{step}, {what}: the selection stays on its container"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// The selection on a container of the node that changed stays on it when rows come
/// above it, and on one of a later node when the changed node's rows above it grow.
#[test]
fn the_selection_stays_on_its_item_through_a_patch() {
    let mut s = state();
    assert!(select_id(&mut s, "node/vm1/container/id-web"));
    let was = s.selected;
    update_at(
        &mut s,
        Msg::Poll(polled(
            "vm1",
            &[
                ("alpha", "running"),
                ("beta", "running"),
                ("web", "running"),
            ],
        )),
        at(2),
    );
    assert_eq!(s.selected_id.as_deref(), Some("node/vm1/container/id-web"));
    assert_eq!(
        s.selected,
        was + 1,
        "db went from above it, alpha and beta came"
    );
    assert_eq!(s.rows[s.selected].id, "node/vm1/container/id-web");

    assert!(select_id(&mut s, "node/solo/container/id-cache"));
    let was = s.selected;
    update_at(
        &mut s,
        Msg::Poll(polled("vm1", &[("web", "running")])),
        at(3),
    );
    assert_eq!(s.selected, was - 2, "two rows went above it");
    assert_eq!(s.rows[s.selected].id, "node/solo/container/id-cache");
    // Its own container gone: the selection stays at its place.
    update_at(
        &mut s,
        Msg::Poll(polled("solo", &[("crashy", "restarting")])),
        at(4),
    );
    assert_eq!(s.selected, was - 2);
    assert_whole(&s, "gone");
}

/// The status bar's counts follow one node's change without counting the fleet again.
#[test]
fn the_counts_follow_a_patched_node() {
    let mut s = state();
    assert_eq!((s.index.tally.containers, s.index.tally.crashed), (6, 2));
    update_at(
        &mut s,
        Msg::Poll(polled(
            "solo",
            &[("cache", "exited"), ("crashy", "restarting"), ("x", "dead")],
        )),
        at(2),
    );
    assert_eq!((s.index.tally.containers, s.index.tally.crashed), (7, 4));
    assert_eq!(s.index.tally.up, 4);
    assert_whole(&s, "counted");
}
