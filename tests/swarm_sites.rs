//! Sites on the lab swarm (README "Sites on a swarm"): a swarm VLAN's `create` makes a
//! service with host-mode ports, the proxy on h1 gets an upstream of the nodes running
//! its tasks, `check` judges it, `delete` removes it. Real parts only: the lab swarm
//! (`tests/lab/swarm.sh`, s1 manager), h1's nginx (reaching the swarm on its fdlab-br2
//! leg), curl with a Host header from the root namespace.
//!
//! A create that cannot run (its port held on a node by something outside the swarm) is
//! undone by `create` itself, and `check` names the node and the port of a site whose
//! task cannot bind it.
//!
//! Each test takes the swarm turn (`SwarmLab::turn`) for its whole length, uses names of
//! its own (`fdss-<pid>-<n>`), and removes its services, networks and proxy file even when
//! it fails (`defer`).

mod support;

use std::time::Duration;

use serde_json::Value;
use support::lab::{assert_success, defer, retry, stderr, stdout};
use support::swarm::{DockerWindow, SwarmLab};
use support::swarm_sites::{NAMES, PortHolder, Setup, TASKS_UP, curl, swarm_published_ports};
use support::tmux::{Tmux, exit_line, poll_bound};

#[test]
fn a_swarm_site_is_a_service_behind_an_upstream_of_its_tasks_nodes_then_goes() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new(1);
    let _cleanup = defer(|| s.cleanup());
    let domain = s.domain();

    let started = std::time::Instant::now();
    let out = s.create("2");
    assert_success(&out, "fleetdeck create on a swarm VLAN");
    let created = started.elapsed();
    let text = stdout(&out);
    assert!(
        text.contains(&format!("service    {}", s.service())),
        "{text}"
    );
    let row = s
        .inventory()
        .swarm_site(&domain)
        .expect("read")
        .expect("the site's swarm row");
    assert!((21000..=21099).contains(&row.published_port), "{row:?}");
    let said = format!(
        "service {} (2 replicas) on swarm fdss, port {}",
        s.service(),
        row.published_port
    );
    assert!(text.contains(&said), "{said} in {text}");
    let site = s.inventory().site(&domain).expect("read").expect("row");
    assert_eq!(site.state, fleetdeck::inventory::SiteState::Active);
    assert_eq!(site.node, None, "the swarm places it");

    // The engine's own view: two tasks running, on two nodes.
    let nodes = retry(TASKS_UP, || {
        Some(s.running_on(row.published_port)).filter(|n| n.len() == 2)
    })
    .unwrap_or_else(|| {
        panic!(
            "two running tasks never showed: {:?}",
            s.manager_docker(&["service", "ps", "--no-trunc", &s.service()])
        )
    });
    let tasks_up = started.elapsed();
    let inspect = s.manager_docker(&[
        "service",
        "inspect",
        "--format",
        "{{json .Spec}}",
        &s.service(),
    ]);
    assert_success(&inspect, "docker service inspect");
    let spec: Value = serde_json::from_str(&stdout(&inspect)).expect("spec JSON");
    assert_eq!(spec["Labels"]["fleetdeck.domain"], domain.as_str());
    assert_eq!(spec["TaskTemplate"]["Placement"]["MaxReplicas"], 1);
    assert_eq!(
        spec["TaskTemplate"]["RestartPolicy"]["Condition"],
        "on-failure"
    );
    assert_eq!(spec["EndpointSpec"]["Ports"][0]["PublishMode"], "host");
    let net = s.manager_docker(&[
        "network",
        "inspect",
        "--format",
        "{{.Driver}} {{.Attachable}}",
        &s.tag,
    ]);
    assert_eq!(stdout(&net), "overlay true");

    // The plan shows the upstream with both node:port, the apply serves the site.
    let plan_started = std::time::Instant::now();
    let plan = s.fleetdeck(&["proxy", "plan"]);
    assert_success(&plan, "proxy plan");
    let planned = plan_started.elapsed();
    let diff = stdout(&plan);
    assert!(
        diff.contains(&format!("upstream {}", s.service())),
        "{diff}"
    );
    for server in &nodes {
        assert!(
            diff.contains(&format!("server {server};")),
            "{server} in {diff}"
        );
    }
    assert_success(&s.fleetdeck(&["proxy", "apply", "--yes"]), "proxy apply");
    let tasks = s.task_hostnames();
    let page = retry(Duration::from_secs(15), || {
        Some(curl(&s.lab, &domain)).filter(|p| tasks.contains(p))
    })
    .unwrap_or_else(|| {
        panic!(
            "{domain} never answered with one of its tasks {tasks:?}: {:?}",
            curl(&s.lab, &domain)
        )
    });
    assert_eq!(page.len(), 12, "a task container's hostname: {page}");
    eprintln!(
        "figures: create {created:?}, two tasks running {tasks_up:?} after the start, proxy plan {planned:?}, served {:?} after the start",
        started.elapsed()
    );

    let (_, doc) = s.check();
    let ours = s.our_findings(&doc);
    assert!(ours.is_empty(), "check about our site: {ours:#?}");

    let out = s.fleetdeck(&["delete", &domain, "--yes"]);
    assert_success(&out, "fleetdeck delete");
    let gone = s.manager_docker(&["service", "inspect", &s.service()]);
    assert!(!gone.status.success(), "the service is gone");
    let inv = s.inventory();
    assert_eq!(inv.site(&domain).expect("read"), None);
    assert!(
        inv.used_ports("fdss").expect("ports").is_empty(),
        "the port is free"
    );
    let audit = inv.audit(2).expect("audit");
    assert_eq!(audit[0].action, "delete");
    assert_eq!(audit[0].outcome, "ok");
}

#[test]
fn check_reports_service_missing_when_the_service_was_removed_behind_its_back() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new(2);
    let _cleanup = defer(|| s.cleanup());
    assert_success(&s.create("1"), "fleetdeck create");
    assert_success(
        &s.manager_docker(&["service", "rm", &s.service()]),
        "docker service rm",
    );
    let (code, doc) = s.check();
    let ours = s.our_findings(&doc);
    let missing: Vec<_> = ours
        .iter()
        .filter(|f| f["kind"] == "service_missing")
        .collect();
    assert_eq!(missing.len(), 1, "{ours:#?}");
    assert_eq!(missing[0]["severity"], "error");
    assert_eq!(missing[0]["node"], NAMES[0]);
    assert_eq!(code, Some(1), "check exits 1 on a problem");
    // The delete still takes the row (and its port) when the service is already gone.
    let out = s.fleetdeck(&["delete", &s.domain(), "--yes"]);
    assert_success(&out, "delete of a site whose service is gone");
    assert!(stdout(&out).contains("already gone"), "{}", stdout(&out));
    assert_eq!(s.inventory().site(&s.domain()).expect("read"), None);
}

#[test]
fn read_only_refuses_a_swarm_create_and_no_engine_gets_a_write() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new(3);
    let _cleanup = defer(|| s.cleanup());
    let window = DockerWindow::start(&s.swarm);
    let out = s.fleetdeck(&[
        "--read-only",
        "create",
        "--login",
        "fdss",
        "--vlan",
        &s.vlan.to_string(),
        "--domain",
        &s.domain(),
        "--replicas",
        "2",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(3), "read-only exit code: {out:?}");
    // A read-only proxy plan and check still read the swarm, with GETs only.
    let plan = s.fleetdeck(&["--read-only", "proxy", "plan"]);
    assert_success(&plan, "read-only proxy plan");
    let (_, doc) = s.check_read_only();
    assert!(doc["findings"].is_array());
    std::thread::sleep(Duration::from_millis(300));
    let calls = window.calls();
    let writes: Vec<_> = calls
        .iter()
        .filter(|(_, m, _)| m != "GET" && m != "HEAD")
        .collect();
    assert!(writes.is_empty(), "read-only sent {writes:#?}");
    assert!(
        calls
            .iter()
            .any(|(h, _, p)| h == &s.swarm.manager && p.contains("/services")),
        "the manager was asked about its services: {calls:#?}"
    );
    let gone = s.manager_docker(&["service", "inspect", &s.service()]);
    assert!(!gone.status.success(), "no service was made");
}

impl Setup {
    fn check_read_only(&self) -> (Option<i32>, Value) {
        let out = self.fleetdeck(&["--read-only", "check", "--json"]);
        let doc = serde_json::from_str(&String::from_utf8_lossy(&out.stdout))
            .unwrap_or_else(|e| panic!("check --json is not JSON ({e}): {out:?}"));
        (out.status.code(), doc)
    }
}

/// The images of the service's running tasks (short names).
fn running_images(s: &Setup) -> Vec<String> {
    let out = s.manager_docker(&[
        "service",
        "ps",
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Image}} {{.CurrentState}}",
        &s.service(),
    ]);
    assert_success(&out, "docker service ps");
    stdout(&out)
        .lines()
        .filter(|l| l.contains(" Running "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// The whole path on one site: create (2 replicas) → served through nginx → drain
/// the node of one task → the task moves, `proxy plan` shows the new upstream, apply,
/// served → activate → scale to 3 and back → update the image and roll back → delete.
#[test]
fn a_swarm_site_follows_a_drain_a_scale_an_update_and_a_rollback() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new(4);
    let _cleanup = defer(|| s.cleanup());
    let domain = s.domain();
    // A second tag of the lab image on every engine (no registry in the lab).
    let image2 = format!("{}-fdss{}", s.swarm.image, std::process::id());
    for h in &s.swarm.hosts {
        assert_success(
            &s.swarm.docker(&h.name, &["tag", &s.swarm.image, &image2]),
            &format!("docker tag on {}", h.name),
        );
    }
    let _untag = defer(|| {
        for h in &s.swarm.hosts {
            let _ = s.swarm.docker(&h.name, &["rmi", &image2]);
        }
    });
    // Every node active again, whatever happens.
    let _active = defer(|| {
        for h in &s.swarm.hosts {
            let _ = s.manager_docker(&["node", "update", "--availability", "active", &h.node_id]);
        }
    });

    assert_success(&s.create("2"), "fleetdeck create on a swarm VLAN");
    let port = s
        .inventory()
        .swarm_site(&domain)
        .expect("read")
        .expect("the site's swarm row")
        .published_port;
    let before = retry(TASKS_UP, || {
        Some(s.running_on(port)).filter(|n| n.len() == 2)
    })
    .expect("two running tasks");
    assert_success(&s.fleetdeck(&["proxy", "apply", "--yes"]), "proxy apply");
    let served = |what: &str| {
        let tasks = s.task_hostnames();
        retry(Duration::from_secs(20), || {
            Some(curl(&s.lab, &domain)).filter(|p| tasks.contains(p))
        })
        .unwrap_or_else(|| panic!("{domain} not served {what}: {:?}", curl(&s.lab, &domain)))
    };
    served("after create");

    // Drain the node of one task: it moves to the node that had none.
    let (index, drained) = s
        .swarm
        .hosts
        .iter()
        .enumerate()
        .find(|(_, h)| before.contains(&format!("{}:{port}", h.ip)))
        .expect("a node running a task");
    let out = s.fleetdeck(&["drain", NAMES[index], "--yes"]);
    assert_success(&out, "fleetdeck drain");
    let gone = format!("{}:{port}", drained.ip);
    let after = retry(TASKS_UP, || {
        Some(s.running_on(port)).filter(|n| n.len() == 2 && !n.contains(&gone))
    })
    .unwrap_or_else(|| {
        panic!(
            "the task never left {}: {:?}",
            drained.name,
            s.running_on(port)
        )
    });
    let moved_to = after
        .difference(&before)
        .next()
        .expect("a new node")
        .clone();
    let plan = s.fleetdeck(&["proxy", "plan"]);
    assert_success(&plan, "proxy plan after the drain");
    let diff = stdout(&plan);
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.contains(&format!("server {moved_to};"))),
        "the new upstream server {moved_to} in {diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains(&format!("server {gone};"))),
        "the drained node's server {gone} goes in {diff}"
    );
    assert_success(
        &s.fleetdeck(&["proxy", "apply", "--yes"]),
        "proxy apply after the drain",
    );
    served("after the drain");
    let (code, doc) = s.check();
    assert!(
        s.our_findings(&doc).is_empty(),
        "check after the apply ({code:?}): {doc}"
    );
    assert_success(
        &s.fleetdeck(&["activate", NAMES[index], "--yes"]),
        "fleetdeck activate",
    );

    // Scale to 3 (one task per node: all three) and back to 2.
    assert_success(
        &s.fleetdeck(&["scale", &domain, "3", "--yes"]),
        "scale to 3",
    );
    retry(TASKS_UP, || {
        Some(s.running_on(port)).filter(|n| n.len() == 3)
    })
    .unwrap_or_else(|| panic!("never 3 tasks: {:?}", s.running_on(port)));
    assert_success(
        &s.fleetdeck(&["scale", &domain, "2", "--yes"]),
        "scale to 2",
    );
    retry(TASKS_UP, || {
        Some(s.running_on(port)).filter(|n| n.len() == 2)
    })
    .unwrap_or_else(|| panic!("never back to 2 tasks: {:?}", s.running_on(port)));

    // A rolling update to the second tag, then back.
    let out = s.fleetdeck(&["update", &domain, "--image", &image2, "--yes"]);
    assert_success(&out, "fleetdeck update --image");
    let tag2 = image2.rsplit(':').next().expect("a tag").to_string();
    retry(TASKS_UP, || {
        let images = running_images(&s);
        (images.len() == 2 && images.iter().all(|i| i.ends_with(&tag2))).then_some(())
    })
    .unwrap_or_else(|| panic!("never 2 tasks of {image2}: {:?}", running_images(&s)));
    assert_success(
        &s.fleetdeck(&["rollback", &domain, "--yes"]),
        "fleetdeck rollback",
    );
    retry(TASKS_UP, || {
        let images = running_images(&s);
        (images.len() == 2 && images.iter().all(|i| !i.ends_with(&tag2))).then_some(())
    })
    .unwrap_or_else(|| panic!("never rolled back: {:?}", running_images(&s)));
    assert_success(
        &s.fleetdeck(&["proxy", "apply", "--yes"]),
        "proxy apply after the moves",
    );
    served("after the rollback");

    assert_success(
        &s.fleetdeck(&["delete", &domain, "--yes"]),
        "fleetdeck delete",
    );
    let left = s.manager_docker(&["service", "inspect", &s.service()]);
    assert!(!left.status.success(), "the service is gone");
    assert!(
        s.inventory().site(&domain).expect("read").is_none(),
        "the row is gone"
    );
}

#[test]
fn a_create_whose_port_is_held_on_a_node_is_undone_and_check_names_the_node() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new(5);
    let _cleanup = defer(|| s.cleanup());
    let domain = s.domain();
    // The port the create takes: the first of the VLAN's range no service publishes.
    let used = swarm_published_ports(&s.swarm);
    let port = (25000..=25099)
        .find(|p| !used.contains(p))
        .expect("a free port in 25000-25099");

    // Something outside the swarm listens on it on s2; 3 replicas, at most one per node,
    // put a task there.
    let mut holder = PortHolder::hold(&s.swarm, "s2", port);
    let started = std::time::Instant::now();
    let out = s.create("3");
    let took = started.elapsed();
    assert!(!out.status.success(), "the create must fail: {out:?}");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("port {port} is taken on node s2 (")),
        "the error names the node and the port: {err}"
    );
    assert!(err.contains("address already in use"), "{err}");
    assert!(
        err.contains(&format!("undo: removing service {}", s.service())),
        "{err}"
    );
    assert!(
        took < Duration::from_secs(60),
        "seen within the wait: {took:?}"
    );
    eprintln!("figures: a create whose port is held on s2 failed and was undone in {took:?}");
    let ls = s.manager_docker(&["service", "ls", "--format", "{{.Name}}"]);
    assert_success(&ls, "docker service ls");
    assert!(
        !stdout(&ls).lines().any(|l| l == s.service()),
        "no service left: {}",
        stdout(&ls)
    );
    let inv = s.inventory();
    assert!(
        inv.site(&domain).expect("read").is_none(),
        "no site row left"
    );
    assert!(
        inv.swarm_site(&domain).expect("read").is_none(),
        "no port row left"
    );
    // The overlay network this create made goes with it, once the swarm has let go of
    // the failed tasks' endpoints (asynchronous on the nodes).
    let gone = retry(Duration::from_secs(60), || {
        let out = s.manager_docker(&["network", "inspect", &s.tag]);
        (!out.status.success()).then_some(())
    });
    assert!(gone.is_some(), "network {} left in place: {err}", s.tag);
    holder.release();

    // Freed: the same create takes the same port and returns once its 3 tasks run.
    let again = std::time::Instant::now();
    let out = s.create("3");
    assert_success(&out, "fleetdeck create once the port is free");
    eprintln!(
        "figures: the create of 3 tasks returned once they ran, in {:?}",
        again.elapsed()
    );
    assert!(
        stderr(&out).contains("3 of 3 tasks run"),
        "{}",
        stderr(&out)
    );
    let row = s
        .inventory()
        .swarm_site(&domain)
        .expect("read")
        .expect("the site's port row");
    assert_eq!(row.published_port, port, "the port was freed with the row");
    assert_eq!(
        s.running_on(port).len(),
        3,
        "create returned once its tasks ran"
    );

    // A site that exists: a node freed by a scale to 2 gets an outsider on the port, the
    // scale back to 3 puts a task there, and `check` names the node and the port.
    let scale = |n: u8| {
        let to = format!("{}={n}", s.service());
        assert_success(
            &s.manager_docker(&["service", "scale", "--detach", &to]),
            "docker service scale",
        );
    };
    scale(2);
    let on = retry(TASKS_UP, || {
        Some(s.running_on(port)).filter(|n| n.len() == 2)
    })
    .expect("two tasks after the scale to 2");
    let free = s
        .swarm
        .hosts
        .iter()
        .find(|h| !on.contains(&format!("{}:{port}", h.ip)))
        .expect("a node without a task")
        .name
        .clone();
    let _held = PortHolder::hold_when_free(&s.swarm, &free, port);
    scale(3);
    let want = format!("port {port} of {domain} is taken on node {free} (");
    let found = retry(Duration::from_secs(60), || {
        let (_, doc) = s.check();
        s.our_findings(&doc).into_iter().find(|f| {
            f["kind"] == "port_conflict" && f["message"].as_str().is_some_and(|m| m.contains(&want))
        })
    });
    assert!(
        found.is_some(),
        "check never named {free} and port {port}: {:?}",
        s.check().1
    );
}

#[test]
fn the_console_creates_a_swarm_site_with_the_replicas_typed_in_its_form() {
    let _turn = SwarmLab::load().turn();
    let s = Setup::new(6);
    let _cleanup = defer(|| s.cleanup());
    let domain = s.domain();
    let tmux = Tmux::start(140, 45);
    let config = tmux.home().join("fleet.toml");
    std::fs::copy(s.dir.path().join("config.toml"), &config).expect("copy config");
    tmux.type_line(&format!(
        "fleetdeck --config {} ; echo EXIT=$?",
        config.display()
    ));
    let bound = poll_bound(&config) * 3;
    // The form is held to the nodes the poll saw: open it once the swarm shows.
    tmux.wait_up_to(
        bound,
        |sc| ["sn s1", "sn s2", "sn s3"].iter().all(|n| sc.contains(n)),
        "the first frame with the swarm's 3 nodes",
    );
    tmux.send(&["c"]);
    tmux.wait_up_to(
        Duration::from_secs(5),
        |sc| sc.contains("Create a site") && sc.contains("on swarm fdss"),
        "the create form on the swarm VLAN",
    );
    tmux.send(&["-l", "fdss"]);
    tmux.send(&["Tab", "Tab"]);
    tmux.send(&["-l", &domain]);
    tmux.send(&["Tab", "Tab"]);
    tmux.send(&["-l", "4"]);
    tmux.wait_up_to(
        Duration::from_secs(5),
        |sc| sc.contains("Replicas 4") && sc.contains("only 3 nodes of fdss can take a task"),
        "4 replicas refused as typed",
    );
    tmux.send(&["BSpace"]);
    tmux.send(&["-l", "2"]);
    tmux.send(&["Enter"]);
    tmux.wait_up_to(
        Duration::from_secs(30),
        |sc| sc.contains("2 replicas, at most one per node") && sc.contains("y apply"),
        "the confirm popup with the service's plan",
    );
    tmux.send(&["y"]);
    tmux.wait_up_to(
        Duration::from_secs(90),
        |sc| sc.contains(&format!("created {domain}: service")),
        "the create's outcome in the activity panel",
    );
    // Passed as --replicas: the engine's own spec, and the tasks already run.
    let out = s.manager_docker(&[
        "service",
        "inspect",
        "--format",
        "{{.Spec.Mode.Replicated.Replicas}}",
        &s.service(),
    ]);
    assert_success(&out, "docker service inspect");
    assert_eq!(stdout(&out), "2");
    let row = s
        .inventory()
        .swarm_site(&domain)
        .expect("read")
        .expect("the site's port row");
    assert_eq!(s.running_on(row.published_port).len(), 2);
    // The proxy plan offered after a create is left unapplied.
    tmux.send(&["Escape"]);
    std::thread::sleep(Duration::from_millis(500));
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    let screen = tmux.wait_up_to(bound, |sc| exit_line(sc).is_some(), "the console to quit");
    assert_eq!(exit_line(&screen), Some("EXIT=0"), "{screen}");
}
