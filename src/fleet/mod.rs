//! The fleet as fleetdeck sees it: the plain data the collectors produce and the tree is
//! built from. Nothing here does I/O.

pub mod model;

pub use model::*;
