//! One poll of every node at once, for `tree` and for a master answering `tree`. Each
//! node's poll is bounded as a whole, so a node that stalls mid-answer cannot hold the
//! others; Docker clients handed in are reused and the ones worth keeping come back.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::collect::node::poll_reaching;
use crate::config::{Config, NodeConfig};
use crate::fleet::snapshot::NodeSnapshot;
use crate::fleet::stale::hold;
use crate::fleet::{text, tree};
use crate::inventory::Site;
use crate::transport::DockerClient;
use crate::transport::links::NodeLink;

use crate::contract::docker::CONNECT_MIN as DOCKER_CONNECT_MIN;

/// How long reaching a node's Docker engine may take. Reaching it through SSH may mean
/// starting `docker system dial-stdio` on the node, which is slower than a connect: it
/// gets its own, wider budget.
pub fn docker_budget(config: &Config) -> Duration {
    Duration::from_secs(config.ssh.connect_timeout_secs).max(DOCKER_CONNECT_MIN)
}

/// The overall deadline of one poll of one node, for `tree`, the master and the console
/// alike: a node that accepts and never answers cannot hold its poll longer.
pub fn poll_deadline(config: &Config) -> Duration {
    Duration::from_secs(config.ssh.connect_timeout_secs)
        + docker_budget(config) * 2
        + Duration::from_secs(10)
}

/// What a poll that missed its deadline says.
pub fn missed(limit: Duration) -> String {
    format!("no complete answer within {}s", limit.as_secs())
}

/// Every fact of one node, bounded as a whole. A node that misses the deadline comes back
/// `unknown` and stale with no data (a caller that knows an older poll keeps that).
pub async fn poll_one(
    config: &Config,
    node: &NodeConfig,
    link: &NodeLink,
    kept: Option<DockerClient>,
) -> (NodeSnapshot, Option<DockerClient>) {
    let limit = poll_deadline(config);
    let origin = config.is_tunnel_origin(&node.name);
    let known = crate::collect::node::Known::default();
    // One poll, no cache to keep: every container is inspected for its restart count
    // (within the inspect budget; the rest show unknown).
    let mut restarts = crate::collect::docker::RestartCache::default();
    let work = poll_reaching(
        node,
        link,
        origin,
        kept,
        docker_budget(config),
        &known,
        &mut restarts,
    );
    match tokio::time::timeout(limit, work).await {
        Ok(done) => done,
        Err(_) => {
            let why = missed(limit);
            let mut snap = hold(None, &node.name, why.clone());
            snap.error = Some(why);
            snap.polled_at = crate::inventory::now_rfc3339();
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
/// `asking_since`: when a live holder (the master) started polling, so old data shows
/// stale as in the console; `None` for a one-shot poll.
pub fn render_tree(
    config: &Config,
    snapshots: &[NodeSnapshot],
    sites: &[Site],
    json: bool,
    ascii: bool,
    asking_since: Option<&str>,
) -> Result<String, serde_json::Error> {
    let now = crate::inventory::now_rfc3339();
    let doc = tree::build_from(config, snapshots.iter(), sites, now, asking_since);
    if json {
        let mut text = serde_json::to_string_pretty(&doc)?;
        text.push('\n');
        Ok(text)
    } else {
        Ok(text::render(&doc, ascii))
    }
}
