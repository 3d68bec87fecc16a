//! `fleetdeck tree [--json] [--ascii] [--no-master] [--fresh]`: poll every node once, in
//! parallel, and print the fleet. A node that cannot be reached is listed as down with its
//! error. When a master serves the same config, it answers from what it holds (each
//! node's `data_age_secs` says how old), or polls every node first with `--fresh`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::out;
use super::{Code, Context, Failure};
use crate::collect::once::{poll_fleet, render_tree};
use crate::fleet::text;
use crate::master::client::ask;
use crate::master::protocol::{Request, Response};

/// A master's answer, or `None` (logged) when there is none to use: then `tree` polls
/// on its own, so a master can only make it faster, never make it fail.
fn through_master(ctx: &Context, json: bool, ascii: bool, fresh: bool) -> Option<String> {
    let path = super::master_cmd::socket_for(ctx).ok()?;
    if !crate::master::place::is_own_socket(&path) {
        // Absent, or another user's: a client never talks to a socket it does not own.
        if path.exists() {
            tracing::info!(socket = %path.display(), "tree: the master socket is not this user's; polling directly");
        }
        return None;
    }
    // As long as polling alone may take, plus the master's own turn.
    let connect = ctx.loaded.config.ssh.connect_timeout_secs;
    let limit = Duration::from_secs(connect * 3 + 40);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let asked = std::time::Instant::now();
    match runtime.block_on(ask(&path, &Request::Tree { json, ascii, fresh }, limit)) {
        Ok(Response::Output { text }) => {
            // The round trip alone, for bench/scale.sh: the rest is this process.
            let took_ms = asked.elapsed().as_millis() as u64;
            tracing::info!(socket = %path.display(), took_ms, "tree: answered by the master");
            Some(text)
        }
        Ok(other) => {
            tracing::warn!(
                ?other,
                "tree: the master did not answer with a tree; polling directly"
            );
            None
        }
        Err(e) => {
            tracing::info!(error = %e, "tree: master unusable; polling directly");
            None
        }
    }
}

/// What the command line asked `tree` for.
pub struct Asked {
    pub json: bool,
    pub ascii: bool,
    pub no_master: bool,
    pub fresh: bool,
}

pub fn run(ctx: &Context, asked: Asked) -> Result<(), Failure> {
    let Asked {
        json,
        ascii,
        no_master,
        fresh,
    } = asked;
    let ascii = ascii || !text::locale_is_utf8(|k| std::env::var(k).ok());
    if !no_master && let Some(output) = through_master(ctx, json, ascii, fresh) {
        print_tree(&output, json);
        return Ok(());
    }
    let config = &ctx.loaded.config;
    let super::inventory_cmd::Reading {
        links,
        sites,
        runtime,
        ..
    } = super::inventory_cmd::reading(ctx)?;
    let snapshots = runtime.block_on(poll_fleet(config, &links, &mut BTreeMap::new()));
    // Connections close with the runtime; don't wait on sessions winding down.
    runtime.shutdown_timeout(Duration::from_millis(200));
    tracing::debug!("tree: all nodes polled");
    let output = render_tree(config, &snapshots, &sites, json, ascii, None)
        .map_err(|e| Failure::new(Code::Failed, e.to_string()))?;
    print_tree(&output, json);
    Ok(())
}

fn print_tree(output: &str, json: bool) {
    if json {
        out::json(output);
    } else {
        out::text(output);
    }
}
