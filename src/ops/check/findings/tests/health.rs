//! `container_unhealthy`: a running site container whose healthcheck fails.

use super::*;
use crate::fleet::docker::ContainerHealth;

fn sicken(c: &mut ContainerInfo) {
    c.status = "Up 5 minutes (unhealthy)".into();
    c.health = Some(ContainerHealth::Unhealthy);
}

#[test]
fn a_failing_healthcheck_is_an_error_naming_the_container() {
    let mut w = World::clean();
    sicken(&mut w.containers("h1")[1]);
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![(Kind::ContainerUnhealthy, Some("b.test"))]
    );
    let f = &report.findings[0];
    assert_eq!(f.severity, Severity::Error, "never a deliberate state");
    assert_eq!(f.node.as_deref(), Some("h1"));
    assert_eq!(
        (f.expected.as_deref(), f.actual.as_deref()),
        (Some("healthy"), Some("unhealthy"))
    );
    assert!(
        f.message.starts_with(
            "container fd-b.test on h1 is running but its healthcheck fails (Up 5 minutes (unhealthy))"
        ),
        "{}",
        f.message
    );
    assert_eq!(
        f.target,
        Target {
            node: Some("h1".into()),
            container: Some("fd-b.test".into()),
            domain: Some("b.test".into())
        }
    );
    assert_eq!(report.summary, summary(3, 2, 1, 0));
    let json = crate::ops::check::report::json(&report).expect("json");
    assert!(json.contains("\"kind\": \"container_unhealthy\""), "{json}");
}

#[test]
fn the_address_is_still_checked_on_an_unhealthy_container() {
    let mut w = World::clean();
    let c = &mut w.containers("h1")[0];
    sicken(c);
    c.networks[0].ip = Some("10.2.0.99".into());
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::ContainerUnhealthy, Some("a.test")),
            (Kind::IpMismatch, Some("a.test"))
        ]
    );
}

#[test]
fn healthy_starting_stopped_and_pending_are_not_unhealthy() {
    let mut w = World::clean();
    w.containers("h1")[0].health = Some(ContainerHealth::Healthy);
    w.containers("h1")[1].health = Some(ContainerHealth::Starting);
    let report = w.run();
    assert_eq!(
        report.findings,
        vec![],
        "a starting check is not failing yet"
    );
    // A stopped container is reported as stopped, not as unhealthy too.
    let c = &mut w.containers("h2")[0];
    c.state = "exited".into();
    c.health = Some(ContainerHealth::Unhealthy);
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![(Kind::ContainerStopped, Some("c.test"))]
    );
    // A pending row's container is left to reconciliation.
    let mut w = World::clean();
    w.sites[0].state = SiteState::Pending;
    sicken(&mut w.containers("h1")[0]);
    assert_eq!(w.run().findings, vec![]);
}
