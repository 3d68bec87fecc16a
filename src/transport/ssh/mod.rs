//! SSH with russh: routes from the config, host keys always verified, one connection per
//! node reused for every command and channel.

mod auth;
pub mod connect_limit;
pub mod error;
pub mod give_way;
pub mod host_keys;
pub mod known_hosts;
pub mod node;
mod proxy_command;
pub mod pty;
mod quick_ack;
pub mod revoked;
pub mod session;
pub mod target;
mod user_cert;
mod verifier;

pub use error::SshError;
pub use node::SshNode;
pub use target::{ClientConfig, Hop, Route};
