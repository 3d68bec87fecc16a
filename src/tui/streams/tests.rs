use std::time::Duration;

use futures::stream;
use tokio::sync::mpsc;

use super::*;

fn raw(source: LogSource, text: &str) -> RawLogLine {
    RawLogLine {
        source,
        bytes: text.as_bytes().to_vec(),
        cut: false,
    }
}

fn out(stderr: bool, text: &str) -> Result<Vec<RawLogLine>, DockerError> {
    let source = if stderr {
        LogSource::Stderr
    } else {
        LogSource::Stdout
    };
    Ok(vec![raw(source, text)])
}

#[test]
fn engine_lines_become_timed_lines_with_their_stream() {
    let line = line_of(raw(
        LogSource::Stderr,
        "2026-11-22T10:00:01.123456789Z oops\tbad\r",
    ));
    assert_eq!(
        line,
        LogLine {
            stream: LogStream::Stderr,
            at: "10:00:01".into(),
            text: "oops    bad".into()
        }
    );
    let plain = line_of(raw(LogSource::Console, "no-time here"));
    assert_eq!(
        (plain.at.as_str(), plain.text.as_str()),
        ("", "no-time here")
    );
    assert_eq!(plain.stream, LogStream::Console);
    let esc = line_of(raw(
        LogSource::Stdout,
        "2026-11-22T10:00:02Z b\x1b[31m\x07\x08",
    ));
    assert_eq!(
        esc.text, "b\x1b[31m\x07",
        "control characters are dropped, ESC and BEL stay for the colours"
    );
    let cut = line_of(RawLogLine {
        cut: true,
        ..raw(LogSource::Stdout, "2026-11-22T10:00:02Z aaaa")
    });
    assert_eq!(
        cut.text, "aaaa … (line cut at 16 KiB)",
        "a cut line says so"
    );
}

#[tokio::test]
async fn a_burst_is_one_message_and_the_newest_time_is_kept() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let frames = stream::iter(vec![
        out(false, "2026-11-22T10:00:02.5Z a"),
        out(true, "2026-11-22T10:00:03.000000001Z b"),
        out(false, "T c"),
    ]);
    let mut last = None;
    let end = pump_logs(frames, 7, &tx, &CancellationToken::new(), &mut last).await;
    assert_eq!(end, PumpEnd::Ended);
    let Some(Msg::Logs {
        stream: 7,
        event: StreamEvent::Data(lines),
    }) = rx.recv().await
    else {
        panic!("lines expected");
    };
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["a", "b", "T c"]);
    assert_eq!(lines[1].stream, LogStream::Stderr);
    assert_eq!(
        last.map(crate::transport::docker::engine_time),
        Some("1795341603.000000001".to_string()),
        "the newest engine time, where a re-attached stream starts"
    );
    assert!(rx.try_recv().is_err(), "the end is the caller's to report");
}

#[tokio::test]
async fn cancelling_ends_a_stream_that_never_sends() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let (logs_tx, logs_cancel) = (tx.clone(), cancel.clone());
    let logs = tokio::spawn(async move {
        let mut last = None;
        pump_logs(
            stream::pending::<Result<Vec<RawLogLine>, DockerError>>(),
            1,
            &logs_tx,
            &logs_cancel,
            &mut last,
        )
        .await
    });
    let stats = tokio::spawn(pump_stats(
        stream::pending::<Result<ContainerStatsResponse, DockerError>>(),
        Limits::default(),
        2,
        tx,
        cancel.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!logs.is_finished() && !stats.is_finished());
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(2), logs)
        .await
        .expect("the logs task ends when its view closes")
        .expect("no panic");
    tokio::time::timeout(Duration::from_secs(2), stats)
        .await
        .expect("the stats task ends when its view closes")
        .expect("no panic");
    assert!(rx.recv().await.is_none(), "nothing sent after cancel");
}

#[test]
fn samples_take_what_docker_stats_uses() {
    let json = serde_json::json!({
        "cpu_stats": {"cpu_usage": {"total_usage": 300, "percpu_usage": [100, 200]},
                      "system_cpu_usage": 2000},
        "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
        "memory_stats": {"usage": 5000, "limit": 10000,
                         "stats": {"inactive_file": 1000}}
    });
    let s: ContainerStatsResponse = serde_json::from_value(json).expect("stats json");
    let sample = sample_of(&s, Limits::default());
    assert_eq!(
        sample.online_cpus, 2,
        "from percpu_usage when online_cpus is absent"
    );
    assert_eq!((sample.system, sample.presystem), (Some(2000), Some(1000)));
    assert!((crate::app::stats::cpu_percent(&sample) - 40.0).abs() < 1e-9);
    assert_eq!(crate::app::stats::mem_used(&sample), 4000);
    let first: ContainerStatsResponse = serde_json::from_value(serde_json::json!({
        "cpu_stats": {"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 2000, "online_cpus": 4},
        "precpu_stats": {"cpu_usage": {}, "system_cpu_usage": 0}
    }))
    .expect("first sample");
    assert_eq!(sample_of(&first, Limits::default()).presystem, None);
    assert_eq!(
        crate::app::stats::cpu_percent(&sample_of(&first, Limits::default())),
        0.0
    );
}
