//! Validation of every value a user types or a file supplies, before it gets near a shell,
//! a path or SQL. One module, so the rules and their messages stay consistent.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// Why a value was rejected; the message names the value and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {value:?}: {reason}")]
pub struct Invalid {
    pub field: &'static str,
    pub value: String,
    pub reason: String,
}

fn invalid(field: &'static str, value: &str, reason: impl Into<String>) -> Invalid {
    // Keep error lines short even when someone pastes a novel into a field.
    let mut shown: String = value.chars().take(80).collect();
    if value.chars().count() > 80 {
        shown.push('…');
    }
    Invalid {
        field,
        value: shown,
        reason: reason.into(),
    }
}

/// A DNS name as RFC 1123 allows it for hosts: labels of letters, digits and inner hyphens,
/// 1–63 characters each, 253 in all, at least two labels. Returned in lowercase.
pub fn domain(raw: &str) -> Result<String, Invalid> {
    let value = raw.trim_end_matches('.');
    if value.is_empty() {
        return Err(invalid("domain", raw, "is empty"));
    }
    if value.len() > 253 {
        return Err(invalid(
            "domain",
            raw,
            format!("is {} characters long; the limit is 253", value.len()),
        ));
    }
    let lower = value.to_ascii_lowercase();
    let labels: Vec<&str> = lower.split('.').collect();
    if labels.len() < 2 {
        return Err(invalid(
            "domain",
            raw,
            "needs at least two labels, like site.example.org",
        ));
    }
    for label in &labels {
        check_label("domain", raw, label)?;
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(invalid(
            "domain",
            raw,
            "ends in an all-numeric label; that is an IP address, not a domain",
        ));
    }
    Ok(lower)
}

fn check_label(field: &'static str, raw: &str, label: &str) -> Result<(), Invalid> {
    if label.is_empty() {
        return Err(invalid(
            field,
            raw,
            "has an empty label (two dots in a row?)",
        ));
    }
    if label.len() > 63 {
        return Err(invalid(
            field,
            raw,
            format!("label {label:?} is longer than 63 characters"),
        ));
    }
    if let Some(bad) = label
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(invalid(
            field,
            raw,
            format!("contains {bad:?}; only letters, digits, '-' and '.' are allowed"),
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(invalid(
            field,
            raw,
            format!("label {label:?} starts or ends with '-'"),
        ));
    }
    Ok(())
}

/// A login as the original inventory stored it (`varchar(10)`): a POSIX-portable user
/// name, lowercase letter first, then lowercase letters, digits, '_' or '-'; 1–32 chars.
pub fn login(raw: &str) -> Result<String, Invalid> {
    if raw.is_empty() {
        return Err(invalid("login", raw, "is empty"));
    }
    if raw.len() > 32 {
        return Err(invalid("login", raw, "is longer than 32 characters"));
    }
    let mut chars = raw.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return Err(invalid("login", raw, "must start with a lowercase letter"));
    }
    if let Some(bad) = raw
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
    {
        return Err(invalid(
            "login",
            raw,
            format!("contains {bad:?}; use lowercase letters, digits, '_' or '-'"),
        ));
    }
    Ok(raw.to_string())
}

/// An 802.1Q VLAN id: 1–4094 (0 and 4095 are reserved by the standard).
pub fn vlan_id(raw: i64) -> Result<u16, Invalid> {
    match u16::try_from(raw) {
        Ok(id) if (1..=4094).contains(&id) => Ok(id),
        _ => Err(invalid(
            "vlan",
            &raw.to_string(),
            "must be between 1 and 4094",
        )),
    }
}

/// A VLAN id typed as text.
pub fn vlan_text(raw: &str) -> Result<u16, Invalid> {
    let parsed: i64 = raw
        .trim()
        .parse()
        .map_err(|_| invalid("vlan", raw, "is not a number"))?;
    vlan_id(parsed)
}

/// An IPv4 address that must be a usable host address of `subnet`.
pub fn ip_in_subnet(raw: &str, subnet: Ipv4Net) -> Result<Ipv4Addr, Invalid> {
    let ip: Ipv4Addr = raw
        .trim()
        .parse()
        .map_err(|_| invalid("ip", raw, "is not an IPv4 address"))?;
    if !subnet.contains(&ip) {
        return Err(invalid(
            "ip",
            raw,
            format!("is outside the subnet {subnet}"),
        ));
    }
    if subnet.prefix_len() < 31 && (ip == subnet.network() || ip == subnet.broadcast()) {
        return Err(invalid(
            "ip",
            raw,
            format!("is the network or broadcast address of {subnet}"),
        ));
    }
    Ok(ip)
}

/// A Docker container name: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most 128 characters here.
pub fn container_name(raw: &str) -> Result<String, Invalid> {
    name_like("container name", raw, 128, &['_', '.', '-'])
}

/// A node name from the config: short, printable in a tree, safe in a file name.
pub fn node_name(raw: &str) -> Result<String, Invalid> {
    name_like("node name", raw, 63, &['_', '.', '-'])
}

fn name_like(
    field: &'static str,
    raw: &str,
    max: usize,
    extra: &[char],
) -> Result<String, Invalid> {
    if raw.is_empty() {
        return Err(invalid(field, raw, "is empty"));
    }
    if raw.len() > max {
        return Err(invalid(
            field,
            raw,
            format!("is longer than {max} characters"),
        ));
    }
    if !raw.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(invalid(field, raw, "must start with a letter or digit"));
    }
    if let Some(bad) = raw
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || extra.contains(c)))
    {
        return Err(invalid(
            field,
            raw,
            format!("contains {bad:?}; use letters, digits, '_', '.' or '-'"),
        ));
    }
    Ok(raw.to_string())
}

/// A Docker image reference (`name[:tag][@digest]`, optionally with a registry host and
/// port): lowercase repository path, at most 255 characters, nothing a shell could read.
pub fn image(raw: &str) -> Result<String, Invalid> {
    if raw.is_empty() {
        return Err(invalid("image", raw, "is empty"));
    }
    if raw.len() > 255 {
        return Err(invalid("image", raw, "is longer than 255 characters"));
    }
    if !raw.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(invalid("image", raw, "must start with a letter or digit"));
    }
    if let Some(bad) = raw
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@')))
    {
        return Err(invalid(
            "image",
            raw,
            format!("contains {bad:?}; an image is name[:tag][@digest]"),
        ));
    }
    // The repository part (before any tag or digest) must be lowercase for Docker.
    let repo_end = raw.find('@').unwrap_or(raw.len());
    let repo = &raw[..repo_end];
    let last_slash = repo.rfind('/').map_or(0, |i| i + 1);
    let name_end = repo[last_slash..]
        .find(':')
        .map_or(repo.len(), |i| last_slash + i);
    if repo[..name_end].chars().any(|c| c.is_ascii_uppercase()) {
        return Err(invalid("image", raw, "repository names must be lowercase"));
    }
    if raw.contains("//") || raw.ends_with(['/', ':', '@']) {
        return Err(invalid("image", raw, "is not a valid image reference"));
    }
    Ok(raw.to_string())
}

/// Text from outside (a value someone typed, a node's answer) made safe to print on a
/// terminal: control characters and bidirectional overrides become visible escapes, so
/// the text can neither drive the terminal (escape sequences), nor forge a line, nor
/// display reordered. Everything else is kept as it is.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.contains(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Characters that must never reach a terminal raw: controls (but line breaks and tabs)
/// and the bidirectional marks, embeddings, overrides and isolates.
pub fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every dangerous character shown as `\u{..}`; line breaks and tabs stay.
/// What the CLI prints and the console draws of remote text goes through it.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(is_dangerous) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_dangerous(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The container name fleetdeck derives from a (validated) domain. A domain is already a
/// valid Docker name, so it is kept whole: replacing dots would let `a-b.c` and `a.b-c`
/// collide.
pub fn container_name_for(domain: &str) -> String {
    format!("fd-{domain}")
}

/// The swarm service name of a (validated) domain. Swarm takes only a DNS label (no dots,
/// at most 63 characters; the engine refuses `fd-a.example`), so dots become dashes, and a
/// long name is cut and ends with a hash of the whole domain to stay distinct. A clash
/// (`a-b.c`, `a.b-c`) is refused by the engine at create time, never merged: the service
/// is also known by its `fleetdeck.domain` label.
pub fn service_name_for(domain: &str) -> String {
    let name = format!("fd-{}", domain.replace('.', "-"));
    if name.len() <= 63 {
        return name;
    }
    // FNV-1a: stable across builds and platforms, unlike the std hasher.
    let hash = domain.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let head: String = name.chars().take(54).collect();
    format!("{}-{:08x}", head.trim_end_matches('-'), hash as u32)
}

#[cfg(test)]
mod service_name_tests {
    #[test]
    fn a_service_name_is_one_dns_label() {
        assert_eq!(
            super::service_name_for("web.example.test"),
            "fd-web-example-test"
        );
        let long = format!("{}.example.test", "a".repeat(70));
        let name = super::service_name_for(&long);
        assert!(name.len() <= 63, "{name}");
        assert_ne!(
            name,
            super::service_name_for(&format!("{}.example.tesu", "a".repeat(70)))
        );
        assert!(!name.contains('.'));
    }
}

#[cfg(test)]
mod tests;
