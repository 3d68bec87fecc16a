//! `fleetdeck ssh`, `exec`, `start|stop|restart`, `inspect` and `events` against the lab's
//! real engines and sshds (issue 14): exec on every Docker transport (unix socket, plain
//! TCP, mutual TLS, over SSH with stream-local forwarding, with `docker system dial-stdio`
//! on h2 and through the jump host to h3), exit statuses, piped stdin and stderr passed
//! through; ssh to the node behind the jump host; how a TARGET resolves on live engines; a
//! container without a shell; a node whose sshd refuses PTYs; the lifecycle verbs and
//! their audit rows; events. The read-only side is in tests/readonly_proof.rs, the TTY
//! side (sizes, resizes, `~.`, recordings) in tests/act_tty.rs.
//!
//! Names start with `fdt-act-`; every container, image and authorized key a test adds is
//! removed when it ends, also when it fails. Needs the lab (scripts/test.sh).

mod support;

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fleetdeck::inventory::{Inventory, Site, SiteState, now_rfc3339};
use support::audit::Watch;
use support::fleet::{TestFleet, code, text, tree_node};
use support::lab::{Lab, assert_success, defer, run_with_input, run_with_timeout};
use support::tmux::{Tmux, exit_line};

const LIMIT: Duration = Duration::from_secs(120);

/// `fdt-act-<purpose>-<pid>`
fn unique(purpose: &str) -> String {
    format!("fdt-act-{purpose}-{}", std::process::id())
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Containers a test made, removed (with the CLI's own timeout) when it ends.
struct Containers<'a> {
    lab: &'a Lab,
    made: RefCell<Vec<(String, String)>>,
}

impl<'a> Containers<'a> {
    fn new(lab: &'a Lab) -> Containers<'a> {
        Containers {
            lab,
            made: RefCell::new(Vec::new()),
        }
    }

    /// `docker run -d --name NAME [args] IMAGE` on `host`; returns the full id.
    fn run(&self, host: &str, name: &str, args: &[&str], image: &str) -> String {
        self.made
            .borrow_mut()
            .push((host.to_string(), name.to_string()));
        let mut argv = vec!["run", "-d", "--name", name];
        argv.extend_from_slice(args);
        argv.push(image);
        let o = self.lab.docker(host, &argv);
        assert_success(&o, &format!("docker run {name} on {host}"));
        let id = support::lab::stdout(&o);
        assert_eq!(id.len(), 64, "docker run printed {id:?}");
        id
    }

    /// A running lab-image container holding `/fdt-only` with `token` in it.
    fn with_file(&self, host: &str, name: &str, token: &str) -> String {
        let id = self.run(host, name, &[], &self.lab.image);
        let o = self.lab.docker(
            host,
            &[
                "exec",
                name,
                "sh",
                "-c",
                &format!("printf %s {token} > /fdt-only"),
            ],
        );
        assert_success(&o, &format!("writing /fdt-only in {name}"));
        id
    }
}

impl Drop for Containers<'_> {
    fn drop(&mut self) {
        for (host, name) in self.made.borrow().iter() {
            let _ = self.lab.docker(host, &["rm", "-f", name]);
        }
    }
}

/// A private fleetdeck over the lab (see `TestFleet`): `fleet.toml` reaches every host's
/// engine over SSH; more configs for the other transports share its inventory.
struct Act {
    fleet: TestFleet,
}

impl Act {
    fn new(prefix: &str) -> Act {
        let fleet = TestFleet::new(Lab::load(), prefix);
        let act = Act { fleet };
        act.fleet.write_config("fleet.toml", "", &act.tables());
        act
    }

    fn lab(&self) -> &Lab {
        &self.fleet.lab
    }

    fn tables(&self) -> String {
        format!(
            "[inventory]\npath = {:?}\n[audit]\nsessions_dir = {:?}\n",
            self.fleet.path("inventory.db").display().to_string(),
            self.fleet.path("sessions").display().to_string(),
        )
    }

    /// `name`: an `[ssh]` table, the inventory and audit tables, then `nodes`.
    fn write_config(&self, name: &str, nodes: &str) -> PathBuf {
        let text = format!(
            "[ssh]\nconfig = {:?}\nconnect_timeout_secs = 3\n{}{nodes}",
            self.fleet.ssh_config().display().to_string(),
            self.tables()
        );
        let path = self.fleet.path(name);
        std::fs::write(&path, text).expect("write config");
        path
    }

    fn run(&self, config: &str, args: &[&str]) -> Output {
        self.fleet.run(config, args)
    }

    fn run_input(&self, config: &str, args: &[&str], input: &[u8]) -> Output {
        run_with_input(&mut self.fleet.command(config, args), Some(input), LIMIT)
    }

    /// Every audit row, newest first.
    fn audit(&self) -> Vec<serde_json::Value> {
        let o = self.run("fleet.toml", &["audit", "--json", "--limit", "1000"]);
        assert_eq!(code(&o), 0, "audit: {}", text(&o));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("audit json");
        doc["audit"].as_array().expect("audit rows").clone()
    }

    /// The newest audit row for `action` on `target`, with `outcome`.
    fn audit_row(&self, action: &str, target: &str, outcome: &str) -> serde_json::Value {
        let rows = self.audit();
        rows.iter()
            .find(|r| r["action"] == action && r["target"] == target && r["outcome"] == outcome)
            .cloned()
            .unwrap_or_else(|| panic!("no {outcome} audit row for {action} {target}: {rows:#?}"))
    }

    /// `inspect TARGET --json`: the engine's record.
    fn inspect(&self, target: &str) -> serde_json::Value {
        let o = self.run("fleet.toml", &["inspect", target, "--json"]);
        assert_eq!(code(&o), 0, "inspect {target}: {}", text(&o));
        serde_json::from_slice(&o.stdout).expect("inspect json")
    }

    /// The state `tree --json` shows for container `name` on `node`.
    fn tree_state(&self, node: &str, name: &str) -> String {
        let o = self.run("fleet.toml", &["tree", "--json", "--no-master"]);
        assert_eq!(code(&o), 0, "tree: {}", text(&o));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("tree json");
        let n = tree_node(&doc, node);
        n["containers"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == name))
            .unwrap_or_else(|| panic!("no container {name} on {node} in the tree: {n}"))["state"]
            .as_str()
            .expect("state")
            .to_string()
    }
}

/// The checks every transport must pass for the container `target` holding `token`.
fn exec_passes_everything_through(act: &Act, config: &str, target: &str, token: &str) {
    let via = format!("{config} exec {target}");
    let o = act.run(config, &["exec", target, "--", "cat", "/fdt-only"]);
    assert_eq!(code(&o), 0, "{via} cat: {}", text(&o));
    assert_eq!(out(&o), token, "{via}: read another container's file");

    let o = act.run(config, &["exec", target, "--", "sh", "-c", "exit 7"]);
    assert_eq!(code(&o), 7, "{via} exit 7: {}", text(&o));

    let o = act.run_input(
        config,
        &["exec", target, "--", "cat"],
        b"piped into the container\nsecond line\n",
    );
    assert_eq!(code(&o), 0, "{via} cat stdin: {}", text(&o));
    assert_eq!(out(&o), "piped into the container\nsecond line\n", "{via}");

    let o = act.run(
        config,
        &[
            "exec",
            target,
            "--",
            "sh",
            "-c",
            "echo to-stdout; echo to-stderr >&2",
        ],
    );
    assert_eq!(code(&o), 0, "{via} stderr: {}", text(&o));
    assert_eq!(out(&o), "to-stdout\n", "{via}: stdout");
    assert!(err(&o).contains("to-stderr"), "{via}: stderr: {}", text(&o));
}

#[test]
fn exec_reaches_a_container_on_every_docker_transport() {
    let act = Act::new("fdt-act-tr-");
    let lab = act.lab();
    let made = Containers::new(lab);
    let (tcp_host, tcp_addr) = lab.docker_tcp();
    let (tls_host, tls) = lab.docker_tls();
    assert!(
        !lab.host("h2").ssh_streamlocal,
        "h2 should refuse stream-local forwarding (dial-stdio)"
    );

    // unix socket: a local node whose engine is h1's socket.
    act.write_config(
        "unix.toml",
        &format!(
            "[[node]]\nname = \"local-unix\"\ndocker = {:?}\n",
            lab.host("h1").docker_host
        ),
    );
    // plain TCP to h1's engine; mutual TLS to h2's.
    act.write_config(
        "tcp.toml",
        &format!(
            "[[node]]\nname = {n:?}\nssh = {n:?}\ndocker = {tcp_addr:?}\n",
            n = tcp_host.name
        ),
    );
    act.write_config(
        "tls.toml",
        &format!(
            "[[node]]\nname = {n:?}\nssh = {n:?}\ndocker = {addr:?}\n\
             tls = {{ ca = {ca:?}, cert = {cert:?}, key = {key:?} }}\n",
            n = tls_host.name,
            addr = tls.addr,
            ca = tls.ca.display().to_string(),
            cert = tls.cert.display().to_string(),
            key = tls.key.display().to_string(),
        ),
    );
    let cases = [
        ("unix.toml", "h1", "unix"),
        ("tcp.toml", tcp_host.name.as_str(), "tcp"),
        ("tls.toml", tls_host.name.as_str(), "tls"),
        ("fleet.toml", "h1", "ssh-h1"),
        ("fleet.toml", "h2", "ssh-h2"),
        ("fleet.toml", "h3", "ssh-h3"),
    ];
    let watch = Watch::start(lab);
    for (config, host, via) in cases {
        let name = unique(&format!("tr-{via}"));
        let token = format!("only-in-{name}");
        made.with_file(host, &name, &token);
        exec_passes_everything_through(&act, config, &name, &token);
    }
    // Over SSH, h2's engine was reached through `docker system dial-stdio` (its sshd
    // refuses stream-local forwarding), h3's through the jump host.
    let seen = watch.seen();
    let own = seen.own_sessions();
    assert!(
        own.iter().any(|s| s.host == "h2"
            && s.command
                .as_deref()
                .is_some_and(|c| c.contains("dial-stdio"))),
        "no dial-stdio session on h2: {own:#?}"
    );

    // Each exec wrote its row: the exit 7 on h3, with every field.
    let name = unique("tr-ssh-h3");
    let row = act.audit_row("exec", &format!("h3/{name}"), "ok");
    let rows = act.audit();
    let row7 = rows
        .iter()
        .find(|r| {
            r["action"] == "exec"
                && r["target"] == format!("h3/{name}")
                && r["params"]["exit_status"] == 7
        })
        .unwrap_or_else(|| panic!("no exec row with exit 7 for h3/{name}: {rows:#?}"));
    let p = &row7["params"];
    assert_eq!(p["node"], "h3", "{row7}");
    assert_eq!(p["container"], name.as_str(), "{row7}");
    assert_eq!(p["command"], serde_json::json!(["sh", "-c", "exit 7"]));
    assert_eq!(p["tty"], false, "{row7}");
    assert!(p["duration_ms"].is_u64(), "{row7}");
    assert!(
        p["started_at"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{row7}"
    );
    assert!(
        p.get("recording").is_none(),
        "a session without a TTY is not recorded: {row7}"
    );
    assert_eq!(row["outcome"], "ok");
    // The real uid's name, not USER.
    let me = support::lab::real_user_name();
    assert_eq!(row7["actor"], me.as_str(), "{row7}");
    // 4 sessions per transport, 6 transports.
    let execs = rows.iter().filter(|r| r["action"] == "exec").count();
    assert_eq!(execs, 24, "one row per exec: {rows:#?}");
}

#[test]
fn ssh_runs_commands_on_the_node_behind_the_jump_host() {
    let act = Act::new("fdt-act-ssh-");
    let lab = act.lab();
    let h3 = lab.isolated_host();
    assert_eq!(h3.name, "h3", "the lab's isolated host");
    let line = "hostname; echo to-stderr >&2; exit 5";
    let watch = Watch::start(lab);

    let o = act.run("fleet.toml", &["ssh", "h3", "--", line]);
    assert_eq!(code(&o), 5, "{}", text(&o));
    assert_eq!(out(&o), format!("{}\n", h3.hostname), "{}", text(&o));
    assert!(err(&o).contains("to-stderr"), "{}", text(&o));

    // Several arguments are an argument list, each kept whole.
    let o = act.run(
        "fleet.toml",
        &["ssh", "h3", "--", "printf", "%s|", "a b", "$HOME", "it's"],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(out(&o), "a b|$HOME|it's|", "{}", text(&o));

    let o = act.run_input(
        "fleet.toml",
        &["ssh", "h3", "--", "cat"],
        b"to h3\non stdin\n",
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(out(&o), "to h3\non stdin\n");

    // h3's own sshd ran exactly what was asked, for this test's key.
    let seen = watch.seen();
    let on_h3: Vec<Option<&str>> = seen
        .own_sessions()
        .iter()
        .filter(|s| s.host == "h3")
        .map(|s| s.command.as_deref())
        .collect();
    assert!(on_h3.contains(&Some(line)), "{on_h3:?}");
    assert!(on_h3.contains(&Some("cat")), "{on_h3:?}");

    let o = act.run("fleet.toml", &["ssh", "fdt-act-nonode", "--", "true"]);
    assert_eq!(code(&o), 4, "{}", text(&o));
    let e = err(&o);
    assert!(
        e.contains("fdt-act-nonode") && e.contains("h1, h2, h3"),
        "the nodes are listed: {e}"
    );

    let row = act.audit_row("ssh", "h3", "ok");
    let rows = act.audit();
    let row5 = rows
        .iter()
        .find(|r| r["action"] == "ssh" && r["params"]["exit_status"] == 5)
        .unwrap_or_else(|| panic!("no ssh row with exit 5: {rows:#?}"));
    let p = &row5["params"];
    assert_eq!(p["node"], "h3");
    assert_eq!(p["container"], serde_json::Value::Null);
    assert_eq!(p["command"], serde_json::json!([line]));
    assert_eq!(p["tty"], false);
    assert!(
        p["duration_ms"].is_u64() && p["started_at"].is_string(),
        "{row5}"
    );
    assert!(p.get("recording").is_none(), "{row5}");
    assert_eq!(row["target"], "h3");
    assert_eq!(
        rows.iter().filter(|r| r["action"] == "ssh").count(),
        3,
        "one row per session, none for the unknown node: {rows:#?}"
    );
}

#[test]
fn targets_resolve_by_name_node_name_id_prefix_and_domain() {
    let act = Act::new("fdt-act-tgt-");
    let lab = act.lab();
    let made = Containers::new(lab);
    let twin = unique("twin");
    let id1 = made.with_file("h1", &twin, "twin-on-h1");
    made.with_file("h2", &twin, "twin-on-h2");
    let site_name = unique("sitebox");
    let site_id = made.with_file("h3", &site_name, "the-site");
    let domain = format!("{}.lab", unique("site"));

    // The same name on two engines: exit 4, both listed as node/name.
    for args in [
        vec!["exec", twin.as_str(), "--", "true"],
        vec!["inspect", twin.as_str()],
        vec!["restart", twin.as_str(), "--yes"],
    ] {
        let o = act.run("fleet.toml", &args);
        assert_eq!(code(&o), 4, "{args:?}: {}", text(&o));
        let e = err(&o);
        assert!(
            e.contains(&format!("h1/{twin}")) && e.contains(&format!("h2/{twin}")),
            "{args:?}: both candidates listed: {e}"
        );
    }
    let o = act.run(
        "fleet.toml",
        &["exec", &format!("h2/{twin}"), "--", "cat", "/fdt-only"],
    );
    assert_eq!(
        (code(&o), out(&o).as_str()),
        (0, "twin-on-h2"),
        "{}",
        text(&o)
    );
    let prefix = &id1[..12];
    let o = act.run("fleet.toml", &["exec", prefix, "--", "cat", "/fdt-only"]);
    assert_eq!(
        (code(&o), out(&o).as_str()),
        (0, "twin-on-h1"),
        "{}",
        text(&o)
    );

    // A site's domain, through its inventory row (the container has no fleetdeck label).
    let mut inv = Inventory::open(&act.fleet.path("inventory.db")).expect("inventory");
    let now = now_rfc3339();
    inv.insert_site(&Site {
        domain: domain.clone(),
        login: "fdtact".into(),
        vlan: 151,
        node: Some("h3".into()),
        ip: "10.90.151.10".parse().expect("ip"),
        container_id: Some(site_id.clone()),
        image: Some(lab.image.clone()),
        port: Some(80),
        state: SiteState::Active,
        created_at: now.clone(),
        updated_at: now,
    })
    .expect("site row");
    drop(inv);
    let o = act.run("fleet.toml", &["exec", &domain, "--", "cat", "/fdt-only"]);
    assert_eq!(
        (code(&o), out(&o).as_str()),
        (0, "the-site"),
        "{}",
        text(&o)
    );
    let record = act.inspect(&domain);
    assert_eq!(record["Id"], site_id.as_str(), "inspect by domain");

    // Nothing by that name: exit 4, nothing run.
    let o = act.run("fleet.toml", &["exec", &unique("nothing"), "--", "true"]);
    assert_eq!(code(&o), 4, "{}", text(&o));
    assert!(err(&o).contains("no container"), "{}", text(&o));
    let o = act.run("fleet.toml", &["exec", "fdt-act-nonode/x", "--", "true"]);
    assert_eq!(code(&o), 4, "{}", text(&o));
    assert!(err(&o).contains("h1, h2, h3"), "{}", text(&o));
}

/// The lab's busybox-static, alone in an image: no shell anywhere. Kept at `/busybox`
/// (busybox picks the applet from its own name, so `/bb` would not run), which none of
/// the places a shell is looked for.
fn import_shell_less_image(lab: &Lab, dir: &Path, tag: &str) {
    let which = run_with_timeout(
        std::process::Command::new("sh").args(["-c", "command -v busybox"]),
        Duration::from_secs(10),
    );
    assert_success(
        &which,
        "finding busybox (scripts/test.sh installs busybox-static)",
    );
    let busybox = support::lab::stdout(&which);
    let root = dir.join("rootfs");
    std::fs::create_dir_all(&root).expect("rootfs dir");
    std::fs::copy(&busybox, root.join("busybox")).expect("copy busybox");
    let tar = dir.join("noshell.tar");
    let o = run_with_timeout(
        std::process::Command::new("tar")
            .arg("-C")
            .arg(&root)
            .args(["--numeric-owner", "--owner=0", "--group=0", "-cf"])
            .arg(&tar)
            .arg("."),
        Duration::from_secs(30),
    );
    assert_success(&o, "tar of the shell-less rootfs");
    let o = lab.docker(
        "h1",
        &[
            "import",
            "-c",
            r#"CMD ["/busybox","sleep","3600"]"#,
            tar.to_str().expect("utf8"),
            tag,
        ],
    );
    assert_success(&o, "docker import of the shell-less image");
}

#[test]
fn a_container_without_a_shell_gets_a_clear_message_not_a_hang() {
    let act = Act::new("fdt-act-nosh-");
    let lab = act.lab();
    let tag = format!("fdt-act-noshell:{}", std::process::id());
    // Declared before the containers: dropped after them.
    let _image = defer(|| drop(lab.docker("h1", &["rmi", "-f", &tag])));
    let made = Containers::new(lab);
    import_shell_less_image(lab, act.fleet.dir.path(), &tag);
    let name = unique("noshell");
    made.run("h1", &name, &[], &tag);

    let started = Instant::now();
    let o = run_with_timeout(
        &mut act.fleet.command("fleet.toml", &["exec", &name]),
        Duration::from_secs(30),
    );
    assert_eq!(code(&o), 1, "{}", text(&o));
    let e = err(&o);
    assert!(
        e.contains(&format!("container {name} has no shell"))
            && e.contains(&format!("fleetdeck exec {name} -- COMMAND")),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it answered at once"
    );
    // The container itself works: a command runs.
    let o = act.run(
        "fleet.toml",
        &["exec", &name, "--", "/busybox", "echo", "alive"],
    );
    assert_eq!((code(&o), out(&o).as_str()), (0, "alive\n"), "{}", text(&o));
    let row = act.audit_row("exec", &format!("h1/{name}"), "failed");
    assert_eq!(row["params"]["command"], "interactive", "{row}");
    assert!(
        row["detail"]
            .as_str()
            .is_some_and(|d| d.contains("has no shell")),
        "{row}"
    );
}

/// An authorized key line added to the lab's authorized_keys; taken out on drop.
struct AddedKey {
    file: PathBuf,
    line: String,
}

impl AddedKey {
    fn append(file: &Path, line: String) -> AddedKey {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(file)
            .unwrap_or_else(|e| panic!("open {}: {e}", file.display()));
        writeln!(f, "{line}").expect("append the key");
        AddedKey {
            file: file.to_path_buf(),
            line,
        }
    }
}

impl Drop for AddedKey {
    fn drop(&mut self) {
        let Ok(text) = std::fs::read_to_string(&self.file) else {
            return;
        };
        let kept: String = text
            .lines()
            .filter(|l| *l != self.line)
            .map(|l| format!("{l}\n"))
            .collect();
        // Written in place: sshd reads it at each login, and its mode stays.
        if let Err(e) = std::fs::write(&self.file, kept) {
            eprintln!(
                "WARNING: could not remove the test key from {}: {e}",
                self.file.display()
            );
        }
    }
}

#[test]
fn a_node_refusing_ptys_gives_a_clear_error_and_commands_still_work() {
    let act = Act::new("fdt-act-nopty-");
    let lab = act.lab();
    let key = act.fleet.path("nopty_ed25519");
    let o = run_with_timeout(
        std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C"])
            .arg(unique("nopty"))
            .arg("-f")
            .arg(&key),
        Duration::from_secs(30),
    );
    assert_success(&o, "ssh-keygen");
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    let _key = AddedKey::append(&lab.authorized_keys, format!("no-pty {}", public.trim()));
    let lab_config = std::fs::read_to_string(&lab.ssh_config).expect("lab ssh_config");
    let ours = lab_config.replace(
        &lab.client_key.display().to_string(),
        &key.display().to_string(),
    );
    assert_ne!(ours, lab_config, "the lab ssh_config names no IdentityFile");
    let ssh_config = act.fleet.path("nopty_ssh_config");
    std::fs::write(&ssh_config, ours).expect("ssh_config");
    let config = lab.fleet_config_with(&ssh_config, "", &act.tables());
    std::fs::write(act.fleet.path("nopty.toml"), config).expect("config");

    // A person at a terminal asks for a shell: the refusal is said, at once.
    let tmux = Tmux::start(80, 24);
    tmux.type_line(&format!(
        "fleetdeck --config {} ssh h3; echo EXIT=$?",
        act.fleet.path("nopty.toml").display()
    ));
    let screen = tmux.wait_for(|s| exit_line(s).is_some(), "fleetdeck ssh to give up");
    assert_eq!(exit_line(&screen), Some("EXIT=1"), "{screen}");
    assert!(screen.contains("refuses PTYs"), "{screen}");
    assert!(
        screen.contains("fleetdeck ssh NODE -- COMMAND"),
        "what to do instead: {screen}"
    );
    // The terminal is as it was: cooked, echoing.
    tmux.type_line("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ,; echo");
    tmux.wait_for(
        |s| s.contains("icanon,echo,") || s.contains("echo,icanon,"),
        "cooked mode after the refusal",
    );

    // Without a terminal no PTY is asked for: the same key runs a command.
    let o = act.run(
        "nopty.toml",
        &["ssh", "h3", "--", "echo", "no-pty-key-works"],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(out(&o), "no-pty-key-works\n");
}

#[test]
fn restart_stop_and_start_change_the_container_and_write_audit_rows() {
    let act = Act::new("fdt-act-life-");
    let lab = act.lab();
    let made = Containers::new(lab);
    let name = unique("life");
    made.run("h3", &name, &[], &lab.image);
    let target = format!("h3/{name}");
    let before = act.inspect(&name);
    let started_before = before["State"]["StartedAt"]
        .as_str()
        .expect("StartedAt")
        .to_string();
    assert_eq!(before["State"]["Running"], true);

    let o = act.run("fleet.toml", &["restart", &name, "--yes"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        out(&o).contains(&format!("restarted {target}")),
        "{}",
        text(&o)
    );
    let after = act.inspect(&name);
    assert_eq!(after["State"]["Running"], true, "{after}");
    let started_after = after["State"]["StartedAt"].as_str().expect("StartedAt");
    assert_ne!(
        started_after, started_before,
        "restart changed the start time"
    );

    // No --yes and no terminal to ask on: exit 2, nothing done.
    let o = act.run("fleet.toml", &["stop", &name]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    let still = act.inspect(&name);
    assert_eq!(still["State"]["Running"], true, "{still}");
    assert_eq!(still["State"]["StartedAt"], started_after);

    let o = act.run("fleet.toml", &["stop", &name, "--yes"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(act.tree_state("h3", &name), "exited");

    let o = act.run("fleet.toml", &["start", &name]);
    assert_eq!(code(&o), 0, "start needs no confirmation: {}", text(&o));
    assert_eq!(act.tree_state("h3", &name), "running");

    let rows = act.audit();
    let ours: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["target"] == target.as_str())
        .map(|r| {
            (
                r["action"].as_str().unwrap_or(""),
                r["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        ours,
        [
            ("start", "ok"),
            ("stop", "ok"),
            ("stop", "refused"),
            ("restart", "ok")
        ],
        "newest first: {rows:#?}"
    );
    let stop = act.audit_row("stop", &target, "ok");
    assert_eq!(stop["params"]["container"], name.as_str(), "{stop}");
    assert_eq!(stop["params"]["node"], "h3", "{stop}");
    assert_eq!(stop["params"]["state_before"], "running", "{stop}");
    let start = act.audit_row("start", &target, "ok");
    assert_eq!(start["params"]["state_before"], "exited", "{start}");
}

/// A child process killed (and reaped) when the test ends, whatever happens.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `cmd` with stdout read line by line into a channel.
fn spawn_lines(cmd: &mut std::process::Command) -> (KillOnDrop, mpsc::Receiver<String>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (KillOnDrop(child), rx)
}

/// The first line (as JSON) `want` accepts, within `limit`; panics with what came.
fn wait_for_event(
    rx: &mpsc::Receiver<String>,
    limit: Duration,
    want: impl Fn(&serde_json::Value) -> bool,
    what: &str,
) -> serde_json::Value {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let v: serde_json::Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("events printed a non-JSON line {line:?}: {e}"));
                if want(&v) {
                    return v;
                }
                seen.push(line);
            }
            Err(e) => panic!("{what}: not seen within {limit:?} ({e}); lines: {seen:#?}"),
        }
    }
}

#[test]
fn events_show_a_container_start_the_test_caused() {
    let act = Act::new("fdt-act-ev-");
    let lab = act.lab();
    let made = Containers::new(lab);
    let name = unique("ev");
    made.made
        .borrow_mut()
        .push(("h3".to_string(), name.clone()));
    assert_success(
        &lab.docker("h3", &["create", "--name", &name, &lab.image]),
        "docker create",
    );
    let (_events, rx) = spawn_lines(
        &mut act
            .fleet
            .command("fleet.toml", &["events", "--json", "--since", "1m"]),
    );
    assert_success(&lab.docker("h3", &["start", &name]), "docker start");
    let event = wait_for_event(
        &rx,
        Duration::from_secs(30),
        |e| {
            e["node"] == "h3"
                && e["type"] == "container"
                && e["action"] == "start"
                && e["name"] == name.as_str()
        },
        "the start of the test's container on h3",
    );
    assert_eq!(event["id"].as_str().map(str::len), Some(64), "{event}");
    assert!(
        event["time"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{event}"
    );
}
