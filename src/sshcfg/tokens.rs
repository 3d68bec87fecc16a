//! `%` tokens, `${VAR}` and `~` as OpenSSH expands them (ssh_config(5), TOKENS), and
//! its time values (`90`, `1m30s`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Other users' home directories, for `~user/` (read through `Files` when loading:
/// `load.rs`), by user name.
pub type Homes = BTreeMap<String, PathBuf>;

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

/// The user a `~user` or `~user/...` path names, when it names one (`~/x` and `~`
/// are one's own home).
pub fn tilde_user(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('~')?;
    let user = rest.split('/').next().unwrap_or_default();
    (!user.is_empty()).then_some(user)
}

/// OpenSSH's `tilde_expand`: `~/x` is the home directory's `x`, `~user/x` that user's
/// (`~user` alone is that home); the slashes after the name are folded into one, and
/// an unknown user is an error, as ssh says.
pub fn tilde(s: &str, home: &Path, homes: &Homes) -> Result<String, String> {
    let Some(rest) = s.strip_prefix('~') else {
        return Ok(s.to_string());
    };
    let user = tilde_user(s);
    let dir = match user {
        Some(user) => homes
            .get(user)
            .ok_or_else(|| format!("{s}: no such user {user} (in /etc/passwd)"))?,
        None => home,
    };
    let file = rest[user.map_or(0, str::len)..].trim_start_matches('/');
    let dir = dir.display().to_string();
    let sep = if dir.ends_with('/') { "" } else { "/" };
    Ok(format!("{dir}{sep}{file}"))
}

/// A user's home directory from passwd(5) text.
pub fn passwd_home(passwd: &str, user: &str) -> Option<PathBuf> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() >= 7 && fields[0] == user).then(|| PathBuf::from(fields[5]))
    })
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
        let homes = Homes::from([("root".to_string(), PathBuf::from("/root"))]);
        let t = |s: &str| tilde(s, Path::new("/home/u"), &homes);
        assert_eq!(t("~/k").as_deref(), Ok("/home/u/k"));
        assert_eq!(t("/k").as_deref(), Ok("/k"));
        assert_eq!(t("~root/.ssh/id").as_deref(), Ok("/root/.ssh/id"));
        // As ssh: the home with a slash, the slashes after it folded.
        assert_eq!(t("~root").as_deref(), Ok("/root/"));
        assert_eq!(t("~").as_deref(), Ok("/home/u/"));
        assert_eq!(t("~root//x").as_deref(), Ok("/root/x"));
        assert_eq!(t("~//x").as_deref(), Ok("/home/u/x"));
        assert!(
            t("~nobody-here/k")
                .expect_err("unknown")
                .contains("no such user")
        );
        assert_eq!(tilde_user("~root/x"), Some("root"));
        assert_eq!(tilde_user("~/x"), None);
        assert_eq!(tilde_user("~root"), Some("root"));
        let passwd = "root:x:0:0:root:/root:/bin/bash\nme:x:1000:1000::/home/me:/bin/sh\n";
        assert_eq!(passwd_home(passwd, "me"), Some(PathBuf::from("/home/me")));
        assert_eq!(passwd_home(passwd, "ro"), None);
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("7"), Some(7));
        assert_eq!(seconds("2x"), None);
        assert_eq!(seconds(""), None);
    }
}
