//! Colours a container prints: ANSI SGR sequences (`ESC [ … m`) read into attributes of
//! the text that follows; every other escape sequence (cursor moves, OSC titles,
//! clipboard writes…) is dropped whole, so nothing but colour reaches the terminal from
//! a log line. Pure; the logs view turns the attributes into its styles (README.md,
//! "Logs view").

/// A colour as SGR names it: one of the 256 indexed colours (0–7 normal, 8–15 bright) or
/// 24-bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// What the SGR sequences seen so far say about the text that follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attrs {
    pub fg: Option<Colour>,
    pub bg: Option<Colour>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub reversed: bool,
}

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';

/// `38;5;N` or `38;2;R;G;B` (the same after 48): the colour and how many parameters it
/// took after the 38/48.
fn extended(rest: &[Option<u16>]) -> (Option<Colour>, usize) {
    let byte = |i: usize| {
        rest.get(i)
            .copied()
            .flatten()
            .and_then(|v| u8::try_from(v).ok())
    };
    match rest.first().copied().flatten() {
        Some(5) => (byte(1).map(Colour::Indexed), 2),
        Some(2) => match (byte(1), byte(2), byte(3)) {
            (Some(r), Some(g), Some(b)) => (Some(Colour::Rgb(r, g, b)), 4),
            _ => (None, 4),
        },
        _ => (None, rest.len()),
    }
}

impl Attrs {
    /// Apply one SGR parameter list (`1;31`, `38;5;208`, empty = reset).
    fn apply(&mut self, params: &str) {
        let list: Vec<Option<u16>> = params.split([';', ':']).map(|p| p.parse().ok()).collect();
        let mut i = 0;
        while i < list.len() {
            let p = list[i].unwrap_or(0);
            i += 1;
            match p {
                0 => *self = Attrs::default(),
                1 => self.bold = true,
                2 => self.dim = true,
                3 => self.italic = true,
                4 => self.underline = true,
                7 => self.reversed = true,
                22 => (self.bold, self.dim) = (false, false),
                23 => self.italic = false,
                24 => self.underline = false,
                27 => self.reversed = false,
                30..=37 => self.fg = Some(Colour::Indexed((p - 30) as u8)),
                90..=97 => self.fg = Some(Colour::Indexed((p - 90 + 8) as u8)),
                40..=47 => self.bg = Some(Colour::Indexed((p - 40) as u8)),
                100..=107 => self.bg = Some(Colour::Indexed((p - 100 + 8) as u8)),
                39 => self.fg = None,
                49 => self.bg = None,
                38 | 48 => {
                    let (colour, used) = extended(&list[i..]);
                    i += used;
                    if p == 38 {
                        self.fg = colour;
                    } else {
                        self.bg = colour;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Skip one escape sequence starting after its ESC; returns the SGR parameters when it
/// was one, and where the text resumes.
fn sequence(rest: &str) -> (Option<&str>, usize) {
    let mut chars = rest.char_indices();
    match chars.next() {
        // CSI: parameters, intermediates, one final byte.
        Some((_, '[')) => {
            for (at, c) in chars {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    let body = &rest[1..at];
                    let sgr = c == 'm'
                        && body
                            .chars()
                            .all(|b| b.is_ascii_digit() || b == ';' || b == ':');
                    return (sgr.then_some(body), at + 1);
                }
                if !('\u{20}'..='\u{3f}').contains(&c) {
                    // Not a CSI after all: drop the introducer only.
                    return (None, at);
                }
            }
            (None, rest.len())
        }
        // OSC and other strings: up to the string terminator (ESC \ or BEL) or the
        // line's end.
        Some((_, ']' | 'P' | '_' | '^' | 'X')) => {
            let st = rest.find("\u{1b}\\").map(|at| at + 2);
            let bel = rest.find(BEL).map(|at| at + 1);
            match (st, bel) {
                (Some(a), Some(b)) => (None, a.min(b)),
                (Some(a), None) | (None, Some(a)) => (None, a),
                (None, None) => (None, rest.len()),
            }
        }
        // nF (`ESC ( B`): intermediates, then one final byte.
        Some((_, '\u{20}'..='\u{2f}')) => {
            for (at, c) in chars {
                if !('\u{20}'..='\u{2f}').contains(&c) {
                    return (None, at + c.len_utf8());
                }
            }
            (None, rest.len())
        }
        Some((_, c)) => (None, c.len_utf8()),
        None => (None, 0),
    }
}

/// The text of `line` in runs of equal attributes, escape sequences removed.
pub fn parse(line: &str) -> Vec<(Attrs, String)> {
    let mut out: Vec<(Attrs, String)> = Vec::new();
    let mut attrs = Attrs::default();
    let mut rest = line;
    while !rest.is_empty() {
        let (text, after) = match rest.find(ESC) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        // A BEL outside a sequence rings nothing here.
        let text = text.replace(BEL, "");
        let text = text.as_str();
        if !text.is_empty() {
            match out.last_mut() {
                Some((a, t)) if *a == attrs => t.push_str(text),
                _ => out.push((attrs, text.to_string())),
            }
        }
        let Some(after) = after else { break };
        let (sgr, skip) = sequence(after);
        if let Some(params) = sgr {
            attrs.apply(params);
        }
        rest = &after[skip..];
    }
    out
}

/// `line` without its escape sequences: what searching and cutting work on.
pub fn strip(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains([ESC, BEL]) {
        return std::borrow::Cow::Borrowed(line);
    }
    std::borrow::Cow::Owned(parse(line).into_iter().map(|(_, t)| t).collect())
}

#[cfg(test)]
mod tests;
