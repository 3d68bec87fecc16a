//! Node facts: `/etc/os-release`, `/proc/uptime`, `/proc/loadavg`, `uname -srm`,
//! `hostname`.

use std::fmt;

use super::{ParseError, numbered_lines, snippet};

const OS_RELEASE: &str = "/etc/os-release";
const UPTIME: &str = "/proc/uptime";
const LOADAVG: &str = "/proc/loadavg";
const UNAME: &str = "uname -srm";
const HOSTNAME: &str = "hostname";

/// The variables of `/etc/os-release`, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    pub vars: Vec<(String, String)>,
}

impl OsRelease {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `PRETTY_NAME`, else `NAME VERSION` as os-release(5) suggests.
    pub fn pretty_name(&self) -> Option<String> {
        if let Some(pretty) = self.get("PRETTY_NAME").filter(|p| !p.is_empty()) {
            return Some(pretty.to_string());
        }
        let name = self.get("NAME")?;
        Some(match self.get("VERSION") {
            Some(version) => format!("{name} {version}"),
            None => name.to_string(),
        })
    }
}

/// Parses `/etc/os-release`: `KEY=value` lines, values unquoted, `"double quoted"` (with
/// `\"`, `\\`, `\$`, `` \` `` escapes) or `'single quoted'`; `#` comments.
pub fn parse_os_release(text: &str) -> Result<OsRelease, ParseError> {
    let mut vars = Vec::new();
    for (n, line) in numbered_lines(text) {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let err = |m: String| ParseError::at(OS_RELEASE, n, m);
        let (key, raw) = line
            .split_once('=')
            .ok_or_else(|| err(format!("expected KEY=value, got {}", snippet(line))))?;
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(err(format!("{} is not a variable name", snippet(key))));
        }
        vars.push((key.to_string(), unquote(raw).map_err(err)?));
    }
    Ok(OsRelease { vars })
}

fn unquote(raw: &str) -> Result<String, String> {
    let mut chars = raw.chars();
    let quote = match chars.next() {
        Some(q @ ('"' | '\'')) => q,
        _ => return Ok(raw.trim().to_string()),
    };
    let mut value = String::new();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => {
                let rest = chars.as_str().trim();
                if rest.is_empty() || rest.starts_with('#') {
                    return Ok(value);
                }
                return Err(format!("text after the closing quote: {}", snippet(rest)));
            }
            '\\' if quote == '"' => match chars.next() {
                Some(e @ ('"' | '\\' | '$' | '`')) => value.push(e),
                Some(other) => {
                    value.push('\\');
                    value.push(other);
                }
                None => break,
            },
            c => value.push(c),
        }
    }
    Err(format!("unterminated quote in {}", snippet(raw)))
}

/// Seconds since boot, from `/proc/uptime` (`2654.02 1318.22`: uptime, idle time).
pub fn parse_uptime(text: &str) -> Result<u64, ParseError> {
    let first = single_line(UPTIME, text)?
        .split_whitespace()
        .next()
        .unwrap_or_default();
    seconds(first).ok_or_else(|| {
        ParseError::at(
            UPTIME,
            1,
            format!("{} is not a number of seconds", snippet(first)),
        )
    })
}

fn seconds(text: &str) -> Option<u64> {
    let secs: f64 = text.parse().ok()?;
    // `as` saturates, but NaN, infinity and negatives are garbage, not zero.
    (secs.is_finite() && secs >= 0.0).then_some(secs as u64)
}

/// The 1, 5 and 15 minute load averages of `/proc/loadavg`
/// (`0.52 0.58 0.59 2/871 123456`).
pub fn parse_loadavg(text: &str) -> Result<[f64; 3], ParseError> {
    let line = single_line(LOADAVG, text)?;
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let err = |m: String| ParseError::at(LOADAVG, 1, m);
    let load = |i: usize| -> Result<f64, ParseError> {
        let word = tokens.get(i).copied().unwrap_or_default();
        word.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| err(format!("{} is not a load average", snippet(word))))
    };
    if tokens.len() < 3 {
        return Err(err(format!("expected 5 fields, got {}", tokens.len())));
    }
    if let Some(tasks) = tokens.get(3) {
        let valid = tasks
            .split_once('/')
            .is_some_and(|(a, b)| a.parse::<u64>().is_ok() && b.parse::<u64>().is_ok());
        if !valid {
            return Err(err(format!("{} is not RUNNING/TOTAL", snippet(tasks))));
        }
    }
    Ok([load(0)?, load(1)?, load(2)?])
}

/// `uname -srm`: kernel name, release and machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uname {
    pub sysname: String,
    pub release: String,
    pub machine: String,
}

impl fmt::Display for Uname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.sysname, self.release, self.machine)
    }
}

/// Parses `uname -srm` (`Linux 6.1.0-18-amd64 x86_64`).
pub fn parse_uname(text: &str) -> Result<Uname, ParseError> {
    let line = single_line(UNAME, text)?;
    match line.split_whitespace().collect::<Vec<_>>().as_slice() {
        [sysname, release, machine] => Ok(Uname {
            sysname: sysname.to_string(),
            release: release.to_string(),
            machine: machine.to_string(),
        }),
        other => Err(ParseError::at(
            UNAME,
            1,
            format!(
                "expected 3 fields (kernel release machine), got {}",
                other.len()
            ),
        )),
    }
}

/// Parses `hostname`: one name, letters, digits, `-`, `_` and `.` only.
pub fn parse_hostname(text: &str) -> Result<String, ParseError> {
    let name = single_line(HOSTNAME, text)?.trim();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(ParseError::at(
            HOSTNAME,
            1,
            format!("{} is not a host name", snippet(name)),
        ));
    }
    Ok(name.to_string())
}

/// The one non-blank line of a one-line file.
fn single_line<'a>(format: &'static str, text: &'a str) -> Result<&'a str, ParseError> {
    let mut lines = numbered_lines(text);
    match (lines.next(), lines.next()) {
        (Some((_, line)), None) => Ok(line),
        (None, _) => Err(ParseError::whole(format, "empty output")),
        (Some(_), Some((n, extra))) => Err(ParseError::at(
            format,
            n,
            format!("expected one line, got more: {}", snippet(extra)),
        )),
    }
}

#[cfg(test)]
mod tests;
