//! The `/` filter: words, and terms `node:`, `state:`, `vlan:`, `domain:`. A row shows
//! when it matches every one of them, and so do its ancestors, so a match is always seen
//! where it lives. Any case; a word matches a row's name, state word or extra text.

use std::borrow::Borrow;

use super::{Health, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Word(String),
    Node(String),
    State(String),
    Vlan(String),
    Domain(String),
}

impl Term {
    /// Whether every row this term matches, `wider` matches too: then a filter made
    /// narrower by it needs to look only at the rows shown already.
    fn within(&self, wider: &Term) -> bool {
        match (self, wider) {
            (Term::Word(a), Term::Word(b))
            | (Term::Node(a), Term::Node(b))
            | (Term::Domain(a), Term::Domain(b)) => a.contains(b.as_str()),
            // `state:crashed` goes by health, not by the word.
            (Term::State(a), Term::State(b)) => {
                a == b || (a != "crashed" && b != "crashed" && a.contains(b.as_str()))
            }
            (Term::Vlan(a), Term::Vlan(b)) => a == b,
            _ => false,
        }
    }
}

/// A filter's terms, parsed once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms(Vec<Term>);

impl Terms {
    pub fn parse(needle: &str) -> Terms {
        Terms(
            needle
                .split_whitespace()
                .map(|raw| {
                    let lower = raw.to_lowercase();
                    match lower.split_once(':') {
                        Some(("node", v)) => Term::Node(v.to_string()),
                        Some(("state", v)) => Term::State(v.to_string()),
                        Some(("vlan", v)) => Term::Vlan(v.to_string()),
                        Some(("domain", v)) => Term::Domain(v.to_string()),
                        _ => Term::Word(lower),
                    }
                })
                .collect(),
        )
    }

    /// No terms: every row shows.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `row` matches every term.
    pub fn hit(&self, row: &Row) -> bool {
        self.0.iter().all(|t| matches(row, t))
    }

    /// Whether these terms show only rows that `wider` shows too (a letter typed at the
    /// end of a word, a term added): then filtering what `wider` shows is enough. Each
    /// earlier term must be implied by the term in its place.
    pub fn narrows(&self, wider: &Terms) -> bool {
        self.0.len() >= wider.0.len() && wider.0.iter().zip(&self.0).all(|(w, t)| t.within(w))
    }

    /// Which of `rows` show: the matches and the ancestors of every match (`rows` is a
    /// run of the table in screen order). Returns the flags and whether any row matched.
    pub fn keep<R: Borrow<Row>>(&self, rows: &[R]) -> (Vec<bool>, bool) {
        let mut keep = vec![false; rows.len()];
        let mut any = false;
        // One pass with the chain of ancestors of the current row: a match keeps itself
        // and that whole chain.
        let mut chain: Vec<usize> = Vec::new();
        for (i, row) in rows.iter().map(Borrow::borrow).enumerate() {
            while chain
                .last()
                .is_some_and(|&a| rows[a].borrow().depth >= row.depth)
            {
                chain.pop();
            }
            if self.is_empty() || self.hit(row) {
                any = true;
                keep[i] = true;
                chain.iter().for_each(|&a| keep[a] = true);
            }
            chain.push(i);
        }
        (keep, any)
    }
}

/// Whether `haystack` holds `needle` (lower case) in any case; without an allocation
/// when the haystack is ASCII, as names, states and addresses nearly always are.
fn contains(haystack: &str, needle: &str) -> bool {
    if !haystack.is_ascii() {
        return haystack.to_lowercase().contains(needle);
    }
    let (hay, pin) = (haystack.as_bytes(), needle.as_bytes());
    pin.is_empty()
        || hay
            .windows(pin.len())
            .any(|w| w.iter().zip(pin).all(|(h, p)| h.to_ascii_lowercase() == *p))
}

fn matches(row: &Row, term: &Term) -> bool {
    let cells = row.cells.as_deref();
    match term {
        Term::Word(w) => [&row.name, &row.state, &row.extra]
            .iter()
            .any(|f| contains(f, w)),
        Term::Node(n) => contains(&row.node, n),
        // `state:crashed` names the red rows whatever their word is.
        Term::State(s) if s == "crashed" => {
            matches!(row.health, Health::Crashed | Health::Unhealthy)
        }
        Term::State(s) => contains(&row.state, s),
        Term::Vlan(v) => cells
            .and_then(|c| c.vlan)
            .is_some_and(|id| id.to_string() == *v),
        Term::Domain(d) => cells.is_some_and(|c| contains(&c.domain, d)),
    }
}

/// Keep the rows that match every term of `needle` and the ancestors of every match.
pub fn filtered(rows: Vec<Row>, needle: &str) -> Vec<Row> {
    let terms = Terms::parse(needle);
    if terms.is_empty() {
        return rows;
    }
    let (keep, _) = terms.keep(&rows);
    rows.into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect()
}

#[cfg(test)]
mod tests;
