//! Recording an adopted container: one row, inserted under the inventory's UNIQUE
//! constraints (another admin may have taken the domain or the address since the plan),
//! and one audit row whatever happens.

use serde_json::Value;

use super::AdoptPlan;
use crate::actor::Actor;
use crate::inventory::{
    AuditRecord, Inventory, InventoryError, Outcome, ReserveError, Site, SiteState, now_rfc3339,
};
use crate::ops::FailKind;

#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    #[error("{0} (taken since the plan); nothing was recorded")]
    Conflict(ReserveError),
    #[error("cannot record the site: {0}")]
    Inventory(#[from] InventoryError),
}

impl AdoptError {
    pub fn kind(&self) -> FailKind {
        match self {
            AdoptError::Conflict(_) => FailKind::Invalid,
            AdoptError::Inventory(_) => FailKind::Failed,
        }
    }
}

/// Insert the row; write the audit row (`adopt`), success or failure.
pub fn apply(
    plan: &AdoptPlan,
    inventory: &mut Inventory,
    actor: &Actor,
) -> Result<Site, AdoptError> {
    let now = now_rfc3339();
    let site = Site {
        domain: plan.domain.clone(),
        login: plan.login.clone(),
        vlan: plan.vlan,
        node: Some(plan.node.clone()),
        ip: plan.ip,
        container_id: Some(plan.container_id.clone()),
        image: Some(plan.image.clone()),
        port: Some(plan.port),
        state: SiteState::Active,
        created_at: now.clone(),
        updated_at: now,
    };
    let result = match inventory.insert_new_site(&site) {
        Ok(()) => Ok(site),
        Err(ReserveError::Inventory(e)) => Err(AdoptError::Inventory(e)),
        Err(conflict) => Err(AdoptError::Conflict(conflict)),
    };
    let (outcome, detail) = match &result {
        Ok(_) => (
            Outcome::Ok,
            format!("{} on {} recorded", plan.container, plan.node),
        ),
        Err(e) => (Outcome::Failed, e.to_string()),
    };
    record(inventory, actor, plan, outcome, &detail);
    result
}

fn record(inventory: &Inventory, actor: &Actor, plan: &AdoptPlan, outcome: Outcome, detail: &str) {
    let row = AuditRecord {
        action: "adopt".into(),
        target: Some(plan.domain.clone()),
        params: plan.params(),
        outcome,
        detail: Some(detail.to_string()),
    };
    if let Err(e) = inventory.record_audit(actor, &row) {
        tracing::error!(error = %e, domain = %plan.domain, "cannot write the audit row of an adopt");
    }
}

/// The audit parameters of an adopt refused before its plan existed.
pub fn refused_params(target: &str, login: Option<&str>, domain: Option<&str>) -> Value {
    serde_json::json!({ "container": target, "login": login, "domain": domain })
}
