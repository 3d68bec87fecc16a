//! Everything fleetdeck learns or changes goes through two transports: running a command
//! on a node ([`exec::Exec`]) and talking to a node's Docker engine (`docker`). The rest of
//! the code sees those two and never a socket.
//!
//! Read-only mode is enforced here, by construction: a read-only exec handle runs only
//! commands of the read-only [`catalog`], and a read-only Docker handle sends only GET and
//! HEAD requests. Either refuses anything else before a byte leaves the process.

pub mod batch;
pub mod catalog;
pub mod docker;
pub mod exec;
pub mod links;
pub mod quote;
pub mod ssh;
pub mod stream;

pub use docker::{DockerClient, DockerError, DockerTarget};
pub use exec::{Exec, ExecError, LocalExec, Output, RemoteCommand};
pub use stream::{BoxedStream, Dialer};
