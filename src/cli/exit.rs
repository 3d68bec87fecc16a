//! Exit codes of the README's contracts, and the one error type the commands return.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The operation failed (and was rolled back), or `check` found problems.
    Failed = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// Refused by read-only mode.
    ReadOnly = 3,
    /// Invalid input or a conflict.
    Invalid = 4,
    /// `proxy plan --exit-code`: changes are pending.
    Pending = 5,
}

/// A failed command: its exit code and a short, actionable message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: Code,
    pub message: String,
    /// The exit status to use instead of `code`: a remote command's own status, passed on
    /// by `fleetdeck ssh` and `exec` (with an empty message: the command spoke for itself).
    pub status: Option<u8>,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            status: None,
        }
    }

    /// Exit with a remote command's status, printing nothing more.
    pub fn remote_status(status: i32) -> Failure {
        Failure {
            code: Code::Failed,
            message: String::new(),
            status: Some(u8::try_from(status & 0xff).unwrap_or(255)),
        }
    }

    /// The process exit status.
    pub fn exit_status(&self) -> u8 {
        self.status.unwrap_or(self.code as u8)
    }

    pub fn config(err: crate::config::ConfigError) -> Failure {
        Failure::new(Code::Usage, err.to_string())
    }

    /// An inventory that cannot be opened or written is an operation failure.
    pub fn inventory(err: impl fmt::Display) -> Failure {
        Failure::new(Code::Failed, err.to_string())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
