//! A remote session for a person, whatever carries it: an SSH channel (`fleetdeck ssh`)
//! or a Docker exec (`fleetdeck exec`). Both become the same two halves: a stream of
//! output that ends with the exit status, and a control half that sends input, closes
//! stdin and follows the terminal's size. The pump (`pump.rs`) drives them the same way.

use std::pin::Pin;

use futures::Stream;
use futures::future::BoxFuture;
use russh::ChannelMsg;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};

use crate::transport::docker::frames::{Demux, Stream as Which};
use crate::transport::docker::{DockerClient, ExecIo};
use crate::transport::ssh::pty::OpenChannel;

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitStatus {
    Code(i32),
    /// Killed by a signal (SSH reports its name).
    Signal(String),
    /// The channel closed without saying.
    Unknown,
}

impl ExitStatus {
    /// The status fleetdeck exits with: the remote code, 128+n for a signal as a shell
    /// reports it, 255 when unknown (what `ssh` uses when the connection failed).
    pub fn process_code(&self) -> i32 {
        match self {
            ExitStatus::Code(c) => *c,
            ExitStatus::Signal(name) => 128 + signal_number(name),
            ExitStatus::Unknown => 255,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            ExitStatus::Code(c) => format!("exit {c}"),
            ExitStatus::Signal(name) => format!("killed by SIG{name}"),
            ExitStatus::Unknown => "ended without an exit status".into(),
        }
    }
}

fn signal_number(name: &str) -> i32 {
    match name {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "SEGV" => 11,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    }
}

/// One piece of what the remote sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    Exit(ExitStatus),
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SessionError(pub String);

pub type Events = Pin<Box<dyn Stream<Item = Result<Event, SessionError>> + Send>>;

/// Input, end of input and window size, towards the remote.
pub trait Control: Send {
    fn send<'a>(&'a mut self, data: &'a [u8]) -> BoxFuture<'a, Result<(), SessionError>>;
    fn close_stdin(&mut self) -> BoxFuture<'_, Result<(), SessionError>>;
    fn resize(&mut self, cols: u16, rows: u16) -> BoxFuture<'_, Result<(), SessionError>>;
}

pub struct RemoteSession {
    pub events: Events,
    pub control: Box<dyn Control>,
}

// ---- SSH channel ----

struct SshControl(russh::ChannelWriteHalf<russh::client::Msg>);

fn ssh_err(e: russh::Error) -> SessionError {
    SessionError(format!("ssh channel: {e}"))
}

impl Control for SshControl {
    fn send<'a>(&'a mut self, data: &'a [u8]) -> BoxFuture<'a, Result<(), SessionError>> {
        Box::pin(async move { self.0.data(data).await.map_err(ssh_err) })
    }
    fn close_stdin(&mut self) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(async move { self.0.eof().await.map_err(ssh_err) })
    }
    fn resize(&mut self, cols: u16, rows: u16) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(async move {
            self.0
                .window_change(u32::from(cols), u32::from(rows), 0, 0)
                .await
                .map_err(ssh_err)
        })
    }
}

/// The events of an SSH channel. The exit status may come before the last output, so
/// the stream ends at the channel's close and only then reports the status.
pub fn from_ssh(open: OpenChannel) -> RemoteSession {
    let OpenChannel { read, write, early } = open;
    struct St {
        read: russh::ChannelReadHalf,
        early: std::vec::IntoIter<ChannelMsg>,
        status: Option<ExitStatus>,
        done: bool,
    }
    let state = St {
        read,
        early: early.into_iter(),
        status: None,
        done: false,
    };
    let events = futures::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            let msg = match st.early.next() {
                Some(m) => Some(m),
                None => st.read.wait().await,
            };
            match msg {
                Some(ChannelMsg::Data { data }) => {
                    return Some((Ok(Event::Stdout(data.to_vec())), st));
                }
                Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                    return Some((Ok(Event::Stderr(data.to_vec())), st));
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => {
                    st.status = Some(ExitStatus::Code(i32::try_from(exit_status).unwrap_or(255)));
                }
                Some(ChannelMsg::ExitSignal { signal_name, .. }) => {
                    st.status = Some(ExitStatus::Signal(format!("{signal_name:?}")));
                }
                Some(ChannelMsg::Close) | None => {
                    st.done = true;
                    let status = st.status.take().unwrap_or(ExitStatus::Unknown);
                    return Some((Ok(Event::Exit(status)), st));
                }
                Some(_) => {}
            }
        }
    });
    RemoteSession {
        events: Box::pin(events),
        control: Box::new(SshControl(write)),
    }
}

// ---- Docker exec ----

struct DockerControl {
    write: WriteHalf<ExecIo>,
    client: DockerClient,
    exec_id: String,
}

fn io_err(what: &str, e: std::io::Error) -> SessionError {
    SessionError(format!("{what}: {e}"))
}

impl Control for DockerControl {
    fn send<'a>(&'a mut self, data: &'a [u8]) -> BoxFuture<'a, Result<(), SessionError>> {
        Box::pin(async move {
            self.write
                .write_all(data)
                .await
                .map_err(|e| io_err("docker exec input", e))?;
            self.write
                .flush()
                .await
                .map_err(|e| io_err("docker exec input", e))
        })
    }
    fn close_stdin(&mut self) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(async move {
            self.write
                .shutdown()
                .await
                .map_err(|e| io_err("closing the exec's input", e))
        })
    }
    fn resize(&mut self, cols: u16, rows: u16) -> BoxFuture<'_, Result<(), SessionError>> {
        Box::pin(async move {
            self.client
                .exec_resize(&self.exec_id, cols, rows)
                .await
                .map_err(|e| SessionError(format!("resizing the exec: {e}")))
        })
    }
}

/// The events of an attached exec: raw bytes with a TTY, demultiplexed without. At the
/// end of the stream the engine is asked for the exit code.
pub fn from_docker(io: ExecIo, tty: bool, client: DockerClient, exec_id: String) -> RemoteSession {
    let (read, write) = tokio::io::split(io);
    struct St {
        read: ReadHalf<ExecIo>,
        demux: Option<Demux>,
        client: DockerClient,
        exec_id: String,
        queue: std::collections::VecDeque<Event>,
        done: bool,
    }
    let state = St {
        read,
        demux: (!tty).then(Demux::default),
        client: client.clone(),
        exec_id: exec_id.clone(),
        queue: std::collections::VecDeque::new(),
        done: false,
    };
    let events = futures::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        if let Some(event) = st.queue.pop_front() {
            return Some((Ok(event), st));
        }
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match st.read.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    st.done = true;
                    return Some((Err(io_err("docker exec output", e)), st));
                }
            };
            if n == 0 {
                st.done = true;
                let status = exit_code(&st.client, &st.exec_id).await;
                return Some((status.map(Event::Exit), st));
            }
            let Some(demux) = st.demux.as_mut() else {
                return Some((Ok(Event::Stdout(buf[..n].to_vec())), st));
            };
            let pieces = match demux.feed(&buf[..n]) {
                Ok(p) => p,
                Err(e) => {
                    st.done = true;
                    return Some((Err(SessionError(e.to_string())), st));
                }
            };
            for (which, piece) in pieces {
                match (which, st.queue.back_mut()) {
                    (Which::Stdout, Some(Event::Stdout(v)))
                    | (Which::Stderr, Some(Event::Stderr(v))) => v.extend_from_slice(piece),
                    (Which::Stdout, _) => st.queue.push_back(Event::Stdout(piece.to_vec())),
                    (Which::Stderr, _) => st.queue.push_back(Event::Stderr(piece.to_vec())),
                }
            }
            if let Some(event) = st.queue.pop_front() {
                return Some((Ok(event), st));
            }
        }
    });
    RemoteSession {
        events: Box::pin(events),
        control: Box::new(DockerControl {
            write,
            client,
            exec_id,
        }),
    }
}

/// The engine records the exit code a moment after the stream ends: ask a few times.
async fn exit_code(client: &DockerClient, exec_id: &str) -> Result<ExitStatus, SessionError> {
    for attempt in 0..20u32 {
        match client.exec_exit_code(exec_id).await {
            Ok(Some(code)) => return Ok(ExitStatus::Code(i32::try_from(code).unwrap_or(255))),
            Ok(None) => {
                tokio::time::sleep(std::time::Duration::from_millis(
                    25 * u64::from(attempt + 1),
                ))
                .await
            }
            Err(e) => return Err(SessionError(format!("reading the exec's exit code: {e}"))),
        }
    }
    Ok(ExitStatus::Unknown)
}
