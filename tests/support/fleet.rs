//! A private fleetdeck setup over the lab for the hardening tests: a temporary directory
//! (config files, inventory, `XDG_STATE_HOME` for the log) and an ssh_config that logs in
//! with the lab's `client_audit` key, so the sessions of these tests can be picked out of
//! every host's `commands.log` (see `support::audit`).

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::lab::{Lab, run_with_timeout};

pub struct TestFleet {
    pub lab: Lab,
    pub dir: tempfile::TempDir,
    ssh_config: PathBuf,
}

impl TestFleet {
    /// `prefix` names the temporary directory (`fdth-...`).
    pub fn new(lab: Lab, prefix: &str) -> TestFleet {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .expect("tempdir");
        let ssh_config = lab.audit_ssh_config(dir.path());
        TestFleet {
            lab,
            dir,
            ssh_config,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The ssh_config using the audit key.
    pub fn ssh_config(&self) -> &Path {
        &self.ssh_config
    }

    /// Writes `name`: the lab's nodes (see `Lab::fleet_config`) with `top` keys first and
    /// `tables` after (more `[[node]]` entries may follow there). Returns its path.
    pub fn write_config(&self, name: &str, top: &str, tables: &str) -> PathBuf {
        let text = self.lab.fleet_config_with(&self.ssh_config, top, tables);
        let path = self.path(name);
        std::fs::write(&path, text).expect("write config");
        path
    }

    /// `fleetdeck --config <dir>/<config> ARGS...` with a private HOME and state directory
    /// (the log goes to `<dir>/state/fleetdeck/fleetdeck.log`) and no read-only override.
    pub fn command(&self, config: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.arg("--config")
            .arg(self.path(config))
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", "fdth-tester")
            .env_remove("SUDO_USER")
            .env_remove("SSH_CONNECTION")
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("FLEETDECK_READ_ONLY")
            .env_remove("FLEETDECK_CONFIG")
            .env_remove("FLEETDECK_LOG")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs [`TestFleet::command`], killing it after 120 s.
    pub fn run(&self, config: &str, args: &[&str]) -> Output {
        run_with_timeout(&mut self.command(config, args), Duration::from_secs(120))
    }

    /// `<dir>/state/fleetdeck/fleetdeck.log`
    pub fn log_file(&self) -> PathBuf {
        self.path("state").join("fleetdeck").join("fleetdeck.log")
    }
}

/// Exit code, or -1 when killed by a signal.
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The node named `name` in a `tree --json` document.
pub fn tree_node<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["name"] == name))
        .unwrap_or_else(|| panic!("no node {name} in {doc}"))
}

/// A `fleetdeck master` for a [`TestFleet`] config, killed when dropped.
pub struct RunningMaster {
    pub child: std::process::Child,
}

impl RunningMaster {
    /// Starts the master on `config` (its socket in the private state directory) and waits
    /// until it serves; panics with what it printed when it ends first.
    pub fn start(fleet: &TestFleet, config: &str) -> RunningMaster {
        use std::io::BufRead as _;
        let mut child = fleet
            .command(config, &["master"])
            .env_remove("XDG_RUNTIME_DIR")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the master");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = std::io::BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("fleetdeck master: serving on ") => break,
                Some(Ok(line)) => seen.push(line),
                _ => {
                    let _ = child.kill();
                    panic!("the master ended before serving: {seen:?}");
                }
            }
        }
        // Keep draining stderr so the master never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        RunningMaster { child }
    }

    /// `tree --json` through this master, parsed.
    pub fn tree(&self, fleet: &TestFleet, config: &str) -> serde_json::Value {
        let mut cmd = fleet.command(config, &["tree", "--json"]);
        cmd.env_remove("XDG_RUNTIME_DIR");
        let out = run_with_timeout(&mut cmd, Duration::from_secs(120));
        assert_eq!(code(&out), 0, "{}", text(&out));
        serde_json::from_slice(&out.stdout).expect("tree json")
    }
}

impl Drop for RunningMaster {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
