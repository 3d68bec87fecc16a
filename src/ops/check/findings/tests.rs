use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use super::*;
use crate::config::{Config, load_str};
use crate::fleet::docker::{ContainerInfo, ContainerNet};
use crate::inventory::{Site, SiteState};
use crate::ops::check::nginx::parse;
use crate::ops::check::{CheckInput, DnsAnswer, DnsCheck, Kind, NodeContainers, ProxyCheck};

const PROXY_IP: &str = "203.0.113.20";

fn config() -> Config {
    let text = "\
[[node]]\nname = \"h1\"\nssh = \"root@192.0.2.1\"\npublic_ip = \"203.0.113.20\"\n\
[[node]]\nname = \"h2\"\nssh = \"root@192.0.2.2\"\n\
[[vlan]]\nid = 100\nnode = \"h1\"\nsubnet = \"10.2.0.0/24\"\ngateway = \"10.2.0.254\"\n\
[[vlan]]\nid = 200\nnode = \"h2\"\nsubnet = \"10.2.0.0/24\"\ngateway = \"10.2.0.254\"\nnetwork = \"lan200\"\n";
    load_str(text, Path::new("t.toml")).expect("config")
}

fn site(domain: &str, vlan: u16, ip: &str) -> Site {
    Site {
        domain: domain.into(),
        login: "alice".into(),
        vlan,
        node: None,
        ip: ip.parse().expect("ip"),
        container_id: None,
        image: None,
        port: None,
        state: SiteState::Active,
        created_at: "2024-01-01T00:00:00Z".into(),
        updated_at: "2024-01-01T00:00:00Z".into(),
    }
}

fn container(domain: &str, network: &str, ip: &str) -> ContainerInfo {
    ContainerInfo {
        restarts: None,
        id: format!("id-{domain}"),
        name: format!("fd-{domain}"),
        image: "img".into(),
        state: "running".into(),
        status: "Up 1 hour".into(),
        health: None,
        networks: vec![ContainerNet {
            network: network.into(),
            ip: Some(ip.into()),
        }],
        labels: BTreeMap::from([
            ("fleetdeck.domain".to_string(), domain.to_string()),
            (
                "fleetdeck.vlan".to_string(),
                if network == "lan200" { "200" } else { "100" }.to_string(),
            ),
        ]),
    }
}

/// A fleet where everything agrees: a.test and b.test on h1, c.test on h2.
struct World {
    config: Config,
    sites: Vec<Site>,
    nodes: BTreeMap<String, NodeContainers>,
    dns: DnsCheck,
    proxy: ProxyCheck,
}

fn rules_for(sites: &[(&str, &str)]) -> String {
    sites
        .iter()
        .map(|(d, ip)| {
            format!(
                "server {{\n    listen 80;\n    server_name {d};\n    location / {{\n        proxy_pass http://{ip}:80;\n    }}\n}}\n"
            )
        })
        .collect()
}

impl World {
    fn clean() -> World {
        let sites = vec![
            site("a.test", 100, "10.2.0.10"),
            site("b.test", 100, "10.2.0.11"),
            site("c.test", 200, "10.2.0.20"),
        ];
        let nodes = BTreeMap::from([
            (
                "h1".to_string(),
                Ok(vec![
                    container("a.test", "vlan100", "10.2.0.10"),
                    container("b.test", "vlan100", "10.2.0.11"),
                ]),
            ),
            (
                "h2".to_string(),
                Ok(vec![container("c.test", "lan200", "10.2.0.20")]),
            ),
        ]);
        let expected: IpAddr = PROXY_IP.parse().expect("ip");
        let answers = sites
            .iter()
            .map(|s| (s.domain.clone(), DnsAnswer::Addresses(vec![expected])))
            .collect();
        let text = rules_for(&[
            ("a.test", "10.2.0.10"),
            ("b.test", "10.2.0.11"),
            ("c.test", "10.2.0.20"),
        ]);
        World {
            config: config(),
            sites,
            nodes,
            dns: DnsCheck::Checked {
                servers: "192.0.2.53:53".into(),
                expected,
                answers,
            },
            proxy: ProxyCheck::Read {
                node: "h1".into(),
                path: "/etc/nginx/fd.conf".into(),
                rules: Some(parse(&text)),
            },
        }
    }

    fn run(&self) -> CheckReport {
        evaluate(&CheckInput {
            config: &self.config,
            sites: &self.sites,
            nodes: self.nodes.clone(),
            dns: self.dns.clone(),
            proxy: self.proxy.clone(),
            reached: Default::default(),
            hosts: Default::default(),
            swarm_sites: Vec::new(),
            upstreams: None,
            swarms: Default::default(),
        })
    }

    fn containers(&mut self, node: &str) -> &mut Vec<ContainerInfo> {
        match self.nodes.get_mut(node) {
            Some(Ok(c)) => c,
            _ => panic!("node {node} has no container list"),
        }
    }

    fn answer(&mut self, domain: &str, answer: DnsAnswer) {
        match &mut self.dns {
            DnsCheck::Checked { answers, .. } => {
                answers.insert(domain.into(), answer);
            }
            DnsCheck::Skipped(_) => panic!("dns skipped"),
        }
    }
}

fn kinds(report: &CheckReport) -> Vec<(Kind, Option<&str>)> {
    report
        .findings
        .iter()
        .map(|f| (f.kind, f.domain.as_deref()))
        .collect()
}

fn summary(sites: usize, ok: usize, problems: usize, unreachable: usize) -> Summary {
    Summary {
        sites,
        ok,
        problems,
        unreachable,
    }
}

#[test]
fn a_fleet_that_agrees_is_all_ok() {
    let report = World::clean().run();
    assert_eq!(report.findings, vec![]);
    assert_eq!(report.summary, summary(3, 3, 0, 0));
    assert!(report.skipped.is_empty());
}

#[test]
fn a_removed_container_is_missing_but_a_pending_one_is_only_info() {
    let mut w = World::clean();
    w.containers("h1").retain(|c| c.name != "fd-a.test");
    w.sites.push(Site {
        state: SiteState::Pending,
        ..site("p.test", 100, "10.2.0.12")
    });
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::MissingContainer, Some("a.test")),
            (Kind::MissingContainer, Some("p.test"))
        ]
    );
    let (missing, pending) = (&report.findings[0], &report.findings[1]);
    assert_eq!(missing.severity, Severity::Error);
    assert_eq!(missing.node.as_deref(), Some("h1"));
    assert_eq!(missing.expected.as_deref(), Some("fd-a.test"));
    assert_eq!(missing.message, "no container fd-a.test on h1");
    assert_eq!(pending.severity, Severity::Info);
    assert!(
        pending.message.starts_with("pending:"),
        "{}",
        pending.message
    );
    // The pending row is neither ok nor a problem.
    assert_eq!(report.summary, summary(4, 2, 1, 0));
}

#[test]
fn a_stopped_container_is_a_warning_with_its_state() {
    let mut w = World::clean();
    let c = &mut w.containers("h2")[0];
    c.state = "exited".into();
    c.status = "Exited (0) 2 minutes ago".into();
    c.networks[0].ip = None;
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![(Kind::ContainerStopped, Some("c.test"))]
    );
    let f = &report.findings[0];
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(
        (f.expected.as_deref(), f.actual.as_deref()),
        (Some("running"), Some("exited"))
    );
    assert_eq!(
        f.target,
        Target {
            node: Some("h2".into()),
            container: Some("fd-c.test".into()),
            domain: Some("c.test".into())
        }
    );
    assert_eq!(report.summary, summary(3, 2, 1, 0));
}

#[test]
fn an_address_that_moved_or_a_network_left_is_an_ip_mismatch() {
    let mut w = World::clean();
    w.containers("h1")[0].networks[0].ip = Some("10.2.0.99".into());
    w.containers("h1")[1].networks[0].network = "bridge".into();
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::IpMismatch, Some("a.test")),
            (Kind::IpMismatch, Some("b.test"))
        ]
    );
    let moved = &report.findings[0];
    assert_eq!(
        (moved.expected.as_deref(), moved.actual.as_deref()),
        (Some("10.2.0.10"), Some("10.2.0.99"))
    );
    let left = &report.findings[1];
    assert_eq!(left.actual.as_deref(), Some("not on vlan100"));
    assert!(
        left.message.contains("it is on: bridge"),
        "{}",
        left.message
    );
}

#[test]
fn one_address_on_two_rows_is_a_duplicate_once_not_again_for_the_containers() {
    let mut w = World::clean();
    // c.test (VLAN 200 on h2, same subnet) takes a.test's address, row and container.
    w.sites[2].ip = "10.2.0.10".parse().expect("ip");
    w.containers("h2")[0].networks[0].ip = Some("10.2.0.10".into());
    w.proxy = ProxyCheck::Skipped("test".into());
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::DuplicateIp, Some("a.test")),
            (Kind::DuplicateIp, Some("c.test"))
        ]
    );
    assert_eq!(report.findings[0].actual.as_deref(), Some("10.2.0.10"));
    assert!(
        report.findings[0].message.contains("c.test (VLAN 200)"),
        "{}",
        report.findings[0].message
    );
    assert_eq!(report.summary, summary(3, 1, 2, 0));
}

#[test]
fn one_address_on_two_live_containers_is_a_duplicate_too() {
    let mut w = World::clean();
    // The rows differ; c.test's container was moved onto a.test's address.
    w.containers("h2")[0].networks[0].ip = Some("10.2.0.10".into());
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::IpMismatch, Some("c.test")),
            (Kind::DuplicateIp, Some("a.test")),
            (Kind::DuplicateIp, Some("c.test")),
        ]
    );
    let dup = &report.findings[1];
    assert_eq!(dup.node.as_deref(), Some("h1"));
    assert_eq!(
        dup.message,
        "10.2.0.10 is held by container fd-a.test on h1 and by fd-c.test on h2"
    );
    assert_eq!(report.summary, summary(3, 1, 3, 0));
}

#[test]
fn containers_no_row_accounts_for_are_orphans_when_they_are_ours() {
    let mut w = World::clean();
    // Labelled for a VLAN of this config, but no row.
    w.containers("h1")
        .push(container("gone.test", "vlan100", "10.2.0.50"));
    // Unlabelled, on a VLAN network.
    let mut bare = container("x", "lan200", "10.2.0.51");
    bare.name = "hand-made".into();
    bare.labels.clear();
    w.containers("h2").push(bare);
    // Someone else's: labelled for a VLAN this config does not know, on its own network.
    let mut foreign = container("other.test", "vlan999", "10.9.0.5");
    foreign.labels.insert("fleetdeck.vlan".into(), "999".into());
    w.containers("h1").push(foreign);
    // Not fleetdeck's at all.
    let mut plain = container("y", "bridge", "172.17.0.2");
    plain.labels.clear();
    plain.name = "nginx-test".into();
    w.containers("h1").push(plain);
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::OrphanContainer, None),
            (Kind::OrphanContainer, Some("gone.test"))
        ]
    );
    let labelled = &report.findings[1];
    assert_eq!(labelled.severity, Severity::Warning);
    assert_eq!(labelled.actual.as_deref(), Some("fd-gone.test"));
    assert_eq!(
        labelled.message,
        "container fd-gone.test on h1 (10.2.0.50, running) has no inventory row: adopt it (fleetdeck inventory adopt h1/fd-gone.test) or remove it"
    );
    assert_eq!(
        report.findings[0].target.container.as_deref(),
        Some("hand-made")
    );
    assert_eq!(report.summary, summary(3, 3, 2, 0));
}

#[test]
fn legacy_rows_find_their_container_by_id_on_their_vlans_node() {
    let mut w = World::clean();
    let c = &mut w.containers("h1")[0];
    c.labels.clear();
    c.name = "old-a".into();
    c.id = "0123456789abcdef0123".into();
    w.sites[0].container_id = Some("0123456789ab".into());
    assert_eq!(w.run().summary, summary(3, 3, 0, 0));
    w.sites[0].container_id = None;
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::MissingContainer, Some("a.test")),
            (Kind::OrphanContainer, None)
        ]
    );
}

#[test]
fn dns_missing_or_elsewhere() {
    let mut w = World::clean();
    w.answer("a.test", DnsAnswer::NoRecord);
    w.answer(
        "b.test",
        DnsAnswer::Addresses(vec![
            PROXY_IP.parse().expect("ip"),
            "198.51.100.7".parse().expect("ip"),
        ]),
    );
    w.answer("c.test", DnsAnswer::Addresses(vec![]));
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::DnsMissing, Some("a.test")),
            (Kind::DnsMissing, Some("c.test")),
            (Kind::DnsMismatch, Some("b.test")),
        ]
    );
    let elsewhere = &report.findings[2];
    assert_eq!(
        (elsewhere.expected.as_deref(), elsewhere.actual.as_deref()),
        (Some(PROXY_IP), Some("203.0.113.20, 198.51.100.7"))
    );
    assert_eq!(report.summary, summary(3, 0, 3, 0));
}

#[test]
fn dns_servers_that_do_not_answer_are_one_finding_and_leave_sites_unchecked() {
    let mut w = World::clean();
    for d in ["a.test", "b.test", "c.test"] {
        w.answer(d, DnsAnswer::Failed("request timed out".into()));
    }
    let report = w.run();
    assert_eq!(kinds(&report), vec![(Kind::NodeUnreachable, None)]);
    let f = &report.findings[0];
    assert_eq!(f.node, None);
    assert_eq!(
        f.message,
        "DNS servers 192.0.2.53:53: 3 of 3 lookups failed (request timed out); DNS not checked for a.test, b.test, c.test"
    );
    assert_eq!(report.summary, summary(3, 0, 1, 3));
}

#[test]
fn proxy_rules_missing_stale_or_for_sites_that_are_gone() {
    let mut w = World::clean();
    let text = rules_for(&[
        ("b.test", "10.2.0.99"),
        ("c.test", "10.2.0.20"),
        ("old.test", "10.2.0.30"),
    ]) + "server { listen 80 default_server; server_name _; return 404; }\n";
    w.proxy = ProxyCheck::Read {
        node: "h1".into(),
        path: "/etc/nginx/fd.conf".into(),
        rules: Some(parse(&text)),
    };
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::ProxyMissing, Some("a.test")),
            (Kind::ProxyStale, Some("b.test")),
            (Kind::ProxyStale, Some("old.test")),
        ]
    );
    let stale = &report.findings[1];
    assert_eq!(
        (stale.expected.as_deref(), stale.actual.as_deref()),
        (Some("http://10.2.0.11:80"), Some("http://10.2.0.99:80"))
    );
    assert_eq!(
        stale.message,
        "/etc/nginx/fd.conf:1 sends b.test to http://10.2.0.99:80, not http://10.2.0.11:80: rebuild the proxy rules"
    );
    assert_eq!(report.findings[0].node.as_deref(), Some("h1"));
    // A site's own port counts.
    w.sites[2].port = Some(8080);
    assert!(kinds(&w.run()).contains(&(Kind::ProxyStale, Some("c.test"))));
}

#[test]
fn no_proxy_file_means_every_rule_is_missing_and_an_unreadable_one_is_one_finding() {
    let mut w = World::clean();
    w.proxy = ProxyCheck::Read {
        node: "h1".into(),
        path: "/etc/nginx/fd.conf".into(),
        rules: None,
    };
    let report = w.run();
    assert_eq!(report.findings.len(), 3);
    assert!(report.findings.iter().all(|f| f.kind == Kind::ProxyMissing));
    assert_eq!(
        report.findings[0].message,
        "no rule for a.test: /etc/nginx/fd.conf does not exist on h1"
    );
    w.proxy = ProxyCheck::Unreadable {
        node: "h1".into(),
        path: "/etc/nginx/fd.conf".into(),
        error: "Permission denied".into(),
    };
    let report = w.run();
    assert_eq!(kinds(&report), vec![(Kind::ProxyMissing, None)]);
    assert_eq!(report.summary, summary(3, 0, 1, 3));
}

#[test]
fn an_unreachable_node_is_one_finding_and_its_sites_are_unchecked_never_ok() {
    let mut w = World::clean();
    w.nodes
        .insert("h2".into(), Err("ssh: connection refused".into()));
    let report = w.run();
    assert_eq!(kinds(&report), vec![(Kind::NodeUnreachable, None)]);
    let f = &report.findings[0];
    assert_eq!(f.node.as_deref(), Some("h2"));
    assert_eq!(f.actual.as_deref(), Some("ssh: connection refused"));
    assert_eq!(
        f.message,
        "h2 unreachable: ssh: connection refused; 1 site not checked: c.test"
    );
    assert_eq!(f.target.node.as_deref(), Some("h2"));
    assert_eq!(report.summary, summary(3, 2, 1, 1));

    // The proxy node down too: one finding for it with both reasons, nothing ok.
    w.nodes.insert("h1".into(), Err("ssh: timeout".into()));
    w.proxy = ProxyCheck::Unreachable {
        node: "h1".into(),
        error: "ssh: timeout".into(),
    };
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![(Kind::NodeUnreachable, None), (Kind::NodeUnreachable, None)]
    );
    assert_eq!(
        report.findings[0].message,
        "h1 unreachable: ssh: timeout; cannot read the proxy file: ssh: timeout; 2 sites not checked: a.test, b.test"
    );
    assert_eq!(report.summary, summary(3, 0, 2, 3));
}

#[test]
fn sites_without_a_node_or_on_unknown_nodes_are_reported() {
    let mut w = World::clean();
    w.sites.push(site("lost.test", 999, "10.9.9.9"));
    w.sites.push(Site {
        node: Some("h9".into()),
        ..site("far.test", 100, "10.2.0.77")
    });
    w.dns = DnsCheck::Skipped("no [dns] section".into());
    w.proxy = ProxyCheck::Skipped("no [proxy] section".into());
    let report = w.run();
    assert_eq!(
        kinds(&report),
        vec![
            (Kind::MissingContainer, Some("far.test")),
            (Kind::MissingContainer, Some("lost.test"))
        ]
    );
    assert!(
        report.findings[1]
            .message
            .contains("VLAN 999 is not in the config")
    );
    assert_eq!(
        report.skipped,
        vec![
            "DNS not checked: no [dns] section",
            "proxy not checked: no [proxy] section"
        ]
    );
    assert_eq!(report.summary, summary(5, 3, 2, 0));
}

mod health;
