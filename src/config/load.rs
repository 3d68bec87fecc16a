//! Reading the config file, and turning every problem into an error that names the
//! file, the line and the key.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::Config;
use super::check::{Problem, Seg};

/// Where the configuration in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    /// No file existed at the default path: the embedded default (node `local`).
    Builtin {
        looked_at: Option<PathBuf>,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Builtin { .. } => f.write_str("built-in default"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub source: Source,
    /// Problems that leave the config usable: a Terraform state that could not be read,
    /// a server resource without an address. Shown once, on stderr and in the log.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {} does not exist (run `fleetdeck init` to write one)", path.display())]
    Missing { path: PathBuf },
    #[error("{}:{line}:{column}: {}{message}", path.display(), key_prefix(key))]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        key: Option<String>,
        message: String,
    },
}

fn key_prefix(key: &Option<String>) -> String {
    key.as_ref()
        .map(|k| format!("key `{k}`: "))
        .unwrap_or_default()
}

/// Load the config the command line asked for. An explicit path (flag or
/// `FLEETDECK_CONFIG`) must exist; the default path may be absent, and then the built-in
/// default is used.
pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            // The user's own config first, then the bastion's shared one.
            let user = super::paths::default_config_path();
            let system = PathBuf::from(super::paths::SYSTEM_CONFIG);
            match (user, system) {
                (Some(path), _) if path.exists() => path,
                (_, system) if system.exists() => system,
                (looked_at, _) => {
                    return Ok(LoadedConfig {
                        config: Config::builtin_default(),
                        source: Source::Builtin { looked_at },
                        notes: Vec::new(),
                    });
                }
            }
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::Missing { path });
        }
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    let mut config = load_str(&text, &path)?;
    resolve_local_paths(&mut config, &path);
    // Nodes declared in Terraform state join the configured ones (README "Nodes from
    // Terraform"); a state that cannot be read leaves a note, not an error.
    let notes = crate::terraform::expand::expand(&mut config);
    Ok(LoadedConfig {
        config,
        source: Source::File(path),
        notes,
    })
}

/// Parse and check a config held in memory; `path` is only used in messages.
pub fn load_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let (line, column) = line_col(text, span.start);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            key: key_path_at(text, &span),
            message: e.message().trim().to_string(),
        }
    })?;
    if let Some(problem) = super::check::first_problem(&config) {
        return Err(locate_problem(text, path, problem));
    }
    Ok(config)
}

/// Local paths in the file are relative to the file's directory, and `~/` is the home
/// directory, as an operator reading the file would expect. Remote paths (sockets, proxy
/// file) are left as written.
fn resolve_local_paths(config: &mut Config, file: &Path) {
    let base = file.parent().unwrap_or(Path::new("."));
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    let fix = |p: &mut PathBuf| {
        if let (Ok(rest), Some(home)) = (p.strip_prefix("~"), &home) {
            *p = home.join(rest);
        } else if p.is_relative() {
            *p = base.join(&*p);
        }
    };
    let c = config;
    c.inventory.path.iter_mut().for_each(fix);
    c.ssh.config.iter_mut().for_each(fix);
    c.ssh.known_hosts.iter_mut().for_each(fix);
    c.ssh.identities.iter_mut().for_each(fix);
    c.audit.sessions_dir.iter_mut().for_each(fix);
    for tls in c.nodes.iter_mut().filter_map(|n| n.tls.as_mut()) {
        fix(&mut tls.ca);
        fix(&mut tls.cert);
        fix(&mut tls.key);
    }
    if let Some(proxy) = c.proxy.as_mut() {
        proxy.template.iter_mut().for_each(fix);
    }
    for tf in c.terraform.iter_mut() {
        tf.dir.iter_mut().for_each(fix);
        tf.state.iter_mut().for_each(fix);
    }
}

fn locate_problem(text: &str, path: &Path, problem: Problem) -> ConfigError {
    let span = span_of(text, &problem.at);
    let (line, column) = span.map(|s| line_col(text, s.start)).unwrap_or((1, 1));
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        column,
        key: Some(format_path(&problem.at)),
        message: problem.message,
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

pub(super) fn format_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The span of the value at `path`, or of the closest ancestor that exists.
fn span_of(text: &str, path: &[Seg]) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut best = None;
    let mut table: Option<&DeTable> = Some(root.get_ref());
    let mut value: Option<&DeValue> = None;
    for seg in path {
        let next = match (seg, table, value) {
            (Seg::Key(k), Some(t), _) => t
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                .map(|(key, v)| (key.span(), v)),
            (Seg::Index(i), _, Some(v)) => {
                v.as_array().and_then(|a| a.get(*i)).map(|v| (v.span(), v))
            }
            _ => None,
        };
        let Some((span, v)) = next else { break };
        best = Some(span);
        value = Some(v.get_ref());
        table = v.get_ref().as_table();
    }
    best
}

/// The dotted key whose value (or key) holds the byte range of a parse error.
fn key_path_at(text: &str, span: &Range<usize>) -> Option<String> {
    // The document may not parse at all (a syntax error): then there is no key to name.
    let root = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    walk_table(root.get_ref(), span, &mut path);
    (!path.is_empty()).then(|| format_path(&path))
}

/// Depth-first search for the key holding `span`. Containers cannot be pruned by their own
/// span: an array-of-tables item's span covers only its `[[header]]`.
fn walk_table(table: &DeTable, span: &Range<usize>, path: &mut Vec<Seg>) -> bool {
    for (key, value) in table.iter() {
        path.push(Seg::Key(key.get_ref().to_string()));
        let in_key = key.span().start <= span.start && span.start < key.span().end;
        let in_value = matches!(value.get_ref(), DeValue::Table(_) | DeValue::Array(_))
            && walk_value(value.get_ref(), span, path)
            || value.span().start <= span.start && span.end <= value.span().end;
        if in_key || in_value {
            return true;
        }
        path.pop();
    }
    false
}

fn walk_value(value: &DeValue, span: &Range<usize>, path: &mut Vec<Seg>) -> bool {
    match value {
        DeValue::Table(t) => walk_table(t, span, path),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                let inner = matches!(item.get_ref(), DeValue::Table(_) | DeValue::Array(_))
                    && walk_value(item.get_ref(), span, path);
                if inner || item.span().start <= span.start && span.end <= item.span().end {
                    return true;
                }
                path.pop();
            }
            false
        }
        _ => false,
    }
}
