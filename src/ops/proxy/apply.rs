//! `proxy apply`: take the inventory lock (one apply at a time across admins, holder
//! named), run the swap script on the proxy node (see `script` for why it is one script),
//! report its steps, release the lock whatever happened, and write one audit row.

use std::time::{Duration, Instant};

use super::ProxyError;
use super::plan::ProxyPlan;
use super::script::{
    BUSY_STATUS, Step, SwapRequest, WorkFiles, parse_steps, run_token, swap_command,
};
use crate::actor::Actor;
use crate::config::ProxyConfig;
use crate::inventory::locks::process_alive;
use crate::inventory::{Acquired, AuditRecord, Inventory, LockError, LockHolder, Outcome};
use crate::ops::Progress;
use crate::transport::exec::{Exec, ExecError, Output, RemoteCommand};

/// The inventory lock every proxy apply takes.
pub const LOCK_NAME: &str = "proxy";
/// The audit action of every apply.
pub const AUDIT_ACTION: &str = "proxy.apply";
/// How often a waiting apply asks for the lock again.
const LOCK_POLL: Duration = Duration::from_millis(250);
/// nginx's lines shown when a test or reload fails (a broken include can print many).
const MAX_ERROR_LINES: usize = 20;

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// How long to wait for another admin's apply before refusing.
    pub lock_wait: Duration,
    /// How long the node's `flock` waits for an apply run from elsewhere.
    pub node_lock_wait: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            lock_wait: Duration::from_secs(5),
            node_lock_wait: Duration::from_secs(10),
        }
    }
}

/// A successful apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// A stale lock row this apply replaced (its process was gone).
    pub took_over: Option<LockHolder>,
}

/// Apply `plan` (made by `make_plan`) to the proxy node through `exec`.
pub async fn apply(
    plan: &ProxyPlan,
    proxy: &ProxyConfig,
    exec: &dyn Exec,
    inventory: &mut Inventory,
    actor: &Actor,
    options: &ApplyOptions,
    progress: &dyn Progress,
) -> Result<Applied, ProxyError> {
    let result = match take_lock(inventory, actor, options.lock_wait, progress).await {
        Err(e) => Err(e),
        Ok((me, took_over)) => {
            let swapped = swap(plan, proxy, exec, options, progress).await;
            // Released whatever the swap did: a failed apply must not block the next one.
            match inventory.release_lock(LOCK_NAME, &me) {
                Ok(true) => progress.step("released the proxy lock"),
                Ok(false) => tracing::warn!("the proxy lock was no longer ours to release"),
                Err(e) => tracing::error!(error = %e, "could not release the proxy lock"),
            }
            swapped.map(|()| Applied { took_over })
        }
    };
    match &result {
        Ok(_) => tracing::info!(node = %plan.node, path = %plan.path, "proxy apply done"),
        Err(e) => {
            tracing::warn!(node = %plan.node, path = %plan.path, error = %e, "proxy apply stopped")
        }
    }
    audit(inventory, actor, plan, &result);
    result
}

async fn take_lock(
    inventory: &mut Inventory,
    actor: &Actor,
    wait: Duration,
    progress: &dyn Progress,
) -> Result<(LockHolder, Option<LockHolder>), ProxyError> {
    let deadline = Instant::now() + wait;
    let mut told = false;
    loop {
        let me = LockHolder::current(actor);
        match inventory.acquire_lock(LOCK_NAME, &me, &process_alive) {
            Ok(Acquired::Free) => {
                progress.step("took the proxy lock");
                return Ok((me, None));
            }
            Ok(Acquired::TookOver(old)) => {
                progress.step(&format!(
                    "took over the proxy lock left by {}: that process is gone",
                    old.describe()
                ));
                return Ok((me, Some(old)));
            }
            Err(LockError::Held { name, by }) => {
                if Instant::now() >= deadline {
                    return Err(ProxyError::Lock(LockError::Held { name, by }));
                }
                if !told {
                    progress.step(&format!(
                        "waiting up to {}s for the proxy lock held by {}",
                        wait.as_secs(),
                        by.describe()
                    ));
                    told = true;
                }
                tokio::time::sleep(LOCK_POLL).await;
            }
            Err(e) => return Err(ProxyError::Lock(e)),
        }
    }
}

async fn swap(
    plan: &ProxyPlan,
    proxy: &ProxyConfig,
    exec: &dyn Exec,
    options: &ApplyOptions,
    progress: &dyn Progress,
) -> Result<(), ProxyError> {
    let files = WorkFiles::for_target(&plan.path).ok_or(ProxyError::BadPath(plan.path.clone()))?;
    progress.step(&format!(
        "sending {} bytes to {} for {} (node lock {})",
        plan.desired.len(),
        plan.node,
        plan.path,
        files.lock
    ));
    let cmd = swap_command(&SwapRequest {
        target: &plan.path,
        files: &files,
        current: plan.current.as_deref(),
        desired: &plan.desired,
        run: &run_token(&crate::inventory::locks::this_host()),
        test_cmd: &proxy.test_cmd,
        reload_cmd: &proxy.reload_cmd,
        lock_wait: options.node_lock_wait,
    });
    let out = exec.run(&cmd).await.map_err(|source| match source {
        // The guard refused before anything was sent: say so without the whole script.
        ExecError::ReadOnly { .. } => ProxyError::ReadOnly {
            node: plan.node.clone(),
        },
        source => ProxyError::Exec {
            node: plan.node.clone(),
            source,
        },
    })?;
    let steps = parse_steps(&out.stdout_text());
    let ctx = Ctx {
        plan,
        proxy,
        files: &files,
    };
    for step in &steps {
        progress.step(&ctx.describe(*step));
    }
    ctx.outcome(&steps, &out, options.node_lock_wait)
}

struct Ctx<'a> {
    plan: &'a ProxyPlan,
    proxy: &'a ProxyConfig,
    files: &'a WorkFiles,
}

impl Ctx<'_> {
    fn test_line(&self) -> String {
        RemoteCommand::new(self.proxy.test_cmd.iter().cloned()).command_line()
    }

    fn reload_line(&self) -> String {
        RemoteCommand::new(self.proxy.reload_cmd.iter().cloned()).command_line()
    }

    fn describe(&self, step: Step) -> String {
        let path = &self.plan.path;
        match step {
            Step::Locked => format!("locked {} on {}", self.files.lock, self.plan.node),
            Step::Replayed => "this apply had already reached the node once: left alone".into(),
            Step::CheckFailed => format!("could not read {path} to check it"),
            Step::Stale => format!("{path} changed since the plan: stopping"),
            Step::UploadFailed => "could not write the new file".into(),
            Step::UploadCut => {
                "the file that arrived is not the one sent (upload cut): nothing installed".into()
            }
            Step::Uploaded => "uploaded the new file next to it".into(),
            Step::BackupFailed => format!("could not back up {path}"),
            Step::BackedUp => format!("backed up {path} to {}", self.files.backup),
            Step::InstallFailed => "could not move the new file into place".into(),
            Step::Installed => format!("moved the new file into place as {path}"),
            Step::TestFailed => format!("`{}` failed", self.test_line()),
            Step::Tested => format!("`{}` passed", self.test_line()),
            Step::Restored => format!("restored the previous {path}"),
            Step::RestoreFailed => format!("could not restore the previous {path}"),
            Step::ReloadFailed => format!("`{}` failed", self.reload_line()),
            Step::ReloadedPrevious => "reloaded the previous config".into(),
            Step::ReloadPreviousFailed => "reloading the previous config failed too".into(),
            Step::Reloaded => format!("reloaded with `{}`", self.reload_line()),
        }
    }

    fn outcome(&self, steps: &[Step], out: &Output, waited: Duration) -> Result<(), ProxyError> {
        let has = |s| steps.contains(&s);
        let node = self.plan.node.clone();
        let path = self.plan.path.clone();
        let install = |stage| ProxyError::Install {
            stage,
            node: node.clone(),
            path: path.clone(),
            reason: out.stderr_tail(),
        };
        if has(Step::Reloaded) {
            return Ok(());
        }
        if steps.is_empty() && out.status == Some(BUSY_STATUS) {
            return Err(ProxyError::Busy {
                node,
                lock: self.files.lock.clone(),
                secs: waited.as_secs().max(1),
            });
        }
        if has(Step::Replayed) {
            return Err(ProxyError::Replayed { node });
        }
        if has(Step::Stale) {
            return Err(ProxyError::Stale { node, path });
        }
        for (step, stage) in [
            (Step::CheckFailed, "read"),
            (Step::UploadFailed, "upload the new"),
            (
                Step::UploadCut,
                "upload (cut mid-way, nothing installed) the new",
            ),
            (Step::BackupFailed, "back up"),
            (Step::InstallFailed, "move the new file into place as"),
        ] {
            if has(step) {
                return Err(install(stage));
            }
        }
        let restore_failed = format!(
            "RESTORING FAILED: {path} may hold the new config; put {} back by hand",
            self.files.backup
        );
        if has(Step::TestFailed) {
            let restore = match (has(Step::Restored), has(Step::BackedUp)) {
                (true, true) => "the previous file was restored and is still served".to_string(),
                (true, false) => "the new file was removed; nginx serves what it had".to_string(),
                (false, _) => restore_failed,
            };
            return Err(ProxyError::TestFailed {
                command: self.test_line(),
                restore,
                errors: error_lines(out),
            });
        }
        if has(Step::ReloadFailed) {
            let restore = if !has(Step::Restored) {
                restore_failed
            } else if has(Step::ReloadedPrevious) {
                "the previous file was restored and reloaded".to_string()
            } else {
                // nginx now runs neither config for sure: say it as loudly as a failed
                // restore, and name the copy an operator can fall back on.
                format!(
                    "RESTORING FAILED: the previous {path} is back in place but reloading it failed too, so nginx may not run it; it is also kept as {}; fix nginx on {} and reload it by hand",
                    self.files.backup, self.plan.node
                )
            };
            return Err(ProxyError::ReloadFailed {
                command: self.reload_line(),
                restore,
                errors: error_lines(out),
            });
        }
        Err(ProxyError::Unknown {
            node,
            status: out.status,
            reason: out.stderr_tail(),
        })
    }
}

/// The commands' own lines, indented, at most `MAX_ERROR_LINES` (the last ones).
fn error_lines(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let shown = &lines[lines.len().saturating_sub(MAX_ERROR_LINES)..];
    if shown.is_empty() {
        return "  (no output)".into();
    }
    shown
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One row per apply, success or failure. A lost audit row must not turn a done apply
/// into a failure, so a write error is logged.
fn audit(
    inventory: &Inventory,
    actor: &Actor,
    plan: &ProxyPlan,
    result: &Result<Applied, ProxyError>,
) {
    let (added, removed) = plan.line_counts();
    let (outcome, detail) = match result {
        Ok(_) => (Outcome::Ok, plan.summary()),
        Err(e) if e.is_refusal() => (Outcome::Refused, e.to_string()),
        Err(e) => (Outcome::Failed, e.to_string()),
    };
    let record = AuditRecord {
        action: AUDIT_ACTION.into(),
        target: Some(format!("{}:{}", plan.node, plan.path)),
        params: serde_json::json!({
            "node": plan.node,
            "path": plan.path,
            "lines_added": added,
            "lines_removed": removed,
            "new_file": plan.current.is_none(),
        }),
        outcome,
        detail: Some(detail),
    };
    if let Err(e) = inventory.record_audit(actor, &record) {
        tracing::error!(error = %e, "could not write the proxy.apply audit row");
    }
}

/// The audit row of an apply that stopped before `apply` ran (refused in read-only mode,
/// or the plan could not be made).
pub fn unapplied_record(proxy: &ProxyConfig, outcome: Outcome, detail: &str) -> AuditRecord {
    let path = proxy.path.display().to_string();
    AuditRecord {
        action: AUDIT_ACTION.into(),
        target: Some(format!("{}:{path}", proxy.node)),
        params: serde_json::json!({ "node": proxy.node, "path": path }),
        outcome,
        detail: Some(detail.to_string()),
    }
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
