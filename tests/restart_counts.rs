//! Restart counts on a real engine: a container with `--restart=always` whose command
//! exits 3 at once. `tree --json` (polled, and through a master that keeps its cache
//! and follows the engine's events) shows its `restarts` growing; the console at 80x24
//! shows the count in its row and puts it first when sorted by restarts. Needs the lab
//! (FLEETDECK_LAB).

mod support;

use std::time::Duration;

use serde_json::Value;

use support::fleet::{RunningMaster, TestFleet, code, text, tree_node};
use support::lab::{Lab, assert_success, retry};
use support::tmux::{Tmux, table_row};

/// How long the counts may take to reach what is asserted. Docker restarts a container
/// after 100 ms, then doubles the delay: two restarts come within a second, the next few
/// within seconds.
const GROWS: Duration = Duration::from_secs(60);

/// A crash loop and a calm neighbour on h2, removed (bounded by the lab helper's
/// timeout) when the guard drops, even after a failed assertion.
struct Loop {
    lab: Lab,
    crash: String,
    calm: String,
}

impl Loop {
    fn start(tag: &str) -> Loop {
        let lab = Lab::load();
        let pid = std::process::id();
        let crash = format!("fdrst-{tag}-{pid}-loop");
        let calm = format!("fdrst-{tag}-{pid}-a-calm");
        let started = Loop { lab, crash, calm };
        let (lab, image) = (&started.lab, started.lab.image.clone());
        assert_success(
            &lab.docker(
                "h2",
                &[
                    "run",
                    "-d",
                    "--restart=always",
                    "--name",
                    &started.crash,
                    &image,
                    "sh",
                    "-c",
                    "exit 3",
                ],
            ),
            "docker run the crash loop",
        );
        assert_success(
            &lab.docker(
                "h2",
                &[
                    "run",
                    "-d",
                    "--name",
                    &started.calm,
                    &image,
                    "sleep",
                    "3600",
                ],
            ),
            "docker run the calm one",
        );
        started
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        self.lab
            .docker("h2", &["rm", "-f", &self.crash, &self.calm]);
    }
}

/// `restarts` of the container `name` on h2 in a `tree --json` document: `Some(n)` for
/// a number, `None` for null; panics when the container or the field is missing.
fn restarts_of(doc: &Value, name: &str) -> Option<u64> {
    let containers = tree_node(doc, "h2")["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let c = containers
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} not on h2: {doc:#}"));
    let field = c
        .get("restarts")
        .unwrap_or_else(|| panic!("no `restarts` field: {c:#}"));
    assert!(
        field.is_u64() || field.is_null(),
        "a number or null: {field}"
    );
    field.as_u64()
}

#[test]
fn tree_json_counts_restarts_polled_and_through_the_master() {
    let crash = Loop::start("tree");
    let fleet = TestFleet::new(Lab::load(), "fdrst");
    fleet.write_config("c.toml", "refresh_secs = 5", "");
    let polled = |fleet: &TestFleet| -> Value {
        let out = fleet.run("c.toml", &["tree", "--json", "--no-master"]);
        assert_eq!(code(&out), 0, "{}", text(&out));
        serde_json::from_slice(&out.stdout).expect("tree json")
    };

    // Polled: at least two restarts, then more.
    let first = retry(GROWS, || {
        let doc = polled(&fleet);
        assert_eq!(doc["schema_version"], 5, "an added field, no new version");
        assert_eq!(restarts_of(&doc, &crash.calm), Some(0), "the calm one");
        restarts_of(&doc, &crash.crash).filter(|n| *n >= 2)
    })
    .expect("two restarts within the bound");
    let later = retry(GROWS, || {
        restarts_of(&polled(&fleet), &crash.crash).filter(|n| *n > first)
    });
    assert!(later.is_some(), "the count grows past {first}");

    // Through a master: its poller keeps the counts and inspects again on die/start.
    let master = RunningMaster::start(&fleet, "c.toml");
    let seen = retry(GROWS, || {
        restarts_of(&master.tree(&fleet, "c.toml"), &crash.crash).filter(|n| *n >= 2)
    })
    .expect("the master's tree carries the count");
    let grown = retry(GROWS, || {
        restarts_of(&master.tree(&fleet, "c.toml"), &crash.crash).filter(|n| *n > seen)
    });
    assert!(
        grown.is_some(),
        "the master's count grows past {seen} (events re-inspect it)"
    );
}

/// The count in `name`'s row under the `RST` title (right-aligned under it).
fn rst(screen: &str, name: &str) -> Option<u64> {
    let head = screen.lines().find(|l| l.contains("NAME"))?;
    let end = head[..head.find(" RST ")?].chars().count() + 4;
    let cell: String = table_row(screen, name)
        .chars()
        .skip(end - 3)
        .take(3)
        .collect();
    cell.trim().parse().ok()
}

#[test]
fn the_console_shows_the_count_and_sorts_the_loop_first_at_80x24() {
    let crash = Loop::start("tty");
    // Dropped first: the tmux server (and the console in it) ends before the containers
    // are removed.
    let tmux = Tmux::start(80, 24);
    let config = tmux.home().join("fleet.toml");
    std::fs::write(&config, crash.lab.fleet_config("refresh_secs = 60", "")).expect("config");
    tmux.run_console(&config);
    tmux.wait_for(|s| s.contains("h2 up"), "h2 up");
    // Only this test's two containers (others run on h2 at the same time).
    let prefix = format!("fdrst-tty-{}", std::process::id());
    tmux.send(&["/"]);
    tmux.send(&["-l", &prefix]);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_up_to(
        GROWS,
        |s| rst(s, &crash.crash).is_some_and(|n| n >= 2) && rst(s, &crash.calm) == Some(0),
        "the loop's count (at least 2) and the calm one's 0 in the RST column",
    );
    // Name order: the calm one first.
    let line = |s: &str, name: &str| s.lines().position(|l| l.contains(name));
    assert!(
        line(&screen, &crash.calm) < line(&screen, &crash.crash),
        "{screen}"
    );
    // `o` four times: name, state, age, problems first, restarts.
    tmux.send(&["o", "o", "o", "o"]);
    let screen = tmux.wait_for(|s| s.contains("sort: restarts"), "sorted by restarts");
    assert!(
        line(&screen, &crash.crash) < line(&screen, &crash.calm),
        "the crash loop first:\n{screen}"
    );
    tmux.quit_cleanly();
}
