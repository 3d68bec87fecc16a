//! Following a container's logs across its restarts (README "Logs", ARCHITECTURE.md
//! `tui/`): the engine ends a logs stream when the container exits, so the task then
//! watches the container's own events, puts a marker line in the view at each `die` (with
//! the exit code the event carries), and re-attaches at the next `start`, asking for the
//! lines after the newest one it has: nothing is repeated, nothing is lost. The stream is
//! over only when the container is removed or the engine cannot be reached, and the view
//! is told which.

use bollard::models::EventMessage;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::{PumpEnd, pump_logs, send_logs};
use crate::act::events::FleetEvent;
use crate::app::logs::{LOG_TAIL, LogLine};
use crate::app::{Msg, StreamEvent};
use crate::transport::docker::{LogBody, RunState, unix_nanos};
use crate::transport::{DockerClient, DockerError};

/// What a container event means to a followed log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// The container exited: a marker line with its code and time (`HH:MM:SS`, UTC).
    Exit {
        code: String,
        at: String,
    },
    /// It started: maybe a new run (the engine also replays the start of the run
    /// already followed), which the caller checks.
    Start,
    /// It is gone.
    Removed,
    Other,
}

/// Pure: the meaning of one of the container's events.
pub fn seen(e: &FleetEvent) -> Seen {
    match e.action.as_str() {
        "die" => Seen::Exit {
            code: e.attributes.get("exitCode").map_or_else(
                || "?".to_string(),
                |c| crate::validate::printable(c).into_owned(),
            ),
            at: e.time.get(11..19).unwrap_or_default().to_string(),
        },
        "start" => Seen::Start,
        "destroy" => Seen::Removed,
        _ => Seen::Other,
    }
}

/// Why a followed log is over, in the view's words.
fn over(e: &DockerError) -> StreamEvent<Vec<LogLine>> {
    match e {
        DockerError::Status { status: 404, .. } => StreamEvent::Closed("container removed".into()),
        // `rm -f` racing a restart: the engine refuses the logs of a container it is
        // removing (409 "dead or marked for removal") before the destroy event comes.
        DockerError::Status {
            status: 409,
            message,
            ..
        } if message.contains("removal") => StreamEvent::Closed("container removed".into()),
        // The engine answered: it is reachable, and its words say why.
        DockerError::Status {
            status, message, ..
        } => StreamEvent::Failed(format!(
            "the engine answered {status}: {}",
            crate::validate::printable(message)
        )),
        other => StreamEvent::Failed(format!("engine unreachable: {other}")),
    }
}

/// Where the next stream starts: the last [`LOG_TAIL`] lines the first time, then just
/// after the newest line seen (the engine's `since` is inclusive).
async fn open(
    client: &DockerClient,
    container: &str,
    first: bool,
    last: Option<i128>,
) -> Result<LogBody, DockerError> {
    if first {
        client.follow_logs(container, LOG_TAIL).await
    } else {
        client
            .follow_logs_since(container, last.map_or(0, |t| t + 1))
            .await
    }
}

/// What happened while the container was down.
enum Next {
    /// A new run started: re-attach.
    Reattach,
    /// The stream is over; tell the view why.
    Over(StreamEvent<Vec<LogLine>>),
    /// The view closed.
    Stopped,
}

/// Follow `container`'s stdout and stderr, through its restarts, until its view closes,
/// it is removed, or its engine fails.
pub async fn logs(
    client: DockerClient,
    container: String,
    stream: u64,
    tx: UnboundedSender<Msg>,
    cancel: CancellationToken,
) {
    let mut last: Option<i128> = None;
    let mut first = true;
    loop {
        let body = tokio::select! {
            _ = cancel.cancelled() => return,
            body = open(&client, &container, first, last) => body,
        };
        let body = match body {
            Ok(body) => body,
            Err(e) => {
                send_logs(&tx, stream, over(&e));
                return;
            }
        };
        first = false;
        let run = body.run.clone();
        let lines = futures::stream::unfold(body, |mut body| async move {
            body.next_lines().await.map(|item| (item, body))
        });
        match pump_logs(lines, stream, &tx, &cancel, &mut last).await {
            PumpEnd::Stopped => return,
            PumpEnd::Failed(why) => {
                send_logs(
                    &tx,
                    stream,
                    StreamEvent::Failed(format!("engine unreachable: {why}")),
                );
                return;
            }
            PumpEnd::Ended => {}
        }
        if !run.known {
            // Without the container's state no restart can be told apart: stop here.
            send_logs(
                &tx,
                stream,
                StreamEvent::Closed("the engine ended the stream".into()),
            );
            return;
        }
        match wait_for_a_run(&client, &container, &run, stream, &tx, &cancel).await {
            Next::Reattach => {
                tracing::info!(stream, %container, "container started again: logs re-attach");
            }
            Next::Over(event) => {
                send_logs(&tx, stream, event);
                return;
            }
            Next::Stopped => return,
        }
    }
}

/// After the stream of `run` ended: mark each exit, and come back when another run
/// starts. Events are asked from `run`'s start on, so an exit or a start that came
/// before this request is replayed, not missed.
async fn wait_for_a_run(
    client: &DockerClient,
    container: &str,
    run: &RunState,
    stream: u64,
    tx: &UnboundedSender<Msg>,
    cancel: &CancellationToken,
) -> Next {
    let since = run.started_at.as_deref().and_then(unix_nanos).unwrap_or(0);
    let events = tokio::select! {
        _ = cancel.cancelled() => return Next::Stopped,
        events = client.container_events(container, since) => events,
    };
    let mut events = match events {
        Ok(events) => events,
        Err(e) => return Next::Over(over(&e)),
    };
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => return Next::Stopped,
            event = events.next::<EventMessage>() => event,
        };
        let event = match event {
            Some(Ok(m)) => FleetEvent::from_message("", m),
            Some(Err(e)) => return Next::Over(over(&e)),
            None => {
                return Next::Over(StreamEvent::Failed(
                    "engine unreachable: it closed the events stream".into(),
                ));
            }
        };
        match seen(&event) {
            Seen::Exit { code, at } => {
                let marker = LogLine::exit_marker(&code, &at);
                if !send_logs(tx, stream, StreamEvent::Data(vec![marker])) {
                    return Next::Stopped;
                }
            }
            Seen::Start => match client.container_run(container).await {
                Ok(None) => return Next::Over(StreamEvent::Closed("container removed".into())),
                Ok(Some(now)) if now.started_at != run.started_at => return Next::Reattach,
                // The replayed start of the run already followed.
                Ok(Some(_)) => {}
                Err(e) => return Next::Over(over(&e)),
            },
            Seen::Removed => {
                return Next::Over(StreamEvent::Closed("container removed".into()));
            }
            Seen::Other => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn event(action: &str, attrs: &[(&str, &str)]) -> FleetEvent {
        FleetEvent {
            node: String::new(),
            time: "2026-12-02T12:01:07Z".into(),
            time_nano: 0,
            kind: "container".into(),
            action: action.into(),
            id: "abc".into(),
            name: Some("web".into()),
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn events_mean_exits_starts_and_removals() {
        assert_eq!(
            seen(&event("die", &[("exitCode", "3")])),
            Seen::Exit {
                code: "3".into(),
                at: "12:01:07".into()
            }
        );
        assert_eq!(
            seen(&event("die", &[])),
            Seen::Exit {
                code: "?".into(),
                at: "12:01:07".into()
            },
            "an engine that gives no code"
        );
        assert_eq!(seen(&event("start", &[])), Seen::Start);
        assert_eq!(seen(&event("destroy", &[])), Seen::Removed);
        assert_eq!(seen(&event("exec_start: sh", &[])), Seen::Other);
    }

    #[test]
    fn a_removed_container_is_not_an_unreachable_engine() {
        let gone = DockerError::Status {
            target: "h1".into(),
            what: "GET /containers/x/json".into(),
            status: 404,
            message: "No such container: x".into(),
        };
        assert_eq!(over(&gone), StreamEvent::Closed("container removed".into()));
        let removing = DockerError::Status {
            target: "h1".into(),
            what: "GET /containers/x/logs".into(),
            status: 409,
            message: "can not get logs from container which is dead or marked for removal".into(),
        };
        assert_eq!(
            over(&removing),
            StreamEvent::Closed("container removed".into())
        );
        let refused = DockerError::Status {
            target: "h1".into(),
            what: "GET /containers/x/logs".into(),
            status: 500,
            message: "boom".into(),
        };
        assert_eq!(
            over(&refused),
            StreamEvent::Failed("the engine answered 500: boom".into())
        );
        let down = DockerError::Connect {
            target: "h1".into(),
            source: std::io::Error::other("refused"),
        };
        assert!(
            matches!(over(&down), StreamEvent::Failed(w) if w.starts_with("engine unreachable: "))
        );
    }
}
