//! The lab swarm as the swarm operations' tests (`tests/swarm_ops.rs`) use it: a
//! private config naming s1..s3 `op-alpha`.. (mapped by address), services made with the
//! docker CLI and the fleetdeck labels, removed by a guard, and the engine's own view
//! (tasks, spec, availability) to check fleetdeck against. Every call is bounded.

// Only `tests/swarm_ops.rs` uses these.
#![allow(dead_code)]

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::lab::{Defer, assert_success, defer, retry, run_with_timeout, stdout};
use super::swarm::SwarmLab;

/// Fleetdeck's names for s1, s2, s3 (not the hosts' own: nodes are mapped by address).
pub const NAMES: [&str; 3] = ["op-alpha", "op-beta", "op-gamma"];

pub struct Setup {
    pub swarm: SwarmLab,
    pub dir: tempfile::TempDir,
}

impl Setup {
    pub fn new() -> Setup {
        let swarm = SwarmLab::load();
        let dir = tempfile::Builder::new()
            .prefix("fdswops-")
            .tempdir()
            .expect("tempdir");
        let config = swarm.fleet_config(
            &NAMES,
            &format!(
                "[inventory]\npath = {:?}\n",
                dir.path().join("inventory.db").display().to_string()
            ),
        );
        std::fs::write(dir.path().join("config.toml"), config).expect("write config");
        Setup { swarm, dir }
    }

    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("FLEETDECK_READ_ONLY")
            .env_remove("FLEETDECK_CONFIG")
            .env_remove("FLEETDECK_TEST_HOLD_BEFORE_WRITE");
        cmd
    }

    pub fn fleetdeck(&self, args: &[&str]) -> Output {
        run_with_timeout(&mut self.command(args), Duration::from_secs(90))
    }

    pub fn manager(&self, args: &[&str]) -> Output {
        self.swarm.docker(&self.swarm.manager, args)
    }

    /// A service of the lab image labelled as the site `domain`, removed when the guard
    /// drops.
    pub fn site_service(
        &self,
        name: &str,
        domain: &str,
        args: &[&str],
    ) -> Defer<impl FnMut() + '_> {
        let label = format!("fleetdeck.domain={domain}");
        let mut create = vec![
            "service", "create", "--detach", "--name", name, "--label", &label,
        ];
        create.extend_from_slice(args);
        create.push(&self.swarm.image);
        assert_success(&self.manager(&create), "docker service create");
        let name = name.to_string();
        defer(move || {
            let out = self.manager(&["service", "rm", &name]);
            if !out.status.success() {
                eprintln!("cleanup: docker service rm {name}: {out:?}");
            }
        })
    }

    /// `docker service inspect` of `name`, as JSON.
    pub fn inspect(&self, name: &str) -> Value {
        let out = self.manager(&["service", "inspect", name]);
        assert_success(&out, "docker service inspect");
        let list: Vec<Value> = serde_json::from_str(&stdout(&out)).expect("inspect is JSON");
        list.into_iter().next().expect("one service")
    }

    /// (hostname, image) of each task the swarm wants running that runs now.
    pub fn running(&self, name: &str) -> Vec<(String, String)> {
        let out = self.manager(&[
            "service",
            "ps",
            "--filter",
            "desired-state=running",
            "--format",
            "{{.Node}} {{.Image}} {{.CurrentState}}",
            name,
        ]);
        assert_success(&out, "docker service ps");
        stdout(&out)
            .lines()
            .filter(|l| l.contains(" Running "))
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                Some((w.next()?.to_string(), w.next()?.to_string()))
            })
            .collect()
    }

    /// Waits until `name` runs exactly `n` tasks, each on its own node when `n` <= 3.
    pub fn wait_running(&self, name: &str, n: usize) -> Vec<(String, String)> {
        let started = Instant::now();
        let tasks = retry(Duration::from_secs(90), || {
            let tasks = self.running(name);
            if tasks.len() == n {
                return Some(tasks);
            }
            std::thread::sleep(Duration::from_millis(400));
            None
        })
        .unwrap_or_else(|| {
            panic!(
                "{name} never ran {n} tasks: {:?}",
                self.manager(&["service", "ps", name])
            )
        });
        eprintln!("{name}: {n} tasks running after {:?}", started.elapsed());
        tasks
    }

    pub fn audit(&self) -> Vec<Value> {
        let out = self.fleetdeck(&["audit", "--json"]);
        assert_success(&out, "fleetdeck audit --json");
        let doc: Value = serde_json::from_str(&stdout(&out)).expect("audit JSON");
        doc["audit"].as_array().cloned().unwrap_or_default()
    }

    /// A node's availability back to `active` when the guard drops.
    pub fn keep_active(&self, node_id: &str) -> Defer<impl FnMut() + '_> {
        let id = node_id.to_string();
        defer(move || {
            let out = self.manager(&["node", "update", "--availability", "active", &id]);
            if !out.status.success() {
                eprintln!("cleanup: docker node update --availability active {id}: {out:?}");
            }
        })
    }

    pub fn availability(&self, node_id: &str) -> String {
        let out = self.manager(&[
            "node",
            "inspect",
            "--format",
            "{{.Spec.Availability}}",
            node_id,
        ]);
        assert_success(&out, "docker node inspect");
        stdout(&out).trim().to_string()
    }
}

pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}{:x}{:05x}", std::process::id(), nanos & 0xf_ffff)
}

pub fn row<'a>(rows: &'a [Value], action: &str, target: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["action"] == action && r["target"] == target)
        .unwrap_or_else(|| panic!("no audit row {action} {target}: {rows:#?}"))
}

/// Tags the lab image as `tag` on every swarm engine (workers run what they have: no
/// registry in the lab); the tags are removed when the guard drops.
pub fn second_tag<'a>(s: &'a Setup, tag: &str) -> Defer<impl FnMut() + 'a> {
    let image = format!(
        "{}:{tag}",
        s.swarm.image.split(':').next().unwrap_or("fdlab/busybox")
    );
    for h in &s.swarm.hosts {
        assert_success(
            &s.swarm.docker(&h.name, &["tag", &s.swarm.image, &image]),
            &format!("docker tag on {}", h.name),
        );
    }
    defer(move || {
        for h in &s.swarm.hosts {
            let out = s.swarm.docker(&h.name, &["rmi", &image]);
            if !out.status.success() {
                eprintln!("cleanup: docker rmi {image} on {}: {out:?}", h.name);
            }
        }
    })
}

/// The spec's image and the update state, once the engine says the update settled.
pub fn settled(s: &Setup, name: &str, state: &str) -> String {
    let started = Instant::now();
    let image = retry(Duration::from_secs(120), || {
        let svc = s.inspect(name);
        let now = svc["UpdateStatus"]["State"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if now == state {
            return svc["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
                .as_str()
                .map(str::to_string);
        }
        std::thread::sleep(Duration::from_millis(500));
        None
    })
    .unwrap_or_else(|| panic!("{name} never reached {state}: {:#}", s.inspect(name)));
    eprintln!("{name}: {state} after {:?}", started.elapsed());
    image
}

/// Waits (bounded) for `path` to exist.
pub fn wait_for_file(path: &Path, what: &str) {
    retry(Duration::from_secs(60), || {
        std::thread::sleep(Duration::from_millis(50));
        path.exists().then_some(())
    })
    .unwrap_or_else(|| panic!("{what}: {} never appeared", path.display()));
}
