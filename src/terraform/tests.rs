//! Golden tests: each hand-written state in `tests/fixtures/terraform/` and the nodes it
//! yields, in `<stem>.nodes` beside it. `FLEETDECK_BLESS=1` rewrites the goldens (read the
//! diff before committing).

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::*;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/terraform")
}

fn vsphere_map() -> Vec<Kind> {
    vec![Kind {
        rtype: "vsphere_virtual_machine".into(),
        address_paths: vec!["default_ip_address".into()],
        name_path: Some("name".into()),
    }]
}

fn render(reading: &Reading) -> String {
    let mut out = String::new();
    for c in &reading.candidates {
        let tainted = if c.tainted { " tainted" } else { "" };
        out.push_str(&format!(
            "node {} {} {}{tainted}\n",
            c.name, c.host, c.resource
        ));
    }
    for s in &reading.skipped {
        out.push_str(&format!("skipped {}: {}\n", s.resource, s.why));
    }
    out
}

fn read(file: &str, taken: &mut BTreeSet<String>) -> Reading {
    let text = std::fs::read_to_string(fixtures().join(file)).expect("fixture");
    let instances = parse(&text).expect("parses");
    candidates(&instances, &vsphere_map(), &Filter::default(), taken)
}

#[test]
fn every_fixture_yields_its_golden_nodes() {
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(fixtures())
        .expect("fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("tfstate" | "json")
            )
        })
        .collect();
    entries.sort();
    for path in entries {
        let file = path.file_name().and_then(|f| f.to_str()).expect("name");
        let got = render(&read(file, &mut BTreeSet::new()));
        // Secrets in the fixtures all contain this marker; none may reach a node or a reason.
        assert!(
            !got.contains("s3cr3t") && !got.contains("hunter2"),
            "{file}: {got}"
        );
        let golden = path.with_extension("nodes");
        if std::env::var_os("FLEETDECK_BLESS").is_some() {
            std::fs::write(&golden, &got).expect("bless");
        }
        let want = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} missing: run with FLEETDECK_BLESS=1", golden.display()));
        assert_eq!(got, want, "{file}");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} fixtures found");
}

#[test]
fn names_stay_unique_against_configured_nodes() {
    let mut taken: BTreeSet<String> = ["web-par-1".to_string()].into();
    let got = read("scaleway.tfstate", &mut taken);
    let names: Vec<&str> = got.candidates.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["web-par-1-2", "db-par-1"]);
    assert!(taken.contains("db-par-1"));
}

#[test]
fn include_and_exclude_match_resource_addresses() {
    let text = std::fs::read_to_string(fixtures().join("modules.tfstate")).expect("fixture");
    let instances = parse(&text).expect("parses");
    let include = vec!["module.region[\"*\"].*".to_string()];
    let exclude = vec!["*[\"ams\"]*".to_string()];
    let filter = Filter {
        include: &include,
        exclude: &exclude,
    };
    let got = candidates(&instances, &[], &filter, &mut BTreeSet::new());
    let hosts: Vec<&str> = got.candidates.iter().map(|c| c.host.as_str()).collect();
    assert_eq!(hosts, ["49.12.1.1"]);
}

#[test]
fn other_versions_and_shapes_are_refused_without_echoing_values() {
    assert_eq!(
        parse(r#"{"version": 3, "modules": []}"#),
        Err(StateError::Version(3))
    );
    let err = parse("{\"password\": \"s3cr3t\"").expect_err("truncated");
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
    assert!(matches!(parse("[]"), Err(StateError::Shape(_))));
    // An empty working directory: `terraform show -json` prints no values.
    assert_eq!(parse(r#"{"format_version":"1.0"}"#), Ok(Vec::new()));
}

#[test]
fn node_names_are_made_valid() {
    assert_eq!(node_name("web server #1"), "web-server-1");
    assert_eq!(node_name("--x--"), "x");
    assert_eq!(node_name(&"a".repeat(80)).len(), 63);
    assert!(crate::validate::node_name(&node_name("_é.ü-ok")).is_ok());
}

#[test]
fn state_nodes_join_the_config_and_a_configured_address_wins() {
    let text = "[[node]]\nname = \"bastion\"\nssh = \"root@10.9.0.1\"\n\
                [[node]]\nname = \"web-ams3\"\nssh = \"root@188.166.0.1\"\n\
                [[terraform]]\nname = \"infra\"\nstate = \"x.tfstate\"\nssh_user = \"admin\"\njump = \"bastion\"\ndocker = \"none\"\n";
    let mut config = crate::config::load_str(text, std::path::Path::new("t.toml")).expect("config");
    let tf = config.terraform[0].clone();
    let mut instances =
        parse(&std::fs::read_to_string(fixtures().join("hcloud.tfstate")).expect("fixture"))
            .expect("parses");
    instances.extend(
        parse(&std::fs::read_to_string(fixtures().join("digitalocean.tfstate")).expect("fx"))
            .expect("parses"),
    );
    let notes = expand::merge(&mut config, &tf, &instances);
    assert!(notes.is_empty(), "{notes:?}");
    let names: Vec<&str> = config.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["bastion", "web-ams3", "node-fsn-0", "node-fsn-1"]);
    let added = config.node("node-fsn-0").expect("added");
    assert_eq!(added.ssh.as_deref(), Some("admin@49.12.0.1"));
    assert_eq!(added.jump.as_deref(), Some("bastion"));
    assert_eq!(added.docker, Some(crate::config::DockerEndpoint::None));
    assert_eq!(config.origins["node-fsn-0"].source(), "terraform:infra");
    // The droplet's address is a configured node's: no second node, the config's wins.
    let both = &config.origins["web-ams3"];
    assert_eq!(
        (both.source(), both.resource.as_str()),
        ("config", "digitalocean_droplet.web")
    );
    let tree = crate::fleet::tree::build(&config, &[], &[], String::new());
    let json = serde_json::to_value(&tree).expect("json");
    assert_eq!(json["nodes"][2]["source"], "terraform:infra");
    assert_eq!(json["nodes"][1]["source"], "config");
    assert_eq!(
        json["nodes"][1]["terraform"]["resource"],
        "digitalocean_droplet.web"
    );
}
