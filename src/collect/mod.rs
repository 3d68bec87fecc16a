//! What fleetdeck reads from a node, one module per kind of fact. Read-only: every command
//! here is in the read-only catalog. `parse` turns command output into fleet values.

pub mod docker;
pub mod health;
pub mod node;
pub mod once;
pub mod parse;
pub mod poller;
pub mod watch;
