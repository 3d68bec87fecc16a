//! The real `terraform` CLI and fleetdeck around it, for the Terraform tests (README "Nodes
//! from Terraform"): only the builtin `terraform_data` resource, so nothing is downloaded.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::lab::run_with_timeout;

/// The limit on one `terraform` call.
pub const TERRAFORM_WITHIN: Duration = Duration::from_secs(180);

/// `terraform ARGS` in `dir`, without prompts or update checks.
pub fn terraform(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("terraform");
    cmd.args(args)
        .current_dir(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .stdin(Stdio::null());
    cmd
}

/// A finished process's status and output, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `terraform init` then `apply` of `main` in a fresh `root/name`.
pub fn applied(root: &Path, name: &str, main: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("main.tf"), main).expect("main.tf");
    for args in [
        &["init", "-input=false", "-no-color"][..],
        &["apply", "-auto-approve", "-input=false", "-no-color"][..],
    ] {
        let out = run_with_timeout(&mut terraform(&dir, args), TERRAFORM_WITHIN);
        assert!(
            out.status.success(),
            "terraform {args:?} failed (is terraform on PATH?): {}",
            text(&out)
        );
    }
    dir
}

/// A `terraform_data` whose `input` holds an address and a node name.
pub fn server(resource: &str, address: &str, name: &str) -> String {
    format!(
        "resource \"terraform_data\" \"{resource}\" {{\n  input = {{ address = \"{address}\", name = \"{name}\" }}\n}}\n"
    )
}

/// `[[terraform]] name` reading `key = path` with the map for `terraform_data`; `prefix`
/// is where the address sits (`output` from `terraform show`, `output.value` in the file,
/// which keeps a dynamic value's type beside it).
pub fn table(name: &str, key: &str, path: &Path, prefix: &str) -> String {
    format!(
        "[[terraform]]\nname = \"{name}\"\n{key} = {:?}\nssh_user = \"root\"\ndocker = \"none\"\n\
         [[terraform.map]]\ntype = \"terraform_data\"\naddress_attr = \"{prefix}.address\"\nname_attr = \"{prefix}.name\"\n",
        path.display().to_string()
    )
}

/// fleetdeck with `config`, its state, data and log under `home` (debug log), no master.
pub fn fleetdeck(home: &Path, config: &Path, args: &[&str]) -> Output {
    run_with_timeout(
        Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .arg("--config")
            .arg(config)
            .args(args)
            .env("HOME", home)
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("FLEETDECK_LOG", "debug")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("XDG_RUNTIME_DIR")
            .env_remove("FLEETDECK_CONFIG")
            .env_remove("FLEETDECK_READ_ONLY")
            .stdin(Stdio::null()),
        Duration::from_secs(120),
    )
}

/// The names of `tree --json`'s nodes.
pub fn node_names(out: &Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(out)));
    doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_string())
        .collect()
}
