//! A host whose sshd allows one session (`MaxSessions 1`): the node watcher holds it, and
//! gives it up the moment another session is refused (ARCHITECTURE.md "Watching a
//! node"). Each test runs its own sshd in h1's namespaces (never the shared lab sshd)
//! with a client key of its own, so its sessions are told apart in h1's command log:
//!
//! - a command and a person's channel run on the host while the watcher is open; the
//!   watcher ends as having given way, and the node is polled, saying MaxSessions;
//! - in the live fleet (the `Poller`), `r` on such a node polls it in full, and it is
//!   polled every round since, snapshots up, without the watcher started again;
//! - on a normal sshd (`MaxSessions 10`) nothing is given up.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetdeck::collect::poller::Poller;
use fleetdeck::collect::watch::slot::Slot;
use fleetdeck::collect::watch::{Cause, WatchNews};
use fleetdeck::config::Config;
use fleetdeck::fleet::snapshot::{NodeSnapshot, NodeStatus, PollEvent};
use fleetdeck::transport::exec::RemoteCommand;
use fleetdeck::transport::links::{NodeLink, build_links};
use fleetdeck::transport::ssh::pty::ChannelSpec;
use support::audit::parse_session;
use support::lab::{Lab, key_id, run_with_timeout};
use support::private_sshd::PrivateSshd;
use tokio::sync::mpsc;

/// What marks the watcher's command line (the script's first line).
const WATCHER: &str = "fleetdeck-watch 1";
/// Each step's limit.
const STEP: Duration = Duration::from_secs(20);

/// One node on a private sshd of h1, reached with a key only this test uses.
struct OneHost {
    _sshd: PrivateSshd,
    /// The key, the ssh client config: kept while the test runs.
    _dir: tempfile::TempDir,
    key_id: String,
    commands_log: PathBuf,
    config: Arc<Config>,
    links: Arc<BTreeMap<String, NodeLink>>,
}

impl OneHost {
    fn start(lab: &Lab, node: &str, port: u16, max_sessions: u32, top: &str) -> OneHost {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("client_ed25519");
        let made = run_with_timeout(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", node, "-f"])
                .arg(&key),
            Duration::from_secs(30),
        );
        assert!(made.status.success(), "ssh-keygen: {made:?}");
        let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
        let authorized = dir.path().join("authorized_keys");
        std::fs::write(&authorized, &public).expect("write authorized_keys");
        let h1 = lab.host("h1");
        let sshd = PrivateSshd::start(
            lab,
            h1,
            port,
            &[
                &format!("MaxSessions {max_sessions}"),
                &format!("AuthorizedKeysFile {}", authorized.display()),
            ],
            false,
        );
        let known = sshd.known_hosts(h1, &h1.host_keys["ed25519"]);
        let ssh_config = dir.path().join("ssh_config");
        std::fs::write(
            &ssh_config,
            format!(
                "Host {node}\n  HostName {}\n  Port {port}\n  User root\n  IdentityFile {}\n  \
                 IdentitiesOnly yes\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  \
                 StrictHostKeyChecking yes\n",
                h1.ip,
                key.display(),
                known.display()
            ),
        )
        .expect("write ssh_config");
        let text = format!(
            "{top}\n[ssh]\nconfig = {:?}\nconnect_timeout_secs = 3\n\
             [[node]]\nname = {node:?}\nssh = {node:?}\ndocker = \"none\"\n",
            ssh_config.display().to_string()
        );
        let config = fleetdeck::config::load_str(&text, Path::new("one.toml")).expect("config");
        let links = build_links(&config, false).expect("links");
        OneHost {
            _sshd: sshd,
            _dir: dir,
            key_id: key_id(&public).expect("key id"),
            commands_log: h1.commands_log().to_path_buf(),
            config: Arc::new(config),
            links: Arc::new(links),
        }
    }

    fn link(&self, node: &str) -> NodeLink {
        self.links[node].clone()
    }

    /// The commands of this test's sessions, as h1's ForceCommand logged them.
    fn sessions(&self) -> Vec<String> {
        std::fs::read_to_string(&self.commands_log)
            .expect("read h1's command log")
            .lines()
            .filter_map(parse_session)
            .filter(|s| s.key == self.key_id)
            .map(|s| s.command.unwrap_or_default())
            .collect()
    }

    fn watchers(&self) -> usize {
        self.sessions()
            .iter()
            .filter(|c| c.contains(WATCHER))
            .count()
    }
}

/// Start a watcher and wait for its first full report.
async fn watching(link: &NodeLink) -> Slot {
    let mut slot = Slot::new(link);
    assert!(slot.due(Instant::now()), "an SSH node is watched");
    slot.start(link.clone());
    let ended = slot.first_report(STEP).await;
    assert!(ended.is_none(), "the watcher ended early: {ended:?}");
    assert!(slot.live().is_some(), "no full report within {STEP:?}");
    slot
}

async fn hostname(link: &NodeLink) -> String {
    let out = tokio::time::timeout(STEP, link.exec.run(&RemoteCommand::new(["hostname"])))
        .await
        .expect("hostname in time")
        .unwrap_or_else(|e| panic!("hostname: {e}"));
    assert!(out.success(), "hostname: {}", out.stderr_tail());
    out.stdout_text().trim().to_string()
}

/// A person's command through its own channel (as the console's exec and `fleetdeck ssh
/// NODE -- CMD` open it): its output.
async fn person_runs(link: &NodeLink, line: &str) -> String {
    let spec = ChannelSpec {
        command: Some(line.to_string()),
        pty: None,
    };
    let run = async {
        let mut channel = link
            .open_channel(&spec)
            .await
            .unwrap_or_else(|e| panic!("a person's channel: {e}"));
        let mut out = Vec::new();
        let mut take = |msg: russh::ChannelMsg| {
            if let russh::ChannelMsg::Data { data } = msg {
                out.extend_from_slice(&data);
            }
        };
        channel.early.drain(..).for_each(&mut take);
        while let Some(msg) = channel.read.wait().await {
            if matches!(msg, russh::ChannelMsg::Close) {
                break;
            }
            take(msg);
        }
        String::from_utf8_lossy(&out).trim().to_string()
    };
    tokio::time::timeout(STEP, run)
        .await
        .expect("a person's command in time")
}

/// The watcher's next news must be its end, as having given its session up.
async fn gave_way(slot: &mut Slot, node: &str) {
    let news = tokio::time::timeout(Duration::from_secs(5), slot.next())
        .await
        .expect("the watcher's end within 5s")
        .expect("news");
    let WatchNews::Ended { cause, why, .. } = &news else {
        panic!("not an end: {news:?}");
    };
    assert_eq!(*cause, Cause::GaveWay, "{why}");
    slot.take(news, node, true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_session_host_gets_its_session_back_from_the_watcher() {
    let lab = Lab::load();
    let node = "i19f-one";
    let host = OneHost::start(&lab, node, 2291, 1, "refresh_secs = 60");
    let link = host.link(node);

    let mut slot = watching(&link).await;
    assert_eq!(host.watchers(), 1, "{:#?}", host.sessions());
    let asked = Instant::now();
    assert_eq!(hostname(&link).await, "h1");
    eprintln!(
        "figure: a command on a one-session host, the watcher giving way, {} ms",
        asked.elapsed().as_millis()
    );
    gave_way(&mut slot, node).await;
    assert!(slot.live().is_none());
    assert!(
        !slot.due(Instant::now()),
        "the watcher is not started again right away"
    );
    let note = slot.note(60).expect("the node's details say why");
    assert!(
        note.contains("MaxSessions") && note.contains("not watched"),
        "{note}"
    );
    // The session is free: commands in a row and a batch all run.
    for _ in 0..3 {
        assert_eq!(hostname(&link).await, "h1");
    }
    let batch = link
        .exec
        .run_batch(&[
            RemoteCommand::new(["hostname"]),
            RemoteCommand::new(["cat", "/proc/loadavg"]),
        ])
        .await;
    assert!(batch.iter().all(Result::is_ok), "{batch:?}");

    // A person's channel gets the session from a new watcher too.
    let mut slot = watching(&link).await;
    assert_eq!(person_runs(&link, "hostname").await, "h1");
    gave_way(&mut slot, node).await;
    assert_eq!(host.watchers(), 2, "{:#?}", host.sessions());
    assert!(
        host.sessions().iter().any(|c| c == "hostname"),
        "{:#?}",
        host.sessions()
    );
}

/// The node's next snapshot, which must be up.
async fn next_up(rx: &mut mpsc::Receiver<PollEvent>) -> Box<NodeSnapshot> {
    let event = tokio::time::timeout(STEP, rx.recv())
        .await
        .expect("an event in time")
        .expect("poller alive");
    let PollEvent::Snapshot(snap) = event else {
        panic!("a round missed: {event:?}");
    };
    assert_eq!(snap.status, NodeStatus::Up, "{snap:?}");
    assert_eq!(snap.facts.hostname.as_deref(), Some("h1"), "{snap:?}");
    snap
}

fn polled_instead(snap: &NodeSnapshot) -> bool {
    snap.notes
        .iter()
        .any(|n| n.contains("not watched") && n.contains("MaxSessions"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_on_a_one_session_host_polls_it_and_it_stays_polled_saying_why() {
    let lab = Lab::load();
    let node = "i19f-poll";
    let host = OneHost::start(&lab, node, 2292, 1, "refresh_secs = 2");
    let (tx, mut rx) = mpsc::channel(64);
    let poller = Poller::spawn(host.config.clone(), host.links.clone(), tx);

    // Watched: the first round is the watcher's report, and a round asks nothing more of
    // a node without guests, tunnels or engine.
    let first = next_up(&mut rx).await;
    assert!(!polled_instead(&first), "{:?}", first.notes);
    assert_eq!(host.sessions().len(), 1, "{:#?}", host.sessions());
    assert_eq!(host.watchers(), 1);

    // `r`: a full poll, which needs a session of its own.
    let asked = Instant::now();
    poller.refresh(node);
    let fresh = next_up(&mut rx).await;
    eprintln!(
        "figure: `r` on a watched one-session host answered in {} ms",
        asked.elapsed().as_millis()
    );
    assert!(fresh.facts.kernel.is_some(), "{fresh:?}");
    let polled = host.sessions();
    assert!(
        polled
            .iter()
            .any(|c| !c.contains(WATCHER) && c.contains("hostname")),
        "the full poll ran on the node: {polled:#?}"
    );
    let mut noted_rounds = 0;
    while noted_rounds < 3 {
        assert!(
            asked.elapsed() < Duration::from_secs(40),
            "never polled three rounds saying why; sessions: {:#?}",
            host.sessions()
        );
        if polled_instead(&*next_up(&mut rx).await) {
            noted_rounds += 1;
        }
    }
    let sessions = host.sessions();
    assert_eq!(
        host.watchers(),
        1,
        "one watcher, then polling: {sessions:#?}"
    );
    let polls = sessions.iter().filter(|c| !c.contains(WATCHER)).count();
    assert!(
        polls >= 4,
        "`r` and every round since poll the node: {sessions:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_with_sessions_to_spare_keeps_its_watcher() {
    let lab = Lab::load();
    let node = "i19f-ten";
    let host = OneHost::start(&lab, node, 2293, 10, "refresh_secs = 60");
    let link = host.link(node);

    let mut slot = watching(&link).await;
    for _ in 0..3 {
        assert_eq!(hostname(&link).await, "h1");
    }
    assert_eq!(person_runs(&link, "hostname").await, "h1");
    // Nothing given up: no end comes (a fact record may).
    let quiet = Instant::now();
    while quiet.elapsed() < Duration::from_secs(3) {
        match tokio::time::timeout(Duration::from_secs(3), slot.next()).await {
            Err(_) => break,
            Ok(Some(WatchNews::Facts { .. })) => {}
            Ok(news) => panic!("the watcher ended: {news:?}"),
        }
    }
    assert!(slot.live().is_some(), "still watched");
    assert!(slot.note(60).is_none(), "not polled instead");
    assert_eq!(host.watchers(), 1, "{:#?}", host.sessions());
}
