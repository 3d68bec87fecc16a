//! `fleetdeck inventory adopt [NODE/]CONTAINER [--login L --domain D] [--yes] [--json]`:
//! record a live container that no row claims as a site (ops/adopt).

use super::confirm::{code_for, confirm};
use super::ops_env::{DOCKER_CONNECT, OpsEnv};
use super::out;
use super::session_cmd::find_failure;
use super::{Code, Context, Failure};
use crate::act::lookup;
use crate::contract::schema;
use crate::ops::adopt::{self, AdoptRequest, Candidate};

pub fn run(
    ctx: &Context,
    target: &str,
    req: &AdoptRequest,
    yes: bool,
    json: bool,
) -> Result<(), Failure> {
    let mut env = OpsEnv::open(ctx, "inventory adopt")?;
    env.reconcile(ctx)?;
    let refused_params = adopt::refused_params(target, req.login.as_deref(), req.domain.as_deref());
    let sites = env.inventory.sites().map_err(Failure::inventory)?;
    let found = env.runtime.block_on(lookup::find_listed(
        &env.links,
        &sites,
        target,
        DOCKER_CONNECT,
    ));
    let candidate = match found {
        Ok((resolved, _client, info)) => Candidate::from_info(&resolved.node, &info),
        Err(e) => {
            let failure = find_failure(e);
            if failure.code == Code::Invalid {
                env.audit_refused("adopt", target, refused_params, &failure.message);
            }
            return Err(Failure::new(
                failure.code,
                format!("not adopted: {}", failure.message),
            ));
        }
    };
    let planned = adopt::plan_from_inventory(&ctx.loaded.config, req, &candidate, &env.inventory);
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => {
            let target = req.domain.clone().unwrap_or_else(|| candidate.qualified());
            env.audit_refused("adopt", &target, refused_params, &e.to_string());
            return Err(Failure::new(
                code_for(e.kind()),
                format!("not adopted: {e}"),
            ));
        }
    };
    for line in plan.lines() {
        let line = crate::validate::printable(&line);
        if json {
            errln!("{line}");
        } else {
            outln!("{line}");
        }
    }
    if let Err(e) = confirm("Record this container as a site?", yes) {
        env.audit_refused("adopt", &plan.domain, plan.params(), &e.message);
        return Err(e);
    }
    let site = adopt::apply(&plan, &mut env.inventory, &env.actor)
        .map_err(|e| Failure::new(code_for(e.kind()), format!("not adopted: {e}")))?;
    if json {
        let doc = serde_json::json!({
            "schema_version": schema::ADOPT,
            "site": site,
            "container": plan.container,
            "container_id": plan.container_id,
            "network": plan.network,
        });
        out::json(&format!("{doc:#}"));
    } else {
        outln!(
            "adopted {} on {} as site {} for {} at {}",
            plan.container,
            plan.node,
            site.domain,
            site.login,
            site.ip
        );
        outln!("its proxy rule is added by the next `fleetdeck proxy apply`");
    }
    Ok(())
}
