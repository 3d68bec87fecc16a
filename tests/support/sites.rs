//! A private fleet over the lab for the create / delete / reconcile tests: a temporary
//! directory with a config holding one VLAN of the test's own, its inventory, and helpers
//! to run the real binary and look at the lab's engines.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use fleetdeck::inventory::Inventory;

use super::lab::Lab;

/// A private directory with a config over the lab and one VLAN of this test's own.
pub struct Fleet {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub vlan: u16,
}

pub const IMAGE: &str = "fdlab/busybox:latest";

impl Fleet {
    /// VLAN `vlan` (110–119, 161) on `node`, subnet 10.90.<vlan>.0/24 unless `subnet` is given.
    pub fn new(lab: &Lab, node: &'static str, vlan: u16, vlan_extra: &str) -> Fleet {
        let dir = tempfile::tempdir().expect("tempdir");
        let vlan_table = if vlan_extra.contains("subnet") {
            format!(
                "[[vlan]]\nid = {vlan}\nnode = {node:?}\nbridge = \"fdtm{vlan}\"\nnetwork = \"fdtm-vlan{vlan}\"\n{vlan_extra}\n"
            )
        } else {
            format!(
                "[[vlan]]\nid = {vlan}\nnode = {node:?}\nsubnet = \"10.90.{vlan}.0/24\"\ngateway = \"10.90.{vlan}.1\"\nbridge = \"fdtm{vlan}\"\nnetwork = \"fdtm-vlan{vlan}\"\n{vlan_extra}\n"
            )
        };
        let text = lab.fleet_config(
            "",
            &format!("[inventory]\npath = \"inventory.db\"\n[containers]\nimage = {IMAGE:?}\n{vlan_table}"),
        );
        let config = dir.path().join("fleet.toml");
        std::fs::write(&config, text).expect("config");
        Fleet { dir, config, vlan }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("USER", "tester")
            .env_remove("SUDO_USER")
            .env_remove("FLEETDECK_READ_ONLY")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        super::lab::run_with_timeout(&mut self.command(args), Duration::from_secs(120))
    }

    pub fn create(&self, login: &str, domain: &str, extra: &[&str]) -> Output {
        let vlan = self.vlan.to_string();
        let mut args = vec![
            "create", "--login", login, "--vlan", &vlan, "--domain", domain, "--yes",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    pub fn inventory_path(&self) -> PathBuf {
        self.dir.path().join("inventory.db")
    }

    pub fn inventory(&self) -> Inventory {
        Inventory::open(&self.inventory_path()).expect("inventory")
    }

    pub fn network(&self) -> String {
        format!("fdtm-vlan{}", self.vlan)
    }
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

pub fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `docker inspect -f FORMAT NAME` on a lab host; `None` when there is no such object.
pub fn inspect(lab: &Lab, host: &str, format: &str, name: &str) -> Option<String> {
    let out = lab.docker(host, &["inspect", "-f", format, name]);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub fn cleanup(lab: &Lab, host: &str, containers: &[String], network: &str) {
    for c in containers {
        let _ = lab.docker(host, &["rm", "-f", c]);
    }
    let _ = lab.docker(host, &["network", "rm", network]);
}

pub fn audit(fleet: &Fleet) -> Vec<serde_json::Value> {
    let out = fleet.run(&["audit", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("audit json");
    doc["audit"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("audit json has no rows: {doc}"))
}
