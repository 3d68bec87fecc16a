//! fleetdeck's ssh_config resolver against the reference: for every config of
//! `tests/fixtures/ssh_config/` and every host its `# hosts:` line names, the real
//! `ssh -G -F FILE HOST` is run and compared field by field with `sshcfg`'s answer.
//! A `# system: FILE` line adds a system file: ssh reads it only without `-F`, so
//! ssh gets one file that includes the user's then the system's (the same order and
//! block state), and fleetdeck gets them as user file and system file.
//! `@DIR@` in a fixture is the directory the fixtures are copied to.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use fleetdeck::sshcfg::{Destination, Local, RealFiles, Resolved, Resolver, Sources};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ssh_config")
}

/// Copy the fixture tree, `@DIR@` replaced by the copy's path.
fn copy_tree(from: &Path, to: &Path, root: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixtures") {
        let path = entry.expect("entry").path();
        let dest = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_tree(&path, &dest, root);
        } else {
            let text = std::fs::read_to_string(&path).expect("fixture text");
            std::fs::write(&dest, text.replace("@DIR@", &root.display().to_string()))
                .expect("write fixture");
        }
    }
}

/// An environment variable the fixtures use in `${...}`, given to ssh and fleetdeck.
const KEYS_VAR: (&str, &str) = ("FD_SSHCFG_KEYS", "/srv/fleet keys");

/// The local side exactly as ssh sees it: passwd's name and home, not `$HOME`.
fn local() -> Local {
    let mut local = Local::from_process();
    local
        .vars
        .insert(KEYS_VAR.0.to_string(), KEYS_VAR.1.to_string());
    let passwd = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    let (_, home) = fleetdeck::actor::passwd_entry(&passwd, local.uid).expect("passwd entry");
    local.home = PathBuf::from(home);
    local
}

fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("# {key}:")))
        .map(|v| v.trim().to_string())
}

/// `user@host:port` → ssh's `-l`, `-p` and host; fleetdeck's destination.
fn destination(spec: &str) -> Destination {
    let (user, rest) = match spec.split_once('@') {
        Some((u, r)) => (Some(u.to_string()), r),
        None => (None, spec),
    };
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, Some(p.parse().expect("port"))),
        None => (rest, None),
    };
    Destination {
        host: host.to_string(),
        user,
        port,
        jump: None,
    }
}

fn ssh_g(
    config: &Path,
    dest: &Destination,
    home: &Path,
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut cmd = Command::new("timeout");
    cmd.arg("10").arg("ssh").arg("-G").arg("-F").arg(config);
    if let Some(u) = &dest.user {
        cmd.arg("-l").arg(u);
    }
    if let Some(p) = dest.port {
        cmd.arg("-p").arg(p.to_string());
    }
    if let Some(j) = &dest.jump {
        cmd.arg("-J").arg(j);
    }
    cmd.arg(&dest.host)
        .env("HOME", home)
        .env(KEYS_VAR.0, KEYS_VAR.1);
    let out = cmd.output().expect(
        "`ssh` (openssh-client) and `timeout` must be installed: scripts/deps.sh installs them",
    );
    if !out.status.success() {
        return Err(format!(
            "ssh -G -F {} {} failed: {}",
            config.display(),
            dest.host,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        map.entry(k.to_string()).or_default().push(v.to_string());
    }
    Ok(map)
}

/// `[bind]:port` as ssh prints a listen spec (no brackets without a bind address).
fn listen(arg: &str) -> String {
    let (bind, port) = match arg.strip_prefix('[') {
        Some(inner) => {
            let (b, p) = inner.split_once("]:").expect("[bind]:port");
            (Some(b), p)
        }
        None => match arg.rsplit_once(':') {
            Some((b, p)) => (Some(b), p),
            None => (None, arg),
        },
    };
    match bind {
        Some(b) => format!("[{b}]:{port}"),
        None => port.to_string(),
    }
}

fn forward_lines(lines: &[fleetdeck::sshcfg::ForwardLine], remote: bool) -> Vec<String> {
    lines
        .iter()
        .map(|f| match f.args.as_slice() {
            [l] if remote => format!("{} [socks]:0", listen(l)),
            [l] => listen(l),
            [l, t] => format!("{} {}", listen(l), listen(t)),
            other => panic!("unexpected forward {other:?}"),
        })
        .collect()
}

/// The fields compared, as `ssh -G` names and prints them.
fn ours(r: &Resolved) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut put = |k: &str, v: Vec<String>| {
        if !v.is_empty() {
            m.insert(k.to_string(), v);
        }
    };
    put("user", vec![r.user.clone()]);
    put("hostname", vec![r.hostname.clone()]);
    put("port", vec![r.port.to_string()]);
    put("proxyjump", r.proxy_jump_text().into_iter().collect());
    put(
        "proxycommand",
        r.proxy_command.clone().into_iter().collect(),
    );
    put("identityfile", r.identity_files.clone());
    put("certificatefile", r.certificate_files.clone());
    put("userknownhostsfile", vec![r.user_known_hosts.join(" ")]);
    put("globalknownhostsfile", vec![r.global_known_hosts.join(" ")]);
    put(
        "hostkeyalias",
        r.host_key_alias.clone().into_iter().collect(),
    );
    put(
        "identitiesonly",
        vec![if r.identities_only { "yes" } else { "no" }.into()],
    );
    put(
        "connecttimeout",
        vec![
            r.connect_timeout
                .map_or("none".to_string(), |s| s.to_string()),
        ],
    );
    put(
        "serveraliveinterval",
        vec![r.server_alive_interval.to_string()],
    );
    put(
        "stricthostkeychecking",
        vec![r.strict_host_key_checking.to_string()],
    );
    put(
        "casignaturealgorithms",
        vec![r.ca_signature_algorithms.join(",")],
    );
    put(
        "revokedhostkeys",
        r.revoked_host_keys.clone().into_iter().collect(),
    );
    put("localforward", forward_lines(&r.local_forwards, false));
    put("remoteforward", forward_lines(&r.remote_forwards, true));
    put("dynamicforward", forward_lines(&r.dynamic_forwards, false));
    if let Some(list) = r
        .host_key_algorithms
        .as_ref()
        .filter(|l| !l.starts_with(['+', '-', '^']))
    {
        put("hostkeyalgorithms", vec![list.clone()]);
    }
    m
}

#[test]
fn every_fixture_resolves_as_ssh_dash_g_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("cfg");
    copy_tree(&fixtures(), &root, &root);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let local = local();
    let mut tops: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    tops.sort();
    assert!(
        tops.len() >= 30,
        "the corpus shrank: {} configs",
        tops.len()
    );
    let (mut compared, mut failures) = (0, Vec::new());
    for top in &tops {
        let text = std::fs::read_to_string(top).expect("fixture");
        let hosts = header(&text, "hosts")
            .unwrap_or_else(|| panic!("{} has no `# hosts:` line", top.display()));
        let (for_ssh, sources) = match header(&text, "system") {
            Some(sys) => {
                let system = root.join(sys);
                let both = dir.path().join(format!(
                    "both-{}",
                    top.file_name().expect("name").to_string_lossy()
                ));
                std::fs::write(
                    &both,
                    format!("Include {}\nInclude {}\n", top.display(), system.display()),
                )
                .expect("write");
                (
                    both,
                    Sources::UserThenSystem {
                        user: top.clone(),
                        system,
                    },
                )
            }
            None => (top.clone(), Sources::Only(top.clone())),
        };
        let resolver =
            Resolver::load(&RealFiles, &sources, local.clone()).expect("fleetdeck loads it");
        for spec in hosts.split_whitespace() {
            let dest = destination(spec);
            let reference = match ssh_g(&for_ssh, &dest, &home) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(e);
                    continue;
                }
            };
            let resolved = match resolver.resolve(&dest) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{} {spec}: fleetdeck failed: {e}", top.display()));
                    continue;
                }
            };
            for (key, value) in ours(&resolved) {
                compared += 1;
                let theirs = reference.get(&key).cloned().unwrap_or_default();
                if theirs != value {
                    failures.push(format!(
                        "{} {spec}: {key}: ssh -G {theirs:?}, fleetdeck {value:?}",
                        top.file_name().expect("name").to_string_lossy()
                    ));
                }
            }
            // What fleetdeck leaves unset, ssh must not have either.
            for key in [
                "proxyjump",
                "proxycommand",
                "hostkeyalias",
                "certificatefile",
                "revokedhostkeys",
            ] {
                if reference.contains_key(key) && !ours(&resolved).contains_key(key) {
                    failures.push(format!(
                        "{} {spec}: {key}: ssh -G {:?}, fleetdeck none",
                        top.display(),
                        reference[key]
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared > 300, "only {compared} fields compared");
}

/// The identity and certificate files ssh loads, expanded, from `ssh -v`: with
/// `ProxyCommand false` it loads them, then fails at once without any network.
fn ssh_v_files(config: &Path, dest: &Destination, home: &Path) -> (Vec<String>, Vec<String>) {
    let mut cmd = Command::new("timeout");
    cmd.args([
        "10",
        "ssh",
        "-v",
        "-o",
        "ProxyCommand=false",
        "-o",
        "BatchMode=yes",
        "-F",
    ])
    .arg(config);
    if let Some(u) = &dest.user {
        cmd.arg("-l").arg(u);
    }
    if let Some(p) = dest.port {
        cmd.arg("-p").arg(p.to_string());
    }
    cmd.arg(&dest.host)
        .arg("true")
        .env("HOME", home)
        .env(KEYS_VAR.0, KEYS_VAR.1)
        .stdin(std::process::Stdio::null());
    let out = cmd
        .output()
        .expect("`ssh` (openssh-client) must be installed");
    let log = String::from_utf8_lossy(&out.stderr);
    let grab = |prefix: &str| -> Vec<String> {
        log.lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .filter_map(|rest| rest.rsplit_once(" type ").map(|(path, _)| path.to_string()))
            .collect()
    };
    let identities = grab("debug1: identity file ");
    // ssh also looks for `IDENTITY-cert` beside each identity: not a configured file.
    let identities = identities
        .iter()
        .filter(|p| {
            !identities.contains(&p.trim_end_matches("-cert").to_string()) || !p.ends_with("-cert")
        })
        .cloned()
        .collect();
    (identities, grab("debug1: certificate file "))
}

#[test]
fn identity_and_certificate_paths_expand_as_ssh_loads_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("cfg");
    copy_tree(&fixtures(), &root, &root);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let local = local();
    let mut failures = Vec::new();
    let mut compared = 0;
    for name in [
        "11-identity-accumulate.conf",
        "12-certificate.conf",
        "22-match-user.conf",
        "35-command-line-wins.conf",
        "45-identity-expansion.conf",
        "48-tilde-user.conf",
        "01-basic.conf",
    ] {
        let top = root.join(name);
        let text = std::fs::read_to_string(&top).expect("fixture");
        let resolver =
            Resolver::load(&RealFiles, &Sources::Only(top.clone()), local.clone()).expect("loads");
        for spec in header(&text, "hosts").expect("hosts").split_whitespace() {
            let dest = destination(spec);
            let r = resolver.resolve(&dest).expect("resolves");
            let ours = |paths: Vec<PathBuf>| -> Vec<String> {
                paths.iter().map(|p| p.display().to_string()).collect()
            };
            let (ids, certs) = ssh_v_files(&top, &dest, &home);
            let want = (
                ours(r.identity_paths().expect("ids")),
                ours(r.certificate_paths().expect("certs")),
            );
            compared += 1;
            if (ids.clone(), certs.clone()) != want {
                failures.push(format!(
                    "{name} {spec}: ssh -v {ids:?} {certs:?}, fleetdeck {want:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared >= 12, "only {compared} hosts compared");
}

/// Each ProxyJump hop is what ssh itself resolves for it: `ssh -G -J EARLIER [-l USER]
/// [-p PORT] HOP`, as the `ssh -W` it starts for the hop is asked.
#[test]
fn every_jump_hop_resolves_as_ssh_resolves_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("cfg");
    copy_tree(&fixtures(), &root, &root);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let mut hops_checked = 0;
    for (name, host) in [
        ("46-jump-chain.conf", "app"),
        ("46-jump-chain.conf", "inner"),
        ("40-jump-overrides.conf", "t"),
    ] {
        let top = root.join(name);
        let resolver =
            Resolver::load(&RealFiles, &Sources::Only(top.clone()), local()).expect("loads");
        let first = resolver
            .resolve(&Destination::host(host))
            .expect("resolves");
        let mut walked = Vec::new();
        let mut next = first.proxy_jump.clone();
        while let Some(jv) = next {
            assert!(walked.len() < 16, "{name} {host}: the chain loops");
            let dest = Destination {
                host: jv.last.host.clone(),
                user: jv.last.user.clone(),
                port: jv.last.port,
                jump: jv.extra.clone(),
            };
            let reference = ssh_g(&top, &dest, &home).expect("ssh -G");
            let hop = resolver.resolve(&dest).expect("hop resolves");
            for (key, value) in ours(&hop) {
                if ["user", "hostname", "port", "proxyjump", "identityfile"].contains(&key.as_str())
                {
                    assert_eq!(
                        reference.get(&key),
                        Some(&value),
                        "{name} {host}: hop {}: {key}",
                        dest.host
                    );
                }
            }
            hops_checked += 1;
            next = hop.proxy_jump.clone();
            walked.push((hop.user, hop.hostname, hop.port));
        }
        walked.reverse();
        let chain: Vec<_> = resolver
            .jumps(&first)
            .expect("chain")
            .into_iter()
            .map(|h| (h.user, h.hostname, h.port))
            .collect();
        assert_eq!(chain, walked, "{name} {host}");
    }
    assert!(hops_checked >= 6, "only {hops_checked} hops");
    // A chain that comes back to itself (`Host *` jumping through a host it matches)
    // stops with an error instead of looping.
    let top = root.join("16-proxyjump.conf");
    let resolver = Resolver::load(&RealFiles, &Sources::Only(top), local()).expect("loads");
    let target = resolver
        .resolve(&Destination::host("target"))
        .expect("resolves");
    let err = resolver.jumps(&target).expect_err("loops");
    assert!(err.to_string().contains("hops"), "{err}");
}
