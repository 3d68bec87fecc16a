//! LXC: `lxc-ls -f` (the "fancy" table), with its default columns or with
//! `-F NAME,STATE,IPV4,IPV6`.

use std::net::IpAddr;

use super::{ParseError, numbered_lines, snippet};
use crate::fleet::{Guest, GuestKind, GuestState};

const FORMAT: &str = "lxc-ls -f";

/// Parses `lxc-ls -f [-F COLUMNS]`:
///
/// ```text
/// NAME    STATE   AUTOSTART GROUPS IPV4                 IPV6    UNPRIVILEGED
/// web     RUNNING 1         -      10.0.3.5, 10.0.3.6   fd77::5 false
/// backup  STOPPED 0         -      -                    -       false
/// ```
///
/// The header says which columns there are; `NAME` and `STATE` are required, `IPV4`
/// and `IPV6` are read when present, the others are ignored. An address list is
/// separated by `, `, so a cell can hold spaces. No containers: empty output, no header.
pub fn parse_lxc_ls(text: &str) -> Result<Vec<Guest>, ParseError> {
    let mut lines = numbered_lines(text);
    let Some((header_line, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let columns: Vec<&str> = header.split_whitespace().collect();
    let position = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(name_at), Some(state_at)) = (position("NAME"), position("STATE")) else {
        return Err(ParseError::at(
            FORMAT,
            header_line,
            format!("header without NAME and STATE columns: {}", snippet(header)),
        ));
    };
    let (ipv4_at, ipv6_at) = (position("IPV4"), position("IPV6"));
    let mut guests = Vec::new();
    for (n, line) in lines {
        let err = |m: String| ParseError::at(FORMAT, n, m);
        let cells = cells(line);
        if cells.len() != columns.len() {
            return Err(err(format!(
                "expected {} columns ({}), got {}",
                columns.len(),
                columns.join(" "),
                cells.len()
            )));
        }
        let cell = |at: Option<usize>| at.and_then(|i| cells.get(i)).map(String::as_str);
        let name = cell(Some(name_at)).unwrap_or_default();
        let state_word = cell(Some(state_at)).unwrap_or_default();
        let state = state_from_word(state_word)
            .ok_or_else(|| err(format!("unknown state {}", snippet(state_word))))?;
        let mut guest = Guest::new(GuestKind::Lxc, name, state);
        for at in [ipv4_at, ipv6_at] {
            if let Some(list) = cell(at) {
                guest.ips.extend(addresses(list).map_err(err)?);
            }
        }
        guests.push(guest);
    }
    Ok(guests)
}

/// Splits a row on whitespace, but keeps `a, b` together: a word ending in a comma is
/// continued by the next one.
fn cells(line: &str) -> Vec<String> {
    let mut cells: Vec<String> = Vec::new();
    let mut continues = false;
    for word in line.split_whitespace() {
        match cells.last_mut() {
            Some(last) if continues => {
                last.push(' ');
                last.push_str(word);
            }
            _ => cells.push(word.to_string()),
        }
        continues = word.ends_with(',');
    }
    cells
}

fn addresses(list: &str) -> Result<Vec<IpAddr>, String> {
    if list == "-" {
        return Ok(Vec::new());
    }
    list.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.parse()
                .map_err(|_| format!("{} is not an IP address", snippet(a)))
        })
        .collect()
}

/// LXC's states (`lxc_state_t`).
pub fn state_from_word(word: &str) -> Option<GuestState> {
    Some(match word {
        "RUNNING" | "THAWED" => GuestState::Running,
        "STOPPED" => GuestState::Stopped,
        "STARTING" => GuestState::Starting,
        "STOPPING" => GuestState::Shutdown,
        "FREEZING" | "FROZEN" => GuestState::Paused,
        "ABORTING" => GuestState::Dying,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
