#![no_main]
//! `cargo +nightly fuzz run iplink`: see fleetdeck::fuzz.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fleetdeck::fuzz::run("iplink", data));
