//! `fleetdeck ssh|exec` riding the master's open connections, as `ssh` rides a
//! ControlMaster: the client sends one request line, the master resolves the target and
//! opens the session over its connection, answers one line, and then both sides forward
//! frames (`frames.rs`). The client audits and records as it would without a master.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

use super::frames::{Frame, read_frame, write_frame};
use super::protocol::{LineError, MAX_LINE, Request, Response, write_line};
use crate::act::lookup::{self, FindError};
use crate::act::open::{self, Terminal};
use crate::act::session::{Control, Event, ExitStatus, RemoteSession, SessionError};
use crate::inventory::Site;
use crate::transport::links::NodeLink;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TtySpec {
    pub term: String,
    pub cols: u16,
    pub rows: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// "ssh" (target is a node) or "exec" (target is a container).
    pub action: String,
    pub target: String,
    /// The command; empty for a shell.
    pub argv: Vec<String>,
    pub tty: Option<TtySpec>,
}

/// What the master opened, for the client's audit row and recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub node: String,
    pub container: Option<String>,
}

use crate::contract::docker::CONNECT;

// ---- the master's side ----

/// Resolve and open; then forward until the session or the client ends.
pub async fn serve(
    request: SessionRequest,
    links: &BTreeMap<String, NodeLink>,
    sites: Result<Vec<Site>, String>,
    stream: UnixStream,
) {
    let (read, mut write) = stream.into_split();
    let opened = open_here(&request, links, sites).await;
    let (session, answer) = match opened {
        Ok((session, opened)) => (
            Some(session),
            Response::SessionOpened {
                node: opened.node,
                container: opened.container,
            },
        ),
        Err((message, exit)) => (None, Response::SessionRefused { message, exit }),
    };
    if write_line(&mut write, &answer).await.is_err() {
        return;
    }
    let Some(RemoteSession {
        mut events,
        mut control,
    }) = session
    else {
        return;
    };
    let mut frames = frame_stream(read);
    loop {
        tokio::select! {
            event = events.next() => {
                let (frame, last) = match event {
                    Some(Ok(Event::Stdout(d))) => (Frame::Stdout(d), false),
                    Some(Ok(Event::Stderr(d))) => (Frame::Stderr(d), false),
                    Some(Ok(Event::Exit(ExitStatus::Code(c)))) => (Frame::ExitCode(c), true),
                    Some(Ok(Event::Exit(ExitStatus::Signal(s)))) => (Frame::ExitSignal(s), true),
                    Some(Ok(Event::Exit(ExitStatus::Unknown))) | None => (Frame::ExitUnknown, true),
                    Some(Err(e)) => (Frame::Error(e.to_string()), true),
                };
                if write_frame(&mut write, &frame).await.is_err() || last {
                    return;
                }
            }
            frame = frames.next() => {
                let done = match frame {
                    Some(Ok(Frame::Stdin(d))) => control.send(&d).await.is_err(),
                    Some(Ok(Frame::StdinEof)) => control.close_stdin().await.is_err(),
                    Some(Ok(Frame::Resize { cols, rows })) => {
                        let _ = control.resize(cols, rows).await;
                        false
                    }
                    Some(Ok(_)) => false,
                    // The client went away: dropping the session closes the channel.
                    Some(Err(_)) | None => true,
                };
                if done {
                    return;
                }
            }
        }
    }
}

async fn open_here(
    request: &SessionRequest,
    links: &BTreeMap<String, NodeLink>,
    sites: Result<Vec<Site>, String>,
) -> Result<(RemoteSession, Opened), (String, u8)> {
    let tty = request.tty.as_ref().map(|t| Terminal {
        term: t.term.clone(),
        cols: t.cols,
        rows: t.rows,
    });
    let argv = (!request.argv.is_empty()).then(|| request.argv.clone());
    match request.action.as_str() {
        "ssh" => {
            let link = links.get(&request.target).ok_or_else(|| {
                let known: Vec<&str> = links.keys().map(String::as_str).collect();
                (
                    format!(
                        "no node `{}` in the config; nodes: {}",
                        request.target,
                        known.join(", ")
                    ),
                    4,
                )
            })?;
            let line = argv.as_deref().and_then(open::ssh_command_line);
            let session = open::node_session(link, line, tty.as_ref())
                .await
                .map_err(|e| (e.to_string(), 1))?;
            Ok((
                session,
                Opened {
                    node: link.name.clone(),
                    container: None,
                },
            ))
        }
        "exec" => {
            let sites = sites.map_err(|e| (e, 1))?;
            let (resolved, client) = lookup::find(links, &sites, &request.target, CONNECT)
                .await
                .map_err(|e| {
                    let exit = if matches!(e, FindError::Resolve(_)) {
                        4
                    } else {
                        1
                    };
                    (e.to_string(), exit)
                })?;
            let session =
                open::container_session(&client, &resolved.id, &resolved.name, argv, tty.as_ref())
                    .await
                    .map_err(|e| (e.to_string(), 1))?;
            Ok((
                session,
                Opened {
                    node: resolved.node,
                    container: Some(resolved.name),
                },
            ))
        }
        other => Err((format!("unknown session kind {other:?}"), 2)),
    }
}

/// Frames read in a stream, so a read interrupted by `select!` loses nothing.
fn frame_stream(
    read: OwnedReadHalf,
) -> std::pin::Pin<Box<dyn futures::Stream<Item = Result<Frame, super::frames::FrameError>> + Send>>
{
    Box::pin(futures::stream::unfold(Some(read), |state| async move {
        let mut read = state?;
        match read_frame(&mut read).await {
            Ok(Some(f)) => Some((Ok(f), Some(read))),
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    }))
}

// ---- the client's side ----

#[derive(Debug, thiserror::Error)]
pub enum AskSessionError {
    /// No master, or it could not be talked to: the caller goes direct.
    #[error("master unusable: {0}")]
    Unusable(String),
    /// The master tried and says no (bad target, the node refused...).
    #[error("{message}")]
    Refused { message: String, exit: u8 },
}

pub async fn ask(
    path: &std::path::Path,
    request: SessionRequest,
    limit: Duration,
) -> Result<(RemoteSession, Opened), AskSessionError> {
    let unusable = |e: String| AskSessionError::Unusable(e);
    if !super::place::is_own_socket(path) {
        return Err(unusable(format!("no master at {}", path.display())));
    }
    let stream = tokio::time::timeout(Duration::from_secs(1), UnixStream::connect(path))
        .await
        .map_err(|_| unusable("connect timed out".into()))?
        .map_err(|e| unusable(e.to_string()))?;
    let (mut read, mut write) = stream.into_split();
    write_line(&mut write, &Request::Session(request))
        .await
        .map_err(|e| unusable(e.to_string()))?;
    let answer = tokio::time::timeout(limit, read_line_unbuffered(&mut read))
        .await
        .map_err(|_| unusable(format!("no answer within {}s", limit.as_secs())))?
        .map_err(|e| unusable(e.to_string()))?;
    match answer {
        Response::SessionOpened { node, container } => {
            Ok((client_session(read, write), Opened { node, container }))
        }
        Response::SessionRefused { message, exit } => {
            Err(AskSessionError::Refused { message, exit })
        }
        Response::Error { message } => Err(unusable(message)),
        other => Err(unusable(format!("unexpected answer {other:?}"))),
    }
}

/// One line, read a byte at a time: frames follow it on the socket, and a buffered
/// reader would swallow the first of them.
async fn read_line_unbuffered(read: &mut OwnedReadHalf) -> Result<Response, LineError> {
    let mut line = Vec::new();
    loop {
        let mut byte = [0u8; 1];
        if read.read(&mut byte).await? == 0 {
            return Err(LineError::Closed);
        }
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
        if line.len() > MAX_LINE {
            return Err(LineError::TooLong(MAX_LINE));
        }
    }
    Ok(serde_json::from_slice(&line)?)
}

struct MasterControl(OwnedWriteHalf);

fn lost(e: super::frames::FrameError) -> SessionError {
    SessionError(format!("the master's connection: {e}"))
}

impl Control for MasterControl {
    fn send<'a>(&'a mut self, data: &'a [u8]) -> BoxFuture<'a, Result<(), SessionError>> {
        Box::pin(async move {
            write_frame(&mut self.0, &Frame::Stdin(data.to_vec()))
                .await
                .map_err(lost)
        })
    }
    fn close_stdin(&mut self) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(async move {
            write_frame(&mut self.0, &Frame::StdinEof)
                .await
                .map_err(lost)
        })
    }
    fn resize(&mut self, cols: u16, rows: u16) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(async move {
            write_frame(&mut self.0, &Frame::Resize { cols, rows })
                .await
                .map_err(lost)
        })
    }
}

fn client_session(read: OwnedReadHalf, write: OwnedWriteHalf) -> RemoteSession {
    let events = frame_stream(read).map(|frame| match frame {
        Ok(Frame::Stdout(d)) => Ok(Event::Stdout(d)),
        Ok(Frame::Stderr(d)) => Ok(Event::Stderr(d)),
        Ok(Frame::ExitCode(c)) => Ok(Event::Exit(ExitStatus::Code(c))),
        Ok(Frame::ExitSignal(s)) => Ok(Event::Exit(ExitStatus::Signal(s))),
        Ok(Frame::ExitUnknown) => Ok(Event::Exit(ExitStatus::Unknown)),
        Ok(Frame::Error(e)) => Err(SessionError(e)),
        Ok(other) => Err(SessionError(format!("the master sent {other:?}"))),
        Err(e) => Err(lost(e)),
    });
    RemoteSession {
        events: Box::pin(events),
        control: Box::new(MasterControl(write)),
    }
}
