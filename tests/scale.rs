//! The scale lab (tests/lab/scale.sh): many ssh-only hosts, some behind a jump host.
//! Each test brings its own small lab up under its own tag and subnet, and takes it down
//! when it ends, passed or not. Needs root (network namespaces), as the main lab does.
//!
//! - a master answers `tree` from what it holds: no new SSH session on any host, while
//!   `tree --fresh` asks every host again (counted in each host's command log);
//! - 20 hosts behind one jump host whose sshd keeps OpenSSH's `MaxStartups 10:30:100`:
//!   every host answers, over one TCP connection to the jump (counted with `ss` in its
//!   namespace), whether the jump is a `jump` node or a ProxyJump of the ssh config.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::lab::{run_with_timeout, stdout};
use support::scale::{Master, Scale, all_up, text};

#[test]
fn the_master_answers_from_what_it_holds_and_fresh_asks_again() {
    let scale = Scale::up("sa", "10.81", 6, 2, &[]);
    let hosts = scale.hosts().len();
    // No background round during the test: only requests can open sessions.
    let config = scale.config_with("held.toml", |t| {
        t.replace("refresh_secs = 5", "refresh_secs = 3600")
    });
    let _master = Master::start(&scale, &config);
    let warm = scale.sessions();
    assert!(warm >= hosts, "the warm-up asked every host: {warm}");

    let (doc, took) = scale.tree(&config, &[]);
    all_up(&doc, hosts);
    for n in doc["nodes"].as_array().expect("nodes") {
        assert!(n["data_age_secs"].is_u64(), "each node says its age: {n}");
        assert_eq!(n["stale"], false, "{n}");
    }
    assert_eq!(
        scale.sessions(),
        warm,
        "tree through the master opened sessions"
    );
    let log = std::fs::read_to_string(scale.home.path().join("state/fleetdeck/fleetdeck.log"))
        .unwrap_or_default();
    assert!(log.contains("tree: answered by the master"), "{log}");
    eprintln!(
        "figure: tree through the master, {hosts} hosts: {} ms",
        took.as_millis()
    );
    assert!(took < Duration::from_secs(5), "{took:?}");

    let (fresh, took) = scale.tree(&config, &["--fresh"]);
    all_up(&fresh, hosts);
    let after_fresh = scale.sessions();
    assert!(
        after_fresh >= warm + hosts,
        "--fresh asks every host again: {warm} -> {after_fresh}"
    );
    for h in scale.hosts() {
        let log =
            std::fs::read_to_string(h["commands_log"].as_str().expect("log")).expect("read log");
        assert!(log.lines().count() >= 2, "{} asked twice: {log}", h["name"]);
    }
    eprintln!(
        "figure: tree --fresh through the master, {hosts} hosts: {} ms",
        took.as_millis()
    );

    let (again, _) = scale.tree(&config, &[]);
    all_up(&again, hosts);
    assert_eq!(scale.sessions(), after_fresh, "held again after --fresh");
    let ages: Vec<u64> = again["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["data_age_secs"].as_u64())
        .collect();
    assert!(ages.iter().all(|a| *a <= 60), "just asked: {ages:?}");
}

/// Established TCP connections to the jump host's sshd, seen from its namespace.
fn connections_to_jump(netns: &str) -> usize {
    let out = run_with_timeout(
        Command::new("ip").args([
            "netns",
            "exec",
            netns,
            "ss",
            "-Htn",
            "state",
            "established",
            "( sport = :22 )",
        ]),
        Duration::from_secs(10),
    );
    assert!(out.status.success(), "ss in {netns}: {}", text(&out));
    stdout(&out)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// Runs `tree --json --no-master` while counting the jump's connections every few ms;
/// returns the document and the most connections seen at once.
fn tree_watching_jump(scale: &Scale, config: &Path, netns: &str) -> (serde_json::Value, usize) {
    let mut child = scale
        .fleetdeck(config, &["tree", "--json", "--no-master"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tree");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut most = 0;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tree did not finish within 120 s");
        }
        most = most.max(connections_to_jump(netns));
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("tree output");
    assert!(out.status.success(), "tree: {}", text(&out));
    (serde_json::from_slice(&out.stdout).expect("json"), most)
}

#[test]
fn twenty_hosts_behind_one_jump_share_one_connection_under_max_startups() {
    let scale = Scale::up("sb", "10.82", 21, 20, &["--max-startups", "10:30:100"]);
    let hosts = scale.hosts().len();
    let jump = &scale.hosts()[0];
    let netns = jump["netns"].as_str().expect("netns").to_string();
    let sshd_config = format!("{}/sshd_config", jump["dir"].as_str().expect("dir"));
    let text_config = std::fs::read_to_string(&sshd_config).expect("sshd_config");
    assert!(
        text_config.contains("MaxStartups 10:30:100"),
        "{text_config}"
    );

    // The jump as a fleet node (`jump = "sb1"`), then only as the ssh config's ProxyJump.
    let as_node = scale.config();
    let as_proxyjump = scale.config_with("proxyjump.toml", |t| {
        t.lines()
            .filter(|l| !l.starts_with("jump = "))
            .collect::<Vec<_>>()
            .join("\n")
    });
    for (how, config) in [("jump node", &as_node), ("ProxyJump", &as_proxyjump)] {
        let started = Instant::now();
        let (doc, most) = tree_watching_jump(&scale, config, &netns);
        let names = all_up(&doc, hosts);
        eprintln!(
            "figure: {how}: {hosts} hosts up in {} ms, at most {most} TCP connection(s) to the jump",
            started.elapsed().as_millis()
        );
        assert!(names.len() == hosts, "{names:?}");
        assert!(most >= 1, "{how}: the sampler never saw the connection");
        // A jump node is itself polled over that same connection: one either way.
        assert_eq!(most, 1, "{how}: one connection to the jump host");
    }
    let sshd_log = std::fs::read_to_string(jump["sshd_log"].as_str().expect("sshd_log"))
        .expect("jump's sshd log");
    assert!(
        !sshd_log.contains("drop connection") && !sshd_log.contains("MaxStartups"),
        "the jump's sshd throttled: {sshd_log}"
    );
}
