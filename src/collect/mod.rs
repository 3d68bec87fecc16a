//! What fleetdeck reads from a node, one module per kind of fact. Read-only.

pub mod docker;
