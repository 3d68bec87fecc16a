//! Sites that are swarm services (README "Sites on a swarm"): the `swarm_sites` row beside
//! the site's own. Its published port is taken in the same IMMEDIATE transaction as the
//! site's row and address, and the unique index on (swarm, port) is the last guard, as
//! UNIQUE(vlan, ip) is for addresses.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::ipam::Pool;
use super::site_writes::{Reservation, ReserveError, reserve_in};
use super::{Inventory, InventoryError, Site};
use crate::config::PortRange;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmSite {
    pub domain: String,
    pub swarm: String,
    pub published_port: u16,
    /// The service's name (`fd-<domain>` as a DNS label).
    pub service: String,
}

/// The port a swarm create asks for.
#[derive(Debug, Clone)]
pub struct PortClaim {
    pub swarm: String,
    pub service: String,
    pub range: PortRange,
    /// The planned port; taken if still free, else the first free one of the range.
    pub port: u16,
    /// Ports the swarm's services publish now, inventory or not: never handed out.
    pub held_live: Vec<u16>,
}

impl Inventory {
    pub fn swarm_sites(&self) -> Result<Vec<SwarmSite>, InventoryError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT domain, swarm, published_port, service FROM swarm_sites ORDER BY domain",
        )?;
        let rows = stmt.query_map([], from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    pub fn swarm_site(&self, domain: &str) -> Result<Option<SwarmSite>, InventoryError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT domain, swarm, published_port, service FROM swarm_sites WHERE domain = ?1",
        )?;
        stmt.query_row(params![domain], from_row)
            .optional()?
            .transpose()
    }

    /// Ports the inventory's sites hold on `swarm`, whatever their state.
    pub fn used_ports(&self, swarm: &str) -> Result<HashSet<u16>, InventoryError> {
        let tx_free = self.conn();
        used_ports_in(tx_free, swarm)
    }

    /// Reserve a swarm site: the pending site row (address from `pool`, no node: the swarm
    /// places it) and its port, in one transaction. Returns the row and the port taken.
    pub fn reserve_pending_service(
        &mut self,
        r: &Reservation,
        pool: &Pool,
        claim: &PortClaim,
    ) -> Result<(Site, SwarmSite), ReserveError> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(InventoryError::from)?;
        let site = reserve_in(&tx, r, pool, None)?;
        let mut used = used_ports_in(&tx, &claim.swarm)?;
        used.extend(claim.held_live.iter().copied());
        let port = if used.contains(&claim.port) || !claim.range.contains(claim.port) {
            claim
                .range
                .first_free(&used)
                .ok_or_else(|| ReserveError::PortsExhausted {
                    swarm: claim.swarm.clone(),
                    range: claim.range,
                })?
        } else {
            claim.port
        };
        let row = SwarmSite {
            domain: r.domain.clone(),
            swarm: claim.swarm.clone(),
            published_port: port,
            service: claim.service.clone(),
        };
        tx.execute(
            "INSERT INTO swarm_sites (domain, swarm, published_port, service)
             VALUES (?1, ?2, ?3, ?4)",
            params![row.domain, row.swarm, row.published_port, row.service],
        )
        .map_err(InventoryError::from)?;
        tx.commit().map_err(InventoryError::from)?;
        Ok((site, row))
    }
}

fn used_ports_in(conn: &rusqlite::Connection, swarm: &str) -> Result<HashSet<u16>, InventoryError> {
    let mut stmt =
        conn.prepare_cached("SELECT published_port FROM swarm_sites WHERE swarm = ?1")?;
    let rows = stmt.query_map(params![swarm], |r| r.get::<_, i64>(0))?;
    let mut out = HashSet::new();
    for port in rows {
        if let Ok(p) = u16::try_from(port?) {
            out.insert(p);
        }
    }
    Ok(out)
}

fn from_row(row: &rusqlite::Row<'_>) -> Result<Result<SwarmSite, InventoryError>, rusqlite::Error> {
    let domain: String = row.get(0)?;
    let port: i64 = row.get(2)?;
    let Ok(published_port) = u16::try_from(port) else {
        return Ok(Err(InventoryError::BadRow {
            domain,
            reason: format!("published port {port} is out of range"),
        }));
    };
    Ok(Ok(SwarmSite {
        domain,
        swarm: row.get(1)?,
        published_port,
        service: row.get(3)?,
    }))
}

#[cfg(test)]
mod tests;
