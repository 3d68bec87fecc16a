//! Replays every fuzz corpus (`fuzz/corpus/<target>/`: seeds from tests/fixtures plus what
//! the fuzzer found interesting) through the same entry point as the cargo-fuzz targets,
//! on stable: a crash the fuzzer found once stays a failing test until it is fixed.

use std::path::{Path, PathBuf};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn every_target_has_a_corpus_and_every_corpus_a_target() {
    let root = corpus_root();
    for target in fleetdeck::fuzz::TARGETS {
        let dir = root.join(target);
        assert!(
            !files(&dir).is_empty(),
            "no corpus for fuzz target {target} in {}",
            dir.display()
        );
    }
    for entry in std::fs::read_dir(&root).expect("fuzz/corpus") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            fleetdeck::fuzz::TARGETS.contains(&name.as_ref()),
            "fuzz/corpus/{name} belongs to no target"
        );
    }
}

#[test]
fn every_corpus_file_replays_without_a_finding() {
    let mut failures = Vec::new();
    let mut count = 0;
    for target in fleetdeck::fuzz::TARGETS {
        for file in files(&corpus_root().join(target)) {
            let data = std::fs::read(&file).expect("read corpus file");
            count += 1;
            let result = std::panic::catch_unwind(|| fleetdeck::fuzz::run(target, &data));
            if let Err(panic) = result {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{target}: {}: {why}", file.display()));
            }
        }
    }
    assert!(count > 0, "no corpus file found");
    assert!(failures.is_empty(), "findings:\n{}", failures.join("\n"));
}
