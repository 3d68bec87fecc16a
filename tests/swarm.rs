//! The swarm in the tree, against the lab's real swarm (`tests/lab/swarm.sh`: s1
//! manager, s2 s3 workers). The fleetdeck nodes get names that are not the hosts' own,
//! so the tree must map swarm nodes to them by address.
//!
//! The tests share one swarm, and one of them stops a worker's engine: they take turns
//! (`SwarmLab::turn`, a file lock other test binaries take too), and each cleans up its
//! own service (unique name) even when it fails.

mod support;

use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::lab::{Defer, assert_success, defer, retry, run_with_timeout, stdout};
use support::swarm::{DockerWindow, SwarmLab};
use support::tmux::{Tmux, exit_line, poll_bound};

const NAMES: [&str; 3] = ["sw-alpha", "sw-beta", "sw-gamma"];

struct Setup {
    swarm: SwarmLab,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        Setup::with("")
    }

    /// With `tables` after the nodes (a `[[swarm]]`...).
    fn with(tables: &str) -> Setup {
        let swarm = SwarmLab::load();
        let dir = tempfile::Builder::new()
            .prefix("fdswarm-")
            .tempdir()
            .expect("tempdir");
        let config = swarm.fleet_config(
            &NAMES,
            &format!(
                "[inventory]\npath = {:?}\n{tables}",
                dir.path().join("inventory.db").display().to_string()
            ),
        );
        std::fs::write(dir.path().join("config.toml"), config).expect("write config");
        Setup { swarm, dir }
    }

    fn fleetdeck(&self, args: &[&str]) -> Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        cmd.arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("FLEETDECK_READ_ONLY")
            .env_remove("FLEETDECK_CONFIG");
        run_with_timeout(&mut cmd, Duration::from_secs(60))
    }

    fn tree(&self, extra: &[&str]) -> Value {
        let mut args = vec!["tree", "--json"];
        args.extend_from_slice(extra);
        let out = self.fleetdeck(&args);
        assert_success(&out, "fleetdeck tree --json");
        serde_json::from_str(&stdout(&out)).expect("tree --json is JSON")
    }

    /// A service of the lab image, removed when the guard drops.
    fn service(&self, name: &str, args: &[&str]) -> Defer<impl FnMut() + '_> {
        let mut create = vec!["service", "create", "--detach", "--name", name];
        create.extend_from_slice(args);
        create.push(&self.swarm.image);
        let out = self.swarm.docker(&self.swarm.manager, &create);
        assert_success(&out, "docker service create");
        let name = name.to_string();
        defer(move || {
            let out = self
                .swarm
                .docker(&self.swarm.manager, &["service", "rm", &name]);
            if !out.status.success() {
                eprintln!("cleanup: docker service rm {name}: {out:?}");
            }
        })
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}-{}-{nanos:x}", std::process::id())
}

fn the_swarm(doc: &Value) -> &Value {
    let swarms = doc["swarms"].as_array().expect("swarms is an array");
    assert_eq!(swarms.len(), 1, "one lab swarm: {swarms:#?}");
    &swarms[0]
}

fn service<'a>(swarm: &'a Value, name: &str) -> Option<&'a Value> {
    swarm["services"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == name)
}

fn swarm_node<'a>(swarm: &'a Value, fleetdeck_name: &str) -> &'a Value {
    swarm["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["node"] == fleetdeck_name)
        .unwrap_or_else(|| panic!("no swarm node maps to {fleetdeck_name}: {swarm:#}"))
}

#[test]
fn the_tree_shows_the_swarm_its_nodes_mapped_by_address_and_a_service_with_its_tasks() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    let name = unique("fdt-web");
    let _service = s.service(
        &name,
        &[
            "--replicas",
            "2",
            "--replicas-max-per-node",
            "1",
            "--label",
            "fleetdeck.domain=web.swarm.lab",
        ],
    );

    let started = Instant::now();
    let doc = retry(Duration::from_secs(60), || {
        let doc = s.tree(&[]);
        let swarm = the_swarm(&doc);
        let svc = service(swarm, &name)?;
        (svc["replicas"]["running"] == 2).then_some(doc)
    })
    .unwrap_or_else(|| panic!("{name} never showed 2 running replicas: {:#}", s.tree(&[])));
    eprintln!("service seen running 2/2 after {:?}", started.elapsed());

    assert_eq!(doc["schema_version"], 5);
    let swarm = the_swarm(&doc);
    assert_eq!(swarm["manager"], NAMES[0], "s1's engine is the manager");
    for (host, fleetdeck_name) in s.swarm.hosts.iter().zip(NAMES) {
        let n = swarm_node(swarm, fleetdeck_name);
        assert_eq!(n["address"], host.ip.as_str());
        assert_eq!(n["id"], host.node_id.as_str());
        assert_eq!(n["role"], host.role.as_str());
        assert_eq!(
            n["hostname"],
            host.name.as_str(),
            "the swarm's hostname stays"
        );
        assert_eq!(
            (n["availability"].as_str(), n["status"].as_str()),
            (Some("active"), Some("ready"))
        );
        let node = doc["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|x| x["name"] == fleetdeck_name)
            .expect("the fleetdeck node");
        assert_eq!(node["swarm"]["swarm"], swarm["name"]);
        assert_eq!(node["swarm"]["role"], host.role.as_str());
    }

    let svc = service(swarm, &name).expect("the service");
    assert_eq!(svc["mode"], "replicated");
    assert_eq!(svc["replicas"]["desired"], 2);
    assert_eq!(svc["image"], s.swarm.image.as_str());
    let tasks = svc["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 2, "{tasks:#?}");
    let mut slots: Vec<i64> = tasks.iter().filter_map(|t| t["slot"].as_i64()).collect();
    slots.sort();
    assert_eq!(slots, [1, 2]);
    let mut on: Vec<&str> = tasks.iter().filter_map(|t| t["node"].as_str()).collect();
    on.sort();
    on.dedup();
    assert_eq!(
        on.len(),
        2,
        "one task per node, each on a fleetdeck node: {tasks:#?}"
    );
    assert!(
        tasks
            .iter()
            .all(|t| t["state"] == "running" && t["error"].is_null())
    );

    // Docker's own view agrees, task by task.
    let ps = s.swarm.docker(
        &s.swarm.manager,
        &[
            "service",
            "ps",
            "--filter",
            "desired-state=running",
            "--format",
            "{{.Node}}",
            &name,
        ],
    );
    assert_success(&ps, "docker service ps");
    let mut docker_nodes: Vec<String> = stdout(&ps).lines().map(str::to_string).collect();
    docker_nodes.sort();
    let mut ours: Vec<String> = tasks
        .iter()
        .filter_map(|t| t["hostname"].as_str().map(str::to_string))
        .collect();
    ours.sort();
    assert_eq!(ours, docker_nodes);

    // The text tree names the swarm and the service.
    let text = s.fleetdeck(&["tree"]);
    assert_success(&text, "fleetdeck tree");
    let text = stdout(&text);
    assert!(
        text.contains(&format!(
            "swarm {}",
            swarm["name"].as_str().unwrap_or_default()
        )),
        "{text}"
    );
    assert!(text.contains(&format!("{name} replicated 2/2")), "{text}");
}

#[test]
fn read_only_tree_only_reads_and_asks_the_manager_alone_for_the_cluster() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    let window = DockerWindow::start(&s.swarm);
    let doc = s.tree(&["--read-only"]);
    assert!(
        !the_swarm(&doc)["nodes"]
            .as_array()
            .expect("nodes")
            .is_empty()
    );
    // dockerd logs the call when it starts serving it: give the last line a moment.
    std::thread::sleep(Duration::from_millis(300));
    let calls = window.calls();
    let writes: Vec<_> = calls
        .iter()
        .filter(|(_, m, _)| m != "GET" && m != "HEAD")
        .collect();
    assert!(writes.is_empty(), "a read-only tree sent {writes:#?}");
    let asked = |host: &str, what: &str| {
        calls
            .iter()
            .any(|(h, m, p)| h == host && m == "GET" && p.contains(what))
    };
    for host in ["s1", "s2", "s3"] {
        assert!(
            asked(host, "/info"),
            "{host} was not asked /info: {calls:#?}"
        );
    }
    for what in ["/nodes", "/services", "/tasks"] {
        assert!(
            asked("s1", what),
            "the manager was not asked {what}: {calls:#?}"
        );
        for worker in ["s2", "s3"] {
            assert!(!asked(worker, what), "worker {worker} was asked {what}");
        }
    }
}

#[test]
fn a_worker_whose_engine_dies_shows_down_and_its_tasks_move() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    let name = unique("fdt-move");
    let _service = s.service(&name, &["--replicas", "3"]);
    let gamma = NAMES[2];
    // Wait for a task on s3 (the scheduler spreads 3 replicas over 3 nodes).
    retry(Duration::from_secs(60), || {
        let doc = s.tree(&[]);
        let svc = service(the_swarm(&doc), &name)?.clone();
        let on_gamma = svc["tasks"]
            .as_array()?
            .iter()
            .any(|t| t["node"] == gamma && t["state"] == "running");
        (svc["replicas"]["running"] == 3 && on_gamma).then_some(())
    })
    .unwrap_or_else(|| panic!("{name}: no running task on {gamma}: {:#}", s.tree(&[])));

    // Stop s3's engine; start it again whatever happens.
    let restart = defer(|| {
        let out = s.swarm.daemon("start", "dockerd", "s3");
        if !out.status.success() {
            eprintln!("cleanup: swarm.sh start dockerd s3 failed: {out:?}");
        }
    });
    let stopped = Instant::now();
    assert_success(
        &s.swarm.daemon("stop", "dockerd", "s3"),
        "swarm.sh stop dockerd s3",
    );

    let doc = retry(Duration::from_secs(90), || {
        let doc = s.tree(&[]);
        let swarm = the_swarm(&doc);
        let down = swarm_node(swarm, gamma)["status"] == "down";
        let svc = service(swarm, &name)?;
        let tasks = svc["tasks"].as_array()?;
        let moved = tasks
            .iter()
            .filter(|t| t["desired_state"] == "running")
            .all(|t| t["node"] != gamma && t["state"] == "running");
        let running = tasks.iter().filter(|t| t["state"] == "running").count();
        (down && moved && running == 3).then_some(doc)
    })
    .unwrap_or_else(|| {
        panic!(
            "{gamma} never showed down with its task moved: {:#}",
            s.tree(&[])
        )
    });
    eprintln!(
        "down and rescheduled seen {:?} after the stop",
        stopped.elapsed()
    );

    let swarm = the_swarm(&doc);
    let svc = service(swarm, &name).expect("service");
    assert_eq!(svc["replicas"]["desired"], 3);
    let node = doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["name"] == gamma)
        .expect("gamma");
    assert!(
        node["fact_errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x["fact"] == "docker")),
        "gamma's own engine is gone: {node:#}"
    );

    // Back: the engine rejoins and the node is ready again.
    drop(restart);
    retry(Duration::from_secs(90), || {
        let doc = s.tree(&[]);
        (swarm_node(the_swarm(&doc), gamma)["status"] == "ready").then_some(())
    })
    .unwrap_or_else(|| panic!("{gamma} did not come back ready: {:#}", s.tree(&[])));
}

#[test]
fn check_reports_a_service_running_fewer_tasks_than_it_wants() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::with(&format!(
        "[[swarm]]\nname = \"labswarm\"\nmanagers = [{:?}]\n",
        NAMES[0]
    ));
    let name = unique("fdt-stuck");
    // No node carries this label: the task stays pending, 0 of 1 running.
    let _service = s.service(
        &name,
        &[
            "--replicas",
            "1",
            "--constraint",
            "node.labels.fdt-nowhere==1",
        ],
    );
    let found = retry(Duration::from_secs(60), || {
        let out = s.fleetdeck(&["check", "--json"]);
        let doc: Value = serde_json::from_str(&stdout(&out)).ok()?;
        let f = doc["findings"]
            .as_array()?
            .iter()
            .find(|f| {
                f["kind"] == "service_degraded"
                    && f["message"].as_str().is_some_and(|m| m.contains(&name))
            })?
            .clone();
        Some((out.status.code(), f))
    })
    .unwrap_or_else(|| {
        panic!(
            "no service_degraded for {name}: {:?}",
            s.fleetdeck(&["check", "--json"])
        )
    });
    let (code, f) = found;
    assert_eq!(code, Some(1), "a degraded service is a problem");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["node"], NAMES[0], "the manager that answered");
    assert_eq!(
        (f["expected"].as_str(), f["actual"].as_str()),
        (Some("1 running"), Some("0 running"))
    );
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("swarm labswarm") && m.contains("0 of 1")),
        "{f:#}"
    );
    // The same swarm in the tree, under its configured name.
    let doc = s.tree(&[]);
    assert_eq!(the_swarm(&doc)["name"], "labswarm");
}

#[test]
fn the_console_shows_the_swarm_its_services_and_tasks_and_a_nodes_role() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    // Short: the table's name column cuts long names.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!("fdtui{:06x}", nanos & 0xff_ffff);
    let _service = s.service(&name, &["--replicas", "2", "--replicas-max-per-node", "1"]);
    let tmux = Tmux::start(120, 40);
    let config = tmux.home().join("fleet.toml");
    std::fs::copy(s.dir.path().join("config.toml"), &config).expect("copy config");
    tmux.type_line(&format!(
        "fleetdeck --config {} ; echo EXIT=$?",
        config.display()
    ));
    let bound = poll_bound(&config) * 3;
    // The first row (sw-alpha, the manager) is selected: its details name the swarm.
    tmux.wait_up_to(
        bound,
        |sc| sc.contains("sw-alpha up") && sc.contains("(manager)"),
        "sw-alpha's details naming its swarm and role",
    );
    // Only the service and its ancestors and tasks: the swarm row, the service, 2 tasks.
    tmux.send(&["/"]);
    tmux.send(&["-l", &name]);
    tmux.send(&["Enter"]);
    let screen = tmux.wait_up_to(
        bound,
        |sc| {
            sc.lines()
                .any(|l| l.contains(&format!("svc {name}")) && l.contains("2/2"))
                && sc
                    .lines()
                    .filter(|l| l.contains(&format!("task {name}.")))
                    .count()
                    == 2
                && sc.contains("swarm ")
        },
        "the swarm row, the service at 2/2 and its two tasks",
    );
    assert!(screen.contains("running"), "{screen}");
    // Walk down to the service row: its details count the replicas.
    tmux.send(&["g"]);
    let found = (0..10).any(|_| {
        tmux.send(&["Down"]);
        std::thread::sleep(Duration::from_millis(400));
        tmux.screen().contains("2 running of 2")
    });
    assert!(
        found,
        "no service details on the way down: {}",
        tmux.screen()
    );
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    let screen = tmux.wait_up_to(bound, |sc| exit_line(sc).is_some(), "the console to quit");
    assert_eq!(exit_line(&screen), Some("EXIT=0"), "{screen}");
}
