//! Nodes from Terraform state with the real `terraform` CLI: a working directory built
//! from `terraform_data` resources (the builtin provider, nothing downloaded), read in
//! `dir` mode (`terraform show -json`) and `state` mode (the file), `init
//! --from-terraform`, an unreadable state that leaves the rest of the fleet, and on the
//! lab a declared host that answers and one that does not (`tree`, `check`).

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::lab::{Lab, retry};
use support::terraform::{applied, fleetdeck, node_names, server, table, text};

/// A lab address with nothing behind it (README "Nodes from Terraform" tests).
const NOBODY: &str = "10.77.0.250";

/// `terraform init` + `apply` in a fresh directory declaring `servers` (resource name,
/// address, node name) as `terraform_data` objects whose `input` holds the address.
fn terraform_dir(root: &Path, servers: &[(&str, &str, &str)]) -> PathBuf {
    let main: String = servers
        .iter()
        .map(|(resource, address, name)| server(resource, address, name))
        .collect();
    applied(root, "infra", &main)
}

#[test]
fn dir_and_state_modes_read_what_terraform_wrote() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = terraform_dir(
        tmp.path(),
        &[("a", "10.77.0.1", "tf-a"), ("b", NOBODY, "tf b")],
    );
    let local = "[[node]]\nname = \"local\"\ndocker = \"none\"\n";
    for (key, path, prefix) in [
        ("dir", dir.clone(), "output"),
        ("state", dir.join("terraform.tfstate"), "output.value"),
    ] {
        let config = tmp.path().join(format!("{key}.toml"));
        std::fs::write(
            &config,
            format!("{local}{}", table("labtf", key, &path, prefix)),
        )
        .expect("config");
        let out = fleetdeck(tmp.path(), &config, &["config", "check", "--json"]);
        assert!(out.status.success(), "{key}: {}", text(&out));
        assert_eq!(node_names(&out), ["local", "tf-a", "tf-b"], "{key}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            doc["nodes"][2]["route"]["hostname"], NOBODY,
            "{key}: {doc:#}"
        );
        assert_eq!(doc["nodes"][2]["route"]["user"], "root", "{key}");
    }
    // Reading never changed the state (no refresh, no lock left behind).
    let before = std::fs::read(dir.join("terraform.tfstate")).expect("state");
    let config = tmp.path().join("dir.toml");
    let out = fleetdeck(tmp.path(), &config, &["config", "check", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(dir.join("terraform.tfstate")).expect("state"),
        before
    );
    assert!(!dir.join(".terraform.tfstate.lock.info").exists());
}

#[test]
fn an_unreadable_state_is_named_and_the_rest_of_the_fleet_stays() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("c.toml");
    let missing = tmp.path().join("gone.tfstate");
    let not_a_dir = tmp.path().join("empty");
    std::fs::create_dir(&not_a_dir).expect("mkdir");
    std::fs::write(
        &config,
        format!(
            "[[node]]\nname = \"local\"\ndocker = \"none\"\n{}{}",
            table("labtf", "state", &missing, "output.value"),
            table("labtf", "dir", &not_a_dir, "output").replace("labtf", "other")
        ),
    )
    .expect("config");
    let out = fleetdeck(tmp.path(), &config, &["config", "check", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(node_names(&out), ["local"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("terraform \"labtf\": cannot read state")
            && stderr.contains("gone.tfstate"),
        "{stderr}"
    );
    // An empty working directory has no state: no nodes, no complaint.
    assert!(!stderr.contains("\"other\""), "{stderr}");
}

#[test]
fn init_from_terraform_writes_a_config_following_the_state() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = terraform_dir(tmp.path(), &[("a", "10.77.0.1", "tf-a")]);
    let config = tmp.path().join("new").join("config.toml");
    let out = fleetdeck(
        tmp.path(),
        &config,
        &["init", "--from-terraform", dir.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", text(&out));
    let written = std::fs::read_to_string(&config).expect("written");
    assert!(
        written.contains("[[terraform]]\nname = \"infra\"\n"),
        "{written}"
    );
    assert!(
        written.contains(&format!("dir = {:?}", dir.display().to_string())),
        "{written}"
    );
    // terraform_data is no server type: listed as nothing found, not guessed.
    assert!(written.contains("# Declared now:\n"), "{written}");
    let again = fleetdeck(
        tmp.path(),
        &config,
        &["init", "--from-terraform", "nowhere"],
    );
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
}

#[test]
fn lab_a_declared_host_answers_and_a_declared_address_with_nothing_is_down() {
    let lab = Lab::load();
    let h1 = lab.host("h1");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = terraform_dir(
        tmp.path(),
        &[("web", h1.ip.as_str(), "tfh1"), ("gone", NOBODY, "tfgone")],
    );
    let empty = tmp.path().join("ssh_config");
    std::fs::write(&empty, "").expect("ssh_config");
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "[ssh]\nconfig = {:?}\nknown_hosts = {:?}\nidentities = [{:?}]\nconnect_timeout_secs = 3\n{}",
            empty.display().to_string(),
            lab.known_hosts.display().to_string(),
            lab.client_key.display().to_string(),
            table("labtf", "dir", &dir, "output")
        ),
    )
    .expect("config");
    let out = fleetdeck(tmp.path(), &config, &["tree", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    assert_eq!(doc["schema_version"], 5);
    let node = |name: &str| {
        doc["nodes"]
            .as_array()
            .and_then(|n| n.iter().find(|n| n["name"] == name))
            .unwrap_or_else(|| panic!("{name} missing: {doc:#}"))
            .clone()
    };
    let up = node("tfh1");
    assert_eq!(up["status"], "up", "{up:#}");
    assert_eq!(up["source"], "terraform:labtf");
    assert_eq!(up["terraform"]["resource"], "terraform_data.web");
    assert_eq!(up["facts"]["hostname"], h1.hostname.as_str(), "{up:#}");
    let down = node("tfgone");
    assert_eq!(down["status"], "down", "{down:#}");
    assert_eq!(down["source"], "terraform:labtf");
    assert!(down["error"].is_string(), "{down:#}");

    // `check`: the declared address with nothing behind it is terraform_unreachable.
    let out = fleetdeck(tmp.path(), &config, &["check", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    let found: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or(""),
                f["node"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(found, [("terraform_unreachable", "tfgone")], "{report:#}");
}

/// A hand-written state (format version 4) declaring `servers` (node name, IPv4 address)
/// as `count` instances of one `hcloud_server`.
fn hcloud_state(servers: &[(&str, &str)]) -> String {
    let instances: Vec<serde_json::Value> = servers
        .iter()
        .enumerate()
        .map(|(i, (name, ip))| {
            serde_json::json!({
                "index_key": i,
                "schema_version": 0,
                "attributes": {"id": format!("{}", 100 + i), "name": name,
                               "ipv4_address": ip, "ipv6_address": "", "network": []},
                "sensitive_attributes": []
            })
        })
        .collect();
    serde_json::json!({
        "version": 4, "terraform_version": "1.11.4", "serial": 1,
        "lineage": "5d1e6c2a-0000-4000-8000-000000000018", "outputs": {},
        "resources": [{
            "mode": "managed", "type": "hcloud_server", "name": "srv",
            "provider": "provider[\"registry.terraform.io/hetznercloud/hcloud\"]",
            "instances": instances
        }]
    })
    .to_string()
}

/// A `[[node]]` reached through an ssh_config alias is compared by the HostName the
/// alias resolves to (the one resolver, `sshcfg`), not by the alias itself.
#[test]
fn address_changed_follows_an_ssh_alias_to_its_host_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ssh_config = tmp.path().join("ssh_config");
    std::fs::write(
        &ssh_config,
        "Host web-a\n  HostName 10.77.0.241\nHost web-b\n  HostName 10.77.0.243\n",
    )
    .expect("ssh_config");
    let state = tmp.path().join("infra.tfstate");
    std::fs::write(
        &state,
        hcloud_state(&[("tf-a", "10.77.0.241"), ("tf-b", "10.77.0.242")]),
    )
    .expect("state");
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "[ssh]\nconfig = {:?}\nconnect_timeout_secs = 2\n\
             [[node]]\nname = \"tf-a\"\nssh = \"root@web-a\"\ndocker = \"none\"\n\
             [[node]]\nname = \"tf-b\"\nssh = \"root@web-b\"\ndocker = \"none\"\n\
             [[terraform]]\nname = \"infra\"\nstate = {:?}\n",
            ssh_config.display().to_string(),
            state.display().to_string()
        ),
    )
    .expect("config");
    let out = fleetdeck(tmp.path(), &config, &["check", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let changed: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["kind"] == "terraform_address_changed")
        .collect();
    // tf-a's alias leads to the declared address; tf-b's leads elsewhere.
    assert_eq!(changed.len(), 1, "{report:#}");
    assert_eq!(changed[0]["node"], "tf-b");
    assert_eq!(changed[0]["expected"], "10.77.0.242");
    assert_eq!(changed[0]["actual"], "10.77.0.243");
    // Both are the configured nodes, not second copies from the state.
    let out = fleetdeck(tmp.path(), &config, &["config", "check", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(node_names(&out), ["tf-a", "tf-b"]);
}

/// Occurrences of the line a `tree` client logs when the master answered it.
fn master_answers(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("tree: answered by the master")
        .count()
}

/// A running master re-reads a state file when it changes: a server added to the state
/// appears in `tree --json` answered by that master, a removed one disappears.
#[test]
fn lab_a_master_follows_the_state_file_as_it_changes() {
    use support::fleet::{RunningMaster, TestFleet};
    let fleet = TestFleet::new(Lab::load(), "fdtf-follow-");
    let state = fleet.path("infra.tfstate");
    std::fs::write(&state, hcloud_state(&[("tf-one", NOBODY)])).expect("state");
    fleet.write_config(
        "c.toml",
        "",
        &format!(
            "[inventory]\npath = \"inventory.db\"\n\
             [[terraform]]\nname = \"infra\"\nstate = {:?}\nssh_user = \"root\"\ndocker = \"none\"\n",
            state.display().to_string()
        ),
    );
    let master = RunningMaster::start(&fleet, "c.toml");
    let names = |doc: &serde_json::Value| -> Vec<String> {
        doc["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let calls = std::cell::Cell::new(0usize);
    let tree = || {
        calls.set(calls.get() + 1);
        master.tree(&fleet, "c.toml")
    };
    let first = tree();
    assert!(names(&first).contains(&"tf-one".to_string()), "{first:#}");
    assert_eq!(
        master_answers(&fleet.log_file()),
        1,
        "the first tree was not the master's"
    );

    // A second server, then the first one gone: the master shows each change.
    let started = std::time::Instant::now();
    std::fs::write(
        &state,
        hcloud_state(&[("tf-one", NOBODY), ("tf-two", "10.77.0.251")]),
    )
    .expect("state");
    let grown = retry(Duration::from_secs(60), || {
        let doc = tree();
        names(&doc).contains(&"tf-two".to_string()).then_some(doc)
    })
    .expect("tf-two never appeared through the master");
    let took = started.elapsed();
    let two = grown["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["name"] == "tf-two"))
        .expect("tf-two");
    assert_eq!(two["source"], "terraform:infra", "{two:#}");
    assert_eq!(
        two["terraform"]["resource"], "hcloud_server.srv[1]",
        "{two:#}"
    );

    std::fs::write(&state, hcloud_state(&[("tf-two", "10.77.0.251")])).expect("state");
    let shrunk = retry(Duration::from_secs(60), || {
        let doc = tree();
        (!names(&doc).contains(&"tf-one".to_string())).then_some(doc)
    })
    .expect("tf-one never went from the master's tree");
    assert!(names(&shrunk).contains(&"tf-two".to_string()), "{shrunk:#}");
    // The lab's configured nodes stayed throughout.
    assert!(names(&shrunk).contains(&"h1".to_string()), "{shrunk:#}");
    // Every tree above was the master's answer, not a poll of the client's own.
    // (The client reads the state too: had it polled on its own, it would show the
    // new server as well; the log tells who answered.)
    assert_eq!(master_answers(&fleet.log_file()), calls.get());
    eprintln!("tf-two shown through the master {took:?} after the state changed");
}
