//! Swarm operations against the lab's real swarm (`tests/lab/swarm.sh`: s1 manager, s2
//! s3 workers): `scale`, `update --image`, `rollback`, `drain`, `activate`, the version
//! conflict, read-only, and `#` in the console. Each test takes the swarm's turn lock
//! (`SwarmLab::turn`) for its whole run, creates its own service with the docker CLI
//! and the fleetdeck labels (unique names), and removes it, and restores every node's
//! availability, even when it fails.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::lab::{assert_success, retry, run_with_timeout, stderr, stdout};
use support::swarm::{DockerWindow, SwarmLab};
use support::swarm_ops::{NAMES, Setup, row, second_tag, settled, unique, wait_for_file};
use support::tmux::{Tmux, exit_line, poll_bound};

#[test]
fn scale_a_sites_service_to_3_and_back_to_2() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    let name = unique("fdo-scale-");
    let domain = format!("{name}.ops.lab");
    let _service = s.site_service(&name, &domain, &["--replicas", "2"]);
    s.wait_running(&name, 2);
    let version_before = s.inspect(&name)["Version"]["Index"]
        .as_u64()
        .expect("version");

    let out = s.fleetdeck(&["scale", &domain, "3", "--yes", "--json"]);
    assert_success(&out, "fleetdeck scale 3");
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("scale --json");
    assert_eq!(doc["action"], "scale");
    assert_eq!(doc["name"], name.as_str());
    assert_eq!(doc["domain"], domain.as_str());
    assert_eq!(doc["manager"], NAMES[0]);
    assert_eq!(
        doc["version"], version_before,
        "the version read is the one sent"
    );
    assert_eq!(
        (doc["before"].as_str(), doc["after"].as_str()),
        (Some("2 replicas"), Some("3 replicas"))
    );
    assert!(
        stderr(&out).contains("2 replicas → 3 replicas"),
        "the plan on stderr"
    );
    let tasks = s.wait_running(&name, 3);
    let mut nodes: Vec<&str> = tasks.iter().map(|(n, _)| n.as_str()).collect();
    nodes.sort();
    nodes.dedup();
    assert!(!nodes.is_empty());
    assert_eq!(
        s.inspect(&name)["Spec"]["Labels"]["fleetdeck.domain"],
        domain.as_str(),
        "the labels went back with the spec"
    );

    let out = s.fleetdeck(&["scale", &domain, "2", "--yes"]);
    assert_success(&out, "fleetdeck scale 2");
    assert!(
        stdout(&out).contains("3 replicas → 2 replicas"),
        "{}",
        stdout(&out)
    );
    s.wait_running(&name, 2);
    assert_eq!(
        s.inspect(&name)["Spec"]["Mode"]["Replicated"]["Replicas"],
        2
    );

    // Scaling to what it has sends nothing and says so.
    let window = DockerWindow::start(&s.swarm);
    let out = s.fleetdeck(&["scale", &domain, "2", "--yes"]);
    assert_success(&out, "fleetdeck scale 2 again");
    assert!(stdout(&out).contains("nothing to do"), "{}", stdout(&out));
    std::thread::sleep(Duration::from_millis(300));
    let posts: Vec<_> = window
        .calls()
        .into_iter()
        .filter(|(_, m, _)| m == "POST")
        .collect();
    assert!(posts.is_empty(), "nothing to do sent {posts:#?}");

    let rows = s.audit();
    let scaled: Vec<&Value> = rows
        .iter()
        .filter(|r| r["action"] == "scale" && r["target"] == domain.as_str())
        .collect();
    assert_eq!(scaled.len(), 2, "one row per applied scale: {rows:#?}");
    assert!(scaled.iter().all(|r| r["outcome"] == "ok"));
    assert!(scaled.iter().any(|r| r["params"]["after"] == "3 replicas"));

    // Bad input: exit 4, named.
    let out = s.fleetdeck(&["scale", "no-such.ops.lab", "2", "--yes"]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(
        stderr(&out).contains("no swarm service for no-such.ops.lab"),
        "{}",
        stderr(&out)
    );
    let out = s.fleetdeck(&["scale", &domain, "two", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap refuses a count that is no number: {out:?}"
    );
}

#[test]
fn update_the_image_rolling_then_roll_back() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    let tag = unique("fdops");
    let _tag = second_tag(&s, &tag);
    let new_image = format!(
        "{}:{tag}",
        s.swarm.image.split(':').next().unwrap_or_default()
    );
    let name = unique("fdo-upd-");
    let domain = format!("{name}.ops.lab");
    let _service = s.site_service(
        &name,
        &domain,
        &[
            "--replicas",
            "2",
            "--update-parallelism",
            "1",
            "--update-delay",
            "1s",
        ],
    );
    let before = s.wait_running(&name, 2);
    assert!(before.iter().all(|(_, i)| !i.contains(&tag)));

    // Rolling back a service never updated: nothing to return to, exit 4.
    let out = s.fleetdeck(&["rollback", &domain, "--yes"]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(
        stderr(&out).contains("cannot be rolled back"),
        "{}",
        stderr(&out)
    );

    let out = s.fleetdeck(&["update", &domain, "--image", &new_image, "--yes"]);
    assert_success(&out, "fleetdeck update --image");
    let text = stdout(&out);
    assert!(
        text.contains("1 task at a time, 1s apart"),
        "the plan names the service's own update config: {text}"
    );
    // It returns once the engine says the rollout completed, and said how it went.
    assert_eq!(
        s.inspect(&name)["UpdateStatus"]["State"],
        "completed",
        "update waits for its rollout"
    );
    assert!(
        stderr(&out).contains(&format!("service {name}: completed")),
        "{}",
        stderr(&out)
    );
    assert_eq!(settled(&s, &name, "completed"), new_image);
    let tasks = s.wait_running(&name, 2);
    assert!(
        tasks.iter().all(|(_, i)| i == &new_image),
        "every task runs the new image: {tasks:?}"
    );

    let out = s.fleetdeck(&["rollback", &domain, "--yes", "--json"]);
    assert_success(&out, "fleetdeck rollback");
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("rollback --json");
    assert_eq!(doc["rollout"], "rollback_completed", "{doc:#}");
    assert_eq!(
        s.inspect(&name)["UpdateStatus"]["State"],
        "rollback_completed",
        "rollback waits for its rollout"
    );
    assert!(
        stderr(&out).contains(&format!("→ image {}", s.swarm.image)),
        "the plan, on stderr with --json: {}",
        stderr(&out)
    );
    let back = settled(&s, &name, "rollback_completed");
    assert!(back.starts_with(&s.swarm.image), "{back}");
    let tasks = s.wait_running(&name, 2);
    assert!(tasks.iter().all(|(_, i)| !i.contains(&tag)), "{tasks:?}");

    let rows = s.audit();
    assert_eq!(row(&rows, "update", &domain)["outcome"], "ok");
    assert_eq!(row(&rows, "rollback", &domain)["outcome"], "ok");
    assert_eq!(
        row(&rows, "rollback", &domain)["params"]["after"],
        format!("image {}, 2 replicas", s.swarm.image)
    );
}

#[test]
fn drain_moves_the_task_off_the_node_and_activate_restores_it() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    let name = unique("fdo-drain-");
    let domain = format!("{name}.ops.lab");
    // On a worker, so draining never touches the manager.
    let _service = s.site_service(
        &name,
        &domain,
        &["--replicas", "1", "--constraint", "node.role==worker"],
    );
    let tasks = s.wait_running(&name, 1);
    let host = tasks[0].0.clone();
    let (index, lab_host) = s
        .swarm
        .hosts
        .iter()
        .enumerate()
        .find(|(_, h)| h.name == host)
        .unwrap_or_else(|| panic!("task on {host}, not a lab host"));
    let fleet_name = NAMES[index];
    let _active = s.keep_active(&lab_host.node_id);

    let out = s.fleetdeck(&["drain", fleet_name, "--yes"]);
    assert_success(&out, "fleetdeck drain");
    let text = stdout(&out);
    assert!(
        text.contains(&format!("drain node {host} = {fleet_name}"))
            && text.contains(&format!("{name}.1")),
        "the plan names the node and the task that moves: {text}"
    );
    assert_eq!(s.availability(&lab_host.node_id), "drain");
    let started = Instant::now();
    let moved = retry(Duration::from_secs(90), || {
        let now = s.running(&name);
        std::thread::sleep(Duration::from_millis(400));
        (now.len() == 1 && now[0].0 != host).then(|| now[0].0.clone())
    })
    .unwrap_or_else(|| {
        panic!(
            "the task never left {host}: {:?}",
            s.manager(&["service", "ps", &name])
        )
    });
    eprintln!(
        "task moved from {host} to {moved} in {:?}",
        started.elapsed()
    );
    assert_ne!(
        moved, s.swarm.manager,
        "the constraint keeps it on a worker"
    );

    // Draining again: nothing to do.
    let out = s.fleetdeck(&["drain", fleet_name, "--yes"]);
    assert_success(&out, "fleetdeck drain again");
    assert!(stdout(&out).contains("nothing to do"), "{}", stdout(&out));

    let out = s.fleetdeck(&["activate", fleet_name, "--yes", "--json"]);
    assert_success(&out, "fleetdeck activate");
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("activate --json");
    assert_eq!(doc["after"], "availability active");
    assert_eq!(s.availability(&lab_host.node_id), "active");

    let rows = s.audit();
    assert_eq!(row(&rows, "drain", fleet_name)["outcome"], "ok");
    assert_eq!(row(&rows, "activate", fleet_name)["outcome"], "ok");

    let out = s.fleetdeck(&["drain", "no-such-node", "--yes"]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(
        stderr(&out).contains("unknown node no-such-node"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_change_between_fleetdecks_read_and_its_write_is_a_conflict_exit_4() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    let name = unique("fdo-race-");
    let domain = format!("{name}.ops.lab");
    let _service = s.site_service(&name, &domain, &["--replicas", "1"]);
    s.wait_running(&name, 1);

    // fleetdeck reads the service, plans, then (debug builds only) waits before its
    // write for the file `release`; meanwhile another admin changes the service.
    let hold = tempfile::tempdir().expect("hold dir");
    let mut cmd = s.command(&["scale", &domain, "3", "--yes"]);
    cmd.env("FLEETDECK_TEST_HOLD_BEFORE_WRITE", hold.path());
    let scaling = std::thread::spawn(move || run_with_timeout(&mut cmd, Duration::from_secs(120)));
    wait_for_file(&hold.path().join("held"), "fleetdeck's read");
    let version_read = s.inspect(&name)["Version"]["Index"]
        .as_u64()
        .expect("version");
    assert_success(
        &s.manager(&[
            "service",
            "update",
            "--detach",
            "--label-add",
            "fdops.other-admin=1",
            &name,
        ]),
        "the other admin's docker service update",
    );
    std::fs::write(hold.path().join("release"), b"").expect("release");
    let out = scaling.join().expect("the fleetdeck thread");

    assert_eq!(out.status.code(), Some(4), "a conflict exits 4: {out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("conflict")
            && err.contains("changed by someone else")
            && err.contains(&format!("version {version_read}")),
        "{err}"
    );
    // The other admin's change stands; fleetdeck's did not happen.
    let svc = s.inspect(&name);
    assert_eq!(svc["Spec"]["Labels"]["fdops.other-admin"], "1");
    assert_eq!(svc["Spec"]["Mode"]["Replicated"]["Replicas"], 1);
    let rows = s.audit();
    let r = row(&rows, "scale", &domain);
    assert_eq!(r["outcome"], "failed");
    assert!(
        r["detail"].as_str().is_some_and(|d| d.contains("conflict")),
        "{r:#}"
    );
}

#[test]
fn read_only_refuses_every_swarm_operation_and_no_post_reaches_an_engine() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    let name = unique("fdo-ro-");
    let domain = format!("{name}.ops.lab");
    let _service = s.site_service(&name, &domain, &["--replicas", "1"]);
    let window = DockerWindow::start(&s.swarm);
    let image = s.swarm.image.clone();
    let cases: [Vec<&str>; 5] = [
        vec!["scale", &domain, "2"],
        vec!["update", &domain, "--image", &image],
        vec!["rollback", &domain],
        vec!["drain", NAMES[1]],
        vec!["activate", NAMES[1]],
    ];
    for args in &cases {
        for how in ["flag", "env"] {
            let mut cmd = s.command(args);
            cmd.arg("--yes");
            if how == "flag" {
                cmd.arg("--read-only");
            } else {
                cmd.env("FLEETDECK_READ_ONLY", "1");
            }
            let out = run_with_timeout(&mut cmd, Duration::from_secs(60));
            assert_eq!(out.status.code(), Some(3), "{args:?} ({how}): {out:?}");
            assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    let calls = window.calls();
    let writes: Vec<_> = calls
        .iter()
        .filter(|(_, m, _)| m != "GET" && m != "HEAD")
        .collect();
    assert!(writes.is_empty(), "read-only sent {writes:#?}");
    assert_eq!(
        s.inspect(&name)["Spec"]["Mode"]["Replicated"]["Replicas"],
        1
    );
}

#[test]
fn the_console_scales_a_service_from_its_row() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    // Short: the table's name column cuts long names.
    let name = unique("fdx");
    let domain = format!("{name}.ops.lab");
    let _service = s.site_service(&name, &domain, &["--replicas", "1"]);
    s.wait_running(&name, 1);
    let tmux = Tmux::start(120, 40);
    let config = tmux.home().join("fleet.toml");
    std::fs::copy(s.dir.path().join("config.toml"), &config).expect("copy config");
    tmux.type_line(&format!(
        "fleetdeck --config {} ; echo EXIT=$?",
        config.display()
    ));
    let bound = poll_bound(&config) * 3;
    // Keys only once the console reads them (typed earlier, the shell would echo them).
    tmux.wait_up_to(
        bound,
        |sc| sc.contains("op-alpha up"),
        "the first frame with op-alpha up",
    );
    tmux.send(&["/"]);
    tmux.send(&["-l", &name]);
    tmux.send(&["Enter"]);
    tmux.wait_up_to(
        bound,
        |sc| {
            sc.lines()
                .any(|l| l.contains(&format!("svc {name}")) && l.contains("1/1"))
        },
        "the service row at 1/1",
    );
    // Down to the service row: its details count the replicas.
    tmux.send(&["g"]);
    let on_service = (0..10).any(|_| {
        tmux.send(&["Down"]);
        std::thread::sleep(Duration::from_millis(300));
        tmux.screen().contains("1 running of 1")
    });
    assert!(on_service, "never on the service row: {}", tmux.screen());
    tmux.send(&["-l", "#"]);
    tmux.wait_up_to(
        Duration::from_secs(5),
        |sc| sc.contains(&format!("Scale {name}")) && sc.contains("Replicas"),
        "the scale popup",
    );
    tmux.send(&["BSpace"]);
    tmux.send(&["-l", "3"]);
    tmux.send(&["Enter"]);
    tmux.wait_up_to(
        Duration::from_secs(30),
        |sc| sc.contains("1 replica → 3 replicas") && sc.contains("y apply"),
        "the confirm popup with the plan",
    );
    tmux.send(&["y"]);
    tmux.wait_up_to(
        Duration::from_secs(30),
        |sc| sc.contains(&format!("scale {domain}: 3 replicas")),
        "the outcome in the activity panel",
    );
    s.wait_running(&name, 3);
    tmux.wait_up_to(
        bound,
        |sc| {
            sc.lines()
                .any(|l| l.contains(&format!("svc {name}")) && l.contains("3/3"))
        },
        "the row at 3/3 on the next poll",
    );
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    let screen = tmux.wait_up_to(bound, |sc| exit_line(sc).is_some(), "the console to quit");
    assert_eq!(exit_line(&screen), Some("EXIT=0"), "{screen}");
    let rows = s.audit();
    assert_eq!(row(&rows, "scale", &domain)["outcome"], "ok");
}

#[test]
fn an_update_the_engine_pauses_exits_non_zero_and_says_so() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new();
    let name = unique("fdo-pause-");
    let domain = format!("{name}.ops.lab");
    let _service = s.site_service(
        &name,
        &domain,
        &[
            "--replicas",
            "2",
            "--update-failure-action",
            "pause",
            "--update-monitor",
            "2s",
        ],
    );
    s.wait_running(&name, 2);
    // An image no engine of the lab has, and no registry to pull it from.
    let missing = format!("fdlab/busybox:{}", unique("absent"));
    let started = Instant::now();
    let out = s.fleetdeck(&["update", &domain, "--image", &missing, "--yes"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "applied, but the engine paused the update of service {name}"
        )),
        "{err}"
    );
    assert!(took < Duration::from_secs(240), "{took:?}");
    assert_eq!(s.inspect(&name)["UpdateStatus"]["State"], "paused");
    // The audit row says what the engine accepted.
    assert_eq!(row(&s.audit(), "update", &domain)["outcome"], "ok");
}
