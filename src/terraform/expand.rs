//! Nodes from the `[[terraform]]` states joined to the configured ones (README "Nodes
//! from Terraform"). A `[[node]]` with the same address is the same node: the config
//! wins and the node's origin says both. A state that cannot be read is a note, and the
//! rest of the fleet still shows.

use std::collections::{BTreeMap, BTreeSet};

use super::source::{self, SourceError};
use super::{Candidate, Filter, Instance, Kind, candidates};
use crate::config::{Config, NodeConfig, NodeOrigin, SshTarget, TerraformConfig};

/// Read every state and add its nodes to `config`; returns one line per problem.
pub fn expand(config: &mut Config) -> Vec<String> {
    expand_with(config, read)
}

/// [`expand`] with the states read by `read` (the master re-reads only the states that
/// changed and keeps the last good reading of the others, see `master::follow`).
pub fn expand_with<E: std::fmt::Display>(
    config: &mut Config,
    mut read: impl FnMut(&TerraformConfig) -> Result<Vec<Instance>, E>,
) -> Vec<String> {
    let states = config.terraform.clone();
    let mut notes = Vec::new();
    let hosts = resolved_hosts(config);
    for tf in &states {
        match read(tf) {
            Ok(instances) => notes.extend(merge_resolved(config, tf, &instances, &hosts)),
            Err(e) => {
                config.terraform_unread.push(tf.name.clone());
                notes.push(format!(
                    "terraform {:?}: {e}; its nodes are not shown",
                    tf.name
                ));
            }
        }
    }
    notes
}

/// The config as its file says, before any state was read: the nodes only a state
/// declares go, and so does what the states said about the others. A master is named
/// after this (`master::place::fingerprint`), so that a state gaining a server does not
/// hide the running master from `tree`; the master re-reads the states itself.
pub fn unexpand(config: &Config) -> Config {
    let mut plain = config.clone();
    plain
        .nodes
        .retain(|n| config.origins.get(&n.name).is_none_or(|o| o.configured));
    plain.origins.clear();
    plain.terraform_unread.clear();
    plain
}

/// One state, read as its table says (the file, or `terraform show -json` in `dir`).
pub fn read(tf: &TerraformConfig) -> Result<Vec<Instance>, SourceError> {
    match (&tf.state, &tf.dir) {
        (Some(state), _) => source::from_file(state),
        (None, Some(dir)) => source::from_dir(dir),
        // The config check requires one of them.
        (None, None) => Ok(Vec::new()),
    }
}

/// The HostName each `[[node]]`'s `ssh` leads to through the ssh_config, as `ssh -G`
/// resolves it (the one resolver, `sshcfg`): a node reached by an alias is at that
/// address. A config that cannot be resolved leaves the hosts as written.
fn resolved_hosts(config: &Config) -> BTreeMap<String, String> {
    use crate::sshcfg::{Destination, Local, RealFiles, Resolver, Sources};
    if config.terraform.is_empty() {
        return BTreeMap::new();
    }
    let local = Local::from_process();
    let sources = match &config.ssh.config {
        Some(path) => Sources::Only(path.clone()),
        None => local.default_sources(),
    };
    let resolver = match Resolver::load(&RealFiles, &sources, local) {
        Ok(resolver) => resolver,
        Err(e) => {
            tracing::info!(error = %e, "terraform: ssh_config not read; node hosts as written");
            return BTreeMap::new();
        }
    };
    config
        .nodes
        .iter()
        .filter_map(|n| {
            let target: SshTarget = n.ssh.as_deref()?.parse().ok()?;
            let dest = Destination {
                host: target.host,
                user: target.user,
                port: target.port,
                jump: None,
            };
            let resolved = resolver.resolve(&dest).ok()?;
            Some((n.name.clone(), resolved.hostname))
        })
        .collect()
}

/// Pure: the state's nodes into `config`, notes for resources that yield none.
pub fn merge(config: &mut Config, tf: &TerraformConfig, instances: &[Instance]) -> Vec<String> {
    merge_resolved(config, tf, instances, &BTreeMap::new())
}

/// [`merge`], with `hosts` the HostName each configured node's `ssh` resolves to: a
/// `[[node]]` reached through an alias is the same node as the server at that address.
pub fn merge_resolved(
    config: &mut Config,
    tf: &TerraformConfig,
    instances: &[Instance],
    hosts: &BTreeMap<String, String>,
) -> Vec<String> {
    let maps: Vec<Kind> = tf
        .maps
        .iter()
        .map(|m| Kind {
            rtype: m.rtype.clone(),
            address_paths: vec![m.address_attr.clone()],
            name_path: m.name_attr.clone(),
        })
        .collect();
    let filter = Filter {
        include: &tf.include,
        exclude: &tf.exclude,
    };
    let mut taken: BTreeSet<String> = config.nodes.iter().map(|n| n.name.clone()).collect();
    let reading = candidates(instances, &maps, &filter, &mut taken);
    let state = format!("terraform:{}", tf.name);
    for found in reading.candidates {
        let origin = |configured| NodeOrigin {
            state: state.clone(),
            resource: found.resource.clone(),
            address: found.host.clone(),
            tainted: found.tainted,
            configured,
        };
        // Same address, or else a `[[node]]` of the same name (its address then drifted:
        // `check` reports terraform_address_changed).
        let same = configured_at(config, &found.host, hosts).or_else(|| {
            config
                .nodes
                .iter()
                .find(|n| n.name == found.wanted && !config.origins.contains_key(&n.name))
                .map(|n| n.name.clone())
        });
        match same {
            Some(name) => {
                // First state wins for a node declared twice.
                config.origins.entry(name).or_insert_with(|| origin(true));
            }
            None => {
                config.origins.insert(found.name.clone(), origin(false));
                config.nodes.push(node_for(tf, &found));
            }
        }
    }
    reading
        .skipped
        .into_iter()
        .map(|s| format!("terraform {:?}: {} skipped: {}", tf.name, s.resource, s.why))
        .collect()
}

/// The node already reached at `host` (its `ssh` host, what that resolves to, or its
/// `public_ip`): a `[[node]]`, or one an earlier state added (then the first state keeps
/// it).
fn configured_at(config: &Config, host: &str, hosts: &BTreeMap<String, String>) -> Option<String> {
    config
        .nodes
        .iter()
        .find(|n| {
            let ssh_host = n
                .ssh
                .as_deref()
                .and_then(|s| s.parse::<SshTarget>().ok())
                .map(|t| t.host);
            ssh_host.as_deref() == Some(host)
                || hosts.get(&n.name).map(String::as_str) == Some(host)
                || n.public_ip.is_some_and(|ip| ip.to_string() == host)
        })
        .map(|n| n.name.clone())
}

fn node_for(tf: &TerraformConfig, found: &Candidate) -> NodeConfig {
    let host = if found.host.contains(':') {
        format!("[{}]", found.host)
    } else {
        found.host.clone()
    };
    let ssh = match &tf.ssh_user {
        Some(user) => format!("{user}@{host}"),
        None => host,
    };
    NodeConfig {
        name: found.name.clone(),
        ssh: Some(ssh),
        jump: tf.jump.clone(),
        hypervisor: tf.hypervisor,
        libvirt_uri: None,
        docker: tf.docker.clone(),
        docker_socket: None,
        tls: None,
        parent: None,
        public_ip: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `front` is reached through the alias `web`, whose HostName is the droplet's
    /// address: one node, the configured one, marked with the resource.
    #[test]
    fn a_node_reached_by_an_alias_is_the_server_at_its_host_name() {
        let text = "[[node]]\nname = \"front\"\nssh = \"root@web\"\n\
                    [[terraform]]\nname = \"infra\"\nstate = \"x\"\n";
        let plain = crate::config::load_str(text, std::path::Path::new("t.toml")).expect("config");
        let tf = plain.terraform[0].clone();
        let state = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/terraform/digitalocean.tfstate"
        ))
        .expect("fixture");
        let instances = crate::terraform::parse(&state).expect("parses");

        let mut unresolved = plain.clone();
        merge(&mut unresolved, &tf, &instances);
        assert!(
            unresolved.nodes.iter().any(|n| n.name == "web-ams3"),
            "a second node"
        );

        let hosts = BTreeMap::from([("front".to_string(), "188.166.0.1".to_string())]);
        let mut resolved = plain.clone();
        merge_resolved(&mut resolved, &tf, &instances, &hosts);
        assert!(!resolved.nodes.iter().any(|n| n.name == "web-ams3"));
        let origin = resolved.origins.get("front").expect("front is declared");
        assert!(origin.configured);
        assert_eq!(origin.address, "188.166.0.1");
        assert_eq!(resolved.nodes.len(), unresolved.nodes.len() - 1);
    }
}
