//! The fleet as fleetdeck sees it: the plain data the collectors produce and the tree is
//! built from. Nothing here does I/O.

pub mod docker;
pub mod forwards;
pub mod live;
pub mod model;
pub mod snapshot;
pub mod stale;
pub mod text;
pub mod tree;
pub mod tunnels;

pub use model::*;

#[cfg(test)]
mod layering_tests;
