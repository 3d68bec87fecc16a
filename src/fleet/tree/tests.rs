use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::fleet::docker::{ContainerNet, DockerFacts};
use crate::fleet::model::{Guest, GuestKind, GuestState};
use crate::inventory::SiteState;

fn config() -> Config {
    crate::config::load_str(
        "[[node]]\nname = \"summoners\"\nssh = \"root@10.0.0.2\"\nhypervisor = \"kvm\"\n\
         [[node]]\nname = \"teemo\"\nssh = \"root@10.2.0.1\"\n\
         [[node]]\nname = \"garen\"\nssh = \"root@10.2.0.3\"\nparent = \"summoners\"\n\
         [[vlan]]\nid = 100\nnode = \"teemo\"\nsubnet = \"10.2.0.0/24\"\ngateway = \"10.2.0.254\"\n",
        Path::new("t.toml"),
    )
    .expect("config")
}

fn up(name: &str) -> NodeSnapshot {
    let mut s = NodeSnapshot::unknown(name);
    s.status = NodeStatus::Up;
    s
}

fn site(domain: &str, ip: &str) -> Site {
    Site {
        domain: domain.into(),
        login: "alice".into(),
        vlan: 100,
        node: Some("teemo".into()),
        ip: ip.parse().expect("ip"),
        container_id: None,
        image: None,
        port: None,
        state: SiteState::Active,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

fn container(name: &str, nets: &[(&str, &str)], labels: &[(&str, &str)]) -> ContainerInfo {
    ContainerInfo {
        restarts: None,
        id: format!("id-{name}"),
        name: name.into(),
        image: "fdlab/busybox".into(),
        state: "running".into(),
        status: "Up".into(),
        health: None,
        networks: nets
            .iter()
            .map(|(n, ip)| ContainerNet {
                network: n.to_string(),
                ip: Some(ip.to_string()),
            })
            .collect(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

#[test]
fn nodes_nest_under_parents_and_under_the_hypervisor_running_their_address() {
    let mut hyper = up("summoners");
    let mut vm = Guest::new(GuestKind::Kvm, "teemo-vm", GuestState::Running);
    vm.ips = vec!["10.2.0.1".parse().expect("ip")];
    hyper.guests = vec![vm];
    let doc = build(
        &config(),
        &[hyper, up("teemo"), up("garen")],
        &[],
        "now".into(),
    );
    let summoners = &doc.nodes[0];
    assert_eq!(summoners.children, ["teemo", "garen"]);
    assert_eq!(summoners.guests[0].ip.as_deref(), Some("10.2.0.1"));
    let text = super::super::text::render(&doc, true);
    assert!(text.starts_with("summoners [up] 10.0.0.2 kvm\n"), "{text}");
    assert!(text.contains("|-- teemo [up] 10.2.0.1"), "{text}");
    assert!(text.contains("`-- garen [up] 10.2.0.3"), "{text}");
    assert_eq!(
        text.matches("teemo [up]").count(),
        1,
        "a nested node is not also a root: {text}"
    );
}

#[test]
fn containers_join_inventory_by_label_then_by_ip_and_prefer_the_vlan_network() {
    let mut teemo = up("teemo");
    teemo.docker = Some(DockerFacts {
        containers: vec![
            container(
                "fd-blog",
                &[("bridge", "172.17.0.2"), ("vlan100", "10.2.0.10")],
                &[("fleetdeck.domain", "blog.example.org")],
            ),
            container("legacy", &[("vlan100", "10.2.0.11")], &[]),
            container("stray", &[("bridge", "172.17.0.3")], &[]),
        ],
        networks: Vec::new(),
    });
    let sites = [
        site("blog.example.org", "10.2.0.10"),
        site("shop.example.org", "10.2.0.11"),
    ];
    let doc = build(&config(), &[teemo], &sites, "now".into());
    let c = &doc.nodes[1].containers;
    assert_eq!(
        (c[0].ip.as_deref(), c[0].network.as_deref()),
        (Some("10.2.0.10"), Some("vlan100"))
    );
    assert_eq!(
        (c[0].domain.as_deref(), c[0].login.as_deref(), c[0].vlan),
        (Some("blog.example.org"), Some("alice"), Some(100))
    );
    assert_eq!(
        c[1].domain.as_deref(),
        Some("shop.example.org"),
        "matched by IP"
    );
    assert_eq!(c[2].domain, None);
}

#[test]
fn container_health_is_in_the_json_and_the_text() {
    use crate::fleet::docker::ContainerHealth;
    let mut teemo = up("teemo");
    let mut sick = container("sick", &[("vlan100", "10.2.0.10")], &[]);
    sick.health = Some(ContainerHealth::Unhealthy);
    let mut booting = container("booting", &[("vlan100", "10.2.0.11")], &[]);
    booting.health = Some(ContainerHealth::Starting);
    let plain = container("plain", &[("vlan100", "10.2.0.12")], &[]);
    teemo.docker = Some(DockerFacts {
        containers: vec![sick, booting, plain],
        networks: Vec::new(),
    });
    let doc = build(&config(), &[teemo], &[], "now".into());
    let json = serde_json::to_value(&doc).expect("json");
    let containers = &json["nodes"][1]["containers"];
    assert_eq!(containers[0]["health"], "unhealthy");
    assert_eq!(containers[1]["health"], "starting");
    assert_eq!(
        containers[2].get("health"),
        Some(&serde_json::Value::Null),
        "no healthcheck is null, and the key is there"
    );
    assert_eq!(containers[0]["state"], "running", "the state word is kept");
    let text = super::super::text::render(&doc, true);
    assert!(
        text.contains("sick [running (unhealthy)] 10.2.0.10"),
        "{text}"
    );
    assert!(
        text.contains("booting [running (health: starting)]"),
        "{text}"
    );
    assert!(text.contains("plain [running] 10.2.0.12"), "{text}");
}

#[test]
fn down_and_unpolled_nodes_are_listed_with_their_error() {
    let mut garen = NodeSnapshot::unknown("garen");
    garen.status = NodeStatus::Down;
    garen.error = Some("root@10.2.0.3:22 did not answer within 5s (tcp connect)".into());
    let doc = build(&config(), &[garen], &[], "now".into());
    assert_eq!(
        doc.nodes[0].status,
        NodeStatus::Unknown,
        "summoners was not polled"
    );
    let garen = &doc.nodes[2];
    assert_eq!(garen.status, NodeStatus::Down);
    let json = serde_json::to_value(&doc).expect("json");
    assert_eq!(json["schema_version"], 5);
    assert_eq!(json["nodes"][2]["source"], "config");
    assert_eq!(json["nodes"][2]["status"], "down");
    assert!(
        json["nodes"][2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("did not answer"))
    );
    for key in [
        "name",
        "status",
        "error",
        "address",
        "hypervisor",
        "guests",
        "containers",
        "bridges",
        "tunnels",
        "children",
    ] {
        assert!(
            json["nodes"][0].get(key).is_some(),
            "contract key {key} missing"
        );
    }
    let text = super::super::text::render(&doc, false);
    assert!(
        text.contains("garen [down] 10.2.0.3 — root@10.2.0.3:22 did not answer"),
        "{text}"
    );
}

#[test]
fn utf8_is_read_from_the_locale() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert!(super::super::text::locale_is_utf8(vars(&[(
        "LANG",
        "fr_FR.UTF-8"
    )])));
    assert!(!super::super::text::locale_is_utf8(vars(&[
        ("LANG", "fr_FR.UTF-8"),
        ("LC_ALL", "C")
    ])));
    assert!(!super::super::text::locale_is_utf8(vars(&[])));
}

#[test]
fn an_address_two_hypervisors_run_nests_under_the_first_in_config_order_never_itself() {
    let config = crate::config::load_str(
        "[[node]]\nname = \"kvm-a\"\nssh = \"root@10.0.0.2\"\nhypervisor = \"kvm\"\n\
         [[node]]\nname = \"kvm-b\"\nssh = \"root@10.0.0.3\"\nhypervisor = \"kvm\"\n\
         [[node]]\nname = \"vm\"\nssh = \"root@10.2.0.1\"\n",
        Path::new("t.toml"),
    )
    .expect("config");
    let guest = |name: &str, ip: &str| {
        let mut g = Guest::new(GuestKind::Kvm, name, GuestState::Running);
        g.ips = vec![ip.parse().expect("ip")];
        g
    };
    // kvm-a also runs a guest with its own address (a bridge it answers on): no self-loop.
    let mut a = up("kvm-a");
    a.guests = vec![guest("self", "10.0.0.2"), guest("vm", "10.2.0.1")];
    let mut b = up("kvm-b");
    b.guests = vec![guest("vm-copy", "10.2.0.1"), guest("a-shadow", "10.0.0.2")];
    let doc = build(&config, &[a, b, up("vm")], &[], "now".into());
    let children = |name: &str| {
        doc.nodes
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.children.clone())
            .expect("node")
    };
    assert_eq!(children("kvm-a"), ["vm"]);
    assert_eq!(
        children("kvm-b"),
        ["kvm-a"],
        "kvm-a's address runs on kvm-b"
    );
    assert!(children("vm").is_empty());
}
