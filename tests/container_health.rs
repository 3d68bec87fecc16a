//! Container healthchecks on the lab's real engines: `tree` reports every container's
//! `health` as the engine sees it, and `check` reports a site whose running container
//! fails its healthcheck. Needs the lab (FLEETDECK_LAB).

mod support;

// This binary uses part of the check scenarios' fixture only.
#[allow(dead_code)]
#[path = "ops_check/fixture.rs"]
mod fixture;

use std::time::Duration;

use serde_json::Value;

use fixture::{Fixture, Vlan, findings, row, shared, summary};
use support::lab::{retry, run};

/// One VLAN per test (they run at once): 147 for `tree`, 148 for `check`.
const TREE_VLAN: u16 = 147;
const CHECK_VLAN: u16 = 148;

/// How long a healthcheck may take to reach its verdict, polled every 100 ms.
const VERDICT: Duration = Duration::from_secs(60);

fn fixture(tag: &str, id: u16, net: &'static str) -> Fixture {
    Fixture::new(
        tag,
        vec![Vlan {
            id,
            host: "h1",
            net,
        }],
        "",
    )
}

/// `docker run` options for a healthcheck running `cmd` every second, whose verdict
/// comes after a single probe.
fn probe(cmd: &str) -> [&str; 6] {
    [
        "--health-cmd",
        cmd,
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
    ]
}

/// `fleetdeck tree --json` polled directly (never through a master some other test may
/// run), and h1's containers by name.
fn h1_containers(fx: &Fixture) -> Vec<Value> {
    let out = run(&mut fx.command(&["tree", "--json", "--no-master"]));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "tree --json printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(doc["schema_version"], 5, "containers carry health: {doc:#}");
    let h1 = doc["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["name"] == "h1"))
        .unwrap_or_else(|| panic!("no node h1 in {doc:#}"));
    h1["containers"].as_array().cloned().unwrap_or_default()
}

fn health_of(containers: &[Value], name: &str) -> Option<Value> {
    containers
        .iter()
        .find(|c| c["name"] == name)
        .map(|c| c["health"].clone())
}

#[test]
fn tree_reports_each_containers_health() {
    let _fleet = shared();
    let fx = fixture("hlt", TREE_VLAN, "10.93.147");
    const VLAN: u16 = TREE_VLAN;
    let sick = fx.domain("sick");
    let fine = fx.domain("fine");
    let slow = fx.domain("slow");
    let plain = fx.domain("plain");
    fx.container_with(&sick, VLAN, "10.93.147.10", &probe("exit 1"));
    fx.container_with(&fine, VLAN, "10.93.147.11", &probe("true"));
    // No probe concludes before five minutes: starting all along.
    fx.container_with(
        &slow,
        VLAN,
        "10.93.147.12",
        &["--health-cmd", "true", "--health-interval", "300s"],
    );
    fx.container(&plain, VLAN, "10.93.147.13");

    let want = [
        (format!("fd-{sick}"), Value::from("unhealthy")),
        (format!("fd-{fine}"), Value::from("healthy")),
        (format!("fd-{slow}"), Value::from("starting")),
        (format!("fd-{plain}"), Value::Null),
    ];
    let mut last = Vec::new();
    let settled = retry(VERDICT, || {
        last = h1_containers(&fx);
        want.iter()
            .all(|(name, health)| health_of(&last, name).as_ref() == Some(health))
            .then_some(())
    });
    assert!(
        settled.is_some(),
        "tree never reported {want:?}; last containers: {last:#?}"
    );
    let sick_json = last
        .iter()
        .find(|c| c["name"] == format!("fd-{sick}"))
        .expect("sick container");
    assert_eq!(sick_json["state"], "running", "the state word is unchanged");

    // The text tree says it too, in words (ASCII: LANG is C).
    let out = run(fx
        .command(&["--ascii", "tree", "--no-master"])
        .env("LANG", "C")
        .env_remove("LC_ALL"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("fd-{sick} [running (unhealthy)] 10.93.147.10")),
        "{text}"
    );
    assert!(
        text.contains(&format!("fd-{slow} [running (health: starting)]")),
        "{text}"
    );
    assert!(
        text.contains(&format!("fd-{plain} [running] 10.93.147.13")),
        "{text}"
    );
}

#[test]
fn check_reports_a_site_whose_container_fails_its_healthcheck() {
    let _fleet = shared();
    let fx = fixture("hlc", CHECK_VLAN, "10.93.148");
    const VLAN: u16 = CHECK_VLAN;
    let sick = fx.domain("sick");
    let fine = fx.domain("fine");
    for (domain, ip, cmd) in [
        (&sick, "10.93.148.20", "exit 1"),
        (&fine, "10.93.148.21", "true"),
    ] {
        fx.row(domain, VLAN, ip);
        fx.container_with(domain, VLAN, ip, &probe(cmd));
    }
    let expected = vec![row([
        "container_unhealthy",
        "error",
        &sick,
        "h1",
        "healthy",
        "unhealthy",
    ])];
    let mut last = (0, Value::Null);
    let reported = retry(VERDICT, || {
        last = fx.check(&[]);
        (findings(&last.1) == expected).then_some(())
    });
    let (code, doc) = last;
    assert!(reported.is_some(), "no container_unhealthy: {doc:#}");
    assert_eq!(code, 1, "an unhealthy container is a problem: {doc:#}");
    assert_eq!(summary(&doc), [2, 1, 1, 0], "{doc:#}");
    let message = doc["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!(
            "container fd-{sick} on h1 is running but its healthcheck fails (Up "
        )),
        "{message}"
    );
    assert!(message.contains("(unhealthy))"), "{message}");

    let (code, text) = fx.check_text();
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!(
            "container_unhealthy (1)\n  error   {sick} on h1: container fd-{sick} on h1 is running but its healthcheck fails"
        )),
        "{text}"
    );
    assert!(
        !text.contains(&format!("{fine} on")),
        "fine is fine: {text}"
    );
}

/// The console's live fleet picks a health change up from the engine's event stream
/// (`health_status: unhealthy`), long before the next poll: refresh is 60 s here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_fleet_sees_a_container_turn_unhealthy_through_events() {
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Instant;

    use fleetdeck::collect::poller::Poller;
    use fleetdeck::fleet::docker::ContainerHealth;
    use fleetdeck::fleet::snapshot::PollEvent;
    use fleetdeck::transport::links::build_links;
    use support::lab::{Lab, defer};

    let lab = Lab::load();
    let text = lab.fleet_config("refresh_secs = 60", "");
    let config =
        Arc::new(fleetdeck::config::load_str(&text, Path::new("lab.toml")).expect("config"));
    let links = Arc::new(build_links(&config, false).expect("links"));
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _poller = Poller::spawn(config, links, tx);
    let next = async |rx: &mut tokio::sync::mpsc::Receiver<PollEvent>| {
        tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("an event in time")
            .expect("poller alive")
    };
    // h1's first poll, so the container below is news to an engine already watched.
    loop {
        if let PollEvent::Snapshot(s) = next(&mut rx).await
            && s.name == "h1"
        {
            break;
        }
    }

    let name = format!("fdt-health-live-{}", std::process::id());
    let _cleanup = defer(|| {
        lab.docker("h1", &["rm", "-f", &name]);
    });
    let mut args = vec!["run", "-d", "--name", &name];
    args.extend(probe("exit 1"));
    args.push(&lab.image);
    let out = lab.docker("h1", &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{name} never turned unhealthy in the live fleet; saw {seen:?}"
        );
        let facts = match next(&mut rx).await {
            PollEvent::Docker { node, facts } if node == "h1" => facts,
            PollEvent::Snapshot(s) if s.name == "h1" => s.docker.unwrap_or_default(),
            _ => continue,
        };
        let health = facts
            .containers
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.health);
        seen.push(health);
        if health == Some(Some(ContainerHealth::Unhealthy)) {
            break;
        }
    }
    eprintln!(
        "unhealthy after {:?}; states seen {seen:?}",
        started.elapsed()
    );
}
