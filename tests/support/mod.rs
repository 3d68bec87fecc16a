//! Shared helpers for integration tests. Include with `mod support;`.

pub mod audit;
pub mod fleet;
pub mod freezer;
pub mod lab;
pub mod sites;
pub mod swarm;
pub mod swarm_ops;
pub mod tmux;
