//! Guards: the lock between admins, read-only mode, hostile inventory rows, no [proxy].

use std::process::Command;
use std::time::Duration;

use fleetdeck::actor::Actor;
use fleetdeck::inventory::{LockHolder, SiteState};

use crate::harness::{Proxy, code, nginx_lock, site, text};
use crate::support::lab::Lab;

#[test]
fn a_held_lock_refuses_naming_the_holder_and_a_dead_ones_is_taken_over() {
    let _nginx = nginx_lock();
    let p = Proxy::new("lock");
    // Another admin's apply in progress: a live process (this test) on this machine.
    let alice = LockHolder {
        pid: std::process::id(),
        ..LockHolder::current(&Actor {
            user: "fdtp-alice".into(),
            origin: "ssh:10.77.0.254".into(),
        })
    };
    p.inventory()
        .acquire_lock("proxy", &alice, &|_| true)
        .expect("alice's lock");
    let started = std::time::Instant::now();
    let out = p.run(&["proxy", "apply", "--yes"]);
    let waited = started.elapsed();
    let (_, err) = text(&out);
    assert_eq!(code(&out), 4, "{err}");
    assert!(
        err.contains("held by fdtp-alice (ssh:10.77.0.254, pid"),
        "{err}"
    );
    assert!(err.contains("waiting up to 5s"), "{err}");
    assert!(waited >= Duration::from_secs(4), "it waited: {waited:?}");
    assert!(p.deployed().is_none(), "nothing was written");
    assert_eq!(p.last_audit().outcome, "refused");

    // Alice's process is gone: her lock is taken over, and the apply says so.
    let mut child = Command::new("true").spawn().expect("true");
    let dead = child.id();
    child.wait().expect("wait");
    {
        let inv = p.inventory();
        assert!(inv.release_lock("proxy", &alice).expect("release"));
    }
    let ghost = LockHolder { pid: dead, ..alice };
    p.inventory()
        .acquire_lock("proxy", &ghost, &|_| true)
        .expect("ghost lock");
    let out = p.run(&["proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("took over the proxy lock left by fdtp-alice"),
        "{err}"
    );
    assert!(p.deployed().is_some());
    assert_eq!(p.inventory().lock_holder("proxy").expect("holder"), None);
}

#[test]
fn read_only_plans_but_refuses_to_apply() {
    let _nginx = nginx_lock();
    let p = Proxy::new("ro");
    let hand_made = b"# fdtp hand-made file\n";
    std::fs::write(&p.target, hand_made).expect("hand-made file");
    p.inventory()
        .insert_site(&site(
            "fdtp-ro.example.test",
            124,
            "10.90.124.10",
            None,
            SiteState::Active,
        ))
        .expect("site");

    let inventory_before = std::fs::read(p.path("inv.db")).expect("inventory bytes");
    let out = p.run(&["--read-only", "proxy", "plan", "--exit-code"]);
    let (diff, err) = text(&out);
    assert_eq!(code(&out), 5, "{err}");
    assert!(diff.contains("-# fdtp hand-made file\n"), "{diff}");
    assert!(
        diff.contains("+    server_name fdtp-ro.example.test;\n"),
        "{diff}"
    );

    let out = p.run(&["--read-only", "proxy", "apply", "--yes"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 3, "{err}");
    assert!(err.contains("read-only mode"), "{err}");
    assert_eq!(p.deployed().as_deref(), Some(hand_made.as_slice()));
    // Read-only mode writes nothing at all, not even an audit row of the refusal.
    assert_eq!(
        std::fs::read(p.path("inv.db")).expect("inventory bytes"),
        inventory_before
    );
}

#[test]
fn an_inventory_row_that_would_inject_nginx_syntax_is_refused() {
    let _nginx = nginx_lock();
    let p = Proxy::new("inject");
    let evil = "fdtp-inject.example.test; include /etc/shadow";
    p.inventory()
        .insert_site(&site(evil, 125, "10.90.125.10", None, SiteState::Active))
        .expect("site");
    let out = p.run(&["proxy", "plan"]);
    let (_, err) = text(&out);
    assert_eq!(code(&out), 4, "{err}");
    assert!(err.contains("fdtp-inject.example.test; include"), "{err}");
    assert!(err.contains("fix its row"), "{err}");
    assert!(p.deployed().is_none());
}

#[test]
fn no_proxy_table_is_a_usage_error() {
    let lab = Lab::load();
    let dir = tempfile::Builder::new()
        .prefix("fdtp-noproxy-")
        .tempdir()
        .expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, lab.fleet_config("", "")).expect("config");
    for args in [["proxy", "plan"], ["proxy", "apply"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("HOME", dir.path())
            .output()
            .expect("run");
        let (_, err) = text(&out);
        assert_eq!(code(&out), 2, "{err}");
        assert!(err.contains("no [proxy] table in"), "{err}");
    }
}
