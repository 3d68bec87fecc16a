//! Shared helpers for integration tests. Include with `mod support;`.

pub mod lab;
pub mod tmux;
