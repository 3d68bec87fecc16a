//! One logged-in SSH connection, possibly tunnelled through jump hosts, and what can be
//! done on it: run a command, open a stream to a unix socket, or run a command as a
//! byte stream.

use std::sync::Arc;
use std::time::Duration;

use russh::ChannelMsg;
use russh::client::{self, Handle};
use tokio::time::timeout;

use super::auth;
use super::error::SshError;
use super::host_keys;
use super::known_hosts::{self, CertRefusal, KnownHosts, Verdict};
use super::revoked::RevokedKeys;
use super::target::{Hop, Route};
use super::verifier::{Trust, Verifier};
use crate::transport::exec::{Output, RemoteCommand};
use crate::transport::stream::BoxedStream;

pub struct SshSession {
    handle: Handle<Verifier>,
    hop: String,
    /// Jump connections carry this one: they live as long as it does.
    _jumps: Vec<Arc<SshSession>>,
}

/// The client settings for one hop: host-key algorithms ordered by what known_hosts
/// holds for it (`host_keys.rs`), host certificates first when an `@cert-authority`
/// line covers it.
fn client_config(route: &Route, hop: &Hop, known: &[KnownHosts]) -> Arc<client::Config> {
    let held = known_hosts::known_algorithms(known, &hop.host_key_name);
    let configured = hop.host_key_algorithms.as_deref();
    let order = host_keys::order(configured, &held);
    let certificates = if known_hosts::has_authority(known, &hop.host_key_name) {
        host_keys::certificate_order(configured, &order)
    } else {
        Vec::new()
    };
    Arc::new(client::Config {
        // A dead peer is noticed after three missed keepalives, then the handle closes.
        keepalive_interval: Some(route.keepalive),
        keepalive_max: 3,
        inactivity_timeout: None,
        nodelay: true,
        preferred: russh::Preferred {
            key: order.into(),
            host_key_certificates: certificates.into(),
            ..russh::Preferred::DEFAULT
        },
        ..Default::default()
    })
}

fn load_known_hosts(hop: &Hop) -> Arc<Vec<KnownHosts>> {
    let files = hop
        .known_hosts
        .iter()
        .filter_map(|path| match KnownHosts::load(path) {
            Ok(kh) => Some(kh),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "known_hosts unreadable");
                None
            }
        })
        .collect();
    Arc::new(files)
}

impl SshSession {
    /// Connect along the route: each jump host is reached through the previous one's
    /// `direct-tcpip` channel. Every step has a timeout; russh has none of its own.
    pub async fn connect(route: &Route) -> Result<Arc<SshSession>, SshError> {
        Self::connect_via(None, route).await
    }

    /// Like [`SshSession::connect`], but the first hop is reached through an existing
    /// session (a jump node's own shared connection) instead of a TCP connection.
    pub async fn connect_via(
        via: Option<Arc<SshSession>>,
        route: &Route,
    ) -> Result<Arc<SshSession>, SshError> {
        let mut carried: Vec<Arc<SshSession>> = via.into_iter().collect();
        for hop in route.jumps.iter().chain(std::iter::once(&route.target)) {
            let stream: BoxedStream = match (carried.last(), &route.proxy_command) {
                (None, Some(command)) => Box::new(super::proxy_command::spawn(command, hop)?),
                (None, None) => Box::new(super::quick_ack::QuickAck(
                    tcp_connect(hop, route.connect_timeout).await?,
                )),
                (Some(prev), _) => prev.direct_tcpip(hop, route.connect_timeout).await?,
            };
            let known = load_known_hosts(hop);
            let config = client_config(route, hop, &known);
            let session =
                Self::handshake(hop, stream, route, config, known, carried.clone()).await?;
            carried.push(Arc::new(session));
        }
        carried.pop().ok_or_else(|| SshError::Closed {
            hop: route.target.to_string(),
        })
    }

    async fn handshake(
        hop: &Hop,
        stream: BoxedStream,
        route: &Route,
        config: Arc<client::Config>,
        known: Arc<Vec<KnownHosts>>,
        jumps: Vec<Arc<SshSession>>,
    ) -> Result<SshSession, SshError> {
        let limit = route.connect_timeout;
        // An unreadable RevokedHostKeys file refuses the host, as it does for ssh.
        let revoked =
            match &hop.revoked_host_keys {
                Some(path) => Some(RevokedKeys::load(path).map_err(|source| {
                    SshError::RevokedListUnreadable {
                        hop: hop.to_string(),
                        source,
                    }
                })?),
                None => None,
            };
        let (verifier, verdict) = Verifier::new(Trust {
            name: hop.host_key_name.clone(),
            // As ssh: a host certificate must name the HostKeyAlias, else the host name.
            principal: hop
                .host_key_alias
                .clone()
                .unwrap_or_else(|| hop.host.clone()),
            files: known.clone(),
            ca_algorithms: hop.ca_signature_algorithms.clone(),
            revoked,
        });
        let connected = timeout(limit, client::connect_stream(config, stream, verifier)).await;
        let mut handle = match connected {
            Err(_) => return Err(timed_out(hop, "key exchange", limit)),
            Ok(Ok(handle)) => handle,
            Ok(Err(source)) => {
                let verdict = verdict.lock().ok().and_then(|mut v| v.take());
                return Err(
                    host_key_error(hop, verdict, &known).unwrap_or(SshError::Protocol {
                        hop: hop.to_string(),
                        source,
                    }),
                );
            }
        };
        timeout(
            limit,
            auth::authenticate(&mut handle, hop, route.agent.as_deref()),
        )
        .await
        .map_err(|_| timed_out(hop, "authentication", limit))??;
        tracing::info!(hop = %hop, "ssh connected");
        Ok(SshSession {
            handle,
            hop: hop.to_string(),
            _jumps: jumps,
        })
    }

    pub fn is_closed(&self) -> bool {
        self.handle.is_closed() || self._jumps.iter().any(|j| j.is_closed())
    }

    pub fn hop(&self) -> &str {
        &self.hop
    }

    pub(super) fn handle(&self) -> &Handle<Verifier> {
        &self.handle
    }

    pub(super) fn protocol(&self, source: russh::Error) -> SshError {
        match source {
            russh::Error::ChannelOpenFailure(reason) => SshError::ChannelRefused {
                hop: self.hop.clone(),
                what: "channel".into(),
                reason: format!("{reason:?}"),
            },
            source => SshError::Protocol {
                hop: self.hop.clone(),
                source,
            },
        }
    }

    /// A session channel refused at its open (`MaxSessions` reached, say) is
    /// [`SshError::SessionRefused`]: nothing ran, so it may be asked for again.
    pub(super) fn session_open(&self, source: russh::Error) -> SshError {
        match source {
            russh::Error::ChannelOpenFailure(reason) => SshError::SessionRefused {
                hop: self.hop.clone(),
                reason: format!("{reason:?}"),
            },
            source => self.protocol(source),
        }
    }

    async fn direct_tcpip(&self, to: &Hop, limit: Duration) -> Result<BoxedStream, SshError> {
        let opened = timeout(
            limit,
            self.handle.channel_open_direct_tcpip(
                to.host.clone(),
                u32::from(to.port),
                "127.0.0.1",
                0,
            ),
        )
        .await
        .map_err(|_| timed_out(to, "jump channel", limit))?;
        let channel = opened.map_err(|e| match self.protocol(e) {
            SshError::ChannelRefused { hop, reason, .. } => SshError::ChannelRefused {
                hop,
                what: format!("forwarding to {to}"),
                reason,
            },
            other => other,
        })?;
        Ok(Box::new(channel.into_stream()))
    }

    /// A stream to a unix socket on the node (`direct-streamlocal@openssh.com`).
    pub async fn open_unix_socket(
        &self,
        path: &str,
        limit: Duration,
    ) -> Result<BoxedStream, SshError> {
        let opened = timeout(limit, self.handle.channel_open_direct_streamlocal(path))
            .await
            .map_err(|_| SshError::Timeout {
                hop: self.hop.clone(),
                stage: "stream-local channel",
                after: limit,
            })?;
        let channel = opened.map_err(|e| match self.protocol(e) {
            SshError::ChannelRefused { hop, reason, .. } => SshError::ChannelRefused {
                hop,
                what: format!("stream-local forwarding to {path}"),
                reason,
            },
            other => other,
        })?;
        Ok(Box::new(channel.into_stream()))
    }

    /// Run a command and use its stdin/stdout as a byte stream (stderr is dropped).
    pub async fn exec_stream(
        &self,
        cmd: &RemoteCommand,
        limit: Duration,
    ) -> Result<BoxedStream, SshError> {
        let channel = timeout(limit, self.handle.channel_open_session())
            .await
            .map_err(|_| SshError::Timeout {
                hop: self.hop.clone(),
                stage: "session channel",
                after: limit,
            })?
            .map_err(|e| self.session_open(e))?;
        channel
            .exec(true, cmd.remote_line())
            .await
            .map_err(|e| self.protocol(e))?;
        Ok(Box::new(channel.into_stream()))
    }

    /// Run a command to completion; the command's own timeout bounds the whole exchange.
    pub async fn exec(&self, cmd: &RemoteCommand) -> Result<Output, SshError> {
        self.exec_line(&cmd.remote_line(), cmd.stdin(), cmd.timeout())
            .await
    }

    /// Run an already quoted command line (built by `quote` or `batch`).
    pub async fn exec_line(
        &self,
        line: &str,
        stdin: Option<&[u8]>,
        limit: Duration,
    ) -> Result<Output, SshError> {
        let run = async {
            let mut channel = self
                .handle
                .channel_open_session()
                .await
                .map_err(|e| self.session_open(e))?;
            channel
                .exec(true, line)
                .await
                .map_err(|e| self.protocol(e))?;
            // From here on the command may be running: a lost connection must not read as
            // "never ran", or the caller would send it again.
            let ran = async {
                if let Some(data) = stdin {
                    channel.data(data).await.map_err(|e| self.protocol(e))?;
                }
                channel.eof().await.map_err(|e| self.protocol(e))?;
                let mut out = Output {
                    status: None,
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                };
                while let Some(msg) = channel.wait().await {
                    match msg {
                        ChannelMsg::Data { data } => {
                            if out.stdout.len() + data.len() > MAX_STDOUT {
                                return Err(self.too_much("stdout", MAX_STDOUT));
                            }
                            out.stdout.extend_from_slice(&data)
                        }
                        ChannelMsg::ExtendedData { data, ext: 1 } => {
                            // Only the tail of stderr is ever shown: keep a bounded window.
                            out.stderr.extend_from_slice(&data);
                            if out.stderr.len() > MAX_STDERR {
                                let cut = out.stderr.len() - MAX_STDERR;
                                out.stderr.drain(..cut);
                            }
                        }
                        ChannelMsg::ExitStatus { exit_status } => {
                            out.status = i32::try_from(exit_status).ok();
                        }
                        ChannelMsg::Close => break,
                        _ => {}
                    }
                }
                if out.status.is_none() && self.handle.is_closed() {
                    return Err(SshError::Closed {
                        hop: self.hop.clone(),
                    });
                }
                Ok(out)
            };
            ran.await.map_err(|e| match e {
                e if e.is_connection_lost() => SshError::LostMidCommand {
                    hop: self.hop.clone(),
                    cause: e.to_string(),
                },
                other => other,
            })
        };
        timeout(limit, run).await.map_err(|_| SshError::Timeout {
            hop: self.hop.clone(),
            stage: "command",
            after: limit,
        })?
    }
}

/// A node's answer to one command is refused past this: the largest real one (a batch
/// with `ip -j` of a busy host) is a few MiB, and a hostile node must not fill memory.
pub const MAX_STDOUT: usize = 64 * 1024 * 1024;
/// The end of stderr kept (messages show its last lines).
pub const MAX_STDERR: usize = 256 * 1024;

impl SshSession {
    fn too_much(&self, what: &str, limit: usize) -> SshError {
        SshError::TooLarge {
            hop: self.hop.clone(),
            what: what.to_string(),
            limit_mib: limit / (1024 * 1024),
        }
    }
}

async fn tcp_connect(hop: &Hop, limit: Duration) -> Result<tokio::net::TcpStream, SshError> {
    let stream = timeout(
        limit,
        tokio::net::TcpStream::connect((hop.host.as_str(), hop.port)),
    )
    .await
    .map_err(|_| timed_out(hop, "tcp connect", limit))?
    .map_err(|source| SshError::Connect {
        hop: hop.to_string(),
        source,
    })?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

fn timed_out(hop: &Hop, stage: &'static str, after: Duration) -> SshError {
    SshError::Timeout {
        hop: hop.to_string(),
        stage,
        after,
    }
}

fn host_key_error(hop: &Hop, verdict: Option<Verdict>, known: &[KnownHosts]) -> Option<SshError> {
    Some(match verdict? {
        Verdict::Trusted { .. } => return None,
        Verdict::Unknown { fingerprint } => SshError::UnknownHostKey {
            hop: hop.to_string(),
            host: hop.host.clone(),
            port: hop.port,
            fingerprint,
            file: known
                .first()
                .map(|k| k.path().to_path_buf())
                .unwrap_or_else(|| "~/.ssh/known_hosts".into()),
        },
        Verdict::Changed {
            file,
            line,
            fingerprint,
        } => SshError::ChangedHostKey {
            hop: hop.to_string(),
            fingerprint,
            file,
            line,
        },
        Verdict::Revoked { file, line } => SshError::RevokedHostKey {
            hop: hop.to_string(),
            file,
            line,
        },
        Verdict::RevokedByList { file, reason } => SshError::RevokedByList {
            hop: hop.to_string(),
            file,
            reason,
        },
        Verdict::Certificate { refusal, .. } => cert_error(hop, refusal, known),
    })
}

fn cert_error(hop: &Hop, refusal: CertRefusal, known: &[KnownHosts]) -> SshError {
    let hop_name = hop.to_string();
    match refusal {
        CertRefusal::Expired { window } => SshError::HostCertExpired {
            hop: hop_name,
            window,
        },
        CertRefusal::NotYetValid { window } => SshError::HostCertNotYetValid {
            hop: hop_name,
            window,
        },
        CertRefusal::Principal { wanted, principals } => SshError::HostCertPrincipal {
            hop: hop_name,
            wanted,
            principals: principals.join(", "),
        },
        CertRefusal::UntrustedCa {
            ca_fingerprint,
            authorities,
        } => SshError::HostCertUntrustedCa {
            hop: hop_name,
            name: hop.host_key_name.clone(),
            ca_fingerprint,
            known: match authorities {
                0 => format!(", and no @cert-authority line covers {}", hop.host_key_name),
                n => format!(", not by the {n} CA(s) listed for {}", hop.host_key_name),
            },
            file: known
                .first()
                .map(|k| k.path().to_path_buf())
                .unwrap_or_else(|| "~/.ssh/known_hosts".into()),
        },
        CertRefusal::CaAlgorithm { algorithm, allowed } => SshError::HostCertCaAlgorithm {
            hop: hop_name,
            algorithm,
            allowed: allowed.join(","),
        },
        CertRefusal::Invalid { reason } => SshError::HostCertInvalid {
            hop: hop_name,
            reason,
        },
    }
}
