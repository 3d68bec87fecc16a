use super::*;

fn listed(id: &str, state: &str) -> ContainerInfo {
    let mut c = ContainerInfo::running_for_test(id);
    c.id = id.to_string();
    c.state = state.to_string();
    c
}

/// A cache that has seen `listing` with these counts.
fn seen(listing: &mut [ContainerInfo], counts: &[(&str, Option<u32>)]) -> RestartCache {
    let mut cache = RestartCache::default();
    let answers = counts.iter().map(|(id, n)| (id.to_string(), *n)).collect();
    cache.remember(listing, answers);
    cache
}

#[test]
fn an_empty_cache_inspects_everything_once() {
    let mut listing = vec![listed("a", "running"), listed("b", "exited")];
    let cache = RestartCache::default();
    assert_eq!(to_inspect(&cache, &listing), ["a", "b"]);
    let cache = seen(&mut listing, &[("a", Some(0)), ("b", Some(4))]);
    assert_eq!(
        listing.iter().map(|c| c.restarts).collect::<Vec<_>>(),
        [Some(0), Some(4)]
    );
    assert!(
        to_inspect(&cache, &listing).is_empty(),
        "nothing moved: no inspect at all"
    );
}

#[test]
fn a_state_change_a_restarting_container_and_an_event_are_inspected_again() {
    let mut before = vec![
        listed("a", "running"),
        listed("b", "running"),
        listed("c", "restarting"),
        listed("d", "running"),
        listed("e", "running"),
    ];
    let all: Vec<(&str, Option<u32>)> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|id| (*id, Some(1)))
        .collect();
    let mut cache = seen(&mut before, &all);
    cache.mark("e");
    let now = vec![
        listed("a", "running"),
        listed("b", "exited"),
        listed("c", "restarting"),
        listed("d", "running"),
        listed("e", "running"),
        listed("f", "created"),
    ];
    assert_eq!(to_inspect(&cache, &now), ["b", "c", "e", "f"]);
}

#[test]
fn answers_fill_the_listing_and_vanished_ids_are_dropped() {
    let mut before = vec![listed("a", "running"), listed("gone", "running")];
    let mut cache = seen(&mut before, &[("a", Some(2)), ("gone", Some(9))]);
    cache.mark("gone");
    let mut now = vec![listed("a", "exited"), listed("new", "running")];
    cache.remember(
        &mut now,
        vec![("a".into(), Some(3)), ("new".into(), Some(0))],
    );
    assert_eq!(
        now.iter().map(|c| c.restarts).collect::<Vec<_>>(),
        [Some(3), Some(0)]
    );
    assert_eq!(cache.len(), 2, "the vanished id is forgotten");
    assert!(cache.events.is_empty(), "and so is its event");
}

#[test]
fn a_failed_inspect_is_unknown_and_not_asked_again_until_something_moves() {
    let mut listing = vec![listed("a", "running")];
    let mut cache = seen(&mut listing, &[("a", None)]);
    assert_eq!(listing[0].restarts, None, "unknown, not zero");
    assert!(to_inspect(&cache, &listing).is_empty());
    cache.mark("a");
    assert_eq!(to_inspect(&cache, &listing), ["a"], "an event asks again");
}

#[test]
fn one_not_asked_this_round_keeps_its_count_or_is_asked_next_round() {
    let mut before = vec![listed("a", "running")];
    let mut cache = seen(&mut before, &[("a", Some(5))]);
    // The budget ran out before `a` (state changed) and `b` (new) were answered.
    let mut now = vec![listed("a", "exited"), listed("b", "running")];
    cache.remember(&mut now, Vec::new());
    assert_eq!(
        now.iter().map(|c| c.restarts).collect::<Vec<_>>(),
        [Some(5), None],
        "the last count known, and unknown"
    );
    assert_eq!(
        to_inspect(&cache, &now),
        ["a", "b"],
        "both still due: the change was not taken"
    );
}

#[test]
fn events_that_move_a_count() {
    for action in ["die", "start", "restart"] {
        assert!(counts_after(action), "{action}");
    }
    for action in ["create", "destroy", "health_status: healthy", "connect"] {
        assert!(!counts_after(action), "{action}");
    }
}

#[test]
fn only_plain_ids_reach_a_path() {
    assert!(plain_id("0123abcdef"));
    for bad in ["", "../../info", "a?b", "a/b", "a b"] {
        assert!(!plain_id(bad), "{bad:?}");
    }
}

#[test]
fn ten_thousand_unchanged_containers_cost_no_inspect() {
    let mut listing: Vec<ContainerInfo> = (0..10_000)
        .map(|i| listed(&format!("c{i}"), "running"))
        .collect();
    let answers = listing.iter().map(|c| (c.id.clone(), Some(0))).collect();
    let mut cache = RestartCache::default();
    cache.remember(&mut listing, answers);
    assert!(to_inspect(&cache, &listing).is_empty());
    listing[4321].state = "exited".into();
    assert_eq!(to_inspect(&cache, &listing), ["c4321"]);
}
