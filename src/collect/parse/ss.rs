//! Listening TCP sockets: `ss -H -tlnp`.

use std::net::IpAddr;

use super::{ParseError, numbered_lines, snippet};
use crate::fleet::ListeningSocket;

const FORMAT: &str = "ss -tlnp";

/// Parses `ss -H -tlnp` (a header line, as without `-H`, is skipped too):
///
/// ```text
/// LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=693,fd=3))
/// LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*    users:(("systemd-resolve",pid=500,fd=14))
/// LISTEN 0      128             [::]:22           [::]:*    users:(("sshd",pid=693,fd=4))
/// LISTEN 0      511                *:80              *:*
/// ```
///
/// The process column is missing when ss may not see the owner (not root, or another
/// PID namespace); several owners (forked servers) give the first.
pub fn parse_ss_listening(text: &str) -> Result<Vec<ListeningSocket>, ParseError> {
    let mut out = Vec::new();
    for (index, (n, line)) in numbered_lines(text).enumerate() {
        let mut tokens: Vec<&str> = line.split_whitespace().collect();
        if index == 0 && matches!(tokens.first(), Some(&"State") | Some(&"Netid")) {
            continue;
        }
        // With more than one socket kind asked for, ss adds a Netid column first.
        if matches!(tokens.first(), Some(&"tcp") | Some(&"udp") | Some(&"mptcp")) {
            tokens.remove(0);
        }
        let err = |m: String| ParseError::at(FORMAT, n, m);
        let [_state, recv_q, send_q, local, _peer, ..] = tokens.as_slice() else {
            return Err(err(format!(
                "expected at least 5 columns (State Recv-Q Send-Q Local Peer), got {}",
                tokens.len()
            )));
        };
        if recv_q.parse::<u64>().is_err() || send_q.parse::<u64>().is_err() {
            return Err(err(format!(
                "Recv-Q and Send-Q should be numbers, got {} and {}",
                snippet(recv_q),
                snippet(send_q)
            )));
        }
        let (addr, scope, port) = local_address(local).map_err(err)?;
        let (process, pid) = owner(line).map_or((None, None), |(p, pid)| (Some(p), pid));
        out.push(ListeningSocket {
            addr,
            scope,
            port,
            process,
            pid,
        });
    }
    Ok(out)
}

/// `ADDR[%SCOPE]:PORT`, with ADDR `*`, IPv4 or `[IPv6]` (the scope may also sit inside
/// the brackets).
fn local_address(text: &str) -> Result<(String, Option<String>, u16), String> {
    let bad = || format!("local address {} is not ADDR:PORT", snippet(text));
    let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
    let port = port
        .parse::<u16>()
        .map_err(|_| format!("port {} is not a number (ss needs -n)", snippet(port)))?;
    let (addr, scope) = match host.strip_prefix('[') {
        Some(inner) => {
            let (inside, after) = inner.split_once(']').ok_or_else(bad)?;
            let (addr, inner_scope) = split_scope(inside);
            let outer_scope = after.strip_prefix('%');
            if !after.is_empty() && outer_scope.is_none() {
                return Err(bad());
            }
            (addr, outer_scope.or(inner_scope))
        }
        None => split_scope(host),
    };
    if addr != "*" && addr.parse::<IpAddr>().is_err() {
        return Err(format!("{} is not an IP address", snippet(addr)));
    }
    if scope.is_some_and(str::is_empty) {
        return Err(bad());
    }
    Ok((addr.to_string(), scope.map(String::from), port))
}

fn split_scope(host: &str) -> (&str, Option<&str>) {
    match host.split_once('%') {
        Some((addr, scope)) => (addr, Some(scope)),
        None => (host, None),
    }
}

/// The first `("name",pid=N,...)` of `users:(...)`.
fn owner(line: &str) -> Option<(String, Option<u32>)> {
    let users = line.get(line.find("users:((")? + "users:((".len()..)?;
    let rest = users.strip_prefix('"')?;
    let end = rest.find("\",")?;
    let name = rest.get(..end)?.to_string();
    let after = rest.get(end..)?;
    let pid = after
        .find("pid=")
        .and_then(|at| after.get(at + 4..))
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| digits.parse().ok());
    Some((name, pid))
}

#[cfg(test)]
mod tests;
