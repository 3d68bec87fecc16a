//! Keeping the write-ahead log small. SQLite checkpoints the WAL by itself once it passes
//! `wal_autocheckpoint` pages, but a checkpoint only rewinds the log: the file keeps the
//! largest size it ever reached, and it is deleted only when the last connection closes.
//! A console (its audit watch) or a master keeps a connection open for days, so the file
//! would stay as large as its largest burst. `journal_size_limit` makes SQLite cut it back
//! each time the log rewinds, and [`Inventory::checkpoint`] empties it on demand (the
//! console's audit watch calls it now and then; see ARCHITECTURE.md "inventory/").

use std::time::Duration;

use rusqlite::Connection;

use super::{BUSY_TIMEOUT, Inventory, InventoryError};

/// What the WAL is cut back to when it rewinds (bytes).
pub const WAL_SIZE_LIMIT: i64 = 1024 * 1024;
/// Pages after which a commit checkpoints (4 KiB pages: 1 MiB, a quarter of the default).
pub const AUTOCHECKPOINT_PAGES: i64 = 256;

/// Applied to every writable connection at open.
pub(super) fn tune(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
    conn.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES)?;
    Ok(())
}

/// The answer of one `wal_checkpoint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Another connection was reading or writing: nothing or only part was done. Harmless:
    /// the next one catches up.
    pub busy: bool,
    /// Frames in the log before, and frames copied into the database.
    pub log_frames: i64,
    pub checkpointed: i64,
}

impl Inventory {
    /// Copy the log into the database and truncate it to zero bytes, without waiting:
    /// when another admin's process is busy, it says so and leaves the rest for later.
    pub fn checkpoint(&self) -> Result<Checkpoint, InventoryError> {
        let conn = self.conn();
        // TRUNCATE waits for readers through the busy handler; a housekeeping call must
        // never hold up the console's thread, so no waiting here.
        conn.busy_timeout(Duration::ZERO)?;
        let answer = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok(Checkpoint {
                busy: r.get::<_, i64>(0)? != 0,
                log_frames: r.get(1)?,
                checkpointed: r.get(2)?,
            })
        });
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(answer?)
    }
}

#[cfg(test)]
mod tests;
