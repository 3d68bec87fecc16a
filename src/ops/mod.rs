//! Operations that change the world (ARCHITECTURE.md, "Adding an operation"): each is a pure `plan` that can
//! be shown and tested, then an async `apply` that reports each step as it goes and
//! undoes what it did when a step fails. The console and the CLI share them.

pub mod adopt;
pub mod check;
pub mod create;
pub mod delete;
pub mod docker_steps;
pub mod labels;
pub mod limits;
pub mod pending;
pub mod progress;
pub mod proxy;
pub mod reconcile;
pub mod reconcile_service;
pub mod swarm_ops;
pub mod swarm_steps;

pub use progress::{Progress, Silent};

/// How an operation ended badly; decides the exit code of the README's contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailKind {
    /// Bad input or a conflict (domain taken, unknown VLAN, IP exhausted...): exit 4.
    Invalid,
    /// A step failed and what was done was undone: exit 1.
    Failed,
    /// Refused by read-only mode: exit 3.
    ReadOnly,
}
