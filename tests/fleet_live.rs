//! The live fleet on the lab: one task per node, a dead node delaying nobody, containers
//! started out of band showing within moments through the engines' event streams (also
//! over dial-stdio), and "refresh now".

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetdeck::collect::poller::Poller;
use fleetdeck::fleet::live::Fleet;
use fleetdeck::fleet::snapshot::NodeStatus;
use fleetdeck::fleet::snapshot::PollEvent;
use fleetdeck::transport::links::build_links;
use support::lab::Lab;
use tokio::sync::mpsc;

fn lab_config(lab: &Lab) -> fleetdeck::config::Config {
    let text = lab.fleet_config(
        "refresh_secs = 60",
        "[[node]]\nname = \"ghost\"\nssh = \"root@10.77.0.99\"\n",
    );
    fleetdeck::config::load_str(&text, Path::new("lab.toml")).expect("config")
}

async fn next(rx: &mut mpsc::Receiver<PollEvent>, within: Duration) -> PollEvent {
    tokio::time::timeout(within, rx.recv())
        .await
        .expect("an event in time")
        .expect("poller alive")
}

struct Remove<'a>(&'a Lab, &'a str, String);
impl Drop for Remove<'_> {
    fn drop(&mut self) {
        self.0.docker(self.1, &["rm", "-f", &self.2]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_poll_independently_and_containers_appear_through_events() {
    let lab = Lab::load();
    let config = Arc::new(lab_config(&lab));
    let links = Arc::new(build_links(&config, false).expect("links"));
    let (tx, mut rx) = mpsc::channel(64);
    let started = Instant::now();
    let poller = Poller::spawn(config.clone(), links, tx);

    let mut fleet = Fleet::default();
    let mut first_seen: BTreeMap<String, Duration> = BTreeMap::new();
    while first_seen.len() < config.nodes.len() {
        if let PollEvent::Snapshot(s) = next(&mut rx, Duration::from_secs(20)).await {
            first_seen
                .entry(s.name.clone())
                .or_insert(started.elapsed());
            fleet.apply(PollEvent::Snapshot(s));
        }
    }
    for host in &lab.hosts {
        assert_eq!(
            fleet.node(&host.name).map(|n| n.status),
            Some(NodeStatus::Up),
            "{}",
            host.name
        );
        assert!(
            first_seen[&host.name] < first_seen["ghost"],
            "{} waited for the dead node: {first_seen:?}",
            host.name
        );
    }
    let ghost = fleet.node("ghost").expect("ghost");
    assert_eq!(ghost.status, NodeStatus::Down);
    assert!(
        ghost
            .error
            .as_deref()
            .is_some_and(|e| e.contains("10.77.0.99")),
        "{:?}",
        ghost.error
    );

    // Out of band, on an engine reached over a stream-local channel (h1) and one reached
    // through dial-stdio (h2): refresh is 60 s, so only the event streams can explain it.
    for host in ["h1", "h2"] {
        let name = format!("fdlive-{host}-{}", std::process::id());
        let _cleanup = Remove(&lab, host, name.clone());
        let t = Instant::now();
        let out = lab.docker(host, &["run", "-d", "--name", &name, &lab.image]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let started_at = t.elapsed();
        let seen = loop {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{name} never showed up on {host}"
            );
            let event = next(&mut rx, Duration::from_secs(10)).await;
            let hit = matches!(&event, PollEvent::Docker { node, facts }
                if node == host && facts.containers.iter().any(|c| c.name == name && c.state == "running"));
            fleet.apply(event);
            if hit {
                break t.elapsed();
            }
        };
        let after_start = seen.saturating_sub(started_at);
        eprintln!("{host}: container visible {after_start:?} after `docker run` returned");
        // The claim is that the event stream brought it, not a poll: well inside the 60 s
        // refresh. The delay itself is a figure (printed above), not a test.
        assert!(
            after_start < Duration::from_secs(30),
            "{host}: {after_start:?}"
        );
    }

    poller.refresh("h3");
    let t = Instant::now();
    loop {
        if let PollEvent::Snapshot(s) = next(&mut rx, Duration::from_secs(10)).await
            && s.name == "h3"
        {
            break;
        }
    }
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "refresh took {:?}",
        t.elapsed()
    );
}

/// The event stream says when it is open, before any event: the poller lists once more
/// then, so a container that changed between its listing and the subscription (one that
/// exits right after `docker run`) is not shown in its old state until the next listing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_says_when_it_is_open_then_sends_changes() {
    use fleetdeck::collect::docker::{self, SUBSCRIBED};
    use fleetdeck::transport::docker::{DockerClient, DockerTarget};

    let lab = Lab::load();
    let target = DockerTarget::Unix(lab.host("h1").docker_socket.clone());
    let client = DockerClient::connect(target, false, Duration::from_secs(5))
        .await
        .expect("connect to h1's engine");
    let (tx, mut rx) = mpsc::channel(64);
    let follow = tokio::spawn(async move { docker::watch(&client, tx).await });
    let first = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the stream opened in time")
        .expect("the watch is alive");
    assert_eq!(first.kind, SUBSCRIBED, "{first:?}");

    let name = format!("fdlive-sub-{}", std::process::id());
    let _cleanup = Remove(&lab, "h1", name.clone());
    let out = lab.docker(
        "h1",
        &[
            "run", "-d", "--name", &name, &lab.image, "sh", "-c", "exit 3",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let change = tokio::time::timeout(left, rx.recv())
            .await
            .expect("the container's die event in time")
            .expect("the watch is alive");
        assert_ne!(change.kind, SUBSCRIBED, "said once: {change:?}");
        if change.kind == "container" && change.id == id && change.action == "die" {
            break;
        }
    }
    follow.abort();
}
