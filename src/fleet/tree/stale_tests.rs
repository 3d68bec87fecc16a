//! Staleness in the tree document, and loops of inferred parents.

use std::path::Path;

use super::*;
use crate::fleet::docker::DockerFacts;
use crate::fleet::model::{Guest, GuestKind, GuestState};

fn up_at(name: &str, at: &str) -> NodeSnapshot {
    let mut s = NodeSnapshot::unknown(name);
    s.status = NodeStatus::Up;
    s.polled_at = at.into();
    s
}

fn hypervisor_running(name: &str, guest_ip: &str) -> NodeSnapshot {
    let mut s = up_at(name, "2024-05-01T10:00:00Z");
    let mut vm = Guest::new(GuestKind::Kvm, format!("{name}-vm"), GuestState::Running);
    vm.ips = vec![guest_ip.parse().expect("ip")];
    s.guests = vec![vm];
    s
}

#[test]
fn stale_and_data_age_are_in_the_json() {
    let config = crate::config::load_str(
        "refresh_secs = 2\n[[node]]\nname = \"a\"\nssh = \"root@10.0.0.1\"\n\
         [[node]]\nname = \"b\"\nssh = \"root@10.0.0.2\"\n\
         [[node]]\nname = \"c\"\nssh = \"root@10.0.0.3\"\n",
        Path::new("t.toml"),
    )
    .expect("config");
    let fresh = up_at("a", "2024-05-01T10:00:03Z");
    let mut old = up_at("b", "2024-05-01T10:00:00Z");
    old.docker = Some(DockerFacts::default());
    let snaps = [fresh, old];
    let doc = build_from(
        &config,
        snaps.iter(),
        &[],
        "2024-05-01T10:00:05Z".into(),
        Some("2024-05-01T09:00:00Z"),
    );
    assert_eq!(doc.schema_version, 5);
    let json = serde_json::to_value(&doc).expect("json");
    let node = |i: usize| &json["nodes"][i];
    assert_eq!(node(0)["stale"], false);
    assert_eq!(node(0)["data_age_secs"], 2);
    assert_eq!(node(1)["stale"], true, "5 s old with a 2 s refresh");
    assert_eq!(node(1)["data_age_secs"], 5);
    assert_eq!(node(1)["data_as_of"], "2024-05-01T10:00:00Z");
    assert_eq!(node(1)["status"], "up", "the status keeps its meaning");
    assert_eq!(
        node(2)["stale"],
        true,
        "never answered in an hour of polling"
    );
    assert!(node(2)["data_age_secs"].is_null(), "never polled: null");
    // A one-shot answer is not judged by age.
    let once = serde_json::to_value(build(&config, &snaps, &[], "2024-05-01T10:00:05Z".into()))
        .expect("json");
    assert_eq!(once["nodes"][1]["stale"], false);
    assert_eq!(once["nodes"][1]["data_age_secs"], 5);
    assert_eq!(once["nodes"][2]["stale"], false);
}

#[test]
fn a_countdown_to_the_next_try_is_computed_from_the_time_built_at() {
    let config = crate::config::load_str(
        "[[node]]\nname = \"a\"\nssh = \"root@10.0.0.1\"\n",
        Path::new("t.toml"),
    )
    .expect("config");
    let mut down = NodeSnapshot::unknown("a");
    down.status = NodeStatus::Down;
    down.error = Some("root@10.0.0.1:22 is down (last error: refused)".into());
    down.retry_at = Some("2024-05-01T10:00:22Z".into());
    let at = |now: &str| build(&config, std::slice::from_ref(&down), &[], now.into());
    let first = at("2024-05-01T10:00:00Z").nodes[0].error.clone();
    let later = at("2024-05-01T10:00:10Z").nodes[0].error.clone();
    assert_eq!(
        first.as_deref(),
        Some("root@10.0.0.1:22 is down (last error: refused); next try in 22s")
    );
    assert!(later.is_some_and(|e| e.ends_with("next try in 12s")));
}

#[test]
fn inferred_parents_that_loop_are_broken_and_every_node_appears() {
    // a runs a guest with b's address and b one with a's: each would nest under the other.
    let config = crate::config::load_str(
        "[[node]]\nname = \"a\"\nssh = \"root@10.0.0.1\"\nhypervisor = \"kvm\"\n\
         [[node]]\nname = \"b\"\nssh = \"root@10.0.0.2\"\nhypervisor = \"kvm\"\n\
         [[node]]\nname = \"c\"\nssh = \"root@10.0.0.3\"\nparent = \"b\"\n",
        Path::new("t.toml"),
    )
    .expect("config");
    let snaps = [
        hypervisor_running("a", "10.0.0.2"),
        hypervisor_running("b", "10.0.0.1"),
        up_at("c", "2024-05-01T10:00:00Z"),
    ];
    let doc = build(&config, &snaps, &[], "2024-05-01T10:00:00Z".into());
    // Config order decides: a, the first on the loop, loses its inferred parent.
    assert_eq!(doc.nodes[0].children, ["b"]);
    assert_eq!(doc.nodes[1].children, ["c"]);
    assert!(
        doc.nodes[0]
            .notes
            .iter()
            .any(|n| n.contains("not nested under b") && n.contains("a -> b -> a")),
        "{:?}",
        doc.nodes[0].notes
    );
    let text = super::super::text::render(&doc, true);
    for name in ["a [up]", "b [up]", "c [up]"] {
        assert_eq!(text.matches(name).count(), 1, "{name} once: {text}");
    }
    // The console's rows of such a tree: `app/rows/tests.rs`.
    // The same input always breaks the same edge.
    let again = build(&config, &snaps, &[], "2024-05-01T10:00:00Z".into());
    assert_eq!(again, doc);
}
