//! `fleetdeck check [--json]`: do the inventory, the live containers, DNS and the proxy
//! agree? Exit 0 when clean, 1 when something is wrong (the README's contracts). It only reads, so
//! it runs in read-only mode too, and writes no audit row.

use std::time::Duration;

use super::out;
use super::{Code, Context, Failure};
use crate::ops::check::{evaluate, gather::gather, report};

pub fn run(ctx: &Context, json: bool) -> Result<(), Failure> {
    let config = &ctx.loaded.config;
    let super::inventory_cmd::Reading {
        links,
        sites,
        swarm_sites,
        runtime,
    } = super::inventory_cmd::reading(ctx)?;
    let result = runtime.block_on(async {
        let input = gather(config, &sites, swarm_sites, &links).await;
        evaluate(&input)
    });
    // Connections close with the runtime; don't wait on sessions winding down.
    runtime.shutdown_timeout(Duration::from_millis(200));
    if json {
        let text = report::json(&result).map_err(|e| Failure::new(Code::Failed, e.to_string()))?;
        out::json(&text);
    } else {
        out::text(&report::text(&result));
    }
    match result.summary.problems {
        0 => Ok(()),
        n => Err(Failure::new(
            Code::Failed,
            format!(
                "check found {}",
                crate::plural::plural(n, "problem", "problems")
            ),
        )),
    }
}
