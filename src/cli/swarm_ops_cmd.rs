//! `fleetdeck scale DOMAIN N | update DOMAIN --image I | rollback DOMAIN | drain NODE |
//! activate NODE [--yes] [--json]`: find on a manager, plan, confirm, apply with the
//! version read, one audit row (ARCHITECTURE.md "Adding an operation").

use clap::Subcommand;

use super::confirm::{code_for, confirm};
use super::ops_env::{DOCKER_CALL, DOCKER_CONNECT, OpsEnv, docker_for, stderr_progress};
use super::{Code, Context, Failure, out};
use crate::ops::swarm_ops::find::{self, Limits};
use crate::ops::swarm_ops::{self, NodeKey, ServiceKey, SwarmOpError, SwarmRequest};

/// The swarm subcommands, flattened into `Command` (DESIGN's command line).
#[derive(Debug, Subcommand)]
pub enum SwarmCmd {
    /// Scale a site's swarm service to N replicas
    Scale {
        /// The site's domain (its service is labelled fleetdeck.domain=DOMAIN or named fd-DOMAIN)
        domain: String,
        /// Replicas wanted (0 stops every task; the service stays)
        #[arg(value_name = "N")]
        replicas: u64,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Roll a site's swarm service to another image, as its own update config says, and wait for the rollout
    Update {
        /// The site's domain (its service is labelled fleetdeck.domain=DOMAIN or named fd-DOMAIN)
        domain: String,
        /// The new image
        #[arg(long)]
        image: String,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Roll a site's swarm service back to its previous spec, and wait for the rollout
    Rollback {
        /// The site's domain (its service is labelled fleetdeck.domain=DOMAIN or named fd-DOMAIN)
        domain: String,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Drain a node in its swarm: its tasks move to other nodes
    Drain {
        /// A node of the config (its swarm node is found by address)
        node: String,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Make a drained (or paused) swarm node active again
    Activate {
        /// A node of the config (its swarm node is found by address)
        node: String,
        #[command(flatten)]
        apply: ApplyArgs,
    },
}

#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ApplyArgs {
    /// Apply without asking
    #[arg(long)]
    yes: bool,
    /// The outcome as JSON on stdout (the plan goes to stderr)
    #[arg(long)]
    json: bool,
}

pub fn dispatch(ctx: &Context, cmd: &SwarmCmd) -> Result<(), Failure> {
    let (req, apply) = match cmd {
        SwarmCmd::Scale {
            domain,
            replicas,
            apply,
        } => (
            SwarmRequest::Scale {
                service: ServiceKey::Domain(domain.clone()),
                replicas: *replicas,
            },
            apply,
        ),
        SwarmCmd::Update {
            domain,
            image,
            apply,
        } => (
            SwarmRequest::Update {
                service: ServiceKey::Domain(domain.clone()),
                image: image.clone(),
            },
            apply,
        ),
        SwarmCmd::Rollback { domain, apply } => (
            SwarmRequest::Rollback {
                service: ServiceKey::Domain(domain.clone()),
            },
            apply,
        ),
        SwarmCmd::Drain { node, apply } => (
            SwarmRequest::Drain {
                node: NodeKey::Fleet(node.clone()),
            },
            apply,
        ),
        SwarmCmd::Activate { node, apply } => (
            SwarmRequest::Activate {
                node: NodeKey::Fleet(node.clone()),
            },
            apply,
        ),
    };
    run(ctx, &req, apply.yes, apply.json)
}

pub fn run(ctx: &Context, req: &SwarmRequest, yes: bool, json: bool) -> Result<(), Failure> {
    let verb = req.verb().as_str();
    let env = OpsEnv::open(ctx, verb)?;
    let refused = |e: SwarmOpError| {
        if e.kind() == crate::ops::FailKind::Invalid {
            env.audit_refused(verb, req.target(), req.params(), &e.to_string());
        }
        Failure::new(code_for(e.kind()), format!("not applied: {e}"))
    };
    req.validate().map_err(refused)?;
    let config = &ctx.loaded.config;
    let limits = Limits {
        connect: DOCKER_CONNECT,
        call: DOCKER_CALL,
    };
    let found = env.runtime.block_on(async {
        let managers = find::managers(config, &env.links, limits).await?;
        match req {
            SwarmRequest::Scale { service, .. }
            | SwarmRequest::Update { service, .. }
            | SwarmRequest::Rollback { service } => find::service(&managers, service, limits).await,
            SwarmRequest::Drain { node } | SwarmRequest::Activate { node } => {
                find::node(config, &env.links, &managers, node, limits).await
            }
        }
    });
    let plan = found
        .and_then(|f| swarm_ops::plan(req, f))
        .map_err(refused)?;
    for line in plan.lines() {
        let line = crate::validate::printable(&line).into_owned();
        if json {
            errln!("{line}");
        } else {
            outln!("{line}");
        }
    }
    if !plan.changes() {
        if json {
            print_json(&plan, false, &[], "");
        }
        return Ok(());
    }
    let question = format!("{} {}?", capitalized(verb), plan.qualified());
    if let Err(e) = confirm(&question, yes) {
        env.audit_refused(verb, &plan.audit_target(), plan.params(), &e.message);
        return Err(e);
    }
    let manager = plan.manager.clone();
    let client = env
        .runtime
        .block_on(docker_for(&env.links, manager.clone()))
        .map_err(|why| {
            Failure::new(
                Code::Failed,
                format!("not applied: manager {manager}: {why}; nothing was changed"),
            )
        })?;
    let applied = env
        .runtime
        .block_on(swarm_ops::apply(&plan, &client, DOCKER_CALL));
    let row = swarm_ops::audit_record(&plan, &applied);
    if let Err(e) = env.inventory.record_audit(&env.actor, &row) {
        errln!("fleetdeck: cannot write the audit row: {e}");
    }
    let applied =
        applied.map_err(|e| Failure::new(code_for(e.kind()), format!("not applied: {e}")))?;
    for w in &applied.warnings {
        errln!("fleetdeck: the engine warns: {w}");
    }
    // An update or rollback is watched until it finishes (README "Swarm operations").
    let rollout = env
        .runtime
        .block_on(swarm_ops::watch::watch(
            &plan,
            &client,
            DOCKER_CALL,
            swarm_ops::watch::ROLLOUT_LIMIT,
            &stderr_progress(),
        ))
        .map_err(|e| Failure::new(code_for(e.kind()), format!("applied, but {e}")))?;
    if json {
        print_json(&plan, true, &applied.warnings, &rollout);
    } else {
        outln!("{}", done_line(&plan));
    }
    Ok(())
}

fn print_json(plan: &swarm_ops::SwarmPlan, applied: bool, warnings: &[String], rollout: &str) {
    let doc = serde_json::json!({
        "schema_version": crate::contract::schema::SWARM_OP,
        "action": plan.verb,
        "swarm": plan.swarm,
        "manager": plan.manager,
        "id": plan.id,
        "name": plan.target,
        "domain": plan.domain,
        "node": plan.fleet_node,
        "version": plan.version,
        "before": plan.before,
        "after": plan.after,
        "applied": applied,
        "warnings": warnings,
    });
    // Added for update and rollback: the state their rollout reached.
    let mut doc = doc;
    if !rollout.is_empty()
        && let Some(map) = doc.as_object_mut()
    {
        map.insert("rollout".into(), serde_json::json!(rollout));
    }
    out::json(&format!("{doc:#}"));
}

/// What the user reads once the engine took the change: the swarm does the rest.
pub fn done_line(plan: &swarm_ops::SwarmPlan) -> String {
    use crate::ops::swarm_ops::Verb;
    let what = plan.qualified();
    match plan.verb {
        Verb::Scale => format!(
            "{what}: {}; the swarm places the tasks (`fleetdeck tree` shows them)",
            plan.after
        ),
        Verb::Update => format!("{what}: rolled to {}, update completed", plan.after),
        Verb::Rollback => format!("{what}: rolled back to {}", plan.after),
        Verb::Drain => format!("{what} drained: its tasks move to other nodes"),
        Verb::Activate => format!("{what} active: new tasks may be placed on it"),
    }
}

fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
