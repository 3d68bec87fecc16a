//! Schema history. Append new steps; never edit a released one.

use rusqlite_migration::{M, Migrations};

/// `user_version` after the last migration.
pub const LATEST: i64 = 3;

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            "CREATE TABLE sites (
            domain       TEXT PRIMARY KEY NOT NULL,
            login        TEXT NOT NULL,
            vlan         INTEGER NOT NULL CHECK (vlan BETWEEN 1 AND 4094),
            node         TEXT,
            ip           TEXT NOT NULL,
            container_id TEXT,
            image        TEXT,
            port         INTEGER CHECK (port IS NULL OR port BETWEEN 1 AND 65535),
            state        TEXT NOT NULL CHECK (state IN ('pending', 'active')),
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL,
            UNIQUE (vlan, ip)
        ) STRICT;
        CREATE TABLE audit (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            at      TEXT NOT NULL,
            actor   TEXT NOT NULL,
            origin  TEXT NOT NULL,
            action  TEXT NOT NULL,
            target  TEXT,
            params  TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'refused')),
            detail  TEXT
        ) STRICT;
        CREATE INDEX audit_at ON audit (at);",
        ),
        // 2: advisory locks between admins sharing the inventory (one proxy apply at a
        // time). The row names its holder so a refused admin knows whom to ask.
        M::up(
            "CREATE TABLE locks (
            name        TEXT PRIMARY KEY NOT NULL,
            holder      TEXT NOT NULL,
            origin      TEXT NOT NULL,
            pid         INTEGER NOT NULL,
            host        TEXT NOT NULL,
            acquired_at TEXT NOT NULL
        ) STRICT;",
        ),
        // 3: the audit trail becomes a hash chain (`audit verify`); the rows already
        // there are chained in id order, as they stand.
        M::up_with_hook(
            "ALTER TABLE audit ADD COLUMN hash TEXT;",
            |tx: &rusqlite::Transaction| {
                super::chain::chain_all(tx)?;
                Ok(())
            },
        ),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }

    #[test]
    fn latest_matches_the_number_of_steps() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("memory db");
        super::migrations().to_latest(&mut conn).expect("migrate");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("user_version");
        assert_eq!(v, super::LATEST);
    }
}
