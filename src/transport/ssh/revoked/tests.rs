use std::path::Path;

use russh::keys::ssh_key::certificate::{Builder, CertType};
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::ssh_key::{Certificate, PrivateKey};
use sha2::Digest;

use super::*;

fn key(seed: u8) -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[seed; 32]))
}

fn data(k: &PrivateKey) -> KeyData {
    k.public_key().key_data().clone()
}

fn blob(k: &PrivateKey) -> Vec<u8> {
    k.public_key().to_bytes().expect("blob")
}

fn cert(host: &PrivateKey, ca: &PrivateKey, serial: u64, id: &str) -> Certificate {
    let mut b = Builder::new([3u8; 32].to_vec(), data(host), 0, u64::MAX).expect("builder");
    b.cert_type(CertType::Host).expect("type");
    b.serial(serial).expect("serial");
    b.key_id(id).expect("id");
    b.all_principals_valid().expect("principals");
    b.sign(ca).expect("sign")
}

/// SSH wire encoding for hand-made KRLs.
fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

fn krl(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = krl::MAGIC.to_vec();
    out.extend_from_slice(&1u32.to_be_bytes());
    for _ in 0..3 {
        out.extend_from_slice(&0u64.to_be_bytes());
    }
    string(&mut out, b"");
    string(&mut out, b"test");
    for (kind, body) in sections {
        out.push(*kind);
        string(&mut out, body);
    }
    out
}

fn cert_section(ca: Option<&PrivateKey>, subs: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    string(&mut out, &ca.map(blob).unwrap_or_default());
    string(&mut out, b"");
    for (kind, body) in subs {
        out.push(*kind);
        string(&mut out, body);
    }
    out
}

fn parse(bytes: &[u8]) -> RevokedKeys {
    RevokedKeys::parse(Path::new("/r"), bytes).expect("parses")
}

#[test]
fn a_text_file_revokes_keys_the_keys_of_certificates_and_cas() {
    let (host, other, ca) = (key(1), key(2), key(3));
    let c = cert(&other, &ca, 5, "web");
    let text = format!(
        "# revoked\n\nnot a key\n{}\n",
        host.public_key().to_openssh().expect("openssh")
    );
    let r = parse(text.as_bytes());
    assert_eq!(
        r.key(&data(&host)).as_deref(),
        Some("the host key is listed on line 4")
    );
    assert_eq!(r.key(&data(&other)), None);
    assert_eq!(r.certificate(&c), None);
    // A certificate line revokes the key it certifies; a CA line every certificate.
    let r = parse(format!("{}\n", c.to_openssh().expect("cert")).as_bytes());
    assert!(r.key(&data(&other)).is_some());
    let r = parse(format!("{}\n", ca.public_key().to_openssh().expect("ca")).as_bytes());
    assert_eq!(
        r.certificate(&c).as_deref(),
        Some("the CA key that signed it is listed on line 1")
    );
}

#[test]
fn a_krl_revokes_keys_hashes_serials_ranges_bitmaps_and_key_ids() {
    let (host, ca, other_ca) = (key(1), key(3), key(4));
    let mut keys = Vec::new();
    string(&mut keys, &blob(&host));
    let r = parse(&krl(&[(2, keys)]));
    assert!(r.key(&data(&host)).expect("revoked").contains("listed"));
    assert_eq!(r.key(&data(&ca)), None);
    let mut sha = Vec::new();
    string(&mut sha, &sha2::Sha256::digest(blob(&host)));
    assert!(parse(&krl(&[(5, sha)])).key(&data(&host)).is_some());
    let mut sha1 = Vec::new();
    string(&mut sha1, &sha1::Sha1::digest(blob(&host)));
    assert!(parse(&krl(&[(3, sha1)])).key(&data(&host)).is_some());

    let serials = |v: &[u64]| v.iter().flat_map(|s| s.to_be_bytes()).collect::<Vec<u8>>();
    let mut ids = Vec::new();
    string(&mut ids, b"db-host");
    let mut bitmap = 100u64.to_be_bytes().to_vec();
    // Bits 0 and 9 set: serials 100 and 109.
    string(&mut bitmap, &[0x02, 0x01]);
    let section = cert_section(
        Some(&ca),
        &[
            (0x20, serials(&[7, 9])),
            (0x21, serials(&[20, 30])),
            (0x22, bitmap),
            (0x23, ids),
        ],
    );
    let r = parse(&krl(&[(1, section)]));
    let other = key(2);
    for (serial, revoked) in [
        (7, true),
        (8, false),
        (25, true),
        (31, false),
        (100, true),
        (101, false),
        (109, true),
    ] {
        assert_eq!(
            r.certificate(&cert(&other, &ca, serial, "x")).is_some(),
            revoked,
            "serial {serial}"
        );
    }
    assert_eq!(
        r.certificate(&cert(&other, &ca, 1, "db-host")).as_deref(),
        Some("certificate key id \"db-host\" revoked")
    );
    // Serials belong to their CA; an empty CA key means any CA.
    assert_eq!(r.certificate(&cert(&other, &other_ca, 7, "x")), None);
    let any = cert_section(None, &[(0x20, serials(&[7]))]);
    assert!(
        parse(&krl(&[(1, any)]))
            .certificate(&cert(&other, &other_ca, 7, "x"))
            .is_some()
    );
}

#[test]
fn a_bad_krl_is_an_error_naming_the_file() {
    let mut bad = krl(&[]);
    bad.push(9);
    string(&mut bad, b"");
    let err = RevokedKeys::parse(Path::new("/etc/ssh/revoked.krl"), &bad).expect_err("bad");
    assert!(
        err.to_string()
            .contains("/etc/ssh/revoked.krl is not a usable KRL: unknown section type 9"),
        "{err}"
    );
    let truncated = &krl(&[])[..20];
    assert!(RevokedKeys::parse(Path::new("/r"), truncated).is_err());
    let err = RevokedKeys::load(Path::new("/nonexistent/revoked")).expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/revoked"), "{err}");
}
