//! The harness of the proxy lab tests: a proxy file of our own on h1's nginx, Docker
//! networks and containers of our own on h1, curl with a Host header. Everything created
//! carries the `fdtp-` prefix and is removed on drop.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fleetdeck::inventory::{Inventory, Site, SiteState, now_rfc3339};

use crate::support::lab::{Lab, assert_success, retry};

/// Held by every test that runs nginx's test or reload (see the binary's doc).
static NGINX: Mutex<()> = Mutex::new(());

pub fn nginx_lock() -> MutexGuard<'static, ()> {
    NGINX.lock().unwrap_or_else(|p| p.into_inner())
}

/// One test's proxy: a private dir (inventory, config, templates), its file on h1.
pub struct Proxy {
    pub lab: Lab,
    pub dir: tempfile::TempDir,
    pub target: PathBuf,
}

impl Proxy {
    pub fn new(test: &str) -> Proxy {
        let lab = Lab::load();
        let (_, nginx) = lab.nginx();
        let target = nginx.sites_dir.join(format!("fdtp-{test}.conf"));
        let dir = tempfile::Builder::new()
            .prefix(&format!("fdtp-{test}-"))
            .tempdir()
            .expect("tempdir");
        let proxy = Proxy { lab, dir, target };
        proxy.remove_files();
        proxy.write_config("config.toml", "");
        proxy
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn inventory(&self) -> Inventory {
        Inventory::open(&self.path("inv.db")).expect("inventory")
    }

    pub fn nginx_args(&self, first: &[&str]) -> Vec<String> {
        let (_, n) = self.lab.nginx();
        let mut v: Vec<String> = first.iter().map(|s| s.to_string()).collect();
        v.extend([
            "-p".into(),
            n.prefix.display().to_string(),
            "-c".into(),
            n.conf.display().to_string(),
        ]);
        v
    }

    /// A fleet config over the lab with `[proxy]` on h1 writing our file; `extra` lines go
    /// into `[proxy]` (overriding keys is not allowed by TOML, so the defaults are left
    /// out when `extra` names them).
    pub fn write_config(&self, name: &str, extra: &str) -> PathBuf {
        let (_, n) = self.lab.nginx();
        let mut proxy = format!(
            "[inventory]\npath = {:?}\n[proxy]\nnode = \"h1\"\npath = {:?}\nlisten = {:?}\n",
            self.path("inv.db").display().to_string(),
            self.target.display().to_string(),
            n.listen,
        );
        if !extra.contains("test_cmd") {
            proxy.push_str(&format!(
                "test_cmd = {:?}\n",
                self.nginx_args(&["nginx", "-t", "-q"])
            ));
        }
        if !extra.contains("reload_cmd") {
            proxy.push_str(&format!(
                "reload_cmd = {:?}\n",
                self.nginx_args(&["nginx", "-s", "reload"])
            ));
        }
        proxy.push_str(extra);
        let path = self.path(name);
        std::fs::write(&path, self.lab.fleet_config("", &proxy)).expect("config");
        path
    }

    pub fn run_with(&self, config: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .arg("--config")
            .arg(self.path(config))
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", "fdtp-tester")
            .env_remove("SUDO_USER")
            .env_remove("SSH_CONNECTION")
            .env_remove("FLEETDECK_READ_ONLY")
            .output()
            .expect("run fleetdeck")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with("config.toml", args)
    }

    pub fn deployed(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.target).ok()
    }

    fn remove_files(&self) {
        let dir = self.target.parent().expect("sites dir");
        let base = self.target.file_name().expect("name").to_string_lossy();
        let _ = std::fs::remove_file(&self.target);
        for suffix in ["lock", "bak", "new", "run"] {
            let _ = std::fs::remove_file(dir.join(format!(".{base}.fleetdeck-{suffix}")));
        }
    }

    fn reload_nginx(&self) {
        let args = self.nginx_args(&["-s", "reload"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.lab.in_netns("h1", "nginx", &args);
    }

    pub fn last_audit(&self) -> fleetdeck::inventory::AuditEntry {
        self.inventory()
            .audit(1)
            .expect("audit")
            .into_iter()
            .next()
            .expect("an audit row")
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.remove_files();
        self.reload_nginx();
    }
}

/// A Docker network of ours on h1 (VLAN `id`), removed with its containers on drop.
pub struct Net<'a> {
    lab: &'a Lab,
    id: u16,
    containers: Vec<String>,
}

impl<'a> Net<'a> {
    pub fn new(lab: &'a Lab, id: u16) -> Net<'a> {
        let net = Net {
            lab,
            id,
            containers: Vec::new(),
        };
        net.lab.docker("h1", &["network", "rm", &net.name()]);
        let out = lab.docker(
            "h1",
            &[
                "network",
                "create",
                "--driver",
                "bridge",
                "--subnet",
                &format!("10.90.{id}.0/24"),
                "--gateway",
                &format!("10.90.{id}.1"),
                "-o",
                &format!("com.docker.network.bridge.name=fdtp{id}"),
                &net.name(),
            ],
        );
        assert_success(&out, "docker network create");
        net
    }

    fn name(&self) -> String {
        format!("fdtp-net{}", self.id)
    }

    /// A container at 10.90.<id>.<host> serving `page` on `port`.
    pub fn container(&mut self, name: &str, host: u8, page: &str, port: u16) -> String {
        let ip = format!("10.90.{}.{host}", self.id);
        self.lab.docker("h1", &["rm", "-f", name]);
        self.containers.push(name.to_string());
        let out = self.lab.docker(
            "h1",
            &[
                "run",
                "-d",
                "--name",
                name,
                "--network",
                &self.name(),
                "--ip",
                &ip,
                "-e",
                &format!("FDLAB_PAGE={page}"),
                "-e",
                &format!("FDLAB_PORT={port}"),
                &self.lab.image,
            ],
        );
        assert_success(&out, "docker run");
        ip
    }
}

impl Drop for Net<'_> {
    fn drop(&mut self) {
        for c in &self.containers {
            self.lab.docker("h1", &["rm", "-f", c]);
        }
        self.lab.docker("h1", &["network", "rm", &self.name()]);
    }
}

pub fn site(domain: &str, vlan: u16, ip: &str, port: Option<u16>, state: SiteState) -> Site {
    Site {
        domain: domain.into(),
        login: "fdtp".into(),
        vlan,
        node: Some("h1".into()),
        ip: ip.parse().expect("ip"),
        container_id: None,
        image: None,
        port,
        state,
        created_at: now_rfc3339(),
        updated_at: now_rfc3339(),
    }
}

/// `curl -H "Host: domain" http://<nginx>/` from the root namespace.
pub fn curl(lab: &Lab, domain: &str) -> String {
    let (_, n) = lab.nginx();
    let out = Command::new("curl")
        .args(["-s", "--max-time", "5", "-H", &format!("Host: {domain}")])
        .arg(format!("http://{}/", n.listen))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The page for `domain` once it contains `want` (nginx reloads asynchronously).
pub fn served(lab: &Lab, domain: &str, want: &str) -> String {
    retry(Duration::from_secs(10), || {
        Some(curl(lab, domain)).filter(|b| b.contains(want))
    })
    .unwrap_or_else(|| {
        panic!(
            "{domain} never served {want:?}; last: {:?}",
            curl(lab, domain)
        )
    })
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn apply_ok(p: &Proxy) {
    let out = p.run(&["proxy", "apply", "--yes"]);
    let (o, e) = text(&out);
    assert_eq!(code(&out), 0, "apply failed:\n{o}\n{e}");
}

pub const DEFAULT_PAGE: &str = "fdlab nginx on h1";
