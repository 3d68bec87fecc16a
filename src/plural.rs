//! Counts in words: `1 problem`, `2 problems`. Every message that counts something
//! (console, CLI text, check and plan lines) goes through [`plural`], so none says
//! `1 problems` or `problem(s)`.

/// `n` and the noun that agrees with it: `plural(1, "port", "ports")` is `1 port`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", noun(n, one, many))
}

/// The noun alone, for a count written elsewhere (`1 of 3 sites ok`).
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(0, "problem", "problems"), "0 problems");
        assert_eq!(plural(1, "problem", "problems"), "1 problem");
        assert_eq!(plural(2, "match", "matches"), "2 matches");
        assert_eq!(noun(1, "site", "sites"), "site");
        assert_eq!(noun(3, "site", "sites"), "sites");
    }
}
