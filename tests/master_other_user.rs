//! The master's socket serves its own user only, proven with a second real user: a
//! throwaway system account (`fdt-other-<pid>`, removed afterwards) runs `tree` and a raw
//! client against a running master. Its `tree` never uses the master and polls on its
//! own; its raw request gets no answer; the master logs the refusal with its uid. A
//! local-only fleet: no lab needed, but root is (useradd, runuser).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const FLEET: &str = r#"
refresh_secs = 60

[inventory]
path = "inventory.db"

[[node]]
name = "local"
docker = "none"
"#;

/// Env var naming the socket for `raw_client_helper` (run as the other user).
const RAW_SOCKET: &str = "FDT_RAW_CLIENT_SOCKET";

/// Not a test on its own: the other user runs this test binary with `RAW_SOCKET` set,
/// to connect to the master without fleetdeck's own client (which refuses a socket it
/// does not own before connecting). Prints what the master answered.
#[test]
fn raw_client_helper() {
    let Some(path) = std::env::var_os(RAW_SOCKET) else {
        return;
    };
    let mut stream = std::os::unix::net::UnixStream::connect(&path).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    // A refused client may find the connection closed before it writes (EPIPE) or reads
    // (ECONNRESET): no answer either way.
    let _ = stream.write_all(b"\"status\"\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    println!("ANSWER[{}]", answer.trim());
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn user_id(name: &str) -> u32 {
    let out = Command::new("id")
        .arg("-u")
        .arg(name)
        .output()
        .expect("id -u");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a uid")
}

struct Setup {
    dir: tempfile::TempDir,
    other: String,
}

impl Setup {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `fleetdeck --config fleet.toml ARGS` as root, the master's user.
    fn fleetdeck(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.arg("--config")
            .arg(self.path("fleet.toml"))
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_RUNTIME_DIR", self.path("run"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env_remove("FLEETDECK_CONFIG")
            .env_remove("FLEETDECK_READ_ONLY")
            .env_remove("FLEETDECK_LOG")
            .stdin(Stdio::null());
        cmd
    }

    /// `PROGRAM ARGS` as the other user, with the same HOME and runtime directory (so it
    /// looks for the very same socket) and a state directory of its own; bounded.
    fn as_other(&self, program: &Path, args: &[&str], extra_env: &[(&str, &Path)]) -> Output {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", &self.other, "--", "env"])
            .arg(format!("HOME={}", self.dir.path().display()))
            .arg(format!("XDG_RUNTIME_DIR={}", self.path("run").display()))
            .arg(format!(
                "XDG_STATE_HOME={}",
                self.path("other-state").display()
            ));
        for (k, v) in extra_env {
            cmd.arg(format!("{k}={}", v.display()));
        }
        cmd.args(["timeout", "60"]).arg(program).args(args);
        cmd.stdin(Stdio::null()).output().expect("runuser")
    }

    fn master_requests(&self) -> u64 {
        let out = self
            .fleetdeck(&["master", "--status"])
            .output()
            .expect("status");
        assert!(out.status.success(), "{}", text(&out));
        let s = String::from_utf8_lossy(&out.stdout).to_string();
        // "master pid P: N nodes, R requests, socket S" ("1 request" in the singular)
        s.split(", ")
            .find_map(|part| {
                part.strip_suffix(" requests")
                    .or_else(|| part.strip_suffix(" request"))
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no request count in {s:?}"))
    }
}

#[test]
fn another_user_gets_nothing_from_the_master() {
    let pid = std::process::id();
    let other = format!("fdt-other-{pid}");
    let added = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            &other,
        ])
        .output()
        .expect("useradd");
    assert!(added.status.success(), "useradd: {}", text(&added));
    let remove = other.clone();
    let _user = Defer(Some(move || {
        let _ = Command::new("userdel").arg(&remove).output();
    }));
    let other_uid = user_id(&other);

    let setup = Setup {
        dir: tempfile::Builder::new()
            .prefix("fdt-master-uid-")
            .tempdir()
            .expect("tempdir"),
        other,
    };
    // The other user may read the config and walk the directory, nothing more.
    chmod(setup.dir.path(), 0o755);
    std::fs::write(setup.path("fleet.toml"), FLEET).expect("config");
    chmod(&setup.path("fleet.toml"), 0o644);
    std::fs::create_dir(setup.path("run")).expect("run dir");
    chmod(&setup.path("run"), 0o755);
    std::fs::create_dir(setup.path("other-state")).expect("other state");
    std::os::unix::fs::chown(setup.path("other-state"), Some(other_uid), None).expect("chown");

    let mut master = setup
        .fleetdeck(&["master"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the master");
    let master_pid = master.id();
    let _master = Defer(Some(move || {
        let _ = Command::new("kill")
            .arg("-9")
            .arg(master_pid.to_string())
            .stderr(Stdio::null())
            .status();
    }));
    let mut lines = BufReader::new(master.stderr.take().expect("stderr")).lines();
    let socket = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.strip_prefix("fleetdeck master: serving on ") {
                    break PathBuf::from(rest.split(" (").next().expect("a path"));
                }
            }
            _ => panic!("the master ended before serving"),
        }
    };
    std::thread::spawn(move || for _ in lines {});
    assert!(
        socket.starts_with(setup.path("run")),
        "{}",
        socket.display()
    );

    // As shipped (directory 0700, socket 0600) the other user cannot even reach it;
    // its tree polls on its own.
    let bin = Path::new(env!("CARGO_BIN_EXE_fleetdeck"));
    let config = setup.path("fleet.toml");
    let tree_args = ["--config", config.to_str().expect("utf8"), "tree", "--json"];
    let before = setup.master_requests();
    let out = setup.as_other(bin, &tree_args, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("tree json");
    assert_eq!(doc["nodes"][0]["name"], "local", "{doc}");

    // Opened up by mistake (or a socket handed over): fleetdeck's client still refuses a
    // socket it does not own, and polls on its own; the master answered nobody.
    chmod(socket.parent().expect("socket dir"), 0o755);
    chmod(&socket, 0o666);
    let out = setup.as_other(bin, &tree_args, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let log = std::fs::read_to_string(setup.path("other-state/fleetdeck/fleetdeck.log"))
        .unwrap_or_default();
    assert!(
        log.contains("the master socket is not this user's; polling directly"),
        "other user's log: {log}"
    );
    assert_eq!(
        setup.master_requests(),
        before + 1,
        "only the status requests reached the master"
    );

    // A raw client of the other user connects and asks: the master closes without a word
    // and logs the refusal, naming the uid.
    let helper = std::env::current_exe().expect("test binary");
    let helper_args = [
        "--exact",
        "raw_client_helper",
        "--nocapture",
        "--test-threads=1",
    ];
    let out = setup.as_other(&helper, &helper_args, &[(RAW_SOCKET, &socket)]);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("ANSWER[]"),
        "the other user got an answer: {said}"
    );
    let master_log = setup.path("state/fleetdeck/fleetdeck.log");
    let refused = retry(|| {
        let log = std::fs::read_to_string(&master_log).unwrap_or_default();
        (log.contains("refused a client of another user")
            && log.contains(&format!("uid={other_uid}")))
        .then_some(())
    });
    assert!(
        refused.is_some(),
        "master log: {}",
        std::fs::read_to_string(&master_log).unwrap_or_default()
    );

    // The same raw client as the master's own user is answered: the uid made the difference.
    let out = Command::new("timeout")
        .arg("60")
        .arg(&helper)
        .args(helper_args)
        .env(RAW_SOCKET, &socket)
        .output()
        .expect("raw client as root");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("ANSWER[{\"status\":"), "{}", text(&out));

    let stop = setup
        .fleetdeck(&["master", "--stop"])
        .output()
        .expect("stop");
    assert!(stop.status.success(), "{}", text(&stop));
    let _ = master.wait();
}

fn retry<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    for _ in 0..50 {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// Runs its closure when dropped, also when the test panics.
struct Defer<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Drop for Defer<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}
