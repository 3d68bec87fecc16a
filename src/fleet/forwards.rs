//! Which `-L`/`-R` forwards an ssh or autossh process was started with, read from its
//! `pgrep -a` command line: a tunnel declared in the config is only up if some process
//! holds it. Pure; the model's own parse, so `fleet::tunnels` needs nothing from
//! `collect` (ARCHITECTURE.md "Layers").

use super::model::{ForwardKind, ListenSpec, ProcessLine};

/// ssh's options that take an argument (`getopt` string of ssh.c).
const SSH_WITH_ARG: &str = "BbcDEeFIiJLlmOoPpQRSWw";

/// The `-L` and `-R` forwards on an `ssh` or `autossh` command line (none for other
/// programs). Unix-socket forwards and `-D` (a SOCKS proxy, no fixed target) are left
/// out, and so are forwards given through `-o`, which `pgrep -a` cannot show unambiguously.
pub fn cmdline_forwards(process: &ProcessLine) -> Vec<(ForwardKind, ListenSpec)> {
    let autossh = match process.program() {
        Some("ssh") => false,
        Some("autossh") => true,
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut args = process.args().skip(1);
    let mut seen_destination = false;
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
            // ssh reads options after the destination too; the second bare word starts
            // the remote command.
            if seen_destination {
                break;
            }
            seen_destination = true;
            continue;
        };
        for (at, flag) in flags.char_indices() {
            // autossh's -M takes the monitoring port; ssh's -M (master mode) takes none.
            if !(SSH_WITH_ARG.contains(flag) || (autossh && flag == 'M')) {
                continue;
            }
            let attached = flags.get(at + flag.len_utf8()..).unwrap_or_default();
            let value = if attached.is_empty() {
                args.next()
            } else {
                Some(attached)
            };
            let kind = match flag {
                'L' => Some(ForwardKind::Local),
                'R' => Some(ForwardKind::Remote),
                _ => None,
            };
            if let (Some(kind), Some(value)) = (kind, value)
                && let Some(listen) = listen_of_spec(kind, value)
            {
                out.push((kind, listen));
            }
            break;
        }
    }
    out
}

/// Whether `process` is an ssh/autossh holding a `kind` forward listening on `port`.
pub fn forwards_port(process: &ProcessLine, kind: ForwardKind, port: u16) -> bool {
    cmdline_forwards(process)
        .iter()
        .any(|(k, listen)| *k == kind && listen.port == port)
}

/// The listening end of a `-L`/`-R` spec: `[bind:]port:host:hostport`,
/// `[bind:]port:/socket`, and for `-R` also `[bind:]port` alone (dynamic).
fn listen_of_spec(kind: ForwardKind, spec: &str) -> Option<ListenSpec> {
    let fields = split_fields(spec)?;
    let last_is_socket = fields.last().is_some_and(|f| f.starts_with('/'));
    let target_len = match (kind, fields.len()) {
        _ if last_is_socket => 1,
        (ForwardKind::Remote, 1 | 2) => 0,
        _ => 2,
    };
    let listen = fields.get(..fields.len().checked_sub(target_len)?)?;
    let (host, port) = match listen {
        [port] => (None, *port),
        [host, port] => (Some(host.to_string()), *port),
        _ => return None,
    };
    if port.starts_with('/') {
        return None;
    }
    Some(ListenSpec {
        host,
        port: port.parse().ok()?,
    })
}

/// Splits on `:` outside `[...]`, dropping the brackets.
fn split_fields(spec: &str) -> Option<Vec<&str>> {
    let mut fields = Vec::new();
    let mut rest = spec;
    loop {
        let (field, after) = if let Some(inner) = rest.strip_prefix('[') {
            let (field, after) = inner.split_once(']')?;
            if !(after.is_empty() || after.starts_with(':')) {
                return None;
            }
            (field, after.strip_prefix(':'))
        } else {
            match rest.split_once(':') {
                Some((field, after)) => (field, Some(after)),
                None => (rest, None),
            }
        };
        fields.push(field);
        match after {
            Some(after) => rest = after,
            None => return Some(fields),
        }
    }
}

#[cfg(test)]
mod tests;
