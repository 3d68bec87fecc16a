//! One poll of one node: every fact read in parallel over the node's one connection.
//! A fact that fails is an error for that fact only; the node is down only when it
//! cannot be reached at all.

use std::time::Instant;

use crate::collect::docker;
use crate::collect::parse;
use crate::config::{Hypervisor, NodeConfig};
use crate::fleet::model::{Guest, NodeFacts};
use crate::fleet::snapshot::{FactError, NodeSnapshot, NodeStatus};
use crate::transport::DockerClient;
use crate::transport::exec::{Exec, Output, RemoteCommand};
use crate::transport::links::NodeLink;
use crate::transport::ssh::SshError;

type Fact<T> = Result<T, String>;
type Ran = Result<Output, crate::transport::ExecError>;

fn cmd(argv: &[&str]) -> RemoteCommand {
    RemoteCommand::new(argv.iter().copied())
}

/// A command's stdout, or an error naming the command; `ok` lists the exit statuses that
/// are answers (pgrep says 1 for "no match").
fn text_of(c: &RemoteCommand, ran: Ran, ok: &[i32]) -> Fact<String> {
    let out = ran.map_err(|e| e.to_string())?;
    if out.status.is_some_and(|s| ok.contains(&s)) {
        return Ok(out.stdout_text());
    }
    let status = out.status.map_or("a signal".to_string(), |s| s.to_string());
    let tail = out.stderr_tail();
    Err(format!(
        "`{}` exited with {status}{}",
        c.command_line(),
        if tail.is_empty() {
            String::new()
        } else {
            format!(": {tail}")
        }
    ))
}

fn parsed<T>(
    text: Fact<String>,
    parse: impl FnOnce(&str) -> Result<T, parse::ParseError>,
) -> Fact<T> {
    parse(&text?).map_err(|e| e.to_string())
}

/// The commands of one poll, asked in one batch; their outputs come back in this order.
/// A watched node's plan leaves out what its watcher reports.
struct Plan {
    cmds: Vec<RemoteCommand>,
    keys: Vec<Key>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Hostname,
    Uname,
    Uptime,
    Loadavg,
    OsRelease,
    Links,
    Addrs,
    Listening,
    SshConfig,
    Guests,
    GuestsLong,
}

impl Plan {
    fn for_node(node: &NodeConfig, watched: bool) -> Plan {
        let mut plan = Plan {
            cmds: Vec::new(),
            keys: Vec::new(),
        };
        let mut add = |key: Key, argv: &[&str]| {
            plan.keys.push(key);
            plan.cmds.push(cmd(argv));
        };
        if !watched {
            add(Key::Hostname, &["hostname"]);
            add(Key::Uname, &["uname", "-srm"]);
            add(Key::Uptime, &["cat", "/proc/uptime"]);
            add(Key::Loadavg, &["cat", "/proc/loadavg"]);
            add(Key::OsRelease, &["cat", "/etc/os-release"]);
            add(Key::Links, &["ip", "-j", "-d", "link", "show"]);
            add(Key::Addrs, &["ip", "-j", "addr", "show"]);
            // Without -p: naming the owning processes means reading every process's
            // file descriptors, the costliest part of a poll; tunnels need only ports.
            add(Key::Listening, &["ss", "-H", "-tln"]);
            add(Key::SshConfig, &["cat", "--", ".ssh/config"]);
        }
        match node.hypervisor {
            Hypervisor::None => {}
            Hypervisor::Xen => {
                add(Key::Guests, &["xl", "list"]);
                add(Key::GuestsLong, &["xl", "list", "-l"]);
            }
            Hypervisor::Kvm => add(
                Key::Guests,
                &["virsh", "-c", node.libvirt_uri(), "list", "--all"],
            ),
            Hypervisor::Lxc => add(Key::Guests, &["lxc-ls", "-f", "-F", "NAME,STATE,IPV4,IPV6"]),
        }
        plan
    }
}

async fn ssh_processes(exec: &dyn Exec) -> Fact<Vec<crate::fleet::model::ProcessLine>> {
    let c = cmd(&["pgrep", "-a", "ssh"]);
    // pgrep exits 1 when nothing matches: no ssh process is an answer.
    parsed(text_of(&c, exec.run(&c).await, &[0, 1]), parse::parse_pgrep)
}

/// Take the output of command `key` out of the batch results.
fn take(plan: &Plan, results: &mut [Option<Ran>], key: Key, ok: &[i32]) -> Fact<String> {
    let i = plan
        .keys
        .iter()
        .position(|k| *k == key)
        .ok_or("no such command in the plan")?;
    let c = plan.cmds.get(i).ok_or("no such command in the plan")?;
    let ran = results
        .get_mut(i)
        .and_then(Option::take)
        .ok_or("no result for the command")?;
    text_of(c, ran, ok)
}

fn facts(plan: &Plan, r: &mut [Option<Ran>], errors: &mut Vec<FactError>) -> NodeFacts {
    let mut facts = NodeFacts::default();
    let mut keep = |fact: &'static str, result: Fact<()>| {
        if let Err(message) = result {
            errors.push(FactError { fact, message });
        }
    };
    keep(
        "hostname",
        parsed(take(plan, r, Key::Hostname, &[0]), parse::parse_hostname)
            .map(|h| facts.hostname = Some(h)),
    );
    keep(
        "kernel",
        parsed(take(plan, r, Key::Uname, &[0]), parse::parse_uname)
            .map(|u| facts.kernel = Some(u.to_string())),
    );
    keep(
        "uptime",
        parsed(take(plan, r, Key::Uptime, &[0]), parse::parse_uptime)
            .map(|u| facts.uptime_secs = Some(u)),
    );
    keep(
        "load",
        parsed(take(plan, r, Key::Loadavg, &[0]), parse::parse_loadavg)
            .map(|l| facts.load = Some(l)),
    );
    keep(
        "os",
        parsed(take(plan, r, Key::OsRelease, &[0]), parse::parse_os_release)
            .map(|o| facts.os = o.pretty_name()),
    );
    facts
}

async fn guests(
    exec: &dyn Exec,
    node: &NodeConfig,
    plan: &Plan,
    r: &mut [Option<Ran>],
) -> Fact<Vec<Guest>> {
    match node.hypervisor {
        Hypervisor::None => Ok(Vec::new()),
        Hypervisor::Xen => {
            let mut guests = parsed(take(plan, r, Key::Guests, &[0]), parse::parse_xl_list)?;
            // The long form adds memory, vCPUs and vif addresses; without it the list
            // still stands.
            if let Ok(details) = parsed(
                take(plan, r, Key::GuestsLong, &[0]),
                parse::parse_xl_list_long,
            ) {
                parse::apply_xl_details(&mut guests, &details);
            }
            guests.retain(|g| !g.is_control_domain());
            Ok(guests)
        }
        Hypervisor::Kvm => {
            let mut guests = parsed(take(plan, r, Key::Guests, &[0]), parse::parse_virsh_list)?;
            let uri = node.libvirt_uri();
            let running: Vec<usize> = (0..guests.len())
                .filter(|i| guests[*i].state.is_up())
                .collect();
            let lookups: Vec<RemoteCommand> = running
                .iter()
                .map(|i| cmd(&["virsh", "-c", uri, "domifaddr", &guests[*i].name]))
                .collect();
            let answers = exec.run_batch(&lookups).await;
            for ((i, c), ran) in running.iter().zip(&lookups).zip(answers) {
                // A guest without the agent or a lease has no address to show; not an error.
                if let Ok(addrs) = parsed(text_of(c, ran, &[0]), parse::parse_virsh_domifaddr) {
                    guests[*i].ips = addrs.into_iter().map(|a| a.address).collect();
                }
            }
            Ok(guests)
        }
        Hypervisor::Lxc => parsed(take(plan, r, Key::Guests, &[0]), parse::parse_lxc_ls),
    }
}

fn address(link: &NodeLink) -> String {
    link.address()
}

/// The snapshot of a node that could not be reached. While the node backs off, the time
/// of the next try is kept apart from the error, so the screen can count down to it.
pub fn down(node: &NodeConfig, link: &NodeLink, error: &SshError) -> NodeSnapshot {
    let mut snap = NodeSnapshot::unknown(&node.name);
    snap.address = Some(address(link));
    snap.status = NodeStatus::Down;
    let now = time::OffsetDateTime::now_utc();
    match error {
        SshError::BackingOff {
            hop,
            last,
            retry_in,
            ..
        } => {
            snap.error = Some(format!("{hop} is down (last error: {last})"));
            snap.retry_at = rfc3339(now + *retry_in);
        }
        other => snap.error = Some(other.to_string()),
    }
    if error.is_silent_peer() {
        // Not down: nothing says the node is gone. Shaped like a missed poll, so the
        // console and the master keep what they last saw of it, marked stale.
        snap.status = NodeStatus::Unknown;
        snap.stale = Some(crate::fleet::snapshot::Stale {
            why: format!(
                "sshd not answering: {}",
                snap.error.as_deref().unwrap_or("")
            ),
            as_of: None,
        });
    }
    snap.polled_at = rfc3339(now).unwrap_or_default();
    snap
}

/// RFC 3339 to the second, as `inventory::now_rfc3339` writes it.
fn rfc3339(t: time::OffsetDateTime) -> Option<String> {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// What a poll need not ask the node: the facts its watcher reports, and the engine's
/// containers and networks while its event stream is followed.
#[derive(Debug, Clone, Default)]
pub struct Known<'a> {
    /// Borrowed from the node's watcher slot: a round copies only what it shows.
    pub watched: Option<&'a crate::collect::watch::Watched>,
    /// The connection was heard from within the last refresh (a watcher's record): the
    /// round's keepalive is left out, as the record proved it alive.
    pub heard: bool,
    pub docker: Option<crate::fleet::docker::DockerFacts>,
}

/// Poll one node the caller has just reached (one keepalive per round, not two: each is
/// a round trip the host answers and this side decrypts). `docker` yields the node's
/// Docker client (the caller connects it, or hands back the one it keeps between polls),
/// `None` for a node without an engine, or why it could not be had. `tunnel_origin`: the
/// config declares a tunnel starting here, so its ssh processes are looked for. What
/// `known` holds is not asked again; `restarts` is the node's restart-count cache (an
/// empty one asks every container).
async fn poll_node(
    node: &NodeConfig,
    link: &NodeLink,
    tunnel_origin: bool,
    docker: impl std::future::Future<Output = Result<Option<DockerClient>, String>>,
    known: &Known<'_>,
    restarts: &mut docker::RestartCache,
) -> NodeSnapshot {
    let started = Instant::now();
    let mut snap = NodeSnapshot::unknown(&node.name);
    snap.address = Some(address(link));
    let exec = link.exec.as_ref();
    let watched = known.watched;
    let plan = Plan::for_node(node, watched.is_some());
    // Connecting to Docker (which may start dial-stdio on the node) overlaps the batch.
    let docker_facts = async {
        match docker.await {
            // Listed already and followed by events: a ping says the engine still
            // answers (a stalled one then goes the usual way, and shows stale).
            Ok(Some(client)) if known.docker.is_some() && engine_answers(&client).await => {
                Some((Ok(known.docker.clone().unwrap_or_default()), None))
            }
            Ok(Some(client)) => {
                let facts = docker::collect(&client, restarts)
                    .await
                    .map_err(|e| e.to_string());
                // The swarm is asked only when the engine answered: its own fact, so a
                // swarm that cannot answer costs that fact alone.
                let swarm = match &facts {
                    Ok(_) => Some(
                        crate::swarm::collect::collect(&client)
                            .await
                            .map_err(|e| e.to_string()),
                    ),
                    Err(_) => None,
                };
                Some((facts, swarm))
            }
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    };
    let (ran, docker_facts) = tokio::join!(exec.run_batch(&plan.cmds), docker_facts);
    let mut r: Vec<Option<Ran>> = ran.into_iter().map(Some).collect();
    let mut errors = Vec::new();
    let origin = match watched {
        Some(w) => tunnel_origin || w.forwards().is_some_and(|f| !f.is_empty()),
        None => {
            let facts = facts(&plan, &mut r, &mut errors);
            snap.facts = facts;
            read_links_and_ports(&plan, &mut r, &mut snap, &mut errors, tunnel_origin)
        }
    };
    if let Some(w) = watched {
        w.fill(&mut snap);
        errors.append(&mut snap.fact_errors);
    }
    // Scanning processes is costly: only where a tunnel starts on this node.
    let (guests, procs) = tokio::join!(guests(exec, node, &plan, &mut r), async {
        if origin {
            ssh_processes(exec).await
        } else {
            Ok(Vec::new())
        }
    });
    let mut keep = |fact: &'static str, result: Fact<()>| {
        if let Err(message) = result {
            errors.push(FactError { fact, message });
        }
    };
    keep("guests", guests.map(|g| snap.guests = g));
    keep("ssh processes", procs.map(|p| snap.ssh_processes = p));
    if let Some((d, swarm)) = docker_facts {
        keep("docker", d.map(|d| snap.docker = Some(d)));
        if let Some(swarm) = swarm {
            keep("swarm", swarm.map(|s| snap.swarm = s));
        }
    }
    snap.fact_errors = errors;
    snap.status = NodeStatus::Up;
    snap.notes.extend(link.docker_note());
    snap.polled_at = crate::inventory::now_rfc3339();
    snap.last_seen = Some(snap.polled_at.clone());
    snap.took_ms = started.elapsed().as_millis() as u64;
    tracing::debug!(node = %node.name, took_ms = snap.took_ms, errors = snap.fact_errors.len(), watched = watched.is_some(), "node polled");
    snap
}

/// The engine's `/_ping`, bounded: far cheaper for it than listing every container.
async fn engine_answers(client: &DockerClient) -> bool {
    let limit = crate::contract::docker::CONNECT_MIN;
    matches!(
        tokio::time::timeout(limit, client.api().ping()).await,
        Ok(Ok(_))
    )
}

/// Bridges, listening ports and ssh forwards from a full poll's batch; returns whether
/// the node starts a tunnel (its ssh processes are then worth a look).
fn read_links_and_ports(
    plan: &Plan,
    r: &mut [Option<Ran>],
    snap: &mut NodeSnapshot,
    errors: &mut Vec<FactError>,
    tunnel_origin: bool,
) -> bool {
    let bridges = match (
        take(plan, r, Key::Links, &[0]),
        take(plan, r, Key::Addrs, &[0]),
    ) {
        (Ok(links), Ok(addrs)) => parse::parse_bridges(&links, &addrs).map_err(|e| e.to_string()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let listening = parsed(
        take(plan, r, Key::Listening, &[0]),
        parse::parse_ss_listening,
    );
    // No ssh client config on the node (cat exits 1) means no declared forwards.
    let forwards = parsed(
        take(plan, r, Key::SshConfig, &[0, 1]),
        parse::parse_ssh_forwards,
    );
    let origin = tunnel_origin || forwards.as_ref().is_ok_and(|f| !f.is_empty());
    let mut keep = |fact: &'static str, result: Fact<()>| {
        if let Err(message) = result {
            errors.push(FactError { fact, message });
        }
    };
    keep("bridges", bridges.map(|b| snap.bridges = b));
    keep("listening", listening.map(|l| snap.listening = l));
    keep("ssh forwards", forwards.map(|f| snap.ssh_forwards = f));
    origin
}

/// Poll a node the way every caller wants it: reach it first, so a down node reports its
/// own error and not a Docker dial that failed for the same reason; reuse the `kept`
/// Docker client or connect one within `docker_budget`. Returns the snapshot and the
/// client worth keeping for the next poll (none after a Docker failure).
pub async fn poll_reaching(
    node: &NodeConfig,
    link: &NodeLink,
    tunnel_origin: bool,
    kept: Option<DockerClient>,
    docker_budget: std::time::Duration,
    known: &Known<'_>,
    restarts: &mut docker::RestartCache,
) -> (NodeSnapshot, Option<DockerClient>) {
    let started = Instant::now();
    let reached = if known.heard {
        link.reach_heard().await
    } else {
        link.reach().await
    };
    if let Err(e) = reached {
        let mut snap = down(node, link, &e);
        snap.took_ms = started.elapsed().as_millis() as u64;
        return (snap, None);
    }
    let (client_tx, client_rx) = tokio::sync::oneshot::channel();
    let stalled = std::sync::atomic::AtomicBool::new(false);
    let connect = async {
        let result = match (&link.docker, kept) {
            // `docker = "none"`: no engine, no error. Any other reason (a DOCKER_HOST or
            // context that cannot be used) is the node's Docker fact error.
            (Err(e), _) if matches!(**e, crate::transport::DockerError::NoEngine { .. }) => {
                Ok(None)
            }
            (Err(e), _) => Err(e.to_string()),
            (Ok(_), Some(client)) => Ok(Some(client)),
            (Ok(_), None) => link
                .docker_client(docker_budget)
                .await
                .map(Some)
                .map_err(|e| {
                    // Accepted and never answered (a stopped engine), unlike one that refuses.
                    if matches!(e, crate::transport::DockerError::Timeout { .. }) {
                        stalled.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    e.to_string()
                }),
        };
        let _ = client_tx.send(result.as_ref().ok().cloned().flatten());
        result
    };
    let mut snap = poll_node(node, link, tunnel_origin, connect, known, restarts).await;
    // The whole poll, connecting included.
    snap.took_ms = started.elapsed().as_millis() as u64;
    if stalled.load(std::sync::atomic::Ordering::Relaxed)
        && let Some(e) = snap.fact_error("docker")
    {
        snap.stale = Some(crate::fleet::snapshot::Stale {
            why: format!("engine not answering: {e}"),
            as_of: None,
        });
    }
    let client = client_rx
        .await
        .ok()
        .flatten()
        .filter(|_| snap.fact_error("docker").is_none());
    (snap, client)
}

#[cfg(test)]
mod tests;
