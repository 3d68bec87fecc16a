//! Time limits of the operations, the same from the CLI and the console.

use std::time::Duration;

/// Time to reach a node's Docker engine.
pub const DOCKER_CONNECT: Duration = Duration::from_secs(15);
/// Time for one Docker call of an operation.
pub const DOCKER_CALL: Duration = Duration::from_secs(30);
