//! Start-up reconciliation of pending rows, each path forced on the lab's h1 engine and
//! judged from outside: the inventory file, `docker inspect`, the audit trail. The pure
//! decision is unit-tested in `src/ops/reconcile_tests.rs`; here are its effects. Then
//! creates cut for real (SIGKILL, a frozen engine), where either outcome is right as long
//! as row and container agree.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use fleetdeck::inventory::{Site, SiteState};
use fleetdeck::ops::labels;
use support::lab::{Lab, defer};
use support::sites::{Fleet, IMAGE, audit, cleanup, code, inspect, text};

const VLAN: u16 = 171;
const OLD: &str = "2026-01-01T00:00:00Z";

fn pending(domain: &str, ip: u8, updated_at: &str) -> Site {
    Site {
        domain: domain.into(),
        login: "alice".into(),
        vlan: VLAN,
        node: Some("h1".into()),
        ip: format!("10.90.{VLAN}.{ip}").parse().expect("ip"),
        container_id: None,
        image: Some(IMAGE.into()),
        port: Some(80),
        state: SiteState::Pending,
        created_at: updated_at.into(),
        updated_at: updated_at.into(),
    }
}

/// `docker create` (never started) with the labels of (`domain`, alice, VLAN).
fn labelled_container(lab: &Lab, name: &str, domain: &str) -> String {
    let mut args = vec!["create".to_string(), "--name".into(), name.into()];
    for (k, v) in labels::for_site(domain, "alice", VLAN) {
        args.push("--label".into());
        args.push(format!("{k}={v}"));
    }
    args.push(IMAGE.into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lab.docker("h1", &args);
    assert!(out.status.success(), "{}", text(&out));
    inspect(lab, "h1", "{{.Id}}", name).expect("created container id")
}

/// Any mutating start reconciles first: a delete of a domain nobody has (exit 4).
fn trigger(fleet: &Fleet) -> String {
    let out = fleet.run(&["delete", "fdrc-nobody.lab", "--yes"]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    text(&out)
}

fn reconcile_rows(fleet: &Fleet, domain: &str) -> Vec<serde_json::Value> {
    audit(fleet)
        .into_iter()
        .filter(|r| r["action"] == "reconcile" && r["target"] == domain)
        .collect()
}

#[test]
fn each_pending_row_meets_its_own_fate() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", VLAN, "");
    let adopt = "fd-fdrc-adopt.lab".to_string();
    let foreign = "fd-fdrc-foreign.lab".to_string();
    let _clean = defer(|| {
        for c in [&adopt, &foreign] {
            let _ = lab.docker("h1", &["rm", "-f", c]);
        }
    });
    for c in [&adopt, &foreign] {
        let _ = lab.docker("h1", &["rm", "-f", c]);
    }
    let adopt_id = labelled_container(&lab, &adopt, "fdrc-adopt.lab");
    // Named for fdrc-foreign.lab, labelled for another domain.
    let foreign_id = labelled_container(&lab, &foreign, "fdrc-other.lab");
    {
        let mut inv = fleet.inventory();
        inv.insert_site(&pending("fdrc-adopt.lab", 10, OLD))
            .expect("row");
        inv.insert_site(&pending("fdrc-foreign.lab", 11, OLD))
            .expect("row");
        inv.insert_site(&pending("fdrc-gone.lab", 12, OLD))
            .expect("row");
        // Young: its create might still be finishing on the engine; waited for first.
        let now = fleetdeck::inventory::now_rfc3339();
        inv.insert_site(&pending("fdrc-young.lab", 13, &now))
            .expect("row");
        inv.insert_site(&pending("fdrc-busy.lab", 14, OLD))
            .expect("row");
    }
    // Another fleetdeck (this process) is still creating fdrc-busy.lab.
    let busy = fleetdeck::ops::pending::claim(&fleet.inventory_path(), "fdrc-busy.lab")
        .expect("hold the create lock");

    let said = trigger(&fleet);
    let inv = fleet.inventory();

    // Adopted: row active with the container's id, the container started, one audit row.
    let row = inv
        .site("fdrc-adopt.lab")
        .expect("query")
        .expect("row kept");
    assert_eq!(row.state, SiteState::Active, "{said}");
    assert_eq!(row.container_id.as_deref(), Some(adopt_id.as_str()));
    assert_eq!(
        inspect(&lab, "h1", "{{.State.Status}}", &adopt).as_deref(),
        Some("running"),
        "the adopted container is started"
    );
    assert!(
        said.contains("pending site fdrc-adopt.lab: adopted"),
        "{said}"
    );
    let rows = reconcile_rows(&fleet, "fdrc-adopt.lab");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["outcome"], "ok", "{rows:?}");

    // Another domain's labels: never adopted, the container untouched, the row gone.
    assert_eq!(inv.site("fdrc-foreign.lab").expect("query"), None, "{said}");
    assert_eq!(
        inspect(
            &lab,
            "h1",
            "{{.Id}} {{.State.Status}} {{index .Config.Labels \"fleetdeck.domain\"}}",
            &foreign
        )
        .as_deref(),
        Some(format!("{foreign_id} created fdrc-other.lab").as_str())
    );
    assert!(said.contains("does not carry this site's labels"), "{said}");
    assert_eq!(reconcile_rows(&fleet, "fdrc-foreign.lab").len(), 1);

    // No container: removed, the old row at once, the young one after its grace.
    for domain in ["fdrc-gone.lab", "fdrc-young.lab"] {
        assert_eq!(inv.site(domain).expect("query"), None, "{domain}: {said}");
        assert!(
            said.contains(&format!(
                "pending site {domain}: row removed (no container fd-{domain} on h1)"
            )),
            "{said}"
        );
        assert_eq!(reconcile_rows(&fleet, domain).len(), 1, "{domain}");
    }

    // Still being created elsewhere: left pending, nothing audited.
    let row = inv.site("fdrc-busy.lab").expect("query").expect("row kept");
    assert_eq!(row.state, SiteState::Pending);
    assert!(
        said.contains("pending site fdrc-busy.lab: left pending (its create is still running"),
        "{said}"
    );
    assert!(reconcile_rows(&fleet, "fdrc-busy.lab").is_empty());

    // Once that create is gone (its lock free), the next start settles the row.
    drop(busy);
    let said = trigger(&fleet);
    assert_eq!(
        fleet.inventory().site("fdrc-busy.lab").expect("query"),
        None,
        "{said}"
    );
    assert_eq!(reconcile_rows(&fleet, "fdrc-busy.lab").len(), 1);
    // And what was settled stays settled: no second row for the others.
    assert_eq!(reconcile_rows(&fleet, "fdrc-adopt.lab").len(), 1);
    let out = fleet.run(&["audit", "verify"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
}

/// SIGKILL in the middle of a create: the next start reconciles the pending row, leaving
/// no orphan container and no pending row.
#[test]
fn a_create_killed_midway_is_reconciled_at_the_next_start() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", 117, "");
    let names = [
        "fd-fdtm-killed.lab".to_string(),
        "fd-fdtm-after.lab".to_string(),
    ];
    let _clean = defer(|| cleanup(&lab, "h1", &names, &fleet.network()));
    for stop_at in ["creating container", "checking image"] {
        let mut child = fleet
            .command(&[
                "create",
                "--login",
                "alice",
                "--vlan",
                "117",
                "--domain",
                "fdtm-killed.lab",
                "--yes",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn create");
        let stderr = child.stderr.take().expect("stderr");
        let mut seen = String::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.expect("line");
            seen.push_str(&line);
            seen.push('\n');
            if line.contains(stop_at) {
                child.kill().expect("SIGKILL");
                break;
            }
        }
        let _ = child.wait();
        assert!(seen.contains(stop_at), "never reached {stop_at:?}: {seen}");
        let site = fleet.inventory().site("fdtm-killed.lab").expect("query");
        assert!(
            site.as_ref().is_some_and(|s| s.state == SiteState::Pending),
            "killed at {stop_at:?}: the row is pending: {site:?}"
        );

        // The next mutating start reconciles first.
        let after = fleet.create("alice", "fdtm-after.lab", &[]);
        assert_eq!(code(&after), 0, "{}", text(&after));
        assert!(
            text(&after).contains("pending site fdtm-killed.lab"),
            "{}",
            text(&after)
        );
        let site = fleet.inventory().site("fdtm-killed.lab").expect("query");
        let container = inspect(&lab, "h1", "{{.Id}}", "fd-fdtm-killed.lab");
        match (&site, &container) {
            (None, None) => {}
            (Some(s), Some(id)) => {
                assert_eq!(s.state, SiteState::Active);
                assert_eq!(s.container_id.as_deref(), Some(id.as_str()));
            }
            other => panic!("killed at {stop_at:?}: row and container disagree: {other:?}"),
        }
        assert!(
            fleet
                .inventory()
                .sites()
                .expect("sites")
                .iter()
                .all(|s| s.state == SiteState::Active),
            "no pending row left"
        );
        // Reset for the next round.
        let _ = fleet.run(&["delete", "fdtm-killed.lab", "--yes"]);
        let _ = fleet.run(&["delete", "fdtm-after.lab", "--yes"]);
        let _ = lab.docker("h1", &["rm", "-f", "fd-fdtm-killed.lab"]);
    }
}

fn pid_of(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("pid file")
        .trim()
        .to_string()
}

/// The node stops answering between the reservation and the container: the create gives
/// up within its limit, keeps the row pending (the container may exist), and the next
/// reconciliation settles it once the node is back.
#[test]
fn the_node_going_down_mid_create_leaves_nothing_untracked() {
    use fleetdeck::ops::create::{self, ApplyLimits, CreateRequest, InventoryView};
    use fleetdeck::ops::progress::ProgressFn;
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h2", 118, "");
    let name = "fd-fdtm-down.lab".to_string();
    let dockerd = pid_of(&lab.dir.join("run/h2-dockerd.pid"));
    let signal = |sig: &str| {
        let out = Command::new("kill")
            .args([sig, &dockerd])
            .output()
            .expect("kill");
        assert!(out.status.success(), "kill {sig} {dockerd}");
    };
    let _resume = defer(|| {
        let _ = Command::new("kill").args(["-CONT", &dockerd]).output();
        cleanup(
            &lab,
            "h2",
            std::slice::from_ref(&name),
            &format!("fdtm-vlan{}", 118),
        );
    });
    let text = std::fs::read_to_string(&fleet.config).expect("config");
    let config = fleetdeck::config::load_str(&text, &fleet.config).expect("config");
    let links = fleetdeck::transport::links::build_links(&config, false).expect("links");
    let mut inventory = fleet.inventory();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let req = CreateRequest {
        login: "alice".into(),
        vlan: "118".into(),
        domain: "fdtm-down.lab".into(),
        ..Default::default()
    };
    let plan = {
        let taken = |_: &str| false;
        let used = |_: u16| Default::default();
        create::plan(
            &config,
            &req,
            &InventoryView {
                domain_taken: &taken,
                used_ips: &used,
                used_ports: &|_| Default::default(),
            },
        )
        .expect("plan")
    };
    let docker = runtime
        .block_on(links["h2"].docker_client(Duration::from_secs(10)))
        .expect("docker on h2");
    let actor = fleetdeck::actor::Actor {
        user: "tester".into(),
        origin: "local".into(),
    };
    // The engine freezes right before the container is created.
    let progress = ProgressFn(|step: &str| {
        if step.starts_with("creating container") {
            signal("-STOP");
        }
    });
    let limits = ApplyLimits {
        docker_call: Duration::from_secs(3),
    };
    let started = std::time::Instant::now();
    let result = runtime.block_on(create::apply(
        &plan,
        &mut inventory,
        &docker,
        &actor,
        &progress,
        limits,
    ));
    let err = result.expect_err("the create must fail while the engine is frozen");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "gave up within its limits"
    );
    assert!(err.to_string().contains("stays pending"), "{err}");
    let row = inventory
        .site("fdtm-down.lab")
        .expect("query")
        .expect("row kept");
    assert_eq!(row.state, SiteState::Pending);

    // The node comes back; reconciliation settles the row one way or the other.
    signal("-CONT");
    let report = runtime
        .block_on(fleetdeck::ops::reconcile::reconcile(
            &config,
            &mut inventory,
            |node| {
                let link = &links[&node];
                async move {
                    link.docker_client(Duration::from_secs(10))
                        .await
                        .map_err(|e| e.to_string())
                }
            },
            &actor,
            &fleetdeck::ops::Silent,
            Duration::from_secs(20),
        ))
        .expect("reconcile");
    assert_eq!(report.rows.len(), 1, "{report:?}");
    let site = inventory.site("fdtm-down.lab").expect("query");
    let container = inspect(&lab, "h2", "{{.Id}}", &name);
    match (&site, &container) {
        (None, None) => {}
        (Some(s), Some(id)) => {
            assert_eq!(s.state, SiteState::Active);
            assert_eq!(s.container_id.as_deref(), Some(id.as_str()));
        }
        other => panic!("row and container disagree after reconcile: {other:?} ({report:?})"),
    }
}
