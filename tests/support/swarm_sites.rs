//! The lab swarm as the swarm sites' tests (`tests/swarm_sites.rs`) use it: a config of
//! s1..s3 (s1 the manager of `[[swarm]] fdss`), h1 as the proxy node, one swarm VLAN per
//! test, and the engine's own view to check fleetdeck against. Every call is bounded.

// Only `tests/swarm_sites.rs` uses these.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use fleetdeck::inventory::Inventory;
use serde_json::Value;

use super::lab::{Lab, assert_success, retry, run_with_timeout, stdout};
use super::swarm::SwarmLab;

pub const NAMES: [&str; 3] = ["ss-one", "ss-two", "ss-three"];
/// A site's tasks may take a while to be scheduled and started on the workers.
pub const TASKS_UP: Duration = Duration::from_secs(90);

pub struct Setup {
    pub lab: Lab,
    pub swarm: SwarmLab,
    pub dir: tempfile::TempDir,
    /// Unique per test: names the VLAN's network, the domain and the proxy file.
    pub tag: String,
    pub vlan: u16,
    pub proxy_file: PathBuf,
}

impl Setup {
    /// A config of the three swarm hosts (the first the manager of `[[swarm]] fdss`), h1 as
    /// the proxy node, and one swarm VLAN `vlan` on 10.93.<n>.0/24 with ports 2n000-2n099.
    pub fn new(n: u8) -> Setup {
        let lab = Lab::load();
        let swarm = SwarmLab::load();
        let dir = tempfile::Builder::new()
            .prefix("fdss-")
            .tempdir()
            .expect("tempdir");
        let tag = format!("fdss-{}-{n}", std::process::id());
        let vlan = 390 + u16::from(n);
        let (_, nginx) = lab.nginx();
        let proxy_file = nginx.sites_dir.join(format!("{tag}.conf"));
        // One ssh_config holding both labs' Host blocks (h1, and s1..s3).
        let mut ssh = std::fs::read_to_string(&lab.ssh_config).expect("lab ssh_config");
        ssh.push('\n');
        ssh.push_str(&std::fs::read_to_string(&swarm.ssh_config).expect("swarm ssh_config"));
        let ssh_path = dir.path().join("ssh_config");
        std::fs::write(&ssh_path, ssh).expect("write ssh_config");
        let nginx_args = |first: &[&str]| {
            let mut v: Vec<String> = first.iter().map(|s| s.to_string()).collect();
            v.extend([
                "-p".into(),
                nginx.prefix.display().to_string(),
                "-c".into(),
                nginx.conf.display().to_string(),
            ]);
            v
        };
        let h1 = lab.host("h1");
        let mut config = swarm.fleet_config(
            &NAMES,
            &format!(
                "[[node]]\nname = \"h1\"\nssh = \"h1\"\ndocker = \"ssh\"\ndocker_socket = {:?}\n\
                 [inventory]\npath = {:?}\n\
                 [[swarm]]\nname = \"fdss\"\nmanagers = [{:?}]\n\
                 [[vlan]]\nid = {vlan}\nswarm = \"fdss\"\nsubnet = \"10.93.{n}.0/24\"\ngateway = \"10.93.{n}.1\"\n\
                 network = {tag:?}\nports = \"2{n}000-2{n}099\"\n\
                 [containers]\nimage = {:?}\nport = 80\n\
                 [proxy]\nnode = \"h1\"\npath = {:?}\nlisten = {:?}\ntest_cmd = {:?}\nreload_cmd = {:?}\n",
                h1.docker_socket.display().to_string(),
                dir.path().join("inventory.db").display().to_string(),
                NAMES[0],
                swarm.image,
                proxy_file.display().to_string(),
                nginx.listen,
                nginx_args(&["nginx", "-t", "-q"]),
                nginx_args(&["nginx", "-s", "reload"]),
            ),
        );
        config = config.replace(
            &format!("config = {:?}", swarm.ssh_config.display().to_string()),
            &format!("config = {:?}", ssh_path.display().to_string()),
        );
        std::fs::write(dir.path().join("config.toml"), config).expect("write config");
        Setup {
            lab,
            swarm,
            dir,
            tag,
            vlan,
            proxy_file,
        }
    }

    pub fn domain(&self) -> String {
        format!("{}.swarm.test", self.tag)
    }

    pub fn service(&self) -> String {
        fleetdeck::validate::service_name_for(&self.domain())
    }

    pub fn fleetdeck(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("USER", "fdss-tester")
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("FLEETDECK_READ_ONLY")
            .env_remove("FLEETDECK_CONFIG");
        run_with_timeout(&mut cmd, Duration::from_secs(120))
    }

    pub fn create(&self, replicas: &str) -> Output {
        self.fleetdeck(&[
            "create",
            "--login",
            "fdss",
            "--vlan",
            &self.vlan.to_string(),
            "--domain",
            &self.domain(),
            "--replicas",
            replicas,
            "--yes",
        ])
    }

    pub fn inventory(&self) -> Inventory {
        Inventory::open(&self.dir.path().join("inventory.db")).expect("inventory")
    }

    pub fn manager_docker(&self, args: &[&str]) -> Output {
        self.swarm.docker(&self.swarm.manager, args)
    }

    /// Removes what a test may leave: the service, the VLAN's network, the proxy file.
    pub fn cleanup(&self) {
        let out = self.manager_docker(&["service", "rm", &self.service()]);
        if out.status.success() {
            eprintln!("cleanup: removed service {}", self.service());
        }
        // The network goes once the tasks' endpoints are gone.
        retry(Duration::from_secs(30), || {
            let out = self.manager_docker(&["network", "rm", &self.tag]);
            // Gone when removed now, or when there is none to inspect.
            let gone = out.status.success()
                || !self
                    .manager_docker(&["network", "inspect", &self.tag])
                    .status
                    .success();
            if !gone {
                eprintln!(
                    "cleanup: network rm {}: {}",
                    self.tag,
                    String::from_utf8_lossy(&out.stderr)
                );
                std::thread::sleep(Duration::from_millis(500));
            }
            gone.then_some(())
        })
        .unwrap_or_else(|| eprintln!("cleanup: network {} could not be removed", self.tag));
        if std::fs::remove_file(&self.proxy_file).is_ok() {
            let (_, n) = self.lab.nginx();
            let args = [
                "-s".to_string(),
                "reload".into(),
                "-p".into(),
                n.prefix.display().to_string(),
                "-c".into(),
                n.conf.display().to_string(),
            ];
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            self.lab.in_netns("h1", "nginx", &args);
        }
    }

    /// `node address:port` of every node running one of the service's tasks.
    pub fn running_on(&self, port: u16) -> BTreeSet<String> {
        let out = self.manager_docker(&[
            "service",
            "ps",
            &self.service(),
            "--filter",
            "desired-state=running",
            "--format",
            "{{.Node}} {{.CurrentState}}",
        ]);
        assert_success(&out, "docker service ps");
        stdout(&out)
            .lines()
            .filter(|l| l.contains("Running"))
            .filter_map(|l| l.split_whitespace().next())
            .map(|host| format!("{}:{port}", self.swarm.host(host).ip))
            .collect()
    }

    /// The hostnames (short container ids) of the service's task containers on all hosts.
    pub fn task_hostnames(&self) -> BTreeSet<String> {
        let filter = format!("label=com.docker.swarm.service.name={}", self.service());
        self.swarm
            .hosts
            .iter()
            .flat_map(|h| {
                let out = self
                    .swarm
                    .docker(&h.name, &["ps", "--filter", &filter, "--format", "{{.ID}}"]);
                stdout(&out).lines().map(str::to_string).collect::<Vec<_>>()
            })
            .collect()
    }

    pub fn check(&self) -> (Option<i32>, Value) {
        let out = self.fleetdeck(&["check", "--json"]);
        let doc = serde_json::from_str(&String::from_utf8_lossy(&out.stdout))
            .unwrap_or_else(|e| panic!("check --json is not JSON ({e}): {out:?}"));
        (out.status.code(), doc)
    }

    /// The findings of `check --json` about this test's site or service.
    pub fn our_findings(&self, doc: &Value) -> Vec<Value> {
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| {
                f["domain"] == self.domain().as_str()
                    || f["message"]
                        .as_str()
                        .is_some_and(|m| m.contains(&self.service()))
            })
            .cloned()
            .collect()
    }
}

/// curl through h1's nginx with `Host: domain`, from the root namespace.
pub fn curl(lab: &Lab, domain: &str) -> String {
    let (_, n) = lab.nginx();
    let out = run_with_timeout(
        Command::new("curl")
            .args(["-s", "--max-time", "5", "-H", &format!("Host: {domain}")])
            .arg(format!("http://{}/", n.listen)),
        Duration::from_secs(10),
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Something outside the swarm listening on `port` in a swarm host's network namespace
/// (a python socket, at most 300 s), as an admin's stray process would; killed on drop.
pub struct PortHolder {
    child: Child,
    pub host: String,
    pub port: u16,
}

impl PortHolder {
    pub fn hold(swarm: &SwarmLab, host: &str, port: u16) -> PortHolder {
        PortHolder::try_hold(swarm, host, port).unwrap_or_else(|why| panic!("{why}"))
    }

    /// [`PortHolder::hold`], trying again for up to 30 s while the port is still held
    /// (a task being shut down keeps its proxy until its container is gone).
    pub fn hold_when_free(swarm: &SwarmLab, host: &str, port: u16) -> PortHolder {
        retry(Duration::from_secs(30), || {
            PortHolder::try_hold(swarm, host, port).ok()
        })
        .unwrap_or_else(|| PortHolder::hold(swarm, host, port))
    }

    pub fn try_hold(swarm: &SwarmLab, host: &str, port: u16) -> Result<PortHolder, String> {
        let h = swarm.host(host);
        let code = format!(
            "import socket,sys,time\n\
             s=socket.socket()\n\
             s.bind(('0.0.0.0',{port}))\n\
             s.listen(1)\n\
             print('ready',flush=True)\n\
             time.sleep(300)\n"
        );
        let mut child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", h.netns))
            .args(["--", "/usr/bin/python3", "-c", &code])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start a listener on {host}:{port}: {e}"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        // Bounded: the listener says `ready` or exits (bind failed) at once.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let mut holder = PortHolder {
            child,
            host: host.to_string(),
            port,
        };
        if line.trim() != "ready" {
            holder.release();
            return Err(format!(
                "the listener on {host}:{port} did not start (said {line:?})"
            ));
        }
        Ok(holder)
    }

    pub fn release(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PortHolder {
    fn drop(&mut self) {
        self.release();
    }
}

/// The published ports of every service on the swarm (`docker service ls`).
pub fn swarm_published_ports(swarm: &SwarmLab) -> BTreeSet<u16> {
    let out = swarm.docker(&swarm.manager, &["service", "ls", "--format", "{{.Ports}}"]);
    assert_success(&out, "docker service ls");
    stdout(&out)
        .split([',', ' ', '\n'])
        .filter_map(|p| p.trim().strip_prefix("*:"))
        .filter_map(|p| p.split("->").next()?.parse().ok())
        .collect()
}
