//! What a master holds between requests (ARCHITECTURE.md "master/"): the fleet as the
//! console sees it, kept live by the same [`Poller`] (one task per node on its
//! `refresh_secs` timer, and each engine's `/events` re-reading containers). A `tree`
//! is answered from this without touching any node; `tree --fresh` wakes every node's
//! task and waits for the answers that follow.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::collect::once::poll_deadline;
use crate::collect::poller::Poller;
use crate::config::Config;
use crate::fleet::live::Fleet;
use crate::fleet::snapshot::NodeSnapshot;
use crate::fleet::snapshot::PollEvent;
use crate::transport::links::NodeLink;

/// Events queued between the node tasks and the task applying them.
const EVENTS: usize = 256;

#[derive(Default)]
struct State {
    fleet: Fleet,
    /// Full answers (a snapshot or a missed deadline) per node since the start: a fresh
    /// request waits for each node's count to move past what it was when asked.
    answers: BTreeMap<String, u64>,
}

pub struct Held {
    config: Arc<Config>,
    links: Arc<BTreeMap<String, NodeLink>>,
    state: Arc<Mutex<State>>,
    /// Bumped after every applied event, so waiters re-check.
    news: watch::Sender<u64>,
    /// Started on first use, inside the runtime.
    poller: Mutex<Option<(Poller, tokio::task::JoinHandle<()>)>>,
    /// When polling started (RFC 3339): a node with no answer long after it shows stale.
    since: Mutex<String>,
}

impl Held {
    pub fn new(config: Arc<Config>, links: Arc<BTreeMap<String, NodeLink>>) -> Held {
        Held {
            config,
            links,
            state: Arc::default(),
            news: watch::channel(0).0,
            poller: Mutex::new(None),
            since: Mutex::new(String::new()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while applying an event leaves a usable fleet: keep serving it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Start the node tasks (once). Must run inside the tokio runtime.
    pub fn start(&self) {
        let mut slot = self.poller.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return;
        }
        *self.since.lock().unwrap_or_else(|p| p.into_inner()) = crate::inventory::now_rfc3339();
        let (tx, mut rx) = mpsc::channel::<PollEvent>(EVENTS);
        let poller = Poller::spawn(self.config.clone(), self.links.clone(), tx);
        let (state, news) = (self.state.clone(), self.news.clone());
        let applier = tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let answered = match &event {
                    PollEvent::Snapshot(s) => Some(s.name.clone()),
                    PollEvent::Missed { node, .. } => Some(node.clone()),
                    PollEvent::Docker { .. } => None,
                };
                {
                    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
                    state.fleet.apply(event);
                    if let Some(node) = answered {
                        *state.answers.entry(node).or_default() += 1;
                    }
                }
                news.send_modify(|n| *n = n.wrapping_add(1));
            }
        });
        *slot = Some((poller, applier));
    }

    /// Start from what an earlier fleet held of these nodes (the Terraform states changed
    /// the fleet, see `follow`): they show as they were, with their age, until they answer.
    pub fn seed(&self, snapshots: Vec<NodeSnapshot>) {
        let mut state = self.state();
        for snapshot in snapshots {
            state.fleet.apply(PollEvent::Snapshot(Box::new(snapshot)));
        }
    }

    /// When polling started, for the staleness of nodes that never answered.
    pub fn since(&self) -> String {
        self.since.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Every node's last snapshot, as held now.
    pub fn snapshots(&self) -> Vec<NodeSnapshot> {
        self.state().fleet.snapshots()
    }

    fn answers(&self) -> BTreeMap<String, u64> {
        self.state().answers.clone()
    }

    /// How long a fresh round may take: one poll's deadline, plus a moment to apply it.
    pub fn round_limit(&self) -> Duration {
        poll_deadline(&self.config) + Duration::from_secs(2)
    }

    /// Wait until every node has answered once since `before` (from [`Held::mark`]),
    /// or `limit` passes; a node still silent then is shown as held (stale in time).
    async fn wait_past(&self, before: &BTreeMap<String, u64>, limit: Duration) {
        let mut news = self.news.subscribe();
        let all_answered = || {
            let now = self.answers();
            self.config.nodes.iter().all(|n| {
                !self.links.contains_key(&n.name)
                    || now.get(&n.name).copied().unwrap_or(0)
                        > before.get(&n.name).copied().unwrap_or(0)
            })
        };
        let waiting = async {
            while !all_answered() {
                if news.changed().await.is_err() {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(limit, waiting).await;
    }

    /// The first answer of every node (the master's warm-up).
    pub async fn first_round(&self) {
        self.start();
        self.wait_past(&BTreeMap::new(), self.round_limit()).await;
    }

    /// Ask every node now and wait for the answers (`tree --fresh`).
    pub async fn fresh_round(&self) {
        self.start();
        let before = self.answers();
        if let Some((poller, _)) = self
            .poller
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            poller.refresh_all();
        }
        self.wait_past(&before, self.round_limit()).await;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some((poller, applier)) = self
            .poller
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            drop(poller);
            applier.abort();
        }
    }
}
