//! The driver side of the console's operations: plans and applies run as tasks, their
//! steps and outcomes come back as messages. The same `ops` functions as the CLI.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::actor::Actor;
use crate::app::confirm::PlannedOp;
use crate::app::{Level, Msg, OpRequest};
use crate::config::Config;
use crate::inventory::Inventory;
use crate::ops::create::{self, ApplyLimits, CreateRequest};
use crate::ops::progress::ProgressFn;
use crate::ops::{delete, proxy, reconcile};
use crate::transport::DockerClient;
use crate::transport::links::NodeLink;

use crate::act::lifecycle::{self, Verb};
use crate::app::logs::ContainerRef;
use crate::ops::limits::{DOCKER_CALL, DOCKER_CONNECT};

mod adopt;
mod swarm;

/// What the operation tasks need, cheap to clone into each.
#[derive(Clone)]
pub struct OpsContext {
    pub tx: UnboundedSender<Msg>,
    pub config: Arc<Config>,
    pub links: Option<Arc<BTreeMap<String, NodeLink>>>,
    pub inventory_path: PathBuf,
    pub read_only: bool,
    /// Every operation task, so the console can wait for them when it quits.
    pub tracker: tokio_util::task::TaskTracker,
    /// Cancelled when the console quits: plans (which change nothing) stop at once;
    /// applies are never cut off (they must finish or undo), they are waited for.
    pub cancel: tokio_util::sync::CancellationToken,
}

impl OpsContext {
    fn send(&self, msg: Msg) {
        let _ = self.tx.send(msg);
    }

    fn finished(&self, ok: bool, text: String, then: Option<OpRequest>) {
        self.send(Msg::OpFinished { ok, text, then });
    }

    fn progress(&self) -> ProgressFn<impl Fn(&str) + Send + Sync + use<>> {
        let tx = self.tx.clone();
        ProgressFn(move |step: &str| {
            let _ = tx.send(Msg::OpProgress(format!("  · {step}")));
        })
    }

    fn inventory(&self) -> Result<Inventory, String> {
        if self.read_only {
            Inventory::open_read_only(&self.inventory_path)
        } else {
            Inventory::open(&self.inventory_path)
        }
        .map_err(|e| e.to_string())
    }

    /// The inventory's sites; a missing inventory has none (it is not created to be read).
    fn sites(&self) -> Result<Vec<crate::inventory::Site>, String> {
        match self.inventory() {
            Ok(inv) => inv.sites().map_err(|e| e.to_string()),
            Err(_) if !self.inventory_path.exists() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The `[proxy]` table and the proxy node's command runner.
    fn proxy(
        &self,
    ) -> Result<(&crate::config::ProxyConfig, Arc<dyn crate::transport::Exec>), String> {
        let proxy = self
            .config
            .proxy
            .as_ref()
            .ok_or("no [proxy] section in the config")?;
        let exec = self
            .links
            .as_ref()
            .and_then(|l| l.get(&proxy.node))
            .map(|l| l.exec.clone())
            .ok_or_else(|| format!("proxy node {} has no link", proxy.node))?;
        Ok((proxy, exec))
    }

    async fn docker(&self, node: &str) -> Result<DockerClient, String> {
        let links = self
            .links
            .as_ref()
            .ok_or("the nodes' links could not be built")?;
        let link = links
            .get(node)
            .ok_or_else(|| format!("node {node} is not in the config"))?;
        link.docker_client(DOCKER_CONNECT)
            .await
            .map_err(|e| format!("node {node}: {e}"))
    }

    fn proxy_offer(&self) -> Option<OpRequest> {
        self.config.proxy.as_ref().map(|_| OpRequest::ProxyPlan)
    }
}

/// Run an operation's task on a blocking thread: SQLite calls block, and an `Inventory`
/// (a `rusqlite::Connection`) must not be shared across the runtime's threads.
/// The task is tracked, so quitting can wait for an apply to finish (and undo what it
/// must) instead of cutting it off half done.
fn spawn_op<F, Fut>(tracker: &tokio_util::task::TaskTracker, task: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let handle = tokio::runtime::Handle::current();
    tracker.spawn_blocking(move || handle.block_on(task()));
}

/// Plan `op` (create is planned from its form with [`plan_create`]).
pub fn start(op: OpRequest, ctx: OpsContext) {
    let tracker = ctx.tracker.clone();
    let cancel = ctx.cancel.clone();
    spawn_op(&tracker, move || {
        cancellable(cancel, async move {
            match op {
                OpRequest::ProxyPlan | OpRequest::ProxyApply => {
                    let planned = plan_proxy(&ctx).await;
                    ctx.send(Msg::OpPlanned(
                        planned.map(|p| PlannedOp::Proxy(Box::new(p))),
                    ));
                }
                OpRequest::Delete { domain } => {
                    let planned = plan_delete(&ctx, &domain).await;
                    ctx.send(Msg::OpPlanned(planned.map(PlannedOp::Delete)));
                }
                OpRequest::Check => ctx.send(Msg::CheckDone(run_check(&ctx).await)),
                OpRequest::Lifecycle { verb, container } => {
                    let planned = plan_lifecycle(&ctx, verb, &container).await;
                    ctx.send(Msg::OpPlanned(planned.map(PlannedOp::Lifecycle)));
                }
                OpRequest::Adopt {
                    container,
                    login,
                    domain,
                } => {
                    let req = crate::ops::adopt::AdoptRequest { login, domain };
                    let planned = adopt::plan(&ctx, &container, &req).await;
                    ctx.send(Msg::OpPlanned(
                        planned.map(|p| PlannedOp::Adopt(Box::new(p))),
                    ));
                }
                OpRequest::Swarm(req) => {
                    let planned = swarm::plan(&ctx, &req).await;
                    ctx.send(Msg::OpPlanned(
                        planned.map(|p| PlannedOp::Swarm(Box::new(p))),
                    ));
                }
                OpRequest::Create => {}
            }
        })
    });
}

/// Run `task` unless the console quits first; used for plans only (they change nothing).
async fn cancellable(cancel: tokio_util::sync::CancellationToken, task: impl Future<Output = ()>) {
    tokio::select! {
        _ = cancel.cancelled() => tracing::info!("a plan was dropped: the console is quitting"),
        _ = task => {}
    }
}

pub fn plan_create(req: CreateRequest, ctx: OpsContext) {
    let tracker = ctx.tracker.clone();
    spawn_op(&tracker, move || async move {
        let planned = ctx.inventory().and_then(|inv| {
            create::plan_from_inventory(&ctx.config, &req, &inv).map_err(|e| e.to_string())
        });
        ctx.send(Msg::OpPlanned(
            planned.map(|p| PlannedOp::Create(Box::new(p))),
        ));
    });
}

async fn run_check(ctx: &OpsContext) -> Result<crate::ops::check::CheckReport, String> {
    let links = ctx
        .links
        .as_ref()
        .ok_or("the nodes' links could not be built")?;
    let sites = ctx.sites()?;
    let swarm_sites = match ctx.inventory() {
        Ok(inv) => inv.swarm_sites().map_err(|e| e.to_string())?,
        Err(_) if !ctx.inventory_path.exists() => Vec::new(),
        Err(e) => return Err(e),
    };
    let input = crate::ops::check::gather::gather(&ctx.config, &sites, swarm_sites, links).await;
    Ok(crate::ops::check::evaluate(&input))
}

async fn plan_proxy(ctx: &OpsContext) -> Result<proxy::ProxyPlan, String> {
    let (_, exec) = ctx.proxy()?;
    let sites = ctx.sites()?;
    let swarm_sites = match ctx.inventory() {
        Ok(inv) => inv.swarm_sites().map_err(|e| e.to_string())?,
        Err(_) if !ctx.inventory_path.exists() => Vec::new(),
        Err(e) => return Err(e),
    };
    let links = ctx
        .links
        .as_ref()
        .ok_or("the nodes' links could not be built")?;
    let routes = proxy::swarm_routes(&ctx.config, &swarm_sites, links)
        .await
        .map_err(|e| e.to_string())?;
    proxy::make_plan(&ctx.config, &sites, &routes, exec.as_ref())
        .await
        .map_err(|e| e.to_string())
}

async fn plan_delete(ctx: &OpsContext, domain: &str) -> Result<delete::DeletePlan, String> {
    let inv = ctx.inventory()?;
    delete::plan(
        &ctx.config,
        &inv,
        domain,
        |node| async move { ctx.docker(&node).await },
        DOCKER_CALL,
    )
    .await
    .map_err(|e| e.to_string())
}

/// Apply a confirmed plan. Read-only mode never gets here (refused in `update` and in
/// the effect runner); the transports would refuse again.
pub fn apply(op: PlannedOp, ctx: OpsContext) {
    let tracker = ctx.tracker.clone();
    spawn_op(&tracker, move || async move {
        let label = op.label();
        let outcome = match op {
            PlannedOp::Create(plan) => apply_create(&ctx, &plan).await,
            PlannedOp::Delete(plan) => apply_delete(&ctx, &plan).await,
            PlannedOp::Proxy(plan) => apply_proxy(&ctx, &plan).await,
            PlannedOp::Lifecycle(plan) => apply_lifecycle(&ctx, &plan).await,
            PlannedOp::Adopt(plan) => adopt::apply(&ctx, &plan),
            PlannedOp::Swarm(plan) => swarm::apply(&ctx, &plan).await,
        };
        match outcome {
            Ok((text, then)) => ctx.finished(true, text, then),
            Err(e) => ctx.finished(false, format!("{label} failed: {e}"), None),
        }
    });
}

type Done = Result<(String, Option<OpRequest>), String>;

/// The container as its engine sees it now (state, site), by its id on its node: the same
/// resolver as `fleetdeck start|stop|restart NODE/ID`.
async fn plan_lifecycle(
    ctx: &OpsContext,
    verb: Verb,
    container: &ContainerRef,
) -> Result<lifecycle::Plan, String> {
    let links = ctx
        .links
        .as_ref()
        .ok_or("the nodes' links could not be built")?;
    let sites = ctx.sites()?;
    let target = format!("{}/{}", container.node, container.id);
    let (resolved, _) = crate::act::lookup::find(links, &sites, &target, DOCKER_CONNECT)
        .await
        .map_err(|e| e.to_string())?;
    Ok(lifecycle::Plan::new(verb, resolved))
}

async fn apply_lifecycle(ctx: &OpsContext, plan: &lifecycle::Plan) -> Done {
    let docker = ctx.docker(&plan.target.node).await?;
    let applied = lifecycle::apply(plan, &docker, DOCKER_CALL).await;
    let row = crate::inventory::AuditRecord {
        action: plan.verb.as_str().into(),
        target: Some(plan.target.qualified()),
        params: plan.params(),
        outcome: if applied.is_ok() {
            crate::inventory::Outcome::Ok
        } else {
            crate::inventory::Outcome::Failed
        },
        detail: applied.as_ref().err().map(|e| e.to_string()),
    };
    match ctx.inventory() {
        Ok(inv) => {
            if let Err(e) = inv.record_audit(&Actor::from_env(), &row) {
                tracing::error!(error = %e, "cannot write a lifecycle audit row");
            }
        }
        Err(e) => tracing::error!(error = %e, "no inventory for a lifecycle audit row"),
    }
    applied.map_err(|e| e.to_string())?;
    Ok((
        format!("{} {}: done", plan.verb.as_str(), plan.target.qualified()),
        None,
    ))
}

async fn apply_create(ctx: &OpsContext, plan: &create::CreatePlan) -> Done {
    let mut plan = plan.clone();
    if ctx.config.proxy.is_some() {
        let routed = match ctx.proxy() {
            Ok((proxy, exec)) => create::routed::routed(proxy, exec.as_ref()).await,
            Err(why) => Err(why),
        };
        match routed {
            Ok(addresses) => plan.routed = addresses,
            Err(why) => ctx.send(Msg::OpProgress(format!(
                "  · the deployed proxy file could not be read ({why}): addresses it may still route to are not held back"
            ))),
        }
    }
    let plan = &plan;
    let mut inv = ctx.inventory()?;
    let docker = ctx.docker(&plan.node).await?;
    let limits = ApplyLimits {
        docker_call: DOCKER_CALL,
    };
    let done = create::apply(
        plan,
        &mut inv,
        &docker,
        &Actor::from_env(),
        &ctx.progress(),
        limits,
    )
    .await
    .map_err(|e| e.to_string())?;
    let text = match &plan.service {
        Some(service) => format!(
            "created {}: service {} ({} replicas) on swarm {}, port {}",
            done.site.domain,
            service.name,
            service.replicas,
            service.swarm,
            done.published_port.unwrap_or(service.published_port)
        ),
        None => format!(
            "created {} at {} on {} (container {})",
            done.site.domain,
            done.site.ip,
            plan.node,
            create::short(&done.container_id)
        ),
    };
    Ok((text, ctx.proxy_offer()))
}

async fn apply_delete(ctx: &OpsContext, plan: &delete::DeletePlan) -> Done {
    let inv = ctx.inventory()?;
    let docker = ctx.docker(&plan.node).await?;
    delete::apply(
        plan,
        &inv,
        &docker,
        &Actor::from_env(),
        &ctx.progress(),
        DOCKER_CALL,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok((format!("deleted {}", plan.domain), ctx.proxy_offer()))
}

async fn apply_proxy(ctx: &OpsContext, plan: &proxy::ProxyPlan) -> Done {
    let (proxy_cfg, exec) = ctx.proxy()?;
    let mut inv = ctx.inventory()?;
    proxy::apply(
        plan,
        proxy_cfg,
        exec.as_ref(),
        &mut inv,
        &Actor::from_env(),
        &proxy::ApplyOptions::default(),
        &ctx.progress(),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok((format!("proxy rules applied: {}", plan.summary()), None))
}

/// At start-up: settle pending rows that an interrupted create left behind.
pub fn reconcile_at_start(ctx: OpsContext) {
    if ctx.read_only || !ctx.inventory_path.exists() {
        return;
    }
    let tracker = ctx.tracker.clone();
    spawn_op(&tracker, move || async move {
        let mut inv = match Inventory::open(&ctx.inventory_path) {
            Ok(inv) => inv,
            Err(e) => {
                ctx.send(Msg::Notice {
                    level: Level::Error,
                    text: format!("inventory: {e}"),
                });
                return;
            }
        };
        let ctx2 = ctx.clone();
        let report = reconcile::reconcile(
            &ctx.config,
            &mut inv,
            |node| {
                let ctx = ctx2.clone();
                async move { ctx.docker(&node).await }
            },
            &Actor::from_env(),
            &crate::ops::Silent,
            DOCKER_CALL,
        )
        .await;
        match report {
            Ok(report) => {
                for line in report.lines() {
                    ctx.send(Msg::Notice {
                        level: Level::Warn,
                        text: line,
                    });
                }
                if !report.rows.is_empty() {
                    ctx.send(Msg::OpFinished {
                        ok: true,
                        text: "pending sites reconciled".into(),
                        then: None,
                    });
                }
            }
            Err(e) => ctx.send(Msg::Notice {
                level: Level::Error,
                text: format!("reconcile: {e}"),
            }),
        }
    });
}
