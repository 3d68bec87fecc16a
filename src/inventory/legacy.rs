//! `fleetdeck inventory import-legacy PATH`: bring in the original
//! `users(login, vlan, docker_ip, domain)` table. The legacy file is opened read-only;
//! every row ends up reported as imported, skipped (already there) or invalid (why).

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::audit::{AuditRecord, Outcome, write_audit};
use super::{Inventory, InventoryError, Site, SiteState, now_rfc3339};
use crate::actor::Actor;
use crate::config::Config;
use crate::validate;

#[derive(Debug, thiserror::Error)]
pub enum LegacyError {
    #[error("cannot open the legacy database {} read-only: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{} has no table users(login, vlan, docker_ip, domain): is it the original projet.db?", path.display())]
    NotLegacy { path: PathBuf },
    #[error("cannot read the legacy database {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Inventory(#[from] InventoryError),
}

/// The four legacy columns as stored; SQLite lets any of them hold any type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegacyRow {
    pub rowid: i64,
    pub login: Option<String>,
    pub vlan: Option<String>,
    pub docker_ip: Option<String>,
    pub domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum RowOutcome {
    Imported { row: LegacyRow, domain: String },
    Skipped { row: LegacyRow, reason: String },
    Invalid { row: LegacyRow, reason: String },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub rows: Vec<RowOutcome>,
}

impl ImportReport {
    pub fn count(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for row in &self.rows {
            match row {
                RowOutcome::Imported { .. } => counts.0 += 1,
                RowOutcome::Skipped { .. } => counts.1 += 1,
                RowOutcome::Invalid { .. } => counts.2 += 1,
            }
        }
        counts
    }
}

/// Read every row of the legacy `users` table without writing to the file.
pub fn read_legacy(path: &Path) -> Result<Vec<LegacyRow>, LegacyError> {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|source| {
            LegacyError::Open {
                path: path.to_path_buf(),
                source,
            }
        })?;
    let read_err = |source| LegacyError::Read {
        path: path.to_path_buf(),
        source,
    };
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('users')")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|source| match source {
            rusqlite::Error::SqliteFailure(..) => LegacyError::NotLegacy {
                path: path.to_path_buf(),
            },
            other => read_err(other),
        })?;
    let has = |c: &str| columns.iter().any(|col| col.eq_ignore_ascii_case(c));
    if !["login", "vlan", "docker_ip", "domain"]
        .iter()
        .all(|c| has(c))
    {
        return Err(LegacyError::NotLegacy {
            path: path.to_path_buf(),
        });
    }
    let mut stmt = conn
        .prepare("SELECT rowid, login, vlan, docker_ip, domain FROM users ORDER BY rowid")
        .map_err(read_err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(LegacyRow {
                rowid: r.get(0)?,
                login: as_text(r.get(1)?),
                vlan: as_text(r.get(2)?),
                docker_ip: as_text(r.get(3)?),
                domain: as_text(r.get(4)?),
            })
        })
        .map_err(read_err)?;
    rows.collect::<Result<_, _>>().map_err(read_err)
}

fn as_text(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(f) => Some(f.to_string()),
        Value::Text(t) => Some(t),
        Value::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
    }
}

/// A legacy row turned into a site, or the reason it cannot be one.
fn to_site(row: &LegacyRow, config: &Config, now: &str) -> Result<Site, String> {
    let field = |v: &Option<String>, name: &str| v.clone().ok_or(format!("{name} is NULL"));
    let domain =
        validate::domain(field(&row.domain, "domain")?.trim()).map_err(|e| e.to_string())?;
    let login = validate::login(field(&row.login, "login")?.trim()).map_err(|e| e.to_string())?;
    let vlan = validate::vlan_text(&field(&row.vlan, "vlan")?).map_err(|e| e.to_string())?;
    let ip_text = field(&row.docker_ip, "docker_ip")?;
    let vlan_config = config.vlan(vlan);
    let ip: Ipv4Addr = match vlan_config {
        Some(v) => {
            validate::ip_in_subnet(&ip_text, v.subnet).map_err(|e| format!("{e} (VLAN {vlan})"))?
        }
        None => ip_text
            .trim()
            .parse()
            .map_err(|_| format!("docker_ip {ip_text:?} is not an IPv4 address"))?,
    };
    Ok(Site {
        domain,
        login,
        vlan,
        node: vlan_config.and_then(|v| v.node.clone()),
        ip,
        container_id: None,
        image: None,
        port: None,
        state: SiteState::Active,
        created_at: now.to_string(),
        updated_at: now.to_string(),
    })
}

impl Inventory {
    /// Import the legacy table in one transaction, with its audit row.
    pub fn import_legacy(
        &mut self,
        path: &Path,
        config: &Config,
        actor: &Actor,
    ) -> Result<ImportReport, LegacyError> {
        let legacy = read_legacy(path)?;
        self.import_rows(legacy, &path.display().to_string(), config, actor)
    }

    /// Import rows read from a legacy table (`source` names it in the audit row): each is
    /// validated, checked against the inventory and the rows before it, and the valid
    /// ones are inserted in one transaction.
    pub fn import_rows(
        &mut self,
        legacy: Vec<LegacyRow>,
        source: &str,
        config: &Config,
        actor: &Actor,
    ) -> Result<ImportReport, LegacyError> {
        let existing: HashMap<String, Site> = self
            .sites()?
            .into_iter()
            .map(|s| (s.domain.clone(), s))
            .collect();
        let mut taken: HashMap<(u16, Ipv4Addr), String> = existing
            .values()
            .map(|s| ((s.vlan, s.ip), s.domain.clone()))
            .collect();
        let now = now_rfc3339();
        let mut report = ImportReport::default();
        let mut new_sites = Vec::new();
        for row in legacy {
            let outcome = match to_site(&row, config, &now) {
                Err(reason) => RowOutcome::Invalid { row, reason },
                Ok(site) => classify(row, site, &existing, &mut taken, &mut new_sites),
            };
            report.rows.push(outcome);
        }
        let (imported, skipped, invalid) = report.count();
        // IMMEDIATE: the audit row chains to the last one, read under the write lock.
        let tx = self
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(InventoryError::from)?;
        for site in &new_sites {
            super::sites::insert(&tx, site).map_err(InventoryError::from)?;
        }
        let record = AuditRecord {
            action: "import-legacy".into(),
            target: Some(source.to_string()),
            params: serde_json::json!({ "imported": imported, "skipped": skipped, "invalid": invalid }),
            outcome: Outcome::Ok,
            detail: None,
        };
        write_audit(&tx, actor, &record).map_err(InventoryError::from)?;
        tx.commit().map_err(InventoryError::from)?;
        Ok(report)
    }
}

fn classify(
    row: LegacyRow,
    site: Site,
    existing: &HashMap<String, Site>,
    taken: &mut HashMap<(u16, Ipv4Addr), String>,
    new_sites: &mut Vec<Site>,
) -> RowOutcome {
    if let Some(old) = existing.get(&site.domain) {
        return if old.login == site.login && old.vlan == site.vlan && old.ip == site.ip {
            RowOutcome::Skipped {
                row,
                reason: format!("{} is already in the inventory", site.domain),
            }
        } else {
            RowOutcome::Invalid {
                reason: format!(
                    "{} is already in the inventory with other values (login {}, VLAN {}, IP {}); fix one side and import again",
                    site.domain, old.login, old.vlan, old.ip
                ),
                row,
            }
        };
    }
    if new_sites.iter().any(|s| s.domain == site.domain) {
        return RowOutcome::Invalid {
            reason: format!("{} appears twice in the legacy table", site.domain),
            row,
        };
    }
    if let Some(owner) = taken.get(&(site.vlan, site.ip)) {
        return RowOutcome::Invalid {
            reason: format!(
                "IP {} on VLAN {} is already used by {owner}",
                site.ip, site.vlan
            ),
            row,
        };
    }
    taken.insert((site.vlan, site.ip), site.domain.clone());
    let domain = site.domain.clone();
    new_sites.push(site);
    RowOutcome::Imported { row, domain }
}
