//! `fleetdeck init --from-ssh-config`: a starting list of nodes from the `Host` entries
//! of the user's OpenSSH client config, read by the one resolver (`sshcfg`), so hosts
//! declared in `Include`d files are found and each jump is what ssh would use.

use crate::sshcfg::{Destination, Resolved, Resolver};

/// One concrete `Host` alias, and the alias it jumps through when that is also a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedHost {
    pub alias: String,
    pub jump: Option<String>,
}

/// Concrete aliases of `Host` lines (wildcard and negated patterns skipped), in file
/// order. `jump` names the last ProxyJump hop when it is itself one of the aliases,
/// written without user or port, and reached the same way on its own: then the node
/// can ride that node's connection. Otherwise the route follows ProxyJump by itself.
pub fn hosts(resolver: &Resolver) -> Vec<ImportedHost> {
    let aliases = resolver.host_names();
    let chain_of = |r: &Resolved| -> Option<Vec<(String, String, u16)>> {
        let hops = resolver.jumps(r).ok()?;
        Some(
            hops.iter()
                .map(|h| (h.user.clone(), h.hostname.clone(), h.port))
                .collect(),
        )
    };
    aliases
        .iter()
        .map(|alias| {
            let jump = (|| {
                let r = resolver.resolve(&Destination::host(alias)).ok()?;
                let last = r.proxy_jump.as_ref()?.last.clone();
                if last.user.is_some() || last.port.is_some() || !aliases.contains(&last.host) {
                    return None;
                }
                let mut chain = chain_of(&r)?;
                chain.pop();
                let jump_host = resolver.resolve(&Destination::host(&last.host)).ok()?;
                (chain_of(&jump_host)? == chain).then_some(last.host)
            })();
            ImportedHost {
                alias: alias.clone(),
                jump,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::sshcfg::{ExecPolicy, Loaded, Local};

    #[test]
    fn reads_aliases_skips_patterns_and_keeps_known_jumps() {
        let text = "\
# comment
Host bastion
    HostName 203.0.113.1
Host teemo\tteemo-alt
\tProxyJump bastion
Host *.lan !secret web?
    User admin
Host=db
  ProxyJump=elsewhere,bastion
Host deep
  ProxyJump bastion,teemo
Host viaport
  ProxyJump bastion:2222
Match host x
  ProxyJump teemo
Host teemo
";
        let resolver = Resolver {
            loaded: Loaded::from_text(Path::new("config"), text).expect("parses"),
            local: Local {
                user: "me".into(),
                uid: 1000,
                home: "/home/me".into(),
                hostname: "here".into(),
                vars: Default::default(),
            },
            exec: ExecPolicy::Refuse,
        };
        let hosts = hosts(&resolver);
        let got: Vec<(&str, Option<&str>)> = hosts
            .iter()
            .map(|h| (h.alias.as_str(), h.jump.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("bastion", None),
                ("teemo", Some("bastion")),
                ("teemo-alt", Some("bastion")),
                // bastion is reached through `elsewhere` there, not on its own.
                ("db", None),
                // teemo is reached through bastion on its own too.
                ("deep", Some("teemo")),
                ("viaport", None),
            ]
        );
    }
}
