//! Running a command on a node: the trait every collector and operation uses, the local
//! implementation, and the read-only guard.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::{catalog, quote};

/// A command as an argument list, never as a shell string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCommand {
    argv: Vec<String>,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

/// Characters of stderr kept in an error message.
pub const STDERR_TAIL: usize = 400;

/// How long a command may run when the caller says nothing.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

impl RemoteCommand {
    pub fn new<S: Into<String>>(argv: impl IntoIterator<Item = S>) -> RemoteCommand {
        RemoteCommand {
            argv: argv.into_iter().map(Into::into).collect(),
            stdin: None,
            timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    pub fn with_stdin(mut self, data: Vec<u8>) -> RemoteCommand {
        self.stdin = Some(data);
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> RemoteCommand {
        self.timeout = timeout;
        self
    }

    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    pub fn stdin(&self) -> Option<&[u8]> {
        self.stdin.as_deref()
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the read-only catalog allows it.
    pub fn is_read_only(&self) -> bool {
        catalog::is_read_only(&self.argv)
    }

    /// The quoted command line, as shown in messages.
    pub fn command_line(&self) -> String {
        quote::command_line(&self.argv)
    }

    /// What is sent to the remote shell: the command in the C locale, so that tools such
    /// as virsh print the untranslated words the parsers read. `env` works whatever the
    /// remote user's login shell is.
    pub fn remote_line(&self) -> String {
        format!("{REMOTE_PREFIX}{}", self.command_line())
    }

    /// The command a [`RemoteCommand::remote_line`] stands for, or `None` for any other
    /// line (lab tests read back what reached a node's shell).
    pub fn from_remote_line(line: &str) -> Option<RemoteCommand> {
        let argv = quote::split_command_line(line.strip_prefix(REMOTE_PREFIX)?)?;
        Some(RemoteCommand::new(argv))
    }
}

/// Before every remote command: the C locale (see [`RemoteCommand::remote_line`]).
const REMOTE_PREFIX: &str = "env LC_ALL=C ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Exit status; `None` when the command died from a signal or the channel closed
    /// without one.
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The last lines of stderr, for an error message: at most [`STDERR_TAIL`] characters
    /// (the end is kept, where the error usually is) with control characters escaped, so
    /// a node printing megabytes or escape sequences on stderr yields one short, inert
    /// line.
    pub fn stderr_tail(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(3)..].join(" / ");
        let count = tail.chars().count();
        let kept: String = if count > STDERR_TAIL {
            let rest: String = tail.chars().skip(count - STDERR_TAIL).collect();
            format!("…{rest}")
        } else {
            tail
        };
        crate::validate::printable(&kept).into_owned()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("refused: `{command}` is not read-only and fleetdeck is in read-only mode")]
    ReadOnly { command: String },
    #[error("`{command}` on {node} did not finish within {}s", after.as_secs())]
    Timeout {
        node: String,
        command: String,
        after: Duration,
    },
    #[error("cannot start `{program}` on {node}: {source}")]
    Spawn {
        node: String,
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("empty command")]
    Empty,
    #[error("{node}: {message}")]
    Transport { node: String, message: String },
}

/// Runs commands on one node.
pub trait Exec: Send + Sync {
    fn run<'a>(&'a self, cmd: &'a RemoteCommand) -> BoxFuture<'a, Result<Output, ExecError>>;
    /// The node, for messages.
    fn node(&self) -> &str;

    /// Run several commands whose outputs are all wanted; a transport may run them in
    /// one session (see `batch`). Results come back in order.
    fn run_batch<'a>(
        &'a self,
        cmds: &'a [RemoteCommand],
    ) -> BoxFuture<'a, Vec<Result<Output, ExecError>>> {
        Box::pin(futures::future::join_all(cmds.iter().map(|c| self.run(c))))
    }
}

/// Wrap `inner` so that, in read-only mode, only catalog commands get through.
pub fn guarded(inner: Arc<dyn Exec>, read_only: bool) -> Arc<dyn Exec> {
    if read_only {
        Arc::new(ReadOnlyExec { inner })
    } else {
        inner
    }
}

struct ReadOnlyExec {
    inner: Arc<dyn Exec>,
}

impl Exec for ReadOnlyExec {
    fn run<'a>(&'a self, cmd: &'a RemoteCommand) -> BoxFuture<'a, Result<Output, ExecError>> {
        if !cmd.is_read_only() {
            tracing::warn!(node = self.inner.node(), command = %cmd.command_line(), "refused in read-only mode");
            let command = cmd.command_line();
            return Box::pin(async move { Err(ExecError::ReadOnly { command }) });
        }
        self.inner.run(cmd)
    }

    fn node(&self) -> &str {
        self.inner.node()
    }

    fn run_batch<'a>(
        &'a self,
        cmds: &'a [RemoteCommand],
    ) -> BoxFuture<'a, Vec<Result<Output, ExecError>>> {
        Box::pin(async move {
            let allowed: Vec<RemoteCommand> =
                cmds.iter().filter(|c| c.is_read_only()).cloned().collect();
            let mut ran = self.inner.run_batch(&allowed).await.into_iter();
            cmds.iter()
                .map(|c| {
                    if c.is_read_only() {
                        ran.next().unwrap_or(Err(ExecError::Empty))
                    } else {
                        tracing::warn!(node = self.inner.node(), command = %c.command_line(), "refused in read-only mode");
                        Err(ExecError::ReadOnly { command: c.command_line() })
                    }
                })
                .collect()
        })
    }
}

/// This machine, through `tokio::process` (no shell involved).
pub struct LocalExec {
    node: String,
}

impl LocalExec {
    pub fn new(node: impl Into<String>) -> LocalExec {
        LocalExec { node: node.into() }
    }
}

impl Exec for LocalExec {
    fn run<'a>(&'a self, cmd: &'a RemoteCommand) -> BoxFuture<'a, Result<Output, ExecError>> {
        Box::pin(async move {
            let (program, args) = cmd.argv().split_first().ok_or(ExecError::Empty)?;
            let mut child = tokio::process::Command::new(program);
            child
                .args(args)
                .env("LC_ALL", "C")
                .stdin(if cmd.stdin().is_some() {
                    std::process::Stdio::piped()
                } else {
                    std::process::Stdio::null()
                })
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true);
            let spawn_err = |source| ExecError::Spawn {
                node: self.node.clone(),
                program: program.clone(),
                source,
            };
            let mut child = child.spawn().map_err(spawn_err)?;
            if let (Some(data), Some(mut stdin)) = (cmd.stdin(), child.stdin.take()) {
                use tokio::io::AsyncWriteExt;
                let data = data.to_vec();
                tokio::spawn(async move {
                    let _ = stdin.write_all(&data).await;
                });
            }
            let waited = tokio::time::timeout(cmd.timeout(), child.wait_with_output()).await;
            match waited {
                Err(_) => Err(ExecError::Timeout {
                    node: self.node.clone(),
                    command: cmd.command_line(),
                    after: cmd.timeout(),
                }),
                Ok(Err(source)) => Err(spawn_err(source)),
                Ok(Ok(out)) => Ok(Output {
                    status: out.status.code(),
                    stdout: out.stdout,
                    stderr: out.stderr,
                }),
            }
        })
    }

    fn node(&self) -> &str {
        &self.node
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_exec_runs_without_a_shell() {
        let exec = LocalExec::new("local");
        let out = exec
            .run(&RemoteCommand::new(["printf", "%s|", "$(id)", "a b"]))
            .await
            .expect("run");
        assert!(out.success());
        assert_eq!(out.stdout_text(), "$(id)|a b|");
        let input = exec
            .run(&RemoteCommand::new(["cat"]).with_stdin(b"hello".to_vec()))
            .await
            .expect("cat");
        assert_eq!(input.stdout, b"hello");
        let failed = exec
            .run(&RemoteCommand::new(["false"]))
            .await
            .expect("false");
        assert_eq!(failed.status, Some(1));
    }

    #[test]
    fn stderr_tails_are_short_and_inert() {
        let out = Output {
            status: Some(1),
            stdout: Vec::new(),
            stderr: format!("first\n\n{}\nlast \u{1b}[2J\n", "E".repeat(1_000_000)).into_bytes(),
        };
        let tail = out.stderr_tail();
        assert!(
            tail.chars().count() <= STDERR_TAIL + 20,
            "{} chars",
            tail.len()
        );
        assert!(
            tail.starts_with('…') && tail.ends_with("last \\u{1b}[2J"),
            "{tail}"
        );
        let short = Output {
            stderr: b"a\nb\nc\nd\n".to_vec(),
            ..out
        };
        assert_eq!(short.stderr_tail(), "b / c / d");
    }

    #[tokio::test]
    async fn local_exec_times_out_and_reports_missing_programs() {
        let exec = LocalExec::new("local");
        let slow = RemoteCommand::new(["sleep", "5"]).with_timeout(Duration::from_millis(100));
        let err = exec.run(&slow).await.expect_err("timeout");
        assert!(matches!(err, ExecError::Timeout { .. }), "{err}");
        let err = exec
            .run(&RemoteCommand::new(["fleetdeck-no-such-program"]))
            .await
            .expect_err("spawn");
        assert!(err.to_string().contains("cannot start"), "{err}");
    }

    /// Counts what reaches it, to prove the guard stops writes before the transport.
    struct Spy {
        calls: std::sync::Mutex<Vec<String>>,
    }

    impl Exec for Spy {
        fn run<'a>(&'a self, cmd: &'a RemoteCommand) -> BoxFuture<'a, Result<Output, ExecError>> {
            self.calls.lock().expect("lock").push(cmd.command_line());
            Box::pin(async {
                Ok(Output {
                    status: Some(0),
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                })
            })
        }
        fn node(&self) -> &str {
            "spy"
        }
    }

    #[tokio::test]
    async fn read_only_guard_refuses_writes_before_the_transport() {
        let spy = Arc::new(Spy {
            calls: std::sync::Mutex::new(Vec::new()),
        });
        let guarded = guarded(spy.clone(), true);
        guarded
            .run(&RemoteCommand::new(["xl", "list"]))
            .await
            .expect("read passes");
        let err = guarded
            .run(&RemoteCommand::new(["docker", "rm", "-f", "web"]))
            .await
            .expect_err("write refused");
        assert!(err.to_string().contains("read-only mode"), "{err}");
        assert_eq!(
            *spy.calls.lock().expect("lock"),
            vec!["xl list".to_string()]
        );

        let batch = [
            RemoteCommand::new(["hostname"]),
            RemoteCommand::new(["docker", "rm", "-f", "web"]),
            RemoteCommand::new(["ss", "-H", "-tlnp"]),
        ];
        let results = guarded.run_batch(&batch).await;
        assert!(results[0].is_ok() && results[2].is_ok());
        assert!(matches!(results[1], Err(ExecError::ReadOnly { .. })));
        assert_eq!(
            *spy.calls.lock().expect("lock"),
            vec![
                "xl list".to_string(),
                "hostname".to_string(),
                "ss -H -tlnp".to_string()
            ],
            "the refused command never reached the transport"
        );

        let open = super::guarded(spy.clone(), false);
        open.run(&RemoteCommand::new(["docker", "rm", "-f", "web"]))
            .await
            .expect("write passes");
        assert_eq!(spy.calls.lock().expect("lock").len(), 4);
    }
}
