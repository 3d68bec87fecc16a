//! One node reached over SSH: a single shared connection, a bounded number of channels at
//! once, and reconnection with backoff and jitter when the connection is lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use tokio::sync::{Mutex, Semaphore};

use super::connect_limit::ConnectLimits;
use super::error::SshError;
use super::give_way::{self, GiveWay, Hold};
use super::session::SshSession;
use super::target::Route;
use crate::transport::exec::{Exec, ExecError, Output, RemoteCommand};
use crate::transport::stream::{BoxedStream, Dialer};

/// Channels open at once on one node; OpenSSH's default MaxSessions is 10.
pub const MAX_CHANNELS: usize = 8;
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// The longest a connection is given to answer a keepalive before it is dropped.
const ALIVE_WINDOW_MAX: Duration = Duration::from_secs(3);
/// A refused session channel is asked for again this many times, waiting 25, 50, 75 and
/// 100 ms: a server that really refuses sessions costs a quarter second more.
const REFUSED_RETRIES: u32 = 4;
const REFUSED_BACKOFF: Duration = Duration::from_millis(25);
/// After the watcher gave its session up, the open is asked for again this many times
/// (up to about a second): sshd frees the slot once it has reaped the watcher's script.
const GAVE_WAY_RETRIES: u32 = 8;

struct Backoff {
    failures: u32,
    retry_at: Option<Instant>,
    last_error: String,
    last_silent: bool,
}

pub struct SshNode {
    name: String,
    route: Route,
    /// The jump node whose own connection carries this one, when the jump host is itself
    /// a node of the fleet: one connection to the bastion serves every node behind it.
    via: Option<Arc<SshNode>>,
    session: Mutex<Option<Arc<SshSession>>>,
    backoff: std::sync::Mutex<Backoff>,
    channels: Semaphore,
    /// Turns to set up a connection, shared by every node of the fleet.
    limits: Arc<ConnectLimits>,
    /// How the node is described when it differs from its route (a ProxyJump chain
    /// carried by a shared jump connection still reads as the ssh config wrote it).
    shown: Option<String>,
    /// The channel that gives way when sshd refuses another session: the watcher's.
    give_way: std::sync::Mutex<Option<Hold>>,
}

impl SshNode {
    pub fn new(name: impl Into<String>, route: Route) -> Arc<SshNode> {
        Self::new_via(name, route, None)
    }

    /// `route.jumps` must then hold only the hops beyond `via`.
    pub fn new_via(
        name: impl Into<String>,
        route: Route,
        via: Option<Arc<SshNode>>,
    ) -> Arc<SshNode> {
        Self::limited(name, route, via, Arc::default(), None)
    }

    /// [`SshNode::new_via`] taking its turns to connect from `limits` (shared by the
    /// fleet, see `build_links`); `shown` overrides [`SshNode::describe`].
    pub fn limited(
        name: impl Into<String>,
        route: Route,
        via: Option<Arc<SshNode>>,
        limits: Arc<ConnectLimits>,
        shown: Option<String>,
    ) -> Arc<SshNode> {
        Arc::new(SshNode {
            name: name.into(),
            route,
            via,
            limits,
            shown,
            session: Mutex::new(None),
            backoff: std::sync::Mutex::new(Backoff {
                failures: 0,
                retry_at: None,
                last_error: String::new(),
                last_silent: false,
            }),
            channels: Semaphore::new(MAX_CHANNELS),
            give_way: std::sync::Mutex::new(None),
        })
    }

    pub fn route(&self) -> &Route {
        &self.route
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the node is reached, jump nodes included.
    pub fn describe(&self) -> String {
        if let Some(shown) = &self.shown {
            return shown.clone();
        }
        match &self.via {
            Some(via) => format!("{} via {}", self.route.describe(), via.describe()),
            None => self.route.describe(),
        }
    }

    /// The live connection, connecting when there is none or the old one died. While a
    /// node is backing off, callers fail at once with the last error instead of queueing
    /// behind connection attempts.
    pub async fn session(&self) -> Result<Arc<SshSession>, SshError> {
        let mut slot = self.session.lock().await;
        if let Some(session) = slot.as_ref() {
            if !session.is_closed() {
                return Ok(session.clone());
            }
            tracing::info!(node = %self.name, "ssh connection lost; reconnecting");
            *slot = None;
        }
        if let Some(wait) = self.backing_off() {
            return Err(wait);
        }
        // The carrier first: waiting for this node's turn while holding none keeps the
        // jump's own set-up from queueing behind the nodes it carries.
        let carrier = match &self.via {
            Some(via) => Some(Box::pin(via.session()).await?),
            None => None,
        };
        let _turn = self.limits.enter(self.jump_key().as_deref()).await;
        match SshSession::connect_via(carrier, &self.route).await {
            Ok(session) => {
                self.record_success();
                *slot = Some(session.clone());
                Ok(session)
            }
            Err(e) => {
                self.record_failure(&e);
                Err(e)
            }
        }
    }

    /// The node whose connection carries this one (a `jump` node, or the shared
    /// connection of a ProxyJump chain).
    pub fn carried_by(&self) -> Option<&Arc<SshNode>> {
        self.via.as_ref()
    }

    /// The jump host this node's set-up goes through (its hop), if any.
    fn jump_key(&self) -> Option<String> {
        match &self.via {
            Some(via) => Some(via.route.target.to_string()),
            None => self.route.jumps.first().map(ToString::to_string),
        }
    }

    /// Ask the open connection, if any, for a keepalive reply within `window`; without one
    /// the connection is dropped so the next call reconnects. A cut link otherwise holds
    /// every call until russh has missed three keepalives (minutes at the default), while
    /// a reconnect fails within the connect timeout and the node shows down.
    pub async fn check_alive(&self, window: Duration) {
        let Some(session) = self.session.lock().await.clone() else {
            return;
        };
        if session.is_closed() {
            return;
        }
        let answered = tokio::time::timeout(window, session.handle().send_ping()).await;
        if !matches!(answered, Ok(Ok(()))) {
            tracing::info!(node = %self.name, window_ms = window.as_millis() as u64, "no keepalive reply; dropping the connection");
            let mut slot = self.session.lock().await;
            if slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, &session)) {
                *slot = None;
            }
        }
    }

    /// The keepalive window [`SshNode::check_alive`] gives a peer: short, since a live
    /// connection answers a keepalive in a round trip.
    pub fn alive_window(&self) -> Duration {
        self.route
            .keepalive
            .clamp(Duration::from_secs(1), ALIVE_WINDOW_MAX)
    }

    /// Drop the connection so the next call reconnects (after a lost-connection error).
    pub async fn forget(&self) {
        *self.session.lock().await = None;
    }

    fn backing_off(&self) -> Option<SshError> {
        let backoff = self.backoff.lock().ok()?;
        let retry_at = backoff.retry_at?;
        let now = Instant::now();
        (now < retry_at).then(|| SshError::BackingOff {
            hop: self.route.target.to_string(),
            last: backoff.last_error.clone(),
            retry_in: retry_at - now,
            silent: backoff.last_silent,
        })
    }

    fn record_success(&self) {
        if let Ok(mut b) = self.backoff.lock() {
            b.failures = 0;
            b.retry_at = None;
        }
    }

    fn record_failure(&self, error: &SshError) {
        if let Ok(mut b) = self.backoff.lock() {
            b.failures = b.failures.saturating_add(1);
            let delay = backoff_delay(b.failures, jitter_seed());
            b.retry_at = Some(Instant::now() + delay);
            b.last_error = error.to_string();
            b.last_silent = error.is_silent_peer();
            tracing::warn!(node = %self.name, error = %error, retry_in_ms = delay.as_millis() as u64, "ssh connect failed");
        }
    }

    /// Run on the shared connection. A command whose channel could not even be opened
    /// because the connection had died is retried once on a fresh connection: it never
    /// ran, so running it now cannot run it twice.
    pub async fn exec(&self, cmd: &RemoteCommand) -> Result<Output, SshError> {
        self.exec_line(&cmd.remote_line(), cmd.stdin(), cmd.timeout())
            .await
    }

    async fn exec_line(
        &self,
        line: &str,
        stdin: Option<&[u8]>,
        limit: std::time::Duration,
    ) -> Result<Output, SshError> {
        let _permit = self
            .channels
            .acquire()
            .await
            .map_err(|_| SshError::Closed {
                hop: self.route.target.to_string(),
            })?;
        let session = self.session().await?;
        let tried = self
            .opening(&session, || session.exec_line(line, stdin, limit))
            .await;
        match tried {
            Err(e) if e.is_connection_lost() && !session_ran(&e) => {
                self.forget().await;
                let fresh = self.session().await?;
                fresh.exec_line(line, stdin, limit).await
            }
            other => other,
        }
    }

    /// Open a session channel with `open`, asking again while sshd refuses it (nothing
    /// ran). sshd frees a session slot only once it has reaped the last command, a moment
    /// after we saw it end: at MaxSessions a new session can be refused for a slot about
    /// to free, so it is asked for again shortly. Still refused while the watcher holds a
    /// session on this connection, the watcher gives way and the open is tried again.
    async fn opening<T, F, Fut>(
        &self,
        session: &Arc<SshSession>,
        mut open: F,
    ) -> Result<T, SshError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SshError>>,
    {
        let mut refused = 0;
        let mut gave_way = false;
        loop {
            let tried = open().await;
            if !matches!(tried, Err(SshError::SessionRefused { .. })) {
                return tried;
            }
            let retries = if gave_way {
                GAVE_WAY_RETRIES
            } else {
                REFUSED_RETRIES
            };
            if refused < retries {
                refused += 1;
                tokio::time::sleep(REFUSED_BACKOFF * refused).await;
            } else if !gave_way && self.make_way(session).await {
                gave_way = true;
                refused = 0;
            } else {
                return tried;
            }
        }
    }

    /// Ask the channel that gives way, if one is open on `session`, to close. Returns
    /// whether one was asked.
    async fn make_way(&self, session: &Arc<SshSession>) -> bool {
        let hold = match self.give_way.lock() {
            Ok(mut held) => held.take_if(|h| h.on(session)),
            Err(_) => None,
        };
        let Some(hold) = hold else {
            return false;
        };
        tracing::info!(node = %self.name, "sshd refused a session while the watcher holds one; the watcher gives way");
        hold.ask().await
    }

    /// Several commands in one session (see `transport::batch`). The outer error is the
    /// session's; an inner one marks a command the session ended before reaching.
    pub async fn exec_batch(
        &self,
        cmds: &[RemoteCommand],
    ) -> Result<Vec<Result<Output, SshError>>, SshError> {
        let limit = cmds
            .iter()
            .map(RemoteCommand::timeout)
            .max()
            .unwrap_or_default();
        let line = crate::transport::batch::batch_line(cmds);
        let out = self.exec_line(&line, None, limit).await?;
        Ok(
            crate::transport::batch::split_batch(&out.stdout, &out.stderr, cmds.len())
                .into_iter()
                .map(|o| {
                    o.ok_or_else(|| SshError::Closed {
                        hop: self.route.target.to_string(),
                    })
                })
                .collect(),
        )
    }

    pub async fn open_unix_socket(&self, path: &str) -> Result<BoxedStream, SshError> {
        let session = self.session().await?;
        session
            .open_unix_socket(path, self.route.connect_timeout)
            .await
    }

    pub async fn exec_stream(&self, cmd: &RemoteCommand) -> Result<BoxedStream, SshError> {
        let session = self.session().await?;
        let limit = self.route.connect_timeout;
        self.opening(&session, || session.exec_stream(cmd, limit))
            .await
    }

    /// [`SshNode::exec_stream`] for a long-lived command that gives its session up when
    /// sshd refuses another one (the node watcher): the holder waits on the [`GiveWay`],
    /// closes the stream when asked, and says so. One such channel per node.
    pub async fn exec_stream_giving_way(
        &self,
        cmd: &RemoteCommand,
    ) -> Result<(BoxedStream, GiveWay), SshError> {
        let session = self.session().await?;
        let limit = self.route.connect_timeout;
        let stream = self
            .opening(&session, || session.exec_stream(cmd, limit))
            .await?;
        let (hold, give_way) = give_way::pair(&session);
        if let Ok(mut held) = self.give_way.lock() {
            *held = Some(hold);
        }
        Ok((stream, give_way))
    }
}

/// Whether the failed exchange may have started the command. Only a refused or
/// impossible channel open is known not to have.
fn session_ran(e: &SshError) -> bool {
    !matches!(
        e,
        SshError::Closed { .. }
            | SshError::Protocol {
                source: russh::Error::SendError | russh::Error::Disconnect,
                ..
            }
    )
}

/// Exponential backoff with ±25 % jitter, so nodes that failed together don't retry in
/// lockstep.
fn backoff_delay(failures: u32, seed: u64) -> Duration {
    let exp = BACKOFF_FIRST.saturating_mul(1u32 << failures.saturating_sub(1).min(10));
    let base = exp.min(BACKOFF_MAX).as_millis() as u64;
    let spread = base / 2;
    let jittered = base - base / 4 + if spread == 0 { 0 } else { seed % spread };
    Duration::from_millis(jittered)
}

fn jitter_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish()
}

impl Exec for SshNode {
    fn run<'a>(&'a self, cmd: &'a RemoteCommand) -> BoxFuture<'a, Result<Output, ExecError>> {
        Box::pin(async move {
            if cmd.argv().is_empty() {
                return Err(ExecError::Empty);
            }
            self.exec(cmd).await.map_err(|e| match e {
                SshError::Timeout {
                    stage: "command",
                    after,
                    ..
                } => ExecError::Timeout {
                    node: self.name.clone(),
                    command: cmd.command_line(),
                    after,
                },
                other => ExecError::Transport {
                    node: self.name.clone(),
                    message: other.to_string(),
                },
            })
        })
    }

    fn node(&self) -> &str {
        &self.name
    }

    fn run_batch<'a>(
        &'a self,
        cmds: &'a [RemoteCommand],
    ) -> BoxFuture<'a, Vec<Result<Output, ExecError>>> {
        Box::pin(async move {
            if cmds.len() < 2 {
                return futures::future::join_all(cmds.iter().map(|c| self.run(c))).await;
            }
            let to_exec = |e: SshError| ExecError::Transport {
                node: self.name.clone(),
                message: e.to_string(),
            };
            match self.exec_batch(cmds).await {
                Ok(results) => results.into_iter().map(|r| r.map_err(to_exec)).collect(),
                Err(e) => {
                    let message = e.to_string();
                    cmds.iter()
                        .map(|_| {
                            Err(ExecError::Transport {
                                node: self.name.clone(),
                                message: message.clone(),
                            })
                        })
                        .collect()
                }
            }
        })
    }
}

/// The node's Docker socket through its SSH connection: a stream-local channel when the
/// server allows it, else `docker system dial-stdio` over an exec channel (and a note
/// saying so for the node's details).
pub struct SshDockerDialer {
    node: Arc<SshNode>,
    socket: String,
    fallback: std::sync::atomic::AtomicBool,
}

impl SshDockerDialer {
    pub fn new(node: Arc<SshNode>, socket: impl Into<String>) -> Arc<SshDockerDialer> {
        Arc::new(SshDockerDialer {
            node,
            socket: socket.into(),
            fallback: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Set once the server refused stream-local forwarding.
    pub fn note(&self) -> Option<String> {
        self.fallback
            .load(std::sync::atomic::Ordering::Relaxed)
            .then(|| "sshd refuses stream-local forwarding: Docker API through `docker system dial-stdio`".to_string())
    }

    async fn dial_stdio(&self) -> std::io::Result<BoxedStream> {
        let cmd = RemoteCommand::new(["docker", "system", "dial-stdio"]);
        self.node.exec_stream(&cmd).await.map_err(to_io)
    }
}

fn to_io(e: SshError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl Dialer for SshDockerDialer {
    fn dial(&self) -> BoxFuture<'_, std::io::Result<BoxedStream>> {
        Box::pin(async move {
            use std::sync::atomic::Ordering;
            if self.fallback.load(Ordering::Relaxed) {
                return self.dial_stdio().await;
            }
            match self.node.open_unix_socket(&self.socket).await {
                Ok(stream) => Ok(stream),
                Err(SshError::ChannelRefused { reason, .. }) => {
                    tracing::info!(node = %self.node.name, reason, "stream-local refused; using docker system dial-stdio");
                    self.fallback.store(true, Ordering::Relaxed);
                    self.dial_stdio().await
                }
                Err(e) => Err(to_io(e)),
            }
        })
    }

    fn describe(&self) -> String {
        let how = if self.note().is_some() {
            "dial-stdio"
        } else {
            "ssh"
        };
        format!(
            "unix://{} via {} ({how})",
            self.socket,
            self.node.route.describe()
        )
    }
}

impl SshNode {
    /// A channel for a person (a shell or a command, maybe with a PTY) on the shared
    /// connection. It does not hold one of the poll's channel slots: a shell lives for
    /// minutes and must not starve the polls.
    pub async fn open_channel(
        &self,
        spec: &super::pty::ChannelSpec,
    ) -> Result<super::pty::OpenChannel, SshError> {
        // Asked again only while the session is refused at its open (nothing ran): a
        // channel that failed after the exec request may have started the command, and a
        // person's command must not run twice.
        let session = self.session().await?;
        let limit = self.route.connect_timeout;
        self.opening(&session, || session.open_channel(spec, limit))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_command_never_sent_is_sent_again() {
        let hop = || "root@10.77.0.1:22".to_string();
        let never_sent = SshError::Closed { hop: hop() };
        assert!(never_sent.is_connection_lost() && !session_ran(&never_sent));
        let lost = SshError::LostMidCommand {
            hop: hop(),
            cause: "the connection is closed".into(),
        };
        assert!(lost.is_connection_lost(), "the connection is dropped");
        assert!(session_ran(&lost), "and the command is not sent again");
        assert!(lost.to_string().contains("may have run"));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let first = backoff_delay(1, 0);
        assert_eq!(first, Duration::from_millis(375));
        let d3 = backoff_delay(3, 0);
        assert!(d3 > first);
        let capped = backoff_delay(30, 0);
        assert!(capped <= BACKOFF_MAX + BACKOFF_MAX / 4, "{capped:?}");
        assert!(capped >= BACKOFF_MAX - BACKOFF_MAX / 4, "{capped:?}");
        let a = backoff_delay(4, 1);
        let b = backoff_delay(4, 1_000_003);
        assert_ne!(a, b, "jitter spreads retries");
        for seed in [0, 7, u64::MAX] {
            let d = backoff_delay(2, seed);
            assert!(
                d >= Duration::from_millis(750) && d < Duration::from_millis(1250),
                "{d:?}"
            );
        }
    }
}
