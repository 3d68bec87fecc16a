//! Runs effects as tasks; their results come back as messages. Read-only mode is
//! enforced here a second time: a mutating operation is refused before it starts.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::app::{Effect, Level, Msg, StreamEvent};
use crate::collect::poller::Poller;
use crate::inventory::Inventory;
use crate::transport::DockerClient;
use crate::transport::links::NodeLink;

use crate::contract::docker::STREAM_CONNECT;

/// A running logs or stats task, stopped when its view closes.
struct StreamTask {
    cancel: CancellationToken,
    handle: JoinHandle<()>,
}

pub struct Runner {
    tx: UnboundedSender<Msg>,
    inventory_path: PathBuf,
    read_only: bool,
    poller: Option<Poller>,
    links: Option<Arc<BTreeMap<String, NodeLink>>>,
    streams: HashMap<u64, StreamTask>,
    ops: super::ops::OpsContext,
}

#[derive(Clone, Copy)]
enum Kind {
    Logs,
    Stats,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Logs => "logs",
            Kind::Stats => "stats",
        }
    }
}

impl Runner {
    pub fn new(
        tx: UnboundedSender<Msg>,
        inventory_path: PathBuf,
        read_only: bool,
        poller: Option<Poller>,
        links: Option<Arc<BTreeMap<String, NodeLink>>>,
        config: Arc<crate::config::Config>,
    ) -> Runner {
        let ops = super::ops::OpsContext {
            tx: tx.clone(),
            config,
            links: links.clone(),
            inventory_path: inventory_path.clone(),
            read_only,
            tracker: tokio_util::task::TaskTracker::new(),
            cancel: CancellationToken::new(),
        };
        Runner {
            tx,
            inventory_path,
            read_only,
            poller,
            links,
            streams: HashMap::new(),
            ops,
        }
    }

    /// Settle pending rows an interrupted create left (not in read-only mode).
    pub fn reconcile(&self) {
        super::ops::reconcile_at_start(self.ops.clone());
    }

    pub fn run(&mut self, effect: Effect) {
        self.streams.retain(|_, t| !t.handle.is_finished());
        match effect {
            Effect::LoadSites => self.load_sites(),
            Effect::RefreshFleet => {
                if let Some(p) = &self.poller {
                    p.refresh_all();
                }
            }
            Effect::OpenLogs {
                stream,
                node,
                container,
            } => self.open(Kind::Logs, stream, node, container),
            Effect::OpenStats {
                stream,
                node,
                container,
            } => self.open(Kind::Stats, stream, node, container),
            Effect::CloseStream(stream) => {
                // The token ends the task at its next await, whether it is still
                // connecting or streaming; the task logs that it ended.
                if let Some(task) = self.streams.remove(&stream) {
                    task.cancel.cancel();
                }
            }
            Effect::Operation(op) if self.read_only && op.mutating() => {
                let _ = self.tx.send(Msg::Notice {
                    level: Level::Warn,
                    text: format!("{}: refused in read-only mode", op.label()),
                });
            }
            Effect::Operation(op) => super::ops::start(op, self.ops.clone()),
            Effect::PlanCreate(_) | Effect::Apply(_) if self.read_only => {
                let _ = self.tx.send(Msg::OpFinished {
                    ok: false,
                    text: "refused in read-only mode".into(),
                    then: None,
                });
            }
            Effect::PlanCreate(req) => super::ops::plan_create(req, self.ops.clone()),
            Effect::Apply(op) => super::ops::apply(op, self.ops.clone()),
            Effect::Inspect {
                stream,
                node,
                container,
            } => super::act_effects::inspect(
                self.tx.clone(),
                self.links.clone(),
                self.ops.config.clone(),
                stream,
                node,
                container,
            ),
            Effect::OpenEvents { stream } => {
                let (tx, links) = (self.tx.clone(), self.links.clone());
                let cancel = CancellationToken::new();
                let token = cancel.clone();
                let handle = tokio::spawn(super::act_effects::follow_all(tx, links, stream, token));
                self.streams.insert(stream, StreamTask { cancel, handle });
            }
            Effect::Clipboard(text) => super::act_effects::clipboard(&text),
            // The event loop runs sessions itself (it owns the terminal); one that gets
            // here was asked for where no terminal can be handed over.
            Effect::Session(target) => {
                let _ = self.tx.send(Msg::SessionEnded {
                    ok: false,
                    text: format!("{}: no terminal to hand over", target.label()),
                });
            }
        }
    }

    fn open(&mut self, kind: Kind, stream: u64, node: String, container: String) {
        let (tx, links) = (self.tx.clone(), self.links.clone());
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let handle = tokio::spawn(async move {
            tracing::info!(stream, kind = kind.word(), %node, %container, "container stream opening");
            run_stream(kind, links, &node, container, stream, tx, token).await;
            tracing::info!(stream, kind = kind.word(), "container stream ended");
        });
        self.streams.insert(stream, StreamTask { cancel, handle });
    }

    /// SQLite is blocking: read it off the event loop.
    pub fn load_sites(&self) {
        let tx = self.tx.clone();
        let path = self.inventory_path.clone();
        let read_only = self.read_only;
        tokio::task::spawn_blocking(move || {
            let result = read_sites(&path, read_only);
            if let Err(e) = &result {
                tracing::warn!(error = %e, "inventory read failed");
            }
            // The console may have quit meanwhile; nobody to tell then.
            let _ = tx.send(Msg::SitesLoaded(result));
        });
    }
}

impl Runner {
    /// Operations still running (planning or applying).
    pub fn ops_running(&self) -> usize {
        self.ops.tracker.len()
    }

    /// Wait for the running operations to end, at most `limit`; whether they all did.
    pub async fn wait_for_ops(&self, limit: Duration) -> bool {
        // Plans stop at once; applies run to their end (or their undo), within `limit`.
        self.ops.cancel.cancel();
        self.ops.tracker.close();
        tokio::time::timeout(limit, self.ops.tracker.wait())
            .await
            .is_ok()
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        for task in self.streams.values() {
            task.cancel.cancel();
            task.handle.abort();
        }
    }
}

/// Connect to the node's engine and follow the stream, until either is cancelled.
async fn run_stream(
    kind: Kind,
    links: Option<Arc<BTreeMap<String, NodeLink>>>,
    node: &str,
    container: String,
    stream: u64,
    tx: UnboundedSender<Msg>,
    token: CancellationToken,
) {
    let client = tokio::select! {
        _ = token.cancelled() => return,
        client = connect(links, node) => client,
    };
    match (client, kind) {
        (Ok(client), Kind::Logs) => {
            super::streams::logs(client, container, stream, tx, token).await
        }
        (Ok(client), Kind::Stats) => {
            super::streams::stats(client, container, stream, tx, token).await
        }
        (Err(why), Kind::Logs) => {
            let _ = tx.send(Msg::Logs {
                stream,
                event: StreamEvent::Failed(why),
            });
        }
        (Err(why), Kind::Stats) => {
            let _ = tx.send(Msg::Stats {
                stream,
                event: StreamEvent::Failed(why),
            });
        }
    }
}

async fn connect(
    links: Option<Arc<BTreeMap<String, NodeLink>>>,
    node: &str,
) -> Result<DockerClient, String> {
    let link = links
        .as_ref()
        .and_then(|l| l.get(node))
        .ok_or_else(|| format!("node {node} has no link (see the log file)"))?;
    link.docker_client(STREAM_CONNECT)
        .await
        .map_err(|e| e.to_string())
}

fn read_sites(
    path: &std::path::Path,
    read_only: bool,
) -> Result<Vec<crate::inventory::Site>, String> {
    if read_only {
        // Monitoring mode never creates or migrates the inventory.
        if !path.exists() {
            return Ok(Vec::new());
        }
        let inv = Inventory::open_read_only(path).map_err(|e| e.to_string())?;
        return inv.sites().map_err(|e| e.to_string());
    }
    let inv = Inventory::open(path).map_err(|e| e.to_string())?;
    inv.sites().map_err(|e| e.to_string())
}
