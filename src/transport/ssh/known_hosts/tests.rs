use std::path::Path;

use super::*;

const KEY_A: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBCMdbAuEMVEgUGhpwyr99xU/+kmr3U7eVOWbdTh/SLQ";
const KEY_B: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINaNMQUQtCy8Ow6K+tjLT7JmyhVAoxsFWQqRL0Q1JrLn";
const KEY_RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDEf/jTyKIW0xUGO+OxNzBPv9K99FC9vzbRGr9CYFwuPviMQbGrIszGrRHGHYARAvEjx6PMG8cP2FhBoFEIEizGivnXn//5JcjgCXvPHEHde2reAhlW4ZD/zArze90FFyTQbU0YmW5UlH2W4lk/zjiQX0Zo6/5Ec4qQQr0YLf6t4dswYQJwmAMkCb28ZMsWyMfdPSx6KvZfiBYIehaMLRqmtXocM5vGsHJfUAOy7NO+wkTcSNqTR6bjK/zvaThsbpfqnNi2VychkXHrFCwGrk98gvQRJEV2mLGjJwSb6FKfUKkr7SKcc4im7ioxLfJvSbrPV5kWNgfsZIcSh5YfK3wV";
/// `ssh-keygen -H` of "teemo.lab" and "[10.2.0.1]:2222", both with KEY_A.
const HASHED: &str = "|1|eDcQ/GIKIr0GyvjLWj2DMmECPsw=|1HEzx49+cKRDxDCYgdg2lYGCbEk= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBCMdbAuEMVEgUGhpwyr99xU/+kmr3U7eVOWbdTh/SLQ
|1|Yx7WVHL/YSZa2Mw6YfYoSbpogaI=|uBe/s6nx9/sSZb1EgOmsJ0ClaBI= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBCMdbAuEMVEgUGhpwyr99xU/+kmr3U7eVOWbdTh/SLQ
";

fn key(s: &str) -> PublicKey {
    PublicKey::from_openssh(s).expect("key")
}

fn file(text: &str) -> KnownHosts {
    KnownHosts::parse(Path::new("/k/known_hosts"), text)
}

#[test]
fn plain_entries_with_ports_and_comments() {
    let text = format!("# comment\n\nteemo,10.2.0.1 {KEY_A}\n[garen]:2222\t{KEY_B} admin@x\n");
    let kh = [file(&text)];
    assert!(matches!(
        verify(&kh, "teemo", 22, &key(KEY_A)),
        Verdict::Trusted { line: 3, .. }
    ));
    assert!(matches!(
        verify(&kh, "10.2.0.1", 22, &key(KEY_A)),
        Verdict::Trusted { .. }
    ));
    assert!(matches!(
        verify(&kh, "TEEMO", 22, &key(KEY_A)),
        Verdict::Trusted { .. }
    ));
    assert!(matches!(
        verify(&kh, "garen", 2222, &key(KEY_B)),
        Verdict::Trusted { line: 4, .. }
    ));
    assert!(
        matches!(
            verify(&kh, "garen", 22, &key(KEY_B)),
            Verdict::Unknown { .. }
        ),
        "port matters"
    );
    assert!(matches!(
        verify(&kh, "teemo", 2222, &key(KEY_A)),
        Verdict::Unknown { .. }
    ));
}

#[test]
fn a_different_key_for_a_known_host_is_a_change_with_its_line() {
    let kh = [file(&format!("teemo {KEY_A}\n"))];
    match verify(&kh, "teemo", 22, &key(KEY_B)) {
        Verdict::Changed {
            file,
            line,
            fingerprint,
        } => {
            assert_eq!(file, Path::new("/k/known_hosts"));
            assert_eq!(line, 1);
            assert!(fingerprint.starts_with("SHA256:"), "{fingerprint}");
        }
        other => panic!("expected Changed, got {other:?}"),
    }
    // Another key type for the same host is still a change: the host is known.
    assert!(matches!(
        verify(&kh, "teemo", 22, &key(KEY_RSA)),
        Verdict::Changed { .. }
    ));
}

#[test]
fn hashed_entries_match_host_and_host_port() {
    let kh = [file(HASHED)];
    assert!(matches!(
        verify(&kh, "teemo.lab", 22, &key(KEY_A)),
        Verdict::Trusted { line: 1, .. }
    ));
    assert!(matches!(
        verify(&kh, "10.2.0.1", 2222, &key(KEY_A)),
        Verdict::Trusted { line: 2, .. }
    ));
    assert!(matches!(
        verify(&kh, "10.2.0.1", 22, &key(KEY_A)),
        Verdict::Unknown { .. }
    ));
    assert!(matches!(
        verify(&kh, "teemo.lab", 22, &key(KEY_B)),
        Verdict::Changed { line: 1, .. }
    ));
}

#[test]
fn wildcards_negation_and_revocation() {
    let text = format!("*.lab,!secret.lab {KEY_A}\nweb?? {KEY_B}\n@revoked * {KEY_RSA}\n");
    let kh = [file(&text)];
    assert!(matches!(
        verify(&kh, "teemo.lab", 22, &key(KEY_A)),
        Verdict::Trusted { .. }
    ));
    assert!(matches!(
        verify(&kh, "secret.lab", 22, &key(KEY_A)),
        Verdict::Unknown { .. }
    ));
    assert!(matches!(
        verify(&kh, "web01", 22, &key(KEY_B)),
        Verdict::Trusted { .. }
    ));
    assert!(matches!(
        verify(&kh, "web1", 22, &key(KEY_B)),
        Verdict::Unknown { .. }
    ));
    assert!(matches!(
        verify(&kh, "anything", 22, &key(KEY_RSA)),
        Verdict::Revoked { line: 3, .. }
    ));
}

#[test]
fn bad_lines_are_skipped_not_fatal_and_later_files_count() {
    let first = file(&format!(
        "garbage\nteemo ssh-ed25519 !!!notbase64\n@weird teemo {KEY_A}\n"
    ));
    assert_eq!(first.skipped_lines, 3);
    let second = KnownHosts::parse(Path::new("/k/extra"), &format!("teemo {KEY_A}\n"));
    match verify(&[first, second], "teemo", 22, &key(KEY_A)) {
        Verdict::Trusted { file, line } => {
            assert_eq!((file.as_path(), line), (Path::new("/k/extra"), 1))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nothing_known_means_unknown_with_a_fingerprint() {
    let kh = [file("")];
    match verify(&kh, "teemo", 22, &key(KEY_A)) {
        Verdict::Unknown { fingerprint } => {
            assert_eq!(
                fingerprint,
                "SHA256:rj13Rxq9lWiWWZ24PIzTWgPXkKNEJ8VLBKL8FlkUcQw"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        verify(&[], "teemo", 22, &key(KEY_A)),
        Verdict::Unknown { .. }
    ));
}
