//! The options fleetdeck reads, filled as ssh fills them: the first value obtained wins,
//! except the lists (IdentityFile, CertificateFile, forwards) which accumulate. Keywords
//! fleetdeck does not use are ignored.

use std::path::PathBuf;

use super::jump::{self, JumpSpec};
use super::lex::Directive;

/// A value with where it was written, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    pub value: String,
    pub file: PathBuf,
    pub line: usize,
}

/// A `LocalForward`, `RemoteForward` or `DynamicForward` line's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardLine {
    pub args: Vec<String>,
    pub file: PathBuf,
    pub line: usize,
}

/// `ProxyJump`: `None` is `ProxyJump none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumpValue {
    /// The hops before the last, as written (`a,b` of `a,b,c`).
    pub extra: Option<String>,
    pub last: JumpSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub hostname: Option<String>,
    pub user: Option<String>,
    pub port: Option<u16>,
    /// `Some(None)`: `ProxyJump none`.
    pub proxy_jump: Option<Option<JumpValue>>,
    pub proxy_command: Option<String>,
    pub identity_files: Vec<Sourced>,
    pub certificate_files: Vec<Sourced>,
    pub identities_only: Option<bool>,
    pub identity_agent: Option<String>,
    pub user_known_hosts: Option<Vec<String>>,
    pub global_known_hosts: Option<Vec<String>>,
    pub host_key_alias: Option<String>,
    pub strict_host_key_checking: Option<&'static str>,
    pub host_key_algorithms: Option<String>,
    pub ca_signature_algorithms: Option<String>,
    /// `Some(None)`: `RevokedHostKeys none`.
    pub revoked_host_keys: Option<Option<String>>,
    pub connect_timeout: Option<u64>,
    pub server_alive_interval: Option<u64>,
    pub canonicalize_hostname: Option<bool>,
    pub local_forwards: Vec<ForwardLine>,
    pub remote_forwards: Vec<ForwardLine>,
    pub dynamic_forwards: Vec<ForwardLine>,
}

fn first(d: &Directive) -> Result<&str, String> {
    match d.args.first() {
        Some(a) if !a.is_empty() => Ok(a),
        _ => Err(format!("{}: missing argument", d.keyword)),
    }
}

fn set<T>(slot: &mut Option<T>, active: bool, value: T) {
    if active && slot.is_none() {
        *slot = Some(value);
    }
}

fn flag(d: &Directive) -> Result<bool, String> {
    match first(d)?.to_ascii_lowercase().as_str() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        other => Err(format!("{}: {other:?} is not yes or no", d.keyword)),
    }
}

fn time(d: &Directive) -> Result<u64, String> {
    let arg = first(d)?;
    super::tokens::seconds(arg).ok_or_else(|| format!("{}: invalid time value {arg:?}", d.keyword))
}

/// OpenSSH's `a2port`: 1 to 65535.
pub fn port(arg: &str) -> Result<u16, String> {
    match arg.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("bad port number {arg:?}")),
    }
}

impl Options {
    /// Apply one line. Values are checked even in a block that does not apply, as ssh
    /// refuses such a file too.
    pub fn apply(
        &mut self,
        d: &Directive,
        active: bool,
        file: &std::path::Path,
        line: usize,
    ) -> Result<(), String> {
        let sourced = |value: &str| Sourced {
            value: value.to_string(),
            file: file.to_path_buf(),
            line,
        };
        let forward = || ForwardLine {
            args: d.args.clone(),
            file: file.to_path_buf(),
            line,
        };
        match d.keyword.as_str() {
            "hostname" => set(&mut self.hostname, active, first(d)?.to_string()),
            "user" => set(&mut self.user, active, first(d)?.to_string()),
            "port" => set(&mut self.port, active, port(first(d)?)?),
            "proxyjump" => {
                first(d)?;
                let parsed = jump::parse(&d.rest)?;
                // ProxyJump and ProxyCommand exclude each other: the first one set wins.
                if active && self.proxy_jump.is_none() && self.proxy_command.is_none() {
                    if parsed.is_some() {
                        self.proxy_command = Some("none".into());
                    }
                    self.proxy_jump = Some(parsed);
                }
            }
            "proxycommand" => {
                if d.rest.is_empty() {
                    return Err("ProxyCommand: missing argument".into());
                }
                // A ProxyJump host set earlier wins; `ProxyJump none` does not block it.
                if !matches!(self.proxy_jump, Some(Some(_))) {
                    set(&mut self.proxy_command, active, d.rest.clone());
                }
            }
            "identityfile" => {
                let v = first(d)?;
                if active && !self.identity_files.iter().any(|f| f.value == v) {
                    self.identity_files.push(sourced(v));
                }
            }
            "certificatefile" => {
                let v = first(d)?;
                if active && !self.certificate_files.iter().any(|f| f.value == v) {
                    self.certificate_files.push(sourced(v));
                }
            }
            "identitiesonly" => set(&mut self.identities_only, active, flag(d)?),
            "identityagent" => set(&mut self.identity_agent, active, first(d)?.to_string()),
            "userknownhostsfile" => set(&mut self.user_known_hosts, active, file_list(d)?),
            "globalknownhostsfile" => set(&mut self.global_known_hosts, active, file_list(d)?),
            "hostkeyalias" => set(&mut self.host_key_alias, active, first(d)?.to_string()),
            "stricthostkeychecking" => {
                let v = match first(d)?.to_ascii_lowercase().as_str() {
                    "yes" | "true" => "true",
                    "no" | "false" | "off" => "false",
                    "ask" => "ask",
                    "accept-new" => "accept-new",
                    other => return Err(format!("StrictHostKeyChecking: unknown value {other:?}")),
                };
                set(&mut self.strict_host_key_checking, active, v);
            }
            "hostkeyalgorithms" => {
                set(&mut self.host_key_algorithms, active, first(d)?.to_string())
            }
            "casignaturealgorithms" => {
                let v = first(d)?;
                super::algorithms::check_names(v)?;
                set(&mut self.ca_signature_algorithms, active, v.to_string());
            }
            "revokedhostkeys" => {
                let v = first(d)?;
                let file = (!v.eq_ignore_ascii_case("none")).then(|| v.to_string());
                set(&mut self.revoked_host_keys, active, file);
            }
            "connecttimeout" => set(&mut self.connect_timeout, active, time(d)?),
            "serveraliveinterval" => set(&mut self.server_alive_interval, active, time(d)?),
            "canonicalizehostname" => {
                let v = match first(d)?.to_ascii_lowercase().as_str() {
                    "yes" | "true" | "always" => true,
                    "no" | "false" => false,
                    other => return Err(format!("CanonicalizeHostname: unknown value {other:?}")),
                };
                set(&mut self.canonicalize_hostname, active, v);
            }
            "localforward" if active => self.local_forwards.push(forward()),
            "remoteforward" if active => self.remote_forwards.push(forward()),
            "dynamicforward" if active => self.dynamic_forwards.push(forward()),
            _ => {}
        }
        Ok(())
    }
}

/// `UserKnownHostsFile` / `GlobalKnownHostsFile`: several files on one line; `none`
/// only alone.
fn file_list(d: &Directive) -> Result<Vec<String>, String> {
    if d.args.is_empty() || d.args.iter().any(String::is_empty) {
        return Err(format!("{}: missing argument", d.keyword));
    }
    if d.args.len() > 1 && d.args.iter().any(|a| a.eq_ignore_ascii_case("none")) {
        return Err(format!("{}: \"none\" must appear alone", d.keyword));
    }
    Ok(d.args.clone())
}
