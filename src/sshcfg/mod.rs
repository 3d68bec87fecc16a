//! The one reader of OpenSSH client configs: the transport's routes, `config check`,
//! `init --from-ssh-config` and the tunnel forwards all resolve through it. It answers
//! what `ssh -G HOST` prints (README.md, "How fleetdeck reads your ssh_config"):
//! loading reads files (behind [`Files`]); resolving is pure.

pub mod algorithms;
mod eval;
pub mod jump;
pub mod lex;
pub mod load;
pub mod options;
pub mod pattern;
mod resolved;
pub mod tokens;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use jump::JumpSpec;
pub use load::{Files, Loaded, MemFiles, RealFiles, Sources};
pub use options::{ForwardLine, Sourced};
pub use resolved::Resolved;

use options::Options;

/// The system-wide client config, read after the user's.
pub const SYSTEM_CONFIG: &str = "/etc/ssh/ssh_config";

/// How deep `ProxyJump` hops may nest (each hop's own ProxyJump adds one).
const MAX_HOPS: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("cannot read ssh config {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("ssh config {}:{line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("ssh config {}:{line}: `Match exec` runs a command, which fleetdeck refuses to do; use Match host/user/originalhost/localuser instead", path.display())]
    Exec { path: PathBuf, line: usize },
    #[error("ProxyJump from {host}: more than {MAX_HOPS} hops (does the chain loop?)")]
    TooManyHops { host: String },
    #[error("ssh config: {0}")]
    Token(String),
}

/// What `Match exec` does: ssh runs the command; fleetdeck refuses (its own config) or
/// treats it as not matching (a node's config, read for its tunnels only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecPolicy {
    Refuse,
    NeverMatch,
}

/// The local side, as ssh sees it: the user of the real uid, the home directory, the
/// host name (`%l`, `%L`), the environment for `${VAR}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Local {
    pub user: String,
    pub uid: u32,
    pub home: PathBuf,
    pub hostname: String,
    pub vars: BTreeMap<String, String>,
}

impl Local {
    /// This process: uid and name from `/etc/passwd`, `$HOME` (else passwd's home), the
    /// kernel's host name.
    pub fn from_process() -> Local {
        let uid = rustix::process::getuid().as_raw();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let entry = crate::actor::passwd_entry(&passwd, uid);
        let user = entry
            .as_ref()
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| format!("uid{uid}"));
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| entry.map(|(_, home)| PathBuf::from(home)))
            .unwrap_or_else(|| PathBuf::from("/"));
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
        Local {
            user,
            uid,
            home,
            hostname,
            vars: std::env::vars().collect(),
        }
    }

    /// The files ssh reads without `-F`: `~/.ssh/config`, then `/etc/ssh/ssh_config`.
    pub fn default_sources(&self) -> Sources {
        Sources::UserThenSystem {
            user: self.home.join(".ssh/config"),
            system: PathBuf::from(SYSTEM_CONFIG),
        }
    }
}

/// What ssh is asked to reach: the name as typed and the `-l` / `-p` / `-J` overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Destination {
    pub host: String,
    pub user: Option<String>,
    pub port: Option<u16>,
    /// Hops before this one, as `-J` gives them (they replace the config's ProxyJump).
    pub jump: Option<String>,
}

impl Destination {
    pub fn host(host: &str) -> Destination {
        Destination {
            host: host.to_string(),
            ..Destination::default()
        }
    }
}

/// Loaded files plus the local side: resolves any number of destinations.
#[derive(Debug, Clone)]
pub struct Resolver {
    pub loaded: Loaded,
    pub local: Local,
    pub exec: ExecPolicy,
}

impl Resolver {
    pub fn load(
        files: &dyn Files,
        sources: &Sources,
        local: Local,
    ) -> Result<Resolver, ResolveError> {
        Ok(Resolver {
            loaded: Loaded::load(files, sources, &local.home)?,
            local,
            exec: ExecPolicy::Refuse,
        })
    }

    /// Resolve one destination, as `ssh -G` does.
    pub fn resolve(&self, dest: &Destination) -> Result<Resolved, ResolveError> {
        let mut opts = Options {
            user: dest.user.clone(),
            port: dest.port,
            ..Options::default()
        };
        if let Some(j) = &dest.jump {
            let parsed = jump::parse(j).map_err(ResolveError::Token)?;
            if parsed.is_some() {
                opts.proxy_command = Some("none".into());
            }
            opts.proxy_jump = Some(parsed);
        }
        let first = eval::Pass {
            host: &dest.host,
            original: &dest.host,
            final_pass: false,
            local: &self.local,
            exec: self.exec,
        };
        let mut want_final = eval::run(&self.loaded, &first, &mut opts)?;
        let host = match &opts.hostname {
            Some(h) => tokens::percent(h, &[('h', &dest.host)]).map_err(ResolveError::Token)?,
            None => dest.host.clone(),
        }
        .to_ascii_lowercase();
        // Names are not canonicalised through DNS here; the second pass still runs.
        if opts.canonicalize_hostname == Some(true) {
            want_final = true;
        }
        if want_final {
            opts.hostname = Some(host.clone());
            let second = eval::Pass {
                host: &host,
                final_pass: true,
                ..first
            };
            eval::run(&self.loaded, &second, &mut opts)?;
        }
        opts.hostname = Some(host);
        Resolved::finish(dest, opts, &self.local, &self.loaded.homes)
    }

    /// The jump hosts before `resolved`, first first, each resolved through the config
    /// with the hops before it as its `-J`, as ssh's own ProxyJump does.
    pub fn jumps(&self, resolved: &Resolved) -> Result<Vec<Resolved>, ResolveError> {
        let mut chain = Vec::new();
        let mut next = resolved.proxy_jump.clone();
        while let Some(jv) = next {
            if chain.len() >= MAX_HOPS {
                return Err(ResolveError::TooManyHops {
                    host: resolved.host_arg.clone(),
                });
            }
            let hop = self.resolve(&Destination {
                host: jv.last.host.clone(),
                user: jv.last.user.clone(),
                port: jv.last.port,
                jump: jv.extra.clone(),
            })?;
            next = hop.proxy_jump.clone();
            chain.push(hop);
        }
        chain.reverse();
        Ok(chain)
    }

    /// Every concrete `Host` name of the user's files (includes included, the system
    /// file aside), in file order.
    pub fn host_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        self.loaded.walk_where(&mut |f| !f.system, &mut |_, line| {
            if line.directive.keyword == "host" {
                for word in &line.directive.args {
                    if pattern::is_concrete(word) && !names.contains(word) {
                        names.push(word.clone());
                    }
                }
            }
        });
        names
    }
}

/// Resolve every host a text names, with its jump chain (the fuzz target: any text
/// must give answers or errors, never a panic). Returns how many resolved.
pub fn resolve_every_host(text: &str) -> usize {
    let Ok(loaded) = Loaded::from_text(std::path::Path::new("fuzz"), text) else {
        return 0;
    };
    let resolver = Resolver {
        loaded,
        local: Local {
            user: "fuzz".into(),
            uid: 1000,
            home: PathBuf::from("/home/fuzz"),
            hostname: "fuzz.example".into(),
            vars: BTreeMap::new(),
        },
        exec: ExecPolicy::Refuse,
    };
    let mut names = resolver.host_names();
    names.push("unnamed".into());
    names
        .iter()
        .filter_map(|n| resolver.resolve(&Destination::host(n)).ok())
        .filter(|r| {
            let _ = (
                r.identity_paths(),
                r.proxy_command_line(),
                r.proxy_jump_text(),
            );
            resolver.jumps(r).is_ok()
        })
        .count()
}
