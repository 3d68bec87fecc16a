//! Who owns a `pending` site row. The creating process holds an exclusive `flock` on a
//! small file named after the domain, next to the inventory, for as long as its create
//! runs. The kernel drops the lock when that process dies, even by SIGKILL, so start-up
//! reconciliation can tell an interrupted create (lock free) from one still running in
//! another admin's fleetdeck (lock held) without guessing from timestamps.
//!
//! The file is removed when the create ends, so `<inventory>.pending/` does not fill up
//! with one file per domain ever created. Removing a file that another process may have
//! open is only safe with this protocol:
//! - only the holder of the lock unlinks the file, and it unlinks before unlocking;
//! - after taking the lock, a claimant checks that the path still names the very file it
//!   locked (same device and inode). If not, it locked a file that the previous holder
//!   had already unlinked (it opened the path just before): it drops it and starts over
//!   on the path as it is now.
//!
//! So at any moment at most one process holds a lock on the file the path names, which
//! is the mutual exclusion the rows rely on; a lock on an unlinked file guards nothing
//! and is never kept.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// How many times a claim starts over after locking a file that was unlinked under it.
/// Each retry means another create of the same domain ended meanwhile; more than a few in
/// a row is not a race any more but something else removing the files.
const CLAIM_ATTEMPTS: usize = 8;

/// Held while a create runs; dropping it removes the lock file, then releases the lock.
#[derive(Debug)]
pub struct PendingGuard {
    file: File,
    path: PathBuf,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        // Still ours: nobody else unlinks without holding the lock, and we hold it.
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::debug!(path = %self.path.display(), error = %e, "cannot remove a pending lock file");
        }
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

fn open(inventory: &Path, path: &Path) -> std::io::Result<File> {
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
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(if shared { 0o660 } else { 0o600 })
        .open(path)
}

/// Whether `path` still names the file open as `file`.
fn still_named(file: &File, path: &Path) -> std::io::Result<bool> {
    let open = file.metadata()?;
    match std::fs::metadata(path) {
        Ok(named) => Ok(named.dev() == open.dev() && named.ino() == open.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Take the lock for a create of `domain`. Fails when another process holds it.
pub fn claim(inventory: &Path, domain: &str) -> std::io::Result<PendingGuard> {
    let path = lock_path(inventory, domain);
    for _ in 0..CLAIM_ATTEMPTS {
        let file = open(inventory, &path)?;
        match file.try_lock() {
            Ok(()) if still_named(&file, &path)? => return Ok(PendingGuard { file, path }),
            // Locked a file its last holder had just removed: it guards nothing.
            Ok(()) => continue,
            // Held by a create that is ending and has removed the file: look again.
            Err(std::fs::TryLockError::WouldBlock) if !still_named(&file, &path)? => continue,
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    format!("another fleetdeck is creating {domain} right now"),
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "the lock file {} keeps disappearing: is something else cleaning {}?",
        path.display(),
        dir_for(inventory).display()
    )))
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
mod tests;
