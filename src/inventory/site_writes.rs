//! Writes to `sites` for create, delete and reconcile. Allocation happens inside an
//! IMMEDIATE transaction so two fleetdeck processes sharing the file serialize on it, and
//! the table's UNIQUE constraints remain the last guard.

use std::net::Ipv4Addr;

use rusqlite::{TransactionBehavior, params};

use super::ipam::{IpamError, Pool};
use super::sites::insert;
use super::{Inventory, InventoryError, Site, SiteState, now_rfc3339};

/// Why a pending site could not be reserved.
#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    #[error("domain {0} is already in the inventory")]
    DomainTaken(String),
    #[error("address {ip} on VLAN {vlan} is already taken")]
    IpTaken { vlan: u16, ip: Ipv4Addr },
    #[error(transparent)]
    Ipam(#[from] IpamError),
    #[error(
        "no free port left in {range} on swarm {swarm}: widen the VLAN's ports or delete a site"
    )]
    PortsExhausted {
        swarm: String,
        range: crate::config::PortRange,
    },
    #[error(transparent)]
    Inventory(#[from] InventoryError),
}

/// What a create asks the inventory for; the IP is chosen here unless given.
#[derive(Debug, Clone)]
pub struct Reservation {
    pub domain: String,
    pub login: String,
    pub vlan: u16,
    pub node: String,
    pub image: String,
    pub port: u16,
    /// `Some` to take exactly this address (it must be free), `None` for the first free one.
    pub ip: Option<Ipv4Addr>,
    /// Addresses live containers hold on the VLAN's network, inventory or not: never
    /// handed out (the engine would refuse the create with "Address already in use").
    pub held_live: Vec<Ipv4Addr>,
}

impl Inventory {
    /// Insert a finished site row as it is (tests, imports).
    pub fn insert_site(&mut self, site: &Site) -> Result<(), InventoryError> {
        let tx = self.conn_mut().transaction()?;
        insert(&tx, site)?;
        tx.commit()?;
        Ok(())
    }

    /// Insert a finished row that must not clash with any other (adopt): a domain or
    /// VLAN address already present is the matching [`ReserveError`], not a SQL error.
    pub fn insert_new_site(&mut self, site: &Site) -> Result<(), ReserveError> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(InventoryError::from)?;
        insert(&tx, site).map_err(|e| match unique_violation(&e) {
            Some(Unique::Domain) => ReserveError::DomainTaken(site.domain.clone()),
            Some(Unique::VlanIp) => ReserveError::IpTaken {
                vlan: site.vlan,
                ip: site.ip,
            },
            None => ReserveError::Inventory(e.into()),
        })?;
        tx.commit().map_err(InventoryError::from)?;
        Ok(())
    }

    /// Take an address from `pool` and insert a `pending` row for it, atomically.
    pub fn reserve_pending(&mut self, r: &Reservation, pool: &Pool) -> Result<Site, ReserveError> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(InventoryError::from)?;
        let site = reserve_in(&tx, r, pool, Some(r.node.clone()))?;
        tx.commit().map_err(InventoryError::from)?;
        Ok(site)
    }
}

/// Check the domain, take the address and insert the pending row, inside `tx`.
pub(super) fn reserve_in(
    tx: &rusqlite::Transaction<'_>,
    r: &Reservation,
    pool: &Pool,
    node: Option<String>,
) -> Result<Site, ReserveError> {
    {
        let taken: bool = tx
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM sites WHERE domain = ?1)",
                params![r.domain],
                |row| row.get(0),
            )
            .map_err(InventoryError::from)?;
        if taken {
            return Err(ReserveError::DomainTaken(r.domain.clone()));
        }
        let mut used = used_ips_in(tx, r.vlan)?;
        used.extend(r.held_live.iter().copied());
        let ip = match r.ip {
            Some(ip) if used.contains(&ip) => {
                return Err(ReserveError::IpTaken { vlan: r.vlan, ip });
            }
            Some(ip) => ip,
            None => pool.first_free(&used)?,
        };
        let now = now_rfc3339();
        let site = Site {
            domain: r.domain.clone(),
            login: r.login.clone(),
            vlan: r.vlan,
            node,
            ip,
            container_id: None,
            image: Some(r.image.clone()),
            port: Some(r.port),
            state: SiteState::Pending,
            created_at: now.clone(),
            updated_at: now,
        };
        insert(tx, &site).map_err(|e| match unique_violation(&e) {
            Some(Unique::Domain) => ReserveError::DomainTaken(r.domain.clone()),
            Some(Unique::VlanIp) => ReserveError::IpTaken { vlan: r.vlan, ip },
            None => ReserveError::Inventory(e.into()),
        })?;
        Ok(site)
    }
}

impl Inventory {
    /// Mark a pending site active with its container. Returns false when the row is gone.
    pub fn activate_site(&self, domain: &str, container_id: &str) -> Result<bool, InventoryError> {
        let n = self.conn().execute(
            "UPDATE sites SET state = 'active', container_id = ?2, updated_at = ?3
             WHERE domain = ?1",
            params![domain, container_id, now_rfc3339()],
        )?;
        Ok(n == 1)
    }

    /// Delete a site row. Returns false when there was none.
    pub fn delete_site(&self, domain: &str) -> Result<bool, InventoryError> {
        let n = self
            .conn()
            .execute("DELETE FROM sites WHERE domain = ?1", params![domain])?;
        Ok(n == 1)
    }

    /// Delete a site row only while it is still pending (an undo must never remove a row
    /// that another process has since made active).
    pub fn delete_pending_site(&self, domain: &str) -> Result<bool, InventoryError> {
        let n = self.conn().execute(
            "DELETE FROM sites WHERE domain = ?1 AND state = 'pending'",
            params![domain],
        )?;
        Ok(n == 1)
    }
}

fn used_ips_in(
    tx: &rusqlite::Transaction<'_>,
    vlan: u16,
) -> Result<std::collections::HashSet<Ipv4Addr>, InventoryError> {
    let mut stmt = tx.prepare_cached("SELECT ip FROM sites WHERE vlan = ?1")?;
    let rows = stmt.query_map(params![vlan], |r| r.get::<_, String>(0))?;
    let mut out = std::collections::HashSet::new();
    for ip in rows {
        if let Ok(ip) = ip?.parse() {
            out.insert(ip);
        }
    }
    Ok(out)
}

enum Unique {
    Domain,
    VlanIp,
}

fn unique_violation(e: &rusqlite::Error) -> Option<Unique> {
    let rusqlite::Error::SqliteFailure(code, Some(msg)) = e else {
        return None;
    };
    if code.code != rusqlite::ErrorCode::ConstraintViolation {
        return None;
    }
    if msg.contains("sites.domain") {
        Some(Unique::Domain)
    } else if msg.contains("sites.vlan") || msg.contains("sites.ip") {
        Some(Unique::VlanIp)
    } else {
        None
    }
}
