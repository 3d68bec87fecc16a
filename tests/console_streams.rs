//! The console's logs and stats streams against a real engine of the lab, reached the way
//! the console reaches it (Docker over SSH, read-only client): lines arrive with stderr
//! told apart, samples carry memory figures and the container's limits, and each task
//! ends when its view closes.

mod support;

use std::time::Duration;

use fleetdeck::app::logs::{LogLine, LogStream};
use fleetdeck::app::{Msg, StreamEvent};
use fleetdeck::transport::DockerClient;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const NOISY: &str = "i=0; while [ $i -lt 5 ]; do echo \"out line $i\"; \
                     echo \"err line $i\" >&2; i=$((i+1)); done; exec sleep 3600";

async fn h1_client(lab: &support::lab::Lab) -> DockerClient {
    let text = lab.fleet_config("", "");
    let config =
        fleetdeck::config::load_str(&text, std::path::Path::new("lab.toml")).expect("lab config");
    let links = fleetdeck::transport::links::build_links(&config, true).expect("links");
    links["h1"]
        .docker_client(Duration::from_secs(15))
        .await
        .expect("docker on h1 over ssh")
}

fn start_noisy(lab: &support::lab::Lab, name: &str) {
    let out = lab.docker(
        "h1",
        &["run", "-d", "--name", name, &lab.image, "sh", "-c", NOISY],
    );
    support::lab::assert_success(&out, "docker run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_stream_marks_stderr_and_ends_when_cancelled() {
    let lab = support::lab::Lab::load();
    let name = format!("fdtu-streams-{}", std::process::id());
    let _cleanup = support::lab::defer(|| {
        lab.docker("h1", &["rm", "-f", &name]);
    });
    start_noisy(&lab, &name);
    let client = h1_client(&lab).await;

    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(fleetdeck::tui::streams::logs(
        client,
        name.clone(),
        4,
        tx,
        cancel.clone(),
    ));
    let mut lines: Vec<LogLine> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while lines.len() < 10 {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("only {} lines arrived: {lines:?}", lines.len()));
        match msg {
            Some(Msg::Logs {
                stream: 4,
                event: StreamEvent::Data(batch),
            }) => lines.extend(batch),
            other => panic!("unexpected message {other:?} after {lines:?}"),
        }
    }
    let err: Vec<&LogLine> = lines
        .iter()
        .filter(|l| l.stream == LogStream::Stderr)
        .collect();
    assert_eq!(err.len(), 5, "{lines:?}");
    assert!(
        err.iter().all(|l| l.text.starts_with("err line")),
        "{err:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.stream == LogStream::Stdout && l.text == "out line 4"),
        "{lines:?}"
    );
    assert!(
        lines.iter().all(|l| l.at.len() == 8),
        "every line has its time: {lines:?}"
    );

    // The container sleeps: the followed stream stays open until the view closes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!task.is_finished(), "a followed stream stays open");
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(3), task)
        .await
        .expect("the logs task ends once its view closes")
        .expect("no panic");
    assert!(rx.recv().await.is_none(), "nothing after the close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_stream_samples_memory_and_ends_when_cancelled() {
    let lab = support::lab::Lab::load();
    let name = format!("fdtu-stats-{}", std::process::id());
    let _cleanup = support::lab::defer(|| {
        lab.docker("h1", &["rm", "-f", &name]);
    });
    let out = lab.docker(
        "h1",
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--cpus",
            "0.5",
            "--memory",
            "64m",
            "--pids-limit",
            "40",
            &lab.image,
            "sh",
            "-c",
            NOISY,
        ],
    );
    support::lab::assert_success(&out, "docker run");
    let client = h1_client(&lab).await;

    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(fleetdeck::tui::streams::stats(
        client,
        name.clone(),
        9,
        tx,
        cancel.clone(),
    ));
    let mut samples = Vec::new();
    while samples.len() < 2 {
        let msg = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("a stats sample within 20 s");
        match msg {
            Some(Msg::Stats {
                stream: 9,
                event: StreamEvent::Data(s),
            }) => samples.push(s),
            other => panic!("unexpected message {other:?}"),
        }
    }
    let last = samples[1];
    assert!(last.mem_usage > 0, "{last:?}");
    assert!(last.mem_limit >= last.mem_usage, "{last:?}");
    assert!(last.online_cpus >= 1, "{last:?}");
    assert!(
        last.presystem.is_some(),
        "the second sample has a previous one: {last:?}"
    );
    assert!(fleetdeck::app::stats::cpu_percent(&last) >= 0.0);
    // The limits come from the container's record, read through the same read-only
    // client; the rest from the stats document.
    assert_eq!(
        last.limits,
        fleetdeck::app::stats::Limits {
            cpu_millis: Some(500),
            memory: Some(64 << 20),
            known: true
        }
    );
    assert_eq!(last.mem_limit, 64 << 20, "{last:?}");
    assert_eq!(last.pids_limit, Some(40), "{last:?}");
    assert!(last.pids.is_some_and(|n| n >= 1), "{last:?}");
    assert!(last.net.is_some(), "a bridged container has eth0: {last:?}");
    assert!(
        last.at > samples[0].at,
        "engine times, for rates: {samples:?}"
    );

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(3), task)
        .await
        .expect("the stats task ends once its view closes")
        .expect("no panic");
}
