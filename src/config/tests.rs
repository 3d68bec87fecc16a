use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::*;

fn load(text: &str) -> Result<Config, ConfigError> {
    load_str(text, Path::new("fleet.toml"))
}

fn err(text: &str) -> String {
    load(text).expect_err("must be rejected").to_string()
}

const EXAMPLE: &str = include_str!("../../config.example.toml");

#[test]
fn example_config_is_valid() {
    let config = load(EXAMPLE).expect("config.example.toml must load");
    assert_eq!(config.nodes.len(), 4);
    assert_eq!(config.vlans[0].subnet.to_string(), "10.2.0.0/24");
    assert_eq!(
        config.node("teemo").map(|n| n.docker_endpoint()),
        Some(DockerEndpoint::Ssh)
    );
}

/// Every field of the model, filled in. A struct literal: adding a field to the model
/// without adding it here (and so to the example) does not compile.
fn every_key() -> Config {
    Config {
        read_only: true,
        refresh_secs: 7,
        mouse: true,
        theme: Some(PathBuf::from("/t.toml")),
        inventory: InventoryConfig {
            path: Some(PathBuf::from("/i.db")),
        },
        ssh: SshConfig {
            config: Some("/c".into()),
            known_hosts: Some("/k".into()),
            identities: vec!["/id".into()],
            connect_timeout_secs: 3,
            keepalive_secs: 4,
            max_connecting: 5,
            max_connecting_per_jump: 6,
        },
        audit: AuditConfig {
            record_sessions: false,
            sessions_dir: Some("/s".into()),
        },
        nodes: vec![NodeConfig {
            name: "n".into(),
            ssh: Some("u@h".into()),
            jump: Some("j".into()),
            hypervisor: Hypervisor::Xen,
            libvirt_uri: Some("test:///default".into()),
            docker: Some(DockerEndpoint::Ssh),
            docker_socket: Some("/s".into()),
            tls: Some(TlsConfig {
                ca: "/a".into(),
                cert: "/b".into(),
                key: "/c".into(),
            }),
            parent: Some("p".into()),
            public_ip: Some("192.0.2.1".parse().expect("ip")),
        }],
        vlans: vec![VlanConfig {
            id: 1,
            node: Some("n".into()),
            swarm: None,
            ports: None,
            publish: Default::default(),
            subnet: "10.0.0.0/24".parse().expect("net"),
            gateway: "10.0.0.1".parse().expect("ip"),
            reserved: vec!["10.0.0.2".into()],
            bridge: Some("b".into()),
            network: Some("w".into()),
        }],
        containers: ContainersConfig {
            image: Some("i".into()),
            port: 8080,
            replicas: 3,
        },
        proxy: Some(ProxyConfig {
            node: "n".into(),
            path: "/p".into(),
            template: Some("/t".into()),
            listen: "80".into(),
            test_cmd: vec!["t".into()],
            reload_cmd: vec!["r".into()],
        }),
        dns: Some(DnsConfig {
            servers: vec!["192.0.2.53".into()],
            expect: None,
        }),
        tunnels: vec![TunnelConfig {
            name: "t".into(),
            node: "n".into(),
            kind: TunnelKind::Local,
            listen: "1".into(),
            target: "h:2".into(),
            via: Some("n".into()),
        }],
        terraform: vec![TerraformConfig {
            name: "infra".into(),
            dir: Some("/srv/infra".into()),
            state: Some("/srv/infra/terraform.tfstate".into()),
            ssh_user: Some("admin".into()),
            jump: Some("n".into()),
            docker: Some(DockerEndpoint::Ssh),
            hypervisor: Hypervisor::Kvm,
            include: vec!["module.web.*".into()],
            exclude: vec!["*.bastion".into()],
            maps: vec![TerraformMap {
                rtype: "vsphere_virtual_machine".into(),
                address_attr: "default_ip_address".into(),
                name_attr: Some("name".into()),
            }],
        }],
        check: CheckConfig {
            terraform_undeclared: true,
        },
        swarms: vec![SwarmConfig {
            name: "prod".into(),
            managers: vec!["teemo".into()],
        }],
        origins: Default::default(),
        terraform_unread: Vec::new(),
        keys: [("quit".to_string(), vec!["q".to_string()])]
            .into_iter()
            .collect(),
    }
}

fn collect_keys(value: &toml::Value, out: &mut BTreeSet<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                out.insert(k.clone());
                collect_keys(v, out);
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, out)),
        _ => {}
    }
}

#[test]
fn example_config_documents_every_key() {
    let mut full = every_key();
    full.dns.as_mut().expect("dns").expect = Some("192.0.2.2".parse().expect("ip"));
    let value = toml::Value::try_from(&full).expect("serialize");
    let mut keys = BTreeSet::new();
    collect_keys(&value, &mut keys);
    assert!(keys.len() > 40, "the walk found too few keys: {keys:?}");
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| {
            let table = format!("[{k}]");
            let array = format!("[[{k}]]");
            let assign = format!("\n{k} =");
            let inline = format!("{{ {k} =");
            let inline2 = format!(", {k} =");
            // An array of tables inside one, as `[[terraform.map]]`.
            let nested = format!(".{k}]]");
            ![table, array, assign, inline, inline2, nested]
                .iter()
                .any(|p| EXAMPLE.contains(p.as_str()))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "config.example.toml does not document {missing:?}"
    );
}

#[test]
fn builtin_default_is_one_local_node() {
    let config = Config::builtin_default();
    assert_eq!(config.nodes.len(), 1);
    assert_eq!(config.nodes[0].name, "local");
    assert!(config.nodes[0].is_local());
    assert!(super::check::first_problem(&config).is_none());
}

#[test]
fn minimal_file_gets_defaults() {
    let config = load("[[node]]\nname = \"a\"\nssh = \"root@10.0.0.1\"\n").expect("load");
    assert_eq!(config.refresh_secs, DEFAULT_REFRESH_SECS);
    assert!(!config.read_only);
    assert_eq!(config.ssh.connect_timeout_secs, 10);
    assert_eq!(config.containers.port, 80);
    let node = &config.nodes[0];
    assert_eq!(
        node.docker_endpoint(),
        DockerEndpoint::Ssh,
        "ssh nodes default to docker over ssh"
    );
    assert_eq!(node.libvirt_uri(), "qemu:///system");
    assert_eq!(node.docker_socket(), PathBuf::from("/var/run/docker.sock"));
}

/// (config text, line, key, words in the message)
const BAD: &[(&str, usize, &str, &str)] = &[
    ("refresh_secs = \"x\"\n", 1, "refresh_secs", "invalid type"),
    (
        "refresh_secs = 0\n",
        1,
        "refresh_secs",
        "between 1 and 3600",
    ),
    ("colour = true\n", 1, "colour", "unknown field `colour`"),
    (
        "[[node]]\nname = \"a\"\nfoo = 1\n",
        3,
        "node[0].foo",
        "unknown field `foo`",
    ),
    (
        "[[node]]\nname = \"a\"\n[[node]]\nname = \"a\"\n",
        4,
        "node[1].name",
        "defined twice",
    ),
    (
        "[[node]]\nname = \"a b\"\n",
        2,
        "node[0].name",
        "contains ' '",
    ),
    (
        "[[node]]\nname = \"a\"\nssh = \"root@h\"\njump = \"ghost\"\n",
        4,
        "node[0].jump",
        "names no node",
    ),
    (
        "[[node]]\nname = \"a\"\nparent = \"ghost\"\n",
        3,
        "node[0].parent",
        "names no node",
    ),
    (
        "[[node]]\nname = \"a\"\nparent = \"b\"\n[[node]]\nname = \"b\"\nparent = \"a\"\n",
        3,
        "node[0].parent",
        "loops back",
    ),
    (
        "[[node]]\nname = \"a\"\nhypervisor = \"vmware\"\n",
        3,
        "node[0].hypervisor",
        "unknown variant",
    ),
    (
        "[[node]]\nname = \"a\"\ndocker = \"http://x\"\n",
        3,
        "node[0].docker",
        "expected \"ssh\"",
    ),
    (
        "[[node]]\nname = \"a\"\ndocker = \"ssh\"\n",
        3,
        "node[0].docker",
        "needs the node's `ssh`",
    ),
    (
        "[[node]]\nname = \"a\"\nssh = \"root@h;reboot\"\n",
        3,
        "node[0].ssh",
        "contains ';'",
    ),
    (
        "[[node]]\nname = \"a\"\npublic_ip = \"300.1.1.1\"\n",
        3,
        "node[0].public_ip",
        "invalid",
    ),
    (
        "[[node]]\nname = \"a\"\n[[vlan]]\nid = 1\nnode = \"a\"\nsubnet = \"10.0.0.0/33\"\ngateway = \"10.0.0.1\"\n",
        6,
        "vlan[0].subnet",
        "invalid",
    ),
    (
        "[[node]]\nname = \"a\"\n[[vlan]]\nid = 1\nnode = \"b\"\nsubnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\n",
        5,
        "vlan[0].node",
        "names no node",
    ),
    (
        "[[node]]\nname = \"a\"\n[[vlan]]\nid = 1\nnode = \"a\"\nsubnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.255\"\n",
        7,
        "vlan[0].gateway",
        "broadcast",
    ),
    (
        "[[node]]\nname = \"a\"\n[[vlan]]\nid = 1\nnode = \"a\"\nsubnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\nreserved = [\"10.0.1.1\"]\n",
        8,
        "vlan[0].reserved[0]",
        "outside the subnet",
    ),
    (
        "[[node]]\nname = \"a\"\n[[vlan]]\nid = 1\nnode = \"a\"\nsubnet = \"10.0.0.0/24\"\ngateway = \"10.0.0.1\"\n[[vlan]]\nid = 1\nnode = \"a\"\nsubnet = \"10.1.0.0/24\"\ngateway = \"10.1.0.1\"\n",
        9,
        "vlan[1].id",
        "defined twice",
    ),
    (
        "[proxy]\nnode = \"ghost\"\n",
        2,
        "proxy.node",
        "names no node",
    ),
    (
        "[[node]]\nname = \"a\"\n[proxy]\nnode = \"a\"\ntest_cmd = []\n",
        5,
        "proxy.test_cmd",
        "non-empty",
    ),
    (
        "[[node]]\nname = \"a\"\n[proxy]\nnode = \"a\"\nlisten = \"80; include /etc/x\"\n",
        5,
        "proxy.listen",
        "port or address:port",
    ),
    (
        "[containers]\nimage = \"busybox; reboot\"\n",
        2,
        "containers.image",
        "contains ';'",
    ),
    (
        "[[node]]\nname = \"a\"\nhypervisor = \"kvm\"\nlibvirt_uri = \"qemu:///system; reboot\"\n",
        4,
        "node[0].libvirt_uri",
        "not a libvirt URI",
    ),
    (
        "[[node]]\nname = \"a\"\nlibvirt_uri = \"$(reboot)\"\n",
        3,
        "node[0].libvirt_uri",
        "not a libvirt URI",
    ),
    (
        "[[node]]\nname = \"a\"\ndocker_socket = \"/run/docker.sock\\nx\"\n",
        3,
        "node[0].docker_socket",
        "control characters",
    ),
    (
        "[dns]\nservers = [\"resolver\"]\n",
        2,
        "dns.servers[0]",
        "not an address",
    ),
    (
        "[[node]]\nname = \"a\"\n[[tunnel]]\nname = \"t\"\nnode = \"a\"\nkind = \"remote\"\nlisten = \"x\"\ntarget = \"h:1\"\n",
        7,
        "tunnel[0].listen",
        "not a port",
    ),
];

#[test]
fn bad_configs_name_line_and_key() {
    for (text, line, key, words) in BAD {
        let message = err(text);
        let prefix = format!("fleet.toml:{line}:");
        assert!(
            message.starts_with(&prefix),
            "{text:?}\n→ {message}\n(expected line {line})"
        );
        assert!(
            message.contains(&format!("key `{key}`")),
            "{text:?}\n→ {message}\n(expected key {key})"
        );
        assert!(
            message.contains(words),
            "{text:?}\n→ {message}\n(expected {words:?})"
        );
    }
}

#[test]
fn syntax_errors_give_the_position() {
    let message = err("[[node]]\nname = \"a\n");
    assert!(message.starts_with("fleet.toml:2:"), "{message}");
}

#[test]
fn ssh_targets_parse() {
    let t: SshTarget = "admin@203.0.113.10:2222".parse().expect("target");
    assert_eq!(
        (t.user.as_deref(), t.host.as_str(), t.port),
        (Some("admin"), "203.0.113.10", Some(2222))
    );
    let alias: SshTarget = "teemo".parse().expect("alias");
    assert_eq!((alias.user, alias.port), (None, None));
    let v6: SshTarget = "root@[2001:db8::1]:22".parse().expect("v6");
    assert_eq!(v6.host, "2001:db8::1");
    assert_eq!(v6.to_string(), "root@[2001:db8::1]:22");
    for bad in [
        "",
        "@h",
        "h:0",
        "h:x",
        "-oProxyCommand=x",
        "a b",
        "2001:db8::1",
    ] {
        assert!(bad.parse::<SshTarget>().is_err(), "{bad:?} accepted");
    }
}

#[test]
fn docker_endpoints_parse_and_print() {
    for raw in [
        "ssh",
        "none",
        "unix:///var/run/docker.sock",
        "tcp://10.0.0.1:2376",
    ] {
        let e: DockerEndpoint = raw.parse().expect(raw);
        assert_eq!(e.to_string(), raw);
    }
    for bad in [
        "unix://relative.sock",
        "tcp://host",
        "tcp://:1",
        "tcp://h:99999",
        "http://x",
    ] {
        assert!(bad.parse::<DockerEndpoint>().is_err(), "{bad:?} accepted");
    }
}

#[test]
fn huge_timeouts_are_refused_not_overflowed() {
    for (text, key) in [
        (
            "[ssh]\nconnect_timeout_secs = 18446744073709551615\n",
            "ssh.connect_timeout_secs",
        ),
        ("[ssh]\nkeepalive_secs = 99999999\n", "ssh.keepalive_secs"),
    ] {
        let err = load_str(text, Path::new("c.toml")).expect_err(key);
        assert!(err.to_string().contains(key), "{err}");
    }
}

#[test]
fn a_vlan_is_on_exactly_one_node_or_swarm_with_its_ports() {
    let head = "[[node]]\nname = \"m\"\n[[swarm]]\nname = \"lab\"\nmanagers = [\"m\"]\n[[vlan]]\nid = 300\nsubnet = \"10.30.0.0/24\"\ngateway = \"10.30.0.1\"\n";
    let ok = load_str(
        &format!("{head}swarm = \"lab\"\nports = \"20000-20099\"\npublish = \"ingress\"\n[containers]\nreplicas = 3\n"),
        Path::new("c.toml"),
    )
    .expect("a swarm VLAN");
    let vlan = &ok.vlans[0];
    assert_eq!(vlan.swarm.as_deref(), Some("lab"));
    assert_eq!(vlan.node, None);
    assert_eq!(vlan.ports.map(|p| (p.first, p.last)), Some((20000, 20099)));
    assert_eq!(vlan.publish, crate::config::Publish::Ingress);
    assert_eq!(ok.containers.replicas, 3);
    let default = load_str(
        &format!("{head}swarm = \"lab\"\nports = \"1-2\"\n"),
        Path::new("c.toml"),
    )
    .expect("defaults");
    assert_eq!(default.vlans[0].publish, crate::config::Publish::Host);
    assert_eq!(default.containers.replicas, 2);
    for (tail, key, says) in [
        (
            "node = \"m\"\nswarm = \"lab\"\nports = \"1-2\"\n",
            "vlan[0].swarm",
            "not both",
        ),
        ("", "vlan[0].node", "give node"),
        (
            "swarm = \"ghost\"\nports = \"1-2\"\n",
            "vlan[0].swarm",
            "names no swarm",
        ),
        ("swarm = \"lab\"\n", "vlan[0].ports", "a swarm VLAN needs"),
        (
            "node = \"m\"\nports = \"1-2\"\n",
            "vlan[0].ports",
            "only a swarm VLAN",
        ),
        (
            "swarm = \"lab\"\nports = \"30-20\"\n",
            "ports",
            "above the last",
        ),
        (
            "swarm = \"lab\"\nports = \"1-2\"\n[containers]\nreplicas = 0\n",
            "containers.replicas",
            "between 1 and 100",
        ),
    ] {
        let err = load_str(&format!("{head}{tail}"), Path::new("c.toml")).expect_err(key);
        let text = err.to_string();
        assert!(text.contains(key) && text.contains(says), "{key}: {text}");
    }
}
