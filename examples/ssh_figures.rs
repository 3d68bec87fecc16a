//! Prints SSH transport figures on the lab (FLEETDECK_LAB): fleetdeck's russh transport
//! against OpenSSH's client, fresh and with ControlMaster. A measurement, not a test.
//!
//!     FLEETDECK_LAB=/tmp/fleetdeck-lab/lab.json cargo run --release --example ssh_figures

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fleetdeck::transport::exec::RemoteCommand;
use fleetdeck::transport::ssh::{Hop, Route, SshNode};

const ROUNDS: usize = 10;

fn lab_value(lab: &serde_json::Value, key: &str) -> String {
    lab[key].as_str().unwrap_or_default().to_string()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn openssh(ssh_config: &str, extra: &[&str], host: &str) -> Duration {
    let t = Instant::now();
    let ok = Command::new("ssh")
        .args(["-F", ssh_config])
        .args(extra)
        .args([host, "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "ssh {host} true failed");
    t.elapsed()
}

#[tokio::main]
async fn main() {
    let path = std::env::var("FLEETDECK_LAB").expect("set FLEETDECK_LAB to the lab's lab.json");
    let lab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read lab.json"))
            .expect("lab.json");
    let ssh_config = lab_value(&lab, "ssh_config");
    let host = &lab["hosts"][1];
    let name = host["name"].as_str().unwrap_or("h2").to_string();
    let route = Route {
        jumps: Vec::new(),
        target: Hop::new(
            &name,
            host["ip"].as_str().unwrap_or_default(),
            22,
            "root",
            vec![PathBuf::from(lab_value(&lab, "client_key"))],
            vec![PathBuf::from(lab_value(&lab, "known_hosts"))],
        ),
        proxy_command: None,
        agent: None,
        connect_timeout: Duration::from_secs(5),
        keepalive: Duration::from_secs(30),
    };
    let cmd = RemoteCommand::new(["true"]);

    let mut connect_one = Vec::new();
    let mut ten_on_one = Vec::new();
    for _ in 0..ROUNDS {
        let node = SshNode::new(&name, route.clone());
        let t = Instant::now();
        node.exec(&cmd).await.expect("first command");
        connect_one.push(t.elapsed());
        let t = Instant::now();
        for _ in 0..10 {
            node.exec(&cmd).await.expect("command");
        }
        ten_on_one.push(t.elapsed());
    }

    let mut eight_parallel = Vec::new();
    for _ in 0..ROUNDS {
        let node = SshNode::new(&name, route.clone());
        node.exec(&cmd).await.expect("connect");
        let t = Instant::now();
        let runs = (0..8).map(|_| node.exec(&cmd));
        for r in futures::future::join_all(runs).await {
            r.expect("parallel command");
        }
        eight_parallel.push(t.elapsed());
    }

    let fresh: Vec<Duration> = (0..ROUNDS)
        .map(|_| openssh(&ssh_config, &[], &name))
        .collect();
    let fresh_ten: Vec<Duration> = (0..3)
        .map(|_| (0..10).map(|_| openssh(&ssh_config, &[], &name)).sum())
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let control = dir.path().join("cm");
    let cm = |p: &Path| {
        vec![
            "-o".to_string(),
            "ControlMaster=auto".to_string(),
            "-o".to_string(),
            format!("ControlPath={}", p.display()),
            "-o".to_string(),
            "ControlPersist=60".to_string(),
        ]
    };
    let cm_args = cm(&control);
    let cm_refs: Vec<&str> = cm_args.iter().map(String::as_str).collect();
    let cm_first = openssh(&ssh_config, &cm_refs, &name);
    let cm_ten: Vec<Duration> = (0..ROUNDS)
        .map(|_| (0..10).map(|_| openssh(&ssh_config, &cm_refs, &name)).sum())
        .collect();
    let _ = Command::new("ssh")
        .args(["-F", &ssh_config, "-O", "exit", "-o"])
        .arg(format!("ControlPath={}", control.display()))
        .arg(&name)
        .output();

    println!("SSH on the lab ({name}), median of {ROUNDS} rounds");
    println!("| figure | fleetdeck (russh) | OpenSSH fresh | OpenSSH ControlMaster |");
    println!("|---|---|---|---|");
    println!(
        "| connect + 1 command | {:.1} ms | {:.1} ms | {:.1} ms (master start) |",
        ms(median(connect_one)),
        ms(median(fresh)),
        ms(cm_first)
    );
    println!(
        "| 8 commands at once on an existing connection | {:.1} ms | - | - |",
        ms(median(eight_parallel))
    );
    println!(
        "| 10 commands on an existing connection | {:.1} ms | {:.1} ms (10 fresh) | {:.1} ms |",
        ms(median(ten_on_one)),
        ms(median(fresh_ten)),
        ms(median(cm_ten))
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
