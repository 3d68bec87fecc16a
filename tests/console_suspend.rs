//! Ctrl-Z and fg, for real in tmux: the console gives the terminal back to bash (cooked
//! mode, main screen, job stopped), and `fg` brings it back redrawn with the same
//! selection. Needs no lab: the console runs on this machine alone.

mod support;

use support::tmux::{PROMPT, Tmux, exit_line};

use std::process::Command;

const HEIGHT: u16 = 30;

fn last_line(screen: &str) -> String {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The tree and details panes: the screen without the activity panel and the status bar,
/// whose clock moves on.
fn panes(screen: &str) -> String {
    screen
        .lines()
        .take(usize::from(HEIGHT) - 6)
        .collect::<Vec<_>>()
        .join("\n")
}

fn process_state(pid: u32) -> String {
    let out = Command::new("ps")
        .args(["-o", "stat=", "-p", &pid.to_string()])
        .output()
        .expect("ps");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn ctrl_z_stops_the_console_and_fg_brings_it_back_as_it_was() {
    let tmux = Tmux::start(110, HEIGHT);
    tmux.type_line("fleetdeck");
    tmux.wait_for(
        |s| s.contains("? help") && s.contains("local up"),
        "the console with this machine polled",
    );
    // Away from the first row, so a console restarted from scratch would show otherwise.
    tmux.send(&["G"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let before = tmux.screen();
    let pid = tmux.console_pid();

    tmux.send(&["C-z"]);
    let stopped = tmux.wait_for(
        |s| s.contains("Stopped") && last_line(s) == PROMPT,
        "bash's prompt after Ctrl-Z",
    );
    assert!(
        !stopped.contains("? help"),
        "the alternate screen was left:\n{stopped}"
    );
    assert!(
        process_state(pid).starts_with('T'),
        "fleetdeck is stopped: {}",
        process_state(pid)
    );
    tmux.type_line("jobs; echo JOBS-END");
    let jobs = tmux.wait_for(|s| s.contains("\nJOBS-END"), "the jobs listing");
    let listing = jobs
        .split("jobs; echo JOBS-END")
        .nth(1)
        .expect("the listing after the command");
    assert!(
        listing
            .lines()
            .any(|l| l.contains("Stopped") && l.contains("fleetdeck")),
        "jobs shows fleetdeck stopped:\n{jobs}"
    );
    // The terminal is the shell's again: cooked, echoing.
    tmux.type_line("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ,; echo");
    tmux.wait_for(
        |s| s.contains("icanon,echo,") || s.contains("echo,icanon,"),
        "cooked mode while the console is stopped",
    );

    tmux.type_line("fg");
    let after = tmux.wait_for(
        |s| s.contains("? help") && panes(s) == panes(&before),
        "the console redrawn as it was, same selection",
    );
    assert!(
        !after.contains("JOBS-END"),
        "the console's screen, not the shell's:\n{after}"
    );
    assert!(process_state(pid).starts_with('S') || process_state(pid).starts_with('R'));

    // It still answers keys, and quits cleanly.
    tmux.send(&["?"]);
    tmux.wait_for(|s| s.contains("Help"), "the help popup after fg");
    tmux.send(&["?"]);
    tmux.wait_for(|s| !s.contains("Help"), "the help popup closed");
    tmux.send(&["q"]);
    tmux.wait_for(|s| last_line(s) == PROMPT, "the prompt after q");
    tmux.type_line("echo EXIT=$?");
    let done = tmux.wait_for(|s| exit_line(s).is_some(), "the exit status");
    assert_eq!(exit_line(&done), Some("EXIT=0"), "{done}");
}
