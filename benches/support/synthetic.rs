//! A synthetic fleet for the console's scale figures (`benches/frame.rs`) and their tests
//! (`tests/console_scale.rs`): any number of nodes and containers, deterministic, shaped
//! like a real fleet rather than like a loop counter. Not part of the binary: benches and
//! tests include this file by path.
//!
//! The shape: five datacentres; one node in twenty a KVM hypervisor whose guests are the
//! Docker nodes after it (nested under it by address, as `fleet::tree` infers), the other
//! Docker nodes bare metal. Each Docker node has a VLAN and between 4 and 17 containers
//! (adjusted so the fleet holds exactly the number asked): site containers on the VLAN
//! with a domain label and an inventory row, infrastructure next to them (proxy,
//! exporters, databases), finished jobs, some crashed, restarting, paused or created,
//! some with a healthcheck (a few unhealthy or starting).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use fleetdeck::app::{Keymap, Msg, State, update};
use fleetdeck::config::Config;
use fleetdeck::fleet::docker::ContainerHealth;
use fleetdeck::fleet::docker::{ContainerInfo, ContainerNet, DockerFacts};
use fleetdeck::fleet::model::{Guest, GuestKind, GuestState};
use fleetdeck::fleet::snapshot::PollEvent;
use fleetdeck::fleet::snapshot::{NodeSnapshot, NodeStatus};
use fleetdeck::inventory::{Site, SiteState};

/// The time every synthetic poll happened at; a state built with [`Synthetic::state`]
/// lives at this time, so no node turns stale while it is measured.
pub const NOW: &str = "2026-12-01T12:00:00Z";

const DATACENTRES: [&str; 5] = ["fra1", "ams2", "par1", "lon3", "nyc1"];
/// One node in this many is a hypervisor.
const HYPERVISOR_EVERY: usize = 20;
/// Of the nodes after a hypervisor, this many are its guests.
const GUESTS_PER_HYPERVISOR: usize = 10;

/// A small fast generator (splitmix64): the same fleet on every run.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn pick(seed: u64, n: u64) -> u64 {
    mix(seed) % n
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Hypervisor,
    /// A Docker node; `guest_of`: the hypervisor (index) it runs on, if any.
    Docker {
        guest_of: Option<usize>,
        containers: usize,
    },
}

#[derive(Debug, Clone)]
struct Plan {
    name: String,
    address: Ipv4Addr,
    role: Role,
    /// The node's VLAN id (Docker nodes).
    vlan: u16,
}

/// What kind of container the k-th one of a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Site,
    Infra(&'static str, &'static str),
    Job,
}

const INFRA: [(&str, &str); 8] = [
    ("nginx-proxy", "nginx:1.27-alpine"),
    ("node-exporter", "prom/node-exporter:v1.8.2"),
    ("cadvisor", "gcr.io/cadvisor/cadvisor:v0.49.1"),
    ("redis", "redis:7.4-alpine"),
    ("postgres", "postgres:16.4"),
    ("promtail", "grafana/promtail:3.1.1"),
    ("watchtower", "containrrr/watchtower:1.7.1"),
    ("memcached", "memcached:1.6.31"),
];

const SITE_WORDS: [&str; 12] = [
    "shop", "blog", "wiki", "crm", "portal", "docs", "api", "forum", "mail", "status", "cloud",
    "git",
];

const TLDS: [&str; 4] = ["example.org", "example.com", "example.net", "test.internal"];

/// A synthetic fleet of `nodes` nodes holding `containers` containers in all.
#[derive(Debug, Clone)]
pub struct Synthetic {
    plans: Vec<Plan>,
}

impl Synthetic {
    pub fn new(nodes: usize, containers: usize) -> Synthetic {
        let mut plans: Vec<Plan> = (0..nodes).map(|i| plan(i, nodes)).collect();
        spread(&mut plans, containers);
        Synthetic { plans }
    }

    pub fn node_count(&self) -> usize {
        self.plans.len()
    }

    pub fn container_count(&self) -> usize {
        (0..self.plans.len()).map(|i| self.containers_of(i)).sum()
    }

    pub fn node_name(&self, node: usize) -> &str {
        &self.plans[node].name
    }

    /// How many containers `node` holds (0 on a hypervisor).
    pub fn containers_of(&self, node: usize) -> usize {
        match self.plans[node].role {
            Role::Docker { containers, .. } => containers,
            Role::Hypervisor => 0,
        }
    }

    /// The hypervisor `node` is a guest of, when it is one.
    pub fn parent_of(&self, node: usize) -> Option<&str> {
        match self.plans[node].role {
            Role::Docker {
                guest_of: Some(h), ..
            } => Some(&self.plans[h].name),
            _ => None,
        }
    }

    /// The config, as an admin would write it: one `[[node]]` each, one `[[vlan]]` per
    /// Docker node.
    pub fn config_toml(&self) -> String {
        let mut out = String::from("refresh_secs = 5\n");
        for p in &self.plans {
            out.push_str(&format!(
                "[[node]]\nname = \"{}\"\nssh = \"root@{}\"\n",
                p.name, p.address
            ));
            if p.role == Role::Hypervisor {
                out.push_str("hypervisor = \"kvm\"\ndocker = \"none\"\n");
            }
        }
        for p in self.plans.iter().filter(|p| p.role != Role::Hypervisor) {
            let (a, b) = vlan_net(p.vlan);
            out.push_str(&format!(
                "[[vlan]]\nid = {}\nnode = \"{}\"\nsubnet = \"10.{a}.{b}.0/24\"\ngateway = \"10.{a}.{b}.1\"\n",
                p.vlan, p.name
            ));
        }
        out
    }

    pub fn config(&self) -> Config {
        fleetdeck::config::load_str(&self.config_toml(), std::path::Path::new("synthetic.toml"))
            .expect("the synthetic config loads")
    }

    /// One poll of `node`. `generation` moves the fleet on: each generation a few of the
    /// node's containers change state (one stops or starts again, a job finishes, a
    /// healthcheck flips), and every status line ages, as between two real polls.
    pub fn snapshot(&self, node: usize, generation: u64) -> NodeSnapshot {
        let p = &self.plans[node];
        let mut s = NodeSnapshot::unknown(&p.name);
        s.status = NodeStatus::Up;
        s.address = Some(p.address.to_string());
        s.polled_at = NOW.to_string();
        s.last_seen = Some(NOW.to_string());
        s.took_ms = 40 + pick(node as u64, 200);
        s.facts.hostname = Some(p.name.clone());
        s.facts.kernel = Some("6.1.0-28-amd64".into());
        s.facts.os = Some("Debian GNU/Linux 12 (bookworm)".into());
        s.facts.load = Some([0.42, 0.37, 0.31]);
        match p.role {
            Role::Hypervisor => {
                s.guests = self
                    .plans
                    .iter()
                    .filter(
                        |g| matches!(g.role, Role::Docker { guest_of: Some(h), .. } if h == node),
                    )
                    .map(|g| {
                        let mut guest =
                            Guest::new(GuestKind::Kvm, g.name.clone(), GuestState::Running);
                        guest.ips = vec![IpAddr::V4(g.address)];
                        guest
                    })
                    .collect();
            }
            Role::Docker { containers, .. } => {
                s.docker = Some(DockerFacts {
                    containers: (0..containers)
                        .map(|k| self.container(node, k, generation))
                        .collect(),
                    networks: Vec::new(),
                });
                // Docker lists them by name.
                if let Some(d) = &mut s.docker {
                    d.containers.sort_by(|a, b| a.name.cmp(&b.name));
                }
            }
        }
        s
    }

    pub fn poll(&self, node: usize, generation: u64) -> PollEvent {
        PollEvent::Snapshot(Box::new(self.snapshot(node, generation)))
    }

    /// One poll of every node.
    pub fn round(&self, generation: u64) -> Vec<PollEvent> {
        (0..self.plans.len())
            .map(|n| self.poll(n, generation))
            .collect()
    }

    /// The inventory's rows for every site container.
    pub fn sites(&self) -> Vec<Site> {
        let mut out = Vec::new();
        for (n, p) in self.plans.iter().enumerate() {
            for k in 0..self.containers_of(n) {
                if kind(n, k) != Kind::Site {
                    continue;
                }
                let (a, b) = vlan_net(p.vlan);
                let ip = Ipv4Addr::new(10, a, b, 10 + k as u8);
                out.push(Site {
                    domain: domain(n, k),
                    login: format!("u{n:04}{k:02}"),
                    vlan: p.vlan,
                    node: Some(p.name.clone()),
                    ip,
                    container_id: Some(container_id(n, k)),
                    image: Some("registry.example.org/site:2024.11".into()),
                    port: Some(8080),
                    state: SiteState::Active,
                    created_at: "2026-01-15T09:30:00Z".into(),
                    updated_at: "2026-01-15T09:30:00Z".into(),
                });
            }
        }
        out
    }

    /// A console's state holding this fleet at [`NOW`]: config, inventory, one poll of
    /// every node (one batch), the screen `width` x `height`.
    pub fn state(&self, width: u16, height: u16) -> State {
        let mut s = self.empty_state(width, height);
        update(&mut s, Msg::SitesLoaded(Ok(self.sites())));
        // As the console's driver hands them over: every answer waiting, in one batch.
        update(&mut s, Msg::Polls(self.round(0)));
        s
    }

    /// The state before any node answered: config and screen only.
    pub fn empty_state(&self, width: u16, height: u16) -> State {
        let mut s = State::with_config(
            Arc::new(self.config()),
            false,
            "synthetic.toml".into(),
            "inventory.db".into(),
            Keymap::defaults(),
        );
        s.now = NOW.to_string();
        s.polling_since = Some(NOW.to_string());
        update(&mut s, Msg::Resized { width, height });
        s
    }

    /// The k-th container of `node` at `generation`.
    fn container(&self, node: usize, k: usize, generation: u64) -> ContainerInfo {
        let p = &self.plans[node];
        let seed = (node as u64) << 20 | k as u64;
        let kind = kind(node, k);
        let (name, image) = match kind {
            Kind::Site => (
                format!("fd-{}", domain(node, k)),
                "registry.example.org/site:2024.11".to_string(),
            ),
            Kind::Infra(name, image) => (name.to_string(), image.to_string()),
            Kind::Job => (
                format!("backup-{}-{:02}", p.name, k),
                "restic/restic:0.17.1".to_string(),
            ),
        };
        // Which few change this generation: two containers of the node, by turns.
        let count = self.containers_of(node).max(1) as u64;
        let flipped = generation > 0
            && (k as u64 == generation % count || k as u64 == (generation * 7 + 3) % count);
        let (state, status, health) = condition(seed, kind, flipped, generation);
        let mut labels = BTreeMap::new();
        labels.insert(
            "com.docker.compose.project".to_string(),
            p.name.replace('-', ""),
        );
        labels.insert("com.docker.compose.service".to_string(), name.clone());
        labels.insert(
            "org.opencontainers.image.source".to_string(),
            format!("https://git.example.org/ops/{}", name),
        );
        let networks = match kind {
            Kind::Site => {
                labels.insert("fleetdeck.domain".to_string(), domain(node, k));
                let (a, b) = vlan_net(p.vlan);
                vec![ContainerNet {
                    network: format!("vlan{}", p.vlan),
                    ip: (state == "running").then(|| format!("10.{a}.{b}.{}", 10 + k)),
                }]
            }
            _ => vec![ContainerNet {
                network: "bridge".into(),
                ip: (state == "running").then(|| format!("172.17.0.{}", 2 + k)),
            }],
        };
        ContainerInfo {
            restarts: None,
            id: container_id(node, k),
            name,
            image,
            state: state.to_string(),
            status,
            health,
            networks,
            labels,
        }
    }
}

fn plan(i: usize, nodes: usize) -> Plan {
    let dc = DATACENTRES[i * DATACENTRES.len() / nodes.max(1)];
    let address = Ipv4Addr::new(10, 100 + (i / 250) as u8, (i % 250) as u8 + 1, 10);
    let position = i % HYPERVISOR_EVERY;
    let (name, role) = if position == 0 {
        (
            format!("{dc}-kvm{:03}", i / HYPERVISOR_EVERY),
            Role::Hypervisor,
        )
    } else {
        let guest_of = (position <= GUESTS_PER_HYPERVISOR).then(|| i - position);
        (
            format!("{dc}-dock{i:04}"),
            Role::Docker {
                guest_of,
                containers: 4 + pick(i as u64, 14) as usize,
            },
        )
    };
    Plan {
        name,
        address,
        role,
        vlan: 100 + i as u16,
    }
}

/// Adjust the Docker nodes' counts, round robin, until the fleet holds `total`.
fn spread(plans: &mut [Plan], total: usize) {
    let docker: Vec<usize> = (0..plans.len())
        .filter(|&i| plans[i].role != Role::Hypervisor)
        .collect();
    if docker.is_empty() {
        return;
    }
    let count = |plans: &[Plan]| -> usize {
        plans
            .iter()
            .map(|p| match p.role {
                Role::Docker { containers, .. } => containers,
                Role::Hypervisor => 0,
            })
            .sum()
    };
    let mut have = count(plans);
    let mut turn = 0;
    while have != total {
        let i = docker[turn % docker.len()];
        turn += 1;
        if let Role::Docker { containers, .. } = &mut plans[i].role {
            if have < total && *containers < 240 {
                *containers += 1;
                have += 1;
            } else if have > total && *containers > 0 {
                *containers -= 1;
                have -= 1;
            }
        }
    }
}

/// The VLAN's /24: `10.a.b.0/24`, apart from the nodes' own addresses.
fn vlan_net(vlan: u16) -> (u8, u8) {
    (200 + (vlan / 256) as u8, (vlan % 256) as u8)
}

/// Half the containers are sites, one in eight a finished job, the rest infrastructure.
fn kind(node: usize, k: usize) -> Kind {
    let seed = (node as u64) << 20 | k as u64;
    match pick(seed ^ 0x5eed, 16) {
        0..=7 => Kind::Site,
        8..=9 => Kind::Job,
        r => {
            let (name, image) = INFRA[(k + r as usize) % INFRA.len()];
            Kind::Infra(name, image)
        }
    }
}

fn domain(node: usize, k: usize) -> String {
    let seed = (node as u64) << 20 | k as u64;
    let word = SITE_WORDS[pick(seed ^ 0xd0, SITE_WORDS.len() as u64) as usize];
    let tld = TLDS[pick(seed ^ 0x7d, TLDS.len() as u64) as usize];
    format!("{word}-{node:04}{k:02}.{tld}")
}

fn container_id(node: usize, k: usize) -> String {
    let seed = (node as u64) << 20 | k as u64;
    (0..4)
        .map(|i| format!("{:016x}", mix(seed ^ (i << 56))))
        .collect()
}

fn human(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s} seconds"),
        s if s < 3600 => format!("{} minutes", s / 60),
        s if s < 86_400 => format!("{} hours", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// State word, Docker's status line and health of a container: most run, jobs finished,
/// one in forty crashed, a few restarting, paused or created; a third have healthchecks.
/// A `flipped` container is in the other state this generation.
fn condition(
    seed: u64,
    kind: Kind,
    flipped: bool,
    generation: u64,
) -> (&'static str, String, Option<ContainerHealth>) {
    let age = 30 + pick(seed ^ 0xa9e, 40 * 86_400) + generation * 5;
    let roll = pick(seed ^ 0x57a7e, 1000);
    let mut word = match (kind, roll) {
        (Kind::Job, r) if r < 900 => "exited-ok",
        (_, r) if r < 25 => "crashed",
        (_, r) if r < 32 => "restarting",
        (_, r) if r < 37 => "paused",
        (_, r) if r < 40 => "created",
        _ => "running",
    };
    if flipped {
        word = if word == "running" {
            "crashed"
        } else {
            "running"
        };
    }
    let checked = kind != Kind::Job && pick(seed ^ 0xc4ec, 3) == 0;
    match word {
        "running" if checked => {
            let health = match pick(seed ^ 0x4ea1 ^ generation, 100) {
                0..=2 => ContainerHealth::Unhealthy,
                3..=4 => ContainerHealth::Starting,
                _ => ContainerHealth::Healthy,
            };
            let status = format!("Up {} ({})", human(age), health.as_str());
            ("running", status, Some(health))
        }
        "running" => ("running", format!("Up {}", human(age)), None),
        "exited-ok" => ("exited", format!("Exited (0) {} ago", human(age)), None),
        "crashed" => {
            let code = [1, 2, 137, 139, 143][pick(seed ^ 0xc0de, 5) as usize];
            (
                "exited",
                format!("Exited ({code}) {} ago", human(age)),
                None,
            )
        }
        "restarting" => (
            "restarting",
            format!("Restarting (1) {} ago", human(age % 60)),
            None,
        ),
        "paused" => ("paused", format!("Up {} (Paused)", human(age)), None),
        _ => ("created", "Created".to_string(), None),
    }
}
