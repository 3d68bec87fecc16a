//! The logs and stats streams behind the console's container views. Each runs as a task
//! that ends when its view closes (its token is cancelled), when the engine ends the
//! stream, or when nobody listens any more. Lines are sent in batches: whatever the
//! engine has already sent goes in one message, so a burst costs one redraw.

use bollard::models::ContainerStatsResponse;
use futures::{FutureExt, Stream, StreamExt};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::app::logs::{LogLine, LogStream};
use crate::app::stats::Limits;
use crate::app::{Msg, StreamEvent};
use crate::transport::docker::{LogSource, MAX_LOG_LINE, RawLogLine};
use crate::transport::{DockerClient, DockerError};

/// Most engine reads put in one message.
const BATCH: usize = 512;

/// One engine log line, `<RFC 3339 time> <text>` since the logs are asked with
/// timestamps, as the view shows it.
pub fn line_of(raw: RawLogLine) -> LogLine {
    let stream = match raw.source {
        LogSource::Stdout => LogStream::Stdout,
        LogSource::Stderr => LogStream::Stderr,
        LogSource::Console => LogStream::Console,
    };
    let text = String::from_utf8_lossy(&raw.bytes);
    let l = text.strip_suffix('\r').unwrap_or(&text);
    let (at, text) = match l.split_once(' ') {
        Some((ts, rest)) if ts.len() >= 19 && ts.as_bytes().get(10) == Some(&b'T') => {
            (ts.get(11..19).unwrap_or_default().to_string(), rest)
        }
        _ => (String::new(), l),
    };
    // Tabs and control characters would break the screen's cells. ESC (and BEL, which
    // ends an OSC) stay for the logs view to read colours (`app/sgr.rs` drops every other
    // sequence, and stray BELs).
    let mut text: String = text
        .replace('\t', "    ")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\u{1b}' | '\u{7}'))
        .collect();
    if raw.cut {
        text.push_str(&format!(" … (line cut at {} KiB)", MAX_LOG_LINE / 1024));
    }
    LogLine { stream, at, text }
}

fn send_logs(tx: &UnboundedSender<Msg>, stream: u64, event: StreamEvent<Vec<LogLine>>) -> bool {
    tx.send(Msg::Logs { stream, event }).is_ok()
}

/// How a pumped logs stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PumpEnd {
    /// The engine closed it (the container exited, or was removed).
    Ended,
    /// It broke; the text says how.
    Failed(String),
    /// The view closed, or nobody listens any more.
    Stopped,
}

/// The engine time of a raw line (`<RFC 3339 time> <text>`), as Unix nanoseconds.
fn stamp_of(raw: &RawLogLine) -> Option<i128> {
    let end = raw.bytes.iter().position(|b| *b == b' ')?;
    std::str::from_utf8(&raw.bytes[..end])
        .ok()
        .and_then(crate::transport::docker::unix_nanos)
}

/// Forward a logs stream to the console until it ends or `cancel` fires; `last` keeps
/// the engine time of the newest line, where a re-attached stream starts.
pub async fn pump_logs<S>(
    logs: S,
    stream: u64,
    tx: &UnboundedSender<Msg>,
    cancel: &CancellationToken,
    last: &mut Option<i128>,
) -> PumpEnd
where
    S: Stream<Item = Result<Vec<RawLogLine>, DockerError>>,
{
    let mut logs = std::pin::pin!(logs);
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => return PumpEnd::Stopped,
            next = logs.next() => next,
        };
        let mut end = None;
        let mut lines = Vec::new();
        let mut next = Some(next);
        let mut reads = 0;
        // The first read waited for, then whatever is already there.
        while let Some(item) = next.take() {
            match item {
                Some(Ok(raw)) => {
                    for r in raw {
                        if let Some(t) = stamp_of(&r) {
                            *last = Some(last.map_or(t, |l| l.max(t)));
                        }
                        lines.push(line_of(r));
                    }
                }
                Some(Err(e)) => end = Some(PumpEnd::Failed(e.to_string())),
                None => end = Some(PumpEnd::Ended),
            }
            reads += 1;
            if end.is_none() && reads < BATCH {
                next = logs.next().now_or_never();
            }
        }
        if !lines.is_empty() && !send_logs(tx, stream, StreamEvent::Data(lines)) {
            return PumpEnd::Stopped;
        }
        if let Some(end) = end {
            return end;
        }
    }
}

/// Forward a stats stream to the console until it ends or `cancel` fires.
pub async fn pump_stats<S>(
    samples: S,
    limits: Limits,
    stream: u64,
    tx: UnboundedSender<Msg>,
    cancel: CancellationToken,
) where
    S: Stream<Item = Result<ContainerStatsResponse, DockerError>>,
{
    let mut samples = std::pin::pin!(samples);
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => return,
            next = samples.next() => next,
        };
        let (event, last) = match next {
            Some(Ok(s)) => (StreamEvent::Data(sample_of(&s, limits)), false),
            Some(Err(e)) => (StreamEvent::Failed(e.to_string()), true),
            None => (StreamEvent::Ended, true),
        };
        if tx.send(Msg::Stats { stream, event }).is_err() || last {
            return;
        }
    }
}

/// Follow `container`'s CPU, memory, network, block I/O and PIDs, one sample a second.
pub async fn stats(
    client: DockerClient,
    container: String,
    stream: u64,
    tx: UnboundedSender<Msg>,
    cancel: CancellationToken,
) {
    // The limits first (the samples carry no CPU limit); without them the view still
    // shows the figures, against a scale it does not name.
    let path = format!("/containers/{container}/json");
    let record = tokio::select! {
        _ = cancel.cancelled() => return,
        record = client.get_json(&path) => record,
    };
    let limits = match record {
        Ok(r) => limits_of(&r),
        Err(e) => {
            tracing::warn!(%container, error = %e, "stats: the container's limits are unknown");
            Limits::default()
        }
    };
    let samples = tokio::select! {
        _ = cancel.cancelled() => return,
        samples = client.follow_stats(&container) => samples,
    };
    let samples = match samples {
        Ok(samples) => samples,
        Err(e) => {
            let _ = tx.send(Msg::Stats {
                stream,
                event: StreamEvent::Failed(e.to_string()),
            });
            return;
        }
    };
    let samples = futures::stream::unfold(samples, |mut lines| async move {
        lines
            .next::<ContainerStatsResponse>()
            .await
            .map(|item| (item, lines))
    });
    pump_stats(samples, limits, stream, tx, cancel).await;
}

mod follow;
mod sample;
pub use follow::logs;
pub use sample::{limits_of, sample_of};

#[cfg(test)]
mod tests;
