//! `fleetdeck create --login L --vlan V --domain D [--node N] [--image I] [--yes] [--json]`.

use super::confirm::{code_for, confirm};
use super::ops_env::{DOCKER_CALL, OpsEnv, docker_for, stderr_progress};
use super::out;
use super::{Code, Context, Failure};
use crate::ops::create::{self, ApplyLimits, CreateRequest};

pub fn run(ctx: &Context, req: &CreateRequest, yes: bool, json: bool) -> Result<(), Failure> {
    let mut env = OpsEnv::open(ctx, "create")?;
    env.reconcile(ctx)?;
    let config = &ctx.loaded.config;
    let params = serde_json::json!({
        "login": req.login, "vlan": req.vlan, "node": req.node, "image": req.image,
    });
    let mut plan = match create::plan_from_inventory(config, req, &env.inventory) {
        Ok(plan) => plan,
        Err(e) => {
            env.audit_refused("create", &req.domain, params, &e.to_string());
            return Err(Failure::new(
                code_for(e.kind()),
                format!("not created: {e}"),
            ));
        }
    };
    for line in plan.lines() {
        if json {
            errln!("{line}");
        } else {
            outln!("{line}");
        }
    }
    if let Err(e) = confirm("Create this site?", yes) {
        env.audit_refused("create", &plan.domain, params, &e.message);
        return Err(e);
    }
    if let Some(proxy) = &config.proxy {
        let exec = env.links.get(&proxy.node).map(|l| l.exec.clone());
        let routed = match exec {
            Some(exec) => env
                .runtime
                .block_on(create::routed::routed(proxy, exec.as_ref())),
            None => Err(format!("proxy node {} has no link", proxy.node)),
        };
        match routed {
            Ok(addresses) => plan.routed = addresses,
            Err(why) => errln!(
                "  · the deployed proxy file could not be read ({why}): addresses it may still route to are not held back"
            ),
        }
    }
    let links = &env.links;
    let node = plan.node.clone();
    let docker = env
        .runtime
        .block_on(docker_for(links, node.clone()))
        .map_err(|why| {
            Failure::new(
                Code::Failed,
                format!("not created: node {node}: {why}; nothing was changed"),
            )
        })?;
    let limits = ApplyLimits {
        docker_call: DOCKER_CALL,
    };
    let result = env.runtime.block_on(create::apply(
        &plan,
        &mut env.inventory,
        &docker,
        &env.actor,
        &stderr_progress(),
        limits,
    ));
    let done = result.map_err(|e| Failure::new(code_for(e.kind()), format!("not created: {e}")))?;
    if json {
        let mut doc = serde_json::json!({
            "schema_version": crate::contract::schema::CREATE,
            "site": done.site,
            "container": plan.container,
            "container_id": done.container_id,
            "network_created": done.network_created,
        });
        // Added for a swarm site (README "Sites on a swarm"); other fields unchanged.
        if let (Some(service), Some(map)) = (&plan.service, doc.as_object_mut()) {
            map.insert("service".into(), serde_json::json!(service.name));
            map.insert(
                "published_port".into(),
                serde_json::json!(done.published_port),
            );
        }
        out::json(&format!("{doc:#}"));
    } else if let Some(service) = &plan.service {
        outln!(
            "created {} for {}: service {} ({} replicas) on swarm {}, port {}",
            done.site.domain,
            done.site.login,
            service.name,
            service.replicas,
            service.swarm,
            done.published_port.unwrap_or(service.published_port)
        );
        outln!("its upstream is added by the next `fleetdeck proxy apply`");
    } else {
        outln!(
            "created {} for {} at {} on {} (container {} {})",
            done.site.domain,
            done.site.login,
            done.site.ip,
            plan.node,
            plan.container,
            create::short(&done.container_id)
        );
        outln!("its proxy rule is added by the next `fleetdeck proxy apply`");
    }
    Ok(())
}
