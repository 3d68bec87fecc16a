//! Shared helpers for integration tests. Include with `mod support;`.

pub mod audit;
pub mod fleet;
pub mod freezer;
pub mod lab;
pub mod private_sshd;
pub mod scale;
pub mod sites;
pub mod swarm;
pub mod swarm_ops;
pub mod swarm_sites;
pub mod terraform;
pub mod tmux;
