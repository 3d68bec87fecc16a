//! The nginx file, rendered from the inventory with a minijinja template (pure).
//!
//! Every value is validated before it reaches the template: a domain holding `;` or `{`
//! could otherwise add nginx directives. The output depends on nothing but the inputs
//! (sites sorted by domain, no timestamp), so the same inventory always renders the same
//! bytes and a plan only shows real changes.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use super::swarm::{SwarmRoutes, Upstream};
use crate::config::check::listen_is_valid;
use crate::inventory::{Site, SiteState};
use crate::validate;

/// The default template, built into the binary.
pub const BUILTIN_TEMPLATE: &str = include_str!("../../../assets/nginx/fleetdeck.conf.j2");
const BUILTIN_NAME: &str = "assets/nginx/fleetdeck.conf.j2 (built in)";

/// A template and the name its errors are reported under (its file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    pub name: String,
    pub text: String,
}

impl TemplateSource {
    pub fn builtin() -> TemplateSource {
        TemplateSource {
            name: BUILTIN_NAME.into(),
            text: BUILTIN_TEMPLATE.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("template {name}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Template {
        name: String,
        line: Option<usize>,
        message: String,
    },
    #[error("inventory site {domain:?} cannot go into the proxy config: {reason}; fix its row")]
    BadSite { domain: String, reason: String },
    #[error("[proxy] listen {0:?} must be a port or address:port")]
    BadListen(String),
}

/// One site as the template sees it.
#[derive(Debug, Serialize)]
struct SiteView {
    domain: String,
    login: String,
    vlan: u16,
    ip: String,
    port: u16,
    upstream: String,
    /// A swarm site (README "Sites on a swarm"): `upstream_name` and its `servers`.
    swarm: bool,
    upstream_name: String,
    servers: Vec<String>,
}

/// Render the proxy file for the `active` sites (pending ones have no container yet).
/// `default_port` is `[containers] port`, for sites without their own.
pub fn render(
    template: &TemplateSource,
    sites: &[Site],
    default_port: u16,
    listen: &str,
) -> Result<String, RenderError> {
    render_with(template, sites, &SwarmRoutes::new(), default_port, listen)
}

/// [`render`], with the upstreams of the swarm sites (`swarm.rs`).
pub fn render_with(
    template: &TemplateSource,
    sites: &[Site],
    routes: &SwarmRoutes,
    default_port: u16,
    listen: &str,
) -> Result<String, RenderError> {
    if !listen_is_valid(listen) {
        return Err(RenderError::BadListen(listen.to_string()));
    }
    let mut views = sites
        .iter()
        .filter(|s| s.state == SiteState::Active)
        .map(|s| view(s, routes.get(&s.domain), default_port))
        .collect::<Result<Vec<_>, _>>()?;
    views.sort_by(|a, b| a.domain.cmp(&b.domain));

    let mut env = Environment::new();
    // nginx syntax, not HTML: escaping would corrupt it, and values are validated anyway.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // A misspelt variable is an error naming the line, not an empty directive.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    let tmpl = env
        .template_from_named_str(&template.name, &template.text)
        .map_err(|e| template_error(template, &e))?;
    tmpl.render(minijinja::context! { sites => views, listen => listen })
        .map_err(|e| template_error(template, &e))
}

fn view(site: &Site, route: Option<&Upstream>, default_port: u16) -> Result<SiteView, RenderError> {
    let bad = |e: validate::Invalid| RenderError::BadSite {
        domain: site.domain.clone(),
        reason: e.to_string(),
    };
    let domain = validate::domain(&site.domain).map_err(bad)?;
    let login = validate::login(&site.login).map_err(bad)?;
    let port = site.port.unwrap_or(default_port);
    if port == 0 {
        return Err(RenderError::BadSite {
            domain: site.domain.clone(),
            reason: "port 0".into(),
        });
    }
    let (upstream_name, servers) = match route {
        Some(r) => swarm_upstream(site, r)?,
        None => (String::new(), Vec::new()),
    };
    // The address and port are typed (Ipv4Addr, u16): their text cannot hold syntax.
    Ok(SiteView {
        upstream: match route {
            Some(_) => format!("http://{upstream_name}"),
            None => format!("http://{}:{port}", site.ip),
        },
        swarm: route.is_some(),
        upstream_name,
        servers,
        ip: site.ip.to_string(),
        domain,
        login,
        vlan: site.vlan,
        port,
    })
}

/// A swarm site's upstream, checked: its name a DNS label, each server an IP address and
/// a port (the addresses come from the engines, so they are never trusted as text).
fn swarm_upstream(site: &Site, r: &Upstream) -> Result<(String, Vec<String>), RenderError> {
    let bad = |reason: String| RenderError::BadSite {
        domain: site.domain.clone(),
        reason,
    };
    let name_ok = !r.name.is_empty()
        && r.name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(bad(format!(
            "upstream name {:?} is not a plain name",
            r.name
        )));
    }
    let servers = r
        .servers
        .iter()
        .map(|s| {
            s.parse::<std::net::SocketAddr>()
                .map(|a| a.to_string())
                .map_err(|_| bad(format!("upstream server {s:?} is not address:port")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((r.name.clone(), servers))
}

fn template_error(template: &TemplateSource, e: &minijinja::Error) -> RenderError {
    let message = match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    };
    RenderError::Template {
        name: e.name().unwrap_or(&template.name).to_string(),
        line: e.line(),
        message,
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
