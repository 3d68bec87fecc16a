//! A node whose sshd accepts and never answers (a SIGSTOPped sshd, played by a frozen
//! proxy in front of h1's real sshd: the lab's daemons are shared and never stopped) is
//! `stale`, not `down`, in the console: its last-known data stays, dated "as of", the
//! status bar counts it apart, and the other nodes go on. Thawed and `r`, it is back.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::fleet::TestFleet;
use support::freezer::Freezer;
use support::lab::Lab;
use support::tmux::Tmux;

/// The state word after `name` on its node row, in the tree pane (left of `||`).
fn node_word(screen: &str, name: &str) -> Option<String> {
    let needle = format!(" {name} ");
    let line = screen
        .lines()
        .filter_map(|l| l.split("||").next())
        .find(|l| l.contains(&needle))?;
    let rest = line.split(&needle).nth(1)?;
    rest.split_whitespace().next().map(str::to_string)
}

#[test]
fn a_silent_sshd_shows_stale_with_its_data_kept_not_down() {
    let lab = Lab::load();
    let h1 = lab.host("h1").clone();
    let upstream: SocketAddr = format!("{}:{}", h1.ip, h1.ssh_port)
        .parse()
        .expect("h1's ssh address");
    let freezer = Freezer::start(upstream);
    let fleet = TestFleet::new(lab, "fdts-sshd-");

    // h1's host keys, known under the proxy's address; the login of the fleet's own config.
    let keys = std::fs::read_to_string(&fleet.lab.known_hosts).expect("lab known_hosts");
    let h1_keys: String = keys
        .lines()
        .filter(|l| {
            l.split(' ')
                .next()
                .is_some_and(|n| n.split(',').any(|n| n == h1.ip))
        })
        .filter_map(|l| l.split_once(' ').map(|(_, key)| key))
        .map(|key| format!("[127.0.0.1]:{} {key}\n", freezer.port))
        .collect();
    assert!(!h1_keys.is_empty(), "no key of h1 in {keys}");
    let known = fleet.path("known_hosts_sstall");
    std::fs::write(&known, h1_keys).expect("write known_hosts");
    let base = std::fs::read_to_string(fleet.ssh_config()).expect("the fleet's ssh_config");
    let identity = base
        .lines()
        .find_map(|l| l.trim().strip_prefix("IdentityFile "))
        .expect("an IdentityFile in the fleet's ssh_config")
        .to_string();
    let ssh_config = fleet.path("ssh_config_sstall");
    std::fs::write(
        &ssh_config,
        format!(
            "Host sstall\n  HostName 127.0.0.1\n  Port {}\n  User root\n  IdentityFile {identity}\n  \
             IdentitiesOnly yes\n  UserKnownHostsFile {}\n\n{base}",
            freezer.port,
            known.display()
        ),
    )
    .expect("write ssh_config");
    let config = fleet.path("c.toml");
    std::fs::write(
        &config,
        fleet.lab.fleet_config_with(
            &ssh_config,
            &format!(
                "refresh_secs = 2\n[inventory]\npath = {:?}\n",
                fleet.path("inv.db").display().to_string()
            ),
            "[[node]]\nname = \"sstall\"\nssh = \"sstall\"\ndocker = \"none\"\n",
        ),
    )
    .expect("write config");

    let tmux = Tmux::start(120, 40);
    tmux.type_line(&format!(
        "XDG_STATE_HOME={} fleetdeck --config {}; echo EXIT=$?",
        fleet.path("state").display(),
        config.display()
    ));
    tmux.wait_for(
        |s| {
            node_word(s, "sstall").as_deref() == Some("up")
                && node_word(s, "h1").as_deref() == Some("up")
        },
        "sstall up through the proxy",
    );

    freezer.freeze(true);
    let frozen_at = Instant::now();
    let screen = tmux.wait_for(
        |s| node_word(s, "sstall").as_deref() == Some("stale"),
        "sstall stale",
    );
    eprintln!(
        "figure: sshd frozen -> stale in {:?} (refresh 2 s, connect timeout 3 s)",
        frozen_at.elapsed()
    );
    assert!(
        screen.contains(" 3 up 1 stale 0 down "),
        "counted stale, not down; the lab's nodes stay up:\n{screen}"
    );
    // It stays stale (never turns down) while the sshd is silent, over several refreshes
    // and reconnect attempts.
    std::thread::sleep(Duration::from_secs(8));
    let screen = tmux.screen();
    assert_eq!(
        node_word(&screen, "sstall").as_deref(),
        Some("stale"),
        "{screen}"
    );
    // Its details say why and since when.
    tmux.send(&["/"]);
    tmux.send(&["-l", "sstall"]);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for(
        |s| s.contains("sshd not answering") && s.contains("as of"),
        "the reason and the age in the details",
    );
    assert!(!screen.contains('\u{1b}'), "{screen}");

    freezer.freeze(false);
    tmux.send(&["r"]);
    tmux.wait_for(
        |s| node_word(s, "sstall").as_deref() == Some("up") && s.contains("sstall back"),
        "sstall back",
    );
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");
}
