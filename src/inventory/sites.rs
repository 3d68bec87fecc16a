//! Rows of the `sites` table.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Inventory, InventoryError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SiteState {
    /// A create is in flight (or was interrupted); reconciled at start-up.
    Pending,
    Active,
}

impl SiteState {
    pub fn as_str(self) -> &'static str {
        match self {
            SiteState::Pending => "pending",
            SiteState::Active => "active",
        }
    }

    fn parse(raw: &str) -> Option<SiteState> {
        match raw {
            "pending" => Some(SiteState::Pending),
            "active" => Some(SiteState::Active),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    pub domain: String,
    pub login: String,
    pub vlan: u16,
    pub node: Option<String>,
    pub ip: Ipv4Addr,
    pub container_id: Option<String>,
    pub image: Option<String>,
    pub port: Option<u16>,
    pub state: SiteState,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str =
    "domain, login, vlan, node, ip, container_id, image, port, state, created_at, updated_at";

fn from_row(row: &Row<'_>) -> Result<Result<Site, InventoryError>, rusqlite::Error> {
    let domain: String = row.get(0)?;
    let ip_text: String = row.get(4)?;
    let state_text: String = row.get(8)?;
    let vlan: i64 = row.get(2)?;
    let port: Option<i64> = row.get(7)?;
    let bad = |reason: String| InventoryError::BadRow {
        domain: domain.clone(),
        reason,
    };
    let Ok(ip) = ip_text.parse::<Ipv4Addr>() else {
        return Ok(Err(bad(format!("ip {ip_text:?} is not an IPv4 address"))));
    };
    let Some(state) = SiteState::parse(&state_text) else {
        return Ok(Err(bad(format!("unknown state {state_text:?}"))));
    };
    let Ok(vlan) = u16::try_from(vlan) else {
        return Ok(Err(bad(format!("vlan {vlan} is out of range"))));
    };
    let port = match port.map(u16::try_from) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => return Ok(Err(bad("port is out of range".into()))),
    };
    Ok(Ok(Site {
        domain: domain.clone(),
        login: row.get(1)?,
        vlan,
        node: row.get(3)?,
        ip,
        container_id: row.get(5)?,
        image: row.get(6)?,
        port,
        state,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
    }))
}

impl Inventory {
    /// Every site, ordered by domain.
    pub fn sites(&self) -> Result<Vec<Site>, InventoryError> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM sites ORDER BY domain"))?;
        let rows = stmt.query_map([], from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    pub fn site(&self, domain: &str) -> Result<Option<Site>, InventoryError> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM sites WHERE domain = ?1"))?;
        stmt.query_row(params![domain], from_row)
            .optional()?
            .transpose()
    }

    /// Addresses already given out on a VLAN, whatever their state.
    pub fn used_ips(&self, vlan: u16) -> Result<HashSet<Ipv4Addr>, InventoryError> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT ip FROM sites WHERE vlan = ?1")?;
        let ips = stmt.query_map(params![vlan], |r| r.get::<_, String>(0))?;
        let mut out = HashSet::new();
        for ip in ips {
            if let Ok(ip) = ip?.parse() {
                out.insert(ip);
            }
        }
        Ok(out)
    }
}

/// Insert one site inside an open transaction. The table's uniqueness on domain and on
/// (vlan, ip) is the guard against two admins taking the same name or address.
pub(crate) fn insert(tx: &rusqlite::Transaction<'_>, site: &Site) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO sites ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?
    .execute(params![
        site.domain,
        site.login,
        site.vlan,
        site.node,
        site.ip.to_string(),
        site.container_id,
        site.image,
        site.port,
        site.state.as_str(),
        site.created_at,
        site.updated_at,
    ])?;
    Ok(())
}
