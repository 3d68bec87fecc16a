use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;

fn local() -> Local {
    Local {
        user: "me".into(),
        uid: 1000,
        home: PathBuf::from("/home/me"),
        hostname: "bastion.example.org".into(),
        vars: BTreeMap::from([("KEYS".to_string(), "/srv/keys".to_string())]),
    }
}

fn mem(files: &[(&str, &str)]) -> MemFiles {
    MemFiles(
        files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect(),
    )
}

fn resolver(files: &[(&str, &str)]) -> Resolver {
    Resolver::load(&mem(files), &local().default_sources(), local()).expect("loads")
}

fn resolve(r: &Resolver, host: &str) -> Resolved {
    r.resolve(&Destination::host(host)).expect("resolves")
}

#[test]
fn user_file_then_system_file() {
    let r = resolver(&[
        ("/home/me/.ssh/config", "Host web\n  User mine\n"),
        ("/etc/ssh/ssh_config", "Host *\n  User sys\n  Port 2200\n"),
    ]);
    let web = resolve(&r, "web");
    assert_eq!((web.user.as_str(), web.port), ("mine", 2200));
    assert_eq!(resolve(&r, "db").user, "sys");
}

#[test]
fn relative_includes_follow_the_file_that_includes_them() {
    let r = resolver(&[
        (
            "/home/me/.ssh/config",
            "Include conf.d/*\nInclude ~/extra\n",
        ),
        ("/home/me/.ssh/conf.d/a", "Host a\n  User from-user-dir\n"),
        ("/home/me/extra", "Host b\n  User from-tilde\n"),
        ("/etc/ssh/ssh_config", "Include ssh_config.d/*.conf\n"),
        ("/etc/ssh/ssh_config.d/c.conf", "Host c\n  User from-etc\n"),
    ]);
    assert_eq!(resolve(&r, "a").user, "from-user-dir");
    assert_eq!(resolve(&r, "b").user, "from-tilde");
    assert_eq!(resolve(&r, "c").user, "from-etc");
    // Names come from the user's files only.
    assert_eq!(r.host_names(), ["a", "b"]);
}

#[test]
fn tilde_include_in_the_system_file_is_refused() {
    let err = Resolver::load(
        &mem(&[("/etc/ssh/ssh_config", "\n\nInclude ~/x\n")]),
        &local().default_sources(),
        local(),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("/etc/ssh/ssh_config:3"), "{err}");
}

#[test]
fn match_exec_is_refused_naming_file_and_line() {
    let r = resolver(&[(
        "/home/me/.ssh/config",
        "Host a\n  User x\nMatch host a exec \"true\"\n  User y\n",
    )]);
    let err = r.resolve(&Destination::host("a")).expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("/home/me/.ssh/config:3"), "{text}");
    assert!(text.contains("Match exec"), "{text}");
    // Another host never reaches the exec: ssh would not run it either.
    assert_eq!(resolve(&r, "b").user, "me");
}

#[test]
fn include_loops_stop() {
    let r = Resolver::load(
        &mem(&[("/home/me/.ssh/config", "Include config\n")]),
        &local().default_sources(),
        local(),
    );
    assert!(r.expect_err("loop").to_string().contains("deep"));
}

#[test]
fn jump_chains_resolve_each_hop_again() {
    let r = resolver(&[(
        "/home/me/.ssh/config",
        "Host t\n  ProxyJump j1,u@j2:2202\nHost j1\n  ProxyJump outer\n  HostName 10.0.0.1\n\
         Host j2\n  ProxyJump never\nHost outer\n  User o\n",
    )]);
    let t = resolve(&r, "t");
    let chain = r.jumps(&t).expect("chain");
    let hops: Vec<String> = chain
        .iter()
        .map(|h| format!("{}@{}:{}", h.user, h.hostname, h.port))
        .collect();
    assert_eq!(hops, ["o@outer:22", "me@10.0.0.1:22", "u@j2:2202"]);
}

#[test]
fn jump_loops_are_refused() {
    let r = resolver(&[(
        "/home/me/.ssh/config",
        "Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n",
    )]);
    let a = resolve(&r, "a");
    assert!(matches!(r.jumps(&a), Err(ResolveError::TooManyHops { .. })));
}

#[test]
fn paths_expand_tokens_home_and_environment() {
    let r = resolver(&[(
        "/home/me/.ssh/config",
        "Host a\n  IdentityFile ${KEYS}/%r@%h\n  CertificateFile ~/c-%n\n  ProxyCommand nc %h %p\n",
    )]);
    let a = resolve(&r, "a");
    assert_eq!(
        a.identity_paths().expect("ok"),
        [PathBuf::from("/srv/keys/me@a")]
    );
    assert_eq!(
        a.certificate_paths().expect("ok"),
        [PathBuf::from("/home/me/c-a")]
    );
    assert_eq!(
        a.proxy_command_line().expect("ok").as_deref(),
        Some("nc a 22")
    );
    assert_eq!(
        a.known_hosts_paths(),
        [
            "/home/me/.ssh/known_hosts",
            "/home/me/.ssh/known_hosts2",
            "/etc/ssh/ssh_known_hosts",
            "/etc/ssh/ssh_known_hosts2"
        ]
        .map(PathBuf::from)
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let err = Resolver::load(
        &mem(&[("/home/me/.ssh/config", "Host a\n  User \"open\n")]),
        &local().default_sources(),
        local(),
    )
    .expect_err("refused");
    assert!(err.to_string().contains(":2:"), "{err}");
    let r = resolver(&[("/home/me/.ssh/config", "Host b\n  Port huge\n")]);
    let err = r.resolve(&Destination::host("a")).expect_err("bad port");
    assert!(err.to_string().contains(":2:"), "{err}");
}

#[test]
fn a_node_text_reads_without_includes() {
    let loaded =
        Loaded::from_text(Path::new("remote"), "Include x\nHost a\n  User u\n").expect("ok");
    let r = Resolver {
        loaded,
        local: local(),
        exec: ExecPolicy::NeverMatch,
    };
    assert_eq!(resolve(&r, "a").user, "u");
}

#[test]
fn tilde_user_paths_use_passwd_read_through_files() {
    let passwd = "root:x:0:0:root:/root:/bin/sh\nops:x:1001:1001::/srv/ops:/bin/sh\n";
    let r = resolver(&[
        ("/etc/passwd", passwd),
        (
            "/home/me/.ssh/config",
            "Include ~ops/ssh.d/*\nHost web\n  IdentityFile ~ops/.ssh/id_%h\n\
             \x20 UserKnownHostsFile ~root/kh ~/kh\nHost bad\n  IdentityFile ~ghost/k\n",
        ),
        ("/srv/ops/ssh.d/a.conf", "Host web\n  User from-ops\n"),
    ]);
    assert_eq!(
        r.loaded.homes.len(),
        2,
        "only the users named: {:?}",
        r.loaded.homes
    );
    let web = resolve(&r, "web");
    assert_eq!(web.user, "from-ops");
    assert_eq!(
        web.identity_paths().expect("paths"),
        vec![PathBuf::from("/srv/ops/.ssh/id_web")]
    );
    assert_eq!(web.user_known_hosts, ["/root/kh", "/home/me/kh"]);
    let bad = resolve(&r, "bad");
    let err = bad.identity_paths().expect_err("unknown user");
    assert!(err.to_string().contains("no such user ghost"), "{err}");
}
