//! Opening one byte stream to an engine, whatever kind of target it is, within the
//! caller's deadline.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpStream, UnixStream};
use tokio::time::{Instant, timeout_at};

use super::DockerTarget;
use super::error::{DockerError, chain};
use super::tls::{TlsSetup, rustls_cause};
use crate::transport::{BoxedStream, Dialer};

/// A [`DockerTarget`] made ready to dial: TLS files are read once, here, so a missing
/// certificate fails at connect time with its path and not at every request.
pub(crate) enum Connector {
    Unix(PathBuf),
    Tcp {
        host: String,
        port: u16,
    },
    Tls {
        host: String,
        port: u16,
        tls: Box<TlsSetup>,
    },
    Dialer(Arc<dyn Dialer>),
}

impl Connector {
    pub fn new(target: DockerTarget) -> Result<Connector, DockerError> {
        Ok(match target {
            DockerTarget::Unix(path) => Connector::Unix(path),
            DockerTarget::Tcp { host, port } => Connector::Tcp { host, port },
            DockerTarget::Tls {
                host,
                port,
                ca,
                cert,
                key,
            } => {
                let target = format!("tcp://{} (tls)", host_port(&host, port));
                let tls = TlsSetup::load(&host, &ca, &cert, &key, &target)?;
                Connector::Tls {
                    host,
                    port,
                    tls: Box::new(tls),
                }
            }
            DockerTarget::Dialer(dialer) => Connector::Dialer(dialer),
        })
    }

    /// `unix:///var/run/docker.sock`, `tcp://10.77.0.1:2375`, `tcp://10.77.0.2:2376 (tls)`,
    /// or whatever the dialer says about itself.
    pub fn describe(&self) -> String {
        match self {
            Connector::Unix(path) => format!("unix://{}", path.display()),
            Connector::Tcp { host, port } => format!("tcp://{}", host_port(host, *port)),
            Connector::Tls { host, port, .. } => format!("tcp://{} (tls)", host_port(host, *port)),
            Connector::Dialer(dialer) => dialer.describe(),
        }
    }

    /// The authority put in the `Host` header: the address for TCP, as the docker CLI
    /// does; a fixed name where there is no address to speak of.
    pub fn authority(&self) -> String {
        match self {
            Connector::Tcp { host, port } | Connector::Tls { host, port, .. } => {
                host_port(host, *port)
            }
            Connector::Unix(_) | Connector::Dialer(_) => "docker".into(),
        }
    }

    /// TLS facts, for explaining errors that surface after the handshake.
    pub fn tls(&self) -> Option<(String, &TlsSetup)> {
        match self {
            Connector::Tls { host, port, tls } => Some((host_port(host, *port), tls)),
            _ => None,
        }
    }

    /// Opens one stream; connecting and any TLS handshake share one deadline. `timeout`
    /// is what the deadline was computed from, for the message.
    pub async fn open(
        &self,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<BoxedStream, DockerError> {
        let timed_out = |what| DockerError::Timeout {
            what,
            target: self.describe(),
            after: timeout,
        };
        let failed = |source| DockerError::Connect {
            target: self.describe(),
            source,
        };
        match self {
            Connector::Unix(path) => {
                let stream = timeout_at(deadline, UnixStream::connect(path))
                    .await
                    .map_err(|_| timed_out("connecting to"))?
                    .map_err(failed)?;
                Ok(Box::new(stream))
            }
            Connector::Tcp { host, port } => {
                let stream = tcp(host, *port, deadline)
                    .await
                    .map_err(|_| timed_out("connecting to"))?
                    .map_err(failed)?;
                Ok(Box::new(stream))
            }
            Connector::Tls { host, port, tls } => {
                let stream = tcp(host, *port, deadline)
                    .await
                    .map_err(|_| timed_out("connecting to"))?
                    .map_err(failed)?;
                let handshake = tls.connector.connect(tls.server_name.clone(), stream);
                let stream = timeout_at(deadline, handshake)
                    .await
                    .map_err(|_| timed_out("the TLS handshake with"))?
                    .map_err(|source| {
                        let reason = match rustls_cause(&source) {
                            Some(tls_err) => tls.explain(tls_err),
                            None => chain(&source),
                        };
                        DockerError::Tls {
                            addr: host_port(host, *port),
                            reason,
                            source: Box::new(source),
                        }
                    })?;
                Ok(Box::new(stream))
            }
            Connector::Dialer(dialer) => timeout_at(deadline, dialer.dial())
                .await
                .map_err(|_| timed_out("opening a stream to"))?
                .map_err(failed),
        }
    }
}

/// A TCP connection with Nagle off: requests are small and latency is what matters.
async fn tcp(
    host: &str,
    port: u16,
    deadline: Instant,
) -> Result<std::io::Result<TcpStream>, tokio::time::error::Elapsed> {
    timeout_at(deadline, async {
        let stream = TcpStream::connect((host, port)).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    })
    .await
}

pub(crate) fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
