#![no_main]
//! `cargo +nightly fuzz run virsh`: see fleetdeck::fuzz.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fleetdeck::fuzz::run("virsh", data));
