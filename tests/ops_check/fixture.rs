//! A check scenario on the lab: this test's own VLAN networks, containers, inventory rows,
//! DNS records and proxy file, all named `fdtc-<tag>…` and all removed on drop.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use fleetdeck::inventory::{Inventory, Site, SiteState};
use serde_json::Value;

use crate::support::lab::{Lab, assert_success, retry, run};

/// Held shared by every test, exclusively by the one that stops a node's sshd.
static FLEET: RwLock<()> = RwLock::new(());
/// Serializes edits of the lab's dnsmasq hosts file within this binary.
static DNS: Mutex<()> = Mutex::new(());

pub fn shared() -> RwLockReadGuard<'static, ()> {
    FLEET.read().unwrap_or_else(|e| e.into_inner())
}

pub fn exclusive() -> RwLockWriteGuard<'static, ()> {
    FLEET.write().unwrap_or_else(|e| e.into_inner())
}

/// Label on every container a test starts, for cleanup.
const TEST_LABEL: &str = "fdtc.test";

pub struct Vlan {
    pub id: u16,
    pub host: &'static str,
    /// The /24 prefix, e.g. "10.90.130".
    pub net: &'static str,
}

impl Vlan {
    pub fn network(&self) -> String {
        format!("fdtc{}", self.id)
    }

    pub fn ip(&self, last: u8) -> String {
        format!("{}.{last}", self.net)
    }
}

pub struct Fixture {
    pub lab: Lab,
    tag: String,
    vlans: Vec<Vlan>,
    dir: tempfile::TempDir,
    config: PathBuf,
    dns_names: RefCell<BTreeSet<String>>,
}

impl Fixture {
    /// Networks for `vlans` on their hosts, and a config naming them plus `tables`.
    pub fn new(tag: &str, vlans: Vec<Vlan>, tables: &str) -> Fixture {
        let lab = Lab::load();
        let dir = tempfile::tempdir().expect("tempdir");
        let fx = Fixture {
            lab,
            tag: tag.to_string(),
            vlans,
            config: dir.path().join("fleet.toml"),
            dir,
            dns_names: RefCell::new(BTreeSet::new()),
        };
        fx.remove_docker_objects();
        for v in &fx.vlans {
            let net = v.network();
            fx.docker(
                v.host,
                &[
                    "network",
                    "create",
                    "--driver",
                    "bridge",
                    "--subnet",
                    &format!("{}.0/24", v.net),
                    "--gateway",
                    &v.ip(1),
                    "-o",
                    &format!("com.docker.network.bridge.name={net}"),
                    &net,
                ],
            );
        }
        fx.write_config(tables);
        fx
    }

    /// (Re)write the config: the lab's nodes, this test's inventory and VLANs, `tables`.
    pub fn write_config(&self, tables: &str) {
        let mut text = format!("[inventory]\npath = {:?}\n", self.inventory_path());
        for v in &self.vlans {
            let net = v.network();
            text.push_str(&format!(
                "[[vlan]]\nid = {}\nnode = {:?}\nsubnet = \"{}.0/24\"\ngateway = {:?}\nbridge = {net:?}\nnetwork = {net:?}\n",
                v.id, v.host, v.net, v.ip(1)
            ));
        }
        text.push_str(tables);
        std::fs::write(&self.config, self.lab.fleet_config("", &text)).expect("config");
    }

    pub fn vlan(&self, id: u16) -> &Vlan {
        self.vlans
            .iter()
            .find(|v| v.id == id)
            .expect("a vlan of this test")
    }

    pub fn domain(&self, name: &str) -> String {
        format!("fdtc-{}-{name}.lab", self.tag)
    }

    fn inventory_path(&self) -> PathBuf {
        self.dir.path().join("inventory.db")
    }

    /// `docker <args>` on `host`, which must succeed.
    pub fn docker(&self, host: &str, args: &[&str]) -> Output {
        let out = self.lab.docker(host, args);
        assert_success(&out, &format!("docker {} on {host}", args.join(" ")));
        out
    }

    /// An active inventory row.
    pub fn row(&self, domain: &str, vlan: u16, ip: &str) {
        let now = "2025-01-01T00:00:00Z".to_string();
        Inventory::open(&self.inventory_path())
            .expect("inventory")
            .insert_site(&Site {
                domain: domain.into(),
                login: "fdtc".into(),
                vlan,
                node: None,
                ip: ip.parse().expect("ip"),
                container_id: None,
                image: Some(self.lab.image.clone()),
                port: None,
                state: SiteState::Active,
                created_at: now.clone(),
                updated_at: now,
            })
            .expect("insert site");
    }

    /// A container as fleetdeck creates it: `fd-<domain>`, labels, static IP on the VLAN.
    pub fn container(&self, domain: &str, vlan: u16, ip: &str) {
        self.container_with(domain, vlan, ip, &[]);
    }

    /// [`Fixture::container`] with more `docker run` options (a healthcheck...).
    pub fn container_with(&self, domain: &str, vlan: u16, ip: &str, options: &[&str]) {
        let v = self.vlan(vlan);
        let (name, network) = (format!("fd-{domain}"), v.network());
        let labels = [
            format!("{TEST_LABEL}={}", self.tag),
            format!("fleetdeck.domain={domain}"),
            "fleetdeck.login=fdtc".to_string(),
            format!("fleetdeck.vlan={vlan}"),
        ];
        let mut args = vec![
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            &network,
            "--ip",
            ip,
        ];
        for label in &labels {
            args.extend(["--label", label.as_str()]);
        }
        args.extend(options);
        args.push(&self.lab.image);
        self.docker(v.host, &args);
    }

    /// A row and its running container.
    pub fn site(&self, name: &str, vlan: u16, last: u8) -> String {
        let domain = self.domain(name);
        let ip = self.vlan(vlan).ip(last);
        self.row(&domain, vlan, &ip);
        self.container(&domain, vlan, &ip);
        domain
    }

    /// Give a running container another address on its VLAN network, out of band.
    pub fn move_ip(&self, domain: &str, vlan: u16, ip: &str) {
        let v = self.vlan(vlan);
        let name = format!("fd-{domain}");
        self.docker(v.host, &["network", "disconnect", &v.network(), &name]);
        self.docker(
            v.host,
            &["network", "connect", "--ip", ip, &v.network(), &name],
        );
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env_remove("FLEETDECK_READ_ONLY");
        cmd
    }

    /// `fleetdeck [global] check --json`: exit code and document.
    pub fn check(&self, global: &[&str]) -> (i32, Value) {
        let mut args = global.to_vec();
        args.extend(["check", "--json"]);
        let out = run(&mut self.command(&args));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "check --json printed no JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_eq!(doc["schema_version"], 1, "{doc:#}");
        (out.status.code().expect("exit code"), doc)
    }

    /// `fleetdeck check` (text): exit code and stdout.
    pub fn check_text(&self) -> (i32, String) {
        let out = run(&mut self.command(&["check"]));
        (
            out.status.code().expect("exit code"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// The proxy file of this test: under the lab nginx prefix but outside `sites/`, so
    /// nginx never loads it.
    pub fn proxy_path(&self) -> PathBuf {
        let (_, nginx) = self.lab.nginx();
        nginx.prefix.join(format!("fdtc-{}.conf", self.tag))
    }

    pub fn write_proxy(&self, rules: &[(&str, &str)]) {
        let text: String = rules
            .iter()
            .map(|(domain, ip)| {
                format!(
                    "server {{\n    listen 80;\n    server_name {domain};\n    location / {{\n        proxy_pass http://{ip}:80;\n        proxy_set_header Host $host;\n    }}\n}}\n"
                )
            })
            .collect();
        std::fs::write(self.proxy_path(), text).expect("proxy file");
    }

    /// Point `name` at `ip` (or remove it) in the lab's dnsmasq, and wait until it answers so.
    pub fn dns(&self, name: &str, ip: Option<&str>) {
        let _serial = dns_lock();
        self.dns_names.borrow_mut().insert(name.to_string());
        let (_, dns) = self.lab.dns();
        edit_hosts(
            &dns.hosts_file,
            |line| !names_in(line).contains(&name),
            ip.map(|ip| format!("{ip} {name}")),
        );
        self.reload_dns();
        let want: Vec<String> = ip.map(String::from).into_iter().collect();
        retry(Duration::from_secs(10), || {
            (self.resolve(name) == want).then_some(())
        })
        .unwrap_or_else(|| panic!("dnsmasq does not answer {name} -> {want:?}"));
    }

    fn reload_dns(&self) {
        let (_, dns) = self.lab.dns();
        let pid = std::fs::read_to_string(&dns.pid_file).expect("dnsmasq pid file");
        assert_success(
            &run(Command::new("kill").args(["-HUP", pid.trim()])),
            "SIGHUP dnsmasq",
        );
    }

    /// A records of `name` on the lab's dnsmasq (empty when it has none).
    fn resolve(&self, name: &str) -> Vec<String> {
        let (_, dns) = self.lab.dns();
        let out = run(Command::new("busybox").args(["nslookup", "-type=a", name, &dns.server]));
        let text = String::from_utf8_lossy(&out.stdout);
        text.split("Name:")
            .skip(1)
            .flat_map(|block| {
                block
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix("Address:"))
                    .map(|a| a.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn remove_docker_objects(&self) {
        for host in ["h1", "h2"] {
            let ids = self.lab.docker(
                host,
                &[
                    "ps",
                    "-aq",
                    "--filter",
                    &format!("label={TEST_LABEL}={}", self.tag),
                ],
            );
            for id in String::from_utf8_lossy(&ids.stdout).split_whitespace() {
                self.lab.docker(host, &["rm", "-f", id]);
            }
        }
        for v in &self.vlans {
            self.lab.docker(v.host, &["network", "rm", &v.network()]);
        }
    }
}

fn dns_lock() -> MutexGuard<'static, ()> {
    DNS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The names of an addn-hosts line (none for comments).
fn names_in(line: &str) -> Vec<&str> {
    let line = line.split('#').next().unwrap_or("");
    line.split_whitespace().skip(1).collect()
}

/// Keep the lines `keep` accepts, then add `add`. Other engineers' tests share the file:
/// only lines naming our own names are ever touched.
fn edit_hosts(path: &std::path::Path, keep: impl Fn(&str) -> bool, add: Option<String>) {
    let text = std::fs::read_to_string(path).expect("dns hosts file");
    let mut out: String = text
        .lines()
        .filter(|l| keep(l))
        .map(|l| format!("{l}\n"))
        .collect();
    if let Some(line) = add {
        out.push_str(&line);
        out.push('\n');
    }
    let mut file = std::fs::File::create(path).expect("rewrite dns hosts");
    file.write_all(out.as_bytes()).expect("write dns hosts");
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.remove_docker_objects();
        let _ = std::fs::remove_file(self.proxy_path());
        let names = self.dns_names.borrow().clone();
        if !names.is_empty() {
            let _serial = dns_lock();
            let (_, dns) = self.lab.dns();
            edit_hosts(
                &dns.hosts_file,
                |l| !names_in(l).iter().any(|n| names.contains(*n)),
                None,
            );
            self.reload_dns();
        }
    }
}

/// The findings of a check document as (kind, severity, domain, node, expected, actual).
pub fn findings(doc: &Value) -> Vec<[String; 6]> {
    let s = |v: &Value| v.as_str().map(String::from).unwrap_or_else(|| "-".into());
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            [
                s(&f["kind"]),
                s(&f["severity"]),
                s(&f["domain"]),
                s(&f["node"]),
                s(&f["expected"]),
                s(&f["actual"]),
            ]
        })
        .collect()
}

pub fn row(cells: [&str; 6]) -> [String; 6] {
    cells.map(String::from)
}

pub fn summary(doc: &Value) -> [u64; 4] {
    let s = &doc["summary"];
    ["sites", "ok", "problems", "unreachable"].map(|k| s[k].as_u64().expect("summary count"))
}
