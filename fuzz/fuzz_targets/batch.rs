#![no_main]
//! `cargo +nightly fuzz run batch`: see fleetdeck::fuzz.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fleetdeck::fuzz::run("batch", data));
