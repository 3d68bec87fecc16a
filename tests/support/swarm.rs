//! The lab swarm (`tests/lab/swarm.sh`, described by `<labdir>/swarm.json`): hosts s1..s3,
//! s1 the manager. Like [`Lab::load`], [`SwarmLab::load`] panics when it is missing:
//! swarm tests fail loudly, never skip.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde::Deserialize;

use super::audit::parse_docker_call;
use super::lab::{Lab, run_with_timeout};

/// How long a swarm test waits for its turn ([`SwarmLab::turn`]) before failing.
pub const SWARM_TURN_WAIT: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Deserialize)]
pub struct SwarmLab {
    pub version: u32,
    pub dir: PathBuf,
    pub known_hosts: PathBuf,
    /// `Host sK` blocks with the lab's client key and this file's known_hosts.
    pub ssh_config: PathBuf,
    pub client_key: PathBuf,
    pub image: String,
    pub docker_cli: PathBuf,
    /// How often workers report to the manager (`--dispatcher-heartbeat`).
    pub heartbeat: String,
    /// The manager's host name (`s1`).
    pub manager: String,
    pub hosts: Vec<SwarmHost>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SwarmHost {
    pub name: String,
    pub netns: String,
    pub ip: String,
    pub dir: PathBuf,
    pub docker_socket: PathBuf,
    pub docker_host: String,
    pub dockerd_log: PathBuf,
    pub commands_log: PathBuf,
    /// `manager` or `worker`.
    pub role: String,
    pub node_id: String,
}

impl SwarmLab {
    /// `<labdir>/swarm.json` of the lab `FLEETDECK_LAB` names. Panics without it.
    pub fn load() -> SwarmLab {
        let lab = Lab::load();
        let path = lab.dir.join("swarm.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "no lab swarm ({}: {e}): bring it up with tests/lab/swarm.sh up \
                 (lab.sh up does unless --no-swarm)",
                path.display()
            )
        });
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("invalid swarm description {}: {e}", path.display()))
    }

    /// Waits (at most `SWARM_TURN_WAIT`) for this test's turn on the shared swarm and holds
    /// it until the guard drops. A file lock in the lab directory, so tests in other test
    /// binaries and other processes (one stops an engine, one drains a node) take turns too;
    /// the kernel releases it if the test process dies.
    pub fn turn(&self) -> std::fs::File {
        let path = self.dir.join("swarm.turn");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("cannot open the swarm turn lock {}: {e}", path.display()));
        let start = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return file,
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => {
                    panic!("cannot lock {}: {e}", path.display())
                }
            }
            if start.elapsed() > SWARM_TURN_WAIT {
                panic!(
                    "waited {SWARM_TURN_WAIT:?} for the swarm turn lock {}: another test holds it",
                    path.display()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn host(&self, name: &str) -> &SwarmHost {
        self.hosts
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("the lab swarm has no host {name:?}"))
    }

    /// A fleetdeck config with one `[[node]]` per swarm host, named `names[i]` (not the
    /// hosts' own names: the tree must map them by address), Docker over SSH.
    pub fn fleet_config(&self, names: &[&str], tables: &str) -> String {
        let mut text = format!(
            "[ssh]\nconfig = {:?}\nconnect_timeout_secs = 3\n",
            self.ssh_config.display().to_string()
        );
        for (host, name) in self.hosts.iter().zip(names) {
            text.push_str(&format!(
                "[[node]]\nname = {name:?}\nssh = {:?}\ndocker = \"ssh\"\ndocker_socket = {:?}\n",
                host.name,
                host.docker_socket.display().to_string()
            ));
        }
        text.push_str(tables);
        text
    }

    /// The docker CLI against host `name`'s engine, killed after 60 s.
    pub fn docker(&self, name: &str, args: &[&str]) -> Output {
        let h = self.host(name);
        run_with_timeout(
            Command::new(&self.docker_cli)
                .arg("-H")
                .arg(&h.docker_host)
                .args(args),
            Duration::from_secs(60),
        )
    }

    /// `tests/lab/swarm.sh stop|start dockerd|sshd sK`, killed after 90 s.
    pub fn daemon(&self, action: &str, what: &str, host: &str) -> Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/swarm.sh");
        run_with_timeout(
            Command::new("bash")
                .arg(script)
                .args([action, what, host])
                .env("FLEETDECK_LAB_DIR", &self.dir),
            Duration::from_secs(90),
        )
    }
}

/// Where each swarm host's dockerd log ends, to read the API calls of a window.
pub struct DockerWindow {
    marks: Vec<(String, PathBuf, u64)>,
}

impl DockerWindow {
    pub fn start(swarm: &SwarmLab) -> DockerWindow {
        let marks = swarm
            .hosts
            .iter()
            .map(|h| {
                let len = std::fs::metadata(&h.dockerd_log)
                    .unwrap_or_else(|e| panic!("stat {}: {e}", h.dockerd_log.display()))
                    .len();
                (h.name.clone(), h.dockerd_log.clone(), len)
            })
            .collect();
        DockerWindow { marks }
    }

    /// `(host, method, path)` of every API call logged since [`DockerWindow::start`].
    pub fn calls(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for (host, path, from) in &self.marks {
            let text =
                std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            let tail = text.get(*from as usize..).unwrap_or_default();
            for line in String::from_utf8_lossy(tail).lines() {
                if let Some((method, path)) = parse_docker_call(line) {
                    out.push((host.clone(), method, path));
                }
            }
        }
        out
    }
}
