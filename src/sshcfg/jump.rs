//! `ProxyJump [user@]host[:port][,...]` and `ssh://[user@]host[:port]` hops. ssh keeps
//! the last hop and the text of the ones before it; each hop is later resolved through
//! the config again, the earlier hops becoming its own `-J`.

use super::options::{JumpValue, port};

/// One hop as written: user and port, when given, override the config's for that hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumpSpec {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl std::fmt::Display for JumpSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// The raw rest of a `ProxyJump` line. `Ok(None)` is `none`.
pub fn parse(raw: &str) -> Result<Option<JumpValue>, String> {
    let text = raw.split('#').next().unwrap_or_default().trim_end();
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let hops = split(text)?;
    let Some(last) = hops.last().cloned() else {
        return Err("ProxyJump: missing argument".into());
    };
    let extra = text
        .rfind(',')
        .filter(|&i| i > 0)
        .map(|i| text[..i].to_string());
    Ok(Some(JumpValue { extra, last }))
}

/// Every hop of a comma list, first first.
pub fn split(text: &str) -> Result<Vec<JumpSpec>, String> {
    text.split(',').map(hop).collect()
}

fn hop(text: &str) -> Result<JumpSpec, String> {
    let bad = || format!("invalid ProxyJump hop {text:?}");
    let body = text.strip_prefix("ssh://").unwrap_or(text);
    let (user, hostport) = match body.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() => (Some(u.to_string()), h),
        Some(_) => return Err(bad()),
        None => (None, body),
    };
    let (host, port_text) = if let Some(inner) = hostport.strip_prefix('[') {
        let (h, after) = inner.split_once(']').ok_or_else(bad)?;
        match after {
            "" => (h, None),
            _ => (h, Some(after.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad());
    }
    let port = port_text.map(|p| port(p).map_err(|_| bad())).transpose()?;
    Ok(JumpSpec {
        user,
        host: host.to_string(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hops_and_none() {
        assert_eq!(parse("none").expect("ok"), None);
        let v = parse("a,u@b:2222 # c").expect("ok").expect("jump");
        assert_eq!(v.last.to_string(), "u@b:2222");
        assert_eq!(v.extra.as_deref(), Some("a"));
        let v = parse("ssh://u@[::1]:22").expect("ok").expect("jump");
        assert_eq!((v.last.host.as_str(), v.last.port), ("::1", Some(22)));
        assert!(parse("a,:22").is_err());
        assert!(parse("a:0").is_err());
    }
}
