//! `fleetdeck audit [--json] [--limit N]`, `audit verify`, `audit replay ID [--raw]`.

use super::inventory_cmd::open_for_reading;
use super::out;
use super::{Context, Failure};
use crate::contract::schema;
use crate::validate::printable;

pub fn run(ctx: &Context, json: bool, limit: u32) -> Result<(), Failure> {
    let rows = match open_for_reading(ctx)? {
        Some(inv) => inv.audit(limit).map_err(Failure::inventory)?,
        None => Vec::new(),
    };
    if json {
        let doc = serde_json::json!({ "schema_version": schema::AUDIT, "audit": rows });
        out::json(&format!("{doc:#}"));
        return Ok(());
    }
    if rows.is_empty() {
        outln!("(no audit rows)");
    }
    // Targets and details hold what someone typed (a refused domain may carry escape
    // sequences or newlines): shown escaped, one line per row.
    for r in &rows {
        // The id first: `audit verify` and `audit replay` name rows by it.
        let line = format!(
            "{:>5}  {}  {:<8} {:<18} {:<14} {:<8} {}{}",
            r.id,
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
        outln!("{}", printable(&line));
    }
    Ok(())
}

/// `fleetdeck audit verify`: walk the hash chain; exit 1 naming the first broken row.
/// Reads only, so it works in read-only mode and on read-only media.
pub fn verify(ctx: &Context) -> Result<(), Failure> {
    use crate::inventory::chain::VerifyError;
    let Some(inv) = open_for_reading(ctx)? else {
        println!("0 rows, chain intact (no inventory yet)");
        return Ok(());
    };
    match inv.verify_audit() {
        Ok(intact) => {
            println!(
                "{}, chain intact",
                crate::plural::plural(intact.rows as usize, "row", "rows")
            );
            // Kept elsewhere, this line shows later whether the chain was rewritten whole.
            if let Some((id, hash)) = intact.last {
                println!("last row {id}, hash {hash}");
            }
            Ok(())
        }
        Err(VerifyError::Broken(broken)) => Err(Failure::new(
            super::Code::Failed,
            format!(
                "{} ({})",
                printable(&broken.to_string()),
                inv.path().display()
            ),
        )),
        Err(e @ VerifyError::Sql(_)) => Err(Failure::inventory(e)),
    }
}

/// `fleetdeck audit replay ID [--raw]`: play a recorded interactive session back, at its
/// pace (pauses longer than [`IDLE_CAP`] are shortened), or all at once with `--raw`.
pub fn replay(ctx: &Context, id: i64, raw: bool) -> Result<(), Failure> {
    use std::io::Write;
    let inv = open_for_reading(ctx)?.ok_or_else(|| {
        Failure::new(
            super::Code::Invalid,
            format!("no audit row {id}: there is no inventory yet"),
        )
    })?;
    let row = inv
        .audit_entry(id)
        .map_err(Failure::inventory)?
        .ok_or_else(|| Failure::new(super::Code::Invalid, format!("no audit row {id}")))?;
    let path = row
        .params
        .as_ref()
        .and_then(|p| p.get("recording"))
        .and_then(|r| r.as_str())
        .ok_or_else(|| {
            Failure::new(
                super::Code::Invalid,
                format!(
                    "audit row {id} ({} {}) has no recording: only interactive sessions are recorded",
                    row.action,
                    printable(row.target.as_deref().unwrap_or("-"))
                ),
            )
        })?;
    let (_, frames) = crate::act::record::read(std::path::Path::new(path))
        .map_err(|e| Failure::new(super::Code::Failed, e))?;
    let mut out = std::io::stdout().lock();
    let mut last = 0.0f64;
    for f in frames.iter().filter(|f| f.kind == "o") {
        if !raw {
            let wait = (f.at - last).clamp(0.0, IDLE_CAP);
            std::thread::sleep(std::time::Duration::from_secs_f64(wait));
            last = f.at;
        }
        out.write_all(f.data.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| {
                Failure::new(super::Code::Failed, format!("cannot write the replay: {e}"))
            })?;
    }
    Ok(())
}

/// The longest pause a replay keeps, in seconds.
pub const IDLE_CAP: f64 = 2.0;
