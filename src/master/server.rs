//! The master's side: hold the links, answer one request per connection.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::follow::{Follow, LOOK_EVERY};
use super::held::Held;
use super::protocol::{MAX_REQUEST, Request, Response, read_line_within, write_line};
use crate::collect::once::render_tree;
use crate::config::Config;
use crate::inventory::Site;
use crate::transport::links::{NodeLink, build_links};

/// How long a client has to send its request once connected.
const REQUEST_WITHIN: Duration = Duration::from_secs(10);

/// Reads the inventory's sites afresh for each answer (the caller knows where and how).
pub type SitesReader = Box<dyn Fn() -> Result<Vec<Site>, String> + Send + Sync>;

/// The nodes a master serves, its links to them and what it holds of them; replaced
/// whole when a Terraform state changes (see `follow`), so each answer sees one
/// consistent fleet.
pub struct Served {
    pub config: Arc<Config>,
    pub links: Arc<BTreeMap<String, NodeLink>>,
    /// The fleet as last seen, kept live by one task per node: `tree` is answered from it.
    pub held: Held,
}

impl Served {
    fn new(config: Config, links: BTreeMap<String, NodeLink>) -> Served {
        let (config, links) = (Arc::new(config), Arc::new(links));
        Served {
            held: Held::new(config.clone(), links.clone()),
            config,
            links,
        }
    }
}

pub struct Master {
    served: std::sync::RwLock<Arc<Served>>,
    /// Following the Terraform states: the config as written, and the read-only mode the
    /// links are built in. `None`: the fleet is fixed (no state, or a test).
    follow: Option<(Config, bool)>,
    sites: SitesReader,
    requests: AtomicU64,
    stop: Notify,
    uid: u32,
    /// How long a client has to send its request ([`REQUEST_WITHIN`]; shorter in tests).
    request_within: Duration,
    /// Connections being served: `--idle` counts only while there are none, so a long
    /// shell session through the master is never cut by it.
    active: AtomicUsize,
    /// Told when a connection ends.
    left: Notify,
}

/// Counts one connection as active for as long as it lives.
struct ActiveGuard(Arc<Master>);

impl ActiveGuard {
    fn new(master: Arc<Master>) -> ActiveGuard {
        master.active.fetch_add(1, Ordering::SeqCst);
        ActiveGuard(master)
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
        self.0.left.notify_one();
    }
}

impl Master {
    pub fn new(
        config: Config,
        links: BTreeMap<String, NodeLink>,
        sites: SitesReader,
    ) -> std::io::Result<Arc<Master>> {
        Ok(Arc::new(Master {
            served: std::sync::RwLock::new(Arc::new(Served::new(config, links))),
            follow: None,
            sites,
            requests: AtomicU64::new(0),
            stop: Notify::new(),
            uid: super::place::own_uid()?,
            request_within: REQUEST_WITHIN,
            active: AtomicUsize::new(0),
            left: Notify::new(),
        }))
    }

    /// A master that re-reads the config's Terraform states while it runs: `config` is
    /// the config as loaded (states read), its links built with `read_only`.
    pub fn following(
        config: Config,
        links: BTreeMap<String, NodeLink>,
        sites: SitesReader,
        read_only: bool,
    ) -> std::io::Result<Arc<Master>> {
        let written = crate::terraform::expand::unexpand(&config);
        let follows = !written.terraform.is_empty();
        let mut master = Master::new(config, links, sites)?;
        if follows && let Some(m) = Arc::get_mut(&mut master) {
            m.follow = Some((written, read_only));
        }
        Ok(master)
    }

    /// The fleet as it is now.
    pub fn served(&self) -> Arc<Served> {
        self.served
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Start polling and wait for every node's first answer (or its poll's deadline):
    /// opens the connections, and says how each node answered.
    pub async fn warm_up(&self) -> Vec<(String, String)> {
        let served = self.served();
        served.held.first_round().await;
        let held = served.held.snapshots();
        served
            .config
            .nodes
            .iter()
            .filter(|node| served.links.contains_key(&node.name))
            .map(|node| {
                let how = match held.iter().find(|s| s.name == node.name) {
                    Some(s) => match &s.error {
                        Some(e) => format!("{}: {e}", s.status.as_str()),
                        None => s.status.as_str().to_string(),
                    },
                    None => "unknown: no answer yet".to_string(),
                };
                (node.name.clone(), how)
            })
            .collect()
    }

    /// Re-read the Terraform states as they change (see `follow`); reading runs on a
    /// blocking thread, so answers never wait on `terraform show`.
    async fn follow_terraform(self: Arc<Master>) {
        let Some((written, read_only)) = self.follow.clone() else {
            return;
        };
        let mut follow = Follow::new(written);
        let mut tick = tokio::time::interval(LOOK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let reading = tokio::task::spawn_blocking(move || {
                let round = follow.round();
                (follow, round)
            })
            .await;
            let round = match reading {
                Ok((back, round)) => {
                    follow = back;
                    round
                }
                Err(e) => {
                    tracing::error!(error = %e, "master: reading the Terraform states failed; no longer following them");
                    return;
                }
            };
            if let Some(round) = round {
                for note in &round.notes {
                    tracing::warn!("master: {note}");
                }
                self.replace(round.config, read_only);
            }
        }
    }

    /// Serve `config` from now on when it differs from the fleet served: the links of
    /// nodes whose table did not change are kept (their connections stay open), the
    /// others are built anew. The new fleet's node tasks start with what the old one held
    /// of the nodes kept, so a `tree` in between shows them as they were, with their age.
    fn replace(&self, config: Config, read_only: bool) {
        let old = self.served();
        if *old.config == config {
            return;
        }
        let mut links = match build_links(&config, read_only) {
            Ok(links) => links,
            Err(e) => {
                tracing::warn!(error = %e, "master: the nodes of the Terraform states changed but their links cannot be built; keeping the fleet as it was");
                return;
            }
        };
        let same = |name: &str| {
            let before = old.config.nodes.iter().find(|n| n.name == name);
            before.is_some() && before == config.nodes.iter().find(|n| n.name == name)
        };
        for (name, link) in links.iter_mut() {
            if same(name.as_str())
                && let Some(kept) = old.links.get(name)
            {
                *link = kept.clone();
            }
        }
        let new_or_changed: Vec<&str> = config
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .filter(|n| !same(n))
            .collect();
        let gone: Vec<&str> = old
            .config
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .filter(|n| !config.nodes.iter().any(|c| c.name == *n))
            .collect();
        tracing::info!(
            ?new_or_changed,
            ?gone,
            "master: the Terraform states changed the fleet"
        );
        let kept: Vec<_> = old
            .held
            .snapshots()
            .into_iter()
            .filter(|s| same(s.name.as_str()))
            .collect();
        let served = Served::new(config, links);
        served.held.seed(kept);
        served.held.start();
        // The old fleet's node tasks stop when the last answer using it is done.
        *self
            .served
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(served);
    }

    async fn answer(&self, request: Request) -> Response {
        self.requests.fetch_add(1, Ordering::Relaxed);
        match request {
            Request::Status => Response::Status {
                pid: std::process::id(),
                nodes: self.served().links.len(),
                requests: self.requests.load(Ordering::Relaxed),
            },
            Request::Stop => Response::Stopping,
            // Answered in `serve_one`, which hands the socket over.
            Request::Session(_) => Response::Error {
                message: "a session takes the connection".into(),
            },
            Request::Tree { json, ascii, fresh } => {
                let served = self.served();
                if fresh {
                    served.held.fresh_round().await;
                }
                // What the node tasks hold: no node is asked for a plain `tree`.
                let snapshots = served.held.snapshots();
                let since = served.held.since();
                let sites = match (self.sites)() {
                    Ok(sites) => sites,
                    Err(message) => return Response::Error { message },
                };
                match render_tree(
                    &served.config,
                    &snapshots,
                    &sites,
                    json,
                    ascii,
                    Some(&since),
                ) {
                    Ok(text) => Response::Output { text },
                    Err(e) => Response::Error {
                        message: e.to_string(),
                    },
                }
            }
        }
    }

    async fn serve_one(self: Arc<Master>, mut stream: UnixStream) {
        // The socket is 0600 in a 0700 directory; the peer check also covers a socket
        // handed over by a process that could open it.
        match stream.peer_cred() {
            Ok(cred) if cred.uid() == self.uid => {}
            Ok(cred) => {
                tracing::warn!(uid = cred.uid(), "master: refused a client of another user");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "master: cannot tell who the client is");
                return;
            }
        }
        let (read, mut write) = stream.split();
        let reading = read_line_within::<Request>(read, MAX_REQUEST);
        let request = match tokio::time::timeout(self.request_within, reading).await {
            Ok(Ok(request)) => request,
            Ok(Err(e)) => {
                let message = format!("bad request: {e}");
                let _ = write_line(&mut write, &Response::Error { message }).await;
                return;
            }
            Err(_) => return,
        };
        tracing::debug!(?request, "master: request");
        if let Request::Session(session) = request {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let sites = (self.sites)();
            let served = self.served();
            super::session::serve(session, &served.links, sites, stream).await;
            return;
        }
        let stop = request == Request::Stop;
        let response = self.answer(request).await;
        if let Err(e) = write_line(&mut write, &response).await {
            tracing::debug!(error = %e, "master: client left before the answer");
        }
        // Only once the client has its answer.
        if stop {
            self.stop.notify_one();
        }
    }

    /// Answer clients until asked to stop, or until `idle` passes with no client connected.
    pub async fn serve(self: Arc<Master>, listener: UnixListener, idle: Option<Duration>) {
        self.served().held.start();
        let following = tokio::spawn(self.clone().follow_terraform());
        let _stop_following = AbortOnDrop(following);
        let mut deadline = idle.map(|d| Instant::now() + d);
        loop {
            let idle_over = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        // Counted before the next turn of this loop can judge idleness.
                        let active = ActiveGuard::new(self.clone());
                        let served = self.clone().serve_one(stream);
                        tokio::spawn(async move {
                            served.await;
                            drop(active);
                        });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "master: accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                _ = self.stop.notified() => {
                    tracing::info!("master: stop requested");
                    return;
                }
                _ = self.left.notified() => {
                    deadline = idle.map(|d| Instant::now() + d);
                }
                _ = idle_over, if self.active.load(Ordering::SeqCst) == 0 => {
                    tracing::info!("master: idle, exiting");
                    return;
                }
            }
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
