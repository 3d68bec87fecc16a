//! Watching a node instead of polling it (ARCHITECTURE.md "Watching a node"): one
//! long-lived exec channel per connection runs `assets/watch.sh`, which prints a record
//! only when a fact changed and a heartbeat now and then. This task reads it; `frame`
//! cuts records, `state` turns them into the facts a poll produces, `policy` decides
//! when a node whose sshd will not keep such a session goes back to polling. The
//! channel gives way: when sshd refuses another session while it is open, the
//! transport asks this task to close it (`transport::ssh::give_way`).

pub mod frame;
pub mod policy;
pub mod slot;
pub mod state;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

pub use policy::Cause;
pub use state::{Change, Watched};

use crate::transport::catalog::{WATCH_LAUNCH, WATCH_SCRIPT};
use crate::transport::exec::RemoteCommand;
use crate::transport::links::{ChannelError, NodeLink};

/// The command that starts the watcher (in the read-only catalog as this exact argv).
pub fn command() -> RemoteCommand {
    RemoteCommand::new(["sh", "-c", WATCH_LAUNCH, "fdw", WATCH_SCRIPT])
}

/// Longest silence before the watcher is given up: the script beats every 10 s, so
/// this is three beats missed.
pub const SILENCE: Duration = Duration::from_secs(30);
/// How long giving way waits for the EOF to leave before the channel is closed anyway.
const EOF_GRACE: Duration = Duration::from_millis(200);

/// What a watcher tells its node's task.
#[derive(Debug, Clone)]
pub enum WatchNews {
    /// Every fact after a record, once the first full report is in.
    Facts {
        watched: Box<Watched>,
        change: Change,
    },
    /// It ended (closed, silent, refused, unreadable, or gave its session up).
    /// `answered`: its first full report had come; `lived`: since the channel opened.
    Ended {
        why: String,
        answered: bool,
        lived: Duration,
        cause: Cause,
    },
}

/// Run the watcher on `link` until it ends or `tx` closes. Dropping the task closes the
/// channel, and the script ends at the EOF on its stdin.
pub async fn run(link: NodeLink, tx: mpsc::Sender<WatchNews>, silence: Duration) {
    let started = Instant::now();
    let (mut stream, mut give_way) = match link.watch_stream(&command()).await {
        Ok(opened) => opened,
        Err(e) => {
            let refused = matches!(
                &e,
                ChannelError::Ssh(
                    crate::transport::ssh::SshError::SessionRefused { .. }
                        | crate::transport::ssh::SshError::ChannelRefused { .. }
                ) | ChannelError::ReadOnly
                    | ChannelError::Local
            );
            let _ = tx
                .send(WatchNews::Ended {
                    why: e.to_string(),
                    answered: false,
                    lived: started.elapsed(),
                    cause: if refused {
                        Cause::Refused
                    } else {
                        Cause::Ended
                    },
                })
                .await;
            return;
        }
    };
    let mut framer = frame::Framer::default();
    let mut watched = Watched::default();
    let mut buf = vec![0u8; 64 * 1024];
    let (why, cause) = loop {
        let read = tokio::select! {
            closed = give_way.asked() => {
                // EOF on the script's stdin ends it, and the close frees the session
                // once sshd has reaped it.
                let _ = tokio::time::timeout(EOF_GRACE, stream.shutdown()).await;
                drop(stream);
                closed.done();
                let why = "it gave its session up to another channel".to_string();
                break (why, Cause::GaveWay);
            }
            read = tokio::time::timeout(silence, stream.read(&mut buf)) => read,
        };
        let ended = |why: String| (why, Cause::Ended);
        let n = match read {
            Err(_) => {
                break ended(format!(
                    "the watcher said nothing for {}s",
                    silence.as_secs()
                ));
            }
            Ok(Err(e)) => break ended(format!("reading the watcher: {e}")),
            Ok(Ok(0)) => break ended("the watcher's session was closed".to_string()),
            Ok(Ok(n)) => n,
        };
        let records = match framer.push(&buf[..n]) {
            Ok(records) => records,
            Err(e) => break ended(e.to_string()),
        };
        for record in &records {
            let change = watched.apply(record);
            if watched.is_complete() {
                let news = WatchNews::Facts {
                    watched: Box::new(watched.clone()),
                    change,
                };
                if tx.send(news).await.is_err() {
                    return;
                }
            }
        }
    };
    tracing::info!(node = %link.name, why = %why, lived_ms = started.elapsed().as_millis() as u64, "node watcher ended");
    let _ = tx
        .send(WatchNews::Ended {
            why,
            answered: watched.is_complete(),
            lived: started.elapsed(),
            cause,
        })
        .await;
}
