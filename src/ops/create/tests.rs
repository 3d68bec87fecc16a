use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::path::Path;

use super::*;

fn config(extra: &str) -> Config {
    let text = format!(
        r#"
[[node]]
name = "teemo"
ssh = "root@10.0.0.2"
[[node]]
name = "summoners"
ssh = "root@10.0.0.1"
docker = "none"
[containers]
image = "site:stable"
port = 8080
[[vlan]]
id = 100
node = "teemo"
subnet = "10.2.0.0/29"
gateway = "10.2.0.1"
reserved = ["10.2.0.2"]
{extra}
"#
    );
    crate::config::load_str(&text, Path::new("test.toml")).expect("config")
}

fn request(domain: &str) -> CreateRequest {
    CreateRequest {
        login: "alice".into(),
        vlan: "100".into(),
        domain: domain.into(),
        node: None,
        image: None,
        ip: None,
        replicas: None,
    }
}

fn plan_with(
    config: &Config,
    req: &CreateRequest,
    taken: &[&str],
    used: &[Ipv4Addr],
) -> Result<CreatePlan, PlanError> {
    let taken: HashSet<String> = taken.iter().map(|s| s.to_string()).collect();
    let used: HashSet<Ipv4Addr> = used.iter().copied().collect();
    let is_taken = |d: &str| taken.contains(d);
    let used_ips = |_: u16| used.clone();
    plan(
        config,
        req,
        &InventoryView {
            domain_taken: &is_taken,
            used_ips: &used_ips,
            used_ports: &|_| Default::default(),
        },
    )
}

#[test]
fn a_plan_has_every_detail_of_the_create() {
    let cfg = config("");
    let p = plan_with(&cfg, &request("Blog.Example.org"), &[], &[]).expect("plan");
    assert_eq!(p.domain, "blog.example.org", "domains are lowercased");
    assert_eq!(p.node, "teemo", "the VLAN's node by default");
    assert_eq!(
        p.ip,
        Ipv4Addr::new(10, 2, 0, 3),
        "skips network, gateway and reserved"
    );
    assert_eq!(p.container, "fd-blog.example.org");
    assert_eq!(p.image, "site:stable");
    assert_eq!(p.port, 8080);
    assert_eq!(p.network.name, "vlan100");
    assert_eq!(p.network.bridge, "fdvlan100");
    assert_eq!(
        p.labels.get("fleetdeck.vlan").map(String::as_str),
        Some("100")
    );
    assert_eq!(
        p.labels.get("fleetdeck.login").map(String::as_str),
        Some("alice")
    );
    assert_eq!(p.restart, "unless-stopped");
    assert!(
        p.proxy_rule.contains("http://10.2.0.3:8080"),
        "{}",
        p.proxy_rule
    );
    let shown = p.lines().join("\n");
    for needle in [
        "teemo",
        "10.2.0.3",
        "vlan100",
        "site:stable",
        "fleetdeck.domain=blog.example.org",
    ] {
        assert!(shown.contains(needle), "{needle} in {shown}");
    }
}

#[test]
fn used_addresses_are_skipped_and_exhaustion_is_a_conflict() {
    let cfg = config("");
    let used = [Ipv4Addr::new(10, 2, 0, 3), Ipv4Addr::new(10, 2, 0, 4)];
    let p = plan_with(&cfg, &request("a.example"), &[], &used).expect("plan");
    assert_eq!(p.ip, Ipv4Addr::new(10, 2, 0, 5));
    let all = [3, 4, 5, 6].map(|o| Ipv4Addr::new(10, 2, 0, o));
    let err = plan_with(&cfg, &request("a.example"), &[], &all).expect_err("exhausted");
    assert!(matches!(err, PlanError::Ipam { vlan: 100, .. }), "{err:?}");
    assert_eq!(err.kind(), FailKind::Invalid);
}

#[test]
fn bad_requests_are_named() {
    let cfg = config("");
    let cases: Vec<(CreateRequest, &str)> = vec![
        (
            CreateRequest {
                login: "al ice".into(),
                ..request("a.example")
            },
            "login",
        ),
        (
            CreateRequest {
                login: "a;rm -rf".into(),
                ..request("a.example")
            },
            "login",
        ),
        (request("a;b.example"), "domain"),
        (request("$(id).example"), "domain"),
        (
            CreateRequest {
                vlan: "7".into(),
                ..request("a.example")
            },
            "unknown VLAN 7",
        ),
        (
            CreateRequest {
                vlan: "x".into(),
                ..request("a.example")
            },
            "vlan",
        ),
        (
            CreateRequest {
                node: Some("nowhere".into()),
                ..request("a.example")
            },
            "unknown node",
        ),
        (
            CreateRequest {
                node: Some("summoners".into()),
                ..request("a.example")
            },
            "docker = \"none\"",
        ),
        (
            CreateRequest {
                node: Some("a b".into()),
                ..request("a.example")
            },
            "node name",
        ),
        (
            CreateRequest {
                image: Some("x y".into()),
                ..request("a.example")
            },
            "image",
        ),
    ];
    for (req, needle) in cases {
        let err = plan_with(&cfg, &req, &[], &[]).expect_err(needle);
        assert!(err.to_string().contains(needle), "{req:?}: {err}");
        assert_eq!(err.kind(), FailKind::Invalid);
    }
    let err = plan_with(&cfg, &request("a.example"), &["a.example"], &[]).expect_err("taken");
    assert_eq!(err, PlanError::DomainTaken("a.example".into()));
}

#[test]
fn the_image_comes_from_the_request_or_the_config() {
    let mut cfg = config("");
    let req = CreateRequest {
        image: Some("other:1".into()),
        ..request("a.example")
    };
    assert_eq!(
        plan_with(&cfg, &req, &[], &[]).expect("plan").image,
        "other:1"
    );
    cfg.containers.image = None;
    assert_eq!(
        plan_with(&cfg, &request("a.example"), &[], &[]).expect_err("no image"),
        PlanError::NoImage
    );
}

#[test]
fn an_explicit_node_wins_over_the_vlan_s() {
    let cfg = config("[[node]]\nname = \"other\"\nssh = \"root@10.0.0.3\"\n");
    let req = CreateRequest {
        node: Some("other".into()),
        ..request("a.example")
    };
    assert_eq!(plan_with(&cfg, &req, &[], &[]).expect("plan").node, "other");
}

#[test]
fn a_chosen_address_is_used_as_given_or_refused_with_the_reason() {
    let cfg = config("");
    let with_ip = |ip: &str| CreateRequest {
        ip: Some(ip.into()),
        ..request("blog.example.org")
    };
    let used = [Ipv4Addr::new(10, 2, 0, 4)];
    let p = plan_with(&cfg, &with_ip(" 10.2.0.5 "), &[], &used).expect("a free address");
    assert_eq!((p.ip, p.ip_chosen), (Ipv4Addr::new(10, 2, 0, 5), true));
    assert!(p.lines().iter().any(|l| l.contains("10.2.0.5 (chosen)")));
    let refused = |ip: &str| {
        plan_with(&cfg, &with_ip(ip), &[], &used)
            .expect_err(ip)
            .to_string()
    };
    assert!(refused("10.2.0.4").contains("already a site's address"));
    assert!(refused("10.2.0.1").contains("gateway"));
    assert!(refused("10.2.0.2").contains("reserved"));
    assert!(refused("10.2.0.9").contains("outside the subnet 10.2.0.0/29"));
    assert!(refused("10.2.0.7").contains("broadcast"));
    assert!(refused("10.2.0.x").contains("not an IPv4 address"));
    // Without --ip the plan allocates, as before.
    let p = plan_with(&cfg, &request("blog.example.org"), &[], &used).expect("plan");
    assert!(!p.ip_chosen);
}

const SWARM: &str = r#"
[[swarm]]
name = "lab"
managers = ["teemo"]
[[vlan]]
id = 300
swarm = "lab"
subnet = "10.30.0.0/24"
gateway = "10.30.0.1"
ports = "20000-20002"
"#;

fn swarm_request(domain: &str) -> CreateRequest {
    CreateRequest {
        vlan: "300".into(),
        ..request(domain)
    }
}

#[test]
fn a_swarm_vlan_plans_a_service_on_its_first_manager_with_a_free_port() {
    let c = config(SWARM);
    let used = |swarm: &str| {
        assert_eq!(swarm, "lab");
        HashSet::from([20000])
    };
    let p = plan(
        &c,
        &CreateRequest {
            replicas: Some(3),
            ..swarm_request("Shop.example.org")
        },
        &InventoryView {
            domain_taken: &|_| false,
            used_ips: &|_| HashSet::new(),
            used_ports: &used,
        },
    )
    .expect("plan");
    assert_eq!(p.node, "teemo", "the manager asked");
    assert_eq!(p.restart, "on-failure");
    let s = p.service.as_ref().expect("a service");
    assert_eq!(s.name, "fd-shop-example-org");
    assert_eq!((s.replicas, s.published_port), (3, 20001));
    let lines = p.lines().join("\n");
    assert!(lines.contains("(swarm lab)"), "{lines}");
    assert!(
        lines.contains("overlay, attachable, subnet 10.30.0.0/24"),
        "{lines}"
    );
    assert!(
        lines.contains("3 replicas, at most one per node"),
        "{lines}"
    );
    assert!(
        lines.contains("20001 → 8080 (host mode, from 20000-20002)"),
        "{lines}"
    );
    // The default replicas come from [containers] replicas.
    let d = plan_with(&c, &swarm_request("a.example"), &[], &[]).expect("plan");
    assert_eq!(d.service.expect("service").replicas, 2);
}

#[test]
fn flags_of_the_other_kind_of_vlan_and_a_full_range_are_refused() {
    let c = config(SWARM);
    let refused = |req: CreateRequest, says: &str| {
        let err = plan_with(&c, &req, &[], &[]).expect_err(says);
        assert!(err.to_string().contains(says), "{err}");
        assert_eq!(err.kind(), crate::ops::FailKind::Invalid);
    };
    refused(
        CreateRequest {
            node: Some("teemo".into()),
            ..swarm_request("a.example")
        },
        "leave out --node",
    );
    refused(
        CreateRequest {
            ip: Some("10.30.0.5".into()),
            ..swarm_request("a.example")
        },
        "leave out --ip",
    );
    refused(
        CreateRequest {
            replicas: Some(0),
            ..swarm_request("a.example")
        },
        "give 1 to 100",
    );
    refused(
        CreateRequest {
            replicas: Some(2),
            ..request("a.example")
        },
        "--replicas is for a swarm VLAN",
    );
    let full = plan(
        &c,
        &swarm_request("a.example"),
        &InventoryView {
            domain_taken: &|_| false,
            used_ips: &|_| HashSet::new(),
            used_ports: &|_| HashSet::from([20000, 20001, 20002]),
        },
    )
    .expect_err("full");
    assert!(
        full.to_string()
            .contains("no free port left in 20000-20002"),
        "{full}"
    );
}
