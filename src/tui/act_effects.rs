//! The driver side of the inspect and events views, and the clipboard: tasks whose
//! results come back as messages.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{self, UnboundedSender};
use tokio_util::sync::CancellationToken;

use crate::act::events::{self, FleetEvent};
use crate::app::{Msg, StreamEvent};
use crate::config::Config;
use crate::transport::links::NodeLink;

use crate::contract::docker::STREAM_CONNECT as CONNECT;
/// Events arriving together are handed over together, at most this often.
const BATCH_EVERY: Duration = Duration::from_millis(100);

/// Read the record for the inspect view: a container's from its engine, a node's facts
/// from one poll.
pub fn inspect(
    tx: UnboundedSender<Msg>,
    links: Option<Arc<BTreeMap<String, NodeLink>>>,
    config: Arc<Config>,
    stream: u64,
    node: String,
    container: Option<String>,
) {
    tokio::spawn(async move {
        let result = read(links, &config, &node, container.as_deref()).await;
        let _ = tx.send(Msg::Inspected { stream, result });
    });
}

async fn read(
    links: Option<Arc<BTreeMap<String, NodeLink>>>,
    config: &Config,
    node: &str,
    container: Option<&str>,
) -> Result<Vec<String>, String> {
    let link = links
        .as_ref()
        .and_then(|l| l.get(node))
        .ok_or_else(|| format!("node {node} has no link (see the log file)"))?;
    let value = match container {
        Some(id) => {
            let client = link
                .docker_client(CONNECT)
                .await
                .map_err(|e| e.to_string())?;
            tokio::time::timeout(
                CONNECT * 3,
                client.get_json(&format!("/containers/{id}/json")),
            )
            .await
            .map_err(|_| format!("no answer from {node}'s engine"))?
            .map_err(|e| e.to_string())?
        }
        None => {
            let node_cfg = config
                .node(node)
                .ok_or_else(|| format!("node {node} is not in the config"))?;
            let (snap, _) = crate::collect::once::poll_one(config, node_cfg, link, None).await;
            serde_json::to_value(&snap).map_err(|e| e.to_string())?
        }
    };
    // Pretty JSON escapes every control character, so a hostile label stays inert text.
    let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    Ok(text.lines().map(str::to_string).collect())
}

/// Follow every engine's events until `token` is cancelled (the view closed).
pub async fn follow_all(
    tx: UnboundedSender<Msg>,
    links: Option<Arc<BTreeMap<String, NodeLink>>>,
    stream: u64,
    token: CancellationToken,
) {
    let Some(links) = links else {
        let _ = tx.send(Msg::Events {
            stream,
            event: StreamEvent::Failed("the nodes' links could not be built".into()),
        });
        return;
    };
    let (ev_tx, mut ev_rx) = mpsc::channel::<FleetEvent>(1024);
    let since = time::OffsetDateTime::now_utc().unix_timestamp() - 3600;
    let mut followers = Vec::new();
    for link in links.values().filter(|l| l.docker.is_ok()) {
        let (ev_tx, tx, token) = (ev_tx.clone(), tx.clone(), token.clone());
        let links = links.clone();
        let name = link.name.clone();
        followers.push(tokio::spawn(async move {
            let Some(link) = links.get(&name) else { return };
            let work = async {
                let client = link.docker_client(CONNECT).await?;
                events::follow(client, name.clone(), Some(since), ev_tx).await
            };
            tokio::select! {
                _ = token.cancelled() => {}
                result = work => if let Err(e) = result {
                    let _ = tx.send(Msg::Events {
                        stream,
                        event: StreamEvent::Failed(format!("{name}: {e}")),
                    });
                }
            }
        }));
    }
    drop(ev_tx);
    let mut batch = Vec::new();
    let mut tick = tokio::time::interval(BATCH_EVERY);
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            got = ev_rx.recv() => match got {
                Some(e) => batch.push(e),
                None => {
                    flush(&tx, stream, &mut batch);
                    let _ = tx.send(Msg::Events { stream, event: StreamEvent::Ended });
                    break;
                }
            },
            _ = tick.tick() => flush(&tx, stream, &mut batch),
        }
    }
    for f in followers {
        f.abort();
    }
}

fn flush(tx: &UnboundedSender<Msg>, stream: u64, batch: &mut Vec<FleetEvent>) {
    if !batch.is_empty() {
        let _ = tx.send(Msg::Events {
            stream,
            event: StreamEvent::Data(std::mem::take(batch)),
        });
    }
}

/// Put `text` on the terminal's clipboard with OSC 52.
pub fn clipboard(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out
        .write_all(crate::app::inspect::osc52(text).as_bytes())
        .and_then(|_| out.flush())
    {
        tracing::warn!(error = %e, "cannot write the clipboard sequence");
    }
}
