//! `fleetdeck master` against the lab: `tree` answered over the master's open
//! connections (sshd's own log shows no new connection), the same tree as a direct poll,
//! the socket private to its owner, a changed config or a foreign socket never used, a
//! second master refused, and `--stop` / a killed master leaving `tree` working.
//!
//! One test: the steps share the master and count h1's and h2's sshd log lines.

mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::fleet::{TestFleet, code, text};
use support::lab::{Lab, retry};

/// `SHA256:...` of the audit key, as sshd logs an accepted login with it.
fn audit_fingerprint(lab: &Lab) -> String {
    let public = lab.audit_key().with_extension("pub");
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&public)
        .output()
        .expect("run ssh-keygen");
    assert!(out.status.success(), "ssh-keygen -lf failed");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("a fingerprint")
        .to_string()
}

/// Logins with the audit key that h1's and h2's sshd accepted so far.
fn logins(lab: &Lab, fingerprint: &str) -> usize {
    ["h1", "h2"]
        .iter()
        .map(|h| {
            let log = std::fs::read_to_string(&lab.host(h).sshd_log).expect("read sshd log");
            log.lines()
                .filter(|l| l.contains("Accepted publickey") && l.contains(fingerprint))
                .count()
        })
        .sum()
}

fn command(fleet: &TestFleet, config: &str, args: &[&str]) -> Command {
    let mut cmd = fleet.command(config, args);
    // The socket goes to the private state directory, not a shared runtime directory.
    cmd.env_remove("XDG_RUNTIME_DIR");
    cmd
}

fn run(fleet: &TestFleet, config: &str, args: &[&str]) -> std::process::Output {
    support::lab::run_with_timeout(&mut command(fleet, config, args), Duration::from_secs(120))
}

/// Starts a master and waits for it to serve; returns it and its socket.
fn start_master(fleet: &TestFleet, config: &str) -> (Child, PathBuf) {
    start_master_with(fleet, config, &["master"])
}

fn start_master_with(fleet: &TestFleet, config: &str, args: &[&str]) -> (Child, PathBuf) {
    let mut child = command(fleet, config, args)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start the master");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    let socket = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.strip_prefix("fleetdeck master: serving on ") {
                    let path = rest.split(" (").next().expect("a path");
                    break PathBuf::from(path);
                }
                seen.push(line);
            }
            _ => panic!("the master ended before serving: {seen:?}"),
        }
    };
    assert!(
        seen.iter().any(|l| l == "fleetdeck master: h1 up"),
        "warm-up lines: {seen:?}"
    );
    // Keep draining stderr so the master never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, socket)
}

fn tree_nodes(out: &std::process::Output) -> Vec<(String, String, usize)> {
    assert_eq!(code(out), 0, "{}", text(out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("tree json");
    doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap_or_default().to_string(),
                n["status"].as_str().unwrap_or_default().to_string(),
                n["containers"].as_array().map_or(0, Vec::len),
            )
        })
        .collect()
}

/// `cmd` with its stdin read from `input`, bounded like every call of the tests.
fn run_with_stdin(mut cmd: Command, input: &Path) -> std::process::Output {
    let file = std::fs::File::open(input).expect("open input");
    let child = cmd
        .stdin(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("{cmd:?} did not finish within 60 s");
        }
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn wait_exit(child: &mut Child, what: &str) {
    let ended = retry(Duration::from_secs(10), || child.try_wait().ok().flatten());
    assert!(ended.is_some(), "{what}: the master is still running");
}

/// SIGKILL `pid` only while it is still a fleetdeck child of this test process: a master
/// that ended and was reaped may have had its pid reused by anyone.
fn kill_if_ours(pid: u32) {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return;
    };
    // "pid (comm) state ppid ...": comm may hold spaces, so split after its ')'.
    let Some((head, rest)) = stat.rsplit_once(')') else {
        return;
    };
    let ours = head.ends_with("(fleetdeck")
        && rest.split_whitespace().nth(1) == Some(&std::process::id().to_string());
    if ours {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
}

/// Both tests count logins on the same hosts: they take turns.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn tree_reuses_the_masters_connections() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let fleet = TestFleet::new(Lab::load(), "fdtm-master-");
    let lab = &fleet.lab;
    let fp = audit_fingerprint(lab);
    fleet.write_config("fleet.toml", "", "[inventory]\npath = \"inventory.db\"\n");
    fleet.write_config(
        "other.toml",
        "refresh_secs = 7",
        "[inventory]\npath = \"inventory.db\"\n",
    );

    let direct = tree_nodes(&run(
        &fleet,
        "fleet.toml",
        &["tree", "--json", "--no-master"],
    ));
    assert!(
        direct.iter().all(|(_, status, _)| status == "up"),
        "{direct:?}"
    );

    // Whatever happens, no master outlives the test.
    let started = std::cell::RefCell::new(Vec::<u32>::new());
    let _reap = support::lab::defer(|| {
        for pid in started.borrow().iter() {
            kill_if_ours(*pid);
        }
    });
    let (mut master, socket) = start_master(&fleet, "fleet.toml");
    started.borrow_mut().push(master.id());
    assert_eq!(mode(&socket), 0o600, "socket mode");
    assert_eq!(
        mode(socket.parent().expect("dir")),
        0o700,
        "socket directory mode"
    );

    let status = run(&fleet, "fleet.toml", &["master", "--status"]);
    assert_eq!(code(&status), 0, "{}", text(&status));
    assert!(
        String::from_utf8_lossy(&status.stdout).contains(&format!("pid {}", master.id())),
        "{}",
        text(&status)
    );

    // Through the master: the same fleet, and no new login on any host.
    let before = logins(lab, &fp);
    for _ in 0..2 {
        let via_master = tree_nodes(&run(&fleet, "fleet.toml", &["tree", "--json"]));
        assert_eq!(
            via_master, direct,
            "the master's tree matches a direct poll"
        );
    }
    let plain = run(&fleet, "fleet.toml", &["tree", "--ascii"]);
    assert_eq!(code(&plain), 0, "{}", text(&plain));
    assert!(String::from_utf8_lossy(&plain.stdout).contains("h1 [up]"));
    assert_eq!(
        logins(lab, &fp),
        before,
        "tree through the master logged in anew"
    );
    let log = std::fs::read_to_string(fleet.log_file()).unwrap_or_default();
    assert!(
        log.contains("tree: answered by the master"),
        "client log: {log}"
    );

    // The witness sees new logins: --no-master and another config both open their own.
    tree_nodes(&run(
        &fleet,
        "fleet.toml",
        &["tree", "--json", "--no-master"],
    ));
    let after_direct = logins(lab, &fp);
    assert!(after_direct >= before + 2, "{before} -> {after_direct}");
    tree_nodes(&run(&fleet, "other.toml", &["tree", "--json"]));
    assert!(
        logins(lab, &fp) >= after_direct + 2,
        "another config used the master"
    );

    // A second master for the same config is refused.
    let second = run(&fleet, "fleet.toml", &["master"]);
    assert_eq!(code(&second), 1, "{}", text(&second));
    assert!(
        text(&second).contains("already serves"),
        "{}",
        text(&second)
    );

    // A socket this user does not own is never talked to; tree still works on its own.
    std::os::unix::fs::chown(&socket, Some(65534), None).expect("chown socket");
    let before = logins(lab, &fp);
    tree_nodes(&run(&fleet, "fleet.toml", &["tree", "--json"]));
    assert!(logins(lab, &fp) > before, "a foreign socket was used");
    std::os::unix::fs::chown(&socket, Some(0), None).expect("chown back");
    assert_eq!(std::fs::metadata(&socket).expect("meta").uid(), 0);

    // --stop: answered, the process ends, the socket goes, --status says none.
    let stop = run(&fleet, "fleet.toml", &["master", "--stop"]);
    assert_eq!(code(&stop), 0, "{}", text(&stop));
    wait_exit(&mut master, "after --stop");
    assert!(!socket.exists(), "the socket outlived the master");
    let none = run(&fleet, "fleet.toml", &["master", "--status"]);
    assert_eq!(code(&none), 1, "{}", text(&none));
    assert!(text(&none).contains("no master runs"), "{}", text(&none));

    // A master killed outright leaves a stale socket: tree polls on its own, and the
    // next master replaces the socket.
    let (mut killed, socket) = start_master(&fleet, "fleet.toml");
    started.borrow_mut().push(killed.id());
    killed.kill().expect("kill -9");
    killed.wait().expect("reap");
    assert!(socket.exists(), "SIGKILL leaves the socket behind");
    let fallback = tree_nodes(&run(&fleet, "fleet.toml", &["tree", "--json"]));
    assert_eq!(fallback, direct);
    let (mut again, socket_again) = start_master(&fleet, "fleet.toml");
    started.borrow_mut().push(again.id());
    assert_eq!(socket_again, socket);
    let before = logins(lab, &fp);
    assert_eq!(
        tree_nodes(&run(&fleet, "fleet.toml", &["tree", "--json"])),
        direct
    );
    assert_eq!(logins(lab, &fp), before);
    // SIGTERM ends it cleanly too.
    let term = Command::new("kill")
        .arg(again.id().to_string())
        .status()
        .expect("kill");
    assert!(term.success());
    wait_exit(&mut again, "after SIGTERM");
    assert!(!socket_again.exists(), "SIGTERM left the socket behind");
}

#[test]
fn ssh_and_exec_ride_the_masters_connections() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let fleet = TestFleet::new(Lab::load(), "fdtm-msess-");
    let lab = &fleet.lab;
    let fp = audit_fingerprint(lab);
    fleet.write_config("fleet.toml", "", "[inventory]\npath = \"inventory.db\"\n");
    let name = format!("fdtm-msess-{}", std::process::id());
    let started = lab.docker(
        "h2",
        &["run", "-d", "--name", &name, &lab.image, "sleep", "3600"],
    );
    assert!(started.status.success(), "docker run: {}", text(&started));
    let reap_lab = Lab::load();
    let reap_name = name.clone();
    let _container = support::lab::defer(move || {
        let _ = reap_lab.docker("h2", &["rm", "-f", &reap_name]);
    });
    let pids = std::cell::RefCell::new(Vec::<u32>::new());
    let _reap = support::lab::defer(|| {
        for pid in pids.borrow().iter() {
            kill_if_ours(*pid);
        }
    });
    let (mut master, _socket) = start_master(&fleet, "fleet.toml");
    pids.borrow_mut().push(master.id());

    let before = logins(lab, &fp);
    // A node behind the jump host, a command with its status.
    let out = run(
        &fleet,
        "fleet.toml",
        &["ssh", "h3", "--", "hostname; exit 3"],
    );
    assert_eq!(code(&out), 3, "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "h3");
    // An exec with piped input, resolved by the master.
    let input = fleet.path("input.txt");
    std::fs::write(&input, "through the master\n").expect("input file");
    let piped = command(
        &fleet,
        "fleet.toml",
        &["exec", &name, "--", "sh", "-c", "cat; exit 7"],
    );
    let out = run_with_stdin(piped, &input);
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "through the master\n");
    assert_eq!(
        logins(lab, &fp),
        before,
        "a session through the master logged in anew"
    );
    let log = std::fs::read_to_string(fleet.log_file()).unwrap_or_default();
    assert!(log.contains("ssh: through the master"), "client log: {log}");
    assert!(
        log.contains("exec: through the master"),
        "client log: {log}"
    );

    // A bad target is refused by the master with the same exit code as without it.
    let unknown = run(
        &fleet,
        "fleet.toml",
        &["exec", "fdtm-no-such-container", "--", "true"],
    );
    assert_eq!(code(&unknown), 4, "{}", text(&unknown));

    // The client wrote the audit rows, as it does without a master.
    let audit = run(&fleet, "fleet.toml", &["audit", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&audit.stdout).expect("audit json");
    let rows = doc["audit"].as_array().expect("rows");
    let exec = rows
        .iter()
        .find(|r| r["action"] == "exec")
        .expect("an exec row");
    assert_eq!(exec["target"], format!("h2/{name}"));
    assert_eq!(exec["params"]["exit_status"], 7);
    assert!(
        rows.iter()
            .any(|r| r["action"] == "ssh" && r["target"] == "h3")
    );

    // Without the master, the same command connects on its own.
    master.kill().expect("kill -9");
    master.wait().expect("reap");
    let direct = run(&fleet, "fleet.toml", &["ssh", "h1", "--", "exit 5"]);
    assert_eq!(code(&direct), 5, "{}", text(&direct));
    assert!(logins(lab, &fp) > before, "the direct session logged in");
}

/// The real binary's socket: a malformed request is answered with an error, a silent
/// client does not stop the next one, and `--idle` ends the master and removes its socket.
#[test]
fn bad_clients_are_answered_and_idle_expiry_ends_the_master() {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    let fleet = TestFleet::new(Lab::load(), "fdtm-master-idle-");
    fleet.write_config("fleet.toml", "", "[inventory]\npath = \"inventory.db\"\n");
    let (master, socket) = start_master_with(&fleet, "fleet.toml", &["master", "--idle", "3"]);
    // Killed on the way out only if it still runs (never a reaped pid, which may be reused).
    let master = std::cell::RefCell::new(master);
    let _reap = support::lab::defer(|| {
        let mut m = master.borrow_mut();
        if let Ok(None) = m.try_wait() {
            let _ = m.kill();
            let _ = m.wait();
        }
    });
    let bounded = |s: &UnixStream| {
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
    };
    let silent = UnixStream::connect(&socket).expect("connect");
    let mut bad = UnixStream::connect(&socket).expect("connect");
    bounded(&bad);
    bad.write_all(b"{\"tree\":\"all\"}\n").expect("write");
    let mut answer = String::new();
    bad.read_to_string(&mut answer)
        .expect("answer, then closed");
    assert!(
        answer.starts_with("{\"error\":{\"message\":\"bad request: not a valid message"),
        "{answer:?}"
    );
    let status = run(&fleet, "fleet.toml", &["master", "--status"]);
    assert_eq!(
        code(&status),
        0,
        "answered beside a silent client: {}",
        text(&status)
    );
    drop(silent);
    // No client for 3 s: it ends on its own, removing its socket.
    let ended = retry(Duration::from_secs(60), || {
        master.borrow_mut().try_wait().ok().flatten()
    });
    assert!(ended.is_some(), "--idle 3: the master still runs");
    assert!(!socket.exists(), "idle expiry left the socket behind");
}
