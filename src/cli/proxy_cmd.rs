//! `fleetdeck proxy plan [--exit-code] | apply [--yes]`: the nginx rules rendered from the
//! inventory, diffed against the file on the proxy node, and applied under a lock.

use std::sync::Arc;
use std::time::Duration;

use super::confirm::{code_for, confirm};
use super::inventory_cmd::open_for_reading;
use super::out;
use super::{Code, Context, Failure};
use crate::actor::Actor;
use crate::config::ProxyConfig;
use crate::inventory::{Inventory, Outcome};
use crate::ops::progress::ProgressFn;
use crate::ops::proxy::{self, ApplyOptions, ProxyError, ProxyPlan};
use crate::transport::exec::Exec;
use crate::transport::links::build_links;

fn require_proxy(ctx: &Context) -> Result<&ProxyConfig, Failure> {
    ctx.loaded.config.proxy.as_ref().ok_or_else(|| {
        Failure::new(
            Code::Usage,
            format!(
                "no [proxy] table in {}: add one with the proxy node and file (see config.example.toml)",
                ctx.loaded.source
            ),
        )
    })
}

fn failure(e: &ProxyError) -> Failure {
    Failure::new(code_for(e.kind()), e.to_string())
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Code::Failed, format!("cannot start the async runtime: {e}")))
}

type Links = std::collections::BTreeMap<String, crate::transport::links::NodeLink>;

/// Every node's link (read-only guarded in read-only mode): the proxy node's, and the
/// swarm managers' for the swarm sites' upstreams.
fn links(ctx: &Context) -> Result<Links, Failure> {
    build_links(&ctx.loaded.config, ctx.read_only)
        .map_err(|e| Failure::new(Code::Usage, e.to_string()))
}

/// Render from the inventory (with the swarm sites' upstreams) and diff with the node.
async fn make_plan(
    ctx: &Context,
    sites: &[crate::inventory::Site],
    swarm_sites: &[crate::inventory::SwarmSite],
    links: &Links,
    exec: &dyn Exec,
) -> Result<ProxyPlan, ProxyError> {
    let config = &ctx.loaded.config;
    let routes = proxy::swarm_routes(config, swarm_sites, links).await?;
    proxy::make_plan(config, sites, &routes, exec).await
}

/// The proxy node's exec handle.
fn proxy_exec(links: &Links, proxy: &ProxyConfig) -> Result<Arc<dyn Exec>, Failure> {
    links
        .get(&proxy.node)
        .map(|l| l.exec.clone())
        .ok_or_else(|| {
            Failure::new(
                Code::Usage,
                format!("[proxy] node {:?} is not a [[node]]", proxy.node),
            )
        })
}

fn up_to_date(plan: &ProxyPlan) -> String {
    format!("no changes: {} on {} is up to date", plan.path, plan.node)
}

pub fn plan(ctx: &Context, exit_code: bool) -> Result<(), Failure> {
    let proxy = require_proxy(ctx)?;
    let (sites, swarm_sites) = match open_for_reading(ctx)? {
        Some(inv) => (
            inv.sites().map_err(Failure::inventory)?,
            inv.swarm_sites().map_err(Failure::inventory)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let links = links(ctx)?;
    let exec = proxy_exec(&links, proxy)?;
    let rt = runtime()?;
    let made = rt.block_on(make_plan(ctx, &sites, &swarm_sites, &links, exec.as_ref()));
    rt.shutdown_timeout(Duration::from_millis(200));
    let plan = made.map_err(|e| failure(&e))?;
    if !plan.changed {
        outln!("{}", up_to_date(&plan));
        return Ok(());
    }
    out::text(&plan.diff);
    if exit_code {
        return Err(Failure::new(
            Code::Pending,
            format!("changes pending: {}", plan.summary()),
        ));
    }
    errln!("{}; `fleetdeck proxy apply` applies them", plan.summary());
    Ok(())
}

pub fn apply(ctx: &Context, yes: bool) -> Result<(), Failure> {
    let proxy = require_proxy(ctx)?;
    let actor = Actor::from_env();
    // Read-only mode writes nothing, not even an audit row of the refusal.
    ctx.ensure_writable("proxy apply")?;
    let path = ctx.inventory_path()?;
    let mut inv = Inventory::open(&path).map_err(Failure::inventory)?;
    let sites = inv.sites().map_err(Failure::inventory)?;
    let swarm_sites = inv.swarm_sites().map_err(Failure::inventory)?;
    let links = links(ctx)?;
    let exec = proxy_exec(&links, proxy)?;
    let rt = runtime()?;
    let made = rt.block_on(make_plan(ctx, &sites, &swarm_sites, &links, exec.as_ref()));
    let plan = match made {
        Ok(plan) => plan,
        Err(e) => {
            // The admin asked for an apply and it could not even be planned: one row.
            record(&inv, proxy, &actor, Outcome::Failed, &e.to_string());
            return Err(failure(&e));
        }
    };
    if !plan.changed {
        outln!("{}", up_to_date(&plan));
        return Ok(());
    }
    out::text(&plan.diff);
    errln!("{}", plan.summary());
    confirm(
        &format!("Apply this to {} on {}?", plan.path, plan.node),
        yes,
    )?;
    let progress = ProgressFn(|s: &str| errln!("  {s}"));
    let applied = rt.block_on(proxy::apply(
        &plan,
        proxy,
        exec.as_ref(),
        &mut inv,
        &actor,
        &ApplyOptions::default(),
        &progress,
    ));
    rt.shutdown_timeout(Duration::from_millis(200));
    applied.map_err(|e| failure(&e))?;
    outln!("applied: {}", plan.summary());
    Ok(())
}

fn record(inv: &Inventory, proxy: &ProxyConfig, actor: &Actor, outcome: Outcome, detail: &str) {
    let record = proxy::unapplied_record(proxy, outcome, detail);
    if let Err(e) = inv.record_audit(actor, &record) {
        tracing::error!(error = %e, "could not write the proxy.apply audit row");
    }
}
