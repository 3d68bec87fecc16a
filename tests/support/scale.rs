//! The scale lab (tests/lab/scale.sh): one small lab per test, under its own tag and
//! subnet, taken down when dropped, passed or not. Needs root (network namespaces).

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::lab::run_with_timeout;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab/scale.sh");
const UP_WITHIN: Duration = Duration::from_secs(120);

/// One scale lab, taken down when dropped.
pub struct Scale {
    pub tag: &'static str,
    pub desc: serde_json::Value,
    pub home: tempfile::TempDir,
}

impl Scale {
    /// `scale.sh up N --jump K --tag TAG --net NET [extra...]`; panics with its output
    /// when it fails (after taking down whatever it built).
    pub fn up(tag: &'static str, net: &str, n: usize, jump: usize, extra: &[&str]) -> Scale {
        let (n, jump) = (n.to_string(), jump.to_string());
        let mut args = vec!["up", &n, "--jump", &jump, "--tag", tag, "--net", net];
        args.extend_from_slice(extra);
        let out = run_with_timeout(Command::new(SCRIPT).args(&args), UP_WITHIN);
        let home = tempfile::Builder::new()
            .prefix("fdsc-")
            .tempdir()
            .expect("tempdir");
        if !out.status.success() {
            down(tag);
            panic!("scale.sh {args:?} failed:\n{}", text(&out));
        }
        let path = Path::new("/tmp").join(format!("fleetdeck-scale-{tag}/scale.json"));
        let desc = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let Some(desc) = desc else {
            down(tag);
            panic!("no readable {} after scale.sh up", path.display());
        };
        Scale { tag, desc, home }
    }

    pub fn hosts(&self) -> Vec<serde_json::Value> {
        self.desc["hosts"].as_array().cloned().unwrap_or_default()
    }

    pub fn config(&self) -> PathBuf {
        PathBuf::from(self.desc["config"].as_str().expect("config path"))
    }

    /// A copy of the lab's config, with `edit` applied to its text.
    pub fn config_with(&self, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
        let original = std::fs::read_to_string(self.config()).expect("read config");
        let path = self.home.path().join(name);
        std::fs::write(&path, edit(&original)).expect("write config");
        path
    }

    /// SSH sessions every host has seen so far (one command-log line each).
    pub fn sessions(&self) -> usize {
        self.hosts()
            .iter()
            .map(|h| {
                let log = h["commands_log"].as_str().expect("commands_log");
                std::fs::read_to_string(log)
                    .expect("read a command log")
                    .lines()
                    .count()
            })
            .sum()
    }

    /// `fleetdeck --config CONFIG ARGS...` with a private HOME and state directory.
    pub fn fleetdeck(&self, config: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.arg("--config")
            .arg(config)
            .args(args)
            .env("HOME", self.home.path())
            .env("XDG_STATE_HOME", self.home.path().join("state"))
            .env_remove("XDG_RUNTIME_DIR")
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("FLEETDECK_READ_ONLY")
            .env_remove("FLEETDECK_CONFIG")
            .env_remove("FLEETDECK_LOG")
            .stdin(Stdio::null());
        cmd
    }

    /// `tree --json ARGS...`, parsed; panics unless it exits 0.
    pub fn tree(&self, config: &Path, args: &[&str]) -> (serde_json::Value, Duration) {
        let mut all = vec!["tree", "--json"];
        all.extend_from_slice(args);
        let started = Instant::now();
        let out = run_with_timeout(&mut self.fleetdeck(config, &all), Duration::from_secs(120));
        let took = started.elapsed();
        assert!(out.status.success(), "tree {args:?}: {}", text(&out));
        (
            serde_json::from_slice(&out.stdout).expect("tree json"),
            took,
        )
    }
}

impl Drop for Scale {
    fn drop(&mut self) {
        down(self.tag);
    }
}

pub fn down(tag: &str) {
    let out = run_with_timeout(
        Command::new(SCRIPT).args(["down", "--tag", tag]),
        Duration::from_secs(60),
    );
    if !out.status.success() {
        eprintln!("scale.sh down --tag {tag}: {}", text(&out));
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every node of a `tree --json` document is up; returns their names.
pub fn all_up(doc: &serde_json::Value, expected: usize) -> Vec<String> {
    let nodes = doc["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), expected, "{doc}");
    for n in nodes {
        assert_eq!(n["status"], "up", "{n}");
    }
    nodes
        .iter()
        .filter_map(|n| n["name"].as_str().map(str::to_string))
        .collect()
}

/// A `fleetdeck master` on a config, killed when dropped.
pub struct Master(pub std::process::Child);

impl Master {
    pub fn start(scale: &Scale, config: &Path) -> Master {
        use std::io::BufRead as _;
        let mut child = scale
            .fleetdeck(config, &["master", "--idle", "300"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the master");
        let stderr = child.stderr.take().expect("stderr");
        // The warm-up is bounded by the poll deadline; the reader cannot hang past the
        // master's own end, and the master is killed if the test panics.
        let mut master = Master(child);
        let mut lines = std::io::BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("fleetdeck master: serving on ") => break,
                Some(Ok(line)) => seen.push(line),
                _ => {
                    let _ = master.0.kill();
                    panic!("the master ended before serving: {seen:?}");
                }
            }
        }
        std::thread::spawn(move || for _ in lines {});
        master
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
