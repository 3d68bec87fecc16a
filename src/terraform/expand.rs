//! Nodes from the `[[terraform]]` states joined to the configured ones (README "Nodes
//! from Terraform"). A `[[node]]` with the same address is the same node: the config
//! wins and the node's origin says both. A state that cannot be read is a note, and the
//! rest of the fleet still shows.

use std::collections::BTreeSet;

use super::source::{self, SourceError};
use super::{Candidate, Filter, Instance, Kind, candidates};
use crate::config::{Config, NodeConfig, NodeOrigin, SshTarget, TerraformConfig};

/// Read every state and add its nodes to `config`; returns one line per problem.
pub fn expand(config: &mut Config) -> Vec<String> {
    let states = config.terraform.clone();
    let mut notes = Vec::new();
    for tf in &states {
        match read(tf) {
            Ok(instances) => notes.extend(merge(config, tf, &instances)),
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

fn read(tf: &TerraformConfig) -> Result<Vec<Instance>, SourceError> {
    match (&tf.state, &tf.dir) {
        (Some(state), _) => source::from_file(state),
        (None, Some(dir)) => source::from_dir(dir),
        // The config check requires one of them.
        (None, None) => Ok(Vec::new()),
    }
}

/// Pure: the state's nodes into `config`, notes for resources that yield none.
pub fn merge(config: &mut Config, tf: &TerraformConfig, instances: &[Instance]) -> Vec<String> {
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
        let same = configured_at(config, &found.host).or_else(|| {
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

/// The node already reached at `host` (its `ssh` host or its `public_ip`): a `[[node]]`,
/// or one an earlier state added (then the first state keeps it).
fn configured_at(config: &Config, host: &str) -> Option<String> {
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
