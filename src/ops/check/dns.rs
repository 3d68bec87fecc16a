//! A records of the sites' domains, asked of the configured `[dns] servers` only: no
//! system resolver config, no hosts file, a fresh resolver per run (so no cache carries
//! over), short timeouts, a bounded number of queries in flight.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures::StreamExt;
use hickory_resolver::config::{
    NameServerConfig, NameServerConfigGroup, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::{Name, ResolveError, TokioResolver};

use super::DnsAnswer;

/// Time for one query to one server.
const QUERY_TIMEOUT: Duration = Duration::from_secs(2);
/// Queries in flight at once: enough to finish hundreds of names in well under a second
/// on a LAN, few enough not to flood a small dnsmasq.
const IN_FLIGHT: usize = 32;

/// How one lookup went.
enum Outcome {
    Answer(DnsAnswer),
    /// No server could be reached at all: asking the other names is pointless.
    Unreachable(String),
}

fn resolver(servers: &[SocketAddr]) -> TokioResolver {
    let mut group = NameServerConfigGroup::with_capacity(servers.len() * 2);
    for addr in servers {
        // UDP first; TCP for truncated answers and when UDP fails.
        group.push(NameServerConfig::new(*addr, Protocol::Udp));
        group.push(NameServerConfig::new(*addr, Protocol::Tcp));
    }
    let config = ResolverConfig::from_parts(None, Vec::new(), group);
    let mut options = ResolverOpts::default();
    options.timeout = QUERY_TIMEOUT;
    options.attempts = 1;
    options.use_hosts_file = ResolveHosts::Never;
    options.try_tcp_on_error = true;
    TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
        .with_options(options)
        .build()
}

fn classify(err: &ResolveError) -> Outcome {
    let Some(proto) = err.proto() else {
        return Outcome::Answer(DnsAnswer::Failed(err.to_string()));
    };
    match proto.kind() {
        ProtoErrorKind::NoRecordsFound { response_code, .. } => match response_code {
            ResponseCode::NXDomain | ResponseCode::NoError => Outcome::Answer(DnsAnswer::NoRecord),
            code => Outcome::Answer(DnsAnswer::Failed(format!("the server answered {code}"))),
        },
        ProtoErrorKind::Timeout
        | ProtoErrorKind::NoConnections
        | ProtoErrorKind::Busy
        | ProtoErrorKind::Io(_) => Outcome::Unreachable(proto.to_string()),
        _ => Outcome::Answer(DnsAnswer::Failed(proto.to_string())),
    }
}

async fn lookup(resolver: &TokioResolver, domain: &str) -> Outcome {
    // Fully qualified: no search domain is ever appended.
    let name = match Name::from_ascii(format!("{}.", domain.trim_end_matches('.'))) {
        Ok(name) => name,
        Err(e) => return Outcome::Answer(DnsAnswer::Failed(format!("not a DNS name: {e}"))),
    };
    match resolver.ipv4_lookup(name).await {
        Ok(found) => {
            let mut ips: Vec<IpAddr> = found.iter().map(|a| IpAddr::V4(a.0)).collect();
            ips.sort();
            ips.dedup();
            Outcome::Answer(DnsAnswer::Addresses(ips))
        }
        Err(e) => classify(&e),
    }
}

/// Resolve every domain. When the servers cannot be reached, every domain gets the same
/// failure after one probe, instead of waiting out a timeout per name.
pub async fn resolve_all(
    servers: &[SocketAddr],
    domains: &[String],
) -> BTreeMap<String, DnsAnswer> {
    let mut answers = BTreeMap::new();
    let Some((first, rest)) = domains.split_first() else {
        return answers;
    };
    let resolver = resolver(servers);
    match lookup(&resolver, first).await {
        Outcome::Unreachable(why) => {
            for d in domains {
                answers.insert(d.clone(), DnsAnswer::Failed(why.clone()));
            }
            return answers;
        }
        Outcome::Answer(a) => {
            answers.insert(first.clone(), a);
        }
    }
    let resolver = &resolver;
    let mut stream = futures::stream::iter(rest)
        .map(|d| async move { (d.clone(), lookup(resolver, d).await) })
        .buffer_unordered(IN_FLIGHT);
    while let Some((domain, outcome)) = stream.next().await {
        let answer = match outcome {
            Outcome::Answer(a) => a,
            Outcome::Unreachable(why) => DnsAnswer::Failed(why),
        };
        answers.insert(domain, answer);
    }
    answers
}

/// The servers as shown in messages: "10.77.0.1:53, 10.77.0.2:53".
pub fn describe(servers: &[SocketAddr]) -> String {
    servers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
