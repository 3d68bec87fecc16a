//! `%` tokens, `${VAR}` and `~` as OpenSSH expands them (ssh_config(5), TOKENS), and
//! its time values (`90`, `1m30s`).

use std::collections::BTreeMap;
use std::path::Path;

/// Replace `%X` by its value from `table` (`%%` is `%`); any other token is an error,
/// as it is for ssh.
pub fn percent(s: &str, table: &[(char, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(t) => match table.iter().find(|(k, _)| *k == t) {
                Some((_, v)) => out.push_str(v),
                None => return Err(format!("unknown token %{t} in {s:?}")),
            },
            None => return Err(format!("{s:?} ends with a lone %")),
        }
    }
    Ok(out)
}

/// `${NAME}` from the environment and `%` tokens in one pass (a value is never expanded
/// again); an unset variable is an error.
pub fn percent_dollar(
    s: &str,
    table: &[(char, &str)],
    vars: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("${") {
        out.push_str(&percent(&rest[..at], table)?);
        let after = &rest[at + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated ${{ in {s:?}"))?;
        let name = &after[..end];
        let value = vars
            .get(name)
            .ok_or_else(|| format!("environment variable {name} in {s:?} is not set"))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(&percent(rest, table)?);
    Ok(out)
}

/// `~` and `~/...` become the home directory; anything else is kept.
pub fn tilde(s: &str, home: &Path) -> String {
    if s == "~" {
        return home.display().to_string();
    }
    match s.strip_prefix("~/") {
        Some(rest) => format!(
            "{}/{rest}",
            home.display().to_string().trim_end_matches('/')
        ),
        None => s.to_string(),
    }
}

/// OpenSSH's `convtime`: seconds, or numbers each followed by s, m, h, d or w.
pub fn seconds(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    if !digits.is_empty() {
        total = total.checked_add(digits.parse().ok()?)?;
    }
    (total <= i32::MAX as u64).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansions() {
        let t = [('h', "web"), ('p', "22")];
        assert_eq!(percent("%h:%p %%", &t).expect("ok"), "web:22 %");
        assert!(percent("%z", &t).is_err());
        assert!(percent("x%", &t).is_err());
        let vars = BTreeMap::from([("A".to_string(), "1".to_string())]);
        assert_eq!(percent_dollar("%h${A}y", &t, &vars).expect("ok"), "web1y");
        assert!(percent_dollar("${B}", &t, &vars).is_err());
        assert_eq!(tilde("~/k", Path::new("/home/u")), "/home/u/k");
        assert_eq!(tilde("/k", Path::new("/home/u")), "/k");
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("7"), Some(7));
        assert_eq!(seconds("2x"), None);
        assert_eq!(seconds(""), None);
    }
}
