//! A master: one fleetdeck process that keeps every node's connection open, so that
//! `tree` run from cron, a script or another shell polls over connections that are
//! already up instead of opening its own — what OpenSSH's ControlMaster does for `ssh`.
//!
//! The master listens on a unix socket named after the config it was started with; a
//! `tree` with the same config finds it there, and any other config never does. Only the
//! owner of the socket may talk to it (directory 0700, socket 0600, peer uid checked).
//! Each answer asks every node's Docker engine afresh over the open connection; host
//! facts (OS, load, bridges, listening ports, guests) come from the master's own full
//! poll, run every `refresh_secs` as the console does (see `polled`). `fleetdeck ssh`
//! and `exec` ride its connections too (see `session`). It follows the Terraform states
//! of the config while it runs (see `follow`).

pub mod client;
pub mod follow;
pub mod frames;
pub mod place;
pub mod polled;
pub mod protocol;
pub mod server;
pub mod session;
