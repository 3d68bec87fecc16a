//! The reconcile decision, branch by branch (the effects are proven on the lab in
//! `tests/ops_reconcile.rs`).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Decision, decide, decide_after_grace, settle_left};
use crate::inventory::{Site, SiteState};
use crate::ops::docker_steps::Found;
use crate::ops::labels;

fn site(updated_at: &str) -> Site {
    Site {
        domain: "a.example".into(),
        login: "alice".into(),
        vlan: 110,
        node: Some("h1".into()),
        ip: "10.90.110.2".parse().expect("ip"),
        container_id: None,
        image: None,
        port: None,
        state: SiteState::Pending,
        created_at: updated_at.into(),
        updated_at: updated_at.into(),
    }
}

fn found(state: &str, labels: BTreeMap<String, String>) -> Found {
    Found {
        id: "0123456789ab".into(),
        name: "fd-a.example".into(),
        state: state.into(),
        labels,
        ips: BTreeMap::new(),
    }
}

fn own_labels() -> BTreeMap<String, String> {
    labels::for_site("a.example", "alice", 110)
        .into_iter()
        .collect()
}

const OLD: &str = "2026-01-01T00:00:00Z";

#[test]
fn a_container_with_the_sites_labels_is_adopted_and_started_when_stopped() {
    let s = site(OLD);
    for (state, start) in [("created", true), ("exited", true), ("running", false)] {
        assert_eq!(
            decide(&s, Some(&found(state, own_labels())), "h1", Duration::ZERO),
            Decision::Adopt {
                id: "0123456789ab".into(),
                name: "fd-a.example".into(),
                start
            },
            "{state}"
        );
    }
}

#[test]
fn a_young_row_is_adopted_at_once_when_its_container_is_there() {
    // The grace only delays "no container"; a labelled container is final.
    let d = decide(
        &site(OLD),
        Some(&found("created", own_labels())),
        "h1",
        Duration::from_secs(4),
    );
    assert!(matches!(d, Decision::Adopt { .. }), "{d:?}");
}

#[test]
fn another_domains_labels_are_never_adopted() {
    let s = site(OLD);
    let other: BTreeMap<_, _> = labels::for_site("b.example", "alice", 110)
        .into_iter()
        .collect();
    let mut other_vlan = own_labels();
    other_vlan.insert(labels::VLAN.into(), "111".into());
    let mut missing_login = own_labels();
    missing_login.remove(labels::LOGIN);
    for (what, l) in [
        ("other domain", other),
        ("other vlan", other_vlan),
        ("no login label", missing_login),
        ("no labels", BTreeMap::new()),
    ] {
        match decide(&s, Some(&found("running", l)), "h1", Duration::ZERO) {
            Decision::RemoveRow { why } => {
                assert!(
                    why.contains("does not carry this site's labels"),
                    "{what}: {why}"
                );
                assert!(why.contains("fd-a.example") && why.contains("h1"), "{why}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn no_container_waits_out_the_grace_then_removes_the_row() {
    let s = site(OLD);
    assert_eq!(
        decide(&s, None, "h1", Duration::from_secs(3)),
        Decision::WaitThenLook(Duration::from_secs(3))
    );
    match decide(&s, None, "h1", Duration::ZERO) {
        Decision::RemoveRow { why } => assert_eq!(why, "no container fd-a.example on h1"),
        other => panic!("{other:?}"),
    }
    match decide_after_grace(&s, None, "h1") {
        Decision::RemoveRow { why } => assert_eq!(why, "no container fd-a.example on h1"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_container_appearing_during_the_grace_is_left_for_the_next_start() {
    let d = decide_after_grace(&site(OLD), Some(&found("created", own_labels())), "h1");
    match d {
        Decision::Leave { why } => assert!(why.contains("appeared on h1 meanwhile"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_grace_counts_from_the_rows_last_update() {
    let at = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .expect("time")
    };
    let s = site("2026-01-01T00:00:00Z");
    // Settling is 5 s plus one for whole-second timestamps.
    assert_eq!(
        settle_left(&s, at("2026-01-01T00:00:00Z")),
        Duration::from_secs(6)
    );
    assert_eq!(
        settle_left(&s, at("2026-01-01T00:00:04Z")),
        Duration::from_secs(2)
    );
    assert_eq!(settle_left(&s, at("2026-01-01T00:00:06Z")), Duration::ZERO);
    assert_eq!(settle_left(&s, at("2026-01-02T00:00:00Z")), Duration::ZERO);
    // A clock that went backwards never makes the wait longer than the grace.
    assert_eq!(
        settle_left(&s, at("2025-12-31T23:00:00Z")),
        Duration::from_secs(6)
    );
    // An unreadable timestamp does not hold the row hostage.
    assert_eq!(
        settle_left(&site("yesterday"), at("2026-01-01T00:00:00Z")),
        Duration::ZERO
    );
}
