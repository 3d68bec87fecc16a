//! The tree as a table: which columns fit a width, and the state cell of a container
//! (`exited (3) 2m`, `running 3h`) read from Docker's status line. Pure; README.md
//! "The console" lists the columns and the order they give way in.

/// A column of the container table, ordered as on screen, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Column {
    /// Marker (indent, fold, glyph) and name: the cell that absorbs the indentation.
    Name,
    /// The node, in the flat view only.
    Node,
    State,
    /// The engine's restart count: `RESTARTS` with room, else `RST`.
    Restarts,
    Ip,
    Domain,
    Health,
    Image,
}

impl Column {
    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "NAME",
            Column::Node => "NODE",
            Column::State => "STATE",
            Column::Restarts => "RESTARTS",
            Column::Ip => "IP",
            Column::Domain => "DOMAIN",
            Column::Health => "HEALTH",
            Column::Image => "IMAGE",
        }
    }

    /// The title as it fits `width` cells (`RST` in a narrow restarts column).
    pub fn title_in(self, width: usize) -> &'static str {
        match self {
            Column::Restarts if width < RESTARTS => "RST",
            other => other.title(),
        }
    }
}

/// Columns shown for a table `width` cells wide, each with its width (one space goes
/// between two columns, not counted here).
pub type Columns = Vec<(Column, usize)>;

/// The widest content of the flexible columns over every row (the name counts its
/// marker and indent), so a column takes what its longest cell needs and no more.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Want {
    pub name: usize,
    pub ip: usize,
    pub domain: usize,
    pub image: usize,
}

impl Want {
    /// What the longest cells need over every container row, not only those on screen,
    /// so columns keep their place while scrolling. Worked out when the rows change
    /// (`State::reshape`), never per frame.
    pub fn of(rows: &[super::rows::Row], flat: bool) -> Want {
        let mut want = Want::default();
        for row in rows {
            let Some(cells) = &row.cells else { continue };
            let marker = 2 * row.depth + if flat { 2 } else { 4 };
            want.name = want.name.max(marker + row.name.chars().count());
            want.ip = want.ip.max(cells.ip.chars().count());
            want.domain = want.domain.max(cells.domain.chars().count());
            want.image = want.image.max(cells.image.chars().count());
        }
        want
    }
}

/// The name cell never gets less: marker (4), one level of indent (2) and 18
/// characters of name.
const NAME_MIN: usize = 24;
/// Beyond this the name grows only with room no other column takes.
const NAME_PREF: usize = 34;
/// `restarting (1) 59m` and `exited (137) 59m` fit; `restarting (137) 59m` loses its end.
const STATE: usize = 18;
const NODE: usize = 10;
/// `255.255.255.255`; a fleet of shorter addresses gets a narrower column.
const IP: usize = 15;
const IP_MIN: usize = 9;
const HEALTH: usize = 9;
/// `RST` over counts up to 999 (more reads `1k+`; the details say the exact count).
const RESTARTS_MIN: usize = 3;
/// `RESTARTS` in full, when the name has what it wants and room is left.
const RESTARTS: usize = 8;
const FLEX_MIN: usize = 12;
const FLEX_PREF: usize = 30;

/// Which columns fit `width`: name and state always; then, in this order and while
/// room remains, IP, domain, restarts, health and image (so they give way in the
/// reverse order: image first, then health, restarts, domain, IP). IP and domain may
/// cut a long name to make room: on a bastion the address and the site say more than a
/// name's last letters. Restarts takes its four cells from the domain (down to
/// FLEX_MIN, cut with `…`), never from the name: at 80 columns a name that showed whole
/// still does, and the one number that shows a crash loop between two crashes (the
/// state then reads `running 4s`) is there. On screen it sits right after the state.
/// Spare room goes to the name up to what its longest cell needs, then widens `RST` to
/// `RESTARTS`, then to the domain and the image, then to the last column.
pub fn layout(width: usize, flat: bool, want: Want) -> Columns {
    let name = want
        .name
        .min(width.saturating_sub(1 + STATE))
        .clamp(NAME_MIN, NAME_PREF);
    let mut used = name + 1 + STATE;
    let mut out: Columns = vec![(Column::Name, name)];
    if flat && used + 1 + NODE <= width {
        out.push((Column::Node, NODE));
        used += 1 + NODE;
    }
    out.push((Column::State, STATE));
    for (column, size) in [
        (Column::Ip, want.ip.clamp(IP_MIN, IP)),
        (Column::Domain, want.domain.clamp(FLEX_MIN, FLEX_PREF)),
        (Column::Restarts, RESTARTS_MIN),
        (Column::Health, HEALTH),
        (Column::Image, want.image.clamp(FLEX_MIN, FLEX_PREF)),
    ] {
        let over = (used + 1 + size).saturating_sub(width);
        if over > 0 {
            let giver = match column {
                Column::Ip | Column::Domain => Some((Column::Name, NAME_MIN)),
                Column::Restarts => Some((Column::Domain, FLEX_MIN)),
                _ => None,
            };
            let cell = giver
                .and_then(|(g, least)| out.iter_mut().find(|(c, w)| *c == g && *w >= least + over));
            if let Some((_, w)) = cell {
                *w -= over;
                used -= over;
            }
        }
        // In order: a narrow column never jumps the queue of a wider one before it.
        if used + 1 + size > width {
            break;
        }
        out.push((column, size));
        used += 1 + size;
    }
    // Left to right as on screen (the restart count was let in after the domain).
    out.sort_by_key(|(c, _)| *c);
    let mut spare = width.saturating_sub(used);
    for (column, upto) in [
        (Column::Name, want.name),
        (Column::Restarts, RESTARTS),
        (Column::Domain, want.domain),
        (Column::Image, want.image),
    ] {
        if let Some((_, w)) = out.iter_mut().find(|(c, _)| *c == column) {
            let more = upto.saturating_sub(*w).min(spare);
            // `RESTARTS` whole or not at all: a wider `RST` would only push the numbers right.
            if column == Column::Restarts && *w + more < RESTARTS {
                continue;
            }
            *w += more;
            spare -= more;
        }
    }
    // What is left goes to the last column, so a row ends at the right border; to the
    // name when that column is the restart count, which only wants its digits.
    let last = match out.last() {
        Some((Column::Restarts, _)) => out.first_mut(),
        _ => out.last_mut(),
    };
    if let Some((_, w)) = last {
        *w += spare;
    }
    out
}

/// `text` in exactly `width` cells: cut with `ellipsis` when longer, padded when shorter.
pub fn fit(text: &str, width: usize, ellipsis: &str) -> String {
    let count = text.chars().count();
    if count <= width {
        return format!("{text:<width$}");
    }
    let mark = ellipsis.chars().count();
    if width <= mark {
        return ellipsis.chars().take(width).collect();
    }
    let head: String = text.chars().take(width - mark).collect();
    format!("{head}{ellipsis}")
}

/// The restarts cell in `width` cells: the count right-aligned, `-` when unknown, and
/// `1k+` for a thousand or more in the narrow column.
pub fn restarts_cell(restarts: Option<u32>, width: usize) -> String {
    let text = match restarts {
        None => "-".to_string(),
        Some(n) if n.to_string().len() > width && n >= 1000 => "1k+".to_string(),
        Some(n) => n.to_string(),
    };
    format!("{text:>width$}")
}

/// What Docker's status line says beyond the state word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `Exited (3) …` and `Restarting (3) …`.
    pub exit_code: Option<i64>,
    /// Time in the state, in seconds (rounded as Docker rounds it).
    pub age_secs: Option<u64>,
}

/// Read `Up 3 hours (healthy)`, `Exited (137) About an hour ago`, `Restarting (1) 5
/// seconds ago`. Anything else (`Created`, an empty line, a future wording) gives
/// nothing, never an error: the state word still shows.
pub fn parse_status(status: &str) -> Status {
    let s = status.trim();
    let rest = ["Up ", "Exited ", "Restarting "]
        .iter()
        .find_map(|p| s.strip_prefix(p));
    let Some(mut rest) = rest else {
        return Status::default();
    };
    let mut out = Status::default();
    if let Some(inner) = rest.strip_prefix('(')
        && let Some((code, after)) = inner.split_once(')')
    {
        out.exit_code = code.trim().parse().ok();
        rest = after.trim_start();
    }
    // Drop "(healthy)", "(Paused)" and " ago".
    let rest = rest.split(" (").next().unwrap_or_default();
    let rest = rest.trim_end_matches(" ago").trim();
    out.age_secs = duration_secs(rest);
    out
}

/// Docker's `units.HumanDuration` back to seconds.
fn duration_secs(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "less than a second" => return Some(0),
        "about a minute" => return Some(60),
        "about an hour" => return Some(3600),
        _ => {}
    }
    let (n, unit) = lower.split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let per = match unit.trim_end_matches('s') {
        "second" => 1,
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        "week" => 7 * 86_400,
        "month" => 30 * 86_400,
        "year" => 365 * 86_400,
        _ => return None,
    };
    Some(n * per)
}

/// An age in one short unit: `42s`, `2m`, `3h`, `5d`, `3w`, `2y`.
pub fn short_age(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s if s < 14 * 86_400 => format!("{}d", s / 86_400),
        s if s < 365 * 86_400 => format!("{}w", s / (7 * 86_400)),
        s => format!("{}y", s / (365 * 86_400)),
    }
}

/// The state cell: the word, the exit code when there is one, and the age.
pub fn state_cell(word: &str, status: &Status) -> String {
    let mut out = word.to_string();
    if let Some(code) = status.exit_code {
        out.push_str(&format!(" ({code})"));
    }
    if let Some(age) = status.age_secs {
        out.push(' ');
        out.push_str(&short_age(age));
    }
    out
}

pub use crate::plural::plural;

#[cfg(test)]
mod tests;
