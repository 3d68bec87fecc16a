//! `fleetdeck delete`'s guards against the lab's h1 engine: a pending row, an unreachable
//! node, a container labelled for another domain, an unlabelled `fd-<domain>` container,
//! and a removal that fails. Each checks what is left on the engine and in the inventory.

mod support;

use std::time::Duration;

use fleetdeck::inventory::{Site, SiteState};
use fleetdeck::ops::labels;
use support::lab::{Lab, defer};
use support::sites::{Fleet, IMAGE, audit, code, inspect, text};

const VLAN: u16 = 172;

fn row(domain: &str, ip: u8, node: &str, state: SiteState) -> Site {
    Site {
        domain: domain.into(),
        login: "alice".into(),
        vlan: VLAN,
        node: Some(node.into()),
        ip: format!("10.90.{VLAN}.{ip}").parse().expect("ip"),
        container_id: None,
        image: Some(IMAGE.into()),
        port: Some(80),
        state,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
    }
}

/// `docker create NAME` on h1 with the labels of `labelled_for` (none when `None`).
fn container(lab: &Lab, name: &str, labelled_for: Option<&str>) -> String {
    let _ = lab.docker("h1", &["rm", "-f", name]);
    let mut args = vec!["create".to_string(), "--name".into(), name.into()];
    if let Some(domain) = labelled_for {
        for (k, v) in labels::for_site(domain, "alice", VLAN) {
            args.push("--label".into());
            args.push(format!("{k}={v}"));
        }
    }
    args.push(IMAGE.into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lab.docker("h1", &args);
    assert!(out.status.success(), "{}", text(&out));
    inspect(lab, "h1", "{{.Id}}", name).expect("container id")
}

fn last_delete_row(fleet: &Fleet, domain: &str) -> serde_json::Value {
    audit(fleet)
        .into_iter()
        .find(|r| r["action"] == "delete" && r["target"] == domain)
        .unwrap_or_else(|| panic!("no delete audit row for {domain}"))
}

#[test]
fn guards_leave_what_is_not_theirs_to_remove() {
    let lab = Lab::load();
    // A node nobody answers for (a closed port on loopback), for the unreachable case.
    let fleet = Fleet::new(
        &lab,
        "h1",
        VLAN,
        "[[node]]\nname = \"fdrd-ghost\"\nssh = \"root@127.0.0.1:1\"\ndocker = \"ssh\"\n",
    );
    let names = [
        "fd-fdrd-pending.lab",
        "fd-fdrd-foreign.lab",
        "fd-fdrd-bare.lab",
    ];
    let _clean = defer(|| {
        for n in names {
            let _ = lab.docker("h1", &["rm", "-f", n]);
        }
    });
    let pending_id = container(&lab, names[0], Some("fdrd-pending.lab"));
    let foreign_id = container(&lab, names[1], Some("fdrd-other.lab"));
    let bare_id = container(&lab, names[2], None);
    {
        let mut inv = fleet.inventory();
        inv.insert_site(&row("fdrd-pending.lab", 10, "h1", SiteState::Pending))
            .expect("row");
        inv.insert_site(&row("fdrd-foreign.lab", 11, "h1", SiteState::Active))
            .expect("row");
        inv.insert_site(&row("fdrd-bare.lab", 12, "h1", SiteState::Active))
            .expect("row");
        inv.insert_site(&row("fdrd-ghost.lab", 13, "fdrd-ghost", SiteState::Active))
            .expect("row");
    }
    // Its create still runs elsewhere (this process holds its lock), so reconcile leaves it.
    let _creating = fleetdeck::ops::pending::claim(&fleet.inventory_path(), "fdrd-pending.lab")
        .expect("hold the create lock");

    // A pending row: refused, exit 4, the container and the row stay.
    let out = fleet.run(&["delete", "fdrd-pending.lab", "--yes"]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    assert!(
        text(&out).contains("site fdrd-pending.lab is pending"),
        "{}",
        text(&out)
    );
    assert_eq!(inspect(&lab, "h1", "{{.Id}}", names[0]), Some(pending_id));
    let kept = fleet.inventory().site("fdrd-pending.lab").expect("query");
    assert_eq!(kept.map(|s| s.state), Some(SiteState::Pending));

    // An unreachable node: exit 1, nothing changed.
    let out = fleet.run(&["delete", "fdrd-ghost.lab", "--yes"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("node fdrd-ghost: "), "{}", text(&out));
    assert!(text(&out).contains("nothing was changed"), "{}", text(&out));
    assert!(
        fleet
            .inventory()
            .site("fdrd-ghost.lab")
            .expect("query")
            .is_some()
    );

    // Labelled for another domain: the row goes, the container is named and left alone.
    let out = fleet.run(&["delete", "fdrd-foreign.lab", "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("left alone fd-fdrd-foreign.lab on h1 is labelled for fdrd-other.lab"),
        "{}",
        text(&out)
    );
    assert_eq!(inspect(&lab, "h1", "{{.Id}}", names[1]), Some(foreign_id));
    assert_eq!(
        fleet.inventory().site("fdrd-foreign.lab").expect("query"),
        None
    );
    assert_eq!(last_delete_row(&fleet, "fdrd-foreign.lab")["outcome"], "ok");

    // Unlabelled under the site's name: refused (README, "Deleting a site"), nothing changed.
    let out = fleet.run(&["delete", "fdrd-bare.lab", "--yes"]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    assert!(
        text(&out).contains(
            "container fd-fdrd-bare.lab on h1 has the site's name but no fleetdeck labels"
        ),
        "{}",
        text(&out)
    );
    assert_eq!(
        inspect(&lab, "h1", "{{.Id}}", names[2]),
        Some(bare_id.clone())
    );
    assert!(
        fleet
            .inventory()
            .site("fdrd-bare.lab")
            .expect("query")
            .is_some()
    );
    assert_eq!(
        last_delete_row(&fleet, "fdrd-bare.lab")["outcome"],
        "refused"
    );

    let out = fleet.run(&["audit", "verify"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
}

/// The removal fails (here: the engine handle refuses the DELETE, as a read-only one
/// does): the row is kept, the audit row says failed, the container is still there.
#[test]
fn a_removal_that_fails_keeps_the_row() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", VLAN + 1, "");
    let name = "fd-fdrd-stuck.lab";
    let _clean = defer(|| {
        let _ = lab.docker("h1", &["rm", "-f", name]);
    });
    let id = container(&lab, name, None);
    {
        let mut site = row("fdrd-stuck.lab", 10, "h1", SiteState::Active);
        site.vlan = VLAN + 1;
        site.ip = format!("10.90.{}.10", VLAN + 1).parse().expect("ip");
        site.container_id = Some(id.clone());
        fleet.inventory().insert_site(&site).expect("row");
    }
    let config_text = std::fs::read_to_string(&fleet.config).expect("config");
    let config = fleetdeck::config::load_str(&config_text, &fleet.config).expect("config");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let writable = fleetdeck::transport::links::build_links(&config, false).expect("links");
    let refusing = fleetdeck::transport::links::build_links(&config, true).expect("links");
    let limit = Duration::from_secs(20);
    let inventory = fleet.inventory();
    let plan = runtime
        .block_on(fleetdeck::ops::delete::plan(
            &config,
            &inventory,
            "fdrd-stuck.lab",
            |node| {
                let link = &writable[&node];
                async move { link.docker_client(limit).await.map_err(|e| e.to_string()) }
            },
            limit,
        ))
        .expect("plan");
    assert_eq!(
        plan.container.as_ref().map(|c| c.0.as_str()),
        Some(id.as_str()),
        "found by its recorded id"
    );
    let docker = runtime
        .block_on(refusing["h1"].docker_client(limit))
        .expect("docker");
    let actor = fleetdeck::actor::Actor {
        user: "tester".into(),
        origin: "local".into(),
    };
    let err = runtime
        .block_on(fleetdeck::ops::delete::apply(
            &plan,
            &inventory,
            &docker,
            &actor,
            &fleetdeck::ops::Silent,
            limit,
        ))
        .expect_err("the removal is refused");
    assert!(
        err.to_string().contains("the inventory row was kept"),
        "{err}"
    );
    assert_eq!(err.kind(), fleetdeck::ops::FailKind::Failed);
    assert!(inventory.site("fdrd-stuck.lab").expect("query").is_some());
    assert_eq!(inspect(&lab, "h1", "{{.Id}}", name), Some(id));
    assert_eq!(
        last_delete_row(&fleet, "fdrd-stuck.lab")["outcome"],
        "failed"
    );
}
