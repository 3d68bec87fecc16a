//! OpenSSH's patterns: `*` and `?` wildcards, and comma lists with `!` negation.
//! `Host` lines match one pattern per word, case-sensitively; `Match host` lists match
//! case-insensitively (as ssh does).

/// One wildcard pattern against a string, byte by byte.
pub fn match_pattern(text: &str, pattern: &str) -> bool {
    glob(text.as_bytes(), pattern.as_bytes())
}

fn glob(text: &[u8], pattern: &[u8]) -> bool {
    // Iterative with one backtrack point: linear enough for any hostile line.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

/// A comma list: `Some(false)` when a negated pattern matches (that wins), `Some(true)`
/// when a plain one does, `None` otherwise.
pub fn match_list(text: &str, list: &str, lower: bool) -> Option<bool> {
    let mut hit = None;
    for sub in list.split(',') {
        let (negated, pat) = match sub.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, sub),
        };
        let pat = if lower {
            pat.to_ascii_lowercase()
        } else {
            pat.to_string()
        };
        if match_pattern(text, &pat) {
            if negated {
                return Some(false);
            }
            hit = Some(true);
        }
    }
    hit
}

/// `Match host` and `Match originalhost`: both sides lowercased.
pub fn match_hostname(host: &str, list: &str) -> bool {
    match_list(&host.to_ascii_lowercase(), list, true) == Some(true)
}

/// A pattern that names one host (no wildcard, no negation).
pub fn is_concrete(pattern: &str) -> bool {
    !pattern.is_empty() && !pattern.contains(['*', '?', '!'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_lists() {
        assert!(match_pattern("web1.lab", "web?.*"));
        assert!(match_pattern("", "*"));
        assert!(!match_pattern("a", ""));
        assert!(match_pattern("aXbXc", "a*b*c"));
        assert!(!match_pattern("abd", "a*c"));
        assert!(!match_pattern("A", "a"));
        assert_eq!(match_list("db", "web*,db", false), Some(true));
        assert_eq!(match_list("db", "*,!db", false), Some(false));
        assert_eq!(match_list("x", "a,b", false), None);
        assert!(match_hostname("WEB", "w*"));
    }
}
