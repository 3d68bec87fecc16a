//! The audit trail: one row per mutating action, success or failure.

use rusqlite::params;
use serde::Serialize;

use super::{Inventory, InventoryError, now_rfc3339};
use crate::actor::Actor;

/// What happened, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub action: String,
    pub target: Option<String>,
    /// JSON object of the action's parameters.
    pub params: serde_json::Value,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Failed,
    Refused,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
        }
    }
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub origin: String,
    pub action: String,
    pub target: Option<String>,
    pub params: Option<serde_json::Value>,
    pub outcome: String,
    pub detail: Option<String>,
    /// Its link in the hash chain (`audit verify`); absent on rows written before it.
    pub hash: Option<String>,
}

impl Inventory {
    pub fn record_audit(&self, actor: &Actor, record: &AuditRecord) -> Result<i64, InventoryError> {
        Ok(write_audit(self.conn(), actor, record)?)
    }

    /// The newest `limit` rows, newest first.
    pub fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, InventoryError> {
        self.audit_rows(
            "SELECT id, at, actor, origin, action, target, params, outcome, detail, hash
             FROM audit ORDER BY id DESC LIMIT ?1",
            i64::from(limit),
        )
    }

    /// Rows written after row `id`, oldest first (what other admins did meanwhile).
    pub fn audit_after(&self, id: i64) -> Result<Vec<AuditEntry>, InventoryError> {
        self.audit_rows(
            "SELECT id, at, actor, origin, action, target, params, outcome, detail, hash
             FROM audit WHERE id > ?1 ORDER BY id LIMIT 200",
            id,
        )
    }

    /// One row by its id.
    pub fn audit_entry(&self, id: i64) -> Result<Option<AuditEntry>, InventoryError> {
        Ok(self
            .audit_rows(
                "SELECT id, at, actor, origin, action, target, params, outcome, detail, hash
                 FROM audit WHERE id = ?1",
                id,
            )?
            .pop())
    }

    /// Check the whole hash chain (reads only).
    pub fn verify_audit(&self) -> Result<super::chain::Intact, super::chain::VerifyError> {
        super::chain::verify(self.conn())
    }

    /// The id of the newest audit row (0 when there is none).
    pub fn last_audit_id(&self) -> Result<i64, InventoryError> {
        Ok(self
            .conn()
            .query_row("SELECT coalesce(max(id), 0) FROM audit", [], |r| r.get(0))?)
    }

    fn audit_rows(&self, sql: &str, arg: i64) -> Result<Vec<AuditEntry>, InventoryError> {
        let mut stmt = self.conn().prepare_cached(sql)?;
        let rows = stmt.query_map(params![arg], |r| {
            let params: Option<String> = r.get(6)?;
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                origin: r.get(3)?,
                action: r.get(4)?,
                target: r.get(5)?,
                params: params.and_then(|p| serde_json::from_str(&p).ok()),
                outcome: r.get(7)?,
                detail: r.get(8)?,
                hash: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Works on a connection or inside a transaction, so an action and its audit row can
/// commit together; chained to the previous row (see `chain::append`). Returns the id.
pub(crate) fn write_audit(
    conn: &rusqlite::Connection,
    actor: &Actor,
    record: &AuditRecord,
) -> rusqlite::Result<i64> {
    let row = super::chain::ChainRow {
        id: 0,
        at: now_rfc3339(),
        actor: actor.user.clone(),
        origin: actor.origin.clone(),
        action: record.action.clone(),
        target: record.target.clone(),
        params: Some(record.params.to_string()),
        outcome: record.outcome.as_str().to_string(),
        detail: record.detail.clone(),
    };
    super::chain::append(conn, &row)
}
