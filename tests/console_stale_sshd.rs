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

/// A config with the lab's nodes and node `name`, reached over SSH through the proxy on
/// `port` (in front of h1's sshd, whose keys it is known by), refreshed every 2 s.
fn proxied_config(fleet: &TestFleet, name: &str, port: u16) -> std::path::PathBuf {
    let h1 = fleet.lab.host("h1");
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
        .map(|key| format!("[127.0.0.1]:{} {key}\n", port))
        .collect();
    assert!(!h1_keys.is_empty(), "no key of h1 in {keys}");
    let known = fleet.path(&format!("known_hosts_{name}"));
    std::fs::write(&known, h1_keys).expect("write known_hosts");
    let base = std::fs::read_to_string(fleet.ssh_config()).expect("the fleet's ssh_config");
    let identity = base
        .lines()
        .find_map(|l| l.trim().strip_prefix("IdentityFile "))
        .expect("an IdentityFile in the fleet's ssh_config")
        .to_string();
    let ssh_config = fleet.path(&format!("ssh_config_{name}"));
    std::fs::write(
        &ssh_config,
        format!(
            "Host {name}\n  HostName 127.0.0.1\n  Port {}\n  User root\n  IdentityFile {identity}\n  \
             IdentitiesOnly yes\n  UserKnownHostsFile {}\n\n{base}",
            port,
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
            &format!("[[node]]\nname = \"{name}\"\nssh = \"{name}\"\ndocker = \"none\"\n"),
        ),
    )
    .expect("write config");

    config
}

/// A proxy in front of h1's sshd, a fleet with node `name` reached through it, and the
/// console started on that fleet in tmux.
fn console_through_proxy(name: &str) -> (Freezer, TestFleet, Tmux) {
    let lab = Lab::load();
    let h1 = lab.host("h1").clone();
    let upstream: SocketAddr = format!("{}:{}", h1.ip, h1.ssh_port)
        .parse()
        .expect("h1's ssh address");
    let proxy = Freezer::start(upstream);
    let fleet = TestFleet::new(lab, &format!("fdts-{name}-"));
    let config = proxied_config(&fleet, name, proxy.port);
    let tmux = Tmux::start(120, 40);
    tmux.type_line(&format!(
        "XDG_STATE_HOME={} fleetdeck --config {}; echo EXIT=$?",
        fleet.path("state").display(),
        config.display()
    ));
    (proxy, fleet, tmux)
}

#[test]
fn a_silent_sshd_shows_stale_with_its_data_kept_not_down() {
    let (freezer, _fleet, tmux) = console_through_proxy("sstall");
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

/// `iptables` rules that drop every packet to and from `port` on loopback, as a cut link
/// does (no reset, no answer), for this test's proxy only; removed when dropped.
struct Cut {
    port: u16,
}

impl Cut {
    fn rules(port: u16) -> [Vec<String>; 2] {
        let rule = |dir: &str| {
            [
                "OUTPUT",
                "-o",
                "lo",
                "-p",
                "tcp",
                dir,
                &port.to_string(),
                "-j",
                "DROP",
            ]
            .map(str::to_string)
            .to_vec()
        };
        [rule("--dport"), rule("--sport")]
    }

    fn iptables(action: &str, rule: &[String]) -> bool {
        let mut cmd = std::process::Command::new("iptables");
        cmd.args(["-w", "5", action]).args(rule);
        support::lab::run_with_timeout(&mut cmd, Duration::from_secs(20))
            .status
            .success()
    }

    fn start(port: u16) -> Cut {
        for rule in Cut::rules(port) {
            assert!(Cut::iptables("-I", &rule), "iptables -I {rule:?}");
        }
        Cut { port }
    }
}

impl Drop for Cut {
    fn drop(&mut self) {
        for rule in Cut::rules(self.port) {
            if !Cut::iptables("-D", &rule) {
                eprintln!("WARNING: could not remove iptables rule {rule:?}");
            }
        }
    }
}

/// A link cut under an open connection (packets dropped both ways, nothing answers, not
/// even the kernel): the node shows down within the keepalive window plus the connect
/// timeout, not after minutes of missed keepalives, and its next try counts down.
#[test]
fn a_cut_link_under_an_open_connection_shows_down_soon() {
    let (proxy, _fleet, tmux) = console_through_proxy("scut");
    tmux.wait_for(
        |s| node_word(s, "scut").as_deref() == Some("up"),
        "scut up through the proxy",
    );
    let cut = Cut::start(proxy.port);
    let cut_at = Instant::now();
    let screen = tmux.wait_for(
        |s| node_word(s, "scut").as_deref() == Some("down"),
        "scut down",
    );
    eprintln!(
        "figure: link cut -> down in {:?} (refresh 2 s, connect timeout 3 s, keepalive window <= 3 s)",
        cut_at.elapsed()
    );
    assert!(screen.contains(" 3 up 1 down "), "{screen}");
    drop(cut);
    tmux.send(&["r"]);
    tmux.wait_for(
        |s| node_word(s, "scut").as_deref() == Some("up"),
        "scut up again once the link is back",
    );
    tmux.send(&["q"]);
    tmux.wait_for(|s| s.contains("EXIT=0"), "the console to quit");
}
