//! The local node follows the docker CLI's current context, checked against the docker
//! CLI itself: a context made with `docker context create` pointing at a lab engine, then
//! chosen with `DOCKER_CONTEXT` or `docker context use`, gives the local node exactly the
//! containers `docker --context ... ps -a` lists; an unknown context is a clear error.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::fleet::{TestFleet, code, text, tree_node};
use support::lab::{Lab, assert_success, run_with_timeout};

fn docker_cli(config_dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("docker");
    cmd.args(args)
        .env("DOCKER_CONFIG", config_dir)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT");
    run_with_timeout(&mut cmd, Duration::from_secs(60))
}

fn local_containers(
    fleet: &TestFleet,
    config_dir: &Path,
    context: Option<&str>,
) -> serde_json::Value {
    let mut cmd = fleet.command("c.toml", &["tree", "--json", "--no-master"]);
    cmd.env("DOCKER_CONFIG", config_dir)
        .env_remove("DOCKER_HOST");
    match context {
        Some(name) => cmd.env("DOCKER_CONTEXT", name),
        None => cmd.env_remove("DOCKER_CONTEXT"),
    };
    let out = run_with_timeout(&mut cmd, Duration::from_secs(120));
    assert_eq!(code(&out), 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("tree json");
    tree_node(&doc, "here").clone()
}

fn names(node: &serde_json::Value) -> BTreeSet<String> {
    node["containers"]
        .as_array()
        .unwrap_or_else(|| panic!("no containers in {node}"))
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn the_local_node_follows_the_docker_clis_context() {
    let lab = Lab::load();
    let (h1, tcp) = lab.docker_tcp();
    let (h1, tcp) = (h1.name.clone(), tcp.to_string());
    let marker = "fdtx-context-marker";
    let _ = lab.docker(&h1, &["rm", "-f", marker]);
    assert_success(
        &lab.docker(
            &h1,
            &["run", "-d", "--name", marker, &lab.image, "sleep", "3600"],
        ),
        "docker run on h1",
    );
    let fleet = TestFleet::new(lab, "fdtx-context-");
    let _cleanup = support::lab::defer(|| {
        let _ = fleet.lab.docker(&h1, &["rm", "-f", marker]);
    });
    std::fs::write(
        fleet.path("c.toml"),
        format!(
            "[inventory]\npath = {:?}\n[[node]]\nname = \"here\"\n",
            fleet.path("inv.db").display().to_string()
        ),
    )
    .expect("config");
    let store = fleet.path("docker-config");
    std::fs::create_dir_all(&store).expect("docker config dir");
    assert_success(
        &docker_cli(
            &store,
            &[
                "context",
                "create",
                "fdtx-lab",
                "--docker",
                &format!("host={tcp}"),
            ],
        ),
        "docker context create",
    );
    let reference = docker_cli(
        &store,
        &[
            "--context",
            "fdtx-lab",
            "ps",
            "-a",
            "--format",
            "{{.Names}}",
        ],
    );
    assert_success(&reference, "docker --context fdtx-lab ps");
    let expected: BTreeSet<String> = String::from_utf8_lossy(&reference.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(expected.contains(marker), "{expected:?}");

    // Chosen by DOCKER_CONTEXT.
    let node = local_containers(&fleet, &store, Some("fdtx-lab"));
    assert_eq!(names(&node), expected, "{node}");

    // Chosen by `docker context use` (the CLI's config file).
    assert_success(
        &docker_cli(&store, &["context", "use", "fdtx-lab"]),
        "docker context use",
    );
    let node = local_containers(&fleet, &store, None);
    assert_eq!(names(&node), expected, "{node}");

    // An unknown context: the node says so, by name.
    let node = local_containers(&fleet, &store, Some("fdtx-nope"));
    let shown = node.to_string();
    assert!(
        shown.contains("DOCKER_CONTEXT=\\\"fdtx-nope\\\"") && shown.contains("no such context"),
        "{shown}"
    );
}
