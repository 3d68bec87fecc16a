//! Read-only mode, proven end to end on the lab (the CLI part; the console part drives a
//! tmux session with the same [`support::audit::Watch`]). In each of the three ways to ask
//! for it (`FLEETDECK_READ_ONLY=1`, `--read-only`, `read_only = true` in the config):
//! the reading subcommands work, every mutating one exits 3 saying "read-only mode", the
//! inventory file is byte-for-byte what it was, no lab dockerd served anything but GET or
//! HEAD, and every command this test's sessions ran on a host is one of the reads listed in
//! `support::audit::is_known_read` (written in the test, not taken from the catalog).
//!
//! The lab's own logs are the witnesses: each sshd's ForceCommand logs the command of every
//! session (`commands.log`), each dockerd logs every API call (debug). Sessions use the
//! lab's `client_audit` key, so they are told apart from other tests sharing the lab.
//! Docker calls cannot be attributed; each window covers one short command.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use fleetdeck::inventory::{Inventory, Site, SiteState, now_rfc3339};
use support::audit::Watch;
use support::lab::{Lab, defer, run_with_timeout};

/// One window at a time in this binary: a window must hold only its own command.
static WINDOW: Mutex<()> = Mutex::new(());

const VLAN: u16 = 140;

/// How read-only mode is asked for.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Env,
    Flag,
    ConfigKey,
}

struct Fixture {
    lab: Lab,
    dir: tempfile::TempDir,
    proxy_file: PathBuf,
}

impl Fixture {
    fn new(lab: Lab) -> Fixture {
        let dir = tempfile::Builder::new()
            .prefix("fdth-ro-")
            .tempdir()
            .expect("tempdir");
        let (_, nginx) = lab.nginx();
        let proxy_file = nginx.sites_dir.join("fdth-ro.conf");
        let ssh_config = lab.audit_ssh_config(dir.path());
        let fixture = Fixture {
            dir,
            proxy_file,
            lab,
        };
        let tables = fixture.tables();
        for (name, top) in [("open.toml", ""), ("ro.toml", "read_only = true")] {
            let text = fixture.lab.fleet_config_with(&ssh_config, top, &tables);
            std::fs::write(fixture.path(name), text).expect("config");
        }
        fixture.seed();
        fixture
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn tables(&self) -> String {
        let (_, n) = self.lab.nginx();
        let nginx = |first: &str| {
            format!(
                "[\"nginx\", {first}, \"-p\", {:?}, \"-c\", {:?}]",
                n.prefix.display().to_string(),
                n.conf.display().to_string()
            )
        };
        format!(
            "[inventory]\npath = {inv:?}\n[containers]\nimage = {image:?}\n\
             [[vlan]]\nid = {VLAN}\nnode = \"h1\"\nsubnet = \"10.90.{VLAN}.0/24\"\n\
             gateway = \"10.90.{VLAN}.1\"\nbridge = \"fdth{VLAN}\"\nnetwork = \"fdth-vlan{VLAN}\"\n\
             [proxy]\nnode = \"h1\"\npath = {proxy:?}\nlisten = {listen:?}\n\
             test_cmd = {test}\nreload_cmd = {reload}\n",
            inv = self.path("inventory.db").display().to_string(),
            image = self.lab.image,
            proxy = self.proxy_file.display().to_string(),
            listen = n.listen,
            test = nginx("\"-t\""),
            reload = nginx("\"-s\", \"reload\""),
        )
    }

    /// An active site, and a pending one (a create interrupted earlier): a writable
    /// fleetdeck would reconcile it at start-up.
    fn seed(&self) {
        let mut inv = Inventory::open(&self.path("inventory.db")).expect("inventory");
        let now = now_rfc3339();
        for (domain, last, state) in [
            ("fdth-ro-1.lab", 10, SiteState::Active),
            ("fdth-ro-2.lab", 11, SiteState::Pending),
        ] {
            inv.insert_site(&Site {
                domain: domain.into(),
                login: "fdthro".into(),
                vlan: VLAN,
                node: Some("h1".into()),
                ip: format!("10.90.{VLAN}.{last}").parse().expect("ip"),
                container_id: None,
                image: Some(self.lab.image.clone()),
                port: Some(80),
                state,
                created_at: now.clone(),
                updated_at: now.clone(),
            })
            .expect("seed site");
        }
        let legacy = rusqlite::Connection::open(self.path("projet.db")).expect("legacy");
        legacy
            .execute_batch(
                "CREATE TABLE users(login varchar(10), vlan int, docker_ip varchar(15), domain varchar(50) primary key);
                 INSERT INTO users VALUES ('fdthleg', 140, '10.90.140.20', 'fdth-ro-legacy.lab');",
            )
            .expect("legacy rows");
    }

    fn command(&self, mode: Mode, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        let config = match mode {
            Mode::ConfigKey => "ro.toml",
            Mode::Env | Mode::Flag => "open.toml",
        };
        cmd.arg("--config").arg(self.path(config));
        if let Mode::Flag = mode {
            cmd.arg("--read-only");
        }
        cmd.args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", "fdth-tester")
            .env_remove("SUDO_USER")
            .env_remove("SSH_CONNECTION")
            .env_remove("FLEETDECK_READ_ONLY")
            .env_remove("FLEETDECK_CONFIG")
            .stdin(Stdio::null());
        if let Mode::Env = mode {
            cmd.env("FLEETDECK_READ_ONLY", "1");
        }
        cmd
    }

    /// Runs one subcommand in its own log window; returns its output and what the lab saw.
    fn run(&self, mode: Mode, args: &[&str]) -> (Output, support::audit::Seen) {
        let _one = WINDOW.lock().unwrap_or_else(|p| p.into_inner());
        let watch = Watch::start(&self.lab);
        let out = run_with_timeout(&mut self.command(mode, args), Duration::from_secs(90));
        // dockerd logs a call as it starts serving it, before fleetdeck has the answer;
        // sshd's wrapper logs before running the command. Nothing trails the exit.
        let seen = watch.assert_read_only(&format!("{mode:?} {args:?}"));
        (out, seen)
    }

    /// The inventory as stored: the database file, and the frames of its write-ahead log
    /// (a write lands there first). SQLite's read-only connections create an empty
    /// `-wal` and the `-shm` index beside a WAL database to coordinate with writers; those
    /// hold no data, so only the log's frames (after its 32-byte header) count.
    fn inventory_files(&self) -> Files {
        let db = std::fs::read(self.path("inventory.db")).ok();
        let wal = std::fs::read(self.path("inventory.db-wal"))
            .ok()
            .map(|w| w.get(32..).unwrap_or_default().to_vec());
        Files(vec![
            ("inventory.db".into(), db),
            (
                "inventory.db-wal frames".into(),
                wal.filter(|f| !f.is_empty()),
            ),
        ])
    }
}

/// File names and contents, compared byte for byte, shown by size and first difference.
#[derive(PartialEq, Eq)]
struct Files(Vec<(String, Option<Vec<u8>>)>);

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, bytes) in &self.0 {
            match bytes {
                None => writeln!(f, "{name}: absent")?,
                Some(b) => writeln!(f, "{name}: {} bytes", b.len())?,
            }
        }
        Ok(())
    }
}

fn first_difference(a: &Files, b: &Files) -> String {
    for ((name, x), (_, y)) in a.0.iter().zip(&b.0) {
        if x != y {
            let at = match (x, y) {
                (Some(x), Some(y)) => x.iter().zip(y).position(|(p, q)| p != q),
                _ => None,
            };
            return format!("{name} differs (first differing byte: {at:?})");
        }
    }
    "no difference".into()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn no_container_or_network(lab: &Lab) {
    for name in ["fd-fdth-ro-new.lab", "fd-fdth-ro-1.lab", "fd-fdth-ro-2.lab"] {
        let out = lab.docker("h1", &["inspect", "--type", "container", name]);
        assert!(!out.status.success(), "container {name} exists on h1");
    }
    let out = lab.docker("h1", &["network", "inspect", "fdth-vlan140"]);
    assert!(!out.status.success(), "network fdth-vlan140 exists on h1");
}

fn cleanup(lab: &Lab, proxy_file: &Path) {
    for name in ["fd-fdth-ro-new.lab", "fd-fdth-ro-1.lab", "fd-fdth-ro-2.lab"] {
        let _ = lab.docker("h1", &["rm", "-f", name]);
    }
    let _ = lab.docker("h1", &["network", "rm", "fdth-vlan140"]);
    let _ = std::fs::remove_file(proxy_file);
}

#[test]
fn read_only_mode_changes_nothing_anywhere() {
    let fixture = Fixture::new(Lab::load());
    let lab = &fixture.lab;
    // Its removals are Docker writes: inside the lock, so no other window sees them.
    let _clean = defer(|| {
        let _one = WINDOW.lock().unwrap_or_else(|p| p.into_inner());
        cleanup(lab, &fixture.proxy_file)
    });
    let before = fixture.inventory_files();
    assert!(before.0[0].1.is_some(), "the seeded inventory exists");
    let legacy = fixture.path("projet.db");
    let legacy = legacy.to_str().expect("utf8");

    for mode in [Mode::Env, Mode::Flag, Mode::ConfigKey] {
        // Reading works, and really reads: commands on every host, Docker GETs.
        let (out, seen) = fixture.run(mode, &["tree", "--json"]);
        assert_eq!(code(&out), 0, "{mode:?} tree: {}", text(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("tree json");
        for host in &lab.hosts {
            let node = doc["nodes"]
                .as_array()
                .and_then(|nodes| nodes.iter().find(|n| n["name"] == host.name.as_str()))
                .unwrap_or_else(|| panic!("{mode:?}: no node {} in {doc}", host.name));
            assert_eq!(node["status"], "up", "{mode:?} {}: {node}", host.name);
        }
        let own = seen.own_sessions();
        for host in &lab.hosts {
            assert!(
                own.iter().any(|s| s.host == host.name),
                "{mode:?}: tree ran nothing on {} (is the audit key in use?): {own:#?}",
                host.name
            );
        }
        assert!(
            seen.docker_calls.iter().any(|c| c.method == "GET"),
            "{mode:?}: tree made no Docker call: {seen:#?}"
        );

        for args in [
            vec!["inventory", "list", "--json"],
            vec!["audit", "--json"],
            vec!["proxy", "plan"],
            vec!["config", "check"],
        ] {
            let (out, _) = fixture.run(mode, &args);
            assert_eq!(code(&out), 0, "{mode:?} {args:?}: {}", text(&out));
        }

        // Every mutating subcommand is refused before it touches anything.
        for args in [
            vec![
                "create",
                "--login",
                "fdthro",
                "--vlan",
                "140",
                "--domain",
                "fdth-ro-new.lab",
                "--yes",
            ],
            vec!["delete", "fdth-ro-1.lab", "--yes"],
            vec!["proxy", "apply", "--yes"],
            vec!["inventory", "import-legacy", legacy],
            vec![
                "inventory",
                "adopt",
                "h1/fdth-ro-orphan",
                "--login",
                "fdthro",
                "--domain",
                "fdth-ro-adopt.lab",
                "--yes",
            ],
        ] {
            let (out, seen) = fixture.run(mode, &args);
            assert_eq!(code(&out), 3, "{mode:?} {args:?}: {}", text(&out));
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("read-only mode"),
                "{mode:?} {args:?}: {}",
                text(&out)
            );
            let own = seen.own_sessions();
            assert!(own.is_empty(), "{mode:?} {args:?} reached a host: {own:#?}");
        }
        let after = fixture.inventory_files();
        assert!(
            after == before,
            "{mode:?}: the inventory files changed: {}\nbefore:\n{before:?}after:\n{after:?}",
            first_difference(&before, &after)
        );
    }
    no_container_or_network(lab);
    assert!(
        !fixture.proxy_file.exists(),
        "proxy apply wrote {}",
        fixture.proxy_file.display()
    );
    let inv = Inventory::open_read_only(&fixture.path("inventory.db")).expect("inventory");
    assert_eq!(
        inv.audit(50).expect("audit").len(),
        0,
        "refusals wrote audit rows"
    );
    assert_eq!(
        inv.site("fdth-ro-2.lab").expect("site").map(|s| s.state),
        Some(SiteState::Pending),
        "read-only mode reconciled a pending row"
    );
}

/// The witnesses can see a write: without this, an empty log would pass the proof.
#[test]
fn the_lab_logs_see_writes_and_foreign_commands() {
    let lab = Lab::load();
    let _one = WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    let network = format!("fdth-ro-probe-{}", std::process::id());
    let _clean = defer(|| {
        let _ = lab.docker("h2", &["network", "rm", &network]);
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let ssh_config = lab.audit_ssh_config(dir.path());
    let watch = Watch::start(&lab);
    let out = lab.docker("h2", &["network", "create", &network]);
    assert!(out.status.success(), "docker network create: {out:?}");
    let out = support::lab::ssh_raw(&[
        "-F",
        ssh_config.to_str().expect("utf8"),
        "h3",
        "echo",
        "'fdth-ro-probe\nsecond line'",
    ]);
    assert!(out.status.success(), "ssh h3 echo: {out:?}");
    let seen = watch.seen();
    assert!(
        seen.docker_calls
            .iter()
            .any(|c| c.host == "h2" && c.method == "POST" && c.path.contains("/networks/create")),
        "dockerd's debug log did not show the POST: {seen:#?}"
    );
    let own = seen.own_sessions();
    let probe = own
        .iter()
        .find(|s| s.host == "h3")
        .unwrap_or_else(|| panic!("commands.log did not show the session: {seen:#?}"));
    assert_eq!(
        probe.command.as_deref(),
        Some("echo 'fdth-ro-probe\nsecond line'"),
        "the command is logged exactly, newline included"
    );
    assert!(!support::audit::is_known_read(
        probe.command.as_deref().unwrap_or_default()
    ));
    let result = std::panic::catch_unwind(|| watch.assert_read_only("probe"));
    assert!(result.is_err(), "the proof let a POST and an echo through");
}

/// The console part: a full read-only session in tmux — browse, filter, refresh, check,
/// logs, stats, the palette, and every mutating key and palette command — then the same
/// witnesses: only GET/HEAD at every dockerd, only catalog commands from this session's
/// SSH connections, the inventory unchanged, and "read-only mode" for each refusal.
#[test]
fn a_read_only_console_session_changes_nothing() {
    use support::tmux::Tmux;
    // Held from before this test's own Docker writes (the container it reads logs from)
    // until after its cleanup, so no other window in this binary sees them.
    let _one = WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    let fixture = Fixture::new(Lab::load());
    let lab = &fixture.lab;
    let name = format!("fdth-ro-logs-{}", std::process::id());
    let _clean = defer(|| {
        let _ = lab.docker("h1", &["rm", "-f", &name]);
        cleanup(lab, &fixture.proxy_file);
    });
    let out = lab.docker(
        "h1",
        &[
            "run",
            "-d",
            "--name",
            &name,
            &lab.image,
            "sh",
            "-c",
            "echo hello; echo oops >&2; sleep 600",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = fixture.inventory_files();
    let watch = Watch::start(lab);
    let tmux = Tmux::start(120, 40);
    tmux.type_line(&format!(
        "fleetdeck --config {}; echo EXIT=$?",
        fixture.path("ro.toml").display()
    ));
    // One poll of every node (h3 behind its jump host), as long as a poll may take.
    tmux.wait_up_to(
        support::tmux::poll_bound(&fixture.path("ro.toml")),
        |s| s.contains("READ-ONLY") && s.contains("h1 up") && s.contains("h3 up"),
        "the lab, read-only",
    );
    // Browse, filter to the container, refresh.
    for key in ["j", "j", "k", "G", "g", "Tab", "Tab", "r"] {
        tmux.send(&[key]);
    }
    tmux.send(&["/"]);
    tmux.send(&["-l", &name]);
    tmux.send(&["Enter"]);
    tmux.send(&["G"]);
    tmux.wait_for(
        |s| s.contains(&format!("container  {name}")),
        "the container selected",
    );
    // Logs and stats open and close.
    tmux.send(&["l"]);
    tmux.wait_for(|s| s.contains("hello") && s.contains("ERR"), "its logs");
    // Each Escape is seen handled before the next key: an ESC followed at once by a
    // letter reads as Alt+letter.
    tmux.send(&["Escape"]);
    tmux.wait_for(|s| s.contains(" Fleet "), "the tree after the logs");
    tmux.send(&["s"]);
    tmux.wait_for(|s| s.contains("CPU"), "its stats");
    tmux.send(&["Escape"]);
    tmux.wait_for(|s| s.contains(" Fleet "), "the tree after the stats");
    // Every mutating key is refused, each with its own line (the panel shows the last
    // three); the same commands typed in the palette go the same way and the witnesses
    // below prove nothing reached a host.
    for (key, name) in [("c", "create"), ("d", "delete"), ("P", "proxy apply")] {
        tmux.send(&[key]);
        tmux.wait_for(
            |s| s.contains(&format!("{name}: refused in read-only mode")),
            &format!("{key} refused"),
        );
    }
    for typed in ["create", "delete fdth-ro-1.lab", "proxy apply"] {
        tmux.send(&[":"]);
        tmux.send(&["-l", typed]);
        tmux.send(&["Enter"]);
    }
    // Keys are handled in order: once help (asked for after them) is drawn, the typed
    // commands were handled, and a form they had opened would be on screen (or would
    // have taken the `?` as text, and help would never show).
    tmux.send(&["?"]);
    let after = tmux.wait_for(|s| s.contains("Help"), "help, after the typed commands");
    assert!(
        !after.contains("Create a site"),
        "no form in read-only mode: {after}"
    );
    tmux.send(&["Escape"]);
    tmux.wait_for(|s| !s.contains("Help"), "help closed");
    // Looking at a proxy plan is fine; it cannot be applied.
    tmux.send(&["p"]);
    // The plan reads the deployed file over SSH: one poll's worth at most.
    tmux.wait_up_to(
        support::tmux::poll_bound(&fixture.path("ro.toml")),
        // The popup's footer; the activity panel keeps its own line ("it cannot be applied").
        |s| s.contains("this plan cannot be applied"),
        "the proxy plan, not applicable",
    );
    tmux.send(&["y"]);
    tmux.send(&["Escape"]);
    tmux.wait_for(
        |s| !s.contains("this plan cannot be applied"),
        "the proxy plan closed",
    );
    // The check runs (the pending seed row and the missing containers are findings).
    tmux.send(&["i"]);
    // The check polls the engines and reads the proxy file.
    tmux.wait_up_to(
        support::tmux::poll_bound(&fixture.path("ro.toml")),
        |s| s.contains("Findings"),
        "the findings",
    );
    tmux.send(&["Escape"]);
    tmux.wait_for(|s| !s.contains("Findings"), "the findings closed");
    tmux.send(&["?"]);
    let help = tmux.wait_for(|s| s.contains("Help"), "help");
    for hidden in ["create a site", "delete the selected"] {
        assert!(
            !help.to_lowercase().contains(hidden),
            "help offers {hidden}: {help}"
        );
    }
    tmux.send(&["Escape"]);
    tmux.wait_for(|s| !s.contains("Help"), "help closed");
    tmux.quit_cleanly();
    let seen = watch.assert_read_only("read-only console session");
    assert!(
        !seen.own_sessions().is_empty(),
        "the console ran nothing on the hosts: {seen:#?}"
    );
    assert!(
        seen.docker_calls.iter().any(|c| c.path.contains("/logs")),
        "logs were read: {seen:#?}"
    );
    let after = fixture.inventory_files();
    assert!(
        after == before,
        "the inventory changed: {}",
        first_difference(&before, &after)
    );
}

/// Issue 14: a shell is write access. In each of the three modes `ssh` (with a command
/// or interactive), `exec` (with a command or a shell), `start`, `stop` and `restart`
/// exit 3 before anything is dialled: no SSH session of this test's key on any host, no
/// Docker call naming the container (so no exec create or start, no start, stop or
/// restart), the container still running since the same instant, the inventory
/// unchanged and no audit row. `inspect` (a container and a node) and `events` work, and
/// their windows hold only reads. Then the same witnesses, in read-write mode, do see an
/// exec, a restart and a session: an empty log cannot pass the proof.
#[test]
fn read_only_mode_refuses_sessions_and_lifecycle_before_dialing() {
    use std::io::{BufRead, BufReader};
    let fixture = Fixture::new(Lab::load());
    let lab = &fixture.lab;
    let name = format!("fdt-act-ro-{}", std::process::id());
    // Docker writes of this test (run, rm) happen inside the window lock, so no other
    // window of this binary sees them.
    let _clean = defer(|| {
        let _one = WINDOW.lock().unwrap_or_else(|p| p.into_inner());
        let _ = lab.docker("h1", &["rm", "-f", &name]);
        cleanup(lab, &fixture.proxy_file);
    });
    let id = {
        let _one = WINDOW.lock().unwrap_or_else(|p| p.into_inner());
        let out = lab.docker("h1", &["run", "-d", "--name", &name, &lab.image]);
        assert!(out.status.success(), "docker run: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(id.len(), 64, "docker run printed {id:?}");
    let started = || {
        let out = lab.docker(
            "h1",
            &[
                "inspect",
                "-f",
                "{{.State.Running}} {{.State.StartedAt}}",
                &name,
            ],
        );
        assert!(out.status.success(), "docker inspect: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let started_before = started();
    assert!(started_before.starts_with("true "), "{started_before}");
    let before = fixture.inventory_files();

    for mode in [Mode::Env, Mode::Flag, Mode::ConfigKey] {
        for args in [
            vec!["ssh", "h3", "--", "echo", "fdt-act-ro"],
            vec!["ssh", "h1"],
            vec!["exec", name.as_str(), "--", "true"],
            vec!["exec", name.as_str()],
            vec!["start", name.as_str()],
            vec!["stop", name.as_str(), "--yes"],
            vec!["restart", name.as_str(), "--yes"],
        ] {
            let (out, seen) = fixture.run(mode, &args);
            assert_eq!(code(&out), 3, "{mode:?} {args:?}: {}", text(&out));
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("read-only mode"),
                "{mode:?} {args:?}: {}",
                text(&out)
            );
            let own = seen.own_sessions();
            assert!(
                own.is_empty(),
                "{mode:?} {args:?} opened a session: {own:#?}"
            );
            let about: Vec<_> = seen
                .docker_calls
                .iter()
                .filter(|c| {
                    c.path.contains(&id) || c.path.contains(&name) || c.path.contains("/exec")
                })
                .collect();
            assert!(
                about.is_empty(),
                "{mode:?} {args:?} reached an engine about the container: {about:#?}"
            );
        }

        // Reading works: the engine's record, a node's facts.
        let (out, seen) = fixture.run(mode, &["inspect", &name, "--json"]);
        assert_eq!(code(&out), 0, "{mode:?} inspect: {}", text(&out));
        let record: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(record["Id"], id.as_str(), "{mode:?}");
        assert!(
            seen.docker_calls
                .iter()
                .any(|c| c.method == "GET" && c.path.contains(&format!("/containers/{id}/json"))),
            "{mode:?}: inspect read the record from the engine: {seen:#?}"
        );
        let (out, _) = fixture.run(mode, &["inspect", "h3", "--json"]);
        assert_eq!(code(&out), 0, "{mode:?} inspect h3: {}", text(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(doc["node"]["status"], "up", "{mode:?}: {doc}");
    }
    assert_eq!(
        started(),
        started_before,
        "the container was started or stopped"
    );
    let after = fixture.inventory_files();
    assert!(
        after == before,
        "the inventory changed: {}",
        first_difference(&before, &after)
    );
    let inv = Inventory::open_read_only(&fixture.path("inventory.db")).expect("inventory");
    assert_eq!(
        inv.audit(50).expect("audit").len(),
        0,
        "refusals wrote rows"
    );
    drop(inv);

    // Events, read-only: the start of this test's container (minutes ago at most), and
    // nothing but reads in the window.
    {
        let _one = WINDOW.lock().unwrap_or_else(|p| p.into_inner());
        let watch = Watch::start(lab);
        let child = fixture
            .command(
                Mode::Flag,
                &["events", "--json", "--since", "10m", "--node", "h1"],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn events");
        let mut child = KillOnDrop(child);
        let stdout = child.0.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut lines = Vec::new();
        let found = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                break false;
            };
            let event: serde_json::Value = serde_json::from_str(&line).expect("event json");
            if event["action"] == "start" && event["id"] == id.as_str() && event["node"] == "h1" {
                break true;
            }
            lines.push(line);
        };
        drop(child);
        assert!(
            found,
            "read-only events did not show the container's start: {lines:#?}"
        );
        watch.assert_read_only("read-only events");
    }

    // The witnesses see these when they happen (read-write mode, same container).
    let _one = WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    let watch = Watch::start(lab);
    // The commands above, without read-only mode (the open config, no flag, no variable).
    let open = |args: &[&str]| {
        let mut cmd = fixture.command(Mode::Env, args);
        cmd.env_remove("FLEETDECK_READ_ONLY");
        run_with_timeout(&mut cmd, Duration::from_secs(90))
    };
    let out = open(&["exec", &name, "--", "true"]);
    assert_eq!(code(&out), 0, "exec: {}", text(&out));
    let out = open(&["restart", &name, "--yes"]);
    assert_eq!(code(&out), 0, "restart: {}", text(&out));
    let out = open(&["ssh", "h3", "--", "echo", "fdt-act-ro-probe"]);
    assert_eq!(code(&out), 0, "ssh: {}", text(&out));
    let seen = watch.seen();
    let posts = |part: &str| {
        seen.docker_calls
            .iter()
            .any(|c| c.host == "h1" && c.method == "POST" && c.path.contains(part))
    };
    assert!(
        posts(&format!("/containers/{id}/exec")),
        "exec create unseen: {seen:#?}"
    );
    assert!(
        seen.docker_calls
            .iter()
            .any(|c| c.method == "POST" && c.path.contains("/exec/") && c.path.contains("/start")),
        "exec start unseen: {seen:#?}"
    );
    assert!(
        posts(&format!("/containers/{id}/restart")),
        "restart unseen: {seen:#?}"
    );
    assert!(
        seen.own_sessions()
            .iter()
            .any(|s| s.host == "h3" && s.command.as_deref() == Some("echo fdt-act-ro-probe")),
        "the session unseen: {seen:#?}"
    );
}

/// A child process killed and reaped when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
