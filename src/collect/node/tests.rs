//! `down` feeds the live model: what it makes of an error decides whether the console and
//! the master keep a node's last view (marked stale) or say it is down.

use super::*;
use crate::config::Config;
use crate::fleet::docker::{ContainerInfo, DockerFacts};
use crate::fleet::live::Fleet;
use crate::fleet::snapshot::PollEvent;
use crate::transport::links::build_links;

fn with_container(at: &str) -> NodeSnapshot {
    let mut s = NodeSnapshot::unknown("teemo");
    s.status = NodeStatus::Up;
    s.polled_at = at.into();
    s.last_seen = Some(at.into());
    s.docker = Some(DockerFacts {
        containers: vec![ContainerInfo::running_for_test("fd-a.lab")],
        networks: Vec::new(),
    });
    s
}

#[test]
fn a_silent_sshd_keeps_what_was_seen_marked_stale() {
    let mut fleet = Fleet::default();
    fleet.apply(PollEvent::Snapshot(Box::new(with_container(
        "2026-12-02T10:00:00Z",
    ))));
    let error = SshError::Timeout {
        hop: "root@10.77.0.1:22".into(),
        stage: "key exchange",
        after: std::time::Duration::from_secs(3),
    };
    assert!(error.is_silent_peer());
    let mut config = Config::builtin_default();
    config.nodes[0].name = "teemo".into();
    let node = config.nodes[0].clone();
    let links = build_links(&config, true).expect("links");
    let link = links.values().next().expect("a link");
    let silent = down(&node, link, &error);
    assert!(
        silent
            .missed()
            .is_some_and(|w| w.contains("sshd not answering"))
    );
    assert!(fleet.apply(PollEvent::Snapshot(Box::new(silent))));
    let shown = fleet.node("teemo").expect("node");
    assert_eq!(shown.status, NodeStatus::Up, "not said down");
    let stale = shown.stale.as_ref().expect("marked stale");
    assert_eq!(stale.as_of.as_deref(), Some("2026-12-02T10:00:00Z"));
    assert!(stale.why.contains("did not answer"), "{}", stale.why);
    assert_eq!(
        shown.docker.as_ref().map(|d| d.containers.len()),
        Some(1),
        "its containers are kept"
    );
    // A refused connection is a node down, whatever came before.
    let refused = SshError::Connect {
        hop: "root@10.77.0.1:22".into(),
        source: std::io::ErrorKind::ConnectionRefused.into(),
    };
    assert!(!refused.is_silent_peer());
    fleet.apply(PollEvent::Snapshot(Box::new(down(&node, link, &refused))));
    assert_eq!(
        fleet.node("teemo").map(|n| n.status),
        Some(NodeStatus::Down)
    );
}
