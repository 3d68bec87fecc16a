//! One poll of every node at once, for `tree` and for a master answering `tree`. Each
//! node's poll is bounded as a whole, so a node that stalls mid-answer cannot hold the
//! others; Docker clients handed in are reused and the ones worth keeping come back.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::collect::node::poll_reaching;
use crate::config::{Config, NodeConfig};
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};
use crate::fleet::{text, tree};
use crate::inventory::Site;
use crate::transport::DockerClient;
use crate::transport::links::NodeLink;

const DOCKER_CONNECT_MIN: Duration = Duration::from_secs(10);

/// Every fact of one node, bounded as a whole.
pub async fn poll_one(
    config: &Config,
    node: &NodeConfig,
    link: &NodeLink,
    kept: Option<DockerClient>,
) -> (NodeSnapshot, Option<DockerClient>) {
    let connect = Duration::from_secs(config.ssh.connect_timeout_secs);
    // Reaching Docker through SSH may mean starting `docker system dial-stdio` on the
    // node, which is slower than a connect: it gets its own, wider budget.
    let docker_budget = connect.max(DOCKER_CONNECT_MIN);
    let limit = connect + docker_budget * 2 + Duration::from_secs(10);
    let origin = config.is_tunnel_origin(&node.name);
    let work = poll_reaching(node, link, origin, kept, docker_budget);
    match tokio::time::timeout(limit, work).await {
        Ok(done) => done,
        Err(_) => {
            let mut snap = NodeSnapshot::unknown(&node.name);
            snap.status = NodeStatus::Down;
            snap.error = Some(format!("no complete answer within {}s", limit.as_secs()));
            (snap, None)
        }
    }
}

/// Poll every configured node that has a link, in config order. `kept` holds the Docker
/// clients of an earlier poll; on return it holds the ones still good.
pub async fn poll_fleet(
    config: &Config,
    links: &BTreeMap<String, NodeLink>,
    kept: &mut BTreeMap<String, DockerClient>,
) -> Vec<NodeSnapshot> {
    let polls = config.nodes.iter().filter_map(|node| {
        let link = links.get(&node.name)?;
        let client = kept.remove(&node.name);
        Some(poll_one(config, node, link, client))
    });
    let done = futures::future::join_all(polls).await;
    let mut snapshots = Vec::with_capacity(done.len());
    for (snap, client) in done {
        if let Some(client) = client {
            kept.insert(snap.name.clone(), client);
        }
        snapshots.push(snap);
    }
    snapshots
}

/// What `tree` prints: the JSON document of the README's contracts, or the text tree.
pub fn render_tree(
    config: &Config,
    snapshots: &[NodeSnapshot],
    sites: &[Site],
    json: bool,
    ascii: bool,
) -> Result<String, serde_json::Error> {
    let doc = tree::build(config, snapshots, sites, crate::inventory::now_rfc3339());
    if json {
        let mut text = serde_json::to_string_pretty(&doc)?;
        text.push('\n');
        Ok(text)
    } else {
        Ok(text::render(&doc, ascii))
    }
}
