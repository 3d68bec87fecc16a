//! Operations from the console, for real in tmux on the lab: `c` fills the create form,
//! the plan is confirmed with `y`, the container appears in the tree without a refresh;
//! `d` on it deletes it after confirmation; the proxy rebuild is offered after each.
//! In read-only mode the same keys change nothing.

mod support;

use std::time::Duration;

use fleetdeck::inventory::{Inventory, SiteState};
use support::lab::{Lab, defer};
use support::tmux::{Tmux, op_bound, poll_bound};

/// VLANs of this file's tests: each test that creates gets its own network on h1, since
/// tests run in parallel with separate inventories.
const VLAN: u16 = 119;
const OTHER_VLAN: u16 = 109;

fn config(tmux: &Tmux, lab: &Lab, top: &str) -> std::path::PathBuf {
    config_on(tmux, lab, top, VLAN)
}

fn config_on(tmux: &Tmux, lab: &Lab, top: &str, vlan: u16) -> std::path::PathBuf {
    let path = tmux.home().join("fleet.toml");
    let tables = format!(
        "[inventory]\npath = {:?}\n[containers]\nimage = {:?}\n\
         [[vlan]]\nid = {vlan}\nnode = \"h1\"\nsubnet = \"10.90.{vlan}.0/24\"\ngateway = \"10.90.{vlan}.1\"\n\
         bridge = \"fdtm{vlan}\"\nnetwork = \"fdtm-vlan{vlan}\"\n",
        tmux.home().join("inventory.db").display().to_string(),
        lab.image
    );
    std::fs::write(
        &path,
        lab.fleet_config(&format!("refresh_secs = 60\n{top}"), &tables),
    )
    .expect("config");
    path
}

fn inspect_id(lab: &Lab, name: &str) -> Option<String> {
    let out = lab.docker("h1", &["inspect", "-f", "{{.Id}}", name]);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn create_and_delete_from_the_console() {
    let lab = Lab::load();
    let tmux = Tmux::start(120, 40);
    let cfg = config(&tmux, &lab, "");
    let domain = format!("fdtm-tui{}.lab", std::process::id());
    let name = format!("fd-{domain}");
    let _clean = defer(|| {
        let _ = lab.docker("h1", &["rm", "-f", &name]);
        let _ = lab.docker("h1", &["network", "rm", &format!("fdtm-vlan{VLAN}")]);
    });
    tmux.run_console(&cfg);
    tmux.wait_up_to(poll_bound(&cfg), |s| s.contains("h1 up"), "h1 up");

    // The form: login, (VLAN already chosen), domain; Enter plans.
    tmux.send(&["c"]);
    tmux.wait_for(|s| s.contains("Create a site"), "the create form");
    tmux.send(&["-l", "alice"]);
    tmux.send(&["Tab"]);
    tmux.send(&["Tab"]);
    tmux.send(&["-l", &domain]);
    tmux.send(&["Enter"]);
    // Planning asks the node's engine (network, addresses held): one Docker call or two.
    let plan = tmux.wait_up_to(
        op_bound(2),
        |s| s.contains("— plan") && s.contains("y apply"),
        "the create plan",
    );
    assert!(plan.contains(&format!("10.90.{VLAN}.2")), "{plan}");
    assert!(plan.contains(&name), "{plan}");
    assert!(inspect_id(&lab, &name).is_none(), "nothing before y");
    tmux.send(&["y"]);
    // Created, shown in the tree (the engine's event stream brings it), and the proxy
    // rebuild is offered next (no [proxy] here: then it just says so).
    // Image, network, container, start.
    tmux.wait_up_to(
        op_bound(4),
        |s| s.contains(&format!("created {domain}")),
        "created",
    );
    // Filter down to it (other tests' containers may fill the tree): it is there without
    // any refresh, brought by the engine's event stream.
    tmux.send(&["/"]);
    tmux.send(&["-l", &name]);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for(
        |s| {
            s.lines()
                .any(|l| l.contains(&format!(" {name} ")) && l.contains(" running"))
        },
        "the new container in the tree",
    );
    assert!(screen.contains(&domain), "{screen}");
    let id = inspect_id(&lab, &name).expect("container exists");
    let inv = Inventory::open(&tmux.home().join("inventory.db")).expect("inventory");
    let site = inv.site(&domain).expect("query").expect("row");
    assert_eq!(site.state, SiteState::Active);
    assert_eq!(site.container_id.as_deref(), Some(id.as_str()));

    // Select it and delete it; `n` first cancels without a change.
    tmux.send(&["G"]);
    tmux.wait_for(|s| s.contains(&format!("container  {name}")), "its details");
    tmux.send(&["d"]);
    tmux.wait_for(
        |s| s.contains(&format!("Delete {domain}")),
        "the delete plan",
    );
    tmux.send(&["n"]);
    tmux.wait_for(
        |s| s.contains("cancelled, nothing was changed"),
        "cancelled",
    );
    assert!(inspect_id(&lab, &name).is_some());
    tmux.send(&["d"]);
    tmux.wait_for(
        |s| s.contains(&format!("Delete {domain}")),
        "the delete plan again",
    );
    tmux.send(&["y"]);
    // Stop (with its 10 s grace), remove.
    tmux.wait_up_to(
        op_bound(2) + Duration::from_secs(10),
        |s| s.contains(&format!("deleted {domain}")),
        "deleted",
    );
    assert!(inspect_id(&lab, &name).is_none(), "container removed");
    assert!(inv.site(&domain).expect("query").is_none(), "row removed");
    let audit = inv.audit(10).expect("audit");
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|a| (a.action.as_str(), a.outcome.as_str()))
        .collect();
    assert_eq!(actions, vec![("delete", "ok"), ("create", "ok")]);

    tmux.quit_cleanly();
}

#[test]
fn read_only_console_keys_change_nothing() {
    let lab = Lab::load();
    let tmux = Tmux::start(100, 30);
    let cfg = config(&tmux, &lab, "read_only = true");
    tmux.run_console(&cfg);
    tmux.wait_up_to(
        poll_bound(&cfg),
        |s| s.contains("READ-ONLY") && s.contains("h1 up"),
        "h1 up, read-only",
    );
    // Each key's refusal is waited for, so the screen checked below is the one after the
    // console handled all three.
    let mut screen = String::new();
    for (key, name) in [("c", "create"), ("d", "delete"), ("P", "proxy apply")] {
        tmux.send(&[key]);
        screen = tmux.wait_for(
            |s| s.contains(&format!("{name}: refused in read-only mode")),
            &format!("{key} refused"),
        );
    }
    assert!(!screen.contains("Create a site"), "{screen}");
    assert!(
        !tmux.home().join("inventory.db").exists(),
        "nothing written"
    );
    tmux.quit_cleanly();
}

#[test]
fn check_from_the_console_lists_findings() {
    let lab = Lab::load();
    let tmux = Tmux::start(120, 40);
    let cfg = config(&tmux, &lab, "");
    let domain = format!("fdtm-gone{}.lab", std::process::id());
    {
        let mut inv = Inventory::open(&tmux.home().join("inventory.db")).expect("inventory");
        let now = fleetdeck::inventory::now_rfc3339();
        inv.insert_site(&fleetdeck::inventory::Site {
            domain: domain.clone(),
            login: "alice".into(),
            vlan: VLAN,
            node: Some("h1".into()),
            ip: format!("10.90.{VLAN}.77").parse().expect("ip"),
            container_id: None,
            image: None,
            port: None,
            state: SiteState::Active,
            created_at: now.clone(),
            updated_at: now,
        })
        .expect("site");
    }
    tmux.run_console(&cfg);
    tmux.wait_up_to(poll_bound(&cfg), |s| s.contains("h1 up"), "h1 up");
    tmux.send(&["i"]);
    let screen = tmux.wait_for(
        |s| s.contains("Findings") && s.contains("missing_container"),
        "the findings",
    );
    assert!(screen.contains(&domain), "{screen}");
    assert!(
        screen.contains(" problem"),
        "the status bar counts them: {screen}"
    );
    tmux.send(&["Escape"]);
    tmux.wait_for(|s| !s.contains("Findings —"), "back to the tree");
    tmux.quit_cleanly();
}

/// Two admins on one inventory: what the other one does shows in this console's
/// activity panel within a refresh.
#[test]
fn another_admins_actions_show_in_the_activity_panel() {
    let lab = Lab::load();
    let tmux = Tmux::start(120, 40);
    let cfg = config_on(&tmux, &lab, "", OTHER_VLAN);
    // Refresh every 2 s for this test.
    let text = std::fs::read_to_string(&cfg)
        .expect("config")
        .replace("refresh_secs = 60", "refresh_secs = 2");
    std::fs::write(&cfg, text).expect("config");
    let domain = format!("fdtm-other{}.lab", std::process::id());
    let name = format!("fd-{domain}");
    let _clean = defer(|| {
        let _ = lab.docker("h1", &["rm", "-f", &name]);
        let _ = lab.docker("h1", &["network", "rm", &format!("fdtm-vlan{OTHER_VLAN}")]);
    });
    // The inventory exists before the console starts (as on a shared bastion).
    drop(Inventory::open(&tmux.home().join("inventory.db")).expect("inventory"));
    tmux.run_console(&cfg);
    tmux.wait_up_to(poll_bound(&cfg), |s| s.contains("h1 up"), "h1 up");
    // The console reports only rows written after its audit watch first looked. Rather
    // than sleeping, write refused rows (a delete of a domain nobody has) until one shows:
    // from then on the watch is live, and the create below is news to it.
    let watching = (0..10).any(|i| {
        let marker = format!("fdtm-mark{i}-{}.lab", std::process::id());
        let out = support::lab::run_with_timeout(
            std::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
                .arg("--config")
                .arg(&cfg)
                .args(["delete", &marker, "--yes"])
                .env("HOME", tmux.home())
                .env_remove("FLEETDECK_READ_ONLY"),
            Duration::from_secs(120),
        );
        assert_eq!(out.status.code(), Some(4), "{out:?}");
        // The watch looks every refresh (2 s here).
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if tmux.screen().contains(&format!("delete {marker} refused")) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    });
    assert!(watching, "no refused delete ever showed: {}", tmux.screen());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .arg("--config")
        .arg(&cfg)
        .args([
            "create",
            "--login",
            "bob",
            "--vlan",
            &OTHER_VLAN.to_string(),
            "--domain",
            &domain,
            "--yes",
        ])
        .env("HOME", tmux.home())
        // Another admin through sudo (these tests run as root): the actor is the sudoer,
        // daemon (uid 1) standing in for a real account.
        .env("SUDO_USER", "daemon")
        .env("SUDO_UID", "1")
        .env("SSH_CONNECTION", "10.77.0.254 50000 10.77.0.1 22")
        .env_remove("FLEETDECK_READ_ONLY")
        .output()
        .expect("run create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Within the watch's refresh (2 s) and a draw.
    tmux.wait_for(
        |s| s.contains(&format!("audit: daemon@ssh:10.77.0.254 create {domain} ok")),
        "the other admin's create in the activity panel",
    );
    tmux.quit_cleanly();
}
