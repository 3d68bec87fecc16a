//! The labels fleetdeck puts on the containers it creates (the README's contracts). They are how a
//! container is recognised as a site's, by check, reconcile and the tree.

use std::collections::HashMap;

pub use crate::contract::label::{DOMAIN, LOGIN, VLAN};

/// The full label set of a site's container.
pub fn for_site(domain: &str, login: &str, vlan: u16) -> HashMap<String, String> {
    HashMap::from([
        (DOMAIN.to_string(), domain.to_string()),
        (LOGIN.to_string(), login.to_string()),
        (VLAN.to_string(), vlan.to_string()),
    ])
}

/// Whether `labels` say the container belongs to exactly this site.
pub fn belong_to<'a>(
    labels: impl IntoIterator<Item = (&'a String, &'a String)>,
    domain: &str,
    login: &str,
    vlan: u16,
) -> bool {
    let want = for_site(domain, login, vlan);
    let mut found = 0;
    for (k, v) in labels {
        if let Some(w) = want.get(k) {
            if w != v {
                return false;
            }
            found += 1;
        }
    }
    found == want.len()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[test]
    fn all_three_labels_must_match() {
        let full: BTreeMap<String, String> = super::for_site("a.example", "bob", 110)
            .into_iter()
            .collect();
        assert!(super::belong_to(&full, "a.example", "bob", 110));
        assert!(!super::belong_to(&full, "a.example", "bob", 111));
        assert!(!super::belong_to(&full, "b.example", "bob", 110));
        let mut partial = full.clone();
        partial.remove(super::LOGIN);
        assert!(!super::belong_to(&partial, "a.example", "bob", 110));
    }
}
