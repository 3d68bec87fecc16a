//! The inventory: one SQLite file mapping each site (domain) to its owner, VLAN, node, IP
//! and container, plus the audit trail. Bound parameters only; schema by migrations.

mod audit;
pub mod chain;
pub mod ipam;
pub mod legacy;
pub mod locks;
mod migrations;
mod site_writes;
mod sites;
mod swarm_sites;
mod wal;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use audit::{AuditEntry, AuditRecord, Outcome};
pub use locks::{Acquired, LockError, LockHolder};
pub use site_writes::{Reservation, ReserveError};
pub use sites::{Site, SiteState};
pub use swarm_sites::{PortClaim, SwarmSite};
pub use wal::Checkpoint;

/// How long a writer waits for another fleetdeck holding the database lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot create the inventory directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the inventory {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot migrate the inventory {}: {source}", path.display())]
    Migrate {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },
    #[error("the inventory {} has schema version {found}; this fleetdeck needs {needed}: open it once without --read-only to migrate it", path.display())]
    Outdated {
        path: PathBuf,
        found: i64,
        needed: i64,
    },
    #[error("cannot write the inventory {}: its filesystem is read-only (remount it, or monitor with --read-only)", path.display())]
    ReadOnlyFs { path: PathBuf },
    #[error("inventory query failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("inventory row for {domain:?} is unreadable: {reason}")]
    BadRow { domain: String, reason: String },
}

pub struct Inventory {
    conn: Connection,
    path: PathBuf,
}

impl Inventory {
    /// Open (creating and migrating when needed) the inventory at `path`.
    pub fn open(path: &Path) -> Result<Inventory, InventoryError> {
        Self::open_writable(path).map_err(|e| match e {
            InventoryError::Open { .. }
            | InventoryError::Migrate { .. }
            | InventoryError::CreateDir { .. }
                if on_read_only_fs(path) || path.parent().is_some_and(on_read_only_fs) =>
            {
                InventoryError::ReadOnlyFs {
                    path: path.to_path_buf(),
                }
            }
            other => other,
        })
    }

    fn open_writable(path: &Path) -> Result<Inventory, InventoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|source| InventoryError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let fresh = !path.exists();
        let open_err = |source| InventoryError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        if fresh {
            restrict_permissions(path);
        }
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // WAL lets a console read while another admin's create writes.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        wal::tune(&conn).map_err(open_err)?;
        migrate(&mut conn).map_err(|source| InventoryError::Migrate {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Inventory {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Open an existing inventory without ever writing to it (monitoring, `list`).
    pub fn open_read_only(path: &Path) -> Result<Inventory, InventoryError> {
        match Self::open_read_only_with(path, None) {
            // A WAL database on read-only media cannot create its shared-memory file;
            // nothing can write it there either, so reading it as immutable is exact.
            Err(InventoryError::Open { .. }) if on_read_only_fs(path) => {
                Self::open_read_only_with(path, Some("immutable=1"))
            }
            other => other,
        }
    }

    fn open_read_only_with(
        path: &Path,
        uri_query: Option<&str>,
    ) -> Result<Inventory, InventoryError> {
        let open_err = |source| InventoryError::Open {
            path: path.to_path_buf(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match uri_query {
            None => Connection::open_with_flags(path, flags),
            Some(query) => Connection::open_with_flags(
                format!("file:{}?{query}", uri_escape(path)),
                flags | OpenFlags::SQLITE_OPEN_URI,
            ),
        }
        .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(open_err)?;
        if version < migrations::LATEST {
            return Err(InventoryError::Outdated {
                path: path.to_path_buf(),
                found: version,
                needed: migrations::LATEST,
            });
        }
        Ok(Inventory {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// A private inventory in memory, with the real schema and nothing on disk (fuzzing
    /// the legacy import, tests).
    pub fn open_in_memory() -> Result<Inventory, InventoryError> {
        let path = PathBuf::from(":memory:");
        let mut conn = Connection::open_in_memory().map_err(|source| InventoryError::Open {
            path: path.clone(),
            source,
        })?;
        // As on disk: a swarm site's port row goes with its site (ON DELETE CASCADE).
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|source| InventoryError::Open {
                path: path.clone(),
                source,
            })?;
        migrate(&mut conn).map_err(|source| InventoryError::Migrate {
            path: path.clone(),
            source,
        })?;
        Ok(Inventory { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Bring the schema up to date. Two fleetdeck processes opening a fresh file at the same
/// moment both see it unmigrated; the loser's transaction fails, and by then the winner
/// has done the work, so a failure is checked against the version before it counts.
fn migrate(conn: &mut Connection) -> Result<(), rusqlite_migration::Error> {
    let mut attempt = 0;
    loop {
        match migrations::migrations().to_latest(conn) {
            Ok(()) => return Ok(()),
            Err(e) => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(50 * attempt));
                let version: i64 = conn
                    .pragma_query_value(None, "user_version", |r| r.get(0))
                    .unwrap_or(0);
                if version >= migrations::LATEST {
                    return Ok(());
                }
                if attempt >= 5 {
                    return Err(e);
                }
            }
        }
    }
}

/// Whether `path` sits on a filesystem mounted read-only.
fn on_read_only_fs(path: &Path) -> bool {
    match std::fs::OpenOptions::new().append(true).open(path) {
        Err(e) => e.kind() == std::io::ErrorKind::ReadOnlyFilesystem,
        Ok(_) => false,
    }
}

/// A path as the file part of an SQLite URI.
fn uri_escape(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// A new inventory is readable by its owner only; SQLite gives the `-wal` and `-shm`
/// files the same mode. A shared bastion widens this on purpose (see the README).
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        tracing::warn!(path = %path.display(), error = %e, "could not restrict inventory permissions");
    }
}

/// RFC 3339 UTC timestamp, second precision, as stored in every `*_at` column.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests;
