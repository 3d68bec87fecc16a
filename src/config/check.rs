//! Semantic checks that serde cannot express: references between tables, subnets and
//! gateways, duplicates and cycles. Each problem carries the key path it is about, so the
//! loader can point at the line.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::{Config, DockerEndpoint, NodeConfig, SshTarget};
use crate::validate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Vec<Seg>,
    pub message: String,
}

fn at(table: &str, index: usize, key: &str) -> Vec<Seg> {
    vec![
        Seg::Key(table.into()),
        Seg::Index(index),
        Seg::Key(key.into()),
    ]
}

fn key(table: &str, key: &str) -> Vec<Seg> {
    vec![Seg::Key(table.into()), Seg::Key(key.into())]
}

type Check = fn(&Config) -> Result<(), Problem>;

pub fn first_problem(config: &Config) -> Option<Problem> {
    let checks: [Check; 8] = [
        check_top,
        check_nodes,
        check_vlans,
        check_proxy,
        check_dns,
        check_tunnels,
        check_terraform,
        check_swarms,
    ];
    checks.iter().find_map(|check| check(config).err())
}

fn problem(at: Vec<Seg>, message: impl Into<String>) -> Problem {
    Problem {
        at,
        message: message.into(),
    }
}

fn check_top(config: &Config) -> Result<(), Problem> {
    if config.refresh_secs == 0 || config.refresh_secs > 3600 {
        return Err(problem(
            vec![Seg::Key("refresh_secs".into())],
            "must be between 1 and 3600 seconds",
        ));
    }
    // Bounded above too: timeouts are multiplied and added to deadlines, and a huge
    // value would overflow them.
    if !(1..=600).contains(&config.ssh.connect_timeout_secs) {
        return Err(problem(
            key("ssh", "connect_timeout_secs"),
            "must be between 1 and 600 seconds",
        ));
    }
    if !(1..=3600).contains(&config.ssh.keepalive_secs) {
        return Err(problem(
            key("ssh", "keepalive_secs"),
            "must be between 1 and 3600 seconds",
        ));
    }
    if !(1..=4096).contains(&config.ssh.max_connecting) {
        return Err(problem(
            key("ssh", "max_connecting"),
            "must be between 1 and 4096",
        ));
    }
    if !(1..=100).contains(&config.ssh.max_connecting_per_jump) {
        return Err(problem(
            key("ssh", "max_connecting_per_jump"),
            "must be between 1 and 100 (keep it under the jump host's MaxStartups)",
        ));
    }
    if config.containers.port == 0 {
        return Err(problem(
            key("containers", "port"),
            "must be a port between 1 and 65535",
        ));
    }
    if !(1..=100).contains(&config.containers.replicas) {
        return Err(problem(
            key("containers", "replicas"),
            "must be between 1 and 100",
        ));
    }
    // Checked again at every create; here so that a bad default is named at start-up.
    if let Some(image) = &config.containers.image {
        validate::image(image).map_err(|e| problem(key("containers", "image"), e.reason))?;
    }
    Ok(())
}

fn check_nodes(config: &Config) -> Result<(), Problem> {
    let mut seen = HashSet::new();
    for (i, node) in config.nodes.iter().enumerate() {
        validate::node_name(&node.name).map_err(|e| problem(at("node", i, "name"), e.reason))?;
        if !seen.insert(node.name.as_str()) {
            return Err(problem(
                at("node", i, "name"),
                format!(
                    "node {:?} is defined twice; node names must be unique",
                    node.name
                ),
            ));
        }
        check_node_fields(config, i, node)?;
    }
    check_no_cycles(config, "parent", |n| n.parent.as_deref())?;
    check_no_cycles(config, "jump", |n| n.jump.as_deref())?;
    Ok(())
}

fn check_node_fields(config: &Config, i: usize, node: &NodeConfig) -> Result<(), Problem> {
    if let Some(ssh) = &node.ssh {
        ssh.parse::<SshTarget>().map_err(|e| {
            problem(
                at("node", i, "ssh"),
                format!("not a usable ssh target: {e}"),
            )
        })?;
    }
    for (field, value) in [("jump", &node.jump), ("parent", &node.parent)] {
        if let Some(name) = value {
            if config.node(name).is_none() {
                return Err(problem(
                    at("node", i, field),
                    format!("names no node: there is no [[node]] with name = {name:?}"),
                ));
            }
            if name == &node.name {
                return Err(problem(at("node", i, field), "a node cannot name itself"));
            }
        }
    }
    if node.jump.is_some() && node.ssh.is_none() {
        return Err(problem(
            at("node", i, "jump"),
            "a jump host only makes sense for a node reached over ssh; set `ssh` too",
        ));
    }
    let endpoint = node.docker_endpoint();
    if endpoint == DockerEndpoint::Ssh && node.ssh.is_none() {
        return Err(problem(
            at("node", i, "docker"),
            "docker = \"ssh\" needs the node's `ssh` target",
        ));
    }
    if node.tls.is_some() && !matches!(endpoint, DockerEndpoint::Tcp { .. }) {
        return Err(problem(
            at("node", i, "tls"),
            "tls applies only to docker = \"tcp://host:port\"",
        ));
    }
    if let Some(socket) = &node.docker_socket
        && (!socket.is_absolute() || socket.to_string_lossy().contains(char::is_control))
    {
        return Err(problem(
            at("node", i, "docker_socket"),
            "must be an absolute path without control characters",
        ));
    }
    // Passed to `virsh -c` as one quoted argument; still, a URI has a scheme and no
    // blanks, and anything else is a typo worth naming.
    if let Some(uri) = &node.libvirt_uri
        && (uri.contains(|c: char| c.is_whitespace() || c.is_control())
            || !uri.split_once(':').is_some_and(|(scheme, _)| {
                !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            }))
    {
        return Err(problem(
            at("node", i, "libvirt_uri"),
            format!("{uri:?} is not a libvirt URI like qemu:///system or qemu+ssh://host/system"),
        ));
    }
    Ok(())
}

/// `parent` and `jump` chains must end; a loop would hang tree building or connecting.
fn check_no_cycles(
    config: &Config,
    field: &str,
    next: impl Fn(&NodeConfig) -> Option<&str>,
) -> Result<(), Problem> {
    let by_name: HashMap<&str, &NodeConfig> =
        config.nodes.iter().map(|n| (n.name.as_str(), n)).collect();
    for (i, node) in config.nodes.iter().enumerate() {
        let mut seen = HashSet::from([node.name.as_str()]);
        let mut current = node;
        while let Some(up) = next(current) {
            if !seen.insert(up) {
                return Err(problem(
                    at("node", i, field),
                    format!("`{field}` chain from {:?} loops back to {up:?}", node.name),
                ));
            }
            match by_name.get(up) {
                Some(n) => current = n,
                None => break,
            }
        }
    }
    Ok(())
}

fn check_vlans(config: &Config) -> Result<(), Problem> {
    let mut ids = HashSet::new();
    for (i, vlan) in config.vlans.iter().enumerate() {
        validate::vlan_id(i64::from(vlan.id))
            .map_err(|e| problem(at("vlan", i, "id"), e.reason))?;
        if !ids.insert(vlan.id) {
            return Err(problem(
                at("vlan", i, "id"),
                format!("VLAN {} is defined twice", vlan.id),
            ));
        }
        super::vlan_check::placement(config, vlan)
            .map_err(|(field, message)| problem(at("vlan", i, field), message))?;
        let subnet = vlan.subnet;
        if subnet.network() != subnet.addr() {
            return Err(problem(
                at("vlan", i, "subnet"),
                format!(
                    "{subnet} has host bits set; did you mean {}/{}?",
                    subnet.network(),
                    subnet.prefix_len()
                ),
            ));
        }
        if subnet.prefix_len() > 30 {
            return Err(problem(
                at("vlan", i, "subnet"),
                format!("{subnet} is too small for a container network; use /30 or larger"),
            ));
        }
        validate::ip_in_subnet(&vlan.gateway.to_string(), subnet).map_err(|e| {
            problem(
                at("vlan", i, "gateway"),
                format!("gateway {} {}", vlan.gateway, e.reason),
            )
        })?;
        for (r, entry) in vlan.reserved.iter().enumerate() {
            parse_reserved(entry, subnet).map_err(|message| {
                problem(
                    vec![
                        Seg::Key("vlan".into()),
                        Seg::Index(i),
                        Seg::Key("reserved".into()),
                        Seg::Index(r),
                    ],
                    message,
                )
            })?;
        }
        for (field, value) in [("bridge", &vlan.bridge), ("network", &vlan.network)] {
            if let Some(name) = value {
                check_iface_like(field, name).map_err(|m| problem(at("vlan", i, field), m))?;
            }
        }
    }
    Ok(())
}

fn check_iface_like(field: &str, name: &str) -> Result<(), String> {
    if field == "bridge" && name.len() > 15 {
        return Err(format!(
            "bridge name {name:?} is longer than Linux's 15 characters"
        ));
    }
    validate::container_name(name)
        .map(|_| ())
        .map_err(|e| format!("{field} {name:?}: {}", e.reason))
}

/// A `reserved` entry: one address, `first-last`, or a CIDR block, inside the subnet.
pub fn parse_reserved(entry: &str, subnet: Ipv4Net) -> Result<(Ipv4Addr, Ipv4Addr), String> {
    let range = if let Some((a, b)) = entry.split_once('-') {
        let first: Ipv4Addr = a
            .trim()
            .parse()
            .map_err(|_| format!("{a:?} is not an IPv4 address"))?;
        let last: Ipv4Addr = b
            .trim()
            .parse()
            .map_err(|_| format!("{b:?} is not an IPv4 address"))?;
        if first > last {
            return Err(format!("range {entry:?} ends before it starts"));
        }
        (first, last)
    } else if entry.contains('/') {
        let net: Ipv4Net = entry
            .parse()
            .map_err(|_| format!("{entry:?} is not a CIDR block"))?;
        (net.network(), net.broadcast())
    } else {
        let ip: Ipv4Addr = entry
            .trim()
            .parse()
            .map_err(|_| format!("{entry:?} is not an IPv4 address, range or CIDR block"))?;
        (ip, ip)
    };
    if !subnet.contains(&range.0) || !subnet.contains(&range.1) {
        return Err(format!("reserved {entry:?} is outside the subnet {subnet}"));
    }
    Ok(range)
}

fn check_proxy(config: &Config) -> Result<(), Problem> {
    let Some(proxy) = &config.proxy else {
        return Ok(());
    };
    if config.node(&proxy.node).is_none() {
        return Err(problem(
            key("proxy", "node"),
            format!(
                "names no node: there is no [[node]] with name = {:?}",
                proxy.node
            ),
        ));
    }
    if !proxy.path.is_absolute() {
        return Err(problem(key("proxy", "path"), "must be an absolute path"));
    }
    if !listen_is_valid(&proxy.listen) {
        return Err(problem(
            key("proxy", "listen"),
            "must be a port or address:port, like \"80\" or \"203.0.113.20:80\"",
        ));
    }
    for field in ["test_cmd", "reload_cmd"] {
        let cmd = if field == "test_cmd" {
            &proxy.test_cmd
        } else {
            &proxy.reload_cmd
        };
        if cmd.first().is_none_or(|c| c.trim().is_empty()) {
            return Err(problem(
                key("proxy", field),
                "must be a non-empty argument list, like [\"nginx\", \"-t\"]",
            ));
        }
    }
    Ok(())
}

/// A port (1-65535) or a socket address: nothing else may reach the rendered file.
pub fn listen_is_valid(raw: &str) -> bool {
    raw.parse::<u16>().is_ok_and(|p| p != 0)
        || raw
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.port() != 0)
}

fn check_dns(config: &Config) -> Result<(), Problem> {
    let Some(dns) = &config.dns else {
        return Ok(());
    };
    if dns.servers.is_empty() {
        return Err(problem(
            key("dns", "servers"),
            "list at least one resolver, like [\"10.2.0.53\"]",
        ));
    }
    for (i, server) in dns.servers.iter().enumerate() {
        if super::parse_dns_server(server).is_none() {
            return Err(problem(
                vec![
                    Seg::Key("dns".into()),
                    Seg::Key("servers".into()),
                    Seg::Index(i),
                ],
                format!("{server:?} is not an address or address:port"),
            ));
        }
    }
    Ok(())
}

fn check_tunnels(config: &Config) -> Result<(), Problem> {
    let mut names = HashSet::new();
    for (i, tunnel) in config.tunnels.iter().enumerate() {
        if !names.insert(tunnel.name.as_str()) {
            return Err(problem(
                at("tunnel", i, "name"),
                format!("tunnel {:?} is defined twice", tunnel.name),
            ));
        }
        validate::node_name(&tunnel.name)
            .map_err(|e| problem(at("tunnel", i, "name"), e.reason))?;
        for (field, value) in [("node", Some(&tunnel.node)), ("via", tunnel.via.as_ref())] {
            if let Some(name) = value
                && config.node(name).is_none()
            {
                return Err(problem(
                    at("tunnel", i, field),
                    format!("names no node: there is no [[node]] with name = {name:?}"),
                ));
            }
        }
        parse_endpoint(&tunnel.listen, false).map_err(|m| problem(at("tunnel", i, "listen"), m))?;
        parse_endpoint(&tunnel.target, true).map_err(|m| problem(at("tunnel", i, "target"), m))?;
    }
    Ok(())
}

fn check_swarms(config: &Config) -> Result<(), Problem> {
    let mut names = HashSet::new();
    for (i, swarm) in config.swarms.iter().enumerate() {
        if !names.insert(swarm.name.as_str()) {
            return Err(problem(
                at("swarm", i, "name"),
                format!("swarm {:?} is defined twice", swarm.name),
            ));
        }
        validate::node_name(&swarm.name).map_err(|e| problem(at("swarm", i, "name"), e.reason))?;
        for name in &swarm.managers {
            if config.node(name).is_none() {
                return Err(problem(
                    at("swarm", i, "managers"),
                    format!("names no node: there is no [[node]] with name = {name:?}"),
                ));
            }
        }
    }
    Ok(())
}

fn check_terraform(config: &Config) -> Result<(), Problem> {
    let mut names = HashSet::new();
    for (i, tf) in config.terraform.iter().enumerate() {
        validate::node_name(&tf.name).map_err(|e| problem(at("terraform", i, "name"), e.reason))?;
        if !names.insert(tf.name.as_str()) {
            return Err(problem(
                at("terraform", i, "name"),
                format!("terraform {:?} is defined twice", tf.name),
            ));
        }
        if tf.dir.is_some() == tf.state.is_some() {
            return Err(problem(
                at("terraform", i, "name"),
                "give exactly one of `dir` (a working directory) or `state` (a state file)",
            ));
        }
        if let Some(jump) = &tf.jump
            && config.node(jump).is_none()
        {
            return Err(problem(
                at("terraform", i, "jump"),
                format!("names no node: there is no [[node]] with name = {jump:?}"),
            ));
        }
        if let Some(user) = &tf.ssh_user
            && (user.is_empty()
                || user.contains(['@', ':', '/'])
                || user.contains(char::is_whitespace))
        {
            return Err(problem(
                at("terraform", i, "ssh_user"),
                "must be a plain login name (no '@', ':', '/' or spaces)",
            ));
        }
        for (j, map) in tf.maps.iter().enumerate() {
            if map.rtype.is_empty() || map.address_attr.is_empty() {
                let mut path = at("terraform", i, "map");
                path.push(Seg::Index(j));
                return Err(problem(path, "`type` and `address_attr` must not be empty"));
            }
        }
    }
    Ok(())
}

/// `[host:]port` (the host is required when `need_host`).
pub fn parse_endpoint(raw: &str, need_host: bool) -> Result<(Option<String>, u16), String> {
    let (host, port) = match raw.rsplit_once(':') {
        Some((h, p)) => (
            Some(h.trim_start_matches('[').trim_end_matches(']').to_string()),
            p,
        ),
        None => (None, raw),
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("{raw:?}: {port:?} is not a port number"))?;
    if need_host && host.as_deref().is_none_or(str::is_empty) {
        return Err(format!("{raw:?}: write host:port, like localhost:8080"));
    }
    Ok((host, port))
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
