//! The one place the transports are built from the config. In read-only mode every exec
//! handle it returns is guarded, so nothing downstream can hold a handle that writes.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::exec::{Exec, LocalExec, guarded};
use super::ssh::SshNode;
use super::ssh::target::{ClientConfig, TargetError, route_for};
use crate::config::{Config, NodeConfig};

/// How fleetdeck reaches one node.
pub struct NodeLink {
    pub name: String,
    /// Runs commands on the node (read-only guarded in read-only mode).
    pub exec: Arc<dyn Exec>,
    /// The node's SSH connection, when it is reached over SSH.
    pub ssh: Option<Arc<SshNode>>,
    /// "local" or the SSH route, for the node's details.
    pub reach: String,
}

/// Build a link for every node. Nodes whose `jump` is another node ride that node's
/// connection.
pub fn build_links(
    config: &Config,
    read_only: bool,
) -> Result<BTreeMap<String, NodeLink>, TargetError> {
    let client = ClientConfig::load(config.ssh.config.as_deref())?;
    let mut ssh_nodes: BTreeMap<String, Arc<SshNode>> = BTreeMap::new();
    for node in &config.nodes {
        ssh_node(config, node, &client, &mut ssh_nodes)?;
    }
    let mut links = BTreeMap::new();
    for node in &config.nodes {
        let ssh = ssh_nodes.get(&node.name).cloned();
        let (exec, reach): (Arc<dyn Exec>, String) = match &ssh {
            Some(s) => (s.clone(), s.describe()),
            None => (Arc::new(LocalExec::new(node.name.clone())), "local".into()),
        };
        links.insert(
            node.name.clone(),
            NodeLink {
                name: node.name.clone(),
                exec: guarded(exec, read_only),
                ssh,
                reach,
            },
        );
    }
    Ok(links)
}

fn ssh_node(
    config: &Config,
    node: &NodeConfig,
    client: &ClientConfig,
    built: &mut BTreeMap<String, Arc<SshNode>>,
) -> Result<Option<Arc<SshNode>>, TargetError> {
    if node.ssh.is_none() {
        return Ok(None);
    }
    if let Some(done) = built.get(&node.name) {
        return Ok(Some(done.clone()));
    }
    let mut route = route_for(config, node, client)?;
    // The config check rejects jump loops, so this recursion ends.
    let via = match node.jump.as_deref().and_then(|j| config.node(j)) {
        Some(jump) => ssh_node(config, jump, client, built)?,
        None => None,
    };
    if via.is_some() {
        route.jumps.clear();
    }
    let ssh = SshNode::new_via(node.name.clone(), route, via);
    built.insert(node.name.clone(), ssh.clone());
    Ok(Some(ssh))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::transport::exec::RemoteCommand;

    #[test]
    fn jump_nodes_are_shared_and_local_nodes_run_locally() {
        let text = "[ssh]\nconfig = \"/nonexistent/ssh_config\"\n\
            [[node]]\nname = \"local\"\n\
            [[node]]\nname = \"bastion\"\nssh = \"admin@192.0.2.10:2222\"\n\
            [[node]]\nname = \"teemo\"\nssh = \"root@10.2.0.1\"\njump = \"bastion\"\n";
        let config = crate::config::load_str(text, Path::new("t.toml")).expect("config");
        let links = build_links(&config, false).expect("links");
        assert_eq!(links["local"].reach, "local");
        assert!(links["local"].ssh.is_none());
        let teemo = &links["teemo"];
        assert_eq!(teemo.reach, "root@10.2.0.1:22 via admin@192.0.2.10:2222");
        assert!(
            teemo
                .ssh
                .as_ref()
                .is_some_and(|s| s.route().jumps.is_empty())
        );
    }

    #[tokio::test]
    async fn read_only_links_refuse_writes() {
        let config = Config::builtin_default();
        let links = build_links(&config, true).expect("links");
        let exec = &links["local"].exec;
        exec.run(&RemoteCommand::new(["hostname"]))
            .await
            .expect("read allowed");
        let err = exec
            .run(&RemoteCommand::new([
                "touch",
                "/tmp/fleetdeck-should-not-exist",
            ]))
            .await
            .expect_err("write refused");
        assert!(err.to_string().contains("read-only mode"));
        assert!(!std::path::Path::new("/tmp/fleetdeck-should-not-exist").exists());
    }
}
