//! `fleetdeck master [--idle SECS] | --status | --stop`: hold every node's connection
//! open so `tree` reuses them (see `crate::master`).

use std::path::PathBuf;
use std::time::Duration;

use super::{Code, Context, Failure};
use crate::master::client::{AskError, ask};
use crate::master::protocol::{Request, Response};
use crate::master::{place, server::Master};

/// This config's master socket, or why there can be none.
pub(super) fn socket_for(ctx: &Context) -> Result<PathBuf, Failure> {
    let dir = place::socket_dir().ok_or_else(|| {
        Failure::new(
            Code::Failed,
            "no runtime or state directory for the master socket (is HOME set?)",
        )
    })?;
    Ok(place::socket_path(
        &dir,
        &place::fingerprint(&ctx.loaded.config, ctx.read_only),
    ))
}

fn small_runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Code::Failed, format!("cannot start the async runtime: {e}")))
}

/// `--status` and `--stop`: exit 1 when no master serves this config.
pub fn control(ctx: &Context, request: Request) -> Result<(), Failure> {
    let path = socket_for(ctx)?;
    let answer = small_runtime()?.block_on(ask(&path, &request, Duration::from_secs(10)));
    match answer {
        Ok(Response::Status {
            pid,
            nodes,
            requests,
        }) => {
            outln!(
                "master pid {pid}: {}, {}, socket {}",
                crate::plural::plural(nodes, "node", "nodes"),
                crate::plural::plural(requests as usize, "request", "requests"),
                path.display()
            );
            Ok(())
        }
        Ok(Response::Stopping) => {
            outln!("master stopping");
            Ok(())
        }
        Ok(other) => Err(Failure::new(
            Code::Failed,
            format!("unexpected answer from the master: {other:?}"),
        )),
        Err(AskError::Absent(_)) => Err(Failure::new(
            Code::Failed,
            "no master runs for this config (start one with `fleetdeck master`)",
        )),
        Err(e) => Err(Failure::new(Code::Failed, e.to_string())),
    }
}

/// Bind the socket, replacing a stale one but never a live master's.
fn bind(path: &std::path::Path) -> Result<tokio::net::UnixListener, Failure> {
    use std::os::unix::fs::PermissionsExt;
    let failed = |what: &str, e: std::io::Error| {
        Failure::new(Code::Failed, format!("{what} {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent() {
        place::private_dir(dir).map_err(|e| failed("cannot prepare the directory of", e))?;
    }
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(Failure::new(
                Code::Failed,
                format!(
                    "a master already serves this config on {} (`fleetdeck master --status`)",
                    path.display()
                ),
            ));
        }
        std::fs::remove_file(path).map_err(|e| failed("cannot remove the stale socket", e))?;
    }
    let listener =
        tokio::net::UnixListener::bind(path).map_err(|e| failed("cannot listen on", e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| failed("cannot restrict", e))?;
    Ok(listener)
}

/// Removes the socket when the master ends, however it ends.
struct SocketFile(PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub fn serve(ctx: &Context, idle: Option<u64>) -> Result<(), Failure> {
    let super::inventory_cmd::Reading { links, runtime, .. } = super::inventory_cmd::reading(ctx)?;
    let path = socket_for(ctx)?;
    let reader_ctx = Context {
        loaded: ctx.loaded.clone(),
        read_only: ctx.read_only,
        policy: ctx.policy.clone(),
    };
    let sites: crate::master::server::SitesReader =
        Box::new(
            move || match super::inventory_cmd::open_for_reading(&reader_ctx) {
                Ok(Some(inv)) => inv.sites().map_err(|e| e.to_string()),
                Ok(None) => Ok(Vec::new()),
                Err(e) => Err(e.message),
            },
        );
    let master = Master::following(ctx.loaded.config.clone(), links, sites, ctx.read_only)
        .map_err(|e| Failure::new(Code::Failed, format!("cannot start the master: {e}")))?;
    let idle = idle.filter(|s| *s > 0).map(Duration::from_secs);
    runtime.block_on(async move {
        let listener = bind(&path)?;
        let _socket = SocketFile(path.clone());
        for (node, how) in master.warm_up().await {
            errln!("fleetdeck master: {node} {how}");
        }
        errln!(
            "fleetdeck master: serving on {} (stop with `fleetdeck master --stop`)",
            path.display()
        );
        let serving = master.serve(listener, idle);
        tokio::select! {
            _ = serving => {}
            _ = stop_signal() => tracing::info!("master: signal received"),
        }
        Ok::<(), Failure>(())
    })?;
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(())
}

async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        _ = hup.recv() => {}
    }
}
