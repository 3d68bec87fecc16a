//! The console's adopt: the container is looked up again on its engine (the tree may be a
//! refresh old), planned with the same `ops::adopt` as `fleetdeck inventory adopt`, and
//! recorded with one audit row.

use super::{Done, OpsContext};
use crate::actor::Actor;
use crate::app::logs::ContainerRef;
use crate::ops::adopt::{self, AdoptPlan, AdoptRequest, Candidate};
use crate::ops::limits::DOCKER_CONNECT;

pub(super) async fn plan(
    ctx: &OpsContext,
    container: &ContainerRef,
    req: &AdoptRequest,
) -> Result<AdoptPlan, String> {
    let links = ctx
        .links
        .as_ref()
        .ok_or("the nodes' links could not be built")?;
    let inv = ctx.inventory()?;
    let sites = inv.sites().map_err(|e| e.to_string())?;
    let target = format!("{}/{}", container.node, container.id);
    let (resolved, _, info) =
        crate::act::lookup::find_listed(links, &sites, &target, DOCKER_CONNECT)
            .await
            .map_err(|e| e.to_string())?;
    let candidate = Candidate::from_info(&resolved.node, &info);
    let planned = adopt::plan_from_inventory(&ctx.config, req, &candidate, &inv);
    if let Err(e) = &planned {
        // Refused plans are audited, as on the command line.
        let row = crate::inventory::AuditRecord {
            action: "adopt".into(),
            target: Some(req.domain.clone().unwrap_or_else(|| candidate.qualified())),
            params: adopt::refused_params(
                &candidate.qualified(),
                req.login.as_deref(),
                req.domain.as_deref(),
            ),
            outcome: crate::inventory::Outcome::Refused,
            detail: Some(e.to_string()),
        };
        if let Err(e) = inv.record_audit(&Actor::from_env(), &row) {
            tracing::error!(error = %e, "cannot write the audit row of a refused adopt");
        }
    }
    planned.map_err(|e| e.to_string())
}

pub(super) fn apply(ctx: &OpsContext, plan: &AdoptPlan) -> Done {
    let mut inv = ctx.inventory()?;
    let site = adopt::apply(plan, &mut inv, &Actor::from_env()).map_err(|e| e.to_string())?;
    Ok((
        format!(
            "adopt {}/{}: recorded as site {} for {} at {}",
            plan.node, plan.container, site.domain, site.login, site.ip
        ),
        ctx.proxy_offer(),
    ))
}
