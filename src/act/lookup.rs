//! Finding a `TARGET` on the live fleet: every engine is asked for its containers at
//! once (or only the named node's, for `NODE/NAME`), each within a time limit, and the
//! pure resolver picks the one meant.

use std::collections::BTreeMap;
use std::time::Duration;

use super::target::{self, NodeContainers, ResolveError, Resolved};
use crate::collect::docker;
use crate::fleet::docker::ContainerInfo;
use crate::inventory::Site;
use crate::transport::DockerClient;
use crate::transport::links::NodeLink;

/// Containers of every node with an engine, the clients that answered, and the nodes that
/// could not be asked (with why).
pub struct Listed {
    pub nodes: Vec<NodeContainers>,
    pub clients: BTreeMap<String, DockerClient>,
    pub unreachable: Vec<(String, String)>,
}

pub async fn list(
    links: &BTreeMap<String, NodeLink>,
    only: Option<&str>,
    limit: Duration,
) -> Listed {
    let asks = links
        .values()
        .filter(|l| l.docker.is_ok() && only.is_none_or(|n| n == l.name))
        .map(|link| async move {
            let work = async {
                let client = link.docker_client(limit).await?;
                let containers = docker::containers(&client).await?;
                Ok::<_, crate::transport::DockerError>((client, containers))
            };
            let answer = match tokio::time::timeout(limit * 2, work).await {
                Ok(Ok(done)) => Ok(done),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("no answer within {}s", (limit * 2).as_secs())),
            };
            (link.name.clone(), answer)
        });
    let mut listed = Listed {
        nodes: Vec::new(),
        clients: BTreeMap::new(),
        unreachable: Vec::new(),
    };
    for (node, answer) in futures::future::join_all(asks).await {
        match answer {
            Ok((client, containers)) => {
                listed.clients.insert(node.clone(), client);
                listed.nodes.push(NodeContainers { node, containers });
            }
            Err(why) => listed.unreachable.push((node, why)),
        }
    }
    listed
}

/// The container `target` names, and a client on its engine.
pub async fn find(
    links: &BTreeMap<String, NodeLink>,
    sites: &[Site],
    target_text: &str,
    limit: Duration,
) -> Result<(Resolved, DockerClient), FindError> {
    find_listed(links, sites, target_text, limit)
        .await
        .map(|(resolved, client, _)| (resolved, client))
}

/// [`find`], with the container as its engine listed it (labels, networks, image), for
/// `inventory adopt`.
pub async fn find_listed(
    links: &BTreeMap<String, NodeLink>,
    sites: &[Site],
    target_text: &str,
    limit: Duration,
) -> Result<(Resolved, DockerClient, ContainerInfo), FindError> {
    let (node, _) = target::split_target(target_text.trim());
    if let Some(node) = node
        && !links.contains_key(node)
    {
        return Err(FindError::Resolve(ResolveError::UnknownNode {
            node: node.to_string(),
            known: links.keys().cloned().collect(),
        }));
    }
    let mut listed = list(links, node, limit).await;
    let unreachable: Vec<String> = listed.unreachable.iter().map(|(n, _)| n.clone()).collect();
    if let (Some(node), Some((_, why))) = (node, listed.unreachable.first()) {
        return Err(FindError::Unreachable {
            node: node.to_string(),
            why: why.clone(),
        });
    }
    let resolved = target::resolve(target_text, &listed.nodes, sites, &unreachable)
        .map_err(FindError::Resolve)?;
    let info = listed
        .nodes
        .iter()
        .filter(|n| n.node == resolved.node)
        .flat_map(|n| &n.containers)
        .find(|c| c.id == resolved.id)
        .cloned();
    let client = listed.clients.remove(&resolved.node);
    match (client, info) {
        (Some(client), Some(info)) => Ok((resolved, client, info)),
        _ => Err(FindError::Unreachable {
            node: resolved.node.clone(),
            why: "its engine answered and then went away".into(),
        }),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FindError {
    #[error("{0}")]
    Resolve(ResolveError),
    #[error("node {node}: {why}")]
    Unreachable { node: String, why: String },
}
