//! `fleetdeck audit [--json] [--limit N]`.

use super::inventory_cmd::{SCHEMA_VERSION, open_for_reading};
use super::{Context, Failure};
use crate::validate::printable;

pub fn run(ctx: &Context, json: bool, limit: u32) -> Result<(), Failure> {
    let rows = match open_for_reading(ctx)? {
        Some(inv) => inv.audit(limit).map_err(Failure::inventory)?,
        None => Vec::new(),
    };
    if json {
        let doc = serde_json::json!({ "schema_version": SCHEMA_VERSION, "audit": rows });
        println!("{doc:#}");
        return Ok(());
    }
    if rows.is_empty() {
        println!("(no audit rows)");
    }
    // Targets and details hold what someone typed (a refused domain may carry escape
    // sequences or newlines): shown escaped, one line per row.
    for r in &rows {
        let line = format!(
            "{}  {:<8} {:<18} {:<14} {:<8} {}{}",
            r.at,
            r.outcome,
            format!("{}@{}", r.actor, r.origin),
            r.action,
            r.target.as_deref().unwrap_or("-"),
            r.params.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            r.detail
                .as_ref()
                .map(|d| format!("  {d}"))
                .unwrap_or_default(),
        );
        println!("{}", printable(&line));
    }
    Ok(())
}
