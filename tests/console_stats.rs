//! The stats view in tmux at 80x24, read-only, on two lab containers: one run with
//! `--cpus 0.5 --memory 64m --pids-limit 40`, whose CPU and memory are measured against
//! those limits, and one without limits, measured against the host; both with network,
//! block I/O and PIDs lines and graphs with their axis (README "Stats").

mod support;

use support::tmux::{Tmux, exit_line};

/// Some CPU, some network, and a process that lives on.
const WORK: &str = "while true; do i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; \
                    ping -c 1 -W 1 172.17.0.1 >/dev/null 2>&1; sleep 1; done";

fn run(lab: &support::lab::Lab, name: &str, limits: &[&str]) {
    let mut args = vec!["run", "-d", "--name", name];
    args.extend_from_slice(limits);
    args.extend_from_slice(&[&lab.image, "sh", "-c", WORK]);
    support::lab::assert_success(&lab.docker("h1", &args), "docker run");
}

/// Filter the tree down to `name`, select it and open its stats.
fn open_stats(tmux: &Tmux, name: &str) {
    // Esc while typing clears the filter left by the previous container.
    tmux.send(&["/"]);
    tmux.send(&["Escape"]);
    tmux.send(&["/"]);
    tmux.send(&["-l", name]);
    tmux.send(&["Enter"]);
    tmux.send(&["G"]);
    tmux.send(&["s"]);
    tmux.wait_for(
        |s| s.contains(&format!("Stats: {name} on h1")),
        "the stats view",
    );
}

#[test]
fn stats_are_measured_against_the_limits_or_the_host_80x24() {
    let lab = support::lab::Lab::load();
    let limited = format!("fdi20c-lim-{}", std::process::id());
    let free = format!("fdi20c-free-{}", std::process::id());
    let _cleanup = support::lab::defer(|| {
        lab.docker("h1", &["rm", "-f", &limited, &free]);
    });
    run(
        &lab,
        &limited,
        &["--cpus", "0.5", "--memory", "64m", "--pids-limit", "40"],
    );
    run(&lab, &free, &[]);

    let tmux = Tmux::start(80, 24);
    let config = tmux.home().join("fleet.toml");
    std::fs::write(&config, lab.fleet_config("refresh_secs = 60", "")).expect("config");
    tmux.type_line(&format!(
        "fleetdeck --read-only --config {}; echo EXIT=$?",
        config.display()
    ));
    tmux.wait_for(|s| s.contains("h1 up"), "the lab");

    open_stats(&tmux, &limited);
    let screen = tmux.wait_for(
        |s| s.contains("2 samples") || s.contains("3 samples"),
        "two samples, for a rate",
    );
    for wanted in [
        "of its 0.5-CPU limit, peak",
        "of its 64.0 MiB limit (",
        "page cache left out",
        "of its limit of 40",
        "Network   rx ",
        "Block I/O ",
        "100%",
        "  0%",
        "graphs of the last",
    ] {
        assert!(screen.contains(wanted), "{wanted:?} missing:\n{screen}");
    }
    // The second sample gives rates (`B/s`) beside the totals.
    let net = screen
        .lines()
        .find(|l| l.contains("Network"))
        .unwrap_or_default();
    assert!(net.contains("B/s") && net.contains(" tx "), "{net}");
    // The status bar stays whole under the view.
    let bar = screen.lines().last().unwrap_or_default();
    assert!(bar.contains("READ-ONLY") && bar.contains("? help"), "{bar}");

    tmux.send(&["Escape"]);
    tmux.wait_for(|s| !s.contains("Stats:"), "back on the tree");
    open_stats(&tmux, &free);
    let screen = tmux.wait_for(
        |s| s.contains("of the host's") && s.contains("PIDs"),
        "the figures of a container without limits",
    );
    let line = |label: &str| {
        screen
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("CPU ").contains("% of the host's "), "{screen}");
    assert!(line("Memory").contains("of the host's"), "{screen}");
    assert!(line("PIDs").contains("(no limit)"), "{screen}");

    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    let screen = tmux.wait_for(|s| exit_line(s).is_some(), "fleetdeck to exit");
    assert_eq!(exit_line(&screen), Some("EXIT=0"), "{screen}");
}
