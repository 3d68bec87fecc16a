//! `fleetdeck config check`: validate, then show how each node will be reached.

use super::out;
use super::{Context, Failure, GlobalArgs};
use crate::config::{Config, DockerEndpoint, NodeConfig, Source};

pub fn check(global: &GlobalArgs) -> Result<(), Failure> {
    let ctx = Context::load(global)?;
    match &ctx.loaded.source {
        Source::File(path) => outln!("config {}: ok", path.display()),
        Source::Builtin { looked_at } => outln!(
            "no config file{}: using the built-in default (this machine as node `local`)",
            looked_at
                .as_ref()
                .map(|p| format!(" at {}", p.display()))
                .unwrap_or_default()
        ),
    }
    let config = &ctx.loaded.config;
    outln!(
        "mode: {}   refresh: {}s   inventory: {}",
        if ctx.read_only {
            "read-only"
        } else {
            "read-write"
        },
        config.refresh_secs,
        ctx.inventory_path()?.display()
    );
    if let Some(line) = ctx.policy.describe() {
        outln!("policy: {line}");
    }
    out::text(&describe_nodes(config));
    for vlan in &config.vlans {
        outln!(
            "vlan {:<5} node {:<12} subnet {:<18} gateway {:<15} network {} bridge {}",
            vlan.id,
            vlan.node,
            vlan.subnet.to_string(),
            vlan.gateway.to_string(),
            vlan.network_name(),
            vlan.bridge_name()
        );
    }
    if let Some(proxy) = &config.proxy {
        outln!("proxy on {} writes {}", proxy.node, proxy.path.display());
    }
    Ok(())
}

/// One line per node: how it is reached, where its Docker engine is, what it hosts.
pub fn describe_nodes(config: &Config) -> String {
    let mut out = String::new();
    for node in &config.nodes {
        out.push_str(&format!(
            "node {:<12} {:<40} docker {:<36} hypervisor {}{}\n",
            node.name,
            reach(config, node),
            docker(node),
            node.hypervisor.as_str(),
            node.parent
                .as_ref()
                .map(|p| format!("  parent {p}"))
                .unwrap_or_default(),
        ));
    }
    out
}

fn reach(config: &Config, node: &NodeConfig) -> String {
    let Some(ssh) = &node.ssh else {
        return "local".into();
    };
    let mut chain = Vec::new();
    let mut hop = node.jump.as_deref();
    while let Some(name) = hop {
        chain.push(name.to_string());
        hop = config.node(name).and_then(|n| n.jump.as_deref());
    }
    if chain.is_empty() {
        format!("ssh {ssh}")
    } else {
        format!("ssh {ssh} via {}", chain.join(" -> "))
    }
}

fn docker(node: &NodeConfig) -> String {
    match node.docker_endpoint() {
        DockerEndpoint::Ssh => format!("ssh:{}", node.docker_socket().display()),
        DockerEndpoint::Tcp { .. } if node.tls.is_some() => {
            format!("{} (tls)", node.docker_endpoint())
        }
        other => other.to_string(),
    }
}
