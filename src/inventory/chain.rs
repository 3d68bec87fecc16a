//! The audit trail's hash chain: each row's `hash` is SHA-256 over the previous row's
//! hash and a canonical encoding of the row's own fields, so editing, deleting or
//! renumbering a row through SQL breaks the chain at that row.
//!
//! What it does not stop: someone who can write the file can recompute every hash after
//! their edit. `audit verify` prints the last hash so it can be kept elsewhere (syslog, a
//! ticket) and compared later.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use sha2::{Digest, Sha256};

/// The "previous hash" of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One row exactly as stored (`params` as its stored text, not re-encoded), the input of
/// the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub origin: String,
    pub action: String,
    pub target: Option<String>,
    pub params: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

impl ChainRow {
    /// A JSON array of the fields in a fixed order: strings are escaped, so no field can
    /// borrow a separator from its neighbour, and NULL differs from "".
    fn canonical(&self) -> String {
        serde_json::json!([
            self.id,
            self.at,
            self.actor,
            self.origin,
            self.action,
            self.target,
            self.params,
            self.outcome,
            self.detail,
        ])
        .to_string()
    }

    /// This row's hash when it follows a row whose hash is `prev`.
    pub fn hash_after(&self, prev: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"fleetdeck audit v1\n");
        h.update(prev.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Insert a row and chain it. Outside a transaction it opens an IMMEDIATE one, so
/// reading the previous hash and writing the new row cannot interleave with another
/// writer. Inside a caller's transaction the INSERT comes first: it takes the write lock
/// (or fails with SQLITE_BUSY, never forking the chain), and the previous hash is read
/// under it.
pub(crate) fn append(conn: &Connection, row: &ChainRow) -> rusqlite::Result<i64> {
    if conn.is_autocommit() {
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let id = append_locked(&tx, row)?;
        tx.commit()?;
        Ok(id)
    } else {
        append_locked(conn, row)
    }
}

fn append_locked(conn: &Connection, row: &ChainRow) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO audit (at, actor, origin, action, target, params, outcome, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        row.at,
        row.actor,
        row.origin,
        row.action,
        row.target,
        row.params,
        row.outcome,
        row.detail,
    ])?;
    let id = conn.last_insert_rowid();
    let prev = previous_hash(conn, id)?;
    let stored = ChainRow { id, ..row.clone() };
    set_hash(conn, id, &stored.hash_after(&prev))?;
    Ok(id)
}

fn previous_hash(conn: &Connection, id: i64) -> rusqlite::Result<String> {
    let prev: Option<Option<String>> = conn
        .prepare_cached("SELECT hash FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT 1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    // An unchained predecessor (an older fleetdeck wrote it) chains as "": verify then
    // reports that row, not this one.
    Ok(match prev {
        None => GENESIS.to_string(),
        Some(hash) => hash.unwrap_or_default(),
    })
}

fn set_hash(conn: &Connection, id: i64, hash: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE audit SET hash = ?2 WHERE id = ?1")?
        .execute(params![id, hash])?;
    Ok(())
}

const SELECT_ROWS: &str =
    "SELECT id, at, actor, origin, action, target, params, outcome, detail, hash
     FROM audit ORDER BY id";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ChainRow, Option<String>)> {
    Ok((
        ChainRow {
            id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            origin: r.get(3)?,
            action: r.get(4)?,
            target: r.get(5)?,
            params: r.get(6)?,
            outcome: r.get(7)?,
            detail: r.get(8)?,
        },
        r.get(9)?,
    ))
}

/// Chain every existing row in id order (the migration that adds the column).
pub(crate) fn chain_all(conn: &Connection) -> rusqlite::Result<()> {
    let rows = {
        let mut stmt = conn.prepare(SELECT_ROWS)?;
        stmt.query_map([], read_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?
    };
    let mut prev = GENESIS.to_string();
    for (row, _) in rows {
        let hash = row.hash_after(&prev);
        set_hash(conn, row.id, &hash)?;
        prev = hash;
    }
    // Rows deleted from the end before the chain existed would read as a truncation.
    conn.execute(
        "UPDATE sqlite_sequence SET seq = (SELECT coalesce(max(id), 0) FROM audit)
         WHERE name = 'audit'",
        [],
    )?;
    Ok(())
}

/// An intact chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intact {
    pub rows: u64,
    /// The newest row's id and hash: keep it elsewhere to detect a rewritten chain.
    pub last: Option<(i64, String)>,
}

/// Where the chain breaks first, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at row {id}: {problem}")]
pub struct Broken {
    pub id: i64,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("it has no hash (written by a fleetdeck without the chain, or the hash was erased)")]
    NoHash,
    #[error("it does not follow row {after}: row(s) {} were deleted", range(*after + 1, *before - 1))]
    Deleted { after: i64, before: i64 },
    #[error("it is out of order with row {other} (rows were reordered or renumbered)")]
    Reordered { other: i64 },
    #[error("its fields no longer match its hash (a field was edited, or the row was renumbered)")]
    Edited,
    #[error("row(s) {} after it were deleted (ids were handed out up to {seq})", range(*last + 1, *seq))]
    Truncated { last: i64, seq: i64 },
}

fn range(from: i64, to: i64) -> String {
    if from >= to {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Broken(#[from] Broken),
    #[error("cannot read the audit trail: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// Walk the rows in id order, recomputing each hash from its predecessor's stored hash;
/// stop at the first row that does not match. Reads only (works on a read-only file).
pub fn verify(conn: &Connection) -> Result<Intact, VerifyError> {
    let mut stmt = conn.prepare(SELECT_ROWS)?;
    let mut rows = stmt.query_map([], read_row)?.peekable();
    let mut prev: Option<(ChainRow, String)> = None;
    let mut count = 0u64;
    while let Some(next) = rows.next() {
        let (row, hash) = next?;
        let prev_hash = prev.as_ref().map_or(GENESIS, |(_, h)| h.as_str());
        let Some(hash) = hash else {
            return Err(broken(row.id, Problem::NoHash));
        };
        if row.hash_after(prev_hash) != hash {
            let following = match rows.peek() {
                Some(Ok((r, _))) => Some(r.clone()),
                _ => None,
            };
            let problem = diagnose(prev.as_ref().map(|(r, _)| r), &row, following.as_ref());
            return Err(broken(row.id, problem));
        }
        count += 1;
        prev = Some((row, hash));
    }
    let last = prev.map(|(row, hash)| (row.id, hash));
    let seq: Option<i64> = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'audit'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let last_id = last.as_ref().map_or(0, |(id, _)| *id);
    if let Some(seq) = seq.filter(|s| *s > last_id) {
        let problem = Problem::Truncated { last: last_id, seq };
        return Err(broken(last_id, problem));
    }
    Ok(Intact { rows: count, last })
}

fn broken(id: i64, problem: Problem) -> VerifyError {
    VerifyError::Broken(Broken { id, problem })
}

/// Why `row` does not chain after `prev`: ids skipped means deleted rows; times running
/// backwards means moved rows; otherwise the row itself changed.
fn diagnose(prev: Option<&ChainRow>, row: &ChainRow, following: Option<&ChainRow>) -> Problem {
    let after = prev.map_or(0, |p| p.id);
    if row.id > after + 1 {
        return Problem::Deleted {
            after,
            before: row.id,
        };
    }
    if let Some(p) = prev.filter(|p| row.at < p.at) {
        return Problem::Reordered { other: p.id };
    }
    if let Some(f) = following.filter(|f| f.at < row.at) {
        return Problem::Reordered { other: f.id };
    }
    Problem::Edited
}

#[cfg(test)]
mod tests;
