//! The logs and stats streams behind the console's container views. Each runs as a task
//! that ends when its view closes (its token is cancelled), when the engine ends the
//! stream, or when nobody listens any more. Lines are sent in batches: whatever the
//! engine has already sent goes in one message, so a burst costs one redraw.

use bollard::container::LogOutput;
use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::{LogsOptions, StatsOptions};
use futures::{FutureExt, Stream, StreamExt};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::app::logs::{LOG_TAIL, LogLine, LogStream};
use crate::app::stats::StatsSample;
use crate::app::{Msg, StreamEvent};
use crate::transport::{DockerClient, DockerError};

/// Most engine frames put in one message.
const BATCH: usize = 512;

/// Split one engine frame into lines, each `<RFC 3339 time> <text>` since the logs are
/// asked with timestamps.
pub fn lines_of(output: LogOutput) -> Vec<LogLine> {
    let (stream, bytes) = match output {
        LogOutput::StdErr { message } => (LogStream::Stderr, message),
        LogOutput::StdOut { message } => (LogStream::Stdout, message),
        LogOutput::Console { message } => (LogStream::Console, message),
        LogOutput::StdIn { message } => (LogStream::Stdout, message),
    };
    let text = String::from_utf8_lossy(&bytes);
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (at, text) = match l.split_once(' ') {
                Some((ts, rest)) if ts.len() >= 19 && ts.as_bytes().get(10) == Some(&b'T') => {
                    (ts.get(11..19).unwrap_or_default().to_string(), rest)
                }
                _ => (String::new(), l),
            };
            LogLine {
                stream,
                at,
                // Tabs and control characters would break the screen's cells. ESC (and
                // BEL, which ends an OSC) stay for the logs view to read colours
                // (`app/sgr.rs` drops every other sequence, and stray BELs).
                text: text
                    .replace('\t', "    ")
                    .chars()
                    .filter(|c| !c.is_control() || matches!(c, '\u{1b}' | '\u{7}'))
                    .collect(),
            }
        })
        .collect()
}

fn send_logs(tx: &UnboundedSender<Msg>, stream: u64, event: StreamEvent<Vec<LogLine>>) -> bool {
    tx.send(Msg::Logs { stream, event }).is_ok()
}

/// Forward a logs stream to the console until it ends or `cancel` fires.
pub async fn pump_logs<S>(logs: S, stream: u64, tx: UnboundedSender<Msg>, cancel: CancellationToken)
where
    S: Stream<Item = Result<LogOutput, bollard::errors::Error>>,
{
    let mut logs = std::pin::pin!(logs);
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => return,
            next = logs.next() => next,
        };
        let mut end = None;
        let mut lines = Vec::new();
        let mut next = Some(next);
        let mut frames = 0;
        // The first frame waited for, then whatever is already there.
        while let Some(item) = next.take() {
            match item {
                Some(Ok(output)) => lines.extend(lines_of(output)),
                Some(Err(e)) => end = Some(StreamEvent::Failed(DockerError::from(e).to_string())),
                None => end = Some(StreamEvent::Ended),
            }
            frames += 1;
            if end.is_none() && frames < BATCH {
                next = logs.next().now_or_never();
            }
        }
        if !lines.is_empty() && !send_logs(&tx, stream, StreamEvent::Data(lines)) {
            return;
        }
        if let Some(end) = end {
            send_logs(&tx, stream, end);
            return;
        }
    }
}

/// Follow `container`'s stdout and stderr: the last [`LOG_TAIL`] lines, then new ones.
pub async fn logs(
    client: DockerClient,
    container: String,
    stream: u64,
    tx: UnboundedSender<Msg>,
    cancel: CancellationToken,
) {
    let options = LogsOptions {
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        tail: LOG_TAIL.to_string(),
        ..Default::default()
    };
    let api = client.api().clone();
    pump_logs(api.logs(&container, Some(options)), stream, tx, cancel).await;
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
    S: Stream<Item = Result<ContainerStatsResponse, bollard::errors::Error>>,
{
    let mut samples = std::pin::pin!(samples);
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => return,
            next = samples.next() => next,
        };
        let (event, last) = match next {
            Some(Ok(s)) => (StreamEvent::Data(sample_of(&s)), false),
            Some(Err(e)) => (StreamEvent::Failed(DockerError::from(e).to_string()), true),
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
    let options = StatsOptions {
        stream: true,
        one_shot: false,
    };
    let api = client.api().clone();
    pump_stats(api.stats(&container, Some(options)), stream, tx, cancel).await;
}

#[cfg(test)]
mod tests;
