//! `fleetdeck events [--node N] [--since DURATION] [--json]`: the Docker events of every
//! engine (or one node's), merged as they come, until interrupted. `--json` prints one
//! JSON object per line. Works in read-only mode.

use std::io::Write;

use tokio::sync::mpsc;

use super::ops_env::DOCKER_CONNECT;
use super::{Code, Context, Failure};
use crate::act::events::{self, FleetEvent};
use crate::transport::links::build_links;
use crate::validate::printable;

pub fn run(
    ctx: &Context,
    node: Option<&str>,
    since: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    let config = &ctx.loaded.config;
    let links =
        build_links(config, ctx.read_only).map_err(|e| Failure::new(Code::Usage, e.to_string()))?;
    if let Some(n) = node
        && !links.contains_key(n)
    {
        return Err(Failure::new(
            Code::Invalid,
            format!(
                "no node `{n}` in the config; nodes: {}",
                links.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let since = since
        .map(|s| events::parse_since(s, now))
        .transpose()
        .map_err(|e| Failure::new(Code::Invalid, e))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Code::Failed, format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let (tx, mut rx) = mpsc::channel::<FleetEvent>(256);
        let mut followed = 0;
        for link in links
            .values()
            .filter(|l| l.docker.is_ok() && node.is_none_or(|n| n == l.name))
        {
            let client = match tokio::time::timeout(
                DOCKER_CONNECT,
                link.docker_client(DOCKER_CONNECT),
            )
            .await
            {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    errln!(
                        "fleetdeck: node {}: {}",
                        link.name,
                        printable(&e.to_string())
                    );
                    continue;
                }
                Err(_) => {
                    errln!(
                        "fleetdeck: node {}: no answer within {}s",
                        link.name,
                        DOCKER_CONNECT.as_secs()
                    );
                    continue;
                }
            };
            followed += 1;
            let (tx, name) = (tx.clone(), link.name.clone());
            tokio::spawn(async move {
                if let Err(e) = events::follow(client, name.clone(), since, tx).await {
                    errln!(
                        "fleetdeck: node {name}: events stopped: {}",
                        printable(&e.to_string())
                    );
                }
            });
        }
        drop(tx);
        if followed == 0 {
            return Err(Failure::new(
                Code::Failed,
                "no Docker engine could be followed",
            ));
        }
        let mut out = std::io::stdout().lock();
        while let Some(event) = rx.recv().await {
            let line = if json {
                super::out::inert_json(&serde_json::to_string(&event).unwrap_or_default())
                    .into_owned()
            } else {
                printable(&event.line()).into_owned()
            };
            if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
                // The reader went away (`| head`): that is the end, not an error.
                return Ok(());
            }
        }
        Err(Failure::new(
            Code::Failed,
            "every engine's event stream ended",
        ))
    })
}
