use std::path::Path;

use russh::keys::ssh_key::certificate::{Builder, CertType};
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::ssh_key::{Certificate, PrivateKey};

use super::*;

const NAME: &str = "[127.0.0.1]:2222";
const NOW: u64 = 1_800_000_000;

fn key(seed: u8) -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[seed; 32]))
}

fn line(marker: &str, patterns: &str, k: &PrivateKey) -> String {
    let public = k.public_key().to_openssh().expect("openssh");
    format!("{marker}{patterns} {public}\n")
}

struct Cert {
    kind: CertType,
    principals: Vec<&'static str>,
    after: u64,
    before: u64,
    critical: bool,
}

impl Default for Cert {
    fn default() -> Cert {
        Cert {
            kind: CertType::Host,
            principals: vec!["127.0.0.1"],
            after: NOW - 60,
            before: NOW + 3600,
            critical: false,
        }
    }
}

fn sign(spec: Cert, ca: &PrivateKey) -> Certificate {
    let host = key(7);
    let mut b = Builder::new(
        [9u8; 32].to_vec(),
        host.public_key().key_data().clone(),
        spec.after,
        spec.before,
    )
    .expect("builder");
    b.cert_type(spec.kind).expect("type");
    b.key_id("test").expect("id");
    if spec.principals.is_empty() {
        b.all_principals_valid().expect("all");
    }
    for p in spec.principals {
        b.valid_principal(p).expect("principal");
    }
    if spec.critical {
        b.critical_option("force-command", "true").expect("option");
    }
    b.sign(ca).expect("sign")
}

fn files(text: &str) -> Vec<KnownHosts> {
    vec![KnownHosts::parse(Path::new("/kh"), text)]
}

fn default_algorithms() -> Vec<String> {
    crate::sshcfg::algorithms::CA_SIGNATURE_DEFAULT
        .iter()
        .map(|a| a.to_string())
        .collect()
}

fn check_with(text: &str, cert: &Certificate, principal: &str, algorithms: &[String]) -> Verdict {
    let policy = CertPolicy {
        principal,
        ca_algorithms: algorithms,
        now: NOW,
    };
    verify_certificate(&files(text), NAME, &policy, cert)
}

fn check(text: &str, cert: &Certificate) -> Verdict {
    check_with(text, cert, "127.0.0.1", &default_algorithms())
}

fn refusal(v: Verdict) -> CertRefusal {
    match v {
        Verdict::Certificate { refusal, .. } => refusal,
        other => panic!("not a certificate refusal: {other:?}"),
    }
}

#[test]
fn a_certificate_from_a_listed_authority_is_trusted() {
    let ca = key(1);
    let kh = format!(
        "# comment\n{}",
        line("@cert-authority ", "[127.0.0.1]:*", &ca)
    );
    let v = check(&kh, &sign(Cert::default(), &ca));
    assert_eq!(
        v,
        Verdict::Trusted {
            file: "/kh".into(),
            line: 2
        }
    );
    // No principals: valid for any host, as ssh accepts it.
    let any = sign(
        Cert {
            principals: vec![],
            ..Cert::default()
        },
        &ca,
    );
    assert!(matches!(check(&kh, &any), Verdict::Trusted { .. }));
    assert!(has_authority(&files(&kh), NAME));
    assert!(!has_authority(&files(&kh), "other"));
    let found = authorities(&files(&kh), NAME);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].file.as_path(), found[0].line),
        (Path::new("/kh"), 2)
    );
    assert!(found[0].fingerprint.starts_with("SHA256:"));
}

#[test]
fn expired_and_future_certificates_are_refused() {
    let ca = key(1);
    let kh = line("@cert-authority ", "*", &ca);
    let old = sign(
        Cert {
            after: NOW - 7200,
            before: NOW - 3600,
            ..Cert::default()
        },
        &ca,
    );
    let r = refusal(check(&kh, &old));
    assert!(
        matches!(&r, CertRefusal::Expired { window } if window.contains("UTC")),
        "{r:?}"
    );
    let soon = sign(
        Cert {
            after: NOW + 60,
            ..Cert::default()
        },
        &ca,
    );
    assert!(matches!(
        refusal(check(&kh, &soon)),
        CertRefusal::NotYetValid { .. }
    ));
}

#[test]
fn a_wrong_principal_is_refused_and_wildcards_match() {
    let ca = key(1);
    let kh = line("@cert-authority ", "*", &ca);
    let other = sign(
        Cert {
            principals: vec!["web1.example", "web2.example"],
            ..Cert::default()
        },
        &ca,
    );
    assert_eq!(
        refusal(check(&kh, &other)),
        CertRefusal::Principal {
            wanted: "127.0.0.1".into(),
            principals: vec!["web1.example".into(), "web2.example".into()],
        }
    );
    let wild = sign(
        Cert {
            principals: vec!["127.0.0.*"],
            ..Cert::default()
        },
        &ca,
    );
    assert!(matches!(check(&kh, &wild), Verdict::Trusted { .. }));
}

#[test]
fn another_authority_is_untrusted_unless_the_plain_key_is_known() {
    let (ca, rogue) = (key(1), key(2));
    let kh = line("@cert-authority ", "*", &ca);
    let cert = sign(Cert::default(), &rogue);
    assert_eq!(
        refusal(check(&kh, &cert)),
        CertRefusal::UntrustedCa {
            ca_fingerprint: rogue.public_key().fingerprint(HashAlg::Sha256).to_string(),
            authorities: 1,
        }
    );
    // An authority listed for other hosts only does not count.
    let elsewhere = line("@cert-authority ", "*.example", &rogue);
    assert!(matches!(
        refusal(check(&elsewhere, &cert)),
        CertRefusal::UntrustedCa { authorities: 0, .. }
    ));
    // The key inside is known as a plain key: trusted, as ssh retries with it.
    let known = format!("{kh}{}", line("", NAME, &key(7)));
    assert!(matches!(
        check(&known, &cert),
        Verdict::Trusted { line: 2, .. }
    ));
}

#[test]
fn user_certificates_critical_options_and_revocations_are_refused() {
    let ca = key(1);
    let kh = line("@cert-authority ", "*", &ca);
    let user = sign(
        Cert {
            kind: CertType::User,
            ..Cert::default()
        },
        &ca,
    );
    assert!(matches!(
        refusal(check(&kh, &user)),
        CertRefusal::Invalid { .. }
    ));
    let critical = sign(
        Cert {
            critical: true,
            ..Cert::default()
        },
        &ca,
    );
    assert!(matches!(
        refusal(check(&kh, &critical)),
        CertRefusal::Invalid { .. }
    ));
    let cert = sign(Cert::default(), &ca);
    for revoked in [&ca, &key(7)] {
        let text = format!("{kh}{}", line("@revoked ", "*", revoked));
        assert_eq!(
            check(&text, &cert),
            Verdict::Revoked {
                file: "/kh".into(),
                line: 2
            }
        );
    }
}

#[test]
fn the_alias_is_the_principal_wanted() {
    let ca = key(1);
    let kh = line("@cert-authority ", "fleet-alias", &ca);
    let cert = sign(
        Cert {
            principals: vec!["fleet-alias"],
            ..Cert::default()
        },
        &ca,
    );
    let policy = CertPolicy {
        principal: "Fleet-Alias",
        ca_algorithms: &default_algorithms(),
        now: NOW,
    };
    let v = verify_certificate(&files(&kh), "Fleet-Alias", &policy, &cert);
    assert!(matches!(v, Verdict::Trusted { .. }), "{v:?}");
}

#[test]
fn a_ca_signature_algorithm_left_out_of_the_list_is_refused() {
    let ca = key(1);
    let kh = line("@cert-authority ", "*", &ca);
    let cert = sign(Cert::default(), &ca);
    let only_rsa = vec!["rsa-sha2-512".to_string(), "rsa-sha2-256".to_string()];
    assert_eq!(
        refusal(check_with(&kh, &cert, "127.0.0.1", &only_rsa)),
        CertRefusal::CaAlgorithm {
            algorithm: "ssh-ed25519".into(),
            allowed: only_rsa,
        }
    );
    let with_ed = vec!["ssh-ed25519".to_string()];
    assert!(matches!(
        check_with(&kh, &cert, "127.0.0.1", &with_ed),
        Verdict::Trusted { .. }
    ));
}
