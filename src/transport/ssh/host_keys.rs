//! Which host-key algorithms to ask the server for, in which order. As OpenSSH does
//! when HostKeyAlgorithms is not set: the types known_hosts already holds for this host
//! come first, so a host known only by its ECDSA or RSA key shows that key and is
//! verified, instead of showing an ed25519 key that known_hosts cannot vouch for.
//! A HostKeyAlgorithms value (`list`, `+list`, `-list`, `^list`) is followed as written.

use russh::keys::Algorithm;

use crate::sshcfg::pattern::match_list;

/// The algorithms fleetdeck can verify, in its default order.
pub fn supported() -> Vec<Algorithm> {
    russh::Preferred::DEFAULT.key.to_vec()
}

fn same_type(a: &Algorithm, b: &Algorithm) -> bool {
    (matches!(a, Algorithm::Rsa { .. }) && matches!(b, Algorithm::Rsa { .. })) || a == b
}

/// The order to offer: `configured` is HostKeyAlgorithms, `known` the key types of the
/// host's known_hosts entries.
pub fn order(configured: Option<&str>, known: &[Algorithm]) -> Vec<Algorithm> {
    let all = supported();
    let Some(value) = configured else {
        let (first, rest): (Vec<Algorithm>, Vec<Algorithm>) = all
            .into_iter()
            .partition(|a| known.iter().any(|k| same_type(a, k)));
        return first.into_iter().chain(rest).collect();
    };
    let named = |list: &str| -> Vec<Algorithm> {
        list.split(',')
            .filter_map(|name| all.iter().find(|a| a.as_str() == name).cloned())
            .collect()
    };
    let chosen: Vec<Algorithm> = if let Some(list) = value.strip_prefix('+') {
        let mut out = all.clone();
        out.extend(named(list).into_iter().filter(|a| !all.contains(a)));
        out
    } else if let Some(list) = value.strip_prefix('-') {
        all.iter()
            .filter(|a| match_list(a.as_str(), list, false) != Some(true))
            .cloned()
            .collect()
    } else if let Some(list) = value.strip_prefix('^') {
        let mut out = named(list);
        out.extend(
            all.iter()
                .filter(|a| !out.contains(a))
                .cloned()
                .collect::<Vec<_>>(),
        );
        out
    } else {
        named(value)
    };
    // Nothing fleetdeck can verify was named: its own list, rather than no connection.
    if chosen.is_empty() { all } else { chosen }
}

/// The key types whose certificates (`*-cert-v01@openssh.com`) to ask for, ahead of
/// plain keys, when an `@cert-authority` line covers the host: those of `plain` (the
/// order above), or, when HostKeyAlgorithms is a plain list naming certificate types,
/// exactly those.
pub fn certificate_order(configured: Option<&str>, plain: &[Algorithm]) -> Vec<Algorithm> {
    match configured {
        Some(list) if !list.starts_with(['+', '-', '^']) => list
            .split(',')
            .filter_map(|name| {
                supported()
                    .into_iter()
                    .find(|a| a.to_certificate_type() == name)
            })
            .collect(),
        _ => plain.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use russh::keys::{EcdsaCurve, HashAlg};

    use super::*;

    const P256: Algorithm = Algorithm::Ecdsa {
        curve: EcdsaCurve::NistP256,
    };

    #[test]
    fn known_types_come_first() {
        let got = order(None, &[P256]);
        assert_eq!(got[0], P256);
        assert_eq!(got.len(), supported().len());
        let got = order(None, &[Algorithm::Rsa { hash: None }]);
        assert!(
            got[..3].iter().all(|a| matches!(a, Algorithm::Rsa { .. })),
            "{got:?}"
        );
        assert_eq!(order(None, &[]), supported());
    }

    #[test]
    fn configured_lists() {
        assert_eq!(order(Some("ecdsa-sha2-nistp256"), &[]), [P256]);
        let minus = order(Some("-ssh-ed25519,rsa-*,ssh-rsa"), &[]);
        assert!(
            !minus.contains(&Algorithm::Ed25519)
                && !minus.iter().any(|a| matches!(a, Algorithm::Rsa { .. }))
        );
        let caret = order(Some("^rsa-sha2-256"), &[P256]);
        assert_eq!(
            caret[0],
            Algorithm::Rsa {
                hash: Some(HashAlg::Sha256)
            }
        );
        assert_eq!(order(Some("+ssh-ed25519"), &[]), supported());
        assert_eq!(order(Some("unknown-alg"), &[]), supported());
    }

    #[test]
    fn certificate_types() {
        assert_eq!(certificate_order(None, &[P256]), [P256]);
        assert_eq!(
            certificate_order(
                Some("ecdsa-sha2-nistp256-cert-v01@openssh.com,ssh-ed25519"),
                &supported()
            ),
            [P256]
        );
        assert!(certificate_order(Some("ssh-ed25519"), &supported()).is_empty());
    }
}
