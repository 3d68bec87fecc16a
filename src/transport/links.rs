//! The one place the transports are built from the config. In read-only mode every exec
//! handle it returns is guarded, so nothing downstream can hold a handle that writes.

use std::collections::BTreeMap;
use std::sync::Arc;

use std::time::Duration;

use super::docker::{
    DockerClient, DockerError, DockerTarget, local_target_from_env, target_for_node,
};
use super::exec::{Exec, LocalExec, guarded};
use super::ssh::SshNode;
use super::ssh::connect_limit::ConnectLimits;
use super::ssh::node::SshDockerDialer;
use super::ssh::target::{ClientConfig, Route, TargetError, route_for};
use crate::config::{Config, NodeConfig};

/// How fleetdeck reaches one node. A clone shares the node's connection (a master that
/// re-reads the Terraform states keeps the links of the nodes that did not change).
#[derive(Clone)]
pub struct NodeLink {
    pub name: String,
    /// Runs commands on the node (read-only guarded in read-only mode).
    pub exec: Arc<dyn Exec>,
    /// The node's SSH connection, when it is reached over SSH. Private: its raw exec
    /// methods bypass the read-only catalog, so only the guarded ways below reach it.
    ssh: Option<Arc<SshNode>>,
    /// "local" or the SSH route, for the node's details.
    pub reach: String,
    /// Where the node's Docker engine is, or why there is none to talk to.
    pub docker: Result<DockerTarget, Arc<DockerError>>,
    /// Set when Docker goes through SSH: it knows whether dial-stdio had to be used.
    docker_dialer: Option<Arc<SshDockerDialer>>,
    read_only: bool,
}

impl NodeLink {
    /// A Docker client for the node, read-only in read-only mode. Connecting negotiates
    /// the API version, so it needs the engine to answer within `timeout`.
    pub async fn docker_client(&self, timeout: Duration) -> Result<DockerClient, DockerError> {
        let target = self.docker.clone().map_err(DockerError::Unusable)?;
        DockerClient::connect(target, self.read_only, timeout).await
    }

    /// Whether the node is this machine (no SSH).
    pub fn is_local(&self) -> bool {
        self.ssh.is_none()
    }

    /// The address the node is reached at (the ssh HostName), or `local`.
    pub fn address(&self) -> String {
        match &self.ssh {
            Some(ssh) => ssh.route().target.host.clone(),
            None => "local".into(),
        }
    }

    /// Make sure the node's SSH connection is up (connecting if needed); a local node is
    /// always reachable. Opens nothing on the node. A kept connection that no longer
    /// answers a keepalive is dropped first, so a cut link shows down (the reconnect fails
    /// within the connect timeout) instead of hanging.
    pub async fn reach(&self) -> Result<(), super::ssh::SshError> {
        match &self.ssh {
            Some(ssh) => {
                ssh.check_alive(ssh.alive_window()).await;
                ssh.session().await.map(|_| ())
            }
            None => Ok(()),
        }
    }

    /// [`NodeLink::reach`] without the keepalive: for a caller that heard from the
    /// connection a moment ago (a watcher's record), which proves it alive as well.
    pub async fn reach_heard(&self) -> Result<(), super::ssh::SshError> {
        match &self.ssh {
            Some(ssh) => ssh.session().await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// A session channel for a person (a shell or a command, maybe with a PTY). A shell is
    /// write access: a read-only link refuses before anything is sent.
    pub async fn open_channel(
        &self,
        spec: &super::ssh::pty::ChannelSpec,
    ) -> Result<super::ssh::pty::OpenChannel, ChannelError> {
        if self.read_only {
            return Err(ChannelError::ReadOnly);
        }
        let ssh = self.ssh.as_ref().ok_or(ChannelError::Local)?;
        ssh.open_channel(spec).await.map_err(ChannelError::Ssh)
    }

    /// A long-lived command's stdin and stdout (the node watcher, `collect::watch`), and
    /// the signal to give its session up when sshd refuses another one
    /// (`ssh::give_way`). Read commands only in read-only mode, as for `exec`; a local
    /// node has none (it is polled). Opening is bounded by the connect timeout.
    pub async fn watch_stream(
        &self,
        cmd: &super::exec::RemoteCommand,
    ) -> Result<(super::stream::BoxedStream, super::ssh::give_way::GiveWay), ChannelError> {
        if self.read_only && !cmd.is_read_only() {
            return Err(ChannelError::ReadOnly);
        }
        let ssh = self.ssh.as_ref().ok_or(ChannelError::Local)?;
        let limit = ssh.route().connect_timeout;
        tokio::time::timeout(limit * 2, ssh.exec_stream_giving_way(cmd))
            .await
            .map_err(|_| {
                ChannelError::Ssh(super::ssh::SshError::Timeout {
                    hop: ssh.route().target.to_string(),
                    stage: "session channel",
                    after: limit * 2,
                })
            })?
            .map_err(ChannelError::Ssh)
    }

    /// Whether this link refuses anything that could change the node.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// A remark for the node's details, e.g. that Docker goes through dial-stdio.
    pub fn docker_note(&self) -> Option<String> {
        self.docker_dialer.as_ref().and_then(|d| d.note())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error(
        "refused: a shell or command session is write access, and fleetdeck is in read-only mode"
    )]
    ReadOnly,
    #[error("the node is reached locally, not over SSH")]
    Local,
    #[error(transparent)]
    Ssh(super::ssh::SshError),
}

fn docker_target(
    node: &NodeConfig,
    dialer: Option<Arc<SshDockerDialer>>,
) -> Result<DockerTarget, Arc<DockerError>> {
    if node.is_local() && node.docker.is_none() {
        return local_target_from_env(|k| std::env::var(k).ok()).map_err(Arc::new);
    }
    let dialer = dialer.map(|d| d as Arc<dyn super::Dialer>);
    target_for_node(node, dialer).map_err(Arc::new)
}

/// Build a link for every node. Nodes whose `jump` is another node ride that node's
/// connection.
pub fn build_links(
    config: &Config,
    read_only: bool,
) -> Result<BTreeMap<String, NodeLink>, TargetError> {
    let client = ClientConfig::load(config.ssh.config.as_deref())?;
    let mut routes = BTreeMap::new();
    for node in config.nodes.iter().filter(|n| n.ssh.is_some()) {
        routes.insert(node.name.clone(), route_for(config, node, &client)?);
    }
    let mut built = Built {
        nodes: BTreeMap::new(),
        carriers: BTreeMap::new(),
        limits: ConnectLimits::new(
            config.ssh.max_connecting,
            config.ssh.max_connecting_per_jump,
        ),
        routes,
    };
    for node in &config.nodes {
        ssh_node(config, node, &mut built)?;
    }
    let ssh_nodes = built.nodes;
    let mut links = BTreeMap::new();
    for node in &config.nodes {
        let ssh = ssh_nodes.get(&node.name).cloned();
        let (exec, reach): (Arc<dyn Exec>, String) = match &ssh {
            Some(s) => (s.clone(), s.describe()),
            None => (Arc::new(LocalExec::new(node.name.clone())), "local".into()),
        };
        let docker_dialer = ssh
            .as_ref()
            .map(|s| SshDockerDialer::new(s.clone(), node.docker_socket().display().to_string()));
        links.insert(
            node.name.clone(),
            NodeLink {
                name: node.name.clone(),
                exec: guarded(exec, read_only),
                ssh,
                reach,
                docker: docker_target(node, docker_dialer.clone()),
                docker_dialer,
                read_only,
            },
        );
    }
    Ok(links)
}

/// The SSH nodes made so far, and what they share.
struct Built {
    nodes: BTreeMap<String, Arc<SshNode>>,
    /// One connection per ProxyJump chain of the ssh config (keyed by the chain): the
    /// nodes behind it ride it, as nodes behind a `jump` node ride that node's.
    carriers: BTreeMap<String, Arc<SshNode>>,
    limits: Arc<ConnectLimits>,
    /// Every SSH node's route, resolved once.
    routes: BTreeMap<String, Route>,
}

fn ssh_node(
    config: &Config,
    node: &NodeConfig,
    built: &mut Built,
) -> Result<Option<Arc<SshNode>>, TargetError> {
    let Some(mut route) = built.routes.get(&node.name).cloned() else {
        return Ok(None);
    };
    if let Some(done) = built.nodes.get(&node.name) {
        return Ok(Some(done.clone()));
    }
    // The config check rejects jump loops, so this recursion ends.
    let mut via = match node.jump.as_deref().and_then(|j| config.node(j)) {
        Some(jump) => ssh_node(config, jump, built)?,
        None => None,
    };
    let mut shown = None;
    if via.is_none()
        && let Some(carrier) = carrier(config, &route, built)?
    {
        shown = Some(route.describe());
        via = Some(carrier);
    }
    if via.is_some() {
        // The jump's own connection carries this one: no hops, no ProxyCommand.
        route.jumps.clear();
        route.proxy_command = None;
    }
    let ssh = SshNode::limited(node.name.clone(), route, via, built.limits.clone(), shown);
    built.nodes.insert(node.name.clone(), ssh.clone());
    Ok(Some(ssh))
}

/// The shared connection to the last jump of `route`'s ProxyJump chain, or `None` for a
/// direct route. A one-hop chain to a host that is itself a node reached directly, with
/// the same login, rides that node's connection; otherwise one is made per chain.
fn carrier(
    config: &Config,
    route: &Route,
    built: &mut Built,
) -> Result<Option<Arc<SshNode>>, TargetError> {
    let mut hops = route.jumps.clone();
    let Some(target) = hops.pop() else {
        return Ok(None);
    };
    if hops.is_empty() && route.proxy_command.is_none() {
        let same = built
            .routes
            .iter()
            .find(|(_, r)| r.jumps.is_empty() && r.proxy_command.is_none() && r.target == target);
        if let Some(node) = same.and_then(|(name, _)| config.node(name)) {
            return ssh_node(config, node, built);
        }
    }
    let key = format!("{:?} {:?}", route.jumps, route.proxy_command);
    if let Some(done) = built.carriers.get(&key) {
        return Ok(Some(done.clone()));
    }
    let name = format!("jump {target}");
    let jump_route = Route {
        jumps: hops,
        target,
        proxy_command: route.proxy_command.clone(),
        agent: route.agent.clone(),
        connect_timeout: route.connect_timeout,
        keepalive: route.keepalive,
    };
    let made = SshNode::limited(name, jump_route, None, built.limits.clone(), None);
    built.carriers.insert(key, made.clone());
    Ok(Some(made))
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
        assert!(links["local"].is_local());
        let teemo = &links["teemo"];
        assert_eq!(teemo.reach, "root@10.2.0.1:22 via admin@192.0.2.10:2222");
        assert!(
            teemo
                .ssh
                .as_ref()
                .is_some_and(|s| s.route().jumps.is_empty())
        );
    }

    #[test]
    fn nodes_behind_one_proxyjump_share_its_connection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ssh_config = dir.path().join("ssh_config");
        std::fs::write(
            &ssh_config,
            "Host a b\n  ProxyJump admin@192.0.2.10\nHost a\n  HostName 10.9.0.1\n\
             Host b\n  HostName 10.9.0.2\nHost c\n  HostName 192.0.2.30\n",
        )
        .expect("write ssh_config");
        let text = format!(
            "[ssh]\nconfig = {:?}\n\
             [[node]]\nname = \"a\"\nssh = \"a\"\n\
             [[node]]\nname = \"b\"\nssh = \"b\"\n\
             [[node]]\nname = \"c\"\nssh = \"c\"\n",
            ssh_config.display().to_string()
        );
        let config = crate::config::load_str(&text, Path::new("t.toml")).expect("config");
        let links = build_links(&config, false).expect("links");
        let carrier = |n: &str| links[n].ssh.as_ref().and_then(|s| s.carried_by().cloned());
        let (a, b) = (
            carrier("a").expect("a rides"),
            carrier("b").expect("b rides"),
        );
        assert!(Arc::ptr_eq(&a, &b), "one connection to the jump for both");
        assert_eq!(a.route().target.host, "192.0.2.10");
        assert!(carrier("c").is_none(), "a direct node rides nothing");
        assert!(
            links["a"].reach.ends_with("via admin@192.0.2.10:22"),
            "shown as the ssh config says: {}",
            links["a"].reach
        );

        // The jump host a node of its own, reached directly: its connection carries them.
        let with_jump_node = format!("{text}[[node]]\nname = \"bastion\"\nssh = \"bastion\"\n");
        std::fs::write(
            &ssh_config,
            "Host a b\n  ProxyJump bastion\nHost a\n  HostName 10.9.0.1\n\
             Host b\n  HostName 10.9.0.2\nHost bastion\n  HostName 192.0.2.10\n  User admin\n",
        )
        .expect("write ssh_config");
        let config = crate::config::load_str(&with_jump_node, Path::new("t.toml")).expect("config");
        let links = build_links(&config, false).expect("links");
        let bastion = links["bastion"].ssh.clone().expect("bastion over ssh");
        for n in ["a", "b"] {
            let via = links[n].ssh.as_ref().and_then(|s| s.carried_by().cloned());
            assert!(
                via.is_some_and(|v| Arc::ptr_eq(&v, &bastion)),
                "{n} rides the bastion node's own connection"
            );
        }
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

    #[tokio::test]
    async fn a_node_without_an_engine_says_so_once() {
        let text = "[ssh]\nconfig = \"/nonexistent/ssh_config\"\n\
            [[node]]\nname = \"quiet\"\nssh = \"root@192.0.2.10\"\ndocker = \"none\"\n";
        let config = crate::config::load_str(text, Path::new("t.toml")).expect("config");
        let links = build_links(&config, false).expect("links");
        let Err(err) = links["quiet"].docker_client(Duration::from_secs(1)).await else {
            panic!("a node with docker = none has no client");
        };
        assert!(
            matches!(&err, DockerError::Unusable(e) if matches!(**e, DockerError::NoEngine { .. }))
        );
        assert_eq!(err.to_string(), "node quiet has docker = none");
    }
}
