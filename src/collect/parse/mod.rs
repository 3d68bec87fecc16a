//! Pure parsers for what fleetdeck reads on a node: each takes a command's text output and
//! returns domain values or a [`ParseError`] that names the format and the line. They never
//! panic, whatever the input: a node can print anything, and one odd answer must cost
//! only that fact, not the collector.
//!
//! The collectors must run the commands in the C locale (`virsh` translates its states).

/// The text of a file under `tests/fixtures/`, for the parsers' unit tests.
#[cfg(test)]
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}

pub mod facts;
pub mod iplink;
pub mod lxc;
pub mod pgrep;
pub mod ss;
pub mod ssh_config;
pub mod virsh;
pub mod xl;

pub use facts::{
    OsRelease, Uname, parse_hostname, parse_loadavg, parse_os_release, parse_uname, parse_uptime,
};
pub use iplink::{IfAddr, Interface, Link, parse_addrs, parse_bridges, parse_links};
pub use lxc::parse_lxc_ls;
pub use pgrep::parse_pgrep;
pub use ss::parse_ss_listening;
pub use ssh_config::parse_ssh_forwards;
pub use virsh::{
    DomInfo, IfaceAddress, parse_virsh_domifaddr, parse_virsh_dominfo, parse_virsh_list,
};
pub use xl::{XlDomain, apply_xl_details, parse_xl_list, parse_xl_list_long};

/// Output a parser could not make sense of.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{format}: {}{message}", line_prefix(.line))]
pub struct ParseError {
    /// The command or file, e.g. `xl list`.
    pub format: &'static str,
    /// 1-based line of the text, when one line is at fault.
    pub line: Option<usize>,
    pub message: String,
}

fn line_prefix(line: &Option<usize>) -> String {
    line.map(|n| format!("line {n}: ")).unwrap_or_default()
}

/// Longest message kept, in characters: messages may quote the input (a header, serde's
/// description of a bad value), and a node can print anything, of any length.
const MAX_MESSAGE: usize = 240;

impl ParseError {
    /// The message is cut to [`MAX_MESSAGE`] characters and its control characters are
    /// escaped: whatever the node printed, the error stays one short, inert line.
    pub fn new(format: &'static str, line: Option<usize>, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut message = crate::validate::printable(&message).into_owned();
        if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE) {
            message.truncate(cut);
            message.push('…');
        }
        ParseError {
            format,
            line,
            message,
        }
    }

    /// An error of line `line` (1-based).
    pub fn at(format: &'static str, line: usize, message: impl Into<String>) -> Self {
        ParseError::new(format, Some(line), message)
    }

    /// An error of the whole text.
    pub fn whole(format: &'static str, message: impl Into<String>) -> Self {
        ParseError::new(format, None, message)
    }
}

/// A piece of the input quoted for a message: short, escaped, on one line, so that a
/// node printing garbage cannot flood or break the status line.
pub(crate) fn snippet(text: &str) -> String {
    const MAX: usize = 40;
    let mut short: String = text.chars().take(MAX).collect();
    if text.chars().nth(MAX).is_some() {
        short.push('…');
    }
    format!("{short:?}")
}

/// The lines of `text` with 1-based numbers, blank ones left out.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
}

/// Whether a line is a table rule (`-----`), as `virsh` prints under its headers.
pub(crate) fn is_rule(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| c == '-')
}

/// A serde_json error as a `ParseError` at the line serde reports.
pub(crate) fn json_error(format: &'static str, err: &serde_json::Error) -> ParseError {
    let line = (err.line() > 0).then_some(err.line());
    // serde's own message ends with "at line L column C", which the prefix already says.
    let mut message = err.to_string();
    if let Some(cut) = message.find(" at line ") {
        message.truncate(cut);
    }
    ParseError::new(format, line, format!("invalid JSON: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_the_line_number() {
        let e = ParseError::at("xl list", 3, "expected 6 columns, got 2");
        assert_eq!(e.to_string(), "xl list: line 3: expected 6 columns, got 2");
        let e = ParseError::whole("ip -j addr show", "not a JSON array");
        assert_eq!(e.to_string(), "ip -j addr show: not a JSON array");
    }

    #[test]
    fn messages_are_cut_and_inert() {
        let long = format!("expected 3 columns ({}\u{1b}[2J)", "A".repeat(1000));
        let e = ParseError::at("lxc-ls -f", 2, long);
        assert_eq!(e.message.chars().count(), MAX_MESSAGE + 1);
        assert!(e.message.ends_with('…'));
        let e = ParseError::whole("ss", "bad\nline \u{1b}[2J");
        assert_eq!(e.to_string(), "ss: bad\\nline \\u{1b}[2J");
    }

    #[test]
    fn snippets_are_short_and_escaped() {
        assert_eq!(snippet("a\nb"), "\"a\\nb\"");
        let long = "x".repeat(100);
        assert_eq!(snippet(&long).chars().count(), 40 + 3);
    }
}
