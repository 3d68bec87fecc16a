//! `fleetdeck config check [--json]`: validate, then show how each node will be reached:
//! its route resolved through the ssh config as `ssh -G` resolves it (README.md, "How
//! fleetdeck reads your ssh_config").

use serde_json::{Value, json};

use super::out;
use super::{Code, Context, Failure, GlobalArgs};
use crate::config::{Config, DockerEndpoint, NodeConfig, Source};
use crate::transport::ssh::known_hosts::{self, Authority, KnownHosts};
use crate::transport::ssh::target::{ClientConfig, Hop, Route, route_for};

/// The `@cert-authority` lines of a hop's known_hosts files that cover it (unreadable
/// files are skipped here; connecting names them).
fn cert_authorities(hop: &Hop) -> Vec<Authority> {
    let files: Vec<KnownHosts> = hop
        .known_hosts
        .iter()
        .filter_map(|p| KnownHosts::load(p).ok())
        .collect();
    known_hosts::authorities(&files, &hop.host_key_name)
}

pub fn check(global: &GlobalArgs, as_json: bool) -> Result<(), Failure> {
    let ctx = Context::load(global)?;
    let config = &ctx.loaded.config;
    let routes = routes(config)?;
    if as_json {
        let nodes: Vec<Value> = config
            .nodes
            .iter()
            .zip(&routes)
            .map(|(node, route)| {
                json!({
                    "name": node.name,
                    "route": route.as_ref().map(route_json),
                    "docker": docker(node),
                    "hypervisor": node.hypervisor.as_str(),
                })
            })
            .collect();
        let doc =
            json!({ "schema_version": crate::contract::schema::CONFIG_CHECK, "nodes": nodes });
        out::json(&doc.to_string());
        return Ok(());
    }
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
    out::text(&describe_nodes(config, &routes));
    for vlan in &config.vlans {
        if let Some(swarm) = &vlan.swarm {
            outln!(
                "vlan {:<5} swarm {:<11} subnet {:<18} gateway {:<15} network {} (overlay) ports {} publish {}",
                vlan.id,
                swarm,
                vlan.subnet.to_string(),
                vlan.gateway.to_string(),
                vlan.network_name(),
                vlan.ports.map(|p| p.to_string()).unwrap_or_default(),
                vlan.publish.as_str()
            );
            continue;
        }
        outln!(
            "vlan {:<5} node {:<12} subnet {:<18} gateway {:<15} network {} bridge {}",
            vlan.id,
            vlan.node.as_deref().unwrap_or_default(),
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

/// Every node's route (`None` for a local node). A node the ssh config cannot resolve
/// (a syntax error, `Match exec`) is a configuration error, named with its file:line.
fn routes(config: &Config) -> Result<Vec<Option<Route>>, Failure> {
    if config.nodes.iter().all(NodeConfig::is_local) {
        return Ok(vec![None; config.nodes.len()]);
    }
    let client = ClientConfig::load(config.ssh.config.as_deref())
        .map_err(|e| Failure::new(Code::Usage, e.to_string()))?;
    config
        .nodes
        .iter()
        .map(|node| match node.ssh {
            None => Ok(None),
            Some(_) => route_for(config, node, &client)
                .map(Some)
                .map_err(|e| Failure::new(Code::Usage, e.to_string())),
        })
        .collect()
}

fn route_json(route: &Route) -> Value {
    let hop = |h: &Hop| json!({ "user": h.user, "hostname": h.host, "port": h.port });
    let t = &route.target;
    json!({
        "user": t.user,
        "hostname": t.host,
        "port": t.port,
        "jumps": route.jumps.iter().map(hop).collect::<Vec<_>>(),
        "identity_files": t.identities,
        "certificate_files": t.certificates,
        "known_hosts_files": t.known_hosts,
        "host_key_alias": t.host_key_alias,
        "proxy_command": route.proxy_command,
        "cert_authorities": cert_authorities(t)
            .iter()
            .map(|a| json!({ "file": a.file, "line": a.line, "fingerprint": a.fingerprint }))
            .collect::<Vec<_>>(),
    })
}

/// One line per node: how it is configured, the route it resolves to, where its Docker
/// engine is, what it hosts.
pub fn describe_nodes(config: &Config, routes: &[Option<Route>]) -> String {
    let mut out = String::new();
    for (node, route) in config.nodes.iter().zip(routes) {
        let resolved = route
            .as_ref()
            .map(|r| {
                let cas: Vec<String> = cert_authorities(&r.target)
                    .iter()
                    .map(|a| format!("{}:{}", a.file.display(), a.line))
                    .collect();
                let cas = if cas.is_empty() {
                    String::new()
                } else {
                    format!("  ca {}", cas.join(", "))
                };
                format!("  route {}{cas}", r.describe())
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "node {:<12} {:<40}{resolved}  docker {:<36} hypervisor {}{}\n",
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
