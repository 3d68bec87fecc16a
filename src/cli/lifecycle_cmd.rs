//! `fleetdeck start | stop | restart TARGET [--yes]`: plan, confirm (stop and restart),
//! apply, one audit row.

use super::confirm::confirm;
use super::ops_env::{DOCKER_CALL, DOCKER_CONNECT, OpsEnv};
use super::session_cmd::find_failure;
use super::{Code, Context, Failure};
use crate::act::lifecycle::{self, Plan, Verb};
use crate::act::lookup;
use crate::inventory::{AuditRecord, Outcome};

pub fn run(ctx: &Context, verb: Verb, target: &str, yes: bool) -> Result<(), Failure> {
    let env = OpsEnv::open(ctx, &format!("{} of a container", verb.as_str()))?;
    let sites = env.inventory.sites().map_err(Failure::inventory)?;
    let found = env
        .runtime
        .block_on(lookup::find(&env.links, &sites, target, DOCKER_CONNECT));
    let (resolved, client) = match found {
        Ok(f) => f,
        Err(e) => {
            let failure = find_failure(e);
            if failure.code == Code::Invalid {
                env.audit_refused(
                    verb.as_str(),
                    target,
                    serde_json::json!({}),
                    &failure.message,
                );
            }
            return Err(failure);
        }
    };
    let plan = Plan::new(verb, resolved);
    for line in plan.lines() {
        outln!("{}", crate::validate::printable(&line));
    }
    if verb.needs_confirmation() {
        let question = format!(
            "{} {}?",
            capitalized(verb.as_str()),
            plan.target.qualified()
        );
        if let Err(e) = confirm(&question, yes) {
            env.audit_refused(
                verb.as_str(),
                &plan.target.qualified(),
                plan.params(),
                &e.message,
            );
            return Err(e);
        }
    }
    let applied = env
        .runtime
        .block_on(lifecycle::apply(&plan, &client, DOCKER_CALL));
    let (outcome, detail) = match &applied {
        Ok(()) => (Outcome::Ok, None),
        Err(e) => (Outcome::Failed, Some(e.to_string())),
    };
    let row = AuditRecord {
        action: verb.as_str().into(),
        target: Some(plan.target.qualified()),
        params: plan.params(),
        outcome,
        detail: detail.clone(),
    };
    if let Err(e) = env.inventory.record_audit(&env.actor, &row) {
        errln!("fleetdeck: cannot write the audit row: {e}");
    }
    match applied {
        Ok(()) => {
            outln!("{} {}", past(verb), plan.target.qualified());
            Ok(())
        }
        Err(e) => Err(Failure::new(Code::Failed, e.to_string())),
    }
}

fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn past(verb: Verb) -> &'static str {
    match verb {
        Verb::Start => "started",
        Verb::Stop => "stopped",
        Verb::Restart => "restarted",
    }
}
