//! A byte stream to somewhere (a unix socket, a TCP or TLS connection, an SSH channel),
//! and something that can open one on demand.

use std::io;

use futures::future::BoxFuture;
use tokio::io::{AsyncRead, AsyncWrite};

pub trait Duplex: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Duplex for T {}

pub type BoxedStream = Box<dyn Duplex>;

/// Opens a fresh stream to one fixed destination each time it is asked.
pub trait Dialer: Send + Sync + 'static {
    fn dial(&self) -> BoxFuture<'_, io::Result<BoxedStream>>;
    /// Where it dials, for messages: `unix:///var/run/docker.sock via ssh root@teemo`.
    fn describe(&self) -> String;
}
