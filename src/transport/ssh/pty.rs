//! A session channel for a person: a shell or one command, with or without a PTY, whose
//! input, output, window size and exit status the caller drives (`fleetdeck ssh`). The
//! requests ask for a reply, so a server that refuses a PTY or a shell says so at once
//! instead of leaving the user in front of a silent session.

use std::time::Duration;

use russh::ChannelMsg;
use russh::client::Msg;
use russh::{ChannelReadHalf, ChannelWriteHalf};
use tokio::time::timeout;

use super::error::SshError;
use super::session::SshSession;

/// The terminal the remote PTY should mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtySpec {
    pub term: String,
    pub cols: u16,
    pub rows: u16,
}

/// What to start on the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSpec {
    /// A quoted command line; `None` starts the login shell.
    pub command: Option<String>,
    pub pty: Option<PtySpec>,
}

/// An open channel, split so input and output can be driven at once.
pub struct OpenChannel {
    pub read: ChannelReadHalf,
    pub write: ChannelWriteHalf<Msg>,
    /// Output that arrived while the requests were being answered.
    pub early: Vec<ChannelMsg>,
}

impl SshSession {
    pub async fn open_channel(
        &self,
        spec: &ChannelSpec,
        limit: Duration,
    ) -> Result<OpenChannel, SshError> {
        let hop = self.hop().to_string();
        let mut channel = timeout(limit, self.handle().channel_open_session())
            .await
            .map_err(|_| SshError::Timeout {
                hop: hop.clone(),
                stage: "session channel",
                after: limit,
            })?
            .map_err(|e| self.session_open(e))?;
        let mut early = Vec::new();
        if let Some(pty) = &spec.pty {
            channel
                .request_pty(
                    true,
                    &pty.term,
                    u32::from(pty.cols),
                    u32::from(pty.rows),
                    0,
                    0,
                    &[],
                )
                .await
                .map_err(|e| self.protocol(e))?;
            if !replied_ok(&mut channel, &mut early, limit, &hop, "pty").await? {
                return Err(SshError::ChannelRefused {
                    hop,
                    what: "a terminal (PTY)".into(),
                    reason: "the server refuses PTYs (PermitTTY no, or a restrict/no-pty key); run a command instead: fleetdeck ssh NODE -- COMMAND".into(),
                });
            }
        }
        match &spec.command {
            Some(line) => channel.exec(true, line.as_str()).await,
            None => channel.request_shell(true).await,
        }
        .map_err(|e| self.protocol(e))?;
        if !replied_ok(&mut channel, &mut early, limit, &hop, "start").await? {
            return Err(SshError::ChannelRefused {
                hop,
                what: if spec.command.is_some() {
                    "the command".into()
                } else {
                    "a shell".into()
                },
                reason: "the server said no".into(),
            });
        }
        let (read, write) = channel.split();
        Ok(OpenChannel { read, write, early })
    }
}

/// Wait for the answer to a request sent with want_reply; output that comes first is kept.
async fn replied_ok(
    channel: &mut russh::Channel<Msg>,
    early: &mut Vec<ChannelMsg>,
    limit: Duration,
    hop: &str,
    stage: &'static str,
) -> Result<bool, SshError> {
    let wait = async {
        loop {
            match channel.wait().await {
                Some(ChannelMsg::Success) => return Ok(true),
                Some(ChannelMsg::Failure) => return Ok(false),
                Some(msg @ (ChannelMsg::Data { .. } | ChannelMsg::ExtendedData { .. })) => {
                    early.push(msg)
                }
                Some(msg @ (ChannelMsg::ExitStatus { .. } | ChannelMsg::ExitSignal { .. })) => {
                    early.push(msg)
                }
                Some(ChannelMsg::Close) | None => {
                    return Err(SshError::Closed {
                        hop: hop.to_string(),
                    });
                }
                Some(_) => {}
            }
        }
    };
    timeout(limit, wait).await.map_err(|_| SshError::Timeout {
        hop: hop.to_string(),
        stage,
        after: limit,
    })?
}
