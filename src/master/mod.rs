//! A master: one fleetdeck process that keeps every node's connection open, so that
//! `tree` run from cron, a script or another shell polls over connections that are
//! already up instead of opening its own — what OpenSSH's ControlMaster does for `ssh`.
//!
//! The master listens on a unix socket named after the config it was started with; a
//! `tree` with the same config finds it there, and any other config never does. Only the
//! owner of the socket may talk to it (directory 0700, socket 0600, peer uid checked).
//! It polls as the console does (one task per node every `refresh_secs`, containers
//! re-read on each engine's events) and answers `tree` from what it holds, with each
//! node's age; `tree --fresh` asks every node first (see `held`). `fleetdeck ssh` and
//! `exec` ride its connections too (see `session`). It follows the
//! Terraform states of the config while it runs (see `follow`).

pub mod client;
pub mod follow;
pub mod frames;
pub mod held;
pub mod place;
pub mod protocol;
pub mod server;
pub mod session;
