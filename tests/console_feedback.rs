//! Honest feedback from the console on the lab. The logs view follows a crash-looping
//! container through its restarts (README "Logs"): each run's line arrives once, in
//! order, with a marker at each exit showing the exit code, and removing the container
//! ends the view saying so, never `FOLLOWING` next to an ended stream. `r` says when
//! every node answered; a check's problems say how old they are.

mod support;

use std::time::Duration;

use support::tmux::{Tmux, poll_bound};

/// Each run counts itself in a file of the container (kept across restarts), prints
/// its number, and exits with code 3 a second later; restart policy `always`.
const CRASH: &str = "n=$(cat /run-count 2>/dev/null || echo 0); n=$((n+1)); \
                     echo $n > /run-count; echo \"crash run $n\"; sleep 1; exit 3";

/// The screen's lines from `crash run N` lines and exit markers, in screen order.
fn story(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| {
            if let Some(at) = l.find("crash run ") {
                let n: String = l[at + 10..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                Some(format!("run {n}"))
            } else if l.contains("── exited (3) at ") || l.contains("-- exited (3) at ") {
                // The rule is drawn in ASCII where the terminal's locale is not UTF-8.
                Some("exit".to_string())
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn logs_follow_a_crash_loop_with_exit_markers_then_say_the_container_went() {
    let lab = support::lab::Lab::load();
    let name = format!("fdtu-crash-{}", std::process::id());
    let _cleanup = support::lab::defer(|| {
        lab.docker("h1", &["rm", "-f", &name]);
    });
    let out = lab.docker(
        "h1",
        &[
            "run",
            "-d",
            "--restart",
            "always",
            "--name",
            &name,
            &lab.image,
            "sh",
            "-c",
            CRASH,
        ],
    );
    support::lab::assert_success(&out, "docker run");

    let tmux = Tmux::start(120, 40);
    let config = tmux.home().join("fleet.toml");
    std::fs::write(&config, lab.fleet_config("refresh_secs = 60", "")).expect("config");
    tmux.run_console(&config);
    tmux.wait_up_to(
        poll_bound(&config),
        |s| s.contains("h1 up") && s.contains(&name),
        "the lab and the crashing container",
    );
    tmux.send(&["/"]);
    tmux.send(&["-l", &name]);
    tmux.send(&["Enter"]);
    tmux.send(&["G"]);
    tmux.wait_for(
        |s| s.contains(&format!("container  {name}")),
        "it is selected",
    );
    tmux.send(&["l"]);
    tmux.wait_for(
        |s| s.contains(&format!("Logs: {name} on h1")),
        "the logs view",
    );

    // Docker waits 100 ms before the first restart and doubles it each time: four runs
    // and three exits take about 5 s; the bound leaves room for a loaded machine.
    let screen = tmux.wait_up_to(
        Duration::from_secs(60),
        |s| story(s).iter().filter(|w| *w == "exit").count() >= 3,
        "three exits marked",
    );
    let seen = story(&screen);
    // Runs are numbered in order, each shown once (the tail read on opening may hold
    // earlier runs, whose exits came before the view).
    let runs: Vec<u32> = seen
        .iter()
        .filter_map(|w| w.strip_prefix("run ").and_then(|n| n.parse().ok()))
        .collect();
    assert!(
        runs.windows(2).all(|w| w[1] == w[0] + 1),
        "each run once, in order: {runs:?}\n{screen}"
    );
    // From the first exit the view saw on, an exit comes between two runs.
    let from = seen.iter().position(|w| w == "exit").unwrap_or(0);
    let exits: Vec<bool> = seen[from..].iter().map(|w| w == "exit").collect();
    assert!(
        exits.windows(2).all(|w| w[0] != w[1]),
        "runs and exits alternate: {seen:?}\n{screen}"
    );
    assert!(
        !screen.contains("ended") && !screen.contains("ENDED"),
        "a restart is no end:\n{screen}"
    );

    // Removed: the view says so, and no longer claims to follow.
    let out = lab.docker("h1", &["rm", "-f", &name]);
    support::lab::assert_success(&out, "docker rm");
    let screen = tmux.wait_up_to(
        Duration::from_secs(30),
        |s| s.contains("ENDED: container removed"),
        "the view to say the container went",
    );
    assert!(
        !screen.contains("FOLLOWING"),
        "no FOLLOWING on an ended stream:\n{screen}"
    );
    // (q, not Esc: an Esc right before another key reads as Alt.)
    tmux.send(&["q"]);
    tmux.wait_for(|s| !s.contains("Logs:"), "the logs view to close");
    tmux.quit_cleanly();
}

#[test]
fn r_says_it_refreshed_and_the_check_says_its_age() {
    let lab = support::lab::Lab::load();
    let tmux = Tmux::start(120, 40);
    let config = tmux.home().join("fleet.toml");
    std::fs::write(&config, lab.fleet_config("refresh_secs = 60", "")).expect("config");
    let nodes = lab.hosts.len();
    tmux.run_console(&config);
    tmux.wait_up_to(
        poll_bound(&config),
        |s| s.contains(&format!("{nodes} up")),
        "every lab host up",
    );
    let status = |s: &str| {
        s.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_string()
    };
    // The selection starts on the first node: `l` there says why it does nothing.
    tmux.send(&["g"]);
    tmux.send(&["l"]);
    tmux.wait_for(
        |s| status(s).contains("logs: select a container"),
        "l on a node to say why",
    );
    tmux.send(&["r"]);
    // The note lasts 5 s; one poll of every node comes well within the poll's bound.
    tmux.wait_up_to(
        poll_bound(&config),
        |s| status(s).contains(&format!("refreshed {nodes} nodes")),
        "the refresh to say it is done",
    );

    tmux.send(&["i"]);
    let screen = tmux.wait_up_to(
        Duration::from_secs(120),
        |s| status(s).contains(" ago ") && (status(s).contains("problem")),
        "the check's problems with their age",
    );
    let line = status(&screen);
    let age = line
        .split(" ago ")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .unwrap_or_default()
        .to_string();
    assert!(
        age.ends_with('s') && age[..age.len() - 1].parse::<u64>().is_ok(),
        "a fresh check is seconds old: {line}"
    );
    if screen.contains("Findings") {
        tmux.send(&["q"]);
        tmux.wait_for(|s| !s.contains("Findings"), "the findings to close");
    }
    tmux.quit_cleanly();
}
