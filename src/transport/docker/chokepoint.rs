//! The chokepoint: every request to a Docker engine passes through [`HttpClient::send`].
//! It refuses mutating methods of a read-only client before anything is dialed, then
//! speaks HTTP/1.1 over a stream from the [`Connector`], reusing an idle connection
//! when one is ready.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use bollard::BollardRequest;
use http::header::{HOST, HeaderValue, UPGRADE};
use http::{Method, Response, StatusCode, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use super::dial::Connector;
use super::error::{DockerError, chain};
use super::tls::rustls_cause;

/// bollard's request body type (its alias is private; this names it through the request).
pub(crate) type ReqBody = <BollardRequest as HasBody>::Body;

pub(crate) trait HasBody {
    type Body;
}

impl<B> HasBody for http::Request<B> {
    type Body = B;
}

/// How long to wait for a failed connection's own error (it is normally already there).
const CAUSE_WAIT: Duration = Duration::from_millis(500);

/// Connections kept per client, idle or still streaming a response (events, logs).
const MAX_KEPT: usize = 8;

/// An idle connection older than this is dropped rather than reused: engines and SSH
/// servers may close idle connections, and a request lost to that race is not retried.
const IDLE_TTL: Duration = Duration::from_secs(60);

pub(crate) struct HttpClient {
    connector: Connector,
    host: HeaderValue,
    read_only: bool,
    connect_timeout: Duration,
    reuse: bool,
    kept: Mutex<Vec<Kept>>,
    opened: AtomicU64,
    /// `/v1.41`, once negotiated: put in front of every unversioned path.
    version_prefix: OnceLock<String>,
}

struct Kept {
    sender: SendRequest<ReqBody>,
    since: Instant,
}

impl HttpClient {
    pub fn new(
        connector: Connector,
        read_only: bool,
        connect_timeout: Duration,
        reuse: bool,
    ) -> Result<HttpClient, DockerError> {
        let host = HeaderValue::from_str(&connector.authority()).map_err(|e| {
            DockerError::InvalidTarget {
                target: connector.describe(),
                reason: format!("not usable as an HTTP Host header: {e}"),
            }
        })?;
        Ok(HttpClient {
            connector,
            host,
            read_only,
            connect_timeout,
            reuse,
            kept: Mutex::new(Vec::new()),
            opened: AtomicU64::new(0),
            version_prefix: OnceLock::new(),
        })
    }

    /// From now on, requests ask for this API version. bollard builds unversioned paths
    /// (`/containers/json`), which an engine answers in its own newest version; prefixing
    /// them, as the docker CLI does, keeps every answer in the shape that was negotiated.
    pub fn use_api_version(&self, version: &bollard::ClientVersion) {
        let _ = self.version_prefix.set(format!("/v{version}"));
    }

    pub fn describe(&self) -> String {
        self.connector.describe()
    }

    /// How many connections (streams from the connector) were opened so far.
    pub fn connections_opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// Sends one request. The response body is not read here: streams such as `/events`
    /// flow to the caller as the engine writes them.
    pub async fn send(&self, request: BollardRequest) -> Result<Response<Incoming>, DockerError> {
        self.send_by(request, Instant::now() + self.connect_timeout)
            .await
    }

    /// [`HttpClient::send`], with a new connection due by `dial_deadline`. A caller that
    /// bounds the whole exchange by the same instant gets the connector's more precise
    /// timeout error when dialing is what took too long.
    pub async fn send_by(
        &self,
        request: BollardRequest,
        dial_deadline: Instant,
    ) -> Result<Response<Incoming>, DockerError> {
        let method = request.method().clone();
        if self.read_only && !reads_only(&request) {
            let path = api_path(request.uri());
            tracing::warn!(target = %self.describe(), %method, %path, "refused in read-only mode");
            return Err(DockerError::ReadOnly {
                method: method.to_string(),
                path,
            });
        }
        let mut request = self.origin_form(request)?;
        tracing::debug!(target = %self.describe(), %method, uri = %request.uri(), "docker request");

        if let Some(mut sender) = self.checkout() {
            match sender.try_send_request(request).await {
                Ok(response) => {
                    self.keep(sender, &response);
                    return Ok(response);
                }
                Err(mut err) => match err.take_message() {
                    // The connection went away before the request was written: safe to
                    // send it on a fresh one, whatever the method.
                    Some(unsent) => request = unsent,
                    None => return Err(self.http_error(err.into_error(), true)),
                },
            }
        }

        let (mut sender, ended) = self.open(dial_deadline).await?;
        match sender.send_request(request).await {
            Ok(response) => {
                self.keep(sender, &response);
                Ok(response)
            }
            Err(err) => Err(self.first_failure(err, ended).await),
        }
    }

    /// Origin-form target (`/v1.41/containers/json?all=true`) and a `Host` header: what an
    /// HTTP/1.1 server expects, whatever absolute URI bollard built.
    fn origin_form(&self, request: BollardRequest) -> Result<BollardRequest, DockerError> {
        let (mut parts, body) = request.into_parts();
        let pq = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let target = match self.version_prefix.get() {
            Some(prefix) if version_of(parts.uri.path()).is_none() => format!("{prefix}{pq}"),
            _ => pq.to_string(),
        };
        parts.uri = target.parse().map_err(|e| DockerError::InvalidTarget {
            target: self.describe(),
            reason: format!("cannot send to {target:?}: {e}"),
        })?;
        parts.headers.insert(HOST, self.host.clone());
        Ok(BollardRequest::from_parts(parts, body))
    }

    /// A new connection, and where its task reports the error that ended it.
    async fn open(
        &self,
        deadline: Instant,
    ) -> Result<(SendRequest<ReqBody>, oneshot::Receiver<hyper::Error>), DockerError> {
        let stream = self.connector.open(deadline, self.connect_timeout).await?;
        self.opened.fetch_add(1, Ordering::Relaxed);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.http_error(e, false))?;
        let target = self.describe();
        let (ended_tx, ended_rx) = oneshot::channel();
        // The connection task runs until the engine or the last sender closes it. Upgrades
        // stay possible for attach/exec of a writable client.
        tokio::spawn(async move {
            if let Err(e) = connection.with_upgrades().await {
                tracing::debug!(%target, error = %chain(&e), "docker connection ended");
                let _ = ended_tx.send(e);
            }
        });
        Ok((sender, ended_rx))
    }

    /// When the first request on a new connection fails, the connection may already have
    /// died of its own error (a TLS alert read before the request was queued leaves only
    /// "connection was not ready" here): that error is the one worth reporting.
    async fn first_failure(
        &self,
        err: hyper::Error,
        ended: oneshot::Receiver<hyper::Error>,
    ) -> DockerError {
        let cause = match tokio::time::timeout(CAUSE_WAIT, ended).await {
            Ok(Ok(connection_error)) => connection_error,
            _ => err,
        };
        self.http_error(cause, false)
    }

    /// The most recently used connection that is ready for a new request, if any.
    fn checkout(&self) -> Option<SendRequest<ReqBody>> {
        if !self.reuse {
            return None;
        }
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Closed connections go; so do idle ones past their time. Busy ones stay.
        kept.retain(|k| {
            let stale = k.sender.is_ready() && k.since.elapsed() > IDLE_TTL;
            !k.sender.is_closed() && !stale
        });
        let ready = kept.iter().rposition(|k| k.sender.is_ready())?;
        Some(kept.remove(ready).sender)
    }

    /// Keeps the connection: it becomes ready again once its response body has been read
    /// to the end (a dropped body closes it instead).
    fn keep(&self, sender: SendRequest<ReqBody>, response: &Response<Incoming>) {
        if !self.reuse || response.status() == StatusCode::SWITCHING_PROTOCOLS {
            return;
        }
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.len() >= MAX_KEPT {
            // Dropping a sender does not cut a response still streaming on it.
            kept.remove(0);
        }
        kept.push(Kept {
            sender,
            since: Instant::now(),
        });
    }

    fn http_error(&self, source: hyper::Error, reused: bool) -> DockerError {
        if let Some((addr, tls)) = self.connector.tls() {
            if let Some(tls_err) = rustls_cause(&source) {
                return DockerError::Tls {
                    addr,
                    reason: tls.explain(tls_err),
                    source: Box::new(source),
                };
            }
            // A TLS 1.3 engine checks the client certificate after the client considers
            // the handshake done, then drops the connection: the first request on a new
            // connection is where that shows.
            if !reused && closed_early(&source) {
                return DockerError::Tls {
                    addr,
                    reason: format!(
                        "the engine closed the connection right after the handshake; it probably refused the client certificate {} ({})",
                        tls.cert.display(),
                        chain(&source)
                    ),
                    source: Box::new(source),
                };
            }
        }
        DockerError::Http {
            target: self.describe(),
            detail: chain(&source),
            source,
        }
    }
}

/// GET and HEAD, but not a GET that turns into a two-way stream: a websocket attach
/// (`/containers/{id}/attach/ws`) writes to the container's stdin.
fn reads_only(request: &BollardRequest) -> bool {
    let method = request.method();
    (method == Method::GET || method == Method::HEAD)
        && !request.headers().contains_key(UPGRADE)
        && !request.uri().path().ends_with("/attach/ws")
}

/// Whether the connection ended (reset, EOF) before any response came.
fn closed_early(err: &hyper::Error) -> bool {
    if err.is_incomplete_message() {
        return true;
    }
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            );
        }
        next = e.source();
    }
    false
}

/// The API path for messages: without the `/v1.41` prefix and the query.
pub(crate) fn api_path(uri: &Uri) -> String {
    let path = uri.path();
    match version_of(path) {
        Some((_, tail)) => format!("/{tail}"),
        None => path.to_string(),
    }
}

/// `/v1.41/containers/json` → `("1.41", "containers/json")`.
fn version_of(path: &str) -> Option<(&str, &str)> {
    let (version, tail) = path.strip_prefix("/v")?.split_once('/')?;
    let (major, minor) = version.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then_some((version, tail))
}
