//! `fleetdeck inspect TARGET|NODE [--json]`: a container's record as its engine keeps it,
//! or a node's facts from one poll. A name that is a node of the config is the node.
//! Works in read-only mode (it only reads).

use super::ops_env::DOCKER_CONNECT;
use super::session_cmd::find_failure;
use super::{Code, Context, Failure};
use crate::act::lookup;
use crate::collect::once::poll_one;
use crate::fleet::snapshot::NodeSnapshot;
use crate::transport::links::build_links;
use crate::validate::printable;

pub fn run(ctx: &Context, what: &str, json: bool) -> Result<(), Failure> {
    let config = &ctx.loaded.config;
    let links =
        build_links(config, ctx.read_only).map_err(|e| Failure::new(Code::Usage, e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Code::Failed, format!("cannot start the async runtime: {e}")))?;
    if let (Some(node), Some(link)) = (config.node(what), links.get(what)) {
        let (snap, _) = runtime.block_on(poll_one(config, node, link, None));
        if json {
            print_json(
                &serde_json::json!({ "schema_version": crate::contract::schema::INSPECT_NODE, "node": snap }),
            )?;
        } else {
            print_node(&snap, &link.reach);
        }
        return Ok(());
    }
    let sites = match super::inventory_cmd::open_for_reading(ctx)? {
        Some(inv) => inv.sites().map_err(Failure::inventory)?,
        None => Vec::new(),
    };
    let (resolved, client) = runtime
        .block_on(lookup::find(&links, &sites, what, DOCKER_CONNECT))
        .map_err(find_failure)?;
    let record = runtime
        .block_on(client.get_json(&format!("/containers/{}/json", resolved.id)))
        .map_err(|e| Failure::new(Code::Failed, format!("{}: {e}", resolved.qualified())))?;
    if json {
        print_json(&record)?;
    } else {
        for line in container_summary(&resolved.node, &record) {
            // One field per line: a value holding a newline must not forge another.
            outln!("{}", printable(&line));
        }
    }
    Ok(())
}

fn print_json(value: &serde_json::Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::new(Code::Failed, format!("cannot print the record: {e}")))?;
    super::out::json(&text);
    Ok(())
}

/// The lines an operator looks at first; `--json` has everything.
pub fn container_summary(node: &str, r: &serde_json::Value) -> Vec<String> {
    let s = |p: &str| {
        r.pointer(p)
            .and_then(|v| v.as_str())
            .unwrap_or("-")
            .to_string()
    };
    let mut lines = vec![
        format!("name      {}", s("/Name").trim_start_matches('/')),
        format!("node      {node}"),
        format!("id        {}", s("/Id")),
        format!("image     {} ({})", s("/Config/Image"), s("/Image")),
        format!("state     {}", s("/State/Status")),
        format!("started   {}", s("/State/StartedAt")),
    ];
    if let Some(h) = r.pointer("/State/Health/Status").and_then(|v| v.as_str()) {
        lines.push(format!("health    {h}"));
    }
    lines.push(format!(
        "restarts  {} (policy {})",
        r.pointer("/RestartCount")
            .and_then(|v| v.as_i64())
            .unwrap_or(0),
        s("/HostConfig/RestartPolicy/Name")
    ));
    if let Some(nets) = r
        .pointer("/NetworkSettings/Networks")
        .and_then(|v| v.as_object())
    {
        for (name, n) in nets {
            let ip = n.get("IPAddress").and_then(|v| v.as_str()).unwrap_or("");
            lines.push(format!("network   {name} {ip}"));
        }
    }
    if let Some(labels) = r.pointer("/Config/Labels").and_then(|v| v.as_object()) {
        for (k, v) in labels {
            lines.push(format!("label     {k}={}", v.as_str().unwrap_or("")));
        }
    }
    lines
}

fn print_node(snap: &NodeSnapshot, reach: &str) {
    let f = &snap.facts;
    let mut lines = vec![
        format!("node      {}", snap.name),
        format!("status    {}", snap.status.as_str()),
        format!("reached   {reach}"),
    ];
    if let Some(e) = &snap.error {
        lines.push(format!("error     {e}"));
    }
    let facts = serde_json::to_value(f).unwrap_or_default();
    if let Some(obj) = facts.as_object() {
        for (k, v) in obj {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            lines.push(format!("{k:<9} {text}"));
        }
    }
    if let Some(d) = &snap.docker {
        lines.push(format!(
            "docker    {}, {}",
            crate::plural::plural(d.containers.len(), "container", "containers"),
            crate::plural::plural(d.networks.len(), "network", "networks")
        ));
    }
    lines.push(format!("guests    {}", snap.guests.len()));
    lines.push(format!("bridges   {}", snap.bridges.len()));
    for e in &snap.fact_errors {
        lines.push(format!("failed    {}: {}", e.fact, e.message));
    }
    for line in lines {
        outln!("{}", printable(&line));
    }
}
