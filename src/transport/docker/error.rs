//! What can go wrong between fleetdeck and a Docker engine, each case with the place
//! (socket, address, file) and the cause, in one line.

use std::path::PathBuf;
use std::time::Duration;

/// An error of the Docker transport. Requests made through [`super::DockerClient::api`]
/// return `bollard::errors::Error`; a failure of the transport itself travels inside it
/// (as an I/O error) and comes back out with [`DockerError::from_bollard`] or
/// [`DockerError::from`].
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// The chokepoint refused a mutating request of a read-only client. Nothing was dialed
    /// and nothing was sent.
    #[error("refused in read-only mode: {method} {path}")]
    ReadOnly { method: String, path: String },

    #[error("node {node} has docker = none")]
    NoEngine { node: String },

    /// The node's engine could not be set up from the config (found when the links were
    /// built, kept for every later use).
    #[error(transparent)]
    Unusable(std::sync::Arc<DockerError>),

    #[error(
        "node {node} has docker = \"ssh\" but no SSH connection was provided to reach its docker_socket"
    )]
    NoSshDialer { node: String },

    /// A target that cannot be used as given (e.g. a TLS host that is no valid name).
    #[error("invalid Docker target {target}: {reason}")]
    InvalidTarget { target: String, reason: String },

    /// `DOCKER_HOST` (or another variable) holds something fleetdeck cannot use.
    #[error("{variable}={value:?}: {reason}")]
    Environment {
        variable: &'static str,
        value: String,
        reason: String,
    },

    /// A certificate or key file is missing or unreadable.
    #[error("cannot read the {what} {}: {source}", path.display())]
    CertFile {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A certificate or key file is readable but does not hold what it should.
    #[error("the {what} {} is not usable: {reason}", path.display())]
    BadCertFile {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },

    /// The certificates do not form a usable client configuration (e.g. the key does not
    /// belong to the certificate).
    #[error("TLS settings for {target} are not usable: {source}")]
    TlsConfig {
        target: String,
        #[source]
        source: tokio_rustls::rustls::Error,
    },

    /// TCP connect, unix connect or the dialer failed.
    #[error("cannot connect to the Docker engine at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: std::io::Error,
    },

    /// Connecting (or, in [`super::DockerClient::connect`], the first exchange) took longer
    /// than the caller's timeout.
    #[error("{what} the Docker engine at {target} did not finish within {after:?}")]
    Timeout {
        what: &'static str,
        target: String,
        after: Duration,
    },

    /// The TLS handshake failed, or the server ended the TLS session right after it
    /// (TLS 1.3 servers reject a client certificate only then).
    #[error("TLS handshake with {addr} failed: {reason}")]
    Tls {
        addr: String,
        reason: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The HTTP exchange failed after the connection was made.
    #[error("HTTP exchange with the Docker engine at {target} failed: {detail}")]
    Http {
        target: String,
        /// The whole cause chain in one line (hyper's own message names only the stage).
        detail: String,
        #[source]
        source: hyper::Error,
    },

    /// The engine's `/version` answer did not allow choosing an API version.
    #[error("cannot negotiate the API version with {target}: {reason}")]
    Negotiate { target: String, reason: String },

    /// The engine answered a request fleetdeck made itself with an error status.
    #[error("the Docker engine at {target} answered {status} to {what}: {message}")]
    Status {
        target: String,
        what: String,
        status: u16,
        message: String,
    },

    /// An answer larger than fleetdeck accepts for that request.
    #[error("the Docker engine at {target} sent more than {limit} bytes for {what}; refused")]
    TooLarge {
        target: String,
        what: String,
        limit: usize,
    },

    /// An error of the Docker API itself (status code and message from the engine), or of
    /// decoding its answer.
    #[error("Docker API: {0}")]
    Api(#[source] bollard::errors::Error),
}

impl DockerError {
    /// The transport error carried inside a bollard error, if that is what it is.
    pub fn from_bollard(err: &bollard::errors::Error) -> Option<&DockerError> {
        match err {
            bollard::errors::Error::IOError { err } => {
                err.get_ref().and_then(|inner| inner.downcast_ref())
            }
            _ => None,
        }
    }

    /// Whether this is a refusal of read-only mode.
    pub fn is_read_only(&self) -> bool {
        matches!(self, DockerError::ReadOnly { .. })
    }

    /// Wraps the error for bollard's `CustomTransport` signature, so that it can be taken
    /// back out intact on the other side.
    pub(crate) fn into_bollard(self) -> bollard::errors::Error {
        bollard::errors::Error::IOError {
            err: std::io::Error::other(self),
        }
    }
}

impl From<bollard::errors::Error> for DockerError {
    /// Unwraps a transport error that went through bollard; anything else is an API error.
    fn from(err: bollard::errors::Error) -> DockerError {
        match err {
            bollard::errors::Error::IOError { err }
                if err.get_ref().is_some_and(|inner| inner.is::<DockerError>()) =>
            {
                match err
                    .into_inner()
                    .map(|inner| inner.downcast::<DockerError>())
                {
                    Some(Ok(ours)) => *ours,
                    // Unreachable after the `is` check above; keep the cause anyway.
                    Some(Err(other)) => DockerError::Api(bollard::errors::Error::IOError {
                        err: std::io::Error::other(other),
                    }),
                    None => DockerError::Api(bollard::errors::Error::IOError {
                        err: std::io::Error::other("transport error without a cause"),
                    }),
                }
            }
            other => DockerError::Api(other),
        }
    }
}

/// `err: cause: cause's cause`, without repeating a message a wrapper already includes.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        next = cause.source();
    }
    text
}
