use super::{Actor, ActorEnv};

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment:x:5:5
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/sh
broken line
";

fn env(sudo_user: Option<&str>, sudo_uid: Option<&str>, ssh: Option<&str>) -> ActorEnv {
    ActorEnv {
        sudo_user: sudo_user.map(Into::into),
        sudo_uid: sudo_uid.map(Into::into),
        ssh_connection: ssh.map(Into::into),
    }
}

fn user(uid: u32, env: &ActorEnv) -> String {
    Actor::resolve(uid, PASSWD, env).user
}

#[test]
fn the_real_uid_names_the_user() {
    assert_eq!(user(1000, &ActorEnv::default()), "alice");
    assert_eq!(user(0, &ActorEnv::default()), "root");
}

#[test]
fn an_unknown_uid_is_named_by_its_number_never_unknown() {
    assert_eq!(user(4242, &ActorEnv::default()), "uid:4242");
    assert_eq!(Actor::resolve(7, "", &ActorEnv::default()).user, "uid:7");
}

#[test]
fn sudo_counts_only_when_root_runs_it_for_that_very_user() {
    // What sudo sets.
    assert_eq!(user(0, &env(Some("alice"), Some("1000"), None)), "alice");
    // A user setting the variables themselves is still themselves.
    assert_eq!(user(1001, &env(Some("alice"), Some("1000"), None)), "bob");
    // SUDO_UID naming someone else, or nothing valid: root stays root.
    assert_eq!(user(0, &env(Some("alice"), Some("1001"), None)), "root");
    assert_eq!(user(0, &env(Some("alice"), None, None)), "root");
    assert_eq!(user(0, &env(Some("alice"), Some("x"), None)), "root");
    assert_eq!(user(0, &env(Some("mallory"), Some("4242"), None)), "root");
    assert_eq!(user(0, &env(None, Some("1000"), None)), "root");
}

#[test]
fn the_ssh_client_is_the_origin() {
    let a = Actor::resolve(
        1000,
        PASSWD,
        &env(None, None, Some("192.0.2.7 51234 192.0.2.1 22")),
    );
    assert_eq!(a.origin, "ssh:192.0.2.7");
    assert_eq!(
        Actor::resolve(1000, PASSWD, &ActorEnv::default()).origin,
        "local"
    );
}

#[test]
fn from_env_ignores_user_and_logname() {
    // The test process's own uid decides; whatever USER says.
    let me = Actor::from_env().user;
    assert!(!me.is_empty() && me != "unknown", "{me}");
}
