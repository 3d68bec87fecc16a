//! The I/O of `check`, all at once: one container listing per node (in parallel, each on
//! one Docker connection), one read of the deployed proxy file, and the DNS queries. Every
//! read is bounded in time, so a node that stalls is reported, never waited on.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;

use super::findings::site_node;
use super::{CheckInput, DnsCheck, NodeContainers, ProxyCheck, SwarmRead, dns, nginx};
use crate::collect::docker::containers;
use crate::config::Config;
use crate::inventory::{Site, SiteState};
use crate::transport::RemoteCommand;
use crate::transport::links::NodeLink;

use crate::contract::docker::{CALL as LIST_TIMEOUT, CONNECT_MIN as DOCKER_CONNECT_MIN};
/// Time to read the proxy file once connected.
const READ_TIMEOUT: Duration = Duration::from_secs(15);

/// The address every site's name must resolve to: `[dns] expect`, else the proxy node's
/// `public_ip`.
pub fn dns_expected(config: &Config) -> Result<IpAddr, String> {
    let dns = config
        .dns
        .as_ref()
        .ok_or("no [dns] section in the config")?;
    if let Some(ip) = dns.expect {
        return Ok(ip);
    }
    config
        .proxy
        .as_ref()
        .and_then(|p| config.node(&p.node))
        .and_then(|n| n.public_ip)
        .ok_or_else(|| "set [dns] expect, or public_ip on the [proxy] node".to_string())
}

/// Nodes whose containers matter: those hosting a VLAN or a site.
pub fn nodes_to_read(config: &Config, sites: &[Site]) -> BTreeSet<String> {
    let mut nodes: BTreeSet<String> = config.vlans.iter().filter_map(|v| v.node.clone()).collect();
    nodes.extend(
        sites
            .iter()
            .filter_map(|s| site_node(config, s).map(str::to_string)),
    );
    nodes.retain(|n| config.node(n).is_some());
    nodes
}

/// An SSH connection to the node (a local node is always there).
async fn reach(config: &Config, link: &NodeLink) -> Result<(), String> {
    if link.is_local() {
        return Ok(());
    }
    let connect = Duration::from_secs(config.ssh.connect_timeout_secs);
    // Room for a jump host's connect before the node's own.
    let limit = connect * 3;
    match tokio::time::timeout(limit, link.reach()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no SSH connection within {}s", limit.as_secs())),
    }
}

async fn node_containers(config: &Config, link: &NodeLink) -> NodeContainers {
    let connect = Duration::from_secs(config.ssh.connect_timeout_secs);
    // Reach the node first, so a node that is down reports its own error and not a Docker
    // dial that failed for the same reason.
    reach(config, link).await?;
    let budget = connect.max(DOCKER_CONNECT_MIN);
    let client = link
        .docker_client(budget)
        .await
        .map_err(|e| format!("Docker: {e}"))?;
    // Containers only: their networks and addresses come with them, and a second request
    // can cost a second `docker system dial-stdio` on nodes without stream forwarding.
    match tokio::time::timeout(LIST_TIMEOUT, containers(&client)).await {
        Ok(Ok(list)) => Ok(list),
        Ok(Err(e)) => Err(format!("Docker: {e}")),
        Err(_) => Err(format!(
            "Docker did not list its containers within {}s",
            LIST_TIMEOUT.as_secs()
        )),
    }
}

/// The deployed file's rules, and its upstream blocks when it could be read.
type ProxyRead = (ProxyCheck, Option<BTreeMap<String, Vec<String>>>);

async fn read_proxy(config: &Config, links: &BTreeMap<String, NodeLink>) -> ProxyRead {
    let check = read_proxy_file(config, links).await;
    match check {
        (ProxyCheck::Read { node, path, rules }, text) => {
            let upstreams = Some(
                text.as_deref()
                    .map(super::nginx_upstreams::parse)
                    .unwrap_or_default(),
            );
            (ProxyCheck::Read { node, path, rules }, upstreams)
        }
        (other, _) => (other, None),
    }
}

async fn read_proxy_file(
    config: &Config,
    links: &BTreeMap<String, NodeLink>,
) -> (ProxyCheck, Option<String>) {
    let Some(proxy) = &config.proxy else {
        return (
            ProxyCheck::Skipped("no [proxy] section in the config".into()),
            None,
        );
    };
    let node = proxy.node.clone();
    let path = proxy.path.display().to_string();
    let Some(link) = links.get(&node) else {
        return (
            ProxyCheck::Skipped(format!("[proxy] node {node} is not a configured node")),
            None,
        );
    };
    let connect = Duration::from_secs(config.ssh.connect_timeout_secs);
    // `cat --` is in the read-only catalog: this works in --read-only.
    let cmd = RemoteCommand::new(["cat", "--", path.as_str()]).with_timeout(READ_TIMEOUT);
    let limit = READ_TIMEOUT + connect * 3;
    let out = match tokio::time::timeout(limit, link.exec.run(&cmd)).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => {
            return (
                ProxyCheck::Unreachable {
                    node,
                    error: e.to_string(),
                },
                None,
            );
        }
        Err(_) => {
            return (
                ProxyCheck::Unreachable {
                    node,
                    error: format!("no answer within {}s", limit.as_secs()),
                },
                None,
            );
        }
    };
    if out.success() {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let rules = Some(nginx::parse(&text));
        return (ProxyCheck::Read { node, path, rules }, Some(text));
    }
    let error = out.stderr_tail();
    if error.contains("No such file or directory") {
        return (
            ProxyCheck::Read {
                node,
                path,
                rules: None,
            },
            None,
        );
    }
    (ProxyCheck::Unreadable { node, path, error }, None)
}

async fn resolve(config: &Config, sites: &[Site]) -> DnsCheck {
    let expected = match dns_expected(config) {
        Ok(ip) => ip,
        Err(why) => return DnsCheck::Skipped(why),
    };
    let servers = config
        .dns
        .as_ref()
        .map(|d| d.server_addrs())
        .unwrap_or_default();
    if servers.is_empty() {
        return DnsCheck::Skipped("[dns] servers is empty".into());
    }
    let domains: Vec<String> = sites
        .iter()
        .filter(|s| s.state == SiteState::Active)
        .map(|s| s.domain.clone())
        .collect();
    DnsCheck::Checked {
        servers: dns::describe(&servers),
        expected,
        answers: dns::resolve_all(&servers, &domains).await,
    }
}

/// Read everything a check needs, concurrently.
pub async fn gather<'a>(
    config: &'a Config,
    sites: &'a [Site],
    swarm_sites: Vec<crate::inventory::SwarmSite>,
    links: &BTreeMap<String, NodeLink>,
) -> CheckInput<'a> {
    let wanted = nodes_to_read(config, sites);
    // Nodes a state declares and nothing else reads: is each one answering at all?
    let declared: Vec<String> = config
        .origins
        .keys()
        .filter(|n| !wanted.contains(*n))
        .cloned()
        .collect();
    let reached = futures::future::join_all(declared.into_iter().map(|name| async move {
        let result = match links.get(&name) {
            Some(link) => reach(config, link).await,
            None => Err("no link to it was built".to_string()),
        };
        (name, result)
    }));
    let nodes = futures::future::join_all(wanted.into_iter().map(|name| async move {
        let result = match links.get(&name) {
            Some(link) => node_containers(config, link).await,
            None => Err("no link to it was built".to_string()),
        };
        if let Err(e) = &result {
            tracing::info!(node = %name, error = %e, "check: node unreachable");
        }
        (name, result)
    }));
    let (nodes, (proxy, upstreams), dns, reached, swarms) = tokio::join!(
        nodes,
        read_proxy(config, links),
        resolve(config, sites),
        reached,
        read_swarms(config, links)
    );
    CheckInput {
        config,
        sites,
        nodes: nodes.into_iter().collect(),
        dns,
        proxy,
        reached: reached.into_iter().collect(),
        hosts: links
            .iter()
            .filter(|(_, link)| !link.is_local())
            .map(|(name, link)| (name.clone(), link.address()))
            .collect(),
        swarms: swarms.into_iter().collect(),
        swarm_sites,
        upstreams,
    }
}

/// Each `[[swarm]]` from its first manager that answers (README "Docker Swarm"): only
/// declared swarms are checked, so a fleet without one pays nothing.
pub async fn read_swarms(
    config: &Config,
    links: &BTreeMap<String, NodeLink>,
) -> Vec<(String, SwarmRead)> {
    let reads = config.swarms.iter().map(|swarm| async move {
        let mut why = Vec::new();
        for manager in &swarm.managers {
            let Some(link) = links.get(manager) else {
                why.push(format!("{manager}: no link to it was built"));
                continue;
            };
            match swarm_state(config, link).await {
                Ok(state) => return (swarm.name.clone(), Ok((manager.clone(), state))),
                Err(e) => why.push(format!("{manager}: {e}")),
            }
        }
        if why.is_empty() {
            why.push("no managers listed".into());
        }
        (swarm.name.clone(), Err(why.join("; ")))
    });
    futures::future::join_all(reads).await
}

async fn swarm_state(
    config: &Config,
    link: &NodeLink,
) -> Result<crate::swarm::ClusterState, String> {
    reach(config, link).await?;
    let budget = Duration::from_secs(config.ssh.connect_timeout_secs).max(DOCKER_CONNECT_MIN);
    let client = link
        .docker_client(budget)
        .await
        .map_err(|e| format!("Docker: {e}"))?;
    let facts =
        match tokio::time::timeout(LIST_TIMEOUT, crate::swarm::collect::collect(&client)).await {
            Ok(Ok(facts)) => facts,
            Ok(Err(e)) => return Err(format!("Docker: {e}")),
            Err(_) => {
                return Err(format!(
                    "no swarm answer within {}s",
                    LIST_TIMEOUT.as_secs()
                ));
            }
        };
    match facts {
        None => Err("its engine is in no swarm".into()),
        Some(f) if !f.manager => Err("its engine is not a manager".into()),
        Some(f) => f
            .cluster
            .ok_or_else(|| f.cluster_error.unwrap_or_else(|| "no cluster state".into())),
    }
}
