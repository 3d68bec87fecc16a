//! Acting where you look: a shell on a node, an exec in a container, a container's
//! start/stop/restart, its engine record, and the engines' events. The CLI (`fleetdeck
//! ssh|exec|start|stop|restart|inspect|events`) and the console's keys share this code.
//!
//! Read-only mode refuses every one of these that can change anything before a
//! connection is made (see ARCHITECTURE.md, "read-only"); the transports refuse them again
//! on their own (an exec's POSTs at the Docker chokepoint, a session channel on a
//! read-only link).

pub mod escape;
pub mod events;
pub mod lifecycle;
pub mod lookup;
pub mod open;
pub mod pump;
pub mod record;
pub mod run;
pub mod session;
pub mod session_audit;
pub mod target;

pub use session::{ExitStatus, RemoteSession};
pub use target::{NodeContainers, ResolveError, Resolved};
