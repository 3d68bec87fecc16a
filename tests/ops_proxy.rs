//! `fleetdeck proxy plan | apply` against the lab's real nginx on h1: containers of our own
//! on h1 (names `fdtp-*`, VLANs 120-129 and 144 on 10.90.<id>.0/24), a proxy file of our own in
//! nginx's sites directory, curl from the root namespace with a Host header.
//!
//! Every test that runs nginx's test or reload holds `NGINX`: one test's broken file must
//! never be what another test's `nginx -t` sees. Cleanup removes our files and reloads.

mod support;

#[path = "ops_proxy/guards.rs"]
mod guards;
#[path = "ops_proxy/harness.rs"]
mod harness;
#[path = "ops_proxy/quarantine.rs"]
mod quarantine;
#[path = "ops_proxy/serve.rs"]
mod serve;
#[path = "ops_proxy/worst.rs"]
mod worst;
