//! SSH failures, each with the host and what to do about it.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SshError {
    #[error("cannot connect to {hop}: {source}")]
    Connect {
        hop: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{hop} did not answer within {}s ({stage})", after.as_secs())]
    Timeout {
        hop: String,
        stage: &'static str,
        after: Duration,
    },
    #[error("host key of {hop} is unknown ({fingerprint}); refused. Check it, then add it to {file} (ssh-keyscan -p {port} {host} >> {file})", file = file.display())]
    UnknownHostKey {
        hop: String,
        host: String,
        port: u16,
        fingerprint: String,
        file: PathBuf,
    },
    #[error("HOST KEY CHANGED for {hop}: {file}:{line} holds another key, the server now shows {fingerprint}. Possible man-in-the-middle; refused. If the change is expected, remove line {line} of {file}", file = file.display())]
    ChangedHostKey {
        hop: String,
        fingerprint: String,
        file: PathBuf,
        line: usize,
    },
    #[error("host key of {hop} is revoked in {file}:{line}; refused", file = file.display())]
    RevokedHostKey {
        hop: String,
        file: PathBuf,
        line: usize,
    },
    /// The RevokedHostKeys file lists the host key, its certificate or its CA.
    #[error("host key of {hop} is revoked by the RevokedHostKeys file {file}: {reason}; refused", file = file.display())]
    RevokedByList {
        hop: String,
        file: PathBuf,
        reason: String,
    },
    /// ssh refuses every host when its RevokedHostKeys file cannot be read; so does
    /// fleetdeck.
    #[error("{hop} refused: {source}. Fix the file or the RevokedHostKeys line of the ssh config")]
    RevokedListUnreadable {
        hop: String,
        #[source]
        source: super::revoked::RevokedError,
    },
    /// The CA signed the host certificate with an algorithm CASignatureAlgorithms
    /// does not accept.
    #[error(
        "host certificate of {hop} is signed with {algorithm}, which CASignatureAlgorithms does not accept ({allowed}); refused. Have the CA sign with an accepted algorithm (ssh-keygen -t rsa-sha2-512), or accept it: CASignatureAlgorithms +{algorithm}"
    )]
    HostCertCaAlgorithm {
        hop: String,
        algorithm: String,
        allowed: String,
    },
    /// The host certificate is outside its validity window.
    #[error(
        "host certificate of {hop} has expired ({window}); refused. Have the CA sign a new one (ssh-keygen -s CA -h ...)"
    )]
    HostCertExpired { hop: String, window: String },
    #[error(
        "host certificate of {hop} is not yet valid ({window}); refused. Check this machine's clock"
    )]
    HostCertNotYetValid { hop: String, window: String },
    /// The certificate's principals do not name the host (or its HostKeyAlias).
    #[error(
        "host certificate of {hop} is not for {wanted} (principals: {principals}); refused. Connect by a name the certificate lists, or set HostKeyAlias"
    )]
    HostCertPrincipal {
        hop: String,
        wanted: String,
        principals: String,
    },
    /// Signed by a CA that no `@cert-authority` line trusts for this host.
    #[error("host certificate of {hop} is signed by an untrusted CA ({ca_fingerprint}){known}; refused. If you trust that CA, add `@cert-authority {name} <CA public key>` to {file}", file = file.display())]
    HostCertUntrustedCa {
        hop: String,
        name: String,
        ca_fingerprint: String,
        /// ", not by the N authorities listed for NAME", or empty.
        known: String,
        file: PathBuf,
    },
    #[error("host certificate of {hop} is invalid: {reason}; refused")]
    HostCertInvalid { hop: String, reason: String },
    #[error("authentication as {hop} failed: {tried}")]
    Auth { hop: String, tried: String },
    #[error("ssh protocol error with {hop}: {source}")]
    Protocol {
        hop: String,
        #[source]
        source: russh::Error,
    },
    /// sshd refused a session channel (a command, a shell): nothing ran. At the
    /// server's `MaxSessions` every new session is refused until one closes.
    #[error(
        "{hop} refused a new session ({reason}); its sshd may allow too few sessions (MaxSessions)"
    )]
    SessionRefused { hop: String, reason: String },
    #[error("{hop} refused to open a channel ({what}): {reason}")]
    ChannelRefused {
        hop: String,
        what: String,
        reason: String,
    },
    #[error("{hop}: command {what} over {limit_mib} MiB; refused")]
    TooLarge {
        hop: String,
        what: String,
        limit_mib: usize,
    },
    #[error("the connection to {hop} is closed")]
    Closed { hop: String },
    /// The connection went away after the command was sent: it may have run, so it is
    /// never sent again on its own.
    #[error("the connection to {hop} was lost while the command ran (it may have run): {cause}")]
    LostMidCommand { hop: String, cause: String },
    #[error("{hop} is down (last error: {last}); next try in {}s", retry_in.as_secs().max(1))]
    BackingOff {
        hop: String,
        last: String,
        retry_in: Duration,
        /// The last failure was a peer that accepted and never answered.
        silent: bool,
    },
}

impl SshError {
    /// The peer accepted the connection and then said nothing within the limit: a stopped
    /// sshd (SIGSTOP) or a wedged one. Its node is `stale`, not `down`: nothing says the
    /// node is gone, only that it does not answer now (README, "Stale nodes").
    pub fn is_silent_peer(&self) -> bool {
        match self {
            SshError::Timeout { stage, .. } => matches!(*stage, "key exchange" | "authentication"),
            SshError::BackingOff { silent, .. } => *silent,
            _ => false,
        }
    }

    /// Errors after which the connection must not be used again.
    pub fn is_connection_lost(&self) -> bool {
        matches!(
            self,
            SshError::Closed { .. }
                | SshError::LostMidCommand { .. }
                | SshError::Protocol {
                    source: russh::Error::Disconnect
                        | russh::Error::SendError
                        | russh::Error::IO(_)
                        | russh::Error::KeepaliveTimeout
                        | russh::Error::InactivityTimeout
                        | russh::Error::HUP,
                    ..
                }
        )
    }
}
