//! A patched tree is the tree a whole build gives, and a patch rebuilds only the entries
//! that read what changed.

use std::net::IpAddr;
use std::path::Path;

use super::*;
use crate::fleet::docker::{ContainerInfo, DockerFacts};
use crate::fleet::model::{Guest, GuestKind, GuestState, ListeningSocket};
use crate::fleet::snapshot::{NodeStatus, Stale};
use crate::fleet::tree::build_from;

const T0: &str = "2026-03-01T10:00:00Z";

/// hyper runs KVM; vm sits at an address a guest may take; teemo has a tunnel that
/// listens on central.
fn config() -> Config {
    crate::config::load_str(
        "refresh_secs = 5\n\
         [[node]]\nname = \"hyper\"\nssh = \"root@10.0.0.1\"\nhypervisor = \"kvm\"\n\
         [[node]]\nname = \"vm\"\nssh = \"root@10.0.0.20\"\n\
         [[node]]\nname = \"teemo\"\nssh = \"root@10.0.0.3\"\n\
         [[node]]\nname = \"central\"\nssh = \"root@10.0.0.4\"\n\
         [[tunnel]]\nname = \"back\"\nnode = \"teemo\"\nkind = \"remote\"\nlisten = \"2201\"\ntarget = \"localhost:22\"\nvia = \"central\"\n",
        Path::new("t.toml"),
    )
    .expect("config")
}

fn up(name: &str, containers: &[&str]) -> NodeSnapshot {
    let mut s = NodeSnapshot::unknown(name);
    s.status = NodeStatus::Up;
    s.polled_at = T0.into();
    s.last_seen = Some(T0.into());
    if !containers.is_empty() {
        s.docker = Some(DockerFacts {
            containers: containers
                .iter()
                .map(|c| ContainerInfo::running_for_test(c))
                .collect(),
            networks: Vec::new(),
        });
    }
    s
}

fn fleet() -> Vec<NodeSnapshot> {
    vec![
        up("hyper", &[]),
        up("vm", &["web", "db"]),
        up("teemo", &["app"]),
        up("central", &[]),
    ]
}

fn whole(config: &Config, snaps: &[NodeSnapshot], now: &str) -> TreeDoc {
    build_from(config, snaps.iter(), &[], now.into(), Some(T0))
}

fn patched(
    doc: &mut TreeDoc,
    config: &Config,
    snaps: &[NodeSnapshot],
    changed: &[&str],
    now: &str,
) -> Option<Vec<usize>> {
    let changed: Vec<String> = changed.iter().map(|c| c.to_string()).collect();
    patch_from(
        doc,
        config,
        snaps.iter(),
        &[],
        &changed,
        now.into(),
        Some(T0),
    )
}

fn set(snaps: &mut [NodeSnapshot], snap: NodeSnapshot) {
    let at = snaps
        .iter()
        .position(|s| s.name == snap.name)
        .expect("a node of the fleet");
    snaps[at] = snap;
}

#[test]
fn one_node_changed_rebuilds_its_entry_only() {
    let config = config();
    let mut snaps = fleet();
    let mut doc = whole(&config, &snaps, T0);
    set(&mut snaps, up("vm", &["web", "db", "cache"]));
    assert_eq!(
        patched(&mut doc, &config, &snaps, &["vm"], T0),
        Some(vec![1])
    );
    assert_eq!(doc, whole(&config, &snaps, T0));
    // Named but the same: nothing reads differently.
    assert_eq!(
        patched(&mut doc, &config, &snaps, &["vm", "hyper"], T0),
        Some(vec![])
    );
    assert_eq!(doc, whole(&config, &snaps, T0));
}

#[test]
fn a_node_going_down_keeps_the_rest_as_built() {
    let config = config();
    let mut snaps = fleet();
    let mut doc = whole(&config, &snaps, T0);
    let mut down = NodeSnapshot::unknown("teemo");
    down.status = NodeStatus::Down;
    down.error = Some("connection refused".into());
    down.retry_at = Some("2026-03-01T10:00:09Z".into());
    set(&mut snaps, down);
    let now = "2026-03-01T10:00:02Z";
    assert_eq!(
        patched(&mut doc, &config, &snaps, &["teemo"], now),
        Some(vec![2])
    );
    assert_eq!(doc, whole(&config, &snaps, now));
    assert_eq!(
        doc.nodes[2].error.as_deref(),
        Some("connection refused; next try in 7s")
    );
    // A second later only the countdown moved: that entry again, nothing else.
    let later = "2026-03-01T10:00:03Z";
    assert_eq!(
        patched(&mut doc, &config, &snaps, &[], later),
        Some(vec![2])
    );
    assert_eq!(doc, whole(&config, &snaps, later));
}

#[test]
fn the_time_turns_silent_nodes_stale_and_ages_fresh_ones_in_place() {
    let config = config();
    let mut snaps = fleet();
    let mut doc = whole(&config, &snaps, T0);
    // vm answers again at 10:00:08; the others were last read at T0.
    let mut vm = up("vm", &["web", "db"]);
    vm.polled_at = "2026-03-01T10:00:08Z".into();
    set(&mut snaps, vm);
    let now = "2026-03-01T10:00:09Z";
    assert_eq!(
        patched(&mut doc, &config, &snaps, &["vm"], now),
        Some(vec![1]),
        "9 s is within two refreshes: only vm's own entry, the others' ages in place"
    );
    assert_eq!(doc, whole(&config, &snaps, now));
    let stale = "2026-03-01T10:00:11Z";
    assert_eq!(
        patched(&mut doc, &config, &snaps, &[], stale),
        Some(vec![0, 2, 3]),
        "11 s without an answer: stale"
    );
    assert_eq!(doc, whole(&config, &snaps, stale));
    assert!(doc.nodes[0].stale && !doc.nodes[1].stale);
    // A poll that missed: held, marked stale.
    let mut held = snaps[1].clone();
    held.stale = Some(Stale {
        why: "no answer in 10s".into(),
        as_of: Some(held.polled_at.clone()),
    });
    set(&mut snaps, held);
    assert_eq!(
        patched(&mut doc, &config, &snaps, &["vm"], stale),
        Some(vec![1])
    );
    assert_eq!(doc, whole(&config, &snaps, stale));
}

#[test]
fn a_tunnel_is_read_again_when_its_far_end_changes() {
    let config = config();
    let mut snaps = fleet();
    let mut doc = whole(&config, &snaps, T0);
    let mut central = up("central", &[]);
    central.listening = vec![ListeningSocket {
        addr: "127.0.0.1".into(),
        scope: None,
        port: 2201,
        process: Some("sshd".into()),
        pid: Some(1),
    }];
    set(&mut snaps, central);
    assert_eq!(
        patched(&mut doc, &config, &snaps, &["central"], T0),
        Some(vec![2]),
        "teemo shows the tunnel; central itself shows nothing new"
    );
    assert_eq!(doc, whole(&config, &snaps, T0));
}

#[test]
fn a_change_of_nesting_asks_for_a_whole_build() {
    let config = config();
    let mut snaps = fleet();
    let mut doc = whole(&config, &snaps, T0);
    let built = doc.clone();
    // hyper now runs a guest at vm's address: vm nests under it.
    let mut hyper = up("hyper", &[]);
    let mut guest = Guest::new(GuestKind::Kvm, "vm", GuestState::Running);
    guest.ips = vec!["10.0.0.20".parse::<IpAddr>().expect("an address")];
    hyper.guests = vec![guest];
    set(&mut snaps, hyper);
    assert_eq!(patched(&mut doc, &config, &snaps, &["hyper"], T0), None);
    assert_eq!(doc, built, "left as it was, for the caller to build");
    let mut doc = whole(&config, &snaps, T0);
    assert_eq!(doc.nodes[0].children, ["vm"]);
    // The guest goes: vm is back at the top.
    set(&mut snaps, up("hyper", &[]));
    assert_eq!(patched(&mut doc, &config, &snaps, &["hyper"], T0), None);
    // Another config's tree is not patched either.
    let other = crate::config::load_str("[[node]]\nname = \"hyper\"\n", Path::new("o.toml"))
        .expect("config");
    assert_eq!(patched(&mut doc, &other, &snaps, &["hyper"], T0), None);
}
