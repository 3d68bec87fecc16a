//! What the mutating subcommands share: a runtime, the nodes' links, the writable
//! inventory, start-up reconciliation of pending rows, and step printing on stderr.

use std::collections::BTreeMap;

use super::{Code, Context, Failure};
use crate::actor::Actor;
use crate::inventory::{AuditRecord, Inventory, Outcome};
use crate::ops::progress::ProgressFn;
use crate::ops::reconcile;
use crate::transport::docker::DockerClient;
use crate::transport::links::{NodeLink, build_links};

pub use crate::ops::limits::{DOCKER_CALL, DOCKER_CONNECT};

pub struct OpsEnv {
    pub runtime: tokio::runtime::Runtime,
    pub links: BTreeMap<String, NodeLink>,
    pub inventory: Inventory,
    pub actor: Actor,
}

impl OpsEnv {
    /// Refuses in read-only mode before opening anything.
    pub fn open(ctx: &Context, what: &str) -> Result<OpsEnv, Failure> {
        ctx.ensure_writable(what)?;
        let links = build_links(&ctx.loaded.config, false)
            .map_err(|e| Failure::new(Code::Usage, e.to_string()))?;
        let inventory = Inventory::open(&ctx.inventory_path()?).map_err(Failure::inventory)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Failure::new(Code::Failed, format!("cannot start the async runtime: {e}"))
            })?;
        Ok(OpsEnv {
            runtime,
            links,
            inventory,
            actor: Actor::from_env(),
        })
    }

    /// Settle rows that an interrupted create left pending, and say what happened.
    pub fn reconcile(&mut self, ctx: &Context) -> Result<(), Failure> {
        let links = &self.links;
        let report = self.runtime.block_on(reconcile::reconcile(
            &ctx.loaded.config,
            &mut self.inventory,
            |node| docker_for(links, node),
            &self.actor,
            &stderr_progress(),
            DOCKER_CALL,
        ));
        for line in report.map_err(Failure::inventory)?.lines() {
            errln!("{line}");
        }
        Ok(())
    }
}

impl OpsEnv {
    /// Audit an attempt refused before apply (bad input, a conflict, no confirmation).
    pub fn audit_refused(&self, action: &str, target: &str, params: serde_json::Value, why: &str) {
        let record = AuditRecord {
            action: action.into(),
            target: Some(target.into()),
            params,
            outcome: Outcome::Refused,
            detail: Some(why.into()),
        };
        if let Err(e) = self.inventory.record_audit(&self.actor, &record) {
            tracing::error!(error = %e, action, "cannot write the audit row of a refused action");
        }
    }
}

/// The Docker engine of `node`, connected, or why not.
pub async fn docker_for(
    links: &BTreeMap<String, NodeLink>,
    node: String,
) -> Result<DockerClient, String> {
    let link = links
        .get(&node)
        .ok_or_else(|| format!("node {node} is not in the config"))?;
    link.docker_client(DOCKER_CONNECT)
        .await
        .map_err(|e| e.to_string())
}

/// Steps of an apply, on stderr so `--json` output stays clean.
pub fn stderr_progress() -> ProgressFn<impl Fn(&str) + Send + Sync> {
    ProgressFn(|step: &str| errln!("  · {step}"))
}
