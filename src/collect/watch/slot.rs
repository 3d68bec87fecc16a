//! A node task's hold on its watcher: the running task, its latest facts, and the
//! [`Policy`] that sends the node back to polling when its sshd will not keep the
//! watcher's session (or has too few to spare one).

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::policy::{Cause, Policy};
use super::{Change, SILENCE, WatchNews, Watched};
use crate::transport::links::NodeLink;

pub struct Slot {
    enabled: bool,
    policy: Policy,
    task: Option<JoinHandle<()>>,
    rx: Option<mpsc::Receiver<WatchNews>>,
    /// The latest full report of the running watcher.
    facts: Option<Watched>,
    /// When the running watcher last said anything (a record or a heartbeat).
    heard: Option<Instant>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Slot {
    /// Nodes reached over SSH are watched; a local node is polled (its reads cost this
    /// machine, not a remote one).
    pub fn new(link: &NodeLink) -> Slot {
        Slot {
            enabled: !link.is_local(),
            policy: Policy::default(),
            task: None,
            rx: None,
            facts: None,
            heard: None,
        }
    }

    /// The running watcher's facts, once it has reported them all.
    pub fn live(&self) -> Option<&Watched> {
        self.facts.as_ref().filter(|_| self.task.is_some())
    }

    /// Whether the running watcher said something within `window`: the connection it
    /// came on was alive then.
    pub fn heard_within(&self, window: Duration) -> bool {
        self.task.is_some() && self.heard.is_some_and(|t| t.elapsed() < window)
    }

    /// Whether a watcher should be started now.
    pub fn due(&self, now: Instant) -> bool {
        self.enabled && self.task.is_none() && self.policy.may_start(now)
    }

    pub fn start(&mut self, link: NodeLink) {
        let (tx, rx) = mpsc::channel(16);
        self.task = Some(tokio::spawn(super::run(link, tx, SILENCE)));
        self.rx = Some(rx);
        self.facts = None;
    }

    /// The next news of the watcher; pending forever while there is none running.
    pub async fn next(&mut self) -> Option<WatchNews> {
        match &mut self.rx {
            Some(rx) => rx.recv().await,
            None => std::future::pending().await,
        }
    }

    /// Wait up to `limit` for the first full report (the first round uses it instead of
    /// a poll). Returns the news that ended the wait early, if the watcher ended.
    pub async fn first_report(&mut self, limit: Duration) -> Option<WatchNews> {
        // The watcher sends nothing before its full report, so the first news is it
        // or the end.
        let waiting = async {
            match self.next().await {
                Some(WatchNews::Facts { watched, .. }) => {
                    self.facts = Some(*watched);
                    self.heard = Some(Instant::now());
                    None
                }
                other => other,
            }
        };
        tokio::time::timeout(limit, waiting).await.unwrap_or(None)
    }

    /// Take news in. Facts: whether something shown changed. An end: `counts` says the
    /// connection itself is fine, so the end is the session's (else a lost connection,
    /// which says nothing about the sshd's rules).
    pub fn take(&mut self, news: WatchNews, node: &str, counts: bool) -> Option<Change> {
        match news {
            WatchNews::Facts { watched, change } => {
                self.facts = Some(*watched);
                self.heard = Some(Instant::now());
                Some(change)
            }
            WatchNews::Ended {
                why,
                answered,
                lived,
                cause,
            } => {
                self.task = None;
                self.rx = None;
                self.facts = None;
                self.heard = None;
                let now = Instant::now();
                // A refusal or a session given up is the sshd's rule, whatever the
                // connection does next.
                let counts = counts || cause != Cause::Ended;
                if counts && self.policy.ended(&why, answered, lived, cause, now) {
                    let because = self.policy.polled_because(now).unwrap_or(&why);
                    tracing::warn!(node, why = %because, "node not watched; polling it instead");
                }
                None
            }
        }
    }

    /// A line for the node's details while it is polled because of its sshd.
    pub fn note(&self, refresh_secs: u64) -> Option<String> {
        let why = self.policy.polled_because(Instant::now())?;
        Some(format!("not watched ({why}); polled every {refresh_secs}s"))
    }
}
