//! Where a master listens, and who may use it.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};

use crate::config::Config;

/// Names the fleet a master serves: the resolved config and the mode. A `tree` whose
/// config differs in anything (a node added, a timeout changed) gets another name and
/// polls on its own. Nodes read from Terraform states are left out: the master follows
/// the states itself (ARCHITECTURE.md `master/`), so a server added to a state is shown
/// by the running master rather than making `tree` pass it by.
pub fn fingerprint(config: &Config, read_only: bool) -> String {
    let mut hash = Sha1::new();
    // serde_json of the resolved config is deterministic: struct fields in order, maps
    // sorted (BTreeMap).
    let written = crate::terraform::expand::unexpand(config);
    hash.update(serde_json::to_vec(&written).unwrap_or_default());
    hash.update(if read_only { b"ro" } else { b"rw" });
    hash.finalize()
        .iter()
        .take(10)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `$XDG_RUNTIME_DIR/fleetdeck`, else `run/` in fleetdeck's state directory.
pub fn socket_dir() -> Option<PathBuf> {
    let project = directories::ProjectDirs::from("", "", "fleetdeck")?;
    match project.runtime_dir() {
        Some(dir) => Some(dir.to_path_buf()),
        None => crate::config::paths::log_dir().map(|d| d.join("run")),
    }
}

pub fn socket_path(dir: &Path, fingerprint: &str) -> PathBuf {
    dir.join(format!("master-{fingerprint}.sock"))
}

/// This process's user id, without libc: the owner of `/proc/self`.
pub fn own_uid() -> io::Result<u32> {
    Ok(std::fs::metadata("/proc/self")?.uid())
}

/// Create `dir` owner-only, or check an existing one is ours and not open to others: a
/// socket in a directory someone else controls could be swapped for theirs.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let meta = std::fs::metadata(dir)?;
    if meta.uid() != own_uid()? {
        return Err(io::Error::other(format!(
            "{} belongs to another user",
            dir.display()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Whether `path` is a socket this user owns, the only kind a client will talk to.
pub fn is_own_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    match (std::fs::symlink_metadata(path), own_uid()) {
        (Ok(meta), Ok(uid)) => meta.file_type().is_socket() && meta.uid() == uid,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        crate::config::load_str(text, Path::new("t.toml")).expect("config")
    }

    #[test]
    fn fingerprint_follows_the_config_and_the_mode() {
        let a = config("[[node]]\nname = \"a\"\nssh = \"a\"\n");
        let b = config("[[node]]\nname = \"b\"\nssh = \"b\"\n");
        assert_eq!(fingerprint(&a, false), fingerprint(&a.clone(), false));
        assert_ne!(fingerprint(&a, false), fingerprint(&b, false));
        assert_ne!(fingerprint(&a, false), fingerprint(&a, true));
        assert_eq!(fingerprint(&a, false).len(), 20);
    }

    #[test]
    fn fingerprint_ignores_the_nodes_a_state_adds() {
        let text = "[[node]]\nname = \"a\"\nssh = \"a\"\n\
                    [[terraform]]\nname = \"infra\"\nstate = \"x\"\n";
        let plain = config(text);
        let mut grown = plain.clone();
        let tf = grown.terraform[0].clone();
        let state = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/terraform/hcloud.tfstate"
        ))
        .expect("fixture");
        let instances = crate::terraform::parse(&state).expect("parses");
        crate::terraform::expand::merge(&mut grown, &tf, &instances);
        assert!(
            grown.nodes.len() > plain.nodes.len(),
            "the state adds nodes"
        );
        assert_eq!(fingerprint(&grown, false), fingerprint(&plain, false));
        // A node of the file still counts.
        let other = config(&text.replace("name = \"a\"", "name = \"b\""));
        assert_ne!(fingerprint(&other, false), fingerprint(&plain, false));
    }

    #[test]
    fn private_dir_is_created_owner_only_and_tightened() {
        let base = tempfile::tempdir().expect("tempdir");
        let dir = base.path().join("a/b");
        private_dir(&dir).expect("created");
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        private_dir(&dir).expect("tightened");
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn only_own_sockets_count() {
        let base = tempfile::tempdir().expect("tempdir");
        let file = base.path().join("plain");
        std::fs::write(&file, b"").expect("write");
        assert!(!is_own_socket(&file), "a plain file is not a master");
        assert!(!is_own_socket(&base.path().join("missing")));
        let sock = base.path().join("s.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
        assert!(is_own_socket(&sock));
    }
}
