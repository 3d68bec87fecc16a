#![no_main]
//! `cargo +nightly fuzz run legacy_import`: see fleetdeck::fuzz.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fleetdeck::fuzz::run("legacy_import", data));
