//! The master's side: hold the links, answer one request per connection.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::held::Held;
use super::protocol::{MAX_REQUEST, Request, Response, read_line_within, write_line};
use crate::collect::once::render_tree;
use crate::config::Config;
use crate::inventory::Site;
use crate::transport::links::NodeLink;

/// How long a client has to send its request once connected.
const REQUEST_WITHIN: Duration = Duration::from_secs(10);

/// Reads the inventory's sites afresh for each answer (the caller knows where and how).
pub type SitesReader = Box<dyn Fn() -> Result<Vec<Site>, String> + Send + Sync>;

pub struct Master {
    config: Arc<Config>,
    links: Arc<BTreeMap<String, NodeLink>>,
    sites: SitesReader,
    /// The fleet as last seen, kept live by one task per node: `tree` is answered from it.
    held: Held,
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
        let (config, links) = (Arc::new(config), Arc::new(links));
        Ok(Arc::new(Master {
            held: Held::new(config.clone(), links.clone()),
            config,
            links,
            sites,
            requests: AtomicU64::new(0),
            stop: Notify::new(),
            uid: super::place::own_uid()?,
            request_within: REQUEST_WITHIN,
            active: AtomicUsize::new(0),
            left: Notify::new(),
        }))
    }

    /// Start polling and wait for every node's first answer (or its poll's deadline):
    /// opens the connections, and says how each node answered.
    pub async fn warm_up(&self) -> Vec<(String, String)> {
        self.held.first_round().await;
        let held = self.held.snapshots();
        self.config
            .nodes
            .iter()
            .filter(|node| self.links.contains_key(&node.name))
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

    async fn answer(&self, request: Request) -> Response {
        self.requests.fetch_add(1, Ordering::Relaxed);
        match request {
            Request::Status => Response::Status {
                pid: std::process::id(),
                nodes: self.links.len(),
                requests: self.requests.load(Ordering::Relaxed),
            },
            Request::Stop => Response::Stopping,
            // Answered in `serve_one`, which hands the socket over.
            Request::Session(_) => Response::Error {
                message: "a session takes the connection".into(),
            },
            Request::Tree { json, ascii, fresh } => {
                if fresh {
                    self.held.fresh_round().await;
                }
                // What the node tasks hold: no node is asked for a plain `tree`.
                let snapshots = self.held.snapshots();
                let since = self.held.since();
                let sites = match (self.sites)() {
                    Ok(sites) => sites,
                    Err(message) => return Response::Error { message },
                };
                match render_tree(&self.config, &snapshots, &sites, json, ascii, Some(&since)) {
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
            super::session::serve(session, &self.links, sites, stream).await;
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
        self.held.start();
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

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
