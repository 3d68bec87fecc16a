//! `fleetdeck delete DOMAIN [--yes]`.

use super::confirm::{code_for, confirm};
use super::ops_env::{DOCKER_CALL, OpsEnv, docker_for, stderr_progress};
use super::{Code, Context, Failure};
use crate::ops::delete;

pub fn run(ctx: &Context, domain: &str, yes: bool) -> Result<(), Failure> {
    let mut env = OpsEnv::open(ctx, "delete")?;
    env.reconcile(ctx)?;
    let config = &ctx.loaded.config;
    let links = &env.links;
    let planned = env.runtime.block_on(delete::plan(
        config,
        &env.inventory,
        domain,
        |node| docker_for(links, node),
        DOCKER_CALL,
    ));
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => {
            env.audit_refused("delete", domain, serde_json::json!({}), &e.to_string());
            return Err(Failure::new(
                code_for(e.kind()),
                format!("not deleted: {e}"),
            ));
        }
    };
    for line in plan.lines() {
        outln!("{line}");
    }
    if let Err(e) = confirm("Delete this site?", yes) {
        env.audit_refused("delete", domain, serde_json::json!({}), &e.message);
        return Err(e);
    }
    let node = plan.node.clone();
    let docker = env
        .runtime
        .block_on(docker_for(links, node.clone()))
        .map_err(|why| {
            Failure::new(
                Code::Failed,
                format!("not deleted: node {node}: {why}; nothing was changed"),
            )
        })?;
    env.runtime
        .block_on(delete::apply(
            &plan,
            &env.inventory,
            &docker,
            &env.actor,
            &stderr_progress(),
            DOCKER_CALL,
        ))
        .map_err(|e| Failure::new(code_for(e.kind()), format!("not deleted: {e}")))?;
    outln!(
        "deleted {}; run `fleetdeck proxy apply` to drop its proxy rule",
        plan.domain
    );
    Ok(())
}
