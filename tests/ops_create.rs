//! `fleetdeck create` and `delete` against the lab's real Docker engines and a real
//! SQLite inventory: the happy path end to end, and every failure path (image missing,
//! IP exhausted, bad input, a name already taken on the node, concurrent creates). Creates
//! cut mid-way (killed, node frozen) are in `ops_reconcile.rs`, delete's guards in
//! `ops_delete.rs`.

mod support;

use std::process::Stdio;

use fleetdeck::inventory::SiteState;
use support::lab::{Lab, defer};
use support::sites::{Fleet, IMAGE, audit, cleanup, code, inspect, text};

#[test]
fn create_then_delete_end_to_end() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", 110, "");
    let domain = "fdtm-e2e.lab";
    let name = format!("fd-{domain}");
    let _clean = defer(|| cleanup(&lab, "h1", std::slice::from_ref(&name), &fleet.network()));

    let out = fleet.create("alice", domain, &["--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("create json");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(
        doc["site"]["ip"], "10.90.110.2",
        "first free address after the gateway"
    );
    assert_eq!(doc["site"]["state"], "active");
    assert_eq!(doc["network_created"], true);
    // The create's lock file went with it (README "Several admins on one bastion").
    let pending = fleetdeck::ops::pending::dir_for(&fleet.inventory_path());
    let left: Vec<_> = std::fs::read_dir(&pending)
        .expect("the pending directory")
        .collect::<Result<_, _>>()
        .expect("entries");
    assert!(
        left.is_empty(),
        "lock files left in {}: {left:?}",
        pending.display()
    );
    let id = doc["container_id"]
        .as_str()
        .expect("container id")
        .to_string();

    // The container, as the engine sees it.
    assert_eq!(
        inspect(&lab, "h1", "{{.State.Status}}", &name).as_deref(),
        Some("running")
    );
    assert_eq!(
        inspect(&lab, "h1", "{{.Id}}", &name).as_deref(),
        Some(id.as_str())
    );
    let ip = inspect(
        &lab,
        "h1",
        &format!(
            "{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}",
            fleet.network()
        ),
        &name,
    );
    assert_eq!(ip.as_deref(), Some("10.90.110.2"));
    assert_eq!(
        inspect(&lab, "h1", "{{.HostConfig.RestartPolicy.Name}}", &name).as_deref(),
        Some("unless-stopped")
    );
    let labels = inspect(&lab, "h1", "{{json .Config.Labels}}", &name).expect("labels");
    let labels: serde_json::Value = serde_json::from_str(&labels).expect("labels json");
    assert_eq!(labels["fleetdeck.domain"], domain);
    assert_eq!(labels["fleetdeck.login"], "alice");
    assert_eq!(labels["fleetdeck.vlan"], "110");
    let bridge = inspect(
        &lab,
        "h1",
        "{{index .Options \"com.docker.network.bridge.name\"}}",
        &fleet.network(),
    );
    assert_eq!(bridge.as_deref(), Some("fdtm110"));
    let subnet = inspect(
        &lab,
        "h1",
        "{{(index .IPAM.Config 0).Subnet}}",
        &fleet.network(),
    );
    assert_eq!(subnet.as_deref(), Some("10.90.110.0/24"));
    // The site answers on its address from the node.
    let page = lab.in_netns(
        "h1",
        "curl",
        &["-s", "--max-time", "5", "http://10.90.110.2/"],
    );
    assert_eq!(String::from_utf8_lossy(&page.stdout).trim(), &id[..12]);

    // The inventory row and the tree agree.
    let site = fleet.inventory().site(domain).expect("query").expect("row");
    assert_eq!(site.state, SiteState::Active);
    assert_eq!(site.container_id.as_deref(), Some(id.as_str()));
    assert_eq!(site.node.as_deref(), Some("h1"));
    let tree = fleet.run(&["tree", "--json"]);
    assert_eq!(code(&tree), 0, "{}", text(&tree));
    let tree: serde_json::Value = serde_json::from_slice(&tree.stdout).expect("tree json");
    let h1 = tree["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["name"] == "h1")
        .expect("h1");
    let c = h1["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .find(|c| c["name"] == name.as_str())
        .expect("container in tree");
    assert_eq!(c["domain"], domain);
    assert_eq!(c["login"], "alice");
    assert_eq!(c["ip"], "10.90.110.2");

    // A second create of the same domain is a conflict, and changes nothing.
    let again = fleet.create("bob", domain, &[]);
    assert_eq!(code(&again), 4, "{}", text(&again));
    assert!(
        text(&again).contains("already in the inventory"),
        "{}",
        text(&again)
    );

    // Delete: container and row go, the proxy rebuild is offered.
    let del = fleet.run(&["delete", domain, "--yes"]);
    assert_eq!(code(&del), 0, "{}", text(&del));
    assert!(text(&del).contains("proxy apply"), "{}", text(&del));
    assert_eq!(
        inspect(&lab, "h1", "{{.Id}}", &name),
        None,
        "container removed"
    );
    assert!(
        fleet.inventory().site(domain).expect("query").is_none(),
        "row removed"
    );
    let again = fleet.run(&["delete", domain, "--yes"]);
    assert_eq!(code(&again), 4, "{}", text(&again));
    assert!(
        text(&again).contains("no site fdtm-e2e.lab"),
        "{}",
        text(&again)
    );

    let rows = audit(&fleet);
    let actions: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or("").to_string(),
                r["outcome"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    // Newest first: the refused second delete, the delete, the refused second create,
    // the create.
    let want = [
        ("delete", "refused"),
        ("delete", "ok"),
        ("create", "refused"),
        ("create", "ok"),
    ];
    let got: Vec<(&str, &str)> = actions
        .iter()
        .map(|(a, o)| (a.as_str(), o.as_str()))
        .collect();
    assert_eq!(got, want);
    // The real uid's name, not USER.
    let me = support::lab::real_user_name();
    assert!(rows.iter().all(|r| r["actor"] == me.as_str()), "{rows:?}");
}

#[test]
fn a_missing_image_undoes_everything() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", 111, "");
    let _clean = defer(|| {
        cleanup(
            &lab,
            "h1",
            &["fd-fdtm-noimage.lab".to_string()],
            &fleet.network(),
        )
    });
    let out = fleet.create("alice", "fdtm-noimage.lab", &["--image", "fdlab/absent:1"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(
        text(&out).contains("image fdlab/absent:1 is not on node h1"),
        "{}",
        text(&out)
    );
    assert!(
        fleet.inventory().sites().expect("sites").is_empty(),
        "no row left"
    );
    assert_eq!(inspect(&lab, "h1", "{{.Id}}", "fd-fdtm-noimage.lab"), None);
    let rows = audit(&fleet);
    assert_eq!(rows[0]["action"], "create");
    assert_eq!(rows[0]["outcome"], "failed");
}

#[test]
fn an_exhausted_vlan_is_a_conflict_and_bad_input_is_named() {
    let lab = Lab::load();
    // A /29 with .2–.5 reserved and .1 the gateway leaves exactly .6.
    let fleet = Fleet::new(
        &lab,
        "h1",
        112,
        "subnet = \"10.90.112.0/29\"\ngateway = \"10.90.112.1\"\nreserved = [\"10.90.112.2-10.90.112.5\"]",
    );
    let names = ["fd-fdtm-one.lab".to_string(), "fd-fdtm-two.lab".to_string()];
    let _clean = defer(|| cleanup(&lab, "h1", &names, &fleet.network()));
    let one = fleet.create("alice", "fdtm-one.lab", &[]);
    assert_eq!(code(&one), 0, "{}", text(&one));
    assert!(text(&one).contains("10.90.112.6"), "{}", text(&one));
    let two = fleet.create("alice", "fdtm-two.lab", &[]);
    assert_eq!(code(&two), 4, "{}", text(&two));
    assert!(text(&two).contains("no free address"), "{}", text(&two));
    assert_eq!(inspect(&lab, "h1", "{{.Id}}", "fd-fdtm-two.lab"), None);

    for (args, needle) in [
        (
            vec!["--login", "alice", "--vlan", "112", "--domain", "a;b.lab"],
            "domain",
        ),
        (
            vec![
                "--login",
                "al ice",
                "--vlan",
                "112",
                "--domain",
                "fdtm-x.lab",
            ],
            "login",
        ),
        (
            vec![
                "--login",
                "alice",
                "--vlan",
                "999",
                "--domain",
                "fdtm-x.lab",
            ],
            "unknown VLAN 999",
        ),
        (
            vec![
                "--login",
                "alice",
                "--vlan",
                "abc",
                "--domain",
                "fdtm-x.lab",
            ],
            "vlan",
        ),
        (
            vec![
                "--login",
                "alice",
                "--vlan",
                "112",
                "--domain",
                "fdtm-x.lab",
                "--node",
                "h9",
            ],
            "unknown node",
        ),
        (
            vec![
                "--login",
                "alice",
                "--vlan",
                "112",
                "--domain",
                "fdtm-x.lab",
                "--image",
                "$(id)",
            ],
            "image",
        ),
    ] {
        let mut full = vec!["create"];
        full.extend(args.iter());
        full.push("--yes");
        let out = fleet.run(&full);
        assert_eq!(code(&out), 4, "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains(needle),
            "{args:?} should name {needle}: {}",
            text(&out)
        );
    }
    assert_eq!(fleet.inventory().sites().expect("sites").len(), 1);
}

#[test]
fn a_foreign_container_with_the_name_is_left_alone() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", 113, "");
    let name = "fd-fdtm-taken.lab".to_string();
    let _clean = defer(|| cleanup(&lab, "h1", std::slice::from_ref(&name), &fleet.network()));
    let out = lab.docker("h1", &["create", "--name", &name, IMAGE]);
    assert!(out.status.success(), "{}", text(&out));
    let foreign = inspect(&lab, "h1", "{{.Id}}", &name).expect("foreign id");
    let out = fleet.create("alice", "fdtm-taken.lab", &[]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(
        text(&out).contains("already exists on h1"),
        "{}",
        text(&out)
    );
    // The undo must not remove what it did not create.
    assert_eq!(
        inspect(&lab, "h1", "{{.Id}}", &name).as_deref(),
        Some(foreign.as_str())
    );
    assert!(fleet.inventory().sites().expect("sites").is_empty());
    // The network this create made (the container step failed after it) is undone...
    assert!(
        text(&out).contains(&format!("created network {}", fleet.network())),
        "{}",
        text(&out)
    );
    assert_eq!(inspect(&lab, "h1", "{{.Id}}", &fleet.network()), None);
    // ...but one that was there before is left in place.
    let made = lab.docker(
        "h1",
        &[
            "network",
            "create",
            "--subnet",
            "10.90.113.0/24",
            "--gateway",
            "10.90.113.1",
            "-o",
            "com.docker.network.bridge.name=fdtm113",
            &fleet.network(),
        ],
    );
    assert!(made.status.success(), "{}", text(&made));
    let before = inspect(&lab, "h1", "{{.Id}}", &fleet.network()).expect("network id");
    let out = fleet.create("alice", "fdtm-taken.lab", &[]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(!text(&out).contains("created network"), "{}", text(&out));
    assert_eq!(
        inspect(&lab, "h1", "{{.Id}}", &fleet.network()),
        Some(before)
    );
}

#[test]
fn read_only_refuses_create_and_delete() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", 114, "");
    let before = std::fs::read(fleet.dir.path().join("fleet.toml")).expect("config");
    for args in [
        vec![
            "--read-only",
            "create",
            "--login",
            "a",
            "--vlan",
            "114",
            "--domain",
            "fdtm-ro.lab",
            "--yes",
        ],
        vec!["--read-only", "delete", "fdtm-ro.lab", "--yes"],
    ] {
        let out = fleet.run(&args);
        assert_eq!(code(&out), 3, "{}", text(&out));
        assert!(text(&out).contains("read-only mode"), "{}", text(&out));
    }
    assert!(
        !fleet.inventory_path().exists(),
        "read-only never creates the inventory"
    );
    assert_eq!(
        std::fs::read(fleet.dir.path().join("fleet.toml")).expect("config"),
        before
    );
    assert_eq!(inspect(&lab, "h1", "{{.Id}}", "fd-fdtm-ro.lab"), None);
}

/// Without --yes and without a terminal, nothing is applied.
#[test]
fn no_confirmation_no_change() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", 115, "");
    let out = fleet.run(&[
        "create",
        "--login",
        "a",
        "--vlan",
        "115",
        "--domain",
        "fdtm-ask.lab",
    ]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains("--yes"), "{}", text(&out));
    assert!(fleet.inventory().sites().expect("sites").is_empty());
    assert_eq!(inspect(&lab, "h1", "{{.Id}}", "fd-fdtm-ask.lab"), None);
}

#[test]
fn concurrent_creates_never_share_an_ip_or_a_domain() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", 116, "");
    let domains: Vec<String> = (0..4).map(|i| format!("fdtm-par{i}.lab")).collect();
    let names: Vec<String> = domains.iter().map(|d| format!("fd-{d}")).collect();
    let _clean = defer(|| cleanup(&lab, "h1", &names, &fleet.network()));
    // Four different domains and the first one twice, all at once.
    let mut children = Vec::new();
    for d in domains.iter().chain(std::iter::once(&domains[0])) {
        let child = fleet
            .command(&[
                "create", "--login", "alice", "--vlan", "116", "--domain", d, "--yes",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn create");
        children.push((d.clone(), child));
    }
    let mut ok = 0;
    let mut conflicts = 0;
    for (d, child) in children {
        let out = child.wait_with_output().expect("wait");
        match code(&out) {
            0 => ok += 1,
            4 => {
                assert_eq!(d, domains[0], "{}", text(&out));
                conflicts += 1;
            }
            other => panic!("create {d} exited {other}: {}", text(&out)),
        }
    }
    assert_eq!((ok, conflicts), (4, 1));
    let sites = fleet.inventory().sites().expect("sites");
    assert_eq!(sites.len(), 4);
    let mut ips: Vec<_> = sites.iter().map(|s| s.ip).collect();
    ips.sort();
    ips.dedup();
    assert_eq!(ips.len(), 4, "distinct addresses: {sites:?}");
    for s in &sites {
        assert_eq!(s.state, SiteState::Active);
        let ip = inspect(
            &lab,
            "h1",
            &format!(
                "{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}",
                fleet.network()
            ),
            &format!("fd-{}", s.domain),
        );
        assert_eq!(ip, Some(s.ip.to_string()), "{}", s.domain);
    }
}

#[test]
fn an_address_a_live_container_holds_is_never_allocated() {
    let lab = Lab::load();
    let fleet = Fleet::new(&lab, "h1", 161, "");
    let network = "fdtm-vlan161".to_string();
    let squatter = format!("fdt-squat-{}", std::process::id());
    let lab2 = Lab::load();
    let (sq, net) = (squatter.clone(), network.clone());
    let _cleanup = defer(move || {
        cleanup(
            &lab2,
            "h1",
            &[
                sq.clone(),
                "fd-live.example.org".into(),
                "fd-chosen.example.org".into(),
            ],
            &net,
        )
    });
    // A container started by hand, outside fleetdeck, on the address the inventory
    // would give out first (.2: .1 is the gateway).
    let made = lab.docker(
        "h1",
        &[
            "network",
            "create",
            "--driver",
            "bridge",
            "--subnet",
            "10.90.161.0/24",
            "--gateway",
            "10.90.161.1",
            "-o",
            "com.docker.network.bridge.name=fdtm161",
            &network,
        ],
    );
    assert!(
        made.status.success(),
        "network: {}",
        support::lab::stderr(&made)
    );
    let run = lab.docker(
        "h1",
        &[
            "run",
            "-d",
            "--name",
            &squatter,
            "--network",
            &network,
            "--ip",
            "10.90.161.2",
            IMAGE,
            "sleep",
            "3600",
        ],
    );
    assert!(
        run.status.success(),
        "squatter: {}",
        support::lab::stderr(&run)
    );

    let out = fleet.create("bob", "live.example.org", &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let site = fleet
        .inventory()
        .site("live.example.org")
        .expect("read")
        .expect("a row");
    assert_ne!(
        site.ip.to_string(),
        "10.90.161.2",
        "the squatter's address was handed out"
    );
    assert_eq!(site.ip.to_string(), "10.90.161.3");
    let ip = inspect(
        &lab,
        "h1",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        "fd-live.example.org",
    );
    assert_eq!(ip.as_deref(), Some("10.90.161.3"));
    assert!(
        text(&out).contains("10.90.161.2 is in use"),
        "the output says why: {}",
        text(&out)
    );

    // --ip: the squatter's address is refused, nothing is created or recorded.
    let out = fleet.create("bob", "chosen.example.org", &["--ip", "10.90.161.2"]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    assert!(
        text(&out).contains("10.90.161.2 is held by a live container"),
        "{}",
        text(&out)
    );
    assert!(
        fleet
            .inventory()
            .site("chosen.example.org")
            .expect("read")
            .is_none()
    );
    assert!(
        inspect(&lab, "h1", "{{.Name}}", "fd-chosen.example.org").is_none(),
        "no container was made"
    );
    // ...and a site's address in the inventory before any engine is asked.
    let out = fleet.create("bob", "chosen.example.org", &["--ip", "10.90.161.3"]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    assert!(
        text(&out).contains("already a site's address"),
        "{}",
        text(&out)
    );
    // A free address is used as given.
    let out = fleet.create("bob", "chosen.example.org", &["--ip", "10.90.161.50"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let ip = inspect(
        &lab,
        "h1",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        "fd-chosen.example.org",
    );
    assert_eq!(ip.as_deref(), Some("10.90.161.50"));
}
