//! Schema history. Append new steps; never edit a released one.

use rusqlite_migration::{M, Migrations};

/// `user_version` after the last migration.
pub const LATEST: i64 = 4;

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
        // 4: sites on a swarm (README "Sites on a swarm"): the service and the port it is
        // published on. A port is unique within its swarm, guarded by the index as
        // addresses are by UNIQUE(vlan, ip); the row goes with its site.
        M::up(
            "CREATE TABLE swarm_sites (
            domain         TEXT PRIMARY KEY NOT NULL
                           REFERENCES sites (domain) ON DELETE CASCADE,
            swarm          TEXT NOT NULL,
            published_port INTEGER NOT NULL CHECK (published_port BETWEEN 1 AND 65535),
            service        TEXT NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX swarm_sites_port ON swarm_sites (swarm, published_port);",
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
    fn an_inventory_of_version_3_keeps_its_sites_and_gains_swarm_sites() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("memory db");
        super::migrations().to_version(&mut conn, 3).expect("to 3");
        conn.execute(
            "INSERT INTO sites (domain, login, vlan, node, ip, state, created_at, updated_at)
             VALUES ('old.example', 'alice', 100, 'teemo', '10.2.0.5', 'active', 'x', 'x')",
            [],
        )
        .expect("old row");
        super::migrations().to_latest(&mut conn).expect("migrate");
        let kept: String = conn
            .query_row(
                "SELECT ip FROM sites WHERE domain = 'old.example'",
                [],
                |r| r.get(0),
            )
            .expect("row kept");
        assert_eq!(kept, "10.2.0.5");
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM swarm_sites", [], |r| r.get(0))
            .expect("new table");
        assert_eq!(rows, 0);
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
