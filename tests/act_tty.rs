//! `fleetdeck ssh` and `fleetdeck exec` with a real terminal (tmux at 80x24): the remote
//! TTY gets the terminal's size and follows a resize of the tmux window, the remote exit
//! status becomes fleetdeck's, `Enter ~ .` ends a hung session with 255, and the
//! interactive session is audited and recorded (asciicast v2, owner-only) so that
//! `fleetdeck audit replay ID --raw` prints what it showed. Needs the lab (scripts/test.sh).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use support::fleet::{TestFleet, code, text};
use support::lab::{Lab, assert_success};
use support::tmux::{Tmux, exit_line};

/// A private fleetdeck over the lab, sessions recorded under `<dir>/sessions`.
fn fleet(prefix: &str) -> TestFleet {
    let fleet = TestFleet::new(Lab::load(), prefix);
    let tables = format!(
        "[inventory]\npath = {:?}\n[audit]\nsessions_dir = {:?}\n",
        fleet.path("inventory.db").display().to_string(),
        fleet.path("sessions").display().to_string(),
    );
    fleet.write_config("fleet.toml", "", &tables);
    fleet
}

/// Whether a line of the screen is exactly `want` (the output, not the typed command).
fn shows_line(screen: &str, want: &str) -> bool {
    screen.lines().any(|l| l.trim() == want)
}

/// Types `line` until `want` shows as a line of its own: a resize reaches the remote
/// asynchronously, so the first `stty size` after one may still see the old size. Up to
/// 10 tries, 1.5 s each.
fn type_until(tmux: &Tmux, line: &str, want: &str) -> String {
    for _ in 0..10 {
        tmux.type_line(line);
        let deadline = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < deadline {
            let screen = tmux.screen();
            if shows_line(&screen, want) {
                return screen;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Clear the screen so an old answer cannot match the next try.
        tmux.type_line("clear");
    }
    panic!(
        "`{line}` never printed {want:?}; screen:\n{}",
        tmux.screen()
    );
}

/// Starts `fleetdeck ARGS` in the pane, then waits until the remote shell runs commands.
fn open_session(tmux: &Tmux, fleet: &TestFleet, args: &str) {
    tmux.type_line(&format!(
        "fleetdeck --config {} {args}; echo EXIT=$?",
        fleet.path("fleet.toml").display()
    ));
    // $((...)) is expanded by the remote shell: the typed line itself never matches.
    tmux.type_line("echo fdt-act-ready-$((40+2))");
    tmux.wait_for(
        |s| shows_line(s, "fdt-act-ready-42"),
        "the remote shell to answer",
    );
}

/// The size follows the terminal, then `exit 3` ends the session with status 3.
fn size_follows_and_status_passes(tmux: &Tmux) {
    type_until(tmux, "stty size", "24 80");
    tmux.type_line("clear");
    tmux.resize(100, 30);
    type_until(tmux, "stty size", "30 100");
    tmux.type_line("clear");
    tmux.resize(90, 20);
    type_until(tmux, "stty size", "20 90");
    tmux.type_line("exit 3");
    let screen = tmux.wait_for(|s| exit_line(s).is_some(), "fleetdeck to exit");
    assert_eq!(exit_line(&screen), Some("EXIT=3"), "{screen}");
}

fn audit(fleet: &TestFleet) -> Vec<serde_json::Value> {
    let o = fleet.run("fleet.toml", &["audit", "--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("audit json");
    doc["audit"].as_array().expect("rows").clone()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The interactive session's row, its recording (0600 in a 0700 directory, asciicast v2
/// with the resizes), and a raw replay showing what the screen showed.
fn recorded(fleet: &TestFleet, action: &str, target: &str) {
    let rows = audit(fleet);
    let row = rows
        .iter()
        .find(|r| r["action"] == action && r["target"] == target)
        .unwrap_or_else(|| panic!("no {action} row for {target}: {rows:#?}"));
    let p = &row["params"];
    assert_eq!(row["outcome"], "ok", "{row}");
    assert_eq!(p["command"], "interactive", "{row}");
    assert_eq!(p["tty"], true, "{row}");
    assert_eq!(p["exit_status"], 3, "{row}");
    assert!(p["duration_ms"].as_u64().is_some_and(|d| d > 0), "{row}");
    let path = Path::new(p["recording"].as_str().expect("a recording path"));
    let dir = fleet.path("sessions");
    assert_eq!(path.parent(), Some(dir.as_path()), "{row}");
    assert_eq!(mode(path), 0o600, "{}", path.display());
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    let cast = std::fs::read_to_string(path).expect("recording");
    let mut lines = cast.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("header")).expect("header json");
    assert_eq!(header["version"], 2, "{header}");
    assert_eq!(
        (header["width"].as_u64(), header["height"].as_u64()),
        (Some(80), Some(24))
    );
    let events: Vec<serde_json::Value> = lines
        .map(|l| serde_json::from_str(l).expect("event json"))
        .collect();
    for size in ["100x30", "90x20"] {
        assert!(
            events.iter().any(|e| e[1] == "r" && e[2] == size),
            "no resize to {size} recorded"
        );
    }
    assert!(
        events.iter().all(|e| e[1] == "o" || e[1] == "r"),
        "output and resizes only, never keystrokes"
    );
    let id = row["id"].as_i64().expect("id").to_string();
    let o = fleet.run("fleet.toml", &["audit", "replay", &id, "--raw"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let shown = String::from_utf8_lossy(&o.stdout);
    for want in ["fdt-act-ready-42", "24 80", "30 100", "20 90"] {
        assert!(shown.contains(want), "the replay lacks {want:?}: {shown:?}");
    }
}

#[test]
fn ssh_behind_the_jump_host_follows_the_terminal_size_and_passes_the_exit_status() {
    let fleet = fleet("fdt-act-tty-ssh-");
    let tmux = Tmux::start(80, 24);
    open_session(&tmux, &fleet, "ssh h3");
    tmux.type_line("hostname");
    tmux.wait_for(|s| shows_line(s, "h3"), "the shell to be on h3");
    size_follows_and_status_passes(&tmux);
    recorded(&fleet, "ssh", "h3");
}

#[test]
fn exec_follows_the_terminal_size_and_passes_the_exit_status() {
    let fleet = fleet("fdt-act-tty-exec-");
    let lab = &fleet.lab;
    let name = format!("fdt-act-tty-{}", std::process::id());
    let _clean = support::lab::defer(|| drop(lab.docker("h2", &["rm", "-f", &name])));
    let o = lab.docker("h2", &["run", "-d", "--name", &name, &lab.image]);
    assert_success(&o, "docker run");
    let tmux = Tmux::start(80, 24);
    open_session(&tmux, &fleet, &format!("exec {name}"));
    size_follows_and_status_passes(&tmux);
    recorded(&fleet, "exec", &format!("h2/{name}"));
}

#[test]
fn enter_tilde_dot_ends_a_hung_session_with_255() {
    let fleet = fleet("fdt-act-tty-esc-");
    let tmux = Tmux::start(80, 24);
    open_session(&tmux, &fleet, "ssh h3");
    tmux.type_line("sleep 100");
    tmux.send(&["-l", "~."]);
    let screen = tmux.wait_for(|s| exit_line(s).is_some(), "fleetdeck to end the session");
    assert_eq!(exit_line(&screen), Some("EXIT=255"), "{screen}");
    assert!(screen.contains("session ended with ~."), "{screen}");
    // The terminal is back in cooked mode.
    tmux.type_line("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ,; echo");
    tmux.wait_for(
        |s| s.contains("icanon,echo,") || s.contains("echo,icanon,"),
        "cooked mode after ~.",
    );
    let rows = audit(&fleet);
    let row = rows
        .iter()
        .find(|r| r["action"] == "ssh" && r["target"] == "h3")
        .unwrap_or_else(|| panic!("no ssh row: {rows:#?}"));
    assert_eq!(
        row["params"]["exit_status"],
        serde_json::Value::Null,
        "{row}"
    );
    assert!(
        row["detail"].as_str().is_some_and(|d| d.contains("~.")),
        "{row}"
    );
}
