//! Faults on the lab, each a test: h3's sshd killed (mid-poll, and for a one-shot
//! `tree`), h3's dockerd stopped, every packet to h3 dropped, and a changed host key for
//! h2. In each: the other nodes are reported up and complete, the faulty one gets a
//! clear error of its own within the connect timeout plus a margin, nothing hangs, and
//! the node recovers once the fault is gone.
//!
//! Destructive faults touch h3 only and are always undone by a cleanup guard, restarting
//! daemons exactly as `lab.sh up` starts them (`lab.sh start sshd|dockerd h3`). One
//! fault at a time: every test holds `FAULT`.

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use fleetdeck::collect::poller::Poller;
use fleetdeck::fleet::snapshot::NodeStatus;
use fleetdeck::fleet::snapshot::PollEvent;
use fleetdeck::transport::links::build_links;
use support::audit::Watch;
use support::fleet::{TestFleet, code, text, tree_node};
use support::lab::{Lab, assert_success, defer, retry};

static FAULT: Mutex<()> = Mutex::new(());

fn one_fault() -> MutexGuard<'static, ()> {
    FAULT.lock().unwrap_or_else(|p| p.into_inner())
}

/// The lab config's `[ssh] connect_timeout_secs`.
const CONNECT: Duration = Duration::from_secs(3);
/// Slack on top of the connect timeout: process start, the other hops, a loaded machine.
const MARGIN: Duration = Duration::from_secs(7);

fn fleet(top: &str) -> TestFleet {
    let fleet = TestFleet::new(Lab::load(), "fdth-faults-");
    fleet.write_config("fleet.toml", top, "");
    fleet
}

/// `tree --json`, timed.
fn tree(fleet: &TestFleet) -> (serde_json::Value, Duration) {
    let started = Instant::now();
    let out = fleet.run("fleet.toml", &["tree", "--json"]);
    let took = started.elapsed();
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("tree json: {e}: {}", text(&out)));
    (doc, took)
}

/// h1 and h2 up, with their facts and containers read (not just reachable).
fn others_complete(doc: &serde_json::Value, what: &str) {
    for host in ["h1", "h2"] {
        let node = tree_node(doc, host);
        assert_eq!(node["status"], "up", "{what}: {host}: {node}");
        assert!(
            node["fact_errors"].as_array().is_none_or(Vec::is_empty),
            "{what}: {host} has fact errors: {}",
            node["fact_errors"]
        );
        assert!(
            node["bridges"].as_array().is_some_and(|b| !b.is_empty()),
            "{what}: {host} has no bridges: {node}"
        );
    }
}

fn error_of(doc: &serde_json::Value, host: &str) -> String {
    tree_node(doc, host)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn h3_sshd_gone_is_a_clear_error_fast_and_recovers() {
    let _one = one_fault();
    let fleet = fleet("");
    let lab = &fleet.lab;
    let _restore = defer(|| lab.restore_service("sshd", "h3"));
    lab.stop_service("sshd", "h3");

    let (doc, took) = tree(&fleet);
    others_complete(&doc, "h3 sshd stopped");
    let h3 = tree_node(&doc, "h3");
    assert_eq!(h3["status"], "down", "{h3}");
    let error = error_of(&doc, "h3");
    assert!(
        error.contains("10.78.0.3") && error.to_lowercase().contains("refused"),
        "the error names the host and what happened: {error:?}"
    );
    assert!(took < CONNECT + MARGIN, "tree took {took:?} with h3 down");
    eprintln!("figure: tree with h3's sshd stopped: {took:?}");

    lab.start_service("sshd", "h3");
    let (doc, _) = tree(&fleet);
    assert_eq!(tree_node(&doc, "h3")["status"], "up", "h3 back: {doc}");
    others_complete(&doc, "h3 back");
}

#[test]
fn h3_dockerd_stopped_costs_only_its_docker_fact() {
    let _one = one_fault();
    let fleet = fleet("");
    let lab = &fleet.lab;
    let _restore = defer(|| lab.restore_service("dockerd", "h3"));
    lab.stop_service("dockerd", "h3");

    let (doc, took) = tree(&fleet);
    others_complete(&doc, "h3 dockerd stopped");
    let h3 = tree_node(&doc, "h3");
    assert_eq!(h3["status"], "up", "sshd still answers: {h3}");
    let errors = h3["fact_errors"].as_array().cloned().unwrap_or_default();
    let docker = errors
        .iter()
        .find(|e| e["fact"] == "docker")
        .unwrap_or_else(|| panic!("no docker error on h3: {h3}"));
    let message = docker["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("docker.sock"),
        "the docker error names the socket: {message:?}"
    );
    assert!(
        errors.iter().all(|e| e["fact"] == "docker"),
        "only Docker is lost: {errors:?}"
    );
    assert!(
        h3["bridges"].as_array().is_some_and(|b| !b.is_empty()),
        "the rest of h3 is still read: {h3}"
    );
    assert!(took < CONNECT + MARGIN, "tree took {took:?}");
    eprintln!("figure: tree with h3's dockerd stopped: {took:?}");

    lab.start_service("dockerd", "h3");
    let (doc, _) = tree(&fleet);
    let h3 = tree_node(&doc, "h3");
    assert!(
        h3["fact_errors"].as_array().is_none_or(Vec::is_empty),
        "h3 Docker back: {h3}"
    );
}

fn iptables_h3(lab: &Lab, op: &str) -> std::process::Output {
    lab.in_netns(
        "h3",
        "iptables",
        &[
            "-w",
            op,
            "INPUT",
            "-m",
            "comment",
            "--comment",
            "fdth-faults",
            "-j",
            "DROP",
        ],
    )
}

#[test]
fn packets_to_h3_dropped_time_out_without_holding_anything() {
    let _one = one_fault();
    let fleet = fleet("");
    let lab = &fleet.lab;
    let _restore = defer(|| while iptables_h3(lab, "-D").status.success() {});
    assert_success(&iptables_h3(lab, "-I"), "iptables -I INPUT -j DROP in h3");

    let (doc, took) = tree(&fleet);
    others_complete(&doc, "h3 dropping packets");
    let h3 = tree_node(&doc, "h3");
    assert_eq!(h3["status"], "down", "{h3}");
    let error = error_of(&doc, "h3");
    assert!(
        error.contains("10.78.0.3") && error.contains("did not answer within 3s"),
        "the error names the host and the timeout: {error:?}"
    );
    assert!(
        took < CONNECT + MARGIN,
        "tree took {took:?} with h3 black-holed"
    );
    eprintln!("figure: tree with h3 dropping packets: {took:?}");

    while iptables_h3(lab, "-D").status.success() {}
    let (doc, _) = tree(&fleet);
    assert_eq!(tree_node(&doc, "h3")["status"], "up", "h3 back: {doc}");
}

/// The poller keeps one connection per node: h3's sshd is killed (with every session)
/// while a poll of h3 is running — a slow fake `ss` holds the poll open — and the other
/// nodes keep polling, h3 shows down soon after, and up again once sshd is back.
#[test]
fn h3_killed_mid_poll_shows_down_others_go_on_and_it_recovers() {
    let _one = one_fault();
    let fleet = fleet("refresh_secs = 1");
    let lab = &fleet.lab;
    let _restore = defer(|| lab.restore_service("sshd", "h3"));
    let _slow = lab.fake_tool(
        "h3",
        "ss",
        "sleep 2\nPATH=\"$FDLAB_REAL_PATH\" exec ss \"$@\"",
    );
    let text = std::fs::read_to_string(fleet.path("fleet.toml")).expect("config");
    let config =
        Arc::new(fleetdeck::config::load_str(&text, Path::new("fleet.toml")).expect("config"));
    let links = Arc::new(build_links(&config, false).expect("links"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        let poller = Poller::spawn(config.clone(), links, tx);
        let mut status = std::collections::BTreeMap::new();
        let mut next = async |within: Duration| -> (String, NodeStatus, Option<String>) {
            loop {
                let event = tokio::time::timeout(within, rx.recv())
                    .await
                    .expect("a poll event in time")
                    .expect("poller alive");
                if let PollEvent::Snapshot(s) = event {
                    return (s.name.clone(), s.status, s.error.clone());
                }
            }
        };
        while status.len() < 3 || status.values().any(|s| *s != NodeStatus::Up) {
            let (name, s, _) = next(Duration::from_secs(30)).await;
            status.insert(name, s);
        }

        // Wait for a poll of h3 to start (its batch shows in the command log), then kill
        // h3's sshd while the fake ss sleeps inside that batch.
        let watch = Watch::start(lab);
        // h3 is watched (one long session, no batches): `r` polls it in full, and that
        // batch is the poll to kill sshd under.
        poller.refresh("h3");
        let started = retry(Duration::from_secs(10), || {
            watch
                .seen()
                .own_sessions()
                .iter()
                .any(|s| {
                    s.host == "h3" && s.command.as_deref().is_some_and(|c| c.contains("ss -H"))
                })
                .then_some(())
        });
        assert!(started.is_some(), "no poll of h3 started");
        let killed = Instant::now();
        lab.stop_service("sshd", "h3");

        let mut others_during = 0;
        let down_after = loop {
            let (name, s, error) = next(Duration::from_secs(20)).await;
            if name == "h3" && s == NodeStatus::Down {
                let error = error.unwrap_or_default();
                assert!(
                    error.contains("10.78.0.3"),
                    "h3's error names it: {error:?}"
                );
                break killed.elapsed();
            }
            if name != "h3" {
                assert_eq!(s, NodeStatus::Up, "{name} suffered from h3's death");
                others_during += 1;
            }
        };
        assert!(
            down_after < Duration::from_secs(1) + CONNECT + MARGIN,
            "h3 showed down only {down_after:?} after its sshd died"
        );
        eprintln!("figure: poller shows h3 down {down_after:?} after its sshd died mid-poll");

        // Others keep polling every second while h3 is down.
        let outage = Instant::now();
        while outage.elapsed() < Duration::from_secs(3) {
            let (name, s, _) = next(Duration::from_secs(10)).await;
            if name != "h3" {
                assert_eq!(s, NodeStatus::Up, "{name} during h3's outage");
                others_during += 1;
            }
        }
        assert!(
            others_during >= 4,
            "h1 and h2 stopped polling while h3 was down ({others_during} snapshots)"
        );

        lab.start_service("sshd", "h3");
        let back = Instant::now();
        loop {
            let (name, s, _) = next(Duration::from_secs(60)).await;
            if name == "h3" && s == NodeStatus::Up {
                eprintln!(
                    "figure: h3 up again {:?} after sshd restarted",
                    back.elapsed()
                );
                break;
            }
            assert!(
                back.elapsed() < Duration::from_secs(45),
                "h3 not up 45 s after its sshd came back"
            );
        }
    });
}

/// known_hosts says h2 has h1's keys: fleetdeck refuses h2, naming the file and the line,
/// and never runs a command there; h1 and h3 are polled as usual.
#[test]
fn a_changed_host_key_is_refused_and_nothing_runs() {
    let _one = one_fault();
    let fleet = TestFleet::new(Lab::load(), "fdth-hostkey-");
    let lab = &fleet.lab;
    let h1_keys: Vec<String> = ["ed25519", "rsa", "ecdsa"]
        .iter()
        .map(|t| {
            let text = std::fs::read_to_string(&lab.host("h1").host_keys[*t]).expect("h1 key");
            text.split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let original = std::fs::read_to_string(&lab.known_hosts).expect("known_hosts");
    let mut lines = Vec::new();
    let mut h2_lines = Vec::new();
    for line in original.lines() {
        if line.starts_with("h2,") {
            let names = line.split_whitespace().next().expect("names");
            h2_lines.push(lines.len() + 1);
            lines.push(format!("{names} {}", h1_keys[h2_lines.len() - 1]));
        } else {
            lines.push(line.to_string());
        }
    }
    assert_eq!(h2_lines.len(), 3, "h2 has three keys in {original}");
    let known = fleet.path("known_hosts");
    std::fs::write(&known, lines.join("\n") + "\n").expect("known_hosts");
    let ssh_config = std::fs::read_to_string(fleet.ssh_config()).expect("ssh_config");
    std::fs::write(
        fleet.ssh_config(),
        ssh_config.replace(
            &lab.known_hosts.display().to_string(),
            &known.display().to_string(),
        ),
    )
    .expect("ssh_config");
    fleet.write_config("fleet.toml", "", "");

    let watch = Watch::start(lab);
    let (doc, took) = tree(&fleet);
    let h2 = tree_node(&doc, "h2");
    assert_eq!(h2["status"], "down", "{h2}");
    let error = error_of(&doc, "h2");
    assert!(error.contains("HOST KEY CHANGED"), "{error}");
    assert!(
        h2_lines
            .iter()
            .any(|n| error.contains(&format!("{}:{n}", known.display()))),
        "the error names the file and line: {error}"
    );
    for host in ["h1", "h3"] {
        assert_eq!(tree_node(&doc, host)["status"], "up", "{host}: {doc}");
    }
    assert!(took < CONNECT + MARGIN, "tree took {took:?}");
    let seen = watch.seen();
    assert!(
        !seen.own_sessions().iter().any(|s| s.host == "h2"),
        "a command ran on h2 despite the changed key: {seen:#?}"
    );
    assert!(
        seen.own_sessions().iter().any(|s| s.host == "h1"),
        "the log shows h1's poll (the check above is not blind)"
    );
}
