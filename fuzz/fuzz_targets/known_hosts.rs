#![no_main]
//! `cargo +nightly fuzz run known_hosts`: see fleetdeck::fuzz.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fleetdeck::fuzz::run("known_hosts", data));
