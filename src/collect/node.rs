//! One poll of one node: every fact read in parallel over the node's one connection.
//! A fact that fails is an error for that fact only; the node is down only when it
//! cannot be reached at all.

use std::time::Instant;

use crate::collect::docker;
use crate::collect::parse;
use crate::config::{Hypervisor, NodeConfig};
use crate::fleet::model::{Bridge, Guest, ListeningSocket, NodeFacts, ProcessLine, SshForward};
use crate::fleet::snapshot::{FactError, NodeSnapshot, NodeStatus};
use crate::transport::DockerClient;
use crate::transport::exec::{Exec, RemoteCommand};
use crate::transport::links::NodeLink;

type Fact<T> = Result<T, String>;

/// Run a command and return its stdout; a non-zero exit is an error naming the command.
async fn text(exec: &dyn Exec, argv: &[&str]) -> Fact<String> {
    let cmd = RemoteCommand::new(argv.iter().copied());
    let out = exec.run(&cmd).await.map_err(|e| e.to_string())?;
    if out.success() {
        Ok(out.stdout_text())
    } else {
        let status = out.status.map_or("a signal".to_string(), |s| s.to_string());
        let tail = out.stderr_tail();
        Err(format!(
            "`{}` exited with {status}{}",
            cmd.command_line(),
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            }
        ))
    }
}

async fn facts(exec: &dyn Exec) -> (NodeFacts, Vec<FactError>) {
    let (hostname, uname, uptime, load, os) = tokio::join!(
        text(exec, &["hostname"]),
        text(exec, &["uname", "-srm"]),
        text(exec, &["cat", "/proc/uptime"]),
        text(exec, &["cat", "/proc/loadavg"]),
        text(exec, &["cat", "/etc/os-release"]),
    );
    let mut errors = Vec::new();
    let mut keep = |fact: &'static str, r: Fact<()>| {
        if let Err(message) = r {
            errors.push(FactError { fact, message });
        }
    };
    let mut facts = NodeFacts::default();
    keep(
        "hostname",
        hostname
            .and_then(|t| parse::parse_hostname(&t).map_err(|e| e.to_string()))
            .map(|h| facts.hostname = Some(h)),
    );
    keep(
        "kernel",
        uname
            .and_then(|t| parse::parse_uname(&t).map_err(|e| e.to_string()))
            .map(|u| facts.kernel = Some(u.to_string())),
    );
    keep(
        "uptime",
        uptime
            .and_then(|t| parse::parse_uptime(&t).map_err(|e| e.to_string()))
            .map(|u| facts.uptime_secs = Some(u)),
    );
    keep(
        "load",
        load.and_then(|t| parse::parse_loadavg(&t).map_err(|e| e.to_string()))
            .map(|l| facts.load = Some(l)),
    );
    keep(
        "os",
        os.and_then(|t| parse::parse_os_release(&t).map_err(|e| e.to_string()))
            .map(|o| facts.os = o.pretty_name()),
    );
    (facts, errors)
}

async fn bridges(exec: &dyn Exec) -> Fact<Vec<Bridge>> {
    let (links, addrs) = tokio::join!(
        text(exec, &["ip", "-j", "-d", "link", "show"]),
        text(exec, &["ip", "-j", "addr", "show"])
    );
    parse::parse_bridges(&links?, &addrs?).map_err(|e| e.to_string())
}

async fn guests(exec: &dyn Exec, node: &NodeConfig) -> Fact<Vec<Guest>> {
    match node.hypervisor {
        Hypervisor::None => Ok(Vec::new()),
        Hypervisor::Xen => {
            let mut guests = parse::parse_xl_list(&text(exec, &["xl", "list"]).await?)
                .map_err(|e| e.to_string())?;
            // The long form adds memory, vCPUs and vif addresses; without it the list
            // still stands.
            if let Ok(long) = text(exec, &["xl", "list", "-l"]).await
                && let Ok(details) = parse::parse_xl_list_long(&long)
            {
                parse::apply_xl_details(&mut guests, &details);
            }
            guests.retain(|g| !g.is_control_domain());
            Ok(guests)
        }
        Hypervisor::Kvm => {
            let uri = node.libvirt_uri();
            let mut guests =
                parse::parse_virsh_list(&text(exec, &["virsh", "-c", uri, "list", "--all"]).await?)
                    .map_err(|e| e.to_string())?;
            let lookups = guests.iter().map(|g| {
                let running = g.state.is_up();
                let name = g.name.clone();
                async move {
                    if !running {
                        return Vec::new();
                    }
                    match text(exec, &["virsh", "-c", uri, "domifaddr", &name]).await {
                        Ok(t) => parse::parse_virsh_domifaddr(&t)
                            .map(|addrs| addrs.into_iter().map(|a| a.address).collect())
                            .unwrap_or_default(),
                        Err(_) => Vec::new(),
                    }
                }
            });
            let ips = futures::future::join_all(lookups).await;
            for (guest, ips) in guests.iter_mut().zip(ips) {
                guest.ips = ips;
            }
            Ok(guests)
        }
        Hypervisor::Lxc => {
            let out = text(exec, &["lxc-ls", "-f", "-F", "NAME,STATE,IPV4,IPV6"]).await?;
            parse::parse_lxc_ls(&out).map_err(|e| e.to_string())
        }
    }
}

async fn listening(exec: &dyn Exec) -> Fact<Vec<ListeningSocket>> {
    parse::parse_ss_listening(&text(exec, &["ss", "-H", "-tlnp"]).await?).map_err(|e| e.to_string())
}

async fn ssh_processes(exec: &dyn Exec) -> Fact<Vec<ProcessLine>> {
    let cmd = RemoteCommand::new(["pgrep", "-a", "ssh"]);
    let out = exec.run(&cmd).await.map_err(|e| e.to_string())?;
    // pgrep exits 1 when nothing matches: no ssh process is an answer, not an error.
    match out.status {
        Some(0) => parse::parse_pgrep(&out.stdout_text()).map_err(|e| e.to_string()),
        Some(1) => Ok(Vec::new()),
        _ => Err(format!("`pgrep -a ssh` failed: {}", out.stderr_tail())),
    }
}

async fn ssh_forwards(exec: &dyn Exec) -> Fact<Vec<SshForward>> {
    let cmd = RemoteCommand::new(["cat", "--", ".ssh/config"]);
    let out = exec.run(&cmd).await.map_err(|e| e.to_string())?;
    if !out.success() {
        // No ssh client config on the node: no declared forwards.
        return Ok(Vec::new());
    }
    parse::parse_ssh_forwards(&out.stdout_text()).map_err(|e| e.to_string())
}

fn address(link: &NodeLink) -> String {
    match &link.ssh {
        Some(ssh) => ssh.route().target.host.clone(),
        None => "local".into(),
    }
}

/// The snapshot of a node that could not be reached.
pub fn down(node: &NodeConfig, link: &NodeLink, error: String) -> NodeSnapshot {
    let mut snap = NodeSnapshot::unknown(&node.name);
    snap.address = Some(address(link));
    snap.status = NodeStatus::Down;
    snap.error = Some(error);
    snap.polled_at = crate::inventory::now_rfc3339();
    snap
}

/// Poll one node. `docker` is the node's client when it has an engine (connected by the
/// caller, who keeps it between polls); `docker_error` says why there is none.
pub async fn poll_node(
    node: &NodeConfig,
    link: &NodeLink,
    docker: Result<Option<&DockerClient>, String>,
) -> NodeSnapshot {
    let started = Instant::now();
    if let Some(ssh) = &link.ssh
        && let Err(e) = ssh.session().await
    {
        let mut snap = down(node, link, e.to_string());
        snap.took_ms = started.elapsed().as_millis() as u64;
        return snap;
    }
    let mut snap = NodeSnapshot::unknown(&node.name);
    snap.address = Some(address(link));
    let exec = link.exec.as_ref();
    let docker_facts = async {
        match docker {
            Ok(Some(client)) => Some(docker::collect(client).await.map_err(|e| e.to_string())),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    };
    let ((facts, mut errors), bridges, guests, listening, procs, forwards, docker_facts) = tokio::join!(
        facts(exec),
        bridges(exec),
        guests(exec, node),
        listening(exec),
        ssh_processes(exec),
        ssh_forwards(exec),
        docker_facts,
    );
    let mut take = |fact: &'static str, r: Fact<()>| {
        if let Err(message) = r {
            errors.push(FactError { fact, message });
        }
    };
    take("bridges", bridges.map(|b| snap.bridges = b));
    take("guests", guests.map(|g| snap.guests = g));
    take("listening", listening.map(|l| snap.listening = l));
    take("ssh processes", procs.map(|p| snap.ssh_processes = p));
    take("ssh forwards", forwards.map(|f| snap.ssh_forwards = f));
    if let Some(d) = docker_facts {
        take("docker", d.map(|d| snap.docker = Some(d)));
    }
    snap.fact_errors = errors;
    snap.facts = facts;
    snap.status = NodeStatus::Up;
    snap.notes.extend(link.docker_note());
    snap.polled_at = crate::inventory::now_rfc3339();
    snap.last_seen = Some(snap.polled_at.clone());
    snap.took_ms = started.elapsed().as_millis() as u64;
    snap
}
