//! `fleetdeck tree` against the lab: every collector on real hosts, a host behind a jump
//! host, a host that is down, containers joined with the inventory, VLAN bridges with
//! their ports, libvirt guests, a fact that fails alone, and a real ssh tunnel going up,
//! down and up again.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::lab::Lab;

/// A private HOME and a fleet config over the lab.
struct Fleet {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Fleet {
    fn new(lab: &Lab, extra: &str) -> Fleet {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = lab.fleet_config(
            "",
            &format!("[inventory]\npath = \"inventory.db\"\n{extra}"),
        );
        let config = dir.path().join("fleet.toml");
        std::fs::write(&config, text).expect("config");
        Fleet { dir, config }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env_remove("FLEETDECK_READ_ONLY");
        cmd
    }

    fn tree(&self) -> serde_json::Value {
        let out = self
            .command(&["tree", "--json"])
            .output()
            .expect("run tree");
        assert!(
            out.status.success(),
            "tree failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("tree json")
    }
}

fn node<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["name"] == name))
        .unwrap_or_else(|| panic!("node {name} missing from {doc:#}"))
}

struct Cleanup<F: FnMut()>(F);
impl<F: FnMut()> Drop for Cleanup<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

#[test]
fn every_host_is_read_and_a_dead_one_is_listed_down() {
    let lab = Lab::load();
    let fleet = Fleet::new(
        &lab,
        "[[node]]\nname = \"ghost\"\nssh = \"root@10.77.0.99\"\n",
    );
    let started = Instant::now();
    let doc = fleet.tree();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "a dead node held the command: {:?}",
        started.elapsed()
    );
    assert_eq!(doc["schema_version"], 5);
    for host in &lab.hosts {
        let n = node(&doc, &host.name);
        assert_eq!(n["status"], "up", "{}: {n:#}", host.name);
        assert_eq!(n["facts"]["hostname"], host.hostname.as_str());
        assert_eq!(n["address"], host.ip.as_str());
        assert!(
            n["facts"]["os"]
                .as_str()
                .is_some_and(|o| o.contains("Debian")),
            "{n:#}"
        );
        let bridges = n["bridges"].as_array().expect("bridges");
        assert!(
            bridges.iter().any(|b| b["name"] == "docker0"),
            "{}: {bridges:?}",
            host.name
        );
        assert_eq!(n["fact_errors"], serde_json::json!([]), "{}", host.name);
    }
    let ghost = node(&doc, "ghost");
    assert_eq!(ghost["status"], "down");
    assert!(
        ghost["error"]
            .as_str()
            .is_some_and(|e| e.contains("10.77.0.99")),
        "{ghost:#}"
    );

    let text = fleet
        .command(&["tree", "--ascii"])
        .output()
        .expect("text tree");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("ghost [down] 10.77.0.99"), "{text}");
    assert!(
        text.contains("`-- ") && !text.contains("└"),
        "ASCII only: {text}"
    );
}

#[test]
fn containers_on_vlan_networks_are_joined_with_the_inventory() {
    let lab = Lab::load();
    let pid = std::process::id();
    let net = format!("fdt{}", pid % 100000);
    let bridge = format!("fdtbr{}", pid % 100000);
    let name = format!("fd-tree{pid}.example.org");
    let cleanup = || {
        lab.docker("h1", &["rm", "-f", &name]);
        lab.docker("h1", &["network", "rm", &net]);
    };
    cleanup();
    let _guard = Cleanup(cleanup);
    let out = lab.docker(
        "h1",
        &[
            "network",
            "create",
            "--driver",
            "bridge",
            "--subnet",
            "10.99.0.0/24",
            "--gateway",
            "10.99.0.254",
            "-o",
            &format!("com.docker.network.bridge.name={bridge}"),
            &net,
        ],
    );
    assert!(
        out.status.success(),
        "network: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = lab.docker(
        "h1",
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            &net,
            "--ip",
            "10.99.0.10",
            "--label",
            &format!("fleetdeck.domain=tree{pid}.example.org"),
            &lab.image,
        ],
    );
    assert!(
        out.status.success(),
        "run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stopped = format!("{name}-stopped");
    let _stopped_guard = Cleanup(|| {
        lab.docker("h1", &["rm", "-f", &stopped]);
    });
    let out = lab.docker("h1", &["create", "--name", &stopped, &lab.image]);
    assert!(out.status.success());

    let fleet = Fleet::new(
        &lab,
        &format!(
            "[[vlan]]\nid = 99\nnode = \"h1\"\nsubnet = \"10.99.0.0/24\"\ngateway = \"10.99.0.254\"\nnetwork = {net:?}\n"
        ),
    );
    // An inventory row for the site, as `import-legacy` would have written it.
    let legacy = fleet.dir.path().join("projet.db");
    let conn = rusqlite::Connection::open(&legacy).expect("legacy");
    conn.execute_batch(&format!(
        "CREATE TABLE users(login varchar(10), vlan int, docker_ip varchar(15), domain varchar(50) primary key);
         INSERT INTO users VALUES ('alice', 99, '10.99.0.10', 'tree{pid}.example.org');"
    ))
    .expect("legacy rows");
    drop(conn);
    let out = fleet
        .command(&["inventory", "import-legacy", legacy.to_str().expect("utf8")])
        .output()
        .expect("import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let doc = fleet.tree();
    let h1 = node(&doc, "h1");
    let containers = h1["containers"].as_array().expect("containers");
    let c = containers
        .iter()
        .find(|c| c["name"] == name.as_str())
        .unwrap_or_else(|| panic!("{containers:#?}"));
    assert_eq!(c["state"], "running");
    assert_eq!(c["ip"], "10.99.0.10");
    assert_eq!(c["network"], net.as_str());
    assert_eq!(c["domain"], format!("tree{pid}.example.org"));
    assert_eq!(c["login"], "alice");
    assert_eq!(c["vlan"], 99);
    let s = containers
        .iter()
        .find(|c| c["name"] == stopped.as_str())
        .expect("stopped container listed");
    assert_eq!(s["state"], "created");
    let bridges = h1["bridges"].as_array().expect("bridges");
    let b = bridges
        .iter()
        .find(|b| b["name"] == bridge.as_str())
        .unwrap_or_else(|| panic!("{bridges:#?}"));
    assert_eq!(b["addresses"], serde_json::json!(["10.99.0.254/24"]));
    assert_eq!(
        b["ports"].as_array().map(Vec::len),
        Some(1),
        "the container's veth: {b:#}"
    );
}

#[test]
fn guests_and_a_fact_that_fails_alone() {
    let lab = Lab::load();
    // h2 claims to be a Xen host, which it is not: its guests fact fails, nothing else.
    let fleet = Fleet::new(
        &lab,
        "[[node]]\nname = \"virt\"\nhypervisor = \"kvm\"\nlibvirt_uri = \"test:///default\"\ndocker = \"none\"\n",
    );
    let text = std::fs::read_to_string(&fleet.config).expect("config");
    std::fs::write(
        &fleet.config,
        text.replacen("ssh = \"h2\"\n", "ssh = \"h2\"\nhypervisor = \"xen\"\n", 1),
    )
    .expect("rewrite");
    let doc = fleet.tree();
    let virt = node(&doc, "virt");
    assert_eq!(virt["status"], "up");
    let guests = virt["guests"].as_array().expect("guests");
    assert!(
        guests
            .iter()
            .any(|g| g["name"] == "test" && g["state"] == "running"),
        "{guests:#?}"
    );
    let h2 = node(&doc, "h2");
    assert_eq!(
        h2["status"], "up",
        "one failed fact does not make a node down"
    );
    let errors = h2["fact_errors"].as_array().expect("fact errors");
    assert!(
        errors
            .iter()
            .any(|e| e["fact"] == "guests"
                && e["message"].as_str().is_some_and(|m| m.contains("xl"))),
        "{errors:#?}"
    );
    assert!(
        h2["facts"]["hostname"] == "h2" && !h2["bridges"].as_array().expect("bridges").is_empty()
    );
}

/// `ssh -N -R PORT:localhost:22 h1`, run from h2's namespace.
fn start_tunnel(lab: &Lab, port: u16) -> Child {
    let h2 = lab.host("h2");
    Command::new("nsenter")
        .arg(format!("--net=/run/netns/{}", h2.netns))
        .args(["--", "ssh", "-F"])
        .arg(&lab.ssh_config)
        .args([
            "-N",
            "-o",
            "ExitOnForwardFailure=yes",
            "-R",
            &format!("{port}:localhost:22"),
            "h1",
        ])
        .stdin(Stdio::null())
        .spawn()
        .expect("ssh tunnel")
}

fn tunnel_status(fleet: &Fleet) -> (String, String) {
    let doc = fleet.tree();
    let h2 = node(&doc, "h2");
    let t = h2["tunnels"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "back"))
        .unwrap_or_else(|| panic!("tunnel missing: {h2:#}"))
        .clone();
    (
        t["status"].as_str().unwrap_or_default().to_string(),
        t["detail"].as_str().unwrap_or_default().to_string(),
    )
}

fn wait_status(fleet: &Fleet, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, detail) = tunnel_status(fleet);
        if status == want {
            return detail;
        }
        assert!(
            Instant::now() < deadline,
            "tunnel never became {want}: {status} ({detail})"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_real_tunnel_shows_up_down_and_up_again() {
    let lab = Lab::load();
    let port = 20000 + (std::process::id() % 10000) as u16;
    let fleet = Fleet::new(
        &lab,
        &format!(
            "[[tunnel]]\nname = \"back\"\nnode = \"h2\"\nkind = \"remote\"\nlisten = \"{port}\"\ntarget = \"localhost:22\"\nvia = \"h1\"\n"
        ),
    );
    assert_eq!(tunnel_status(&fleet).0, "down", "no tunnel yet");
    let mut tunnel = start_tunnel(&lab, port);
    let detail = wait_status(&fleet, "up");
    assert!(
        detail.contains(&format!("port {port} listening on h1")),
        "{detail}"
    );
    tunnel.kill().expect("kill tunnel");
    tunnel.wait().expect("reap");
    wait_status(&fleet, "down");
    let mut again = start_tunnel(&lab, port);
    let _reap = Cleanup(move || {
        let _ = again.kill();
        let _ = again.wait();
    });
    wait_status(&fleet, "up");
}

#[test]
fn the_text_tree_uses_utf8_branches_on_a_utf8_locale() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "");
    let out = fleet
        .command(&["tree"])
        .env("LANG", "C.UTF-8")
        .output()
        .expect("tree");
    let text = String::from_utf8_lossy(&out.stdout);
    for host in &lab.hosts {
        assert!(
            text.contains(&format!("{} [up] {}", host.name, host.ip)),
            "{text}"
        );
    }
    assert!(
        text.contains("└── "),
        "UTF-8 branches on a UTF-8 locale: {text}"
    );
}
