//! `fleetdeck inventory list | import-legacy`.

use std::path::Path;

use super::out;
use super::{Code, Context, Failure};
use crate::actor::Actor;
use crate::contract::schema;
use crate::inventory::legacy::{LegacyError, RowOutcome};
use crate::inventory::{Inventory, Site};

/// Open the inventory for reading. A missing file is an empty inventory, and is not
/// created just to be listed.
pub(super) fn open_for_reading(ctx: &Context) -> Result<Option<Inventory>, Failure> {
    let path = ctx.inventory_path()?;
    if !path.exists() {
        return Ok(None);
    }
    let opened = if ctx.read_only {
        Inventory::open_read_only(&path)
    } else {
        Inventory::open(&path)
    };
    opened.map(Some).map_err(Failure::inventory)
}

/// What the reading commands (`tree`, `check`) start from: every node's link, the
/// inventory's sites, and a runtime to poll with.
pub(super) struct Reading {
    pub links: std::collections::BTreeMap<String, crate::transport::links::NodeLink>,
    pub sites: Vec<Site>,
    /// The swarm sites' services and ports (README "Sites on a swarm").
    pub swarm_sites: Vec<crate::inventory::SwarmSite>,
    pub runtime: tokio::runtime::Runtime,
}

pub(super) fn reading(ctx: &Context) -> Result<Reading, Failure> {
    let links = crate::transport::links::build_links(&ctx.loaded.config, ctx.read_only)
        .map_err(|e| Failure::new(super::Code::Usage, e.to_string()))?;
    let (sites, swarm_sites) = match open_for_reading(ctx)? {
        Some(inv) => (
            inv.sites().map_err(Failure::inventory)?,
            inv.swarm_sites().map_err(Failure::inventory)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                super::Code::Failed,
                format!("cannot start the async runtime: {e}"),
            )
        })?;
    Ok(Reading {
        links,
        sites,
        swarm_sites,
        runtime,
    })
}

pub fn list(ctx: &Context, json: bool) -> Result<(), Failure> {
    let sites = match open_for_reading(ctx)? {
        Some(inv) => inv.sites().map_err(Failure::inventory)?,
        None => Vec::new(),
    };
    if json {
        let doc = serde_json::json!({ "schema_version": schema::INVENTORY_LIST, "sites": sites });
        out::json(&format!("{doc:#}"));
    } else {
        out::text(&sites_table(&sites));
    }
    Ok(())
}

/// A plain aligned table, one site a line.
pub fn sites_table(sites: &[Site]) -> String {
    let header = ["DOMAIN", "LOGIN", "VLAN", "IP", "NODE", "STATE"];
    let rows: Vec<[String; 6]> = sites
        .iter()
        .map(|s| {
            [
                s.domain.clone(),
                s.login.clone(),
                s.vlan.to_string(),
                s.ip.to_string(),
                s.node.clone().unwrap_or_else(|| "-".into()),
                s.state.as_str().to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
    if rows.is_empty() {
        out.push_str("(no sites)\n");
    }
    out
}

pub fn import_legacy(ctx: &Context, legacy: &Path) -> Result<(), Failure> {
    ctx.ensure_writable("inventory import-legacy")?;
    if !legacy.is_file() {
        return Err(Failure::new(
            Code::Usage,
            format!(
                "{} is not a file: give the path of the legacy projet.db",
                legacy.display()
            ),
        ));
    }
    let path = ctx.inventory_path()?;
    let mut inv = Inventory::open(&path).map_err(Failure::inventory)?;
    let report = inv
        .import_legacy(legacy, &ctx.loaded.config, &Actor::from_env())
        .map_err(|e| match e {
            LegacyError::NotLegacy { .. } | LegacyError::Open { .. } => {
                Failure::new(Code::Invalid, e.to_string())
            }
            other => Failure::inventory(other),
        })?;
    for row in &report.rows {
        match row {
            RowOutcome::Imported { row, domain } => {
                outln!("imported  row {:>4}  {domain}", row.rowid)
            }
            RowOutcome::Skipped { row, reason } => {
                outln!("skipped   row {:>4}  {reason}", row.rowid)
            }
            RowOutcome::Invalid { row, reason } => outln!(
                "invalid   row {:>4}  {reason}  [login={} vlan={} docker_ip={} domain={}]",
                row.rowid,
                show(&row.login),
                show(&row.vlan),
                show(&row.docker_ip),
                show(&row.domain),
            ),
        }
    }
    let (imported, skipped, invalid) = report.count();
    outln!(
        "{imported} imported, {skipped} skipped, {invalid} invalid ({}) into {}",
        crate::plural::plural(report.rows.len(), "row", "rows"),
        path.display()
    );
    if invalid > 0 {
        return Err(Failure::new(
            Code::Invalid,
            format!(
                "{invalid} legacy rows were not imported: fix them in the legacy file and run the import again"
            ),
        ));
    }
    Ok(())
}

fn show(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("{s:?}"),
        None => "NULL".into(),
    }
}
