//! Address allocation for a VLAN: pure, so the rules are tested without a database.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpamError {
    #[error(
        "VLAN subnet {subnet} has no free address left ({used} in use, {reserved} reserved): widen the subnet or free an address"
    )]
    Exhausted {
        subnet: Ipv4Net,
        used: usize,
        reserved: usize,
    },
}

/// What may never be handed out besides addresses already in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub subnet: Ipv4Net,
    pub gateway: Ipv4Addr,
    /// Inclusive ranges.
    pub reserved: Vec<(Ipv4Addr, Ipv4Addr)>,
}

impl Pool {
    fn is_reserved(&self, ip: Ipv4Addr) -> bool {
        self.reserved.iter().any(|(a, b)| *a <= ip && ip <= *b)
    }

    /// Why `ip` (already known to be a host address of the subnet) cannot be given out:
    /// the gateway, a reserved range, or in `used`. `None` when it is free.
    pub fn unavailable(&self, ip: Ipv4Addr, used: &HashSet<Ipv4Addr>) -> Option<&'static str> {
        if ip == self.gateway {
            Some("is the VLAN's gateway")
        } else if self.is_reserved(ip) {
            Some("is in a reserved range of the VLAN")
        } else if used.contains(&ip) {
            Some("is already a site's address in the inventory")
        } else {
            None
        }
    }

    /// The first free address: in the subnet, not its network or broadcast address, not
    /// the gateway, not reserved, not in `used`.
    pub fn first_free(&self, used: &HashSet<Ipv4Addr>) -> Result<Ipv4Addr, IpamError> {
        // `hosts()` already leaves out network and broadcast (except on /31 and /32).
        self.subnet
            .hosts()
            .find(|ip| *ip != self.gateway && !self.is_reserved(*ip) && !used.contains(ip))
            .ok_or_else(|| IpamError::Exhausted {
                subnet: self.subnet,
                used: used.iter().filter(|ip| self.subnet.contains(*ip)).count(),
                reserved: self
                    .subnet
                    .hosts()
                    .filter(|ip| self.is_reserved(*ip))
                    .count(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().expect("ip")
    }

    fn pool(subnet: &str, gateway: &str, reserved: &[(&str, &str)]) -> Pool {
        Pool {
            subnet: subnet.parse().expect("subnet"),
            gateway: ip(gateway),
            reserved: reserved.iter().map(|(a, b)| (ip(a), ip(b))).collect(),
        }
    }

    #[test]
    fn a_chosen_address_is_checked_like_an_allocated_one() {
        let p = pool("10.2.0.0/24", "10.2.0.1", &[("10.2.0.100", "10.2.0.110")]);
        let used = HashSet::from([ip("10.2.0.7")]);
        assert_eq!(p.unavailable(ip("10.2.0.8"), &used), None);
        assert!(
            p.unavailable(ip("10.2.0.1"), &used)
                .is_some_and(|w| w.contains("gateway"))
        );
        assert!(
            p.unavailable(ip("10.2.0.105"), &used)
                .is_some_and(|w| w.contains("reserved"))
        );
        assert!(
            p.unavailable(ip("10.2.0.7"), &used)
                .is_some_and(|w| w.contains("inventory"))
        );
    }

    #[test]
    fn skips_network_and_gateway() {
        let p = pool("10.2.0.0/24", "10.2.0.1", &[]);
        assert_eq!(p.first_free(&HashSet::new()), Ok(ip("10.2.0.2")));
    }

    #[test]
    fn gateway_at_the_end_is_skipped_too() {
        let p = pool("10.2.0.0/30", "10.2.0.2", &[]);
        let used = HashSet::from([ip("10.2.0.1")]);
        assert!(matches!(
            p.first_free(&used),
            Err(IpamError::Exhausted { .. })
        ));
    }

    #[test]
    fn skips_reserved_ranges_and_used() {
        let p = pool(
            "10.2.0.0/24",
            "10.2.0.254",
            &[("10.2.0.1", "10.2.0.9"), ("10.2.0.11", "10.2.0.11")],
        );
        let used = HashSet::from([ip("10.2.0.10"), ip("10.2.0.12")]);
        assert_eq!(p.first_free(&used), Ok(ip("10.2.0.13")));
    }

    #[test]
    fn fills_holes_first() {
        let p = pool("10.2.0.0/24", "10.2.0.1", &[]);
        let used = HashSet::from([ip("10.2.0.2"), ip("10.2.0.4")]);
        assert_eq!(p.first_free(&used), Ok(ip("10.2.0.3")));
    }

    #[test]
    fn never_hands_out_broadcast() {
        let p = pool("10.2.0.0/29", "10.2.0.1", &[]);
        let used: HashSet<_> = (2..=5).map(|i| Ipv4Addr::new(10, 2, 0, i)).collect();
        assert_eq!(p.first_free(&used), Ok(ip("10.2.0.6")));
        let mut full = used.clone();
        full.insert(ip("10.2.0.6"));
        assert_eq!(
            p.first_free(&full),
            Err(IpamError::Exhausted {
                subnet: p.subnet,
                used: 5,
                reserved: 0
            })
        );
    }

    #[test]
    fn full_subnet_reports_exhaustion_with_counts() {
        let p = pool("10.9.0.0/24", "10.9.0.1", &[("10.9.0.200", "10.9.0.254")]);
        let used: HashSet<_> = (2..200).map(|i| Ipv4Addr::new(10, 9, 0, i)).collect();
        let err = p.first_free(&used).expect_err("full");
        assert_eq!(
            err,
            IpamError::Exhausted {
                subnet: p.subnet,
                used: 198,
                reserved: 55
            }
        );
        assert!(err.to_string().contains("no free address"));
    }

    #[test]
    fn every_allocation_is_fresh_and_in_the_pool() {
        let p = pool("10.5.0.0/26", "10.5.0.62", &[("10.5.0.10", "10.5.0.19")]);
        let mut used = HashSet::new();
        while let Ok(next) = p.first_free(&used) {
            assert!(p.subnet.contains(&next));
            assert_ne!(next, p.gateway);
            assert!(!p.is_reserved(next));
            assert!(used.insert(next), "{next} handed out twice");
        }
        // 62 hosts, minus gateway, minus 10 reserved.
        assert_eq!(used.len(), 51);
    }
}
