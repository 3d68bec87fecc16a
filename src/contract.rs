//! The constants other programs and people rely on (README.md, "Containers fleetdeck
//! creates" and the JSON documents): the labels fleetdeck puts on containers, the
//! `schema_version` of each JSON document, and the Docker time limits. Each has this one
//! home; code elsewhere names them, never repeats their value.

/// The labels on every container fleetdeck creates: how check, reconcile, delete and
/// the tree recognise a site's container.
pub mod label {
    pub const DOMAIN: &str = "fleetdeck.domain";
    pub const LOGIN: &str = "fleetdeck.login";
    pub const VLAN: &str = "fleetdeck.vlan";
}

/// `schema_version` of each JSON document; bumped when that document's shape changes
/// (additions keep old readers working and do not bump it).
pub mod schema {
    /// `tree --json` (and the master's `tree` answer).
    pub const TREE: u32 = 5;
    /// `check --json`.
    pub const CHECK: u32 = 1;
    /// `config check --json`.
    pub const CONFIG_CHECK: u32 = 1;
    /// `inventory list --json`.
    pub const INVENTORY_LIST: u32 = 1;
    /// `audit --json`.
    pub const AUDIT: u32 = 1;
    /// `create --json`.
    pub const CREATE: u32 = 1;
    /// `inspect NODE --json`.
    pub const INSPECT_NODE: u32 = 1;
    /// `inventory adopt --json`.
    pub const ADOPT: u32 = 1;
    /// `scale | update | rollback | drain | activate --json`.
    pub const SWARM_OP: u32 = 1;
}

/// How long fleetdeck waits on a Docker engine.
pub mod docker {
    use std::time::Duration;

    /// Time to reach a node's Docker engine for an operation or a session.
    pub const CONNECT: Duration = Duration::from_secs(15);
    /// The least time to reach an engine when polling or checking: through SSH it may
    /// start `docker system dial-stdio` on the node, slower than a plain connect.
    pub const CONNECT_MIN: Duration = Duration::from_secs(10);
    /// Time to reach an engine when a view opens (logs, stats, an action from the tree).
    pub const STREAM_CONNECT: Duration = Duration::from_secs(10);
    /// Time for one Docker call of an operation.
    pub const CALL: Duration = Duration::from_secs(30);
    /// Time for one API request to get its response headers, once connected (streamed
    /// bodies such as `/events` or followed logs are not limited by it).
    pub const REQUEST: Duration = Duration::from_secs(120);
    /// Seconds a stopped container gets between SIGTERM and SIGKILL.
    pub const STOP_GRACE_SECS: i32 = 10;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values as the README and existing readers know them: a change here is a
    /// change of contract, made on purpose (and the JSON ones bump only on a shape
    /// change).
    #[test]
    fn the_contract_values() {
        assert_eq!(
            [label::DOMAIN, label::LOGIN, label::VLAN],
            ["fleetdeck.domain", "fleetdeck.login", "fleetdeck.vlan"]
        );
        assert_eq!(schema::TREE, 5);
        for v in [
            schema::CHECK,
            schema::CONFIG_CHECK,
            schema::INVENTORY_LIST,
            schema::AUDIT,
            schema::CREATE,
            schema::INSPECT_NODE,
            schema::ADOPT,
            schema::SWARM_OP,
        ] {
            assert_eq!(v, 1);
        }
        assert!(docker::CONNECT_MIN <= docker::CONNECT && docker::CONNECT <= docker::CALL);
        assert!(docker::CALL < docker::REQUEST);
        assert_eq!(docker::STOP_GRACE_SECS, 10);
    }

    /// What CI checks: outside this module (and tests, which spell the contract out on
    /// purpose), no source file repeats a label or a schema version.
    #[test]
    fn no_other_source_repeats_a_contract_value() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("read src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 50, "only {} source files found", files.len());
        let mut found = Vec::new();
        for path in files {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name == "contract.rs" || name == "tests.rs" || name.ends_with("_tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            // A file's inline unit tests (at its end) are tests too.
            let code = text
                .split("#[cfg(test)]\nmod tests {")
                .next()
                .unwrap_or_default();
            for (i, line) in code.lines().enumerate() {
                let repeats = [label::DOMAIN, label::LOGIN, label::VLAN]
                    .iter()
                    .any(|l| line.contains(&format!("\"{l}\"")))
                    || line.contains("SCHEMA_VERSION: u32 =")
                    || line
                        .split("\"schema_version\": ")
                        .nth(1)
                        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
                if repeats {
                    found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "contract values repeated:\n{}",
            found.join("\n")
        );
    }
}
