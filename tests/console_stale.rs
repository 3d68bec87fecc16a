//! A stalled engine never freezes the picture, for real: the console in tmux over the
//! lab plus a node whose Docker endpoint is a proxy written here, in front of h1's real
//! engine, that can be frozen (it keeps every connection open and stops answering, as a
//! SIGSTOPped dockerd does: the lab's own daemons are never stopped). With
//! `refresh_secs = 2` the node shows `stale` within two refreshes, its containers kept and
//! greyed, while the lab's nodes keep updating; `tree --json` says `stale`; thawed and
//! `r`, a "back" line. A node whose lab address has nothing listening shows down at once,
//! and its "next try in Ns" counts down.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use support::fleet::{TestFleet, code, text, tree_node};
use support::freezer::Freezer;
use support::lab::{Lab, assert_success, defer, retry};
use support::tmux::Tmux;

/// The tree rows naming `name` as a node or container (the tree pane only: the details
/// pane beside it names the selected item too).
fn row<'a>(screen: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name} ");
    screen
        .lines()
        .filter_map(|l| l.split("||").next())
        .filter(|l| l.contains(&needle))
        .collect()
}

/// The state word after `name` on its node row (the first row naming it).
fn node_word(screen: &str, name: &str) -> Option<String> {
    let line = row(screen, name).into_iter().next()?;
    let rest = line.split(&format!(" {name} ")).nth(1)?;
    rest.split_whitespace().next().map(str::to_string)
}

fn next_try(screen: &str, name: &str) -> Option<u64> {
    let line = row(screen, name).into_iter().next()?;
    let rest = line.split("next try in ").nth(1)?;
    rest.split('s').next()?.parse().ok()
}

#[test]
fn a_stalled_engine_shows_stale_within_two_refreshes_and_the_rest_goes_on() {
    let lab = Lab::load();
    let (freezer, h1) = Freezer::before_docker_tcp(&lab);
    // Containers named for the filter: one on h1 (seen through the proxy too), one on h2.
    let web = "fdts-stall-web";
    let later = "fdts-stall-h2";
    let cleanup = |lab: &Lab| {
        let _ = lab.docker(&h1, &["rm", "-f", web]);
        let _ = lab.docker("h2", &["rm", "-f", later]);
    };
    cleanup(&lab);
    assert_success(
        &lab.docker(
            &h1,
            &["run", "-d", "--name", web, &lab.image, "sleep", "3600"],
        ),
        "docker run on h1",
    );
    let fleet = TestFleet::new(lab, "fdts-stale-");
    let _cleanup = defer(|| cleanup(&fleet.lab));
    let tables = format!(
        "[[node]]\nname = \"stall\"\ndocker = \"tcp://127.0.0.1:{}\"\n\
         [[node]]\nname = \"stall-gone\"\nssh = \"root@10.77.0.2:9\"\ndocker = \"none\"\n",
        freezer.port
    );
    fleet.write_config(
        "c.toml",
        &format!(
            "refresh_secs = 2\n[inventory]\npath = {:?}\n",
            fleet.path("inv.db").display().to_string()
        ),
        &tables,
    );

    let tmux = Tmux::start(120, 40);
    let started = Instant::now();
    tmux.type_line(&format!(
        "XDG_STATE_HOME={} fleetdeck --config {}; echo EXIT=$?",
        fleet.path("state").display(),
        fleet.path("c.toml").display()
    ));
    // A lab address with nothing listening: down within the connect timeout (3 s).
    let screen = tmux.wait_for(
        |s| node_word(s, "stall-gone").as_deref() == Some("down"),
        "stall-gone down",
    );
    let to_down = started.elapsed();
    eprintln!("figure: nothing listening -> down in {to_down:?}");
    assert!(
        to_down < Duration::from_secs(3 + 5),
        "{to_down:?}\n{screen}"
    );
    tmux.send(&["/"]);
    tmux.send(&["-l", "stall"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(
        |s| node_word(s, "stall").as_deref() == Some("up") && row(s, web).len() == 2,
        "the proxied engine's container, on h1 and on stall",
    );

    // The countdown to the next try moves with the clock, not with polls.
    let counts_down = retry(Duration::from_secs(40), || {
        let first = next_try(&tmux.screen(), "stall-gone").filter(|n| *n >= 4)?;
        thread::sleep(Duration::from_millis(2200));
        let second = next_try(&tmux.screen(), "stall-gone")?;
        (second < first).then_some((first, second))
    });
    assert!(
        counts_down.is_some(),
        "next try never counted down:\n{}",
        tmux.screen()
    );

    // Freeze: stale within two refreshes (plus the one-second tick and whole-second times).
    freezer.freeze(true);
    let frozen_at = Instant::now();
    let screen = tmux.wait_for(
        |s| node_word(s, "stall").as_deref() == Some("stale"),
        "stall stale",
    );
    let to_stale = frozen_at.elapsed();
    eprintln!("figure: engine frozen -> stale in {to_stale:?} (refresh 2 s)");
    assert!(
        to_stale <= Duration::from_secs(2 * 2 + 2),
        "{to_stale:?}\n{screen}"
    );
    assert!(
        screen.contains(" 3 up 1 stale 1 down "),
        "the status bar counts it apart; h1, h2, h3 stay up:\n{screen}"
    );
    let kept: Vec<&str> = row(&screen, web)
        .into_iter()
        .filter(|l| l.contains("as of "))
        .collect();
    assert_eq!(kept.len(), 1, "the container kept, dated:\n{screen}");
    assert!(
        kept[0].contains("running"),
        "its last-known state: {}",
        kept[0]
    );
    assert_eq!(node_word(&screen, "h1").as_deref(), Some("up"), "{screen}");
    // The others keep updating: a container started on h2 now appears.
    assert_success(
        &fleet.lab.docker(
            "h2",
            &[
                "run",
                "-d",
                "--name",
                later,
                &fleet.lab.image,
                "sleep",
                "3600",
            ],
        ),
        "docker run on h2",
    );
    tmux.wait_for(|s| !row(s, later).is_empty(), "h2's new container");
    // Two refreshes later it is still stale, its container still kept.
    thread::sleep(Duration::from_secs(4));
    let screen = tmux.screen();
    assert_eq!(
        node_word(&screen, "stall").as_deref(),
        Some("stale"),
        "{screen}"
    );
    assert!(
        row(&screen, web).iter().any(|l| l.contains("as of ")),
        "{screen}"
    );

    // tree --json (one-shot, no master): every node with stale and data_age_secs.
    let out = support::lab::run_with_timeout(
        &mut fleet.command("c.toml", &["tree", "--json", "--no-master"]),
        Duration::from_secs(90),
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("tree json");
    assert_eq!(doc["schema_version"], 5);
    let stall = tree_node(&doc, "stall");
    assert_eq!(stall["stale"], true, "{stall}");
    // Its engine never answered this one-shot: no container data, so no age.
    assert!(stall["data_age_secs"].is_null(), "{stall}");
    assert_eq!(stall["status"], "up", "its host answered: {stall}");
    for host in ["h1", "h2", "h3"] {
        let node = tree_node(&doc, host);
        assert_eq!(node["stale"], false, "{node}");
        // A number: the seconds since its poll, which ran while stall's engine was
        // awaited (not stale for that: a one-shot is not judged by age).
        assert!(node["data_age_secs"].is_u64(), "{node}");
    }
    assert_eq!(tree_node(&doc, "stall-gone")["status"], "down");

    // Thawed, then `r`: fresh again and a "back" line.
    freezer.freeze(false);
    let thawed = Instant::now();
    tmux.send(&["r"]);
    let screen = tmux.wait_for(
        |s| node_word(s, "stall").as_deref() == Some("up") && s.contains("stall back"),
        "stall back",
    );
    eprintln!("figure: thawed + r -> back in {:?}", thawed.elapsed());
    assert!(
        !row(&screen, web).iter().any(|l| l.contains("as of ")),
        "{screen}"
    );
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");
}
