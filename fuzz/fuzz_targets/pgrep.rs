#![no_main]
//! `cargo +nightly fuzz run pgrep`: see fleetdeck::fuzz.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fleetdeck::fuzz::run("pgrep", data));
