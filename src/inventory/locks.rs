//! Advisory locks between admins sharing one inventory (one proxy apply at a time). A lock
//! is a row naming who holds it, from where, and which process on which machine, so a
//! refused admin knows whom to ask, and a lock left by a process that died on this same
//! machine can be taken over instead of blocking everyone until someone edits the file.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::{Inventory, InventoryError, now_rfc3339};
use crate::actor::Actor;

/// Who holds (or wants) a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockHolder {
    /// The admin (`SUDO_USER` or `USER`).
    pub holder: String,
    /// `local` or `ssh:<client address>`.
    pub origin: String,
    pub pid: u32,
    /// The machine the process runs on: a pid only means something there.
    pub host: String,
    pub acquired_at: String,
}

impl LockHolder {
    /// This process, acting for `actor`, now.
    pub fn current(actor: &Actor) -> LockHolder {
        LockHolder {
            holder: actor.user.clone(),
            origin: actor.origin.clone(),
            pid: std::process::id(),
            host: this_host(),
            acquired_at: now_rfc3339(),
        }
    }

    /// "alice (ssh:192.0.2.7, pid 4242 on bastion) since 2026-01-02T03:04:05Z"
    pub fn describe(&self) -> String {
        format!(
            "{} ({}, pid {} on {}) since {}",
            self.holder, self.origin, self.pid, self.host, self.acquired_at
        )
    }
}

/// How a lock was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquired {
    Free,
    /// The previous holder's process is gone from this machine; its row was replaced.
    TookOver(LockHolder),
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the {name} lock is held by {}", by.describe())]
    Held { name: String, by: Box<LockHolder> },
    #[error(transparent)]
    Inventory(#[from] InventoryError),
}

impl Inventory {
    /// Take the lock `name` for `me`. `alive` says whether a pid runs on this machine; it
    /// is a parameter so the stale-lock rule is testable without real processes.
    pub fn acquire_lock(
        &mut self,
        name: &str,
        me: &LockHolder,
        alive: &dyn Fn(u32) -> bool,
    ) -> Result<Acquired, LockError> {
        // IMMEDIATE: two fleetdecks reading "free" and both inserting is impossible.
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(InventoryError::from)?;
        let current = holder_in(&tx, name)?;
        let outcome = match current {
            None => Acquired::Free,
            Some(old) if old.host == me.host && !alive(old.pid) => {
                tx.execute("DELETE FROM locks WHERE name = ?1", params![name])
                    .map_err(InventoryError::from)?;
                Acquired::TookOver(old)
            }
            Some(old) => {
                return Err(LockError::Held {
                    name: name.to_string(),
                    by: Box::new(old),
                });
            }
        };
        tx.execute(
            "INSERT INTO locks (name, holder, origin, pid, host, acquired_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![name, me.holder, me.origin, me.pid, me.host, me.acquired_at],
        )
        .map_err(InventoryError::from)?;
        tx.commit().map_err(InventoryError::from)?;
        Ok(outcome)
    }

    /// Release the lock if `me` holds it (never someone else's). Returns whether a row
    /// was removed.
    pub fn release_lock(&self, name: &str, me: &LockHolder) -> Result<bool, InventoryError> {
        let n = self.conn().execute(
            "DELETE FROM locks WHERE name = ?1 AND pid = ?2 AND host = ?3",
            params![name, me.pid, me.host],
        )?;
        Ok(n == 1)
    }

    /// Who holds `name`, if anyone.
    pub fn lock_holder(&self, name: &str) -> Result<Option<LockHolder>, InventoryError> {
        holder_in(self.conn(), name)
    }
}

fn holder_in(
    conn: &rusqlite::Connection,
    name: &str,
) -> Result<Option<LockHolder>, InventoryError> {
    let row = conn
        .query_row(
            "SELECT holder, origin, pid, host, acquired_at FROM locks WHERE name = ?1",
            params![name],
            |r| {
                Ok(LockHolder {
                    holder: r.get(0)?,
                    origin: r.get(1)?,
                    pid: r.get(2)?,
                    host: r.get(3)?,
                    acquired_at: r.get(4)?,
                })
            },
        )
        .optional()?;
    Ok(row)
}

/// Whether a process with this pid exists on this machine (Linux `/proc`).
pub fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// This machine's name, as a lock row records it.
pub fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(user: &str, pid: u32, host: &str) -> LockHolder {
        LockHolder {
            holder: user.into(),
            origin: "local".into(),
            pid,
            host: host.into(),
            acquired_at: "2026-01-02T03:04:05Z".into(),
        }
    }

    fn inventory() -> (tempfile::TempDir, Inventory) {
        let dir = tempfile::tempdir().expect("tempdir");
        let inv = Inventory::open(&dir.path().join("inv.db")).expect("open");
        (dir, inv)
    }

    #[test]
    fn a_held_lock_is_refused_naming_its_holder_until_released() {
        let (_dir, mut inv) = inventory();
        let alice = holder("alice", 100, "bastion");
        let bob = holder("bob", 200, "bastion");
        let alive = |_| true;
        assert_eq!(
            inv.acquire_lock("proxy", &alice, &alive).expect("free"),
            Acquired::Free
        );
        let err = inv.acquire_lock("proxy", &bob, &alive).expect_err("held");
        let text = err.to_string();
        assert!(
            text.contains("alice") && text.contains("pid 100 on bastion"),
            "{text}"
        );
        assert!(text.contains("2026-01-02T03:04:05Z"), "{text}");
        // Another lock name is independent.
        inv.acquire_lock("other", &bob, &alive).expect("other lock");
        // Bob cannot release Alice's lock; Alice can.
        assert!(!inv.release_lock("proxy", &bob).expect("release"));
        assert_eq!(
            inv.lock_holder("proxy").expect("holder"),
            Some(alice.clone())
        );
        assert!(inv.release_lock("proxy", &alice).expect("release"));
        assert_eq!(inv.lock_holder("proxy").expect("holder"), None);
        assert_eq!(
            inv.acquire_lock("proxy", &bob, &alive).expect("free again"),
            Acquired::Free
        );
    }

    #[test]
    fn a_dead_holder_on_this_machine_is_taken_over_but_not_one_elsewhere() {
        let (_dir, mut inv) = inventory();
        let dead = holder("alice", 100, "bastion");
        let elsewhere = holder("carol", 300, "other-box");
        let me = holder("bob", 200, "bastion");
        let only_me_alive = |pid| pid == 200;
        inv.acquire_lock("proxy", &dead, &only_me_alive)
            .expect("alice");
        assert_eq!(
            inv.acquire_lock("proxy", &me, &only_me_alive)
                .expect("take over"),
            Acquired::TookOver(dead)
        );
        assert_eq!(inv.lock_holder("proxy").expect("holder"), Some(me.clone()));
        inv.release_lock("proxy", &me).expect("release");

        // A pid on another machine cannot be checked from here: refused, not stolen.
        inv.acquire_lock("proxy", &elsewhere, &only_me_alive)
            .expect("carol");
        assert!(matches!(
            inv.acquire_lock("proxy", &me, &only_me_alive),
            Err(LockError::Held { by, .. }) if by.holder == "carol"
        ));
    }

    #[test]
    fn this_process_is_alive_and_has_a_host() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(u32::MAX));
        assert!(!this_host().is_empty());
    }
}
