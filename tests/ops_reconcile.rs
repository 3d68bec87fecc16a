//! Start-up reconciliation of pending rows, each path forced on the lab's h1 engine and
//! judged from outside: the inventory file, `docker inspect`, the audit trail. The pure
//! decision is unit-tested in `src/ops/reconcile_tests.rs`; here are its effects.

mod support;

use fleetdeck::inventory::{Site, SiteState};
use fleetdeck::ops::labels;
use support::lab::{Lab, defer};
use support::sites::{Fleet, IMAGE, audit, code, inspect, text};

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
