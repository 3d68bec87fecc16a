//! `pgrep -a PATTERN` lines. Which `-L`/`-R` forwards such a process holds is read from
//! the line by `fleet::forwards`, where the tunnel status uses it.

use super::{ParseError, numbered_lines, snippet};
use crate::fleet::ProcessLine;

const FORMAT: &str = "pgrep -a";

/// Parses `pgrep -a` output: `PID COMMAND LINE` per line (a process with an empty
/// command line shows its name, or nothing).
pub fn parse_pgrep(text: &str) -> Result<Vec<ProcessLine>, ParseError> {
    numbered_lines(text)
        .map(|(n, line)| {
            let line = line.trim();
            let (pid, cmdline) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let pid = pid.parse::<u32>().map_err(|_| {
                ParseError::at(FORMAT, n, format!("{} is not a process id", snippet(pid)))
            })?;
            Ok(ProcessLine {
                pid,
                cmdline: cmdline.trim().to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
