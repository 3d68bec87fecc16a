//! Algorithm lists as ssh assembles them (`+list` appends to the default, `-list`
//! removes from it, `^list` puts first, a plain list replaces it; wildcards match
//! against every algorithm ssh knows). Used for `CASignatureAlgorithms` (README.md,
//! "SSH certificates").

use super::pattern::{match_list, match_pattern};

/// Every signature algorithm ssh knows, in its own order (`ssh -Q sig`).
pub const SIGNATURE_ALL: [&str; 11] = [
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
    "ssh-rsa",
    "rsa-sha2-256",
    "rsa-sha2-512",
];

/// `CASignatureAlgorithms` when the config sets none, as `ssh -G` prints it: no
/// `ssh-rsa` (SHA-1) and no DSA.
pub const CA_SIGNATURE_DEFAULT: [&str; 8] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

/// Parse-time check, as ssh refuses the file: every name (after the `+ - ^` prefix)
/// is a known algorithm, or a wildcard matching at least one.
pub fn check_names(value: &str) -> Result<(), String> {
    let list = value.strip_prefix(['+', '-', '^']).unwrap_or(value);
    let known = |name: &str| {
        SIGNATURE_ALL
            .iter()
            .any(|alg| *alg == name || match_pattern(alg, name))
    };
    // As ssh's `strsep` loop: an empty list is bad, the first empty name ends it.
    if !list.is_empty() && list.split(',').take_while(|n| !n.is_empty()).all(known) {
        Ok(())
    } else {
        Err(format!("Bad key types '{value}'"))
    }
}

/// The list ssh ends up with for `value` over `default` (OpenSSH's
/// `kex_assemble_names`): duplicates dropped, each entry expanded against
/// [`SIGNATURE_ALL`], unknown names dropped.
pub fn assemble(value: Option<&str>, default: &[&str]) -> Vec<String> {
    let joined = default.join(",");
    let combined = match value {
        None | Some("") => joined,
        Some(v) => {
            if let Some(add) = v.strip_prefix('+') {
                format!("{joined},{add}")
            } else if let Some(remove) = v.strip_prefix('-') {
                default
                    .iter()
                    .filter(|alg| match_list(alg, remove, false) != Some(true))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(",")
            } else if let Some(first) = v.strip_prefix('^') {
                format!("{first},{joined}")
            } else {
                v.to_string()
            }
        }
    };
    let mut out: Vec<String> = Vec::new();
    for entry in combined.split(',').filter(|e| !e.is_empty()) {
        for alg in SIGNATURE_ALL {
            if match_list(alg, entry, false) == Some(true) && !out.iter().any(|o| o == alg) {
                out.push(alg.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca(v: Option<&str>) -> String {
        assemble(v, &CA_SIGNATURE_DEFAULT).join(",")
    }

    #[test]
    fn lists_assemble_as_ssh_dash_g_prints_them() {
        assert_eq!(ca(None), CA_SIGNATURE_DEFAULT.join(","));
        assert!(ca(Some("+ssh-rsa")).ends_with(",rsa-sha2-256,ssh-rsa"));
        assert_eq!(ca(Some("-rsa*")).split(',').count(), 6);
        assert_eq!(ca(Some("-*")), "");
        assert!(ca(Some("^ssh-rsa")).starts_with("ssh-rsa,ssh-ed25519,"));
        assert_eq!(ca(Some("ssh-ed25519*")), "ssh-ed25519");
        assert_eq!(ca(Some("ssh-ed25519,ssh-ed25519")), "ssh-ed25519");
        assert_eq!(ca(Some("*")), SIGNATURE_ALL.join(","));
        assert!(check_names("+ssh-rsa,ssh-ed25519").is_ok());
        assert!(check_names("ssh-ed25519*").is_ok());
        assert!(check_names("foo").is_err());
        assert!(check_names("rsa*,foo*").is_err());
        assert!(check_names("ssh-ed25519,").is_ok());
        assert!(check_names("+").is_err());
        assert!(check_names("SSH-ED25519").is_err());
    }
}
