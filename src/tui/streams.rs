//! The logs and stats streams behind the console's container views. Each runs as a task
//! that ends when its view closes (its token is cancelled), when the engine ends the
//! stream, or when nobody listens any more. Lines are sent in batches: whatever the
//! engine has already sent goes in one message, so a burst costs one redraw.

use bollard::models::ContainerStatsResponse;
use futures::{FutureExt, Stream, StreamExt};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::app::logs::{LogLine, LogStream};
use crate::app::stats::StatsSample;
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

/// The figures the stats view needs from one engine sample.
pub fn sample_of(s: &ContainerStatsResponse) -> StatsSample {
    let total = |c: Option<&bollard::models::ContainerCpuStats>| {
        c.and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0)
    };
    let cpu = s.cpu_stats.as_ref();
    let pre = s.precpu_stats.as_ref();
    let per_cpu = cpu
        .and_then(|c| c.cpu_usage.as_ref())
        .and_then(|u| u.percpu_usage.as_ref())
        .map_or(0, Vec::len);
    let mem = s.memory_stats.as_ref();
    let mem_stat = |key: &str| {
        mem.and_then(|m| m.stats.as_ref())
            .and_then(|s| s.get(key).copied())
    };
    StatsSample {
        cpu_total: total(cpu),
        precpu_total: total(pre),
        system: cpu.and_then(|c| c.system_cpu_usage).filter(|v| *v > 0),
        // The first sample's "previous" is empty: no delta yet.
        presystem: pre.and_then(|c| c.system_cpu_usage).filter(|v| *v > 0),
        online_cpus: cpu
            .and_then(|c| c.online_cpus)
            .filter(|n| *n > 0)
            .unwrap_or_else(|| u32::try_from(per_cpu).unwrap_or(1).max(1)),
        mem_usage: mem.and_then(|m| m.usage).unwrap_or(0),
        // cgroup v1 names the cache total_inactive_file, v2 inactive_file.
        mem_cache: mem_stat("total_inactive_file")
            .or_else(|| mem_stat("inactive_file"))
            .unwrap_or(0),
        mem_limit: mem.and_then(|m| m.limit).unwrap_or(0),
    }
}

/// Forward a stats stream to the console until it ends or `cancel` fires.
pub async fn pump_stats<S>(
    samples: S,
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
            Some(Ok(s)) => (StreamEvent::Data(sample_of(&s)), false),
            Some(Err(e)) => (StreamEvent::Failed(e.to_string()), true),
            None => (StreamEvent::Ended, true),
        };
        if tx.send(Msg::Stats { stream, event }).is_err() || last {
            return;
        }
    }
}

/// Follow `container`'s CPU and memory, one sample a second.
pub async fn stats(
    client: DockerClient,
    container: String,
    stream: u64,
    tx: UnboundedSender<Msg>,
    cancel: CancellationToken,
) {
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
    pump_stats(samples, stream, tx, cancel).await;
}

mod follow;
pub use follow::logs;

#[cfg(test)]
mod tests;
