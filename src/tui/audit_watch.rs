//! Other admins sharing the inventory: every refresh, audit rows written since the last
//! look come back as a message, so their creates, deletes and proxy applies show in this
//! console's activity panel (and the inventory is re-read when sites changed).

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;
use crate::inventory::Inventory;

/// How often a read-write console empties the inventory's WAL (inventory/wal.rs): this
/// connection stays open all session, so SQLite never deletes the log by itself.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(300);

/// Watch on a thread of its own: SQLite blocks, and the connection stays on one thread.
/// The thread ends when the console's message channel closes.
pub fn spawn(path: PathBuf, read_only: bool, every: Duration, tx: UnboundedSender<Msg>) {
    let spawned = std::thread::Builder::new()
        .name("audit-watch".into())
        .spawn(move || watch(&path, read_only, every, &tx));
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the audit watch");
    }
}

fn watch(path: &std::path::Path, read_only: bool, every: Duration, tx: &UnboundedSender<Msg>) {
    let mut inventory: Option<Inventory> = None;
    // Rows before the console started are history, not news.
    let mut last_seen: Option<i64> = None;
    let mut last_checkpoint = std::time::Instant::now();
    loop {
        if inventory.is_none() && path.exists() {
            let opened = if read_only {
                Inventory::open_read_only(path)
            } else {
                Inventory::open(path)
            };
            inventory = opened
                .map_err(|e| tracing::debug!(error = %e, "audit watch: inventory not readable yet"))
                .ok();
        }
        if let Some(inv) = &inventory {
            match last_seen {
                None => last_seen = inv.last_audit_id().ok(),
                Some(id) => match inv.audit_after(id) {
                    Ok(rows) if !rows.is_empty() => {
                        last_seen = rows.last().map(|r| r.id);
                        if tx.send(Msg::AuditRows(rows)).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "audit watch: read failed"),
                },
            }
            if !read_only && last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
                last_checkpoint = std::time::Instant::now();
                checkpoint(inv);
            }
        }
        // Sleep in short steps so the thread ends soon after the console quits.
        let mut slept = Duration::ZERO;
        while slept < every {
            if tx.is_closed() {
                return;
            }
            let step = Duration::from_millis(200).min(every - slept);
            std::thread::sleep(step);
            slept += step;
        }
    }
}

fn checkpoint(inv: &Inventory) {
    match inv.checkpoint() {
        Ok(done) => tracing::debug!(?done, "inventory WAL checkpoint"),
        Err(e) => tracing::debug!(error = %e, "inventory WAL checkpoint failed"),
    }
}
