//! Adopting from the console, for real in tmux on the lab: an orphan made with
//! `docker run` (labelled with a login only) is selected, `A` opens the form with that
//! login, the domain is typed, the plan is confirmed with `y`, and the row records the
//! container. In read-only mode `A` is refused.

mod support;

use fleetdeck::inventory::{Inventory, SiteState};
use support::lab::{Lab, defer};
use support::tmux::{Tmux, op_bound, poll_bound};

const VLAN: u16 = 189;

fn config(tmux: &Tmux, lab: &Lab, top: &str) -> std::path::PathBuf {
    let path = tmux.home().join("fleet.toml");
    let tables = format!(
        "[inventory]\npath = {:?}\n[containers]\nimage = {:?}\n\
         [[vlan]]\nid = {VLAN}\nnode = \"h1\"\nsubnet = \"10.90.{VLAN}.0/24\"\ngateway = \"10.90.{VLAN}.1\"\n\
         bridge = \"fdtm{VLAN}\"\nnetwork = \"fdtm-vlan{VLAN}\"\n",
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

fn docker_ok(lab: &Lab, args: &[&str]) -> String {
    let out = lab.docker("h1", args);
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_on_an_orphan_adopts_it_after_confirmation() {
    let lab = Lab::load();
    let network = format!("fdtm-vlan{VLAN}");
    let name = format!("fdt-tadopt-{}", std::process::id());
    let domain = format!("fdt-tadopt-{}.lab", std::process::id());
    let _clean = defer(|| {
        let _ = lab.docker("h1", &["rm", "-f", &name]);
        let _ = lab.docker("h1", &["network", "rm", &network]);
    });
    let _ = lab.docker("h1", &["rm", "-f", &name]);
    docker_ok(
        &lab,
        &[
            "network",
            "create",
            "--subnet",
            &format!("10.90.{VLAN}.0/24"),
            "--gateway",
            &format!("10.90.{VLAN}.1"),
            "-o",
            &format!("com.docker.network.bridge.name=fdtm{VLAN}"),
            &network,
        ],
    );
    let id = docker_ok(
        &lab,
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            &network,
            "--ip",
            &format!("10.90.{VLAN}.40"),
            "--label",
            "fleetdeck.login=alice",
            &lab.image,
            "sleep",
            "3600",
        ],
    );

    let tmux = Tmux::start(120, 40);
    let cfg = config(&tmux, &lab, "");
    tmux.run_console(&cfg);
    tmux.wait_up_to(poll_bound(&cfg), |s| s.contains("h1 up"), "h1 up");
    // Filter down to it (other tests' containers may fill the tree), select it.
    tmux.send(&["/"]);
    tmux.send(&["-l", &name]);
    tmux.send(&["Enter"]);
    tmux.wait_for(
        |s| s.lines().any(|l| l.contains(&format!(" {name} "))),
        "the orphan in the tree",
    );
    tmux.send(&["G"]);
    tmux.wait_for(|s| s.contains(&format!("container  {name}")), "its details");

    tmux.send(&["A"]);
    let form = tmux.wait_for(|s| s.contains("Adopt a container"), "the adopt form");
    assert!(
        form.contains("Login    alice"),
        "the label fills the login: {form}"
    );
    tmux.send(&["-l", &domain]);
    tmux.send(&["Enter"]);
    // Planning lists the engine's containers once.
    let plan = tmux.wait_up_to(
        op_bound(2),
        |s| s.contains("y apply") && s.contains(&format!("as site {domain}")),
        "the adopt plan",
    );
    assert!(
        plan.contains(&format!("10.90.{VLAN}.40 on VLAN {VLAN}")),
        "{plan}"
    );
    let inv = Inventory::open(&tmux.home().join("inventory.db")).expect("inventory");
    assert!(
        inv.site(&domain).expect("query").is_none(),
        "nothing before y"
    );
    tmux.send(&["y"]);
    tmux.wait_up_to(
        op_bound(1),
        |s| s.contains(&format!("recorded as site {domain}")),
        "adopted",
    );
    let site = inv.site(&domain).expect("query").expect("row");
    assert_eq!(site.state, SiteState::Active);
    assert_eq!(site.login, "alice");
    assert_eq!(site.container_id.as_deref(), Some(id.as_str()));
    let audit = inv.audit(5).expect("audit");
    assert_eq!(
        (audit[0].action.as_str(), audit[0].outcome.as_str()),
        ("adopt", "ok")
    );

    tmux.quit_cleanly();
}

#[test]
fn read_only_refuses_a() {
    let lab = Lab::load();
    let tmux = Tmux::start(100, 30);
    let cfg = config(&tmux, &lab, "read_only = true");
    tmux.run_console(&cfg);
    tmux.wait_up_to(
        poll_bound(&cfg),
        |s| s.contains("READ-ONLY") && s.contains("h1 up"),
        "h1 up, read-only",
    );
    tmux.send(&["A"]);
    let screen = tmux.wait_for(
        |s| s.contains("adopt: refused in read-only mode"),
        "A refused",
    );
    assert!(!screen.contains("Adopt a container"), "{screen}");
    assert!(!tmux.home().join("inventory.db").exists());
    tmux.quit_cleanly();
}
