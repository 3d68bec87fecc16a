//! Entry points for fuzzing every parser of what a node or a legacy file can hand us. The
//! cargo-fuzz targets in `fuzz/` and the corpus replay test (`tests/fuzz_corpus.rs`, run
//! on stable by CI) call the same [`run`], so a crash found by the fuzzer stays a test.
//!
//! Each entry feeds the bytes to the parser the way the collectors do (lossy UTF-8) and
//! checks what must hold for any input: no panic, an error message short enough for a
//! status line, and the parsed values usable by the code that consumes them.

use std::sync::OnceLock;

use crate::collect::parse::{self, ParseError};
use crate::config::Config;
use crate::fleet::forwards;

/// The fuzz targets, by name (one cargo-fuzz binary and one corpus directory each).
pub const TARGETS: &[&str] = &[
    "ssh_config",
    "xl",
    "virsh",
    "lxc",
    "iplink",
    "ss",
    "pgrep",
    "facts",
    "legacy_import",
    "nginx",
    "batch",
    "known_hosts",
];

/// Longest error message a parser may produce, in characters, whatever the input: errors
/// end up on the console's status line and in `tree` output.
const MAX_ERROR: usize = 320;

/// Run fuzz target `target` on `data`. Panics on a finding; unknown targets panic too, so
/// a corpus directory without a target cannot go unnoticed.
pub fn run(target: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match target {
        "ssh_config" => {
            check(parse::parse_ssh_forwards(&text));
            crate::sshcfg::resolve_every_host(&text);
        }
        "xl" => {
            let (list, long) = split(&text);
            let guests = check(parse::parse_xl_list(list));
            let details = check(parse::parse_xl_list_long(long));
            if let (Some(mut guests), Some(details)) = (guests, details) {
                parse::apply_xl_details(&mut guests, &details);
            }
        }
        "virsh" => {
            check(parse::parse_virsh_list(&text));
            check(parse::parse_virsh_domifaddr(&text));
            check(parse::parse_virsh_dominfo(&text));
        }
        "lxc" => {
            check(parse::parse_lxc_ls(&text));
        }
        "iplink" => {
            let (links, addrs) = split(&text);
            check(parse::parse_links(links));
            check(parse::parse_addrs(addrs));
            check(parse::parse_bridges(links, addrs));
        }
        "ss" => {
            check(parse::parse_ss_listening(&text));
        }
        "pgrep" => {
            if let Some(procs) = check(parse::parse_pgrep(&text)) {
                for p in &procs {
                    for (kind, spec) in forwards::cmdline_forwards(p) {
                        let _ = forwards::forwards_port(p, kind, spec.port);
                    }
                }
            }
        }
        "facts" => {
            check(parse::parse_os_release(&text));
            check(parse::parse_uptime(&text));
            check(parse::parse_loadavg(&text));
            check(parse::parse_uname(&text));
            check(parse::parse_hostname(&text));
        }
        "legacy_import" => legacy_import(&text),
        "nginx" => nginx(&text),
        "batch" => batch(data),
        "known_hosts" => known_hosts(&text),
        other => panic!("no fuzz target {other:?} (known: {TARGETS:?})"),
    }
}

/// The deployed proxy file's reader never fails, and every name it reports is found again
/// by the lookup `check` uses.
fn nginx(text: &str) {
    use crate::ops::check::nginx::{parse, passes_to, rule_for};
    let rules = parse(text);
    for rule in &rules {
        for name in &rule.names {
            assert!(
                rule_for(&rules, name).is_some(),
                "{name:?} is listed but not found"
            );
        }
        if let Some(pass) = &rule.proxy_pass {
            let _ = passes_to(pass, "10.0.0.1", 80);
        }
    }
}

/// A batch's stdout split back per command: as many outputs as commands whatever the
/// bytes, and bodies framed the way the remote shell frames them come back exactly.
fn batch(data: &[u8]) {
    use crate::transport::batch::split_batch;
    let count = usize::from(data.first().copied().unwrap_or(0) % 16);
    let rest = data.get(1..).unwrap_or_default();
    assert_eq!(split_batch(rest, b"", count).len(), count);
    // Bodies are what the parsers accept: no record separator in them.
    let bodies: Vec<Vec<u8>> = rest
        .split(|b| *b == 0)
        .map(|b| b.iter().copied().filter(|c| *c != 0x1e).collect())
        .collect();
    let mut framed = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        framed.extend_from_slice(body);
        framed.extend_from_slice(format!("\x1eFDX{i}\x1e\n").as_bytes());
    }
    let outputs = split_batch(&framed, b"err", bodies.len());
    for (i, (out, body)) in outputs.iter().zip(&bodies).enumerate() {
        let out = out
            .as_ref()
            .unwrap_or_else(|| panic!("command {i} lost its output"));
        assert_eq!(&out.stdout, body, "command {i}'s output changed");
        assert_eq!(out.status, i32::try_from(i).ok(), "command {i}'s status");
    }
}

/// A known_hosts file of any content: parsing skips what it cannot read, and a lookup of
/// any host never panics nor trusts a key the file does not hold.
fn known_hosts(text: &str) {
    use crate::transport::ssh::known_hosts::{KnownHosts, Verdict, verify};
    use russh::keys::ssh_key::PublicKey;
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        PublicKey::from_openssh(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOPuC2OJS6mLcy+qoZwP3pE9ibyXBuPo/4woVzbvDfXD",
        )
        .unwrap_or_else(|e| panic!("the fuzz key: {e}"))
    });
    let file = KnownHosts::parse(std::path::Path::new("fuzz_known_hosts"), text);
    assert!(file.skipped_lines <= text.lines().count());
    let holds_key = text.contains("AAAAC3NzaC1lZDI1NTE5AAAAIOPuC2OJS6mLcy");
    for (host, port) in [("h1", 22), ("10.0.0.1", 2222), ("[x]", 0), ("", 22)] {
        let verdict = verify(std::slice::from_ref(&file), host, port, key);
        if matches!(verdict, Verdict::Trusted { .. }) {
            assert!(holds_key, "trusted a key the file does not hold");
        }
    }
}

/// Two inputs from one: before and after the first NUL.
fn split(text: &str) -> (&str, &str) {
    text.split_once('\0').unwrap_or((text, text))
}

/// The parse result, after checking an error is one short line.
fn check<T>(result: Result<T, ParseError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            let message = e.to_string();
            let chars = message.chars().count();
            assert!(
                chars <= MAX_ERROR,
                "a {} error of {chars} characters: {message:.200}",
                e.format
            );
            assert!(!message.contains('\n'), "a multi-line error: {message:?}");
            None
        }
    }
}

fn legacy_config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let text = "[[node]]\nname = \"teemo\"\nssh = \"root@10.2.0.1\"\n\
                    [[vlan]]\nid = 100\nnode = \"teemo\"\nsubnet = \"10.2.0.0/24\"\ngateway = \"10.2.0.254\"\n\
                    [[vlan]]\nid = 200\nnode = \"teemo\"\nsubnet = \"10.3.0.0/30\"\ngateway = \"10.3.0.1\"\n";
        crate::config::load_str(text, std::path::Path::new("fuzz.toml"))
            .unwrap_or_else(|e| panic!("the fuzz config is invalid: {e}"))
    })
}

/// Rows are lines; fields (login, vlan, docker_ip, domain) are tab-separated; `\N` or a
/// missing field is NULL. The rows are imported twice into a fresh in-memory inventory:
/// the import must never fail on its own data (the UNIQUE constraints are checked before
/// inserting), every stored site must be valid, and the second pass imports nothing.
fn legacy_import(text: &str) {
    use crate::inventory::legacy::{LegacyRow, RowOutcome};
    use crate::inventory::{Inventory, InventoryError};
    let field = |f: Option<&str>| f.filter(|f| *f != "\\N").map(str::to_string);
    let rows: Vec<LegacyRow> = text
        .lines()
        .take(64)
        .enumerate()
        .map(|(i, line)| {
            let mut f = line.split('\t');
            LegacyRow {
                rowid: i as i64 + 1,
                login: field(f.next()),
                vlan: field(f.next()),
                docker_ip: field(f.next()),
                domain: field(f.next()),
            }
        })
        .collect();
    let actor = crate::actor::Actor {
        user: "fuzz".into(),
        origin: "local".into(),
    };
    let mut inv = Inventory::open_in_memory()
        .unwrap_or_else(|e: InventoryError| panic!("in-memory inventory: {e}"));
    let config = legacy_config();
    let first = inv
        .import_rows(rows.clone(), "fuzz", config, &actor)
        .unwrap_or_else(|e| panic!("import failed on its own data: {e}"));
    assert_eq!(first.rows.len(), rows.len(), "a row went unreported");
    let sites = inv.sites().unwrap_or_else(|e| panic!("reading back: {e}"));
    assert_eq!(
        sites.len(),
        first.count().0,
        "imported count != stored rows"
    );
    for site in &sites {
        assert_eq!(
            crate::validate::domain(&site.domain).as_deref(),
            Ok(site.domain.as_str()),
            "an invalid domain was stored"
        );
        assert!(
            crate::validate::login(&site.login).is_ok(),
            "bad login stored"
        );
    }
    let second = inv
        .import_rows(rows, "fuzz", config, &actor)
        .unwrap_or_else(|e| panic!("second import failed: {e}"));
    assert!(
        !second
            .rows
            .iter()
            .any(|r| matches!(r, RowOutcome::Imported { .. })),
        "the same rows were imported twice"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_takes_empty_and_odd_input() {
        for target in TARGETS {
            for data in [
                &b""[..],
                b"\0",
                b"\xff\xfe",
                b"a\tb\tc\td\n\n\t\t\t",
                b"[{}]",
            ] {
                run(target, data);
            }
        }
    }

    #[test]
    #[should_panic(expected = "no fuzz target")]
    fn an_unknown_target_is_a_failure() {
        run("nope", b"");
    }

    #[test]
    fn legacy_rows_import_once() {
        run(
            "legacy_import",
            b"alice\t100\t10.2.0.10\tblog.example.org\nbob\t100\t10.2.0.10\tshop.example.org\n\\N\t\\N\n",
        );
    }

    // On stable, a short random search of the new targets (cargo-fuzz goes further):
    // bytes drawn from the characters each format is made of.
    proptest::proptest! {
        #[test]
        fn nginx_text_of_its_own_characters(text in "[ a-z0-9.;{}#\"'\\/:~^$\n_-]{0,300}") {
            run("nginx", text.as_bytes());
        }

        #[test]
        fn batch_bytes_with_markers(bytes in proptest::collection::vec(
            proptest::prop_oneof![proptest::prelude::any::<u8>(), proptest::strategy::Just(0x1e), proptest::strategy::Just(b'F'), proptest::strategy::Just(0)], 0..300)) {
            run("batch", &bytes);
        }

        #[test]
        fn known_hosts_lines(text in "([@|!*?,\\[\\]:a-z0-9 ]{0,20}( ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOPuC2OJS6mLcy\\+qoZwP3pE9ibyXBuPo/4woVzbvDfXD)?\n){0,8}") {
            run("known_hosts", text.as_bytes());
        }
    }
}
