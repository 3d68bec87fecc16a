//! Long-lived GET streams flow as the engine writes them (nothing waits for the end of
//! a body that never ends), over TLS and over the unix socket.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bollard::query_parameters::{EventsOptions, LogsOptions};
use fleetdeck::transport::docker::DockerClient;
use futures::StreamExt;

use super::support::lab::{Lab, assert_success, defer};
use super::{TIMEOUT, name, tls_target, unix};

#[tokio::test]
async fn event_stream_delivers_a_start_event_over_tls() {
    let lab = Lab::load();
    let (host, tls) = lab.docker_tls();
    let host = host.name.clone();
    let target = tls_target(&lab, tls.ca.clone(), tls.cert.clone(), tls.key.clone());
    let client = DockerClient::connect(target, true, TIMEOUT)
        .await
        .expect("connect over TLS");

    let container = name("events");
    let _cleanup = defer(|| drop(lab.docker(&host, &["rm", "-f", &container])));
    assert_success(
        &lab.docker(&host, &["create", "--name", &container, &lab.image]),
        "docker create",
    );

    // `since` makes the subscription race-free: an event of this second is delivered even
    // if the engine sees the request after the start.
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        .saturating_sub(1);
    let filters = HashMap::from([
        ("container".to_string(), vec![container.clone()]),
        ("event".to_string(), vec!["start".to_string()]),
    ]);
    let mut events = client.api().events(Some(EventsOptions {
        since: Some(since.to_string()),
        until: None,
        filters: Some(filters),
    }));

    let starter = {
        let (lab, host, container) = (lab.clone(), host.clone(), container.clone());
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(300));
            let out = lab.docker(&host, &["start", &container]);
            (out, Instant::now())
        })
    };
    let event = tokio::time::timeout(Duration::from_secs(15), events.next())
        .await
        .expect("an event within 15 s")
        .expect("the stream goes on")
        .expect("an event, not an error");
    let received = Instant::now();
    let (out, started) = starter.await.expect("docker start task");
    assert_success(&out, "docker start");
    assert!(
        received <= started + Duration::from_secs(2),
        "the event came {:?} after `docker start` returned",
        received - started
    );
    assert_eq!(event.action.as_deref(), Some("start"));
    let actor = event.actor.expect("an actor");
    let attributes = actor.attributes.unwrap_or_default();
    assert_eq!(attributes.get("name"), Some(&container));
}

#[tokio::test]
async fn followed_logs_stream_while_other_requests_go_on() {
    let lab = Lab::load();
    let container = name("logs");
    let _cleanup = defer(|| drop(lab.docker("h1", &["rm", "-f", &container])));
    let script = "i=0; while :; do echo line-$i; i=$((i+1)); sleep 0.2; done";
    assert_success(
        &lab.docker(
            "h1",
            &[
                "run", "-d", "--name", &container, &lab.image, "sh", "-c", script,
            ],
        ),
        "docker run",
    );
    let client = DockerClient::connect(unix(&lab, "h1"), true, TIMEOUT)
        .await
        .expect("connect");
    let mut logs = client.api().logs(
        &container,
        Some(LogsOptions {
            follow: true,
            stdout: true,
            tail: "all".into(),
            ..Default::default()
        }),
    );
    let mut lines = Vec::new();
    while lines.len() < 5 {
        let chunk = tokio::time::timeout(Duration::from_secs(10), logs.next())
            .await
            .expect("log lines keep coming")
            .expect("the stream goes on")
            .expect("a log line");
        lines.extend(chunk.to_string().lines().map(str::to_string));
    }
    assert_eq!(&lines[..3], ["line-0", "line-1", "line-2"]);

    // The log connection is busy: another request opens a second one.
    assert_eq!(client.api().ping().await.expect("ping"), "OK");
    assert_eq!(client.connections_opened(), 2);
    let next = tokio::time::timeout(Duration::from_secs(10), logs.next())
        .await
        .expect("the log stream still flows");
    assert!(next.is_some());
}
