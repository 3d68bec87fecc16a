//! CI fails on a dependency nothing uses: every crate named in `[dependencies]` and
//! `[dev-dependencies]` of Cargo.toml must appear in the code as `name::`, `name!` or
//! `use name` (with `-` read as `_`). A crate kept for a reason the code does not show
//! goes in `KEPT` below with that reason.

use std::path::Path;

/// Crates used without being named in the code, and why.
const KEPT: &[(&str, &str)] = &[];

fn dependencies(manifest: &str) -> Vec<String> {
    let mut section = "";
    let mut out = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if matches!(section, "[dependencies]" | "[dev-dependencies]")
            && !line.starts_with('#')
            && let Some((name, _)) = line.split_once('=')
        {
            out.push(name.trim().to_string());
        }
    }
    out
}

fn rust_sources(dir: &Path, text: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_sources(&path, text);
        } else if path.extension().is_some_and(|e| e == "rs") {
            text.push_str(&std::fs::read_to_string(&path).expect("read source"));
            text.push('\n');
        }
    }
}

fn named(code: &str, krate: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(krate).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = &code[at + krate.len()..];
        !before.is_some_and(is_ident)
            && (after.starts_with("::")
                || after.starts_with('!')
                || code[..at].ends_with("use ") && !after.starts_with(is_ident))
    })
}

#[test]
fn every_dependency_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let deps = dependencies(&manifest);
    assert!(deps.len() > 10, "the manifest was not read: {deps:?}");
    let mut code = String::new();
    for dir in ["src", "tests", "benches"] {
        rust_sources(&root.join(dir), &mut code);
    }
    let unused: Vec<&String> = deps
        .iter()
        .filter(|d| !KEPT.iter().any(|(k, _)| k == d))
        .filter(|d| !named(&code, &d.replace('-', "_")))
        .collect();
    assert!(
        unused.is_empty(),
        "dependencies nothing uses (remove them, or list them in KEPT with why): {unused:?}"
    );
}

#[test]
fn the_check_sees_a_crate_only_where_it_is_named() {
    assert!(named("use serde_json::Value;", "serde_json"));
    assert!(named("let v = serde_json::json!({});", "serde_json"));
    assert!(named("tracing::info!(\"x\")", "tracing"));
    assert!(named("use glob;", "glob"));
    assert!(!named("use serde_json_ext::Value;", "serde_json"));
    assert!(!named("my_tracing::info", "tracing"));
    assert!(!named("// mentions time in a comment", "time"));
}
