//! The console's swarm operations: plan with the CLI's `ops::swarm_ops` (find on a
//! manager, pure plan), apply to the manager the plan was read from, one audit row.

use super::{Done, OpsContext};
use crate::actor::Actor;
use crate::ops::limits::{DOCKER_CALL, DOCKER_CONNECT};
use crate::ops::swarm_ops::find::{self, Limits};
use crate::ops::swarm_ops::{self, SwarmPlan, SwarmRequest, Verb};

const LIMITS: Limits = Limits {
    connect: DOCKER_CONNECT,
    call: DOCKER_CALL,
};

pub(super) async fn plan(ctx: &OpsContext, req: &SwarmRequest) -> Result<SwarmPlan, String> {
    let links = ctx
        .links
        .as_ref()
        .ok_or("the nodes' links could not be built")?;
    let found = async {
        let managers = find::managers(&ctx.config, links, LIMITS).await?;
        match req {
            SwarmRequest::Scale { service, .. }
            | SwarmRequest::Update { service, .. }
            | SwarmRequest::Rollback { service } => find::service(&managers, service, LIMITS).await,
            SwarmRequest::Drain { node } | SwarmRequest::Activate { node } => {
                find::node(&ctx.config, links, &managers, node, LIMITS).await
            }
        }
    };
    found
        .await
        .and_then(|f| swarm_ops::plan(req, f))
        .map_err(|e| e.to_string())
}

pub(super) async fn apply(ctx: &OpsContext, plan: &SwarmPlan) -> Done {
    let client = ctx.docker(&plan.manager).await?;
    let applied = swarm_ops::apply(plan, &client, DOCKER_CALL).await;
    let row = swarm_ops::audit_record(plan, &applied);
    match ctx.inventory() {
        Ok(inv) => {
            if let Err(e) = inv.record_audit(&Actor::from_env(), &row) {
                tracing::error!(error = %e, "cannot write a swarm operation's audit row");
            }
        }
        Err(e) => tracing::error!(error = %e, "no inventory for a swarm operation's audit row"),
    }
    let applied = applied.map_err(|e| e.to_string())?;
    for w in &applied.warnings {
        ctx.send(crate::app::Msg::OpProgress(format!(
            "  · the engine warns: {w}"
        )));
    }
    // An update or rollback stays in flight (its row shows it) until its rollout ends.
    let rollout = swarm_ops::watch::watch(
        plan,
        &client,
        DOCKER_CALL,
        swarm_ops::watch::ROLLOUT_LIMIT,
        &ctx.progress(),
    )
    .await
    .map_err(|e| format!("{}: applied, but {e}", plan.label()))?;
    let then = match plan.verb {
        Verb::Scale => "the swarm places the tasks",
        Verb::Update | Verb::Rollback => rollout.as_str(),
        Verb::Drain => "its tasks move to other nodes",
        Verb::Activate => "new tasks may be placed on it",
    };
    Ok((format!("{}: {} ({then})", plan.label(), plan.after), None))
}
