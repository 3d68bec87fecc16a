//! `ProxyCommand`: the first hop is reached through a command's stdin and stdout
//! instead of a TCP connection, as ssh does (`/bin/sh -c "exec COMMAND"`). The command
//! is killed when the connection is dropped; its stderr goes to the log.

use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, BufReader, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::error::SshError;
use super::target::Hop;

pub struct ProxyStream {
    stdout: ChildStdout,
    stdin: ChildStdin,
    _child: Child,
}

/// Start `command` (tokens already expanded) for `hop`.
pub fn spawn(command: &str, hop: &Hop) -> Result<ProxyStream, SshError> {
    let failed = |e: std::io::Error| SshError::Connect {
        hop: format!("{hop} (ProxyCommand {command:?})"),
        source: e,
    };
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("exec {command}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(failed)?;
    let missing = || failed(std::io::Error::other("no pipe to the command"));
    let stdin = child.stdin.take().ok_or_else(missing)?;
    let stdout = child.stdout.take().ok_or_else(missing)?;
    if let Some(stderr) = child.stderr.take() {
        let hop = hop.to_string();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::warn!(hop = %hop, "ProxyCommand: {}", crate::validate::printable(&line));
            }
        });
    }
    Ok(ProxyStream {
        stdout,
        stdin,
        _child: child,
    })
}

impl AsyncRead for ProxyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProxyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stdin).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdin).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdin).poll_shutdown(cx)
    }
}
