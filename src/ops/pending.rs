//! Who owns a `pending` site row. The creating process holds an exclusive `flock` on a
//! small file named after the domain, next to the inventory, for as long as its create
//! runs. The kernel drops the lock when that process dies, even by SIGKILL, so start-up
//! reconciliation can tell an interrupted create (lock free) from one still running in
//! another admin's fleetdeck (lock held) without guessing from timestamps.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// Held while a create runs; dropping it releases the lock. The (empty) file stays: removing
/// it would let a process that opened it just before lock an unlinked file while a third
/// one locks a new file of the same name.
#[derive(Debug)]
pub struct PendingGuard {
    file: File,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Directory of the lock files of one inventory.
pub fn dir_for(inventory: &Path) -> PathBuf {
    let mut name = inventory
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".pending");
    inventory.with_file_name(name)
}

fn lock_path(inventory: &Path, domain: &str) -> PathBuf {
    // `domain` is validated (letters, digits, dots, hyphens), so it is a safe file name.
    dir_for(inventory).join(format!("{domain}.lock"))
}

fn open(inventory: &Path, domain: &str) -> std::io::Result<File> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    // On a shared bastion the inventory is group-writable; so must the lock files be, or
    // the second admin could not create anything. Otherwise they stay private.
    let shared = std::fs::metadata(inventory)
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o020 != 0)
        .unwrap_or(false);
    let dir = dir_for(inventory);
    if !dir.is_dir() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(if shared { 0o2770 } else { 0o700 })
            .create(&dir)?;
    }
    let path = lock_path(inventory, domain);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(if shared { 0o660 } else { 0o600 })
        .open(&path)?;
    Ok(file)
}

/// Take the lock for a create of `domain`. Fails when another process holds it.
pub fn claim(inventory: &Path, domain: &str) -> std::io::Result<PendingGuard> {
    let file = open(inventory, domain)?;
    match file.try_lock() {
        Ok(()) => Ok(PendingGuard { file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(std::io::Error::new(
            std::io::ErrorKind::WouldBlock,
            format!("another fleetdeck is creating {domain} right now"),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// For reconciliation: `Some(guard)` when no live process owns the pending row of
/// `domain` (the caller then owns it), `None` while its create is still running.
pub fn try_take_over(inventory: &Path, domain: &str) -> std::io::Result<Option<PendingGuard>> {
    match claim(inventory, domain) {
        Ok(g) => Ok(Some(g)),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_held_claim_blocks_another_until_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let inv = dir.path().join("inventory.db");
        let first = super::claim(&inv, "a.example").expect("first claim");
        assert!(
            super::try_take_over(&inv, "a.example")
                .expect("io")
                .is_none()
        );
        assert!(super::claim(&inv, "a.example").is_err());
        assert!(super::claim(&inv, "b.example").is_ok());
        drop(first);
        assert!(
            super::try_take_over(&inv, "a.example")
                .expect("io")
                .is_some()
        );
    }
}
