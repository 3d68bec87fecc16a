use super::*;
use crate::fleet::snapshot::{FactError, NodeStatus};

fn up_at(at: &str) -> NodeSnapshot {
    let mut s = NodeSnapshot::unknown("n");
    s.status = NodeStatus::Up;
    s.polled_at = at.into();
    s.last_seen = Some(at.into());
    s
}

const T0: &str = "2024-05-01T10:00:00Z";

#[test]
fn a_one_shot_answer_is_not_judged_by_age() {
    let f = freshness(&up_at(T0), "2024-05-01T10:00:30Z", None);
    assert_eq!((f.stale, f.age_secs), (false, Some(30)));
}

#[test]
fn fresh_within_two_refreshes_stale_after() {
    let s = up_at(T0);
    let f = freshness(&s, "2024-05-01T10:00:04Z", Some((2, T0)));
    assert_eq!((f.stale, f.age_secs), (false, Some(4)), "{f:?}");
    let f = freshness(&s, "2024-05-01T10:00:05Z", Some((2, T0)));
    assert_eq!((f.stale, f.age_secs), (true, Some(5)), "{f:?}");
    assert_eq!(f.as_of.as_deref(), Some(T0));
    assert!(f.why.unwrap_or_default().contains("no answer for 5s"));
}

#[test]
fn a_missed_deadline_is_stale_at_once_and_ages_from_the_data_kept() {
    let prev = up_at(T0);
    let held = hold(Some(&prev), "n", "no complete answer within 33s".into());
    let f = freshness(&held, "2024-05-01T10:00:01Z", None);
    assert_eq!((f.stale, f.age_secs), (true, Some(1)), "{f:?}");
    // Held again: the time of the data does not move.
    let again = hold(Some(&held), "n", "again".into());
    assert_eq!(
        again.stale.as_ref().and_then(|s| s.as_of.as_deref()),
        Some(T0)
    );
    // Never answered: stale, no age.
    let never = hold(None, "n", "no complete answer".into());
    let f = freshness(&never, T0, None);
    assert_eq!((f.stale, f.age_secs, f.as_of), (true, None, None));
}

#[test]
fn an_engine_error_alone_is_not_stale() {
    // An engine that refuses (or a node without one) is a fact error, not old data.
    let mut s = up_at(T0);
    s.fact_errors.push(FactError {
        fact: "docker",
        message: "connection refused".into(),
    });
    assert!(!freshness(&s, T0, None).stale);
}

#[test]
fn a_node_never_polled_is_stale_only_once_polling_has_waited_two_refreshes() {
    let s = NodeSnapshot::unknown("n");
    let f = freshness(&s, "2024-05-01T10:00:04Z", Some((2, T0)));
    assert_eq!((f.stale, f.age_secs), (false, None));
    let f = freshness(&s, "2024-05-01T10:00:05Z", Some((2, T0)));
    assert!(f.stale, "{f:?}");
    assert!(
        !freshness(&s, "2024-05-01T10:09:00Z", None).stale,
        "one-shot"
    );
}

#[test]
fn countdown_counts_down_from_the_time_handed_in() {
    let at = Some("2024-05-01T10:00:22Z");
    assert_eq!(countdown(at, T0).as_deref(), Some("next try in 22s"));
    assert_eq!(
        countdown(at, "2024-05-01T10:00:10Z").as_deref(),
        Some("next try in 12s")
    );
    assert_eq!(
        countdown(at, "2024-05-01T10:00:30Z").as_deref(),
        Some("trying again")
    );
    assert_eq!(countdown(None, T0), None);
    assert_eq!(clock(T0), "10:00:00");
    assert_eq!(secs_between("2024-05-01T10:00:30Z", T0), Some(0));
    assert_eq!(secs_between("garbage", T0), None);
}
