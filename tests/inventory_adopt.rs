//! `fleetdeck inventory adopt` against the lab's h1 engine: orphans made with `docker run`
//! on a VLAN network of the test's own are recorded as sites (check stops calling them
//! orphans, delete removes them), and every refusal (address or domain taken, a network
//! that is no VLAN, a bad login, a flag contradicting a label, read-only mode) exits as
//! documented, writes no row and, except read-only, one `refused` audit row.

mod support;

use fleetdeck::inventory::{Site, SiteState};
use fleetdeck::ops::labels;
use support::audit::Watch;
use support::lab::{Lab, defer};
use support::sites::{Fleet, IMAGE, audit, cleanup, code, inspect, text};

const VLAN: u16 = 187;

fn ip(last: u8) -> String {
    format!("10.90.{VLAN}.{last}")
}

/// `docker run -d` a sleeping container on h1; `network` None: the default bridge.
fn orphan(lab: &Lab, name: &str, network: Option<(&str, &str)>, labels: &[(&str, &str)]) -> String {
    let _ = lab.docker("h1", &["rm", "-f", name]);
    let mut args: Vec<String> = vec!["run".into(), "-d".into(), "--name".into(), name.into()];
    if let Some((net, address)) = network {
        args.extend([
            "--network".into(),
            net.into(),
            "--ip".into(),
            address.into(),
        ]);
    }
    for (k, v) in labels {
        args.extend(["--label".into(), format!("{k}={v}")]);
    }
    args.extend([IMAGE.into(), "sleep".into(), "3600".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lab.docker("h1", &args);
    assert!(out.status.success(), "{}", text(&out));
    inspect(lab, "h1", "{{.Id}}", name).expect("container id")
}

fn orphan_findings(fleet: &Fleet, container: &str) -> Vec<serde_json::Value> {
    let out = fleet.run(&["check", "--json"]);
    assert!(matches!(code(&out), 0 | 1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("check json");
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["kind"] == "orphan_container" && f["actual"] == container)
        .cloned()
        .collect()
}

fn adopt_rows(fleet: &Fleet, outcome: &str) -> Vec<serde_json::Value> {
    audit(fleet)
        .into_iter()
        .filter(|r| r["action"] == "adopt" && r["outcome"] == outcome)
        .collect()
}

#[test]
fn an_orphan_is_adopted_then_checked_and_deleted_as_a_site() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", VLAN, "");
    let pid = std::process::id();
    let name = format!("fdt-adopt-{pid}-a");
    let domain = format!("fdt-adopt-{pid}.lab");
    let _clean = defer(|| cleanup(&lab, "h1", std::slice::from_ref(&name), &fleet.network()));
    let made = lab.docker(
        "h1",
        &[
            "network",
            "create",
            "--subnet",
            &format!("10.90.{VLAN}.0/24"),
            "--gateway",
            &ip(1),
            "-o",
            &format!("com.docker.network.bridge.name=fdtm{VLAN}"),
            &fleet.network(),
        ],
    );
    assert!(made.status.success(), "{}", text(&made));
    let id = orphan(
        &lab,
        &name,
        Some((&fleet.network(), &ip(20))),
        &[(labels::LOGIN, "alice")],
    );
    assert_eq!(
        orphan_findings(&fleet, &name).len(),
        1,
        "check sees the orphan first"
    );

    let out = fleet.run(&[
        "inventory",
        "adopt",
        &format!("h1/{name}"),
        "--domain",
        &domain,
        "--yes",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("adopt json");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["site"]["domain"], domain.as_str());
    assert_eq!(
        doc["site"]["login"], "alice",
        "the login came from the label"
    );
    assert_eq!(doc["container_id"], id.as_str());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("login      alice (from label)"), "{stderr}");
    let site = fleet
        .inventory()
        .site(&domain)
        .expect("query")
        .expect("row");
    assert_eq!(
        (
            site.vlan,
            site.ip.to_string(),
            site.node.as_deref(),
            site.state
        ),
        (VLAN, ip(20), Some("h1"), SiteState::Active)
    );
    assert_eq!(site.container_id.as_deref(), Some(id.as_str()));
    assert_eq!(adopt_rows(&fleet, "ok").len(), 1);
    // Nothing was done to the container: same id, still running, no labels added.
    assert_eq!(
        inspect(&lab, "h1", "{{.State.Status}}", &id).as_deref(),
        Some("running")
    );

    // Check now treats it as the site: no orphan, no complaint about the site's container.
    assert!(orphan_findings(&fleet, &name).is_empty());
    let out = fleet.run(&["check", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("check json");
    let about: Vec<_> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["domain"] == domain.as_str())
        .filter(|f| {
            [
                "missing_container",
                "ip_mismatch",
                "container_stopped",
                "duplicate_ip",
            ]
            .contains(&f["kind"].as_str().unwrap_or(""))
        })
        .collect();
    assert!(about.is_empty(), "{about:#?}");

    // Adopting it again is refused: it is a site already.
    let out = fleet.run(&[
        "inventory",
        "adopt",
        &name,
        "--domain",
        "fdt-other.lab",
        "--yes",
    ]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    assert!(
        text(&out).contains(&format!("already recorded as site {domain}")),
        "{}",
        text(&out)
    );

    // Delete knows it by the recorded id, though it carries no domain label.
    let out = fleet.run(&["delete", &domain, "--yes"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(inspect(&lab, "h1", "{{.Id}}", &id), None);
    assert_eq!(fleet.inventory().site(&domain).expect("query"), None);
}

#[test]
fn refusals_exit_4_and_leave_no_row() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", VLAN + 1, "");
    let vlan = VLAN + 1;
    let pid = std::process::id();
    let names: Vec<String> = ["b", "c", "d"]
        .iter()
        .map(|s| format!("fdt-adopt-{pid}-{s}"))
        .collect();
    let _clean = defer(|| cleanup(&lab, "h1", &names, &fleet.network()));
    let made = lab.docker(
        "h1",
        &[
            "network",
            "create",
            "--subnet",
            &format!("10.90.{vlan}.0/24"),
            "--gateway",
            &format!("10.90.{vlan}.1"),
            "-o",
            &format!("com.docker.network.bridge.name=fdtm{vlan}"),
            &fleet.network(),
        ],
    );
    assert!(made.status.success(), "{}", text(&made));
    let taken_domain = format!("fdt-taken-{pid}.lab");
    let now = "2026-01-01T00:00:00Z".to_string();
    fleet
        .inventory()
        .insert_site(&Site {
            domain: taken_domain.clone(),
            login: "carol".into(),
            vlan,
            node: Some("h1".into()),
            ip: format!("10.90.{vlan}.30").parse().expect("ip"),
            container_id: None,
            image: Some(IMAGE.into()),
            port: Some(80),
            state: SiteState::Active,
            created_at: now.clone(),
            updated_at: now,
        })
        .expect("row");
    // b holds the address the row has; c is labelled bob; d is on the default bridge only.
    orphan(
        &lab,
        &names[0],
        Some((&fleet.network(), &format!("10.90.{vlan}.30"))),
        &[],
    );
    orphan(
        &lab,
        &names[1],
        Some((&fleet.network(), &format!("10.90.{vlan}.31"))),
        &[(labels::LOGIN, "bob")],
    );
    orphan(&lab, &names[2], None, &[]);
    let fresh = format!("fdt-fresh-{pid}.lab");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![&names[0], "--login", "alice", "--domain", &fresh],
            "is already a site's address in the inventory",
        ),
        (
            vec![&names[1], "--domain", &taken_domain],
            "is already in the inventory",
        ),
        (
            vec![&names[2], "--login", "alice", "--domain", &fresh],
            "none of them a VLAN network of node h1",
        ),
        (
            vec![&names[1], "--login", "Bad Login", "--domain", &fresh],
            "contradicts the container's label",
        ),
        (
            vec![&names[0], "--login", "bad login", "--domain", &fresh],
            "login \"bad login\"",
        ),
        (
            vec![
                "fdt-adopt-no-such-container",
                "--login",
                "alice",
                "--domain",
                &fresh,
            ],
            "no container, id or site domain",
        ),
    ];
    for (args, why) in &cases {
        let mut argv = vec!["inventory", "adopt"];
        argv.extend(args.iter().copied());
        argv.push("--yes");
        let out = fleet.run(&argv);
        assert_eq!(code(&out), 4, "{argv:?}: {}", text(&out));
        assert!(text(&out).contains(why), "{argv:?}: {}", text(&out));
        assert!(text(&out).contains("not adopted: "), "{}", text(&out));
    }
    let sites = fleet.inventory().sites().expect("sites");
    assert_eq!(sites.len(), 1, "only the row put there: {sites:#?}");
    assert_eq!(adopt_rows(&fleet, "refused").len(), cases.len());
    assert!(adopt_rows(&fleet, "ok").is_empty());

    // Read-only: exit 3 before anything is opened; no row, no audit row, no POST.
    let watch = Watch::start(&lab);
    let out = fleet.run(&[
        "--read-only",
        "inventory",
        "adopt",
        &names[1],
        "--domain",
        &fresh,
        "--yes",
    ]);
    assert_eq!(code(&out), 3, "{}", text(&out));
    assert!(text(&out).contains("read-only mode"), "{}", text(&out));
    let posts: Vec<_> = watch
        .seen()
        .docker_calls
        .into_iter()
        .filter(|c| {
            c.method != "GET" && c.method != "HEAD" && c.path.contains(&format!("fdt-adopt-{pid}"))
        })
        .collect();
    assert!(posts.is_empty(), "{posts:#?}");
    assert_eq!(fleet.inventory().sites().expect("sites").len(), 1);
    assert_eq!(adopt_rows(&fleet, "refused").len(), cases.len());
}
