//! Addresses the deployed proxy file still routes to. A deleted site's address stays
//! there until the next `proxy apply`; handing it to a new site before that would send
//! the old domain's traffic to the new site's container. So a create never takes an
//! address the deployed file names (a quarantine that ends by itself at the next apply).

use std::net::Ipv4Addr;

use crate::config::ProxyConfig;
use crate::ops::check::nginx;
use crate::ops::proxy::fetch_current;
use crate::transport::Exec;

/// The IPv4 addresses of every `proxy_pass http://ADDRESS:PORT` of the file's text.
pub fn addresses_in(file: &str) -> Vec<Ipv4Addr> {
    nginx::parse(file)
        .into_iter()
        .filter_map(|rule| rule.proxy_pass)
        .filter_map(|pass| {
            let rest = pass
                .strip_prefix("http://")
                .or(pass.strip_prefix("https://"))?;
            let host = rest.split(['/', ':']).next()?;
            host.parse().ok()
        })
        .collect()
}

/// What the proxy node's deployed file routes to; an error says why it could not be read
/// (the caller decides whether to go on).
pub async fn routed(proxy: &ProxyConfig, exec: &dyn Exec) -> Result<Vec<Ipv4Addr>, String> {
    let path = proxy.path.display().to_string();
    match fetch_current(exec, &path).await {
        Ok(Some(text)) => Ok(addresses_in(&text)),
        Ok(None) => Ok(Vec::new()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_upstream_address_of_the_file() {
        let file = "server { listen 80; server_name a.example; location / { proxy_pass http://10.2.0.12:80; } }\n\
                    server { server_name b.example; location / { proxy_pass http://10.2.0.13/; } }\n\
                    server { server_name c.example; location / { proxy_pass http://backend:8080; } }\n";
        let got = super::addresses_in(file);
        assert_eq!(
            got,
            [
                "10.2.0.12".parse::<std::net::Ipv4Addr>().expect("ip"),
                "10.2.0.13".parse().expect("ip")
            ]
        );
    }
}
