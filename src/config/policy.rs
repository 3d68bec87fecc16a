//! The bastion administrator's policy: `/etc/fleetdeck/policy.toml`, root-owned, with
//! `read_only = true`, makes every fleetdeck on the machine read-only whatever the flags,
//! environment or config files say. A policy file that is not root-owned, or writable by
//! anyone else, is no policy (anyone could have written it) and is ignored with a warning;
//! one that is root-owned but cannot be read or parsed fails closed: read-only.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Where the system policy lives. Not configurable: a variable or a flag that moved it
/// would let a user step around it.
pub const POLICY_PATH: &str = "/etc/fleetdeck/policy.toml";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// No policy file.
    None,
    /// A valid root-owned policy.
    Set { read_only: bool },
    /// Root-owned but unreadable or invalid: treated as read-only.
    Broken { why: String },
    /// Present but not trustworthy (owner or mode): ignored.
    Ignored { why: String },
}

impl Policy {
    pub fn forces_read_only(&self) -> bool {
        matches!(
            self,
            Policy::Set { read_only: true } | Policy::Broken { .. }
        )
    }

    /// A line for `config check` and the log, when there is something to say.
    pub fn describe(&self) -> Option<String> {
        match self {
            Policy::None => None,
            Policy::Set { read_only: true } => Some(format!(
                "{POLICY_PATH}: read-only mode enforced by the system policy"
            )),
            Policy::Set { read_only: false } => None,
            Policy::Broken { why } => Some(format!(
                "{POLICY_PATH}: {why}; read-only mode enforced until it is fixed"
            )),
            Policy::Ignored { why } => Some(format!("{POLICY_PATH}: ignored: {why}")),
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    read_only: bool,
}

pub fn load() -> Policy {
    load_from(Path::new(POLICY_PATH))
}

pub fn load_from(path: &Path) -> Policy {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Policy::None,
        Err(e) => {
            return Policy::Broken {
                why: format!("cannot be inspected: {e}"),
            };
        }
    };
    if meta.uid() != 0 {
        return Policy::Ignored {
            why: format!("owned by uid {}, not root", meta.uid()),
        };
    }
    if meta.mode() & 0o022 != 0 {
        return Policy::Ignored {
            why: format!("writable by others (mode {:o})", meta.mode() & 0o777),
        };
    }
    match std::fs::read_to_string(path) {
        Err(e) => Policy::Broken {
            why: format!("cannot be read: {e}"),
        },
        Ok(text) => parse(&text),
    }
}

fn parse(text: &str) -> Policy {
    match toml::from_str::<PolicyFile>(text) {
        Ok(p) => Policy::Set {
            read_only: p.read_only,
        },
        Err(e) => Policy::Broken {
            why: format!(
                "not valid: {}",
                e.message().lines().next().unwrap_or("parse error")
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_policy_says_what_it_says_and_a_broken_one_fails_closed() {
        assert_eq!(parse("read_only = true\n"), Policy::Set { read_only: true });
        assert_eq!(parse(""), Policy::Set { read_only: false });
        assert!(parse("read_only = \"yes\"").forces_read_only());
        assert!(parse("read_only = true\nlift = 1").forces_read_only());
        assert!(!Policy::None.forces_read_only());
        assert!(!Policy::Ignored { why: "x".into() }.forces_read_only());
    }

    #[test]
    fn a_file_not_owned_by_root_or_writable_by_others_is_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, "read_only = true\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let got = load_from(&path);
        // Root runs the tests: the file is root's, but writable by all.
        if rustix::process::getuid().is_root() {
            assert!(
                matches!(got, Policy::Ignored { ref why } if why.contains("writable")),
                "{got:?}"
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            assert_eq!(load_from(&path), Policy::Set { read_only: true });
        } else {
            assert!(
                matches!(got, Policy::Ignored { ref why } if why.contains("not root")),
                "{got:?}"
            );
        }
        assert_eq!(load_from(&dir.path().join("absent.toml")), Policy::None);
    }
}
