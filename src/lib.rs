//! fleetdeck: a terminal operations console for a small fleet of hypervisors and Docker hosts.
//!
//! The binary in `main.rs` is a thin shell over this library, so integration tests and
//! benchmarks reach the same code the console runs.

pub mod act;
pub mod actor;
pub mod app;
pub mod cli;
pub mod collect;
pub mod config;
pub mod contract;
pub mod fleet;
pub mod fuzz;
pub mod inventory;
pub mod logging;
pub mod master;
pub mod ops;
pub mod plural;
pub mod sshcfg;
pub mod swarm;
pub mod terraform;
pub mod transport;
pub mod tui;
pub mod ui;
pub mod validate;
