//! `LocalForward` and `RemoteForward` of a node's OpenSSH client config (ssh_config(5)),
//! per `Host` alias: the declared tunnels that fleetdeck then checks are up. The text is
//! resolved by the one ssh_config resolver (`sshcfg`) for every concrete alias, so
//! forwards of `Host *` or `Match` blocks count for the aliases they apply to, as they
//! do for `ssh ALIAS` on that node.

use std::path::Path;

use super::{ParseError, snippet};
use crate::fleet::{ForwardKind, HostPort, ListenSpec, SshForward};
use crate::sshcfg::{self, Destination, ExecPolicy, ForwardLine, Loaded, Local, Resolver};

const FORMAT: &str = "ssh config";

/// The forwards `ssh ALIAS` would open, for every concrete `Host` alias of the text,
/// aliases in file order. `Include` cannot be followed (the files are on the node) and
/// `Match exec` never matches (nothing is run); Unix-socket forwards are skipped, since
/// tunnels here are TCP. A malformed forward is an error even in a block no alias
/// reaches: ssh refuses the whole file too.
pub fn parse_ssh_forwards(text: &str) -> Result<Vec<SshForward>, ParseError> {
    let loaded = Loaded::from_text(Path::new("ssh config"), text).map_err(error)?;
    let mut invalid = None;
    loaded.walk(&mut |_, line| {
        let (kind, keyword) = match line.directive.keyword.as_str() {
            "localforward" => (ForwardKind::Local, "LocalForward"),
            "remoteforward" => (ForwardKind::Remote, "RemoteForward"),
            _ => return,
        };
        if invalid.is_none()
            && let Err(m) = forward(kind, keyword, &line.directive.args)
        {
            invalid = Some(ParseError::at(FORMAT, line.number, m));
        }
    });
    if let Some(e) = invalid {
        return Err(e);
    }
    let resolver = Resolver {
        loaded,
        // The node's own user is not known here: `Match user` and `localuser` see none.
        local: Local {
            user: String::new(),
            uid: 0,
            home: "/nonexistent".into(),
            hostname: String::new(),
            vars: Default::default(),
        },
        exec: ExecPolicy::NeverMatch,
    };
    let mut out = Vec::new();
    for alias in resolver.host_names() {
        let resolved = resolver
            .resolve(&Destination::host(&alias))
            .map_err(error)?;
        let lines = resolved
            .local_forwards
            .iter()
            .map(|l| (ForwardKind::Local, l))
            .chain(
                resolved
                    .remote_forwards
                    .iter()
                    .map(|l| (ForwardKind::Remote, l)),
            );
        for (kind, line) in lines {
            push(&mut out, kind, &alias, line)?;
        }
    }
    Ok(out)
}

fn push(
    out: &mut Vec<SshForward>,
    kind: ForwardKind,
    alias: &str,
    line: &ForwardLine,
) -> Result<(), ParseError> {
    let keyword = match kind {
        ForwardKind::Local => "LocalForward",
        ForwardKind::Remote => "RemoteForward",
    };
    let parsed =
        forward(kind, keyword, &line.args).map_err(|m| ParseError::at(FORMAT, line.line, m))?;
    if let Some((listen, target)) = parsed {
        out.push(SshForward {
            kind,
            host_alias: alias.to_string(),
            listen,
            target,
            line: line.line,
        });
    }
    Ok(())
}

fn error(e: sshcfg::ResolveError) -> ParseError {
    match e {
        sshcfg::ResolveError::Syntax { line, message, .. } => ParseError::at(FORMAT, line, message),
        other => ParseError::new(FORMAT, None, other.to_string()),
    }
}

type Forward = (ListenSpec, Option<HostPort>);

/// `LocalForward [bind:]port host:hostport`, `RemoteForward [bind:]port [host:hostport]`.
/// `None` for a Unix-socket forward.
fn forward(kind: ForwardKind, keyword: &str, args: &[String]) -> Result<Option<Forward>, String> {
    let (listen, target) = match (kind, args) {
        (_, [listen, target]) => (listen, Some(target)),
        (ForwardKind::Remote, [listen]) => (listen, None),
        _ => {
            let wanted = match kind {
                ForwardKind::Local => "2 arguments ([bind:]port host:hostport)",
                ForwardKind::Remote => "1 or 2 arguments ([bind:]port [host:hostport])",
            };
            return Err(format!("{keyword}: expected {wanted}, got {}", args.len()));
        }
    };
    if is_socket_path(listen) || target.is_some_and(|t| is_socket_path(t)) {
        return Ok(None);
    }
    let listen = parse_listen(listen).map_err(|m| format!("{keyword}: {m}"))?;
    let target = target
        .map(|t| parse_target(t).map_err(|m| format!("{keyword}: {m}")))
        .transpose()?;
    Ok(Some((listen, target)))
}

fn is_socket_path(arg: &str) -> bool {
    arg.starts_with('/') || arg.starts_with('~')
}

/// `port`, `bind:port`, `[v6]:port`, `bind/port`, `*:port`, `:port`.
pub(crate) fn parse_listen(text: &str) -> Result<ListenSpec, String> {
    let (host, port) = split_host_port(text)?;
    // An empty bind address means every interface, as `*` does.
    let host = host.map(|h| {
        if h.is_empty() {
            "*".to_string()
        } else {
            h.to_string()
        }
    });
    Ok(ListenSpec { host, port })
}

/// `host:port`, `[v6]:port` or `host/port`.
pub(crate) fn parse_target(text: &str) -> Result<HostPort, String> {
    match split_host_port(text)? {
        (Some(host), port) if !host.is_empty() => Ok(HostPort {
            host: host.to_string(),
            port,
        }),
        _ => Err(format!("target {} is not host:port", snippet(text))),
    }
}

fn split_host_port(text: &str) -> Result<(Option<&str>, u16), String> {
    let (host, port) = if let Some(inner) = text.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| format!("unclosed `[` in {}", snippet(text)))?;
        let port = after
            .strip_prefix([':', '/'])
            .ok_or_else(|| format!("{} lacks a port", snippet(text)))?;
        (Some(host), port)
    } else if let Some((host, port)) = text.rsplit_once('/') {
        // The old `host/port` spelling, which lets IPv6 go unbracketed.
        (Some(host), port)
    } else if let Some((host, port)) = text.rsplit_once(':') {
        if host.contains(':') {
            return Err(format!(
                "IPv6 address in {} must be in brackets",
                snippet(text)
            ));
        }
        (Some(host), port)
    } else {
        (None, text)
    };
    let port = port
        .parse::<u16>()
        .map_err(|_| format!("port {} is not a number from 0 to 65535", snippet(port)))?;
    Ok((host, port))
}

#[cfg(test)]
mod tests;
