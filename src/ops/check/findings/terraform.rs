//! Drift between the Terraform states and the config (README "Nodes from Terraform"):
//! `terraform_unreachable` and `terraform_undeclared` (opt-in with `[check]
//! terraform_undeclared = true`).

use super::{CheckInput, Collector, Finding, Kind, Severity, Target};
use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::config::{Config, SshTarget};

/// A node a state declares that does not answer. One that hosts sites or a VLAN is read
/// for its containers and reported `node_unreachable` instead (one finding per node).
pub(super) fn unreachable(input: &CheckInput<'_>, out: &mut Collector) {
    for (node, result) in &input.reached {
        let (Err(why), Some(origin)) = (result, input.config.origins.get(node)) else {
            continue;
        };
        let message = format!(
            "{node} is declared in {} as {} ({}) but does not answer: {why}",
            origin.state, origin.resource, origin.address
        );
        out.push(
            Finding::new(Kind::TerraformUnreachable, Severity::Error, message)
                .node(node.as_str())
                .expected("reachable".to_string())
                .actual(why.clone())
                .target(Target {
                    node: Some(node.clone()),
                    ..Target::default()
                }),
        );
    }
}

/// A `[[node]]` that a state declares under its name at another address. The node's
/// address is where its `ssh` leads: `hosts` holds the HostName the ssh_config resolves
/// an alias to (README "How fleetdeck reads your ssh_config"); without it, the host as
/// written. Compared only when that is an IP address: a DNS name is not looked up.
pub(super) fn address_changed(
    config: &Config,
    hosts: &BTreeMap<String, String>,
    out: &mut Collector,
) {
    for node in &config.nodes {
        let Some(origin) = config.origins.get(&node.name).filter(|o| o.configured) else {
            continue;
        };
        let written = node
            .ssh
            .as_deref()
            .and_then(|s| s.parse::<SshTarget>().ok())
            .map(|t| t.host);
        let Some(host) = hosts
            .get(&node.name)
            .cloned()
            .or(written)
            .filter(|h| h.parse::<IpAddr>().is_ok())
        else {
            continue;
        };
        let public = node.public_ip.map(|ip| ip.to_string());
        if host == origin.address || public.as_deref() == Some(origin.address.as_str()) {
            continue;
        }
        let message = format!(
            "{} answers on {host} but {} declares {} at {}",
            node.name, origin.state, origin.resource, origin.address
        );
        out.push(
            Finding::new(Kind::TerraformAddressChanged, Severity::Warning, message)
                .node(node.name.as_str())
                .expected(origin.address.clone())
                .actual(host)
                .target(Target {
                    node: Some(node.name.clone()),
                    ..Target::default()
                }),
        );
    }
}

/// A `[[node]]` reached over SSH that no state declares. Local nodes are this machine,
/// not a server of the infrastructure code, and are left out.
pub(super) fn undeclared(config: &Config, out: &mut Collector) {
    if !config.check.terraform_undeclared {
        return;
    }
    if config.terraform.is_empty() {
        out.skipped
            .push("terraform_undeclared not checked: no [[terraform]] state in the config".into());
        return;
    }
    if !config.terraform_unread.is_empty() {
        out.skipped.push(format!(
            "terraform_undeclared not checked: state {} could not be read",
            config.terraform_unread.join(", ")
        ));
        return;
    }
    let states: Vec<&str> = config.terraform.iter().map(|t| t.name.as_str()).collect();
    for node in config.nodes.iter().filter(|n| !n.is_local()) {
        if config.origins.contains_key(&node.name) {
            continue;
        }
        let message = format!(
            "{} is configured but no Terraform state ({}) declares its address",
            node.name,
            states.join(", ")
        );
        out.push(
            Finding::new(Kind::TerraformUndeclared, Severity::Warning, message)
                .node(node.name.as_str())
                .expected("a resource in a Terraform state".to_string())
                .actual(node.ssh.clone())
                .target(Target {
                    node: Some(node.name.clone()),
                    ..Target::default()
                }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        let text = format!(
            "[[node]]\nname = \"local\"\n[[node]]\nname = \"old\"\nssh = \"root@10.9.0.7\"\n\
             [[node]]\nname = \"web\"\nssh = \"root@188.166.0.1\"\n{extra}"
        );
        crate::config::load_str(&text, std::path::Path::new("t.toml")).expect("config")
    }

    const TF: &str = "[[terraform]]\nname = \"infra\"\nstate = \"x\"\n";

    fn run(config: &Config) -> Collector {
        let mut out = Collector::default();
        undeclared(config, &mut out);
        out
    }

    #[test]
    fn only_when_asked_and_only_nodes_no_state_declares() {
        let mut on = config(&format!("{TF}[check]\nterraform_undeclared = true\n"));
        let tf = on.terraform[0].clone();
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/terraform/digitalocean.tfstate"
        ))
        .expect("fixture");
        let instances = crate::terraform::parse(&text).expect("parses");
        crate::terraform::expand::merge(&mut on, &tf, &instances);
        let out = run(&on);
        let nodes: Vec<_> = out.findings.iter().map(|f| f.node.as_deref()).collect();
        assert_eq!(nodes, [Some("old")]);
        assert_eq!(out.findings[0].kind.as_str(), "terraform_undeclared");

        assert!(run(&config(TF)).findings.is_empty(), "opt-in");
        let mut unread = on.clone();
        unread.terraform_unread.push("infra".into());
        let out = run(&unread);
        assert!(out.findings.is_empty());
        assert!(
            out.skipped[0].contains("could not be read"),
            "{:?}",
            out.skipped
        );
    }

    #[test]
    fn a_declared_node_that_does_not_answer_is_one_finding() {
        let mut config = config(TF);
        let tf = config.terraform[0].clone();
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/terraform/hcloud.tfstate"
        ))
        .expect("fixture");
        let instances = crate::terraform::parse(&text).expect("parses");
        crate::terraform::expand::merge(&mut config, &tf, &instances);
        let input = CheckInput {
            config: &config,
            sites: &[],
            nodes: Default::default(),
            dns: crate::ops::check::DnsCheck::Skipped(String::new()),
            proxy: crate::ops::check::ProxyCheck::Skipped(String::new()),
            reached: [
                ("node-fsn-0".to_string(), Ok(())),
                (
                    "node-fsn-1".to_string(),
                    Err("connection refused".to_string()),
                ),
                // Not declared: never a terraform finding.
                ("old".to_string(), Err("connection refused".to_string())),
            ]
            .into(),
            hosts: Default::default(),
            swarm_sites: Vec::new(),
            upstreams: None,
            swarms: Default::default(),
        };
        let mut out = Collector::default();
        unreachable(&input, &mut out);
        assert_eq!(out.findings.len(), 1);
        let f = &out.findings[0];
        assert_eq!(
            (f.kind.as_str(), f.node.as_deref()),
            ("terraform_unreachable", Some("node-fsn-1"))
        );
        assert!(
            f.message.contains("hcloud_server.node[1] (10.0.1.11)"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_configured_node_the_state_names_elsewhere_has_changed_address() {
        // The droplet `web-ams3` is at 188.166.0.1 in the state.
        let text = "[[node]]\nname = \"web-ams3\"\nssh = \"root@188.166.0.9\"\n\
                    [[terraform]]\nname = \"infra\"\nstate = \"x\"\n";
        let mut config =
            crate::config::load_str(text, std::path::Path::new("t.toml")).expect("config");
        let tf = config.terraform[0].clone();
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/terraform/digitalocean.tfstate"
        ))
        .expect("fixture");
        let instances = crate::terraform::parse(&text).expect("parses");
        crate::terraform::expand::merge(&mut config, &tf, &instances);
        // No second node: the configured one is the server.
        assert_eq!(config.nodes.len(), 1);
        let mut out = Collector::default();
        address_changed(&config, &BTreeMap::new(), &mut out);
        let f = &out.findings[0];
        assert_eq!(f.kind.as_str(), "terraform_address_changed");
        assert_eq!(
            (f.expected.as_deref(), f.actual.as_deref()),
            (Some("188.166.0.1"), Some("188.166.0.9"))
        );
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
    }

    /// `web-ams3` reached through the ssh_config alias `web`: its address is the alias's
    /// HostName, as the one resolver (sshcfg) gives it.
    #[test]
    fn an_alias_is_compared_by_the_host_name_it_resolves_to() {
        let text = "[[node]]\nname = \"web-ams3\"\nssh = \"root@web\"\n\
                    [[terraform]]\nname = \"infra\"\nstate = \"x\"\n";
        let mut config =
            crate::config::load_str(text, std::path::Path::new("t.toml")).expect("config");
        let tf = config.terraform[0].clone();
        let state = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/terraform/digitalocean.tfstate"
        ))
        .expect("fixture");
        let instances = crate::terraform::parse(&state).expect("parses");
        crate::terraform::expand::merge(&mut config, &tf, &instances);
        assert_eq!(config.nodes.len(), 1, "the same server, by its name");
        let findings = |ssh_config: &str| {
            let client = crate::transport::ssh::target::ClientConfig::from_text(ssh_config)
                .expect("ssh config");
            let resolved = client.resolve("root@web").expect("resolves");
            let hosts = BTreeMap::from([("web-ams3".to_string(), resolved.hostname)]);
            let mut out = Collector::default();
            address_changed(&config, &hosts, &mut out);
            out.findings
        };
        // The alias leads to the declared address: nothing to say.
        assert!(findings("Host web\n  HostName 188.166.0.1\n").is_empty());
        // It leads elsewhere: the resolved address is the one reported, not the alias.
        let moved = findings("Host web\n  HostName 188.166.0.9\n");
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert_eq!(
            (moved[0].expected.as_deref(), moved[0].actual.as_deref()),
            (Some("188.166.0.1"), Some("188.166.0.9"))
        );
        assert!(
            moved[0].message.contains("answers on 188.166.0.9"),
            "{}",
            moved[0].message
        );
        // A HostName that is a DNS name is not looked up: no finding either way.
        assert!(findings("Host web\n  HostName web.example.org\n").is_empty());
    }
}
