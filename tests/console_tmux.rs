//! The full-screen console driven for real in tmux: it draws, answers keys, and gives the
//! terminal back on quit and on SIGTERM/SIGHUP.

mod support;

use support::tmux::{PROMPT, Tmux, exit_line, log_file};

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

#[test]
fn console_shows_status_bar_help_and_gives_the_prompt_back() {
    let tmux = Tmux::start(80, 24);
    tmux.type_line("fleetdeck; echo EXIT=$?");
    let screen = tmux.wait_for(
        |s| s.contains("? help") && s.contains("local up"),
        "the console with this machine polled",
    );
    assert!(screen.contains("READ-WRITE"), "{screen}");
    assert!(screen.contains("Fleet"), "{screen}");

    tmux.send(&["?"]);
    // The popup's last line: a capture can land between the first and last cells of a frame.
    let screen = tmux.wait_for(
        |s| s.contains("Help") && s.contains("inventory:"),
        "the help popup",
    );
    assert!(screen.contains("quit"), "{screen}");
    assert!(
        screen.contains("built-in default"),
        "the config in use: {screen}"
    );
    assert!(
        screen.contains("inventory.db"),
        "the inventory in use: {screen}"
    );

    tmux.send(&["q"]);
    // The shell prints its prompt a moment after EXIT=0: wait for both, then check them.
    let last_line = |s: &str| {
        s.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let screen = tmux.wait_for(
        |s| s.contains("EXIT=0") && last_line(s) == PROMPT,
        "fleetdeck to exit and the prompt to come back",
    );
    assert!(
        !screen.contains("? help"),
        "the alternate screen was not left:\n{screen}"
    );
    assert_eq!(last_line(&screen), PROMPT, "the prompt is back:\n{screen}");

    // The terminal is back in cooked mode: the shell echoes what is typed.
    tmux.type_line("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ,; echo");
    tmux.wait_for(
        |s| s.contains("icanon,echo,") || s.contains("echo,icanon,"),
        "cooked mode",
    );

    let log = std::fs::read_to_string(log_file(tmux.home())).expect("log file in the state dir");
    assert!(log.contains("start"), "{log}");
    assert!(
        tmux.home()
            .join(".local/share/fleetdeck/inventory.db")
            .exists(),
        "inventory in the data dir"
    );
}

#[test]
fn console_restores_the_terminal_on_sigterm_and_sighup() {
    for signal in ["TERM", "HUP"] {
        let tmux = Tmux::start(100, 30);
        tmux.type_line("fleetdeck --read-only; echo EXIT=$?");
        tmux.wait_for(|s| s.contains("READ-ONLY"), "the console in read-only mode");
        let pid = tmux.console_pid();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let screen = tmux.wait_for(
            |s| exit_line(s).is_some(),
            "fleetdeck to leave on SIG{signal}",
        );
        assert_eq!(exit_line(&screen), Some("EXIT=0"), "SIG{signal}: {screen}");
        assert!(
            !screen.contains("READ-ONLY"),
            "SIG{signal}: alternate screen not left:\n{screen}"
        );
        tmux.type_line("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ,; echo");
        tmux.wait_for(
            |s| s.contains("icanon,echo,") || s.contains("echo,icanon,"),
            "cooked mode",
        );
        assert!(
            !tmux
                .home()
                .join(".local/share/fleetdeck/inventory.db")
                .exists(),
            "read-only mode must not create the inventory"
        );
        let log = std::fs::read_to_string(log_file(tmux.home())).expect("log");
        assert!(
            log.contains(&format!("SIG{signal}")),
            "signal logged: {log}"
        );
    }
}

#[test]
fn console_is_usable_at_a_tiny_size() {
    let tmux = Tmux::start(20, 5);
    tmux.type_line("fleetdeck; echo EXIT=$?");
    tmux.wait_for(|s| s.contains("Fleet"), "the console at 20x5");
    tmux.send(&["?"]);
    tmux.wait_for(|s| s.contains("Help"), "help at 20x5");
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "exit at 20x5");
}

/// Whether the table row of `name` (the tree pane, left of any details pane) has `word`
/// in its state column.
fn row_says(screen: &str, name: &str, word: &str) -> bool {
    screen.lines().any(|l| {
        let tree = l.split("││").next().unwrap_or(l);
        tree.contains(&format!(" {name} ")) && tree.contains(&format!(" {word}"))
    })
}

/// The lab's hosts as a fleet config in the tmux home.
fn lab_config(tmux: &Tmux, lab: &support::lab::Lab) -> PathBuf {
    let path = tmux.home().join("fleet.toml");
    std::fs::write(&path, lab.fleet_config("refresh_secs = 60", "")).expect("config");
    path
}

#[test]
fn console_shows_the_lab_and_a_container_started_out_of_band() {
    let lab = support::lab::Lab::load();
    let tmux = Tmux::start(120, 40);
    let config = lab_config(&tmux, &lab);
    tmux.run_console(&config);
    tmux.wait_for(
        |s| s.contains("h1 up") && s.contains("h2 up") && s.contains("h3 up"),
        "every lab host up",
    );

    let name = format!("fdtmux-{}", std::process::id());
    let _cleanup = support::lab::defer(|| {
        lab.docker("h1", &["rm", "-f", &name]);
    });
    let out = lab.docker("h1", &["run", "-d", "--name", &name, &lab.image]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // No key pressed, refresh is 60 s: only the event stream can bring it.
    let screen = tmux.wait_for(
        |s| row_says(s, &name, "running"),
        "the new container on screen",
    );
    assert!(
        screen.contains("NAME") && screen.contains("STATE"),
        "{screen}"
    );

    // Filter down to it and select it; the details pane shows it.
    tmux.send(&["/"]);
    tmux.send(&["-l", &name]);
    tmux.send(&["Enter"]);
    tmux.wait_for(
        |s| s.contains(&format!("/{name}")) && !s.contains("h2 up"),
        "the filtered tree",
    );
    tmux.send(&["G"]);
    tmux.wait_for(|s| s.contains(&format!("container  {name}")), "its details");
    tmux.quit_cleanly();
}

#[test]
fn console_logs_stats_and_palette_on_a_lab_container() {
    let lab = support::lab::Lab::load();
    let name = format!("fdtu-logs-{}", std::process::id());
    let _cleanup = support::lab::defer(|| {
        lab.docker("h1", &["rm", "-f", &name]);
    });
    let script = "i=0; while [ $i -lt 3 ]; do echo \"hello stdout $i\"; \
                  echo \"oops stderr $i\" >&2; i=$((i+1)); done; exec sleep 3600";
    let out = lab.docker(
        "h1",
        &["run", "-d", "--name", &name, &lab.image, "sh", "-c", script],
    );
    support::lab::assert_success(&out, "docker run");

    let tmux = Tmux::start(120, 40);
    let config = lab_config(&tmux, &lab);
    tmux.run_console(&config);
    tmux.wait_for(
        |s| s.contains("h2 up") && row_says(s, &name, "running"),
        "the lab and the container",
    );

    // Select it through the filter.
    tmux.send(&["/"]);
    tmux.send(&["-l", &name]);
    tmux.send(&["Enter"]);
    tmux.send(&["G"]);
    tmux.wait_for(
        |s| s.contains(&format!("container  {name}")),
        "it is selected",
    );

    // Its logs: stdout and stderr, stderr marked by a word.
    tmux.send(&["l"]);
    let screen = tmux.wait_for(
        |s| {
            s.contains(&format!("Logs: {name} on h1"))
                && s.contains("oops stderr 2")
                && s.contains("FOLLOWING")
        },
        "the logs view with its lines",
    );
    assert!(screen.contains("hello stdout 2"), "{screen}");
    let err_line = screen
        .lines()
        .find(|l| l.contains("oops stderr 0"))
        .expect("an stderr line");
    assert!(err_line.contains("ERR "), "stderr is marked: {err_line}");
    let out_line = screen
        .lines()
        .find(|l| l.contains("hello stdout 0"))
        .expect("a stdout line");
    assert!(!out_line.contains("ERR "), "stdout is not: {out_line}");
    tmux.send(&["Escape"]);
    tmux.wait_for(
        |s| s.contains(&format!("container  {name}")) && !s.contains("Logs:"),
        "back on the tree",
    );

    // Its stats: the view opens and fills with a sample.
    tmux.send(&["s"]);
    tmux.wait_for(
        |s| {
            s.contains(&format!("Stats: {name} on h1"))
                && s.contains("Memory")
                && s.contains("graphs of the last")
        },
        "the stats view with a sample",
    );
    tmux.send(&["Escape"]);
    tmux.wait_for(|s| !s.contains("Stats:"), "the stats view closed");
    // Both streams stopped when their views closed, while the console runs on.
    let log_path = log_file(tmux.home());
    let ended = support::lab::retry(Duration::from_secs(10), || {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let count = |what: &str, kind: &str| {
            log.lines()
                .filter(|l| {
                    l.contains(what)
                        && (l.contains(&format!("kind={kind}"))
                            || l.contains(&format!("kind=\"{kind}\"")))
                })
                .count()
        };
        let counts = [
            count("container stream opening", "logs"),
            count("container stream ended", "logs"),
            count("container stream opening", "stats"),
            count("container stream ended", "stats"),
        ];
        (counts == [1, 1, 1, 1]).then_some(counts)
    });
    assert!(
        ended.is_some(),
        "each stream ends when its view closes:\n{}",
        std::fs::read_to_string(&log_path).unwrap_or_default()
    );

    // The palette: complete `:node`, then go to h2 (the filter hiding it goes).
    tmux.send(&[":"]);
    tmux.send(&["-l", "no"]);
    tmux.send(&["Tab"]);
    tmux.wait_for(
        |s| s.contains(":node h1") && s.contains(":node h2"),
        "node candidates",
    );
    tmux.send(&["-l", "h2"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(
        |s| s.contains("node       h2") && s.contains("h1 up"),
        "h2 selected, shown in the details",
    );
    tmux.send(&[":"]);
    tmux.send(&["-l", "frobnicate"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(
        |s| s.contains("unknown command :frobnicate"),
        "an unknown command in the activity panel",
    );

    tmux.quit_cleanly();
    assert!(
        !screen.contains("Fleet"),
        "alternate screen left:\n{screen}"
    );
    tmux.type_line("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ,; echo");
    tmux.wait_for(
        |s| s.contains("icanon,echo,") || s.contains("echo,icanon,"),
        "cooked mode",
    );
}
