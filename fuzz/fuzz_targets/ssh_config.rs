#![no_main]
//! `cargo +nightly fuzz run ssh_config`: see fleetdeck::fuzz.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fleetdeck::fuzz::run("ssh_config", data));
