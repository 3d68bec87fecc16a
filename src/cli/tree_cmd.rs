//! `fleetdeck tree [--json] [--ascii]`: poll every node once, in parallel, and print the
//! fleet. A node that cannot be reached is listed as down with its error.

use std::time::Duration;

use super::{Code, Context, Failure};
use crate::collect::node::poll_reaching;
use crate::config::{Config, NodeConfig};
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};
use crate::fleet::{text, tree};
use crate::transport::links::NodeLink;

const DOCKER_CONNECT_MIN: Duration = Duration::from_secs(10);

/// Everything about one node, polled once; the whole poll is bounded so a node that
/// stalls mid-answer cannot hold the command.
async fn poll_once(config: &Config, node: &NodeConfig, link: &NodeLink) -> NodeSnapshot {
    let connect = Duration::from_secs(config.ssh.connect_timeout_secs);
    // Reaching Docker through SSH may mean starting `docker system dial-stdio` on the
    // node, which is slower than a connect: it gets its own, wider budget.
    let docker_budget = connect.max(DOCKER_CONNECT_MIN);
    let limit = connect + docker_budget * 2 + Duration::from_secs(10);
    let origin = config.is_tunnel_origin(&node.name);
    let work = poll_reaching(node, link, origin, None, docker_budget);
    match tokio::time::timeout(limit, work).await {
        Ok((snap, _)) => snap,
        Err(_) => {
            let mut snap = NodeSnapshot::unknown(&node.name);
            snap.status = NodeStatus::Down;
            snap.error = Some(format!("no complete answer within {}s", limit.as_secs()));
            snap
        }
    }
}

pub fn run(ctx: &Context, json: bool, ascii: bool) -> Result<(), Failure> {
    let config = &ctx.loaded.config;
    let super::inventory_cmd::Reading {
        links,
        sites,
        runtime,
    } = super::inventory_cmd::reading(ctx)?;
    let snapshots = runtime.block_on(async {
        let polls = config.nodes.iter().filter_map(|node| {
            let link = links.get(&node.name)?;
            Some(poll_once(config, node, link))
        });
        futures::future::join_all(polls).await
    });
    // Connections close with the runtime; don't wait on sessions winding down.
    runtime.shutdown_timeout(Duration::from_millis(200));
    tracing::debug!("tree: all nodes polled");
    let doc = tree::build(config, &snapshots, &sites, crate::inventory::now_rfc3339());
    if json {
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Failure::new(Code::Failed, e.to_string()))?;
        println!("{text}");
    } else {
        let ascii = ascii || !text::locale_is_utf8(|k| std::env::var(k).ok());
        print!("{}", text::render(&doc, ascii));
    }
    Ok(())
}
