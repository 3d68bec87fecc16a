use super::super::{AuditRecord, Inventory, Outcome};
use crate::actor::Actor;

fn wal_len(db: &std::path::Path) -> u64 {
    let mut name = db.as_os_str().to_os_string();
    name.push("-wal");
    std::fs::metadata(name).map(|m| m.len()).unwrap_or(0)
}

fn record(i: usize) -> AuditRecord {
    AuditRecord {
        action: "test.write".into(),
        target: Some(format!("site{i}.example")),
        // A couple of KiB per row, so a few thousand rows are megabytes of log.
        params: serde_json::json!({ "i": i, "pad": "x".repeat(2048) }),
        outcome: Outcome::Ok,
        detail: None,
    }
}

#[test]
fn many_writes_keep_the_wal_bounded_while_a_connection_stays_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("inv.db");
    // The long-lived connection, as the console's audit watch keeps one.
    let watcher = Inventory::open(&db).expect("watcher");
    let writer = Inventory::open(&db).expect("writer");
    let actor = Actor {
        user: "tester".into(),
        origin: "local".into(),
    };
    let mut largest = 0;
    for i in 0..3000 {
        writer.record_audit(&actor, &record(i)).expect("write");
        if i % 50 == 0 {
            watcher.last_audit_id().expect("read between writes");
        }
        largest = largest.max(wal_len(&db));
    }
    let written = 3000 * 2048;
    eprintln!("largest WAL: {largest} bytes for {written} bytes of rows");
    // The default settings keep a 4 MiB log here; the limit keeps it near 1 MiB.
    assert!(
        largest <= 2 * 1024 * 1024,
        "the WAL reached {largest} bytes for {written} bytes written"
    );
    assert!(largest > 0, "no WAL at all: not in WAL mode?");
    let done = watcher.checkpoint().expect("checkpoint");
    assert!(!done.busy, "{done:?}");
    assert_eq!(wal_len(&db), 0, "TRUNCATE leaves an empty log");
    assert_eq!(writer.audit(5000).expect("rows").len(), 3000);
}

#[test]
fn a_checkpoint_during_a_read_says_busy_instead_of_waiting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("inv.db");
    let mut reader = Inventory::open(&db).expect("reader");
    let writer = Inventory::open(&db).expect("writer");
    let actor = Actor {
        user: "tester".into(),
        origin: "local".into(),
    };
    writer.record_audit(&actor, &record(0)).expect("write");
    let tx = reader.conn_mut().transaction().expect("read tx");
    let _: i64 = tx
        .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .expect("read");
    writer.record_audit(&actor, &record(1)).expect("write");
    let started = std::time::Instant::now();
    let answer = writer.checkpoint().expect("checkpoint");
    assert!(answer.busy, "{answer:?}");
    // Waiting would last the whole busy timeout; half of it leaves room for a loaded machine.
    let waited = started.elapsed();
    assert!(
        waited < super::BUSY_TIMEOUT / 2,
        "the checkpoint waited {waited:?} for the reader"
    );
    let restored: i64 = writer
        .conn()
        .pragma_query_value(None, "busy_timeout", |r| r.get(0))
        .expect("busy_timeout");
    assert_eq!(restored, super::BUSY_TIMEOUT.as_millis() as i64);
    drop(tx);
    assert!(!writer.checkpoint().expect("checkpoint").busy);
}
