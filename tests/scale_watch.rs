//! Hosts are watched, not re-forked (ARCHITECTURE.md "Watching a node"), on scale labs
//! of their own (tests/lab/scale.sh, tags `w` and `wf`), taken down when the test ends:
//!
//! - a master watching 4 hosts sees a bridge added on one of them (`ip -n NS link add`)
//!   within two refreshes, and every host's command log holds one session, the
//!   watcher's, however many refreshes pass;
//! - hosts whose sshd closes quiet sessions (`ChannelTimeout session:*=3s`) go back to
//!   polling: the log says why, and their command logs fill with polls.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::lab::run_with_timeout;
use support::scale::{Master, Scale, all_up, text};

/// What marks the watcher's command line (the script's first line).
const WATCHER: &str = "fleetdeck-watch 1";

/// Each host's command log, one entry per SSH session.
fn sessions_of(host: &serde_json::Value) -> Vec<String> {
    let log = host["commands_log"].as_str().expect("commands_log");
    std::fs::read_to_string(log)
        .expect("read a command log")
        .lines()
        .map(str::to_string)
        .collect()
}

fn ip_in(netns: &str, args: &[&str]) {
    let out = run_with_timeout(
        Command::new("ip").arg("-n").arg(netns).args(args),
        Duration::from_secs(10),
    );
    assert!(
        out.status.success(),
        "ip -n {netns} {args:?}: {}",
        text(&out)
    );
}

fn bridge_of<'a>(
    doc: &'a serde_json::Value,
    node: &str,
    bridge: &str,
) -> Option<&'a serde_json::Value> {
    doc["nodes"]
        .as_array()?
        .iter()
        .find(|n| n["name"] == node)?["bridges"]
        .as_array()?
        .iter()
        .find(|b| b["name"] == bridge)
}

#[test]
fn a_watched_host_shows_a_new_bridge_from_its_one_session() {
    let scale = Scale::up("w", "10.83", 4, 0, &[]);
    let hosts = scale.hosts();
    let config = scale.config();
    let refresh = Duration::from_secs(5);
    let _master = Master::start(&scale, &config);
    let (doc, _) = scale.tree(&config, &[]);
    all_up(&doc, hosts.len());

    let host = &hosts[1];
    let (name, netns) = (
        host["name"].as_str().expect("name"),
        host["netns"].as_str().expect("netns"),
    );
    assert!(bridge_of(&doc, name, "fdwatch0").is_none(), "{doc}");
    ip_in(netns, &["link", "add", "fdwatch0", "type", "bridge"]);
    ip_in(netns, &["addr", "add", "10.83.250.1/24", "dev", "fdwatch0"]);
    ip_in(netns, &["link", "set", "fdwatch0", "up"]);
    let added = Instant::now();
    let seen = loop {
        let (doc, _) = scale.tree(&config, &[]);
        if let Some(bridge) = bridge_of(&doc, name, "fdwatch0") {
            assert_eq!(bridge["addresses"][0], "10.83.250.1/24", "{bridge}");
            break added.elapsed();
        }
        assert!(
            added.elapsed() < refresh * 3,
            "the bridge added on {name} never showed: {doc}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    eprintln!(
        "figure: a bridge added on a watched host shown by the master after {} ms (refresh {}s)",
        seen.as_millis(),
        refresh.as_secs()
    );
    assert!(seen <= refresh * 2, "{seen:?}");

    // Three more refreshes: still one session per host, the watcher's.
    std::thread::sleep(refresh * 3);
    for h in &hosts {
        let sessions = sessions_of(h);
        assert_eq!(sessions.len(), 1, "{}: {sessions:#?}", h["name"]);
        assert!(
            sessions[0].contains(WATCHER),
            "{}: {sessions:#?}",
            h["name"]
        );
    }
}

#[test]
fn hosts_that_close_quiet_sessions_are_polled_and_the_log_says_why() {
    let scale = Scale::up("wf", "10.84", 2, 0, &["--channel-timeout", "session:*=3s"]);
    let hosts = scale.hosts();
    let config = scale.config_with("fast.toml", |t| {
        t.replace("refresh_secs = 5", "refresh_secs = 2")
    });
    let _master = Master::start(&scale, &config);
    let log_path = scale.home.path().join("state/fleetdeck/fleetdeck.log");
    let fallen_back = |log: &str, node: &str| {
        log.lines()
            .any(|l| l.contains("polling it instead") && l.contains(node))
    };
    let started = Instant::now();
    let log = loop {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if hosts
            .iter()
            .all(|h| fallen_back(&log, h["name"].as_str().expect("name")))
        {
            break log;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the hosts never went back to polling: {log}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    eprintln!(
        "figure: fell back to polling after {} ms",
        started.elapsed().as_millis()
    );
    assert!(log.contains("times in a row"), "says why: {log}");

    // Polled from now on: new sessions at each refresh, none of them a watcher.
    let before: Vec<Vec<String>> = hosts.iter().map(sessions_of).collect();
    std::thread::sleep(Duration::from_secs(7));
    let (doc, _) = scale.tree(&config, &[]);
    all_up(&doc, hosts.len());
    for (h, before) in hosts.iter().zip(&before) {
        let after = sessions_of(h);
        let polls = after[before.len()..]
            .iter()
            .filter(|s| !s.contains(WATCHER))
            .count();
        assert!(polls >= 2, "{}: polled since: {after:#?}", h["name"]);
        assert_eq!(
            after.iter().filter(|s| s.contains(WATCHER)).count(),
            2,
            "{}: two tries, then polling: {after:#?}",
            h["name"]
        );
    }
}
