//! One destination resolved: the values `ssh -G` prints, ssh's defaults filled in, and
//! the paths and commands with their tokens expanded, as ssh uses them.

use std::path::PathBuf;

use sha1::{Digest, Sha1};

use super::options::{ForwardLine, JumpValue, Options};
use super::tokens::{percent, percent_dollar, tilde};
use super::{Destination, Local, ResolveError};

/// The identity files ssh tries when the config names none, in its order.
pub const DEFAULT_IDENTITIES: [&str; 7] = [
    "~/.ssh/id_rsa",
    "~/.ssh/id_ecdsa",
    "~/.ssh/id_ecdsa_sk",
    "~/.ssh/id_ed25519",
    "~/.ssh/id_ed25519_sk",
    "~/.ssh/id_xmss",
    "~/.ssh/id_dsa",
];
pub const DEFAULT_USER_KNOWN_HOSTS: [&str; 2] = ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"];
pub const DEFAULT_GLOBAL_KNOWN_HOSTS: [&str; 2] =
    ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The name as given (`%n`).
    pub host_arg: String,
    pub hostname: String,
    pub user: String,
    pub port: u16,
    pub proxy_jump: Option<JumpValue>,
    /// As written (`%h %p %r %n` are expanded by [`Resolved::proxy_command_line`]).
    pub proxy_command: Option<String>,
    /// As written, ssh's defaults when the config names none (as `ssh -G` prints them).
    pub identity_files: Vec<String>,
    /// Whether `identity_files` came from the config (not ssh's defaults).
    pub identity_files_given: bool,
    pub certificate_files: Vec<String>,
    pub identities_only: bool,
    pub identity_agent: Option<String>,
    /// Expanded (`~`, tokens, `${VAR}`), as `ssh -G` prints them.
    pub user_known_hosts: Vec<String>,
    /// As written: ssh expands nothing here.
    pub global_known_hosts: Vec<String>,
    /// Lowercased, as ssh uses it.
    pub host_key_alias: Option<String>,
    pub strict_host_key_checking: &'static str,
    pub host_key_algorithms: Option<String>,
    /// The CAs' signature algorithms accepted on host certificates, assembled as
    /// `ssh -G` prints them (ssh's default when unset).
    pub ca_signature_algorithms: Vec<String>,
    /// As written, as `ssh -G` prints it (`none` is `None`); [`Resolved::revoked_path`]
    /// expands it.
    pub revoked_host_keys: Option<String>,
    pub connect_timeout: Option<u64>,
    pub server_alive_interval: u64,
    pub local_forwards: Vec<ForwardLine>,
    pub remote_forwards: Vec<ForwardLine>,
    pub dynamic_forwards: Vec<ForwardLine>,
    tokens: Vec<(char, String)>,
    home: PathBuf,
    homes: super::tokens::Homes,
    vars: std::collections::BTreeMap<String, String>,
}

impl Resolved {
    pub(super) fn finish(
        dest: &Destination,
        opts: Options,
        local: &Local,
        homes: &super::tokens::Homes,
    ) -> Result<Resolved, ResolveError> {
        let hostname = opts.hostname.unwrap_or_else(|| dest.host.clone());
        let user = opts.user.unwrap_or_else(|| local.user.clone());
        let port = opts.port.unwrap_or(22);
        let host_key_alias = opts.host_key_alias.map(|a| a.to_ascii_lowercase());
        let short = local.hostname.split('.').next().unwrap_or_default();
        let hash = Sha1::digest(format!("{}{hostname}{port}{user}", local.hostname));
        let conn_hash: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        let tokens: Vec<(char, String)> = vec![
            ('C', conn_hash),
            ('d', local.home.display().to_string()),
            ('h', hostname.clone()),
            ('i', local.uid.to_string()),
            (
                'k',
                host_key_alias.clone().unwrap_or_else(|| dest.host.clone()),
            ),
            ('L', short.to_string()),
            ('l', local.hostname.clone()),
            ('n', dest.host.clone()),
            ('p', port.to_string()),
            ('r', user.clone()),
            ('u', local.user.clone()),
        ];
        let identity_files_given = !opts.identity_files.is_empty();
        let identity_files = if identity_files_given {
            opts.identity_files.into_iter().map(|s| s.value).collect()
        } else {
            DEFAULT_IDENTITIES.iter().map(|s| s.to_string()).collect()
        };
        let mut out = Resolved {
            host_arg: dest.host.clone(),
            hostname,
            user,
            port,
            proxy_jump: opts.proxy_jump.flatten(),
            proxy_command: opts
                .proxy_command
                .filter(|c| !c.eq_ignore_ascii_case("none")),
            identity_files,
            identity_files_given,
            certificate_files: opts
                .certificate_files
                .into_iter()
                .map(|s| s.value)
                .collect(),
            identities_only: opts.identities_only.unwrap_or(false),
            identity_agent: opts.identity_agent,
            user_known_hosts: Vec::new(),
            global_known_hosts: opts.global_known_hosts.unwrap_or_else(|| {
                DEFAULT_GLOBAL_KNOWN_HOSTS
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            }),
            host_key_alias,
            strict_host_key_checking: opts.strict_host_key_checking.unwrap_or("ask"),
            host_key_algorithms: opts.host_key_algorithms,
            ca_signature_algorithms: super::algorithms::assemble(
                opts.ca_signature_algorithms.as_deref(),
                &super::algorithms::CA_SIGNATURE_DEFAULT,
            ),
            revoked_host_keys: opts.revoked_host_keys.flatten(),
            connect_timeout: opts.connect_timeout,
            server_alive_interval: opts.server_alive_interval.unwrap_or(0),
            local_forwards: opts.local_forwards,
            remote_forwards: opts.remote_forwards,
            dynamic_forwards: opts.dynamic_forwards,
            tokens,
            home: local.home.clone(),
            homes: homes.clone(),
            vars: local.vars.clone(),
        };
        let user_files = opts.user_known_hosts.unwrap_or_else(|| {
            DEFAULT_USER_KNOWN_HOSTS
                .iter()
                .map(|s| s.to_string())
                .collect()
        });
        out.user_known_hosts = user_files
            .iter()
            .map(|f| out.expand(f))
            .collect::<Result<_, _>>()?;
        Ok(out)
    }

    fn table(&self) -> Vec<(char, &str)> {
        self.tokens.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    /// `~` (and `~user/`), then `%` tokens and `${VAR}`: as ssh expands IdentityFile,
    /// CertificateFile, IdentityAgent and UserKnownHostsFile.
    pub fn expand(&self, raw: &str) -> Result<String, ResolveError> {
        let home = tilde(raw, &self.home, &self.homes).map_err(ResolveError::Token)?;
        percent_dollar(&home, &self.table(), &self.vars).map_err(ResolveError::Token)
    }

    /// `ProxyJump` as `ssh -G` prints it.
    pub fn proxy_jump_text(&self) -> Option<String> {
        self.proxy_jump.as_ref().map(|j| {
            let last = &j.last;
            let mut text = j
                .extra
                .as_ref()
                .map(|e| format!("{e},"))
                .unwrap_or_default();
            if let Some(user) = &last.user {
                text.push_str(&format!("{user}@"));
            }
            // ssh brackets a numeric address, whatever the port.
            let numeric = last.host.contains(':')
                || last.host.chars().all(|c| c.is_ascii_digit() || c == '.');
            if numeric {
                text.push_str(&format!("[{}]", last.host));
            } else {
                text.push_str(&last.host);
            }
            if let Some(port) = last.port {
                text.push_str(&format!(":{port}"));
            }
            text
        })
    }

    /// The ProxyCommand to run, `%h %p %r %n` expanded.
    pub fn proxy_command_line(&self) -> Result<Option<String>, ResolveError> {
        let Some(cmd) = &self.proxy_command else {
            return Ok(None);
        };
        let port = self.port.to_string();
        let table = [
            ('h', self.hostname.as_str()),
            ('n', self.host_arg.as_str()),
            ('p', port.as_str()),
            ('r', self.user.as_str()),
        ];
        percent(cmd, &table).map(Some).map_err(ResolveError::Token)
    }

    pub fn identity_paths(&self) -> Result<Vec<PathBuf>, ResolveError> {
        self.identity_files
            .iter()
            .map(|f| self.expand(f).map(PathBuf::from))
            .collect()
    }

    pub fn certificate_paths(&self) -> Result<Vec<PathBuf>, ResolveError> {
        self.certificate_files
            .iter()
            .map(|f| self.expand(f).map(PathBuf::from))
            .collect()
    }

    /// The RevokedHostKeys file to read, `~` and tokens expanded as for the other files
    /// (README.md "Host keys": the ssh in use may take the path as written).
    pub fn revoked_path(&self) -> Result<Option<PathBuf>, ResolveError> {
        self.revoked_host_keys
            .as_deref()
            .map(|f| self.expand(f).map(PathBuf::from))
            .transpose()
    }

    /// The known_hosts files ssh reads for this host: the user's, then the global ones
    /// (`none` means none).
    pub fn known_hosts_paths(&self) -> Vec<PathBuf> {
        self.user_known_hosts
            .iter()
            .chain(&self.global_known_hosts)
            .filter(|f| !f.eq_ignore_ascii_case("none"))
            .map(PathBuf::from)
            .collect()
    }

    /// The name looked up in known_hosts: HostKeyAlias as is, else `host` or
    /// `[host]:port`.
    pub fn known_hosts_name(&self) -> String {
        match &self.host_key_alias {
            Some(alias) => alias.clone(),
            None if self.port == 22 => self.hostname.clone(),
            None => format!("[{}]:{}", self.hostname, self.port),
        }
    }
}
