//! Secrets and permissions, on the lab. A session at the most verbose log level — `tree`
//! over SSH with an ed25519 and an RSA key, h2's Docker engine over mutual TLS, then a
//! `create` and a `delete` — must leave no key material in the log file; the inventory,
//! an `init` config and the log are readable by their owner only; and Docker's TLS is
//! verified (a wrong CA is refused). VLAN 142 on h1, names `fdth-sec*`.

mod support;

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use support::fleet::{TestFleet, code, text, tree_node};
use support::lab::{Lab, defer};

const VLAN: u16 = 142;
const DOMAIN: &str = "fdth-sec.lab";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A config whose h2 reaches Docker over TLS with `ca`, `cert`, `key`; h1 and h3 over
/// SSH with the identity in `ssh_config`.
fn config(fleet: &TestFleet, ssh_config: &Path, ca: &Path) -> String {
    let lab = &fleet.lab;
    let (h2, tls) = lab.docker_tls();
    format!(
        "[inventory]\npath = {inv:?}\n[ssh]\nconfig = {ssh:?}\nconnect_timeout_secs = 3\n\
         [containers]\nimage = {image:?}\n\
         [[node]]\nname = \"h1\"\nssh = \"h1\"\ndocker = \"ssh\"\ndocker_socket = {s1:?}\n\
         [[node]]\nname = {h2:?}\nssh = {h2:?}\ndocker = {addr:?}\n\
         tls = {{ ca = {ca:?}, cert = {cert:?}, key = {key:?} }}\n\
         [[node]]\nname = \"h3\"\nssh = \"h3\"\njump = \"h1\"\ndocker = \"ssh\"\ndocker_socket = {s3:?}\n\
         [[vlan]]\nid = {VLAN}\nnode = \"h1\"\nsubnet = \"10.90.{VLAN}.0/24\"\ngateway = \"10.90.{VLAN}.1\"\n\
         bridge = \"fdth{VLAN}\"\nnetwork = \"fdth-vlan{VLAN}\"\n",
        inv = fleet.path("inv/inventory.db").display().to_string(),
        ssh = ssh_config.display().to_string(),
        image = lab.image,
        s1 = lab.host("h1").docker_socket.display().to_string(),
        h2 = h2.name,
        addr = tls.addr,
        ca = ca.display().to_string(),
        cert = tls.cert.display().to_string(),
        key = tls.key.display().to_string(),
        s3 = lab.host("h3").docker_socket.display().to_string(),
    )
}

/// The base64 body of a PEM or OpenSSH private key file (the lines between the armour).
fn key_body(path: &Path) -> String {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .collect();
    assert!(body.len() > 64, "{} has no key body", path.display());
    body
}

/// Every 16-character window of `secret` found in `log`, as (window, log offset).
fn leaks(secret: &str, log: &[u8]) -> Vec<(String, usize)> {
    const W: usize = 16;
    let windows: HashSet<&[u8]> = secret.as_bytes().windows(W).collect();
    log.windows(W)
        .enumerate()
        .filter(|(_, w)| windows.contains(w))
        .map(|(at, w)| (String::from_utf8_lossy(w).into_owned(), at))
        .take(5)
        .collect()
}

#[test]
fn a_trace_level_session_logs_no_key_material() {
    let fleet = TestFleet::new(Lab::load(), "fdth-sec-");
    let lab = &fleet.lab;
    let name = format!("fd-{DOMAIN}");
    let network = format!("fdth-vlan{VLAN}");
    let _clean = defer(|| {
        let _ = lab.docker("h1", &["rm", "-f", &name]);
        let _ = lab.docker("h1", &["network", "rm", &network]);
    });
    let (_, tls) = lab.docker_tls();
    let ed25519 = fleet.ssh_config().to_path_buf();
    let rsa = fleet.path("ssh_config_rsa");
    std::fs::write(
        &rsa,
        std::fs::read_to_string(&ed25519)
            .expect("ssh_config")
            .replace(
                &lab.audit_key().display().to_string(),
                &lab.client_rsa_key.display().to_string(),
            ),
    )
    .expect("rsa ssh_config");
    std::fs::write(fleet.path("ed.toml"), config(&fleet, &ed25519, &tls.ca)).expect("config");
    std::fs::write(fleet.path("rsa.toml"), config(&fleet, &rsa, &tls.ca)).expect("config");

    let trace = |config: &str, args: &[&str]| {
        let mut cmd = fleet.command(config, args);
        cmd.env("FLEETDECK_LOG", "trace");
        support::lab::run_with_timeout(&mut cmd, std::time::Duration::from_secs(120))
    };
    for config in ["ed.toml", "rsa.toml"] {
        let out = trace(config, &["tree", "--json"]);
        assert_eq!(code(&out), 0, "{config}: {}", text(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        for host in ["h1", "h2", "h3"] {
            let node = tree_node(&doc, host);
            assert_eq!(node["status"], "up", "{config} {host}: {node}");
            assert!(
                node["fact_errors"].as_array().is_none_or(Vec::is_empty),
                "{config} {host}: {node}"
            );
        }
    }
    let vlan = VLAN.to_string();
    let out = trace(
        "ed.toml",
        &[
            "create", "--login", "fdthsec", "--vlan", &vlan, "--domain", DOMAIN, "--yes",
        ],
    );
    assert_eq!(code(&out), 0, "create: {}", text(&out));
    let out = trace("ed.toml", &["delete", DOMAIN, "--yes"]);
    assert_eq!(code(&out), 0, "delete: {}", text(&out));

    let log_path = fleet.log_file();
    let log = std::fs::read(&log_path).expect("the log file");
    assert!(
        log.len() > 10_000,
        "a trace session wrote only {} bytes of log",
        log.len()
    );
    let log_text = String::from_utf8_lossy(&log);
    assert!(
        log_text.contains("TRACE"),
        "FLEETDECK_LOG=trace was not applied"
    );
    assert!(
        !log_text.contains("PRIVATE KEY"),
        "the log mentions a PRIVATE KEY"
    );
    // The scan can see a leak: one window of a key, anywhere in a log, is found.
    let body = key_body(lab.audit_key());
    let planted = format!("INFO x: {}\n", &body[40..56]);
    assert_eq!(
        leaks(&body, planted.as_bytes()).len(),
        1,
        "the leak scan is blind"
    );
    let keys: [PathBuf; 3] = [
        lab.audit_key().to_path_buf(),
        lab.client_rsa_key.clone(),
        tls.key.clone(),
    ];
    for key in &keys {
        let found = leaks(&key_body(key), &log);
        assert!(
            found.is_empty(),
            "{} leaks into {} (window, offset): {found:?}",
            key.display(),
            log_path.display()
        );
    }
    eprintln!("figure: trace log of the session: {} bytes", log.len());

    // Owner-only files, whatever the umask.
    let inventory = fleet.path("inv/inventory.db");
    assert_eq!(mode(&inventory), 0o600, "{}", inventory.display());
    assert_eq!(mode(&fleet.path("inv")), 0o700, "the inventory directory");
    for side in ["inventory.db-wal", "inventory.db-shm"] {
        let p = fleet.path("inv").join(side);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
    let log_dir = log_path.parent().expect("log dir");
    assert_eq!(mode(log_dir), 0o700, "{}", log_dir.display());
    assert_eq!(mode(&log_path), 0o600, "{}", log_path.display());
}

#[test]
fn init_writes_an_owner_only_config() {
    let home = tempfile::Builder::new()
        .prefix("fdth-sec-init-")
        .tempdir()
        .expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .arg("init")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("FLEETDECK_CONFIG")
        .output()
        .expect("run init");
    assert_eq!(code(&out), 0, "{}", text(&out));
    let config = home.path().join("config/fleetdeck/config.toml");
    assert!(config.is_file(), "{}", text(&out));
    assert_eq!(mode(&config), 0o600, "{}", config.display());
    let log_dir = home.path().join("state/fleetdeck");
    assert_eq!(mode(&log_dir), 0o700, "{}", log_dir.display());
}

/// TLS verification is on: the same engine with another CA in the config is refused,
/// and that costs only h2's Docker fact.
#[test]
fn docker_tls_with_the_wrong_ca_is_refused() {
    let fleet = TestFleet::new(Lab::load(), "fdth-sec-ca-");
    let (_, tls) = fleet.lab.docker_tls();
    let config = config(&fleet, fleet.ssh_config(), &tls.wrong_ca);
    std::fs::write(fleet.path("wrong.toml"), config).expect("config");
    let out = fleet.run("wrong.toml", &["tree", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let h2 = tree_node(&doc, "h2");
    let docker = h2["fact_errors"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["fact"] == "docker"))
        .unwrap_or_else(|| panic!("h2's engine was trusted under a wrong CA: {h2}"));
    let message = docker["message"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        message.contains("certificate") || message.contains("tls"),
        "the refusal says why: {message}"
    );
    assert!(h2["containers"].as_array().is_none_or(Vec::is_empty));
}
