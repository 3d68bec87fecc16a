//! `LocalForward` and `RemoteForward` of an OpenSSH client config (ssh_config(5)), per
//! `Host` alias: the declared tunnels that fleetdeck then checks are up.
//! (ssh2-config resolves hosts but does not keep forwards, hence this small reader.)

use super::{ParseError, numbered_lines, snippet};
use crate::fleet::{ForwardKind, HostPort, ListenSpec, SshForward};

const FORMAT: &str = "ssh config";

/// Parses the forwards of every concrete `Host` alias. Forwards outside a `Host` block
/// (the global section), in `Match` blocks or in blocks of wildcard patterns only apply
/// to hosts fleetdeck cannot name, so they are skipped; so are Unix-socket forwards,
/// since tunnels here are TCP. `Include` is not followed: the caller passes each file.
pub fn parse_ssh_forwards(text: &str) -> Result<Vec<SshForward>, ParseError> {
    let mut aliases: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (n, line) in numbered_lines(text) {
        let err = |m: String| ParseError::at(FORMAT, n, m);
        let (keyword, args) = split_line(line).map_err(err)?;
        let kind = match keyword.to_ascii_lowercase().as_str() {
            "host" => {
                aliases = args
                    .into_iter()
                    .filter(|a| !a.starts_with('!') && !a.contains(['*', '?']))
                    .collect();
                continue;
            }
            "match" => {
                aliases.clear();
                continue;
            }
            "localforward" => ForwardKind::Local,
            "remoteforward" => ForwardKind::Remote,
            _ => continue,
        };
        let Some((listen, target)) = forward(kind, &keyword, &args).map_err(err)? else {
            continue;
        };
        for alias in &aliases {
            out.push(SshForward {
                kind,
                host_alias: alias.clone(),
                listen: listen.clone(),
                target: target.clone(),
                line: n,
            });
        }
    }
    Ok(out)
}

/// `Keyword args...` or `Keyword=args`, arguments split on whitespace with `"..."`
/// quoting; an unquoted `#` starting a word begins a comment.
fn split_line(line: &str) -> Result<(String, Vec<String>), String> {
    let line = line.trim();
    if line.starts_with('#') {
        return Ok((String::new(), Vec::new()));
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = line.get(..end).unwrap_or_default().to_string();
    let mut rest = line.get(end..).unwrap_or_default().trim_start();
    if let Some(after) = rest.strip_prefix('=') {
        rest = after.trim_start();
    }
    let mut args = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        if first == '#' {
            break;
        }
        let mut word = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next_if(|c| quoted || !c.is_whitespace()) {
            if c == '"' {
                quoted = !quoted;
            } else {
                word.push(c);
            }
        }
        if quoted {
            return Err(format!("unterminated quote in {}", snippet(rest)));
        }
        args.push(word);
    }
    Ok((keyword, args))
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
