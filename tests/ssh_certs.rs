//! SSH certificates against a real sshd on 127.0.0.1 (no lab), with CAs made by
//! ssh-keygen: a user certificate logs in where the plain key is not authorized, and an
//! expired or wrongly named one is refused with the reason; a host certificate is
//! trusted through an `@cert-authority` line without the host key in known_hosts, and an
//! expired one, one for another name, or one from another CA is refused, saying why.
//! CASignatureAlgorithms and RevokedHostKeys (text lists and KRLs made by
//! `ssh-keygen -k`) refuse host keys and certificates, naming the file.

#[path = "ssh_certs/sshd.rs"]
mod sshd;

use fleetdeck::transport::exec::RemoteCommand;
use fleetdeck::transport::ssh::{SshError, SshNode};
use sshd::{Lab, Sshd, sign, sign_with, whoami};

const NOW_TO_FOREVER: &str = "-5m:forever";

/// Signs the lab's client key with its user CA for this user, valid from now on.
fn sign_client(lab: &Lab) -> std::path::PathBuf {
    sign(
        &lab.path("user_ca"),
        &lab.path("client"),
        false,
        &whoami(),
        NOW_TO_FOREVER,
    )
}
const EXPIRED: &str = "20200101:20200102";

async fn reach(node: &SshNode) -> Result<String, SshError> {
    node.session().await?;
    let out = node
        .exec(&RemoteCommand::new(["echo", "reached"]))
        .await
        .expect("exec over a logged-in session");
    Ok(out.stdout_text().trim().to_string())
}

/// known_hosts trusting the server's plain host key.
fn plain_known_hosts(lab: &Lab, sshd: &Sshd) -> std::path::PathBuf {
    lab.write(
        "kh_plain",
        &format!("{} {}\n", sshd.name(), lab.public("host_ed25519")),
    )
}

/// known_hosts with only `@cert-authority PATTERN <ca>.pub`.
fn ca_known_hosts(lab: &Lab, pattern: &str, ca: &str) -> std::path::PathBuf {
    lab.write(
        &format!("kh_{ca}"),
        &format!("@cert-authority {pattern} {}\n", lab.public(ca)),
    )
}

#[tokio::test]
async fn a_user_certificate_logs_in_where_the_plain_key_is_not_authorized() {
    let lab = Lab::new();
    let sshd = Sshd::start(&lab, "user", None);
    let kh = plain_known_hosts(&lab, &sshd);
    // Without a certificate the key alone is refused: nothing authorizes it.
    let err = reach(&sshd.node(&lab, &kh, "")).await.expect_err("no cert");
    assert!(matches!(err, SshError::Auth { .. }), "{err}");
    // KEY-cert.pub beside the identity file is found as ssh finds it.
    sign_client(&lab);
    let got = reach(&sshd.node(&lab, &kh, "")).await;
    assert_eq!(
        got.as_deref().map_err(ToString::to_string),
        Ok("reached"),
        "sshd: {}",
        sshd.log()
    );
    assert!(sshd.log().contains("Accepted publickey"), "{}", sshd.log());
}

#[tokio::test]
async fn a_certificate_file_is_offered_and_an_expired_one_is_refused_with_the_reason() {
    let lab = Lab::new();
    let sshd = Sshd::start(&lab, "expired", None);
    let kh = plain_known_hosts(&lab, &sshd);
    let cert = sign(
        &lab.path("user_ca"),
        &lab.path("client"),
        false,
        &whoami(),
        EXPIRED,
    );
    let moved = lab.path("issued/client-cert.pub");
    std::fs::create_dir_all(lab.path("issued")).expect("mkdir");
    std::fs::rename(&cert, &moved).expect("move the certificate");
    let node = sshd.node(
        &lab,
        &kh,
        &format!("  CertificateFile {}\n", moved.display()),
    );
    let err = reach(&node).await.expect_err("expired certificate");
    let text = err.to_string();
    assert!(matches!(err, SshError::Auth { .. }), "{text}");
    assert!(
        text.contains(&format!(
            "{} (refused: certificate expired, valid from 2020-01-01",
            moved.display()
        )),
        "{text}"
    );
    // The same file, valid now, logs in through CertificateFile alone.
    sign_client(&lab);
    std::fs::rename(&cert, &moved).expect("move the certificate");
    // A new node: the first one is backing off after its failure.
    let node = sshd.node(
        &lab,
        &kh,
        &format!("  CertificateFile {}\n", moved.display()),
    );
    assert_eq!(reach(&node).await.expect("valid certificate"), "reached");
}

#[tokio::test]
async fn a_user_certificate_for_another_principal_is_refused_with_the_reason() {
    let lab = Lab::new();
    let sshd = Sshd::start(&lab, "principal", None);
    let kh = plain_known_hosts(&lab, &sshd);
    sign(
        &lab.path("user_ca"),
        &lab.path("client"),
        false,
        "someone-else",
        NOW_TO_FOREVER,
    );
    let err = reach(&sshd.node(&lab, &kh, ""))
        .await
        .expect_err("wrong principal");
    let text = err.to_string();
    assert!(matches!(err, SshError::Auth { .. }), "{text}");
    assert!(
        text.contains(&format!(
            "principals (someone-else) do not include {}",
            whoami()
        )),
        "{text}"
    );
    assert!(!sshd.log().contains("Accepted publickey"), "{}", sshd.log());
}

#[tokio::test]
async fn an_rsa_certificate_held_by_the_agent_logs_in() {
    let lab = Lab::new();
    let sshd = Sshd::start(&lab, "agent", None);
    let kh = plain_known_hosts(&lab, &sshd);
    let key = lab.path("client_rsa");
    let k = key.display().to_string();
    sshd::run(
        "ssh-keygen",
        &[
            "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "", "-f", &k,
        ],
    );
    sign(&lab.path("user_ca"), &key, false, &whoami(), NOW_TO_FOREVER);
    let agent = sshd::Agent::start(&lab);
    // ssh-add adds KEY-cert.pub with KEY; then the key file goes, so only the agent can
    // sign (the `.pub` beside it still lets IdentitiesOnly select the agent's entry).
    agent.add(&key, true);
    std::fs::remove_file(&key).expect("remove the private key");
    let node = sshd.node_with(
        &lab,
        &kh,
        "client_rsa",
        &agent.socket.display().to_string(),
        "",
    );
    let got = reach(&node).await;
    assert_eq!(
        got.as_deref().map_err(ToString::to_string),
        Ok("reached"),
        "sshd: {}",
        sshd.log()
    );
    assert!(sshd.log().contains("Accepted publickey"), "{}", sshd.log());
    assert!(sshd.log().contains("RSA-CERT"), "{}", sshd.log());
}

#[tokio::test]
async fn a_certificate_file_for_a_key_only_the_agent_holds_is_explained() {
    let lab = Lab::new();
    let sshd = Sshd::start(&lab, "agentfile", None);
    let kh = plain_known_hosts(&lab, &sshd);
    let agent = sshd::Agent::start(&lab);
    agent.add(&lab.path("client"), false);
    let cert = sign_client(&lab);
    std::fs::remove_file(lab.path("client")).expect("remove the private key");
    let extra = format!("  CertificateFile {}\n", cert.display());
    let node = sshd.node_with(
        &lab,
        &kh,
        "client",
        &agent.socket.display().to_string(),
        &extra,
    );
    let err = reach(&node)
        .await
        .expect_err("the agent cannot sign the certificate login");
    assert!(
        err.to_string().contains(&format!(
            "{} (ssh-agent holds its key but not the certificate",
            cert.display()
        )),
        "{err}"
    );
}

/// An sshd presenting a host certificate signed by `ca` for `principals`, `validity`;
/// the client logs in with a valid user certificate.
fn host_cert_sshd(lab: &Lab, tag: &str, ca: &str, principals: &str, validity: &str) -> Sshd {
    sign_client(lab);
    let cert = sign(
        &lab.path(ca),
        &lab.path("host_ed25519"),
        true,
        principals,
        validity,
    );
    Sshd::start(lab, tag, Some(&cert))
}

#[tokio::test]
async fn a_host_certificate_is_trusted_through_its_authority_alone() {
    let lab = Lab::new();
    let sshd = host_cert_sshd(&lab, "host", "host_ca", "127.0.0.1", NOW_TO_FOREVER);
    let kh = ca_known_hosts(&lab, &sshd.name(), "host_ca");
    assert!(
        !std::fs::read_to_string(&kh)
            .expect("kh")
            .contains(&lab.public("host_ed25519"))
    );
    let got = reach(&sshd.node(&lab, &kh, "")).await;
    assert_eq!(
        got.as_deref().map_err(ToString::to_string),
        Ok("reached"),
        "sshd: {}",
        sshd.log()
    );
    // With HostKeyAlias the alias is both the name looked up and the principal wanted.
    let lab2 = Lab::new();
    let sshd2 = host_cert_sshd(&lab2, "alias", "host_ca", "fleet-alias", NOW_TO_FOREVER);
    let kh2 = ca_known_hosts(&lab2, "fleet-*", "host_ca");
    let node = sshd2.node(&lab2, &kh2, "  HostKeyAlias fleet-alias\n");
    assert_eq!(reach(&node).await.expect("alias principal"), "reached");
}

#[tokio::test]
async fn an_expired_host_certificate_is_refused() {
    let lab = Lab::new();
    let sshd = host_cert_sshd(&lab, "hexp", "host_ca", "127.0.0.1", EXPIRED);
    let kh = ca_known_hosts(&lab, &sshd.name(), "host_ca");
    let err = reach(&sshd.node(&lab, &kh, "")).await.expect_err("expired");
    assert!(matches!(err, SshError::HostCertExpired { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("has expired (valid from 2020-01-01 00:00:00 UTC to 2020-01-02"),
        "{err}"
    );
}

#[tokio::test]
async fn a_host_certificate_for_another_name_is_refused() {
    let lab = Lab::new();
    let sshd = host_cert_sshd(
        &lab,
        "hprin",
        "host_ca",
        "web1.example,web2.example",
        NOW_TO_FOREVER,
    );
    let kh = ca_known_hosts(&lab, "*", "host_ca");
    let err = reach(&sshd.node(&lab, &kh, ""))
        .await
        .expect_err("principal");
    assert!(matches!(err, SshError::HostCertPrincipal { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("is not for 127.0.0.1 (principals: web1.example, web2.example)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_host_certificate_from_another_authority_is_refused() {
    let lab = Lab::new();
    let sshd = host_cert_sshd(&lab, "hca", "other_ca", "127.0.0.1", NOW_TO_FOREVER);
    let kh = ca_known_hosts(&lab, &sshd.name(), "host_ca");
    let err = reach(&sshd.node(&lab, &kh, ""))
        .await
        .expect_err("other CA");
    assert!(matches!(err, SshError::HostCertUntrustedCa { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("signed by an untrusted CA (SHA256:")
            && text.contains(&format!("not by the 1 CA(s) listed for {}", sshd.name()))
            && text.contains(&kh.display().to_string()),
        "{text}"
    );
    // The plain key of the same host, once known, is trusted as ssh would (it retries
    // with the key inside the certificate).
    let both = lab.write(
        "kh_both",
        &format!(
            "{}{} {}\n",
            std::fs::read_to_string(&kh).expect("kh"),
            sshd.name(),
            lab.public("host_ed25519")
        ),
    );
    assert_eq!(
        reach(&sshd.node(&lab, &both, "")).await.expect("plain key"),
        "reached"
    );
}

#[tokio::test]
async fn a_host_certificate_signed_with_an_algorithm_left_out_is_refused() {
    let lab = Lab::new();
    let sshd = host_cert_sshd(&lab, "casig", "host_ca", "127.0.0.1", NOW_TO_FOREVER);
    let kh = ca_known_hosts(&lab, &sshd.name(), "host_ca");
    let node = sshd.node(
        &lab,
        &kh,
        "  CASignatureAlgorithms rsa-sha2-512,rsa-sha2-256\n",
    );
    let err = reach(&node).await.expect_err("ed25519 CA left out");
    assert!(matches!(err, SshError::HostCertCaAlgorithm { .. }), "{err}");
    assert!(
        err.to_string().contains(
            "is signed with ssh-ed25519, which CASignatureAlgorithms does not accept (rsa-sha2-512,rsa-sha2-256)"
        ),
        "{err}"
    );
    // The default list takes it.
    assert_eq!(
        reach(&sshd.node(&lab, &kh, ""))
            .await
            .expect("default list"),
        "reached"
    );
}

#[tokio::test]
async fn a_host_certificate_signed_with_ssh_rsa_sha1_is_refused_by_default() {
    let lab = Lab::new();
    let ca = lab.path("rsa_ca");
    let c = ca.display().to_string();
    sshd::run(
        "ssh-keygen",
        &[
            "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "", "-f", &c,
        ],
    );
    sign_client(&lab);
    let cert = sign_with(
        &ca,
        &lab.path("host_ed25519"),
        true,
        "127.0.0.1",
        NOW_TO_FOREVER,
        &["-t", "ssh-rsa"],
    );
    let sshd = Sshd::start(&lab, "sha1", Some(&cert));
    let kh = ca_known_hosts(&lab, &sshd.name(), "rsa_ca");
    let err = reach(&sshd.node(&lab, &kh, ""))
        .await
        .expect_err("ssh-rsa CA signature");
    assert!(matches!(err, SshError::HostCertCaAlgorithm { .. }), "{err}");
    assert!(err.to_string().contains("signed with ssh-rsa,"), "{err}");
    assert!(
        err.to_string().contains("CASignatureAlgorithms +ssh-rsa"),
        "{err}"
    );
}

/// The ssh_config line naming `file` as the RevokedHostKeys file.
fn revoked_line(file: &std::path::Path) -> String {
    format!("  RevokedHostKeys {}\n", file.display())
}

/// `ssh-keygen -k -f NAME [-s CA.pub] INPUT`: a KRL from keys, or from a spec file
/// (`serial:`, `id:` lines) for the certificates of `ca`.
fn krl(lab: &Lab, name: &str, ca: Option<&str>, input: &std::path::Path) -> std::path::PathBuf {
    let out = lab.path(name);
    let (o, i) = (out.display().to_string(), input.display().to_string());
    let ca_pub = ca.map(|c| format!("{}.pub", lab.path(c).display()));
    let mut args = vec!["-q", "-k", "-f", &o];
    if let Some(ca) = &ca_pub {
        args.extend(["-s", ca]);
    }
    args.push(&i);
    sshd::run("ssh-keygen", &args);
    let bytes = std::fs::read(&out).expect("krl");
    assert!(bytes.starts_with(b"SSHKRL\n\0"), "ssh-keygen made no KRL");
    out
}

#[tokio::test]
async fn a_host_key_listed_in_revoked_host_keys_is_refused_naming_the_file() {
    let lab = Lab::new();
    let sshd = Sshd::start(&lab, "revtext", None);
    let kh = plain_known_hosts(&lab, &sshd);
    sign_client(&lab);
    // Text form: another key first, then the host key.
    let text = lab.write(
        "revoked.txt",
        &format!(
            "# revoked host keys\n{}\n{}\n",
            lab.public("other_ca"),
            lab.public("host_ed25519")
        ),
    );
    let err = reach(&sshd.node(&lab, &kh, &revoked_line(&text)))
        .await
        .expect_err("revoked (text)");
    assert!(matches!(err, SshError::RevokedByList { .. }), "{err}");
    assert!(
        err.to_string().contains(&format!(
            "revoked by the RevokedHostKeys file {}: the host key is listed on line 3",
            text.display()
        )),
        "{err}"
    );
    // Binary KRL from the same public key.
    let list = krl(&lab, "revoked.krl", None, &lab.path("host_ed25519.pub"));
    let err = reach(&sshd.node(&lab, &kh, &revoked_line(&list)))
        .await
        .expect_err("revoked (KRL)");
    assert!(
        err.to_string().contains(&format!(
            "{}: the host key is listed as a revoked key",
            list.display()
        )),
        "{err}"
    );
    // A KRL that revokes something else lets the host in; a missing file refuses it.
    let other = krl(&lab, "other.krl", None, &lab.path("other_ca.pub"));
    assert_eq!(
        reach(&sshd.node(&lab, &kh, &revoked_line(&other)))
            .await
            .expect("not revoked"),
        "reached"
    );
    let missing = lab.path("no-such-revoked-file");
    let err = reach(&sshd.node(&lab, &kh, &revoked_line(&missing)))
        .await
        .expect_err("unreadable list");
    assert!(
        matches!(err, SshError::RevokedListUnreadable { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn host_certificates_are_revoked_by_serial_key_id_and_ca() {
    let lab = Lab::new();
    sign_client(&lab);
    let cert = sign_with(
        &lab.path("host_ca"),
        &lab.path("host_ed25519"),
        true,
        "127.0.0.1",
        NOW_TO_FOREVER,
        &["-z", "42"],
    );
    let sshd = Sshd::start(&lab, "revcert", Some(&cert));
    let kh = ca_known_hosts(&lab, &sshd.name(), "host_ca");
    let cases = [
        (
            "serial.krl",
            "serial: 40-45\n",
            "certificate serial 42 revoked",
        ),
        (
            "id.krl",
            "id: fleetdeck-test\n",
            "certificate key id \"fleetdeck-test\" revoked",
        ),
    ];
    for (name, spec, reason) in cases {
        let spec_file = lab.write(&format!("{name}.spec"), spec);
        let list = krl(&lab, name, Some("host_ca"), &spec_file);
        let err = reach(&sshd.node(&lab, &kh, &revoked_line(&list)))
            .await
            .expect_err(name);
        assert!(matches!(err, SshError::RevokedByList { .. }), "{err}");
        assert!(err.to_string().contains(reason), "{name}: {err}");
    }
    // Serials of another CA do not touch it.
    let spec_file = lab.write("other.spec", "serial: 42\n");
    let list = krl(&lab, "other-ca.krl", Some("other_ca"), &spec_file);
    assert_eq!(
        reach(&sshd.node(&lab, &kh, &revoked_line(&list)))
            .await
            .expect("another CA's serial"),
        "reached"
    );
    // The CA key itself, in a text list, revokes every certificate it signed.
    let text = lab.write("ca.txt", &format!("{}\n", lab.public("host_ca")));
    let err = reach(&sshd.node(&lab, &kh, &revoked_line(&text)))
        .await
        .expect_err("CA revoked");
    assert!(
        err.to_string()
            .contains("the CA key that signed it is listed on line 1"),
        "{err}"
    );
}
