//! `fleetdeck init [--from-ssh-config | --from-terraform PATH]`: write a starting config,
//! never over an existing one.

use std::io::Write;

use super::{Code, Failure, GlobalArgs};
use crate::config::ssh_import::{self, ImportedHost};
use crate::config::{self, paths};
use crate::terraform;
use crate::transport::ssh::ClientConfig;

pub fn run(global: &GlobalArgs, from_ssh_config: bool) -> Result<(), Failure> {
    let target = global
        .config
        .clone()
        .or_else(paths::default_config_path)
        .ok_or_else(|| Failure::new(Code::Usage, "no config directory: pass --config FILE"))?;
    let hosts = if from_ssh_config {
        // The same files ssh reads: ~/.ssh/config (and its includes), then the system's.
        let client =
            ClientConfig::load(None).map_err(|e| Failure::new(Code::Usage, e.to_string()))?;
        ssh_import::hosts(&client.resolver)
    } else {
        Vec::new()
    };
    let text = starting_config(&hosts);
    // The text must be a config this very binary accepts.
    config::load_str(&text, &target).map_err(|e| {
        Failure::new(Code::Invalid, format!("the generated config is not valid ({e}); edit ~/.ssh/config aliases or write the file by hand"))
    })?;
    write_new(&target, &text)?;
    outln!(
        "wrote {} with {}; check it with `fleetdeck config check`",
        target.display(),
        crate::plural::plural(hosts.len().max(1), "node", "nodes")
    );
    Ok(())
}

/// `init --from-terraform DIR|STATEFILE`: a config whose nodes follow the state (one
/// `[[terraform]]` table), listing what the state declares today in comments. The state
/// is read first, so a path that gives nothing is refused before anything is written.
pub fn from_terraform(global: &GlobalArgs, path: &std::path::Path) -> Result<(), Failure> {
    let target = global
        .config
        .clone()
        .or_else(paths::default_config_path)
        .ok_or_else(|| Failure::new(Code::Usage, "no config directory: pass --config FILE"))?;
    let path = std::path::absolute(path)
        .map_err(|e| Failure::new(Code::Usage, format!("{}: {e}", path.display())))?;
    let is_dir = path.is_dir();
    let instances = if is_dir {
        terraform::source::from_dir(&path)
    } else {
        terraform::source::from_file(&path)
    }
    .map_err(|e| Failure::new(Code::Usage, e.to_string()))?;
    let reading = terraform::candidates(
        &instances,
        &[],
        &terraform::Filter::default(),
        &mut Default::default(),
    );
    let text = terraform_config(&path, is_dir, &reading);
    config::load_str(&text, &target).map_err(|e| {
        Failure::new(
            Code::Invalid,
            format!("the generated config is not valid ({e}); write the file by hand"),
        )
    })?;
    write_new(&target, &text)?;
    outln!(
        "wrote {} following {} ({} now, {} skipped); check it with `fleetdeck config check`",
        target.display(),
        path.display(),
        crate::plural::plural(reading.candidates.len(), "server", "servers"),
        reading.skipped.len()
    );
    Ok(())
}

fn terraform_config(path: &std::path::Path, is_dir: bool, reading: &terraform::Reading) -> String {
    let mut out = starting_config(&[]);
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .map(terraform::node_name)
        .filter(|n| !n.is_empty() && n != "terraform")
        .unwrap_or_else(|| "infra".into());
    let key = if is_dir { "dir" } else { "state" };
    out.push_str(&format!(
        "\n# Servers declared in Terraform state, read at every start (README \"Nodes from\n\
         # Terraform\"); fleetdeck never writes the state.\n\
         [[terraform]]\nname = {}\n{key} = {}\n# ssh_user = \"root\"\n",
        quote(&name),
        quote(&path.to_string_lossy())
    ));
    out.push_str("# Declared now:\n");
    for c in &reading.candidates {
        let tainted = if c.tainted { " (tainted)" } else { "" };
        out.push_str(&format!(
            "#   {} {} {}{tainted}\n",
            c.name, c.host, c.resource
        ));
    }
    for s in &reading.skipped {
        out.push_str(&format!("#   skipped {}: {}\n", s.resource, s.why));
    }
    out
}

fn write_new(target: &std::path::Path, text: &str) -> Result<(), Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::new(
                Code::Failed,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
    }
    // create_new: an existing config is never replaced, even in a race.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(target)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Failure::new(
                Code::Invalid,
                format!("{} already exists; fleetdeck init never overwrites a config (move it away first)", target.display()),
            ),
            _ => Failure::new(Code::Failed, format!("cannot write {}: {e}", target.display())),
        })?;
    file.write_all(text.as_bytes()).map_err(|e| {
        Failure::new(
            Code::Failed,
            format!("cannot write {}: {e}", target.display()),
        )
    })
}

/// A commented config: this machine as `local` when no ssh host was given, else one
/// `[[node]]` per ssh alias.
pub fn starting_config(hosts: &[ImportedHost]) -> String {
    let mut out = String::from(
        "# fleetdeck configuration: every key is documented in config.example.toml.\n\
         # Validate with `fleetdeck config check`.\n\n\
         read_only = false\n\
         refresh_secs = 5\n\
         # Mouse in the console (click to select, wheel to scroll); off keeps the\n\
         # terminal's own text selection.\n\
         mouse = false\n\n\
         [ssh]\n\
         connect_timeout_secs = 10\n\
         keepalive_secs = 30\n\n",
    );
    if hosts.is_empty() {
        out.push_str(
            "# This machine. Add one [[node]] per host you manage.\n[[node]]\nname = \"local\"\n",
        );
        return out;
    }
    out.push_str("# Nodes from the Host entries of ~/.ssh/config (wildcards skipped).\n");
    for host in hosts {
        let name = node_name_for(&host.alias);
        out.push_str(&format!(
            "\n[[node]]\nname = {}\nssh = {}\n",
            quote(&name),
            quote(&host.alias)
        ));
        if let Some(jump) = &host.jump {
            out.push_str(&format!("jump = {}\n", quote(&node_name_for(jump))));
        }
        out.push_str("hypervisor = \"none\"   # xen | kvm | lxc | none\n");
    }
    out
}

/// An alias is usually a valid node name already; anything else becomes '-'.
fn node_name_for(alias: &str) -> String {
    alias
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
