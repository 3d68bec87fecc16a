//! The docker CLI's contexts, read the way the CLI picks one for this machine: with no
//! `DOCKER_HOST`, the context named by `DOCKER_CONTEXT`, else the config file's
//! `currentContext`; `default` (or none) is the default socket. A context lives in the
//! CLI's config directory (`DOCKER_CONFIG`, else `~/.docker`): its endpoint in
//! `contexts/meta/<sha256 of the name>/meta.json`, its TLS files, when it has any, in
//! `contexts/tls/<sha256 of the name>/docker/`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::DockerTarget;
use super::error::DockerError;

/// The context in use, when it is not the default one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub name: String,
    /// Which setting named it, for messages.
    pub from: &'static str,
}

fn config_dir(vars: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match vars("DOCKER_CONFIG") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => vars("HOME").map(|home| PathBuf::from(home).join(".docker")),
    }
}

/// Which context the CLI would use (`DOCKER_HOST` unset), `None` for the default one.
pub fn chosen(
    vars: &dyn Fn(&str) -> Option<String>,
    read: &dyn Fn(&Path) -> Option<String>,
) -> Option<Chosen> {
    let named = match vars("DOCKER_CONTEXT") {
        Some(name) => Chosen {
            name,
            from: "DOCKER_CONTEXT",
        },
        None => {
            let text = read(&config_dir(vars)?.join("config.json"))?;
            let config: serde_json::Value = serde_json::from_str(&text).ok()?;
            Chosen {
                name: config.get("currentContext")?.as_str()?.to_string(),
                from: "currentContext in the docker CLI's config.json",
            }
        }
    };
    (!named.name.is_empty() && named.name != "default").then_some(named)
}

fn store_key(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The engine of context `chosen`: its Docker endpoint, with its TLS files when the
/// context stores some. Like `DOCKER_HOST`, an `ssh://` endpoint is not used for the
/// local node, and a context that skips TLS verification is refused (fleetdeck always
/// verifies).
pub fn target(
    chosen: &Chosen,
    vars: &dyn Fn(&str) -> Option<String>,
    read: &dyn Fn(&Path) -> Option<String>,
) -> Result<DockerTarget, DockerError> {
    let bad = |reason: String| DockerError::Environment {
        variable: "DOCKER_CONTEXT",
        value: chosen.name.clone(),
        reason,
    };
    let dir = config_dir(vars).ok_or_else(|| {
        bad("HOME and DOCKER_CONFIG are unset, so the docker CLI's contexts cannot be found".into())
    })?;
    let key = store_key(&chosen.name);
    let meta_path = dir.join("contexts/meta").join(&key).join("meta.json");
    let meta = read(&meta_path).ok_or_else(|| {
        bad(format!(
            "no such context (named by {}; {} is missing): see `docker context ls`",
            chosen.from,
            meta_path.display()
        ))
    })?;
    let meta: serde_json::Value = serde_json::from_str(&meta)
        .map_err(|e| bad(format!("{} is not JSON: {e}", meta_path.display())))?;
    let endpoint = meta
        .pointer("/Endpoints/docker")
        .ok_or_else(|| bad(format!("{} has no docker endpoint", meta_path.display())))?;
    let host = endpoint
        .get("Host")
        .and_then(|h| h.as_str())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad(format!("{} has no docker Host", meta_path.display())))?;
    if endpoint.get("SkipTLSVerify").and_then(|v| v.as_bool()) == Some(true) {
        return Err(bad(
            "the context skips TLS verification; fleetdeck always verifies the engine".into(),
        ));
    }
    let tls_dir = dir.join("contexts/tls").join(&key).join("docker");
    let has_tls = read(&tls_dir.join("ca.pem")).is_some();
    let mut context_vars = vec![("DOCKER_HOST", host.to_string())];
    if has_tls {
        context_vars.push(("DOCKER_TLS_VERIFY", "1".into()));
        context_vars.push(("DOCKER_CERT_PATH", tls_dir.display().to_string()));
    }
    // The endpoint is read exactly as DOCKER_HOST would be, so both say the same things
    // about the same values; errors name the context instead of the variable.
    super::target::from_docker_host(&|name: &str| {
        context_vars
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .map_err(|e| match e {
        DockerError::Environment { reason, .. } => bad(format!("endpoint {host:?}: {reason}")),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn store(files: &[(&str, &str)]) -> HashMap<PathBuf, String> {
        files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect()
    }

    #[test]
    fn the_store_key_is_the_names_sha256_in_hex() {
        assert_eq!(
            store_key("lab"),
            "a51146d38077ff992eba84cf1d5e9b249073503eb74868699016153b031a38f7"
        );
    }

    #[test]
    fn the_context_comes_from_the_variable_then_the_config_file() {
        let files = store(&[("/h/.docker/config.json", r#"{"currentContext":"prod"}"#)]);
        let read = |p: &Path| files.get(p).cloned();
        let vars = |k: &str| (k == "HOME").then(|| "/h".to_string());
        assert_eq!(
            chosen(&vars, &read).map(|c| c.name),
            Some("prod".to_string())
        );
        let vars = |k: &str| match k {
            "HOME" => Some("/h".to_string()),
            "DOCKER_CONTEXT" => Some("staging".to_string()),
            _ => None,
        };
        assert_eq!(
            chosen(&vars, &read).map(|c| (c.name, c.from)),
            Some(("staging".to_string(), "DOCKER_CONTEXT"))
        );
        let vars = |k: &str| (k == "DOCKER_CONTEXT").then(|| "default".to_string());
        assert_eq!(chosen(&vars, &read), None, "default is the default socket");
        let nothing = |_: &Path| None;
        let vars = |k: &str| (k == "HOME").then(|| "/h".to_string());
        assert_eq!(chosen(&vars, &nothing), None);
    }

    #[test]
    fn a_context_yields_its_endpoint_with_its_tls_files() {
        let key = store_key("prod");
        let meta = format!("/h/.docker/contexts/meta/{key}/meta.json");
        let ca = format!("/h/.docker/contexts/tls/{key}/docker/ca.pem");
        let files = store(&[
            (
                meta.as_str(),
                r#"{"Name":"prod","Endpoints":{"docker":{"Host":"tcp://10.2.0.3:2376","SkipTLSVerify":false}}}"#,
            ),
            (ca.as_str(), "-----BEGIN CERTIFICATE-----"),
        ]);
        let read = |p: &Path| files.get(p).cloned();
        let vars = |k: &str| (k == "HOME").then(|| "/h".to_string());
        let prod = Chosen {
            name: "prod".into(),
            from: "DOCKER_CONTEXT",
        };
        let dir = format!("/h/.docker/contexts/tls/{key}/docker");
        assert_eq!(
            format!("{:?}", target(&prod, &vars, &read).expect("target")),
            format!(
                r#"Tls {{ host: "10.2.0.3", port: 2376, ca: "{dir}/ca.pem", cert: "{dir}/cert.pem", key: "{dir}/key.pem" }}"#
            )
        );
        let missing = Chosen {
            name: "nope".into(),
            from: "DOCKER_CONTEXT",
        };
        let err = target(&missing, &vars, &read)
            .expect_err("unknown")
            .to_string();
        assert!(
            err.contains("no such context") && err.contains("docker context ls"),
            "{err}"
        );
    }

    #[test]
    fn a_context_that_skips_verification_or_uses_ssh_is_refused() {
        let key = store_key("x");
        let meta = format!("/h/.docker/contexts/meta/{key}/meta.json");
        let vars = |k: &str| (k == "HOME").then(|| "/h".to_string());
        let x = Chosen {
            name: "x".into(),
            from: "DOCKER_CONTEXT",
        };
        for (host, skip, why) in [
            ("tcp://10.2.0.3:2376", true, "always verifies"),
            (
                "ssh://root@teemo",
                false,
                "ssh:// is not used for the local node",
            ),
        ] {
            let text = format!(
                r#"{{"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":{skip}}}}}}}"#
            );
            let files = store(&[(meta.as_str(), text.as_str())]);
            let read = |p: &Path| files.get(p).cloned();
            let err = target(&x, &vars, &read).expect_err(host).to_string();
            assert!(
                err.starts_with("DOCKER_CONTEXT=\"x\": ") && err.contains(why),
                "{err}"
            );
        }
    }
}
