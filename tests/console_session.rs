//! `e` in the console, for real: tmux at 80x24, a node behind a jump host and a container,
//! the remote PTY at the terminal's size and following a resize, the console back as it
//! was afterwards; `R` restarts a container through the confirm popup; read-only refuses.

mod support;

use support::audit::Watch;
use support::fleet::{TestFleet, code};
use support::lab::{Lab, assert_success, defer};
use support::tmux::Tmux;

const IMAGE_CMD: &[&str] = &["sleep", "3600"];

/// The read-only test reads every engine's log for its window: the tests of this binary
/// take turns so that one's exec is not seen in another's window.
static WINDOW: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    WINDOW.lock().unwrap_or_else(|p| p.into_inner())
}

fn console(tmux: &Tmux, fleet: &TestFleet, config: &str, extra: &str) {
    let line = format!(
        "XDG_STATE_HOME={} fleetdeck --config {} {extra}; echo EXIT=$?",
        fleet.path("state").display(),
        fleet.path(config).display()
    );
    tmux.type_line(&line);
    tmux.wait_for(
        |s| s.contains("? help") && s.contains(" up ") && s.contains("h3 up"),
        "the console with the lab polled",
    );
}

fn palette(tmux: &Tmux, line: &str) {
    tmux.send(&[":"]);
    tmux.send(&["-l", line]);
    tmux.send(&["Enter"]);
}

fn run_container(lab: &Lab, host: &str, name: &str) {
    let mut args = vec!["run", "-d", "--name", name, &lab.image];
    args.extend_from_slice(IMAGE_CMD);
    assert_success(&lab.docker(host, &args), "docker run");
}

fn remove_container(lab: &Lab, host: &str, name: &str) {
    let _ = lab.docker(host, &["rm", "-f", name]);
}

fn started_at(lab: &Lab, host: &str, name: &str) -> String {
    let out = lab.docker(host, &["inspect", "-f", "{{.State.StartedAt}}", name]);
    assert_success(&out, "docker inspect");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn e_on_a_node_behind_a_jump_host_follows_resizes_and_gives_the_console_back() {
    let _turn = turn();
    let lab = Lab::load();
    let fleet = TestFleet::new(lab, "fdtc-sess");
    fleet.write_config(
        "c.toml",
        &format!(
            "[inventory]\npath = {:?}\n[audit]\nsessions_dir = {:?}\n",
            fleet.path("inv.db").display().to_string(),
            fleet.path("sessions").display().to_string()
        ),
        "",
    );
    let tmux = Tmux::start(80, 24);
    console(&tmux, &fleet, "c.toml", "");
    palette(&tmux, "node h3");
    tmux.wait_for(
        |s| s.contains("node       h3") || s.contains("h3 up"),
        "h3 selected",
    );
    tmux.send(&["e"]);
    tmux.wait_for(|s| s.contains("root@h3"), "a shell prompt on h3");
    tmux.type_line("stty size; echo SIZE-DONE");
    tmux.wait_for(
        |s| s.contains("24 80") && s.contains("SIZE-DONE"),
        "stty size 24 80",
    );
    tmux.resize(100, 30);
    tmux.type_line("clear; stty size; echo RESIZED");
    tmux.wait_for(
        |s| s.contains("30 100") && s.contains("RESIZED"),
        "stty size after the resize",
    );
    tmux.type_line("exit 3");
    let screen = tmux.wait_for(
        |s| s.contains("? help") && s.contains("ssh h3: exit 3"),
        "the console back, with the session's exit status",
    );
    // Same selection: the details pane (shown from 100 columns) is about h3.
    assert!(
        screen.contains("node       h3"),
        "selection kept:\n{screen}"
    );
    assert!(
        !screen.contains("root@h3"),
        "the alternate screen is back:\n{screen}"
    );
    // The console still answers keys, and none of the session's leaked into it.
    tmux.send(&["?"]);
    tmux.wait_for(|s| s.contains("Help: fleet"), "help after the session");
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");

    let audit = fleet.run("c.toml", &["audit", "--json"]);
    assert_eq!(code(&audit), 0);
    let doc: serde_json::Value = serde_json::from_slice(&audit.stdout).expect("audit json");
    let row = doc["audit"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["action"] == "ssh"))
        .unwrap_or_else(|| panic!("an ssh audit row: {doc:#}"));
    assert_eq!(row["target"], "h3");
    assert_eq!(row["params"]["command"], "interactive");
    assert_eq!(row["params"]["exit_status"], 3);
    let recording = row["params"]["recording"].as_str().expect("recorded");
    let cast = std::fs::read_to_string(recording).expect("recording");
    assert!(
        cast.contains("30 100"),
        "the recording has the session's output"
    );
}

#[test]
fn e_on_a_container_and_r_restarts_it_through_the_confirm_popup() {
    let _turn = turn();
    let lab = Lab::load();
    let name = format!("fdtc-sess-{}", std::process::id());
    run_container(&lab, "h2", &name);
    let lab2 = Lab::load();
    let cleanup_name = name.clone();
    let _cleanup = defer(move || remove_container(&lab2, "h2", &cleanup_name));
    assert_success(
        &lab.docker(
            "h2",
            &["exec", &name, "sh", "-c", "echo only-in-this-one > /marker"],
        ),
        "marker",
    );
    let fleet = TestFleet::new(lab, "fdtc-sess");
    fleet.write_config(
        "c.toml",
        &format!(
            "[inventory]\npath = {:?}\n[audit]\nrecord_sessions = false\n",
            fleet.path("inv.db").display().to_string()
        ),
        "",
    );
    let tmux = Tmux::start(80, 24);
    console(&tmux, &fleet, "c.toml", "");
    tmux.wait_for(|s| s.contains(&name), "the container in the tree");
    palette(&tmux, &format!("shell {name}"));
    tmux.wait_for(|s| s.contains("/ #"), "busybox's prompt in the container");
    tmux.type_line("cat /marker; stty size");
    tmux.wait_for(
        |s| s.contains("only-in-this-one") && s.contains("24 80"),
        "the container's file",
    );
    tmux.type_line("exit 5");
    tmux.wait_for(
        |s| s.contains("? help") && s.contains(&format!("exec h2/{name}: exit 5")),
        "the console back with exec's status",
    );

    let before = started_at(&fleet.lab, "h2", &name);
    tmux.send(&["R"]);
    tmux.wait_for(|s| s.contains("y apply"), "the restart plan");
    tmux.send(&["y"]);
    tmux.wait_for(
        |s| s.contains("restart h2/") && s.contains("done"),
        "the restart done",
    );
    let after = started_at(&fleet.lab, "h2", &name);
    assert_ne!(before, after, "the container was restarted");
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");
}

#[test]
fn read_only_console_refuses_e_and_r_before_dialing() {
    let _turn = turn();
    let lab = Lab::load();
    let fleet = TestFleet::new(lab, "fdtc-sess");
    fleet.write_config("ro.toml", "read_only = true\n", "");
    let watch = Watch::start(&fleet.lab);
    let tmux = Tmux::start(80, 24);
    console(&tmux, &fleet, "ro.toml", "");
    palette(&tmux, "node h1");
    tmux.send(&["e"]);
    tmux.wait_for(|s| s.contains("refused in read-only mode"), "the refusal");
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");
    // No interactive session, no exec, no container start/stop: the witnesses saw only
    // the read-only catalog and GET/HEAD.
    let seen = watch.assert_read_only("a read-only console asked for a shell");
    assert!(
        !seen
            .docker_lines
            .iter()
            .any(|l| l.contains("/exec") || l.contains("/restart") || l.contains("/stop")),
        "no exec or lifecycle call reached an engine"
    );
}
