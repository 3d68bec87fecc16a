//! The fleet as a table an admin can scan, driven for real in tmux at 80x24 on the lab:
//! column headers, a crashed container's glyph, exit code and count, the "problems
//! first" order, `←`/`→` folding a node, Enter showing the details full-screen, and a
//! container's colours reaching the logs view as colours, not as `[31m` text.

mod support;

use support::lab::{Lab, assert_success, defer};
use support::tmux::{Tmux, table_row};

/// Screen line index of the row naming `name`.
fn line_of(screen: &str, name: &str) -> Option<usize> {
    screen.lines().position(|l| l.contains(name))
}

fn filter(tmux: &Tmux, text: &str) {
    // Esc clears the filter in place; `/` starts a new one.
    tmux.send(&["Escape"]);
    tmux.send(&["/"]);
    tmux.send(&["-l", text]);
    tmux.send(&["Enter"]);
}

#[test]
fn rows_sort_fold_and_details_at_80x24() {
    let lab = Lab::load();
    let pid = std::process::id();
    // The web sorts first by name, the crash first by problems.
    let web = format!("fdrows-{pid}-a-web");
    let crash = format!("fdrows-{pid}-z-crash");
    let _cleanup = defer(|| {
        lab.docker("h2", &["rm", "-f", &web, &crash]);
    });
    // The web prints one red word, then a cursor move and a title, then waits.
    let script = "printf '\\033[31mRED-ALERT\\033[0m plain\\033[2J\\033]0;title\\007 end\\n'; \
                  exec sleep 3600";
    assert_success(
        &lab.docker(
            "h2",
            &["run", "-d", "--name", &web, &lab.image, "sh", "-c", script],
        ),
        "docker run web",
    );
    assert_success(
        &lab.docker(
            "h2",
            &[
                "run", "-d", "--name", &crash, &lab.image, "sh", "-c", "exit 3",
            ],
        ),
        "docker run crash",
    );

    let tmux = Tmux::start(80, 24);
    let config = tmux.home().join("fleet.toml");
    std::fs::write(&config, lab.fleet_config("refresh_secs = 60", "")).expect("config");
    tmux.run_console(&config);
    tmux.wait_for(|s| s.contains("h2 up"), "h2 up");
    filter(&tmux, "node:h2");
    let screen = tmux.wait_for(
        |s| table_row(s, &web).contains("running") && table_row(s, &crash).contains("exited (3)"),
        "both containers as rows of h2",
    );

    // Columns named by a header; the crash has its glyph (ASCII here: no UTF-8 locale),
    // its exit code and age; h2 and the status bar count it.
    assert!(
        screen.contains("NAME") && screen.contains("STATE") && screen.contains("IP"),
        "{screen}"
    );
    let crash_row = table_row(&screen, &crash);
    assert!(
        crash_row.contains(&format!(" X {crash}")),
        "the crash glyph: {crash_row}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.contains("h2 up") && l.contains("crashed")),
        "h2's row counts its crashes:\n{screen}"
    );
    let status = screen
        .lines()
        .rfind(|l| l.contains("? help"))
        .unwrap_or_default();
    assert!(status.contains("crashed"), "the status bar: {status}");

    // Name order: the web first; problems first: the crash first.
    assert!(
        line_of(&screen, &web) < line_of(&screen, &crash),
        "{screen}"
    );
    tmux.send(&["o", "o", "o"]);
    let screen = tmux.wait_for(|s| s.contains("sort: problems first"), "problems first");
    assert!(
        line_of(&screen, &crash) < line_of(&screen, &web),
        "{screen}"
    );

    // Left folds h2 (its one-line summary stays), right unfolds it.
    tmux.send(&["g"]);
    tmux.send(&["Left"]);
    let screen = tmux.wait_for(|s| line_of(s, &web).is_none(), "h2 folded");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("h2 up") && l.contains("running")),
        "the folded node's summary:\n{screen}"
    );
    tmux.send(&["Right"]);
    tmux.wait_for(
        |s| line_of(s, &web).is_some() && line_of(s, &crash).is_some(),
        "h2 unfolded",
    );

    // Enter: the crash's details over the whole screen; Esc comes back to the table.
    filter(&tmux, &crash);
    tmux.send(&["G"]);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for(
        |s| s.contains(&format!("Details: {crash}")),
        "the details full-screen",
    );
    assert!(screen.contains(&format!("container  {crash}")), "{screen}");
    assert!(screen.contains("Exited (3)"), "Docker's status: {screen}");
    assert!(!screen.contains("NAME"), "the table is hidden: {screen}");
    tmux.send(&["Escape"]);
    tmux.wait_for(
        |s| s.contains("NAME") && table_row(s, &crash).contains("exited (3)"),
        "back to the table",
    );

    // The web's logs: its colour read, the other sequences gone, no `[31m` as text.
    filter(&tmux, &web);
    tmux.send(&["G"]);
    tmux.send(&["l"]);
    let screen = tmux.wait_for(
        |s| s.contains(&format!("Logs: {web}")) && s.contains("RED-ALERT plain"),
        "the web's logs",
    );
    assert!(screen.contains("RED-ALERT plain end"), "{screen}");
    assert!(
        !screen.contains("[31m") && !screen.contains("[2J") && !screen.contains("title"),
        "escape sequences are not text: {screen}"
    );
    tmux.send(&["Escape"]);
    tmux.wait_for(|s| !s.contains("Logs:"), "the logs view closed");
    tmux.quit_cleanly();
}
