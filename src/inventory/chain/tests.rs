use rusqlite::Connection;

use super::{ChainRow, GENESIS, Problem, VerifyError, append, verify};
use crate::inventory::migrations::migrations;

fn row(n: i64) -> ChainRow {
    ChainRow {
        id: 0,
        // One row a minute, so the times run forwards as real ones do.
        at: format!("2025-01-01T10:{n:02}:00Z"),
        actor: "alice".into(),
        origin: "local".into(),
        action: "create".into(),
        target: Some(format!("s{n}.example.org")),
        params: Some(format!("{{\"n\":{n}}}")),
        outcome: "ok".into(),
        detail: None,
    }
}

fn db_with(rows: i64) -> Connection {
    let mut conn = Connection::open_in_memory().expect("memory db");
    migrations().to_latest(&mut conn).expect("migrate");
    for n in 1..=rows {
        append(&conn, &row(n)).expect("append");
    }
    conn
}

fn broken_at(conn: &Connection) -> (i64, Problem) {
    match verify(conn) {
        Err(VerifyError::Broken(b)) => (b.id, b.problem),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn appended_rows_verify_and_the_last_hash_is_reported() {
    let conn = db_with(5);
    let intact = verify(&conn).expect("intact");
    assert_eq!(intact.rows, 5);
    let (id, hash) = intact.last.expect("a last row");
    assert_eq!(id, 5);
    assert_eq!(hash.len(), 64);
    let empty = db_with(0);
    assert_eq!(verify(&empty).expect("empty").rows, 0);
}

#[test]
fn the_hash_covers_every_field_and_the_previous_hash() {
    let base = ChainRow { id: 1, ..row(1) };
    let h = base.hash_after(GENESIS);
    assert_ne!(h, base.hash_after("x"));
    let variants = [
        ChainRow {
            id: 2,
            ..base.clone()
        },
        ChainRow {
            at: "2025-01-01T10:01:01Z".into(),
            ..base.clone()
        },
        ChainRow {
            actor: "mallory".into(),
            ..base.clone()
        },
        ChainRow {
            origin: "ssh:192.0.2.9".into(),
            ..base.clone()
        },
        ChainRow {
            action: "delete".into(),
            ..base.clone()
        },
        ChainRow {
            target: None,
            ..base.clone()
        },
        ChainRow {
            params: Some("{}".into()),
            ..base.clone()
        },
        ChainRow {
            outcome: "failed".into(),
            ..base.clone()
        },
        ChainRow {
            detail: Some(String::new()),
            ..base.clone()
        },
    ];
    for v in variants {
        assert_ne!(v.hash_after(GENESIS), h, "{v:?}");
    }
    // A separator moved from one field to the next is another row.
    let a = ChainRow {
        actor: "a,b".into(),
        origin: "c".into(),
        ..base.clone()
    };
    let b = ChainRow {
        actor: "a".into(),
        origin: "b,c".into(),
        ..base
    };
    assert_ne!(a.hash_after(GENESIS), b.hash_after(GENESIS));
}

#[test]
fn an_edited_field_breaks_the_chain_at_that_row() {
    for column in ["detail", "actor", "outcome", "params", "at"] {
        let conn = db_with(4);
        let value = if column == "at" {
            "2025-01-01T10:02:30Z"
        } else {
            "ok"
        };
        let value = if column == "outcome" { "failed" } else { value };
        conn.execute(
            &format!("UPDATE audit SET {column} = ?1 WHERE id = 3"),
            [value],
        )
        .expect("tamper");
        assert_eq!(broken_at(&conn), (3, Problem::Edited), "{column}");
    }
}

#[test]
fn a_deleted_middle_row_names_the_gap() {
    let conn = db_with(5);
    conn.execute("DELETE FROM audit WHERE id IN (2, 3)", [])
        .expect("delete");
    let (id, problem) = broken_at(&conn);
    assert_eq!(
        (id, problem.clone()),
        (
            4,
            Problem::Deleted {
                after: 1,
                before: 4
            }
        )
    );
    assert!(
        problem.to_string().contains("row(s) 2-3 were deleted"),
        "{problem}"
    );
    let first = db_with(3);
    first
        .execute("DELETE FROM audit WHERE id = 1", [])
        .expect("delete");
    assert_eq!(
        broken_at(&first),
        (
            2,
            Problem::Deleted {
                after: 0,
                before: 2
            }
        )
    );
}

#[test]
fn deleted_last_rows_are_a_truncation() {
    let conn = db_with(5);
    conn.execute("DELETE FROM audit WHERE id >= 4", [])
        .expect("delete");
    assert_eq!(
        broken_at(&conn),
        (3, Problem::Truncated { last: 3, seq: 5 })
    );
}

#[test]
fn swapped_rows_read_as_reordered() {
    let conn = db_with(4);
    // Swap rows 2 and 3 whole (hashes included), as a careless cover-up would.
    conn.execute_batch(
        "UPDATE audit SET id = -2 WHERE id = 2;
         UPDATE audit SET id = 2 WHERE id = 3;
         UPDATE audit SET id = 3 WHERE id = -2;",
    )
    .expect("swap");
    assert_eq!(broken_at(&conn), (2, Problem::Reordered { other: 3 }));
}

#[test]
fn an_erased_hash_is_named() {
    let conn = db_with(3);
    conn.execute("UPDATE audit SET hash = NULL WHERE id = 2", [])
        .expect("erase");
    assert_eq!(broken_at(&conn), (2, Problem::NoHash));
}

#[test]
fn a_rewritten_hash_breaks_the_next_row() {
    let conn = db_with(3);
    conn.execute(
        "UPDATE audit SET detail = 'x', hash = 'beef' WHERE id = 2",
        [],
    )
    .expect("tamper");
    assert_eq!(broken_at(&conn), (2, Problem::Edited));
}

#[test]
fn appending_inside_a_callers_transaction_chains_too() {
    let mut conn = db_with(2);
    let tx = conn.transaction().expect("tx");
    append(&tx, &row(3)).expect("append in tx");
    tx.commit().expect("commit");
    assert_eq!(verify(&conn).expect("intact").rows, 3);
}

#[test]
fn the_migration_chains_existing_rows() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    migrations().to_version(&mut conn, 2).expect("to v2");
    for n in [1, 2, 3, 5] {
        conn.execute(
            "INSERT INTO audit (id, at, actor, origin, action, target, params, outcome, detail)
             VALUES (?1, ?2, 'bob', 'local', 'delete', 'x.example.org', '{}', 'ok', NULL)",
            rusqlite::params![n, format!("2025-01-01T10:0{n}:00Z")],
        )
        .expect("old row");
    }
    // A row deleted from the end before the chain existed is not held against it.
    conn.execute("INSERT INTO audit (id, at, actor, origin, action, outcome) VALUES (9, 'z', 'a', 'l', 'x', 'ok')", [])
        .expect("row 9");
    conn.execute("DELETE FROM audit WHERE id = 9", [])
        .expect("delete 9");
    migrations().to_latest(&mut conn).expect("to latest");
    let intact = verify(&conn).expect("intact after migration");
    assert_eq!(intact.rows, 4);
    // New rows chain onto the migrated ones.
    let id = append(&conn, &row(10)).expect("append");
    assert_eq!(id, 6);
    assert_eq!(verify(&conn).expect("intact").rows, 5);
}

#[test]
fn two_writers_at_once_keep_one_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inv.db");
    drop(crate::inventory::Inventory::open(&path).expect("create"));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let inv = crate::inventory::Inventory::open(&path).expect("open");
                for n in 0..40 {
                    append(inv.conn(), &row(w * 40 + n)).expect("append");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let inv = crate::inventory::Inventory::open_read_only(&path).expect("read");
    assert_eq!(verify(inv.conn()).expect("intact").rows, 80);
}
