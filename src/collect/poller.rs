//! Keeping the fleet live: one task per node, every `refresh_secs` (with jitter, one poll
//! in flight per node, a slow node never delaying another). A node reached over SSH is
//! watched (`collect::watch`): its watcher reports what changed, so a round asks the
//! node only what the watcher does not cover (guests, ssh processes); its Docker engine's
//! event stream re-reads containers within moments of a change, and they are listed
//! again only now and then. Results leave as [`PollEvent`]s; whoever holds the model
//! applies them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use crate::collect::docker::{self, DockerChange, RestartCache};
use crate::collect::node::{Known, poll_reaching};
use crate::collect::once::{docker_budget, missed, poll_deadline};
use crate::collect::watch::slot::Slot;
use crate::collect::watch::{Change, WatchNews};
use crate::config::Config;
use crate::fleet::docker::DockerFacts;
use crate::fleet::snapshot::{NodeSnapshot, NodeStatus, PollEvent};
use crate::transport::DockerClient;
use crate::transport::links::NodeLink;

/// Debounce for bursts of engine events (a `docker run` sends create, attach, connect,
/// start): one re-read per burst.
const EVENT_SETTLE: Duration = Duration::from_millis(150);

pub struct Poller {
    tasks: Vec<JoinHandle<()>>,
    wake: BTreeMap<String, Arc<Notify>>,
}

impl Poller {
    /// Start one task per node. Events go to `tx`; the tasks end when `tx` is closed or
    /// the poller is dropped.
    pub fn spawn(
        config: Arc<Config>,
        links: Arc<BTreeMap<String, NodeLink>>,
        tx: mpsc::Sender<PollEvent>,
    ) -> Poller {
        let mut tasks = Vec::new();
        let mut wake = BTreeMap::new();
        for (index, node) in config.nodes.iter().enumerate() {
            let notify = Arc::new(Notify::new());
            wake.insert(node.name.clone(), notify.clone());
            let (config, links, tx) = (config.clone(), links.clone(), tx.clone());
            let name = node.name.clone();
            tasks.push(tokio::spawn(async move {
                node_task(config, links, name, index, tx, notify).await;
            }));
        }
        Poller { tasks, wake }
    }

    /// Poll every node now (the `r` key).
    pub fn refresh_all(&self) {
        self.wake.values().for_each(|n| n.notify_one());
    }

    pub fn refresh(&self, node: &str) {
        if let Some(n) = self.wake.get(node) {
            n.notify_one();
        }
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

/// `refresh` ± 20 %, so nodes added together don't poll in lockstep.
fn jittered(refresh: Duration, seed: usize, round: u64) -> Duration {
    let base = refresh.as_millis() as u64;
    let spread = (base / 5).max(1);
    let noise = (seed as u64)
        .wrapping_mul(2_654_435_761)
        .wrapping_add(round.wrapping_mul(40_503))
        % (2 * spread);
    Duration::from_millis(base - spread + noise)
}

/// How long the first round waits for a new watcher's full report before polling.
const FIRST_REPORT: Duration = Duration::from_secs(10);
/// While the engine's event stream is followed, containers are listed again only this
/// often (a safety net for an event missed); events re-read them at once.
const DOCKER_RELIST: Duration = Duration::from_secs(60);

async fn node_task(
    config: Arc<Config>,
    links: Arc<BTreeMap<String, NodeLink>>,
    name: String,
    index: usize,
    tx: mpsc::Sender<PollEvent>,
    wake: Arc<Notify>,
) {
    let (Some(node), Some(link)) = (config.node(&name), links.get(&name)) else {
        return;
    };
    let refresh = Duration::from_secs(config.refresh_secs);
    let deadline = poll_deadline(&config);
    let mut docker: Option<DockerClient> = None;
    let (change_tx, mut changes) = mpsc::channel::<DockerChange>(64);
    let mut watcher: Option<JoinHandle<()>> = None;
    let mut watch = Slot::new(link);
    // The last snapshot of the node up: watcher news is applied to it.
    let mut last: Option<Box<NodeSnapshot>> = None;
    let mut listed: Option<(DockerFacts, Instant)> = None;
    // The node's restart counts, kept across rounds so a listing inspects only what moved.
    let mut restarts = RestartCache::default();
    let mut woken = false;
    let mut round = 0u64;
    loop {
        if watch.due(Instant::now()) && link.reach().await.is_ok() {
            watch.start(link.clone());
            if let Some(ended) = watch.first_report(FIRST_REPORT).await {
                let counts = link.reach().await.is_ok();
                watch.take(ended, &name, counts);
            }
        }
        // `r` (or `tree --fresh`) asks the node itself again, watched or not.
        let known = if woken {
            Known::default()
        } else {
            let following = watcher.as_ref().is_some_and(|w| !w.is_finished());
            let in_swarm = last.as_ref().is_some_and(|s| s.swarm.is_some());
            Known {
                watched: watch.live(),
                heard: watch.heard_within(refresh),
                docker: listed
                    .as_ref()
                    .filter(|(_, at)| following && !in_swarm && at.elapsed() < DOCKER_RELIST)
                    .map(|(facts, _)| facts.clone()),
            }
        };
        // The Docker client is kept between polls and rebuilt after a failure (or a
        // missed deadline: a client stuck on a stalled engine is dropped with the poll).
        let polled = bounded_poll(
            node,
            link,
            docker.take(),
            &config,
            &wake,
            &known,
            &mut restarts,
        );
        let event = match polled.await {
            Polled::Done(mut snapshot, client) => {
                docker = client;
                snapshot.notes.extend(watch.note(config.refresh_secs));
                if snapshot.status == NodeStatus::Up {
                    if let (Some(d), None) = (&snapshot.docker, &known.docker) {
                        listed = Some((d.clone(), Instant::now()));
                    }
                    last = Some(snapshot.clone());
                }
                PollEvent::Snapshot(snapshot)
            }
            Polled::Missed => PollEvent::Missed {
                node: name.clone(),
                why: missed(deadline),
            },
            // `r` while a poll hangs: give it up and ask again at once.
            Polled::Retry => continue,
        };
        if tx.send(event).await.is_err() {
            break;
        }
        if let Some(client) = &docker
            && watcher.as_ref().is_none_or(JoinHandle::is_finished)
        {
            let (client, change_tx) = (client.clone(), change_tx.clone());
            watcher = Some(tokio::spawn(async move {
                if let Err(e) = docker::watch(&client, change_tx).await {
                    tracing::info!(error = %e, "docker event stream ended");
                }
            }));
        }
        round += 1;
        woken = false;
        let sleep = tokio::time::sleep(jittered(refresh, index, round));
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => break,
                _ = wake.notified() => {
                    woken = true;
                    break;
                }
                Some(change) = changes.recv() => {
                    tokio::time::sleep(EVENT_SETTLE).await;
                    let mut burst = vec![change];
                    while let Ok(more) = changes.try_recv() {
                        burst.push(more);
                    }
                    // A container that died, started or restarted is inspected again.
                    burst
                        .iter()
                        .filter(|c| c.kind == "container" && docker::restarts::counts_after(&c.action))
                        .for_each(|c| restarts.mark(&c.id));
                    let Some(client) = &docker else { continue };
                    let limit = docker_budget(&config);
                    match tokio::time::timeout(limit, docker::collect(client, &mut restarts)).await {
                        Ok(Ok(facts)) => {
                            listed = Some((facts.clone(), Instant::now()));
                            if let Some(last) = &mut last {
                                last.docker = Some(facts.clone());
                            }
                            if tx.send(PollEvent::Docker { node: name.clone(), facts }).await.is_err() {
                                return;
                            }
                        }
                        // The next full poll reports it.
                        Ok(Err(e)) => tracing::info!(node = %name, error = %e, "docker re-read failed"),
                        Err(_) => tracing::info!(node = %name, "docker re-read timed out"),
                    }
                }
                Some(news) = watch.next() => {
                    let ended = matches!(news, WatchNews::Ended { .. });
                    let counts = !ended || link.reach().await.is_ok();
                    if watch.take(news, &name, counts) == Some(Change::Shown)
                        && let (Some(last), Some(watched)) = (&mut last, watch.live())
                    {
                        // A fact changed: shown now, without asking the node anything.
                        watched.fill(last);
                        last.polled_at = crate::inventory::now_rfc3339();
                        last.last_seen = Some(last.polled_at.clone());
                        if tx.send(PollEvent::Snapshot(last.clone())).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
    if let Some(w) = watcher {
        w.abort();
    }
}

enum Polled {
    Done(Box<NodeSnapshot>, Option<DockerClient>),
    Missed,
    Retry,
}

/// One poll within the overall deadline, so an engine or sshd that accepts and never
/// answers cannot hold this node's task. A wake-up (`r`) abandons a poll that has run for
/// a refresh already; a younger one is let finish, then another follows at once.
async fn bounded_poll(
    node: &crate::config::NodeConfig,
    link: &NodeLink,
    kept: Option<DockerClient>,
    config: &Config,
    wake: &Notify,
    known: &Known<'_>,
    restarts: &mut RestartCache,
) -> Polled {
    let patience = Duration::from_secs(config.refresh_secs.max(1));
    let started = tokio::time::Instant::now();
    let work = tokio::time::timeout(
        poll_deadline(config),
        poll_reaching(
            node,
            link,
            config.is_tunnel_origin(&node.name),
            kept,
            docker_budget(config),
            known,
            restarts,
        ),
    );
    tokio::pin!(work);
    let done = tokio::select! {
        done = &mut work => done,
        _ = wake.notified() => tokio::select! {
            done = &mut work => {
                // Asked for fresh data while this poll ran: the next one starts at once.
                wake.notify_one();
                done
            }
            _ = tokio::time::sleep_until(started + patience) => return Polled::Retry,
        },
    };
    match done {
        Ok((snap, client)) => Polled::Done(Box::new(snap), client),
        Err(_) => Polled::Missed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_a_fifth_and_varies() {
        let refresh = Duration::from_secs(5);
        let all: Vec<Duration> = (0..50).map(|i| jittered(refresh, i, 3)).collect();
        assert!(
            all.iter()
                .all(|d| *d >= Duration::from_secs(4) && *d < Duration::from_secs(6)),
            "{all:?}"
        );
        let distinct: std::collections::BTreeSet<_> = all.iter().collect();
        assert!(distinct.len() > 10, "nodes must not poll in lockstep");
        assert!(jittered(Duration::from_millis(1), 3, 1) <= Duration::from_millis(2));
    }
}
