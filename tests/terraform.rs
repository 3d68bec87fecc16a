//! Nodes from Terraform state with the real `terraform` CLI: a working directory built
//! from `terraform_data` resources (the builtin provider, nothing downloaded), read in
//! `dir` mode (`terraform show -json`) and `state` mode (the file), `init
//! --from-terraform`, an unreadable state that leaves the rest of the fleet, and on the
//! lab a declared host that answers and one that does not (`tree`, `check`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use support::lab::{Lab, run_with_timeout};

/// A lab address with nothing behind it (README "Nodes from Terraform" tests).
const NOBODY: &str = "10.77.0.250";

/// `terraform init` + `apply` in a fresh directory declaring `servers` (resource name,
/// address, node name) as `terraform_data` objects whose `input` holds the address.
fn terraform_dir(root: &Path, servers: &[(&str, &str, &str)]) -> PathBuf {
    let dir = root.join("infra");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut main = String::new();
    for (resource, address, name) in servers {
        main.push_str(&format!(
            "resource \"terraform_data\" \"{resource}\" {{\n  input = {{ address = \"{address}\", name = \"{name}\" }}\n}}\n"
        ));
    }
    std::fs::write(dir.join("main.tf"), main).expect("main.tf");
    for args in [
        &["init", "-input=false", "-no-color"][..],
        &["apply", "-auto-approve", "-input=false", "-no-color"][..],
    ] {
        let out = run_with_timeout(
            Command::new("terraform")
                .args(args)
                .current_dir(&dir)
                .env("CHECKPOINT_DISABLE", "1")
                .env("TF_IN_AUTOMATION", "1")
                .stdin(Stdio::null()),
            Duration::from_secs(180),
        );
        assert!(
            out.status.success(),
            "terraform {args:?} failed (is terraform on PATH?): {}",
            text(&out)
        );
    }
    dir
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn fleetdeck(home: &Path, config: &Path, args: &[&str]) -> Output {
    run_with_timeout(
        Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .arg("--config")
            .arg(config)
            .args(args)
            .env("HOME", home)
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("FLEETDECK_CONFIG")
            .env_remove("FLEETDECK_READ_ONLY")
            .stdin(Stdio::null()),
        Duration::from_secs(120),
    )
}

/// `[[terraform]]` reading `key = path` with the map for `terraform_data`; `prefix` is
/// where the address sits (`output` from `terraform show`, `output.value` in the file,
/// which keeps a dynamic value's type beside it).
fn terraform_table(key: &str, path: &Path, prefix: &str) -> String {
    format!(
        "[[terraform]]\nname = \"labtf\"\n{key} = {:?}\nssh_user = \"root\"\ndocker = \"none\"\n\
         [[terraform.map]]\ntype = \"terraform_data\"\naddress_attr = \"{prefix}.address\"\nname_attr = \"{prefix}.name\"\n",
        path.display().to_string()
    )
}

fn node_names(out: &Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(out)));
    doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_string())
        .collect()
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
            format!("{local}{}", terraform_table(key, &path, prefix)),
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
            terraform_table("state", &missing, "output.value"),
            terraform_table("dir", &not_a_dir, "output").replace("labtf", "other")
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
            terraform_table("dir", &dir, "output")
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
