//! `proxy plan | apply`: the nginx reverse-proxy file rendered from the inventory
//! (`render`), compared with the one deployed on the proxy node (`fetch`, `plan`), and
//! swapped in under a lock with test, reload and restore (`apply`, `script`).

mod apply;
mod fetch;
mod plan;
mod render;
mod script;
pub mod swarm;

use std::path::Path;

pub use apply::{AUDIT_ACTION, Applied, ApplyOptions, LOCK_NAME, apply, unapplied_record};
pub use fetch::{FetchError, fetch_current, read_command};
pub use plan::{ProxyPlan, plan};
pub use render::{BUILTIN_TEMPLATE, RenderError, TemplateSource, render, render_with};
pub use swarm::{SwarmRoutes, Upstream};

use super::FailKind;
use crate::config::{Config, ProxyConfig};
use crate::inventory::{InventoryError, LockError, Site};
use crate::transport::exec::{Exec, ExecError};

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error(
        "no [proxy] table in the config: add one naming the proxy node (see config.example.toml)"
    )]
    NotConfigured,
    #[error("cannot read the proxy template {}: {source}", path.display())]
    TemplateFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0}; try again when it is done")]
    Lock(#[source] LockError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error(
        "{path} on {node} changed since the plan was made (another apply or a hand edit): nothing was changed; run proxy plan again"
    )]
    Stale { node: String, path: String },
    #[error(
        "another apply holds {lock} on {node} (waited {secs}s): nothing was changed; try again when it is done"
    )]
    Busy {
        node: String,
        lock: String,
        secs: u64,
    },
    #[error(
        "the link to {node} was lost while the apply ran there, and the node finished it alone; run proxy plan to see what is deployed"
    )]
    Replayed { node: String },
    #[error("cannot place the swarm sites: {0}; nothing was planned")]
    Swarm(String),
    #[error("[proxy] path {0:?} names no file")]
    BadPath(String),
    #[error("refused: proxy apply changes {node} and fleetdeck is in read-only mode")]
    ReadOnly { node: String },
    #[error("proxy apply on {node}: {source}; run proxy plan to see what is deployed")]
    Exec {
        node: String,
        #[source]
        source: ExecError,
    },
    #[error("`{command}` rejected the new config; {restore}:\n{errors}")]
    TestFailed {
        command: String,
        /// What happened to the previous file.
        restore: String,
        /// The test command's own lines (nginx's errors).
        errors: String,
    },
    #[error("`{command}` failed; {restore}:\n{errors}")]
    ReloadFailed {
        command: String,
        restore: String,
        errors: String,
    },
    #[error("could not {stage} {path} on {node}, nothing was changed: {reason}")]
    Install {
        stage: &'static str,
        node: String,
        path: String,
        reason: String,
    },
    #[error(
        "proxy apply on {node} ended without a result (exit {status:?}: {reason}); run proxy plan to see what is deployed"
    )]
    Unknown {
        node: String,
        status: Option<i32>,
        reason: String,
    },
}

impl ProxyError {
    pub fn kind(&self) -> FailKind {
        match self {
            ProxyError::ReadOnly { .. } => FailKind::ReadOnly,
            ProxyError::NotConfigured
            | ProxyError::TemplateFile { .. }
            | ProxyError::Render(_)
            | ProxyError::Stale { .. }
            | ProxyError::Busy { .. }
            | ProxyError::BadPath(_)
            | ProxyError::Lock(LockError::Held { .. }) => FailKind::Invalid,
            ProxyError::Lock(LockError::Inventory(_))
            | ProxyError::Fetch(_)
            | ProxyError::Inventory(_)
            | ProxyError::Exec { .. }
            | ProxyError::Swarm(_)
            | ProxyError::Replayed { .. }
            | ProxyError::TestFailed { .. }
            | ProxyError::ReloadFailed { .. }
            | ProxyError::Install { .. }
            | ProxyError::Unknown { .. } => FailKind::Failed,
        }
    }

    /// Whether the apply was refused before it changed anything (audit outcome `refused`).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ProxyError::Lock(LockError::Held { .. })
                | ProxyError::Stale { .. }
                | ProxyError::Busy { .. }
                | ProxyError::ReadOnly { .. }
        )
    }
}

/// The template `[proxy] template` names, read now (at plan time), or the built-in one.
pub fn load_template(proxy: &ProxyConfig) -> Result<TemplateSource, ProxyError> {
    match &proxy.template {
        None => Ok(TemplateSource::builtin()),
        Some(path) => read_template(path),
    }
}

fn read_template(path: &Path) -> Result<TemplateSource, ProxyError> {
    let text = std::fs::read_to_string(path).map_err(|source| ProxyError::TemplateFile {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(TemplateSource {
        name: path.display().to_string(),
        text,
    })
}

/// Render the inventory and compare it with the file on the proxy node. `exec` is the
/// proxy node's (read-only mode is fine: the read is in the catalog).
pub async fn make_plan(
    config: &Config,
    sites: &[Site],
    routes: &SwarmRoutes,
    exec: &dyn Exec,
) -> Result<ProxyPlan, ProxyError> {
    let proxy = config.proxy.as_ref().ok_or(ProxyError::NotConfigured)?;
    let template = load_template(proxy)?;
    let desired = render_with(
        &template,
        sites,
        routes,
        config.containers.port,
        &proxy.listen,
    )?;
    let path = proxy.path.display().to_string();
    let current = fetch_current(exec, &path).await?;
    Ok(plan(&proxy.node, &path, current, desired))
}

/// The upstreams of the inventory's swarm sites, from each declared swarm's first
/// manager that answers (GETs only: fine in read-only mode). No swarm site, no call.
pub async fn swarm_routes(
    config: &Config,
    sites: &[crate::inventory::SwarmSite],
    links: &std::collections::BTreeMap<String, crate::transport::links::NodeLink>,
) -> Result<SwarmRoutes, ProxyError> {
    if sites.is_empty() {
        return Ok(SwarmRoutes::new());
    }
    let states = crate::ops::check::read_swarm_states(config, links)
        .await
        .into_iter()
        .map(|(name, read)| (name, read.map(|(_, state)| state)))
        .collect();
    swarm::routes(sites, &states).map_err(ProxyError::Swarm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_template_file_is_named() {
        let proxy = ProxyConfig {
            node: "px".into(),
            path: "/etc/nginx/x.conf".into(),
            template: Some("/nonexistent/fdtp.j2".into()),
            listen: "80".into(),
            test_cmd: vec!["true".into()],
            reload_cmd: vec!["true".into()],
        };
        let err = load_template(&proxy).expect_err("missing");
        assert!(
            err.to_string()
                .starts_with("cannot read the proxy template /nonexistent/fdtp.j2:"),
            "{err}"
        );
        assert_eq!(err.kind(), FailKind::Invalid);
        let builtin = ProxyConfig {
            template: None,
            ..proxy
        };
        assert_eq!(
            load_template(&builtin).expect("builtin").text,
            BUILTIN_TEMPLATE
        );
    }
}
