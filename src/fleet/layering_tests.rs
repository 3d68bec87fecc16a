//! The model's direction (ARCHITECTURE.md "Layers"): `fleet` is filled by `collect` and
//! read by the layers above; it names none of them, tests included, so a change that
//! would make two layers import each other fails here rather than at review.

use std::path::{Path, PathBuf};

/// The layers `fleet` must not name. Spelt without their `crate::` prefix so that this
/// file does not match itself.
const ABOVE_OR_BESIDE: &[&str] = &["collect", "ops", "app", "tui", "ui", "act", "master", "cli"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/fleet").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layers `line` names: a path that starts with one after `crate`, or a `crate`
/// group (`{…}`) holding one.
fn named_layers(line: &str) -> Vec<&'static str> {
    let prefix = format!("{}::", "crate");
    let mut named = Vec::new();
    for (at, _) in line.match_indices(&prefix) {
        let rest = &line[at + prefix.len()..];
        let words: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or_default()
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .collect(),
            None => rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .take(1)
                .collect(),
        };
        named.extend(
            ABOVE_OR_BESIDE
                .iter()
                .copied()
                .filter(|layer| words.contains(layer)),
        );
    }
    named
}

#[test]
fn names_are_found_in_paths_and_groups() {
    let c = |layer: &str| format!("{}::{layer}", "crate");
    assert_eq!(
        named_layers(&format!("use {}::docker::DockerFacts;", c("collect"))),
        ["collect"]
    );
    assert_eq!(
        named_layers(&format!("let r = {}::rows::rows(&doc);", c("app"))),
        ["app"]
    );
    assert_eq!(
        named_layers(&format!("use {}::{{config, ui::theme}};", "crate")),
        ["ui"]
    );
    assert!(named_layers(&format!("use {}::docker;", c("fleet"))).is_empty());
    assert!(named_layers(&format!("use {}::Config;", c("config"))).is_empty());
    assert!(named_layers("// collect::docker fills it").is_empty());
}

#[test]
fn fleet_names_no_layer_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/fleet");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.len() > 10,
        "only {} files under {root:?}",
        files.len()
    );
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("source");
        for (i, line) in text.lines().enumerate() {
            for layer in named_layers(line) {
                found.push(format!(
                    "{}:{}: {layer}: {}",
                    path.display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "fleet names a layer it must not (collect fills the model, the others read it):\n{}",
        found.join("\n")
    );
}
