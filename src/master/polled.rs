//! What a master knows between requests, and how it answers one quickly.
//!
//! A full poll (every fact: host, bridges, listening ports, guests, Docker) runs in the
//! background every `refresh_secs`. A request then asks each node's Docker engine afresh
//! (containers and networks, what `ssh host docker ps` answers) over the kept client and
//! joins that with the node's last full poll; a node whose last full poll is too old,
//! down, or without a working Docker client is polled in full instead.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::collect::docker;
use crate::collect::once::poll_one;
use crate::config::Config;
use crate::fleet::live::keep_containers;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus};
use crate::fleet::stale::hold;
use crate::ops::limits::DOCKER_CALL;
use crate::transport::DockerClient;
use crate::transport::links::NodeLink;

struct Known {
    snap: NodeSnapshot,
    full_at: Instant,
}

#[derive(Default)]
pub struct Polled {
    clients: BTreeMap<String, DockerClient>,
    known: BTreeMap<String, Known>,
}

/// Whether a node's last full poll can stand in for its host facts now.
pub fn facts_still_good(
    status: NodeStatus,
    has_client: bool,
    age: Duration,
    max_age: Duration,
) -> bool {
    status == NodeStatus::Up && has_client && age <= max_age
}

enum Plan {
    Quick(Box<NodeSnapshot>, DockerClient),
    Full(Option<DockerClient>),
}

impl Polled {
    /// Poll every node in full (at start, and in the background).
    pub async fn full(
        &mut self,
        config: &Config,
        links: &BTreeMap<String, NodeLink>,
    ) -> Vec<NodeSnapshot> {
        self.poll(config, links, None).await
    }

    /// Forget every node but `names` (the fleet changed: a node gone, or reached anew).
    pub fn keep_only(&mut self, names: &[String]) {
        self.clients.retain(|name, _| names.contains(name));
        self.known.retain(|name, _| names.contains(name));
    }

    /// Snapshots for a request: Docker afresh everywhere, host facts at most `max_age`
    /// old.
    pub async fn answer(
        &mut self,
        config: &Config,
        links: &BTreeMap<String, NodeLink>,
        max_age: Duration,
    ) -> Vec<NodeSnapshot> {
        self.poll(config, links, Some(max_age)).await
    }

    async fn poll(
        &mut self,
        config: &Config,
        links: &BTreeMap<String, NodeLink>,
        quick_within: Option<Duration>,
    ) -> Vec<NodeSnapshot> {
        let now = Instant::now();
        let work = config.nodes.iter().filter_map(|node| {
            let link = links.get(&node.name)?;
            let client = self.clients.remove(&node.name);
            let plan = match (quick_within, self.known.get(&node.name), client) {
                (Some(max_age), Some(known), Some(client))
                    if facts_still_good(
                        known.snap.status,
                        true,
                        now.duration_since(known.full_at),
                        max_age,
                    ) =>
                {
                    Plan::Quick(Box::new(known.snap.clone()), client)
                }
                (_, _, client) => Plan::Full(client),
            };
            Some(async move {
                match plan {
                    Plan::Quick(snap, client) => match quick(*snap, &client).await {
                        Some(snap) => (snap, Some(client), false),
                        None => {
                            let (snap, client) = poll_one(config, node, link, None).await;
                            (snap, client, true)
                        }
                    },
                    Plan::Full(client) => {
                        let (snap, client) = poll_one(config, node, link, client).await;
                        (snap, client, true)
                    }
                }
            })
        });
        let done = futures::future::join_all(work).await;
        let mut snapshots = Vec::with_capacity(done.len());
        for (mut snap, client, full) in done {
            if let Some(client) = client {
                self.clients.insert(snap.name.clone(), client);
            }
            if let Some(why) = snap.missed().map(str::to_string)
                && let Some(known) = self.known.get(&snap.name)
            {
                // No answer in time: the older poll stands in, marked stale as of then.
                snap = hold(Some(&known.snap), &snap.name, why);
                snapshots.push(snap);
                continue;
            }
            if let Some(known) = self.known.get(&snap.name) {
                // The host answered, its engine did not: its last-known containers stay.
                keep_containers(&known.snap, &mut snap);
            }
            if full {
                self.known.insert(
                    snap.name.clone(),
                    Known {
                        snap: snap.clone(),
                        full_at: Instant::now(),
                    },
                );
            }
            snapshots.push(snap);
        }
        snapshots
    }
}

/// The node's last full snapshot with its Docker facts asked afresh, or `None` when the
/// engine did not answer (the caller then polls the node in full).
async fn quick(mut snap: NodeSnapshot, client: &DockerClient) -> Option<NodeSnapshot> {
    let started = Instant::now();
    let facts = tokio::time::timeout(DOCKER_CALL, docker::collect(client))
        .await
        .ok()?
        .ok()?;
    snap.docker = Some(facts);
    snap.fact_errors.retain(|e| e.fact != "docker");
    snap.polled_at = crate::inventory::now_rfc3339();
    snap.last_seen = Some(snap.polled_at.clone());
    snap.took_ms = started.elapsed().as_millis() as u64;
    Some(snap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_recent_up_node_with_a_client_answers_quickly() {
        let max = Duration::from_secs(10);
        let fresh = Duration::from_secs(3);
        assert!(facts_still_good(NodeStatus::Up, true, fresh, max));
        assert!(
            !facts_still_good(NodeStatus::Up, false, fresh, max),
            "no client"
        );
        assert!(
            !facts_still_good(NodeStatus::Down, true, fresh, max),
            "down"
        );
        assert!(
            !facts_still_good(NodeStatus::Unknown, true, fresh, max),
            "never polled"
        );
        assert!(
            !facts_still_good(NodeStatus::Up, true, Duration::from_secs(11), max),
            "old"
        );
        assert!(
            facts_still_good(NodeStatus::Up, true, max, max),
            "the limit is inclusive"
        );
    }
}
