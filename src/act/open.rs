//! Opening a person's session: a shell or command on a node over its SSH connection, or
//! an exec in a container. Read-only links refuse both before anything is dialed.

use super::session::{self, RemoteSession};
use crate::transport::DockerClient;
use crate::transport::docker::ExecSpec;
use crate::transport::links::{ChannelError, NodeLink};
use crate::transport::quote;
use crate::transport::ssh::pty::{ChannelSpec, PtySpec};

/// Shells tried in a container, in order; the first one present is started.
pub const SHELLS: [&str; 3] = ["bash", "sh", "ash"];
/// Where each is looked for (the container's PATH is not known without running it).
const SHELL_DIRS: [&str; 3] = ["/bin", "/usr/bin", "/usr/local/bin"];

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "refused: a shell or command on a node or in a container is write access, and fleetdeck is in read-only mode"
    )]
    ReadOnly,
    #[error("node {node} is reached locally, not over SSH")]
    Local { node: String },
    #[error("node {node}: {source}")]
    Ssh {
        node: String,
        #[source]
        source: crate::transport::ssh::SshError,
    },
    #[error("container {container}: {source}")]
    Docker {
        container: String,
        #[source]
        source: crate::transport::DockerError,
    },
    #[error("container {container} has no shell ({} in {}); run a command instead: fleetdeck exec {container} -- COMMAND", SHELLS.join(", "), SHELL_DIRS.join(", "))]
    NoShell { container: String },
    #[error(
        "container {container} is {state}, not running: start it first (fleetdeck start {container})"
    )]
    NotRunning { container: String, state: String },
}

/// The local terminal a TTY session should mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminal {
    pub term: String,
    pub cols: u16,
    pub rows: u16,
}

impl Terminal {
    /// This process's terminal: `TERM` (xterm-256color when unset) and its size.
    pub fn current() -> Terminal {
        let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
        let term = std::env::var("TERM")
            .ok()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or_else(|| "xterm-256color".into());
        Terminal { term, cols, rows }
    }
}

/// The remote command line for `fleetdeck ssh NODE -- ARGS`: one argument is a shell line
/// for the remote shell (`'ls | wc -l'`), several are an argument list passed as is.
pub fn ssh_command_line(args: &[String]) -> Option<String> {
    match args {
        [] => None,
        [line] => Some(line.clone()),
        many => Some(quote::command_line(many)),
    }
}

pub async fn node_session(
    link: &NodeLink,
    command: Option<String>,
    tty: Option<&Terminal>,
) -> Result<RemoteSession, OpenError> {
    let spec = ChannelSpec {
        command,
        pty: tty.map(|t| PtySpec {
            term: t.term.clone(),
            cols: t.cols,
            rows: t.rows,
        }),
    };
    let open = link.open_channel(&spec).await.map_err(|e| match e {
        ChannelError::ReadOnly => OpenError::ReadOnly,
        ChannelError::Local => OpenError::Local {
            node: link.name.clone(),
        },
        ChannelError::Ssh(source) => OpenError::Ssh {
            node: link.name.clone(),
            source,
        },
    })?;
    Ok(session::from_ssh(open))
}

/// An exec in the container `id` (named `name` in messages). Without a command, the first
/// shell of [`SHELLS`] the container has.
pub async fn container_session(
    client: &DockerClient,
    id: &str,
    name: &str,
    command: Option<Vec<String>>,
    tty: Option<&Terminal>,
) -> Result<RemoteSession, OpenError> {
    if client.is_read_only() {
        return Err(OpenError::ReadOnly);
    }
    let docker = |source| OpenError::Docker {
        container: name.to_string(),
        source,
    };
    let state = client.container_state(id).await.map_err(docker)?;
    if state != "running" {
        return Err(OpenError::NotRunning {
            container: name.to_string(),
            state,
        });
    }
    let cmd = match command {
        Some(cmd) => cmd,
        None => vec![
            find_shell(client, id)
                .await
                .map_err(docker)?
                .ok_or_else(|| OpenError::NoShell {
                    container: name.to_string(),
                })?,
        ],
    };
    let spec = ExecSpec {
        cmd,
        tty: tty.is_some(),
        size: tty.map(|t| (t.cols, t.rows)),
        env: tty
            .map(|t| vec![format!("TERM={}", t.term)])
            .unwrap_or_default(),
    };
    let exec_id = client.exec_create(id, &spec).await.map_err(docker)?;
    let io = client
        .exec_attach(&exec_id, spec.tty)
        .await
        .map_err(docker)?;
    if let Some((cols, rows)) = spec.size
        && let Err(e) = client.exec_resize(&exec_id, cols, rows).await
    {
        tracing::warn!(error = %e, "cannot set the exec's terminal size");
    }
    Ok(session::from_docker(io, spec.tty, client.clone(), exec_id))
}

/// The first shell present in the container, found by asking the engine about its files
/// (a HEAD per path, nothing started in the container).
async fn find_shell(
    client: &DockerClient,
    id: &str,
) -> Result<Option<String>, crate::transport::DockerError> {
    for shell in SHELLS {
        for dir in SHELL_DIRS {
            let path = format!("{dir}/{shell}");
            if client.container_path_exists(id, &path).await? {
                return Ok(Some(path));
            }
        }
    }
    Ok(None)
}
