//! Time limits of the operations, the same from the CLI and the console. Their one home
//! is `crate::contract::docker`; these names stay for the callers written against them.

pub use crate::contract::docker::{CALL as DOCKER_CALL, CONNECT as DOCKER_CONNECT};
