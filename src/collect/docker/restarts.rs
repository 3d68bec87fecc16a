//! Restart counts. The engine's container list has none; `GET /containers/{id}/json`
//! has `RestartCount`. Inspecting every container at every listing would cost one
//! request per container per round (10,000 on a big node), so a node keeps what it
//! learnt in a [`RestartCache`] and inspects only a container it has not seen, one whose
//! state word changed since the last listing, one that is `restarting`, and one named by
//! a `die`, `start` or `restart` event (ARCHITECTURE.md "Restart counts"). The decisions
//! ([`to_inspect`], [`RestartCache::remember`]) are pure; [`refresh`] does the I/O.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use serde::Deserialize;

use crate::fleet::docker::ContainerInfo;
use crate::transport::DockerClient;

/// Inspects in flight at once: a first listing of a big node fills in seconds without
/// opening more connections than the client keeps.
pub const IN_FLIGHT: usize = 8;

/// How long one round may spend inspecting. What is left is asked next round (it is
/// still unseen), so a node of 10,000 containers fills in over a few rounds and its poll
/// never misses its deadline for a count.
pub const BUDGET: Duration = Duration::from_secs(5);

/// An inspect answer is a few KiB; more is a broken or hostile engine.
const INSPECT_LIMIT: usize = 1024 * 1024;

/// What a node knows of one container: the state word it had when last listed and its
/// count (`None`: its inspect failed, shown as unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    state: String,
    count: Option<u32>,
}

/// A node's restart counts, by container id. Lives as long as the node's task (the
/// console's poller, the master's); a one-shot `tree` starts from an empty one.
#[derive(Debug, Clone, Default)]
pub struct RestartCache {
    seen: HashMap<String, Seen>,
    /// Ids named by a die/start/restart event since they were last inspected.
    events: HashSet<String>,
}

/// The engine's events after which a container's count may have moved.
pub fn counts_after(action: &str) -> bool {
    matches!(action, "die" | "start" | "restart")
}

/// Which containers of `listing` to inspect, in listing order: unseen ones, those whose
/// state changed, those `restarting`, and those an event named.
pub fn to_inspect(cache: &RestartCache, listing: &[ContainerInfo]) -> Vec<String> {
    listing
        .iter()
        .filter(|c| match cache.seen.get(&c.id) {
            None => true,
            Some(seen) => {
                seen.state != c.state || c.state == "restarting" || cache.events.contains(&c.id)
            }
        })
        .map(|c| c.id.clone())
        .collect()
}

impl RestartCache {
    /// A die/start/restart event named `id`: inspect it at the next listing.
    pub fn mark(&mut self, id: &str) {
        // Bounded by what is listed: `remember` drops ids that vanished.
        self.events.insert(id.to_string());
    }

    /// Take the answers of this round, drop ids no longer listed, and set each listed
    /// container's `restarts`. A container asked and not answered (`None`) is unknown
    /// until its state moves or an event names it; one not asked this round keeps what
    /// was known, or stays unknown and unseen so the next round asks it.
    pub fn remember(&mut self, listing: &mut [ContainerInfo], answers: Vec<(String, Option<u32>)>) {
        let mut answers: HashMap<String, Option<u32>> = answers.into_iter().collect();
        let mut seen = HashMap::with_capacity(listing.len());
        for c in listing.iter_mut() {
            let entry = match answers.remove(&c.id) {
                Some(count) => {
                    self.events.remove(&c.id);
                    Some(Seen {
                        state: c.state.clone(),
                        count,
                    })
                }
                None => self.seen.remove(&c.id),
            };
            c.restarts = entry.as_ref().and_then(|s| s.count);
            if let Some(entry) = entry {
                seen.insert(c.id.clone(), entry);
            }
        }
        self.seen = seen;
        let listed: HashSet<&str> = listing.iter().map(|c| c.id.as_str()).collect();
        self.events.retain(|id| listed.contains(id.as_str()));
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// The one field of an inspect answer read here.
#[derive(Deserialize)]
struct Inspected {
    #[serde(rename = "RestartCount")]
    restart_count: Option<u32>,
}

/// An engine id: hex (64 characters from a real engine). Anything else is never put in
/// a path.
fn plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

async fn inspect(client: &DockerClient, id: String) -> (String, Option<u32>) {
    if !plain_id(&id) {
        return (id, None);
    }
    let path = format!("/containers/{id}/json");
    let count = match client.get_as::<Inspected>(&path, INSPECT_LIMIT).await {
        Ok(inspected) => inspected.restart_count,
        Err(e) => {
            tracing::debug!(container = %id, error = %e, "inspect for the restart count failed");
            None
        }
    };
    (id, count)
}

/// Ask the engine for the counts `cache` lacks, [`IN_FLIGHT`] at a time within
/// `budget`, and fill `listing`'s `restarts`. Never fails: a count that could not be had
/// is unknown.
pub async fn refresh(
    client: &DockerClient,
    cache: &mut RestartCache,
    listing: &mut [ContainerInfo],
    budget: Duration,
) {
    let ids = to_inspect(cache, listing);
    let wanted = ids.len();
    let mut answers = Vec::with_capacity(wanted);
    if !ids.is_empty() {
        let deadline = tokio::time::Instant::now() + budget;
        let mut asked = futures::stream::iter(ids)
            .map(|id| inspect(client, id))
            .buffer_unordered(IN_FLIGHT);
        // Answers already in are kept when the budget runs out; the rest wait a round.
        while let Ok(Some(answer)) = tokio::time::timeout_at(deadline, asked.next()).await {
            answers.push(answer);
        }
    }
    if answers.len() < wanted {
        tracing::info!(
            asked = answers.len(),
            wanted,
            "restart counts: the rest next round"
        );
    }
    cache.remember(listing, answers);
}

#[cfg(test)]
mod tests;
