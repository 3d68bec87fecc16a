//! The `/` filter: words, and terms `node:`, `state:`, `vlan:`, `domain:`. A row shows
//! when it matches every one of them, and so do its ancestors, so a match is always seen
//! where it lives. Any case; a word matches a row's name, state word or extra text.

use super::{Health, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Word(String),
    Node(String),
    State(String),
    Vlan(String),
    Domain(String),
}

fn parse(needle: &str) -> Vec<Term> {
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
        .collect()
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
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
    let terms = parse(needle);
    if terms.is_empty() {
        return rows;
    }
    let hit = |r: &Row| terms.iter().all(|t| matches(r, t));
    // One pass with the chain of ancestors of the current row: a match keeps itself
    // and that whole chain.
    let mut keep = vec![false; rows.len()];
    let mut chain: Vec<usize> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        while chain.last().is_some_and(|&a| rows[a].depth >= row.depth) {
            chain.pop();
        }
        if hit(row) {
            keep[i] = true;
            chain.iter().for_each(|&a| keep[a] = true);
        }
        chain.push(i);
    }
    rows.into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect()
}
