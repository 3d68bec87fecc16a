//! A node's Docker Engine API, whatever the way to it: a unix socket, plain TCP, mutual
//! TLS, or any stream a [`Dialer`] opens (the SSH transport's). Every kind goes through
//! bollard's custom transport into one small HTTP/1.1 client ([`chokepoint`]), the single
//! chokepoint where read-only mode is enforced: a read-only client sends GET and HEAD
//! only, and refuses anything else before dialing or writing a byte.

mod chokepoint;
mod context;
mod dial;
mod error;
mod exec;
pub mod frames;
mod logs;
mod ndjson;
mod target;
mod tls;
mod version;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bollard::{BollardRequest, Docker};

pub use error::DockerError;
pub use exec::{ExecIo, ExecSpec};
pub use logs::{LogBody, LogSource, MAX_LOG_LINE, RawLogLine, RunState, engine_time, unix_nanos};
pub use ndjson::{JsonLines, MAX_LINE as MAX_JSON_LINE};
pub use target::{local_target, local_target_from_env, target_for_node};

use crate::transport::Dialer;

/// Time allowed for one API request to get its response headers, once connected.
/// Streaming bodies (`/events`, logs with `follow`) are not limited by it. Callers that
/// need another limit can use `client.api().clone().with_timeout(..)`.
pub use crate::contract::docker::REQUEST as DEFAULT_REQUEST_TIMEOUT;

/// Where a Docker engine is and how to reach it.
#[derive(Clone)]
pub enum DockerTarget {
    Unix(PathBuf),
    Tcp {
        host: String,
        port: u16,
    },
    /// `dockerd --tlsverify`: the engine is verified against `ca` only, and fleetdeck
    /// presents `cert`/`key`.
    Tls {
        host: String,
        port: u16,
        ca: PathBuf,
        cert: PathBuf,
        key: PathBuf,
    },
    /// Any stream source; the SSH transport provides one (a russh direct-streamlocal
    /// channel to the node's docker_socket, or `docker system dial-stdio` over exec).
    Dialer(Arc<dyn Dialer>),
}

impl fmt::Debug for DockerTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DockerTarget::Unix(path) => f.debug_tuple("Unix").field(path).finish(),
            DockerTarget::Tcp { host, port } => f
                .debug_struct("Tcp")
                .field("host", host)
                .field("port", port)
                .finish(),
            DockerTarget::Tls {
                host,
                port,
                ca,
                cert,
                key,
            } => f
                .debug_struct("Tls")
                .field("host", host)
                .field("port", port)
                .field("ca", ca)
                .field("cert", cert)
                .field("key", key)
                .finish(),
            DockerTarget::Dialer(dialer) => {
                f.debug_tuple("Dialer").field(&dialer.describe()).finish()
            }
        }
    }
}

/// How [`DockerClient::connect_with`] connects.
#[derive(Debug, Clone, Copy)]
pub struct ConnectOptions {
    /// Send GET and HEAD only; refuse anything else before dialing.
    pub read_only: bool,
    /// Limit for dialing plus any TLS handshake of each connection; at connect time, for
    /// the whole first exchange too.
    pub timeout: Duration,
    /// Keep idle HTTP/1.1 connections for later requests (on by default; off opens one
    /// connection per request).
    pub reuse_connections: bool,
}

/// A connected, version-negotiated handle on one engine. Cheap to clone; clones share
/// their connections.
#[derive(Clone)]
pub struct DockerClient {
    docker: Docker,
    http: Arc<chokepoint::HttpClient>,
    description: String,
    api_version: String,
    read_only: bool,
}

impl fmt::Debug for DockerClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerClient")
            .field("target", &self.description)
            .field("api_version", &self.api_version)
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl DockerClient {
    /// Connects and negotiates the API version (the engine's, at most the newest bollard
    /// knows; Docker Engine API 1.41 and newer). Fails within `timeout` when the engine
    /// cannot be reached.
    pub async fn connect(
        target: DockerTarget,
        read_only: bool,
        timeout: Duration,
    ) -> Result<DockerClient, DockerError> {
        let options = ConnectOptions {
            read_only,
            timeout,
            reuse_connections: true,
        };
        DockerClient::connect_with(target, options).await
    }

    pub async fn connect_with(
        target: DockerTarget,
        options: ConnectOptions,
    ) -> Result<DockerClient, DockerError> {
        let connector = dial::Connector::new(target)?;
        let base = format!("http://{}", connector.authority());
        let http = Arc::new(chokepoint::HttpClient::new(
            connector,
            options.read_only,
            options.timeout,
            options.reuse_connections,
        )?);
        let description = http.describe();
        // One deadline for dialing and for the whole first exchange: when dialing is the
        // slow part, its own (more precise) error wins.
        let deadline = tokio::time::Instant::now() + options.timeout;
        let version = tokio::time::timeout_at(deadline, version::negotiate(&http, deadline))
            .await
            .map_err(|_| DockerError::Timeout {
                what: "connecting to and asking the API version of",
                target: description.clone(),
                after: options.timeout,
            })??;

        http.use_api_version(&version);

        let shared = Arc::clone(&http);
        let transport = move |request: BollardRequest| {
            let http = Arc::clone(&shared);
            async move { http.send(request).await.map_err(DockerError::into_bollard) }
        };
        let docker = Docker::connect_with_custom_transport(
            transport,
            Some(base),
            DEFAULT_REQUEST_TIMEOUT.as_secs(),
            &version,
        )
        .map_err(DockerError::Api)?;
        tracing::debug!(target = %description, api = %version, read_only = options.read_only, "docker connected");
        Ok(DockerClient {
            docker,
            http,
            description,
            api_version: version.to_string(),
            read_only: options.read_only,
        })
    }

    /// The bollard API; every call goes through this client's chokepoint. A transport
    /// failure (including a read-only refusal) comes back as a bollard I/O error:
    /// `DockerError::from(err)` recovers it.
    pub fn api(&self) -> &Docker {
        &self.docker
    }

    /// `tcp://10.77.0.2:2376 (tls)`, `unix:///var/run/docker.sock`, or the dialer's own
    /// description, asked afresh: an SSH dialer's changes once it falls back to dial-stdio.
    pub fn describe(&self) -> String {
        self.http.describe()
    }

    /// The negotiated API version, e.g. `1.41`.
    pub fn api_version(&self) -> String {
        self.api_version.clone()
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Connections opened so far (one per request when reuse is off).
    pub fn connections_opened(&self) -> u64 {
        self.http.connections_opened()
    }
}
