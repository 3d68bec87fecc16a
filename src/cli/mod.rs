//! The command line (the README's contracts): parsing, and the headless subcommands that scripts
//! and cron call. Every failure becomes a [`Failure`] with the documented exit code.

#[macro_use]
pub mod out;

mod adopt_cmd;
mod audit_cmd;
mod check_cmd;
mod config_cmd;
pub mod confirm;
mod create_cmd;
mod delete_cmd;
mod docs_cmd;
mod events_cmd;
mod exit;
mod init_cmd;
mod inspect_cmd;
mod inventory_cmd;
mod lifecycle_cmd;
pub mod manual;
mod master_cmd;
mod ops_env;
mod proxy_cmd;
mod session_cmd;
mod swarm_ops_cmd;
mod tree_cmd;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueHint};

pub use docs_cmd::CompletionShell;
pub use exit::{Code, Failure};

use crate::act::lifecycle::Verb;
use crate::config::{self, LoadedConfig};

#[derive(Debug, Parser)]
#[command(
    name = "fleetdeck",
    version,
    about = "Terminal operations console for a fleet of hypervisors and Docker hosts",
    long_about = "Terminal operations console for a fleet of hypervisors and Docker hosts.\n\n\
        Without a command, the full-screen console: the live fleet tree, details, logs and \
        actions (? lists the keys). The commands below are for scripts and cron: they print \
        text or JSON and exit with the codes under EXIT STATUS.",
    after_long_help = manual::long_help()
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file [default: ~/.config/fleetdeck/config.toml, else /etc/fleetdeck/config.toml]
    #[arg(long, global = true, env = "FLEETDECK_CONFIG", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,
    /// Monitoring mode: nothing can change anything
    #[arg(long, global = true, env = "FLEETDECK_READ_ONLY", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    pub read_only: bool,
    /// ASCII glyphs and borders (also when the locale is not UTF-8)
    #[arg(long, global = true)]
    pub ascii: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One snapshot of the fleet, then exit
    Tree {
        /// One JSON document (schema_version at the top) instead of text
        #[arg(long)]
        json: bool,
        /// Poll over fresh connections even when a master serves this config
        #[arg(long)]
        no_master: bool,
        /// Poll every node now: a master asks them all before answering instead of
        /// answering from what it holds
        #[arg(long)]
        fresh: bool,
    },
    /// Keep every node's connection open so `tree` reuses them (like ssh ControlMaster)
    Master {
        /// Exit after this many seconds without a request [default: run until stopped]
        #[arg(long, value_name = "SECS", conflicts_with_all = ["status", "stop"])]
        idle: Option<u64>,
        /// Say whether a master serves this config (exit 1 if none)
        #[arg(long, conflicts_with = "stop")]
        status: bool,
        /// Stop the master that serves this config
        #[arg(long)]
        stop: bool,
    },
    /// Create a site: a container on the VLAN's node (a service on a swarm VLAN), recorded
    Create {
        /// The site owner's login
        #[arg(long)]
        login: String,
        /// VLAN id from the config; the address is allocated in its subnet
        #[arg(long)]
        vlan: String,
        /// The site's domain; names the container fd-<domain> and its proxy rule
        #[arg(long)]
        domain: String,
        /// Node to create it on [default: the VLAN's node]
        #[arg(long)]
        node: Option<String>,
        /// Image [default: [containers] image]
        #[arg(long)]
        image: Option<String>,
        /// Use this address instead of the first free one (checked the same way)
        #[arg(long, value_name = "ADDRESS")]
        ip: Option<String>,
        /// On a swarm VLAN: tasks of the site's service [default: [containers] replicas]
        #[arg(long, value_name = "N")]
        replicas: Option<u32>,
        /// Apply without asking
        #[arg(long)]
        yes: bool,
        /// The plan and the outcome as JSON
        #[arg(long)]
        json: bool,
    },
    /// Delete a site: its container and its inventory row
    Delete {
        /// The site's domain
        domain: String,
        /// Apply without asking
        #[arg(long)]
        yes: bool,
    },
    /// IP/domain/DNS/proxy consistency: exit 0 when clean, 1 when problems were found
    Check {
        /// One JSON document: summary and findings
        #[arg(long)]
        json: bool,
    },
    /// Inventory of sites (domain, login, VLAN, IP)
    #[command(subcommand)]
    Inventory(InventoryCmd),
    /// Audit trail of every mutating action and session
    Audit {
        #[command(subcommand)]
        action: Option<AuditCmd>,
        /// The rows as one JSON document
        #[arg(long)]
        json: bool,
        /// Rows to show, newest first
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// A shell on a node (with a PTY), or one command there; exits with its status
    Ssh {
        /// A node of the config
        node: String,
        /// The command: one argument is a line for the remote shell, several an argument list
        #[arg(last = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// A shell in a container (bash, sh or ash; TTY), or one command there; exits with its status
    Exec {
        /// A container name, an id prefix, or a site's domain; NODE/NAME disambiguates
        target: String,
        /// The command: one argument is a line for `sh -c`, several an argument list
        #[arg(last = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Start a container
    Start {
        /// A container name, an id prefix, or a site's domain; NODE/NAME disambiguates
        target: String,
        /// Apply without asking (start never asks)
        #[arg(long)]
        yes: bool,
    },
    /// Stop a container (10 s grace); a site keeps its inventory row
    Stop {
        /// A container name, an id prefix, or a site's domain; NODE/NAME disambiguates
        target: String,
        /// Apply without asking
        #[arg(long)]
        yes: bool,
    },
    /// Restart a container
    Restart {
        /// A container name, an id prefix, or a site's domain; NODE/NAME disambiguates
        target: String,
        /// Apply without asking
        #[arg(long)]
        yes: bool,
    },
    /// A container's record as its engine keeps it, or a node's facts
    Inspect {
        /// A container (name, id prefix, site domain, NODE/NAME) or a node name
        target: String,
        /// The record as JSON
        #[arg(long)]
        json: bool,
    },
    /// Docker events of every engine, merged, until interrupted
    Events {
        /// Only this node's engine
        #[arg(long)]
        node: Option<String>,
        /// Replay from this long ago first (90s, 10m, 2h, 1d) or a Unix time
        #[arg(long, value_name = "DURATION")]
        since: Option<String>,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
    // Swarm operations (scale, update, rollback, drain, activate): `swarm_ops_cmd.rs`.
    #[command(flatten)]
    Swarm(swarm_ops_cmd::SwarmCmd),
    /// Write a starting config (never overwrites one)
    Init {
        /// Take nodes from the Host entries of ~/.ssh/config
        #[arg(long, conflicts_with = "from_terraform")]
        from_ssh_config: bool,
        /// Take nodes from Terraform: a working directory (read with `terraform show -json`) or a state file
        #[arg(long, value_name = "DIR|STATEFILE", value_hint = ValueHint::AnyPath)]
        from_terraform: Option<PathBuf>,
    },
    /// Configuration tools
    #[command(subcommand)]
    Config(ConfigCmd),
    /// nginx reverse-proxy rules rendered from the inventory
    #[command(subcommand)]
    Proxy(ProxyCmd),
    /// Print the completion script for a shell (e.g. fleetdeck completions bash > /etc/bash_completion.d/fleetdeck)
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the man page (roff; man -l <(fleetdeck man) reads it)
    Man,
}

#[derive(Debug, Subcommand)]
pub enum ProxyCmd {
    /// Show the diff between the deployed file and the inventory
    Plan {
        /// Exit 5 when changes are pending (0 when up to date)
        #[arg(long)]
        exit_code: bool,
    },
    /// Show the plan, confirm, then install, test and reload (restoring on failure)
    Apply {
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the audit trail's hash chain: exit 0 intact, 1 at the first broken row
    Verify,
    /// Play a recorded interactive session back
    Replay {
        /// The session's audit row id (`fleetdeck audit` shows it)
        id: i64,
        /// Print the whole output at once
        #[arg(long)]
        raw: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum InventoryCmd {
    /// List every site
    List {
        /// The sites as a JSON document
        #[arg(long)]
        json: bool,
    },
    /// Record a live container that no row claims (an orphan) as a site
    Adopt {
        /// The container: a name, an id prefix, or NODE/NAME
        #[arg(value_name = "[NODE/]CONTAINER")]
        target: String,
        /// The site owner's login [default: its fleetdeck.login label]
        #[arg(long)]
        login: Option<String>,
        /// The site's domain [default: its fleetdeck.domain label]
        #[arg(long)]
        domain: Option<String>,
        /// Apply without asking
        #[arg(long)]
        yes: bool,
        /// The recorded site as JSON (the plan goes to stderr)
        #[arg(long)]
        json: bool,
    },
    /// Import the original users(login, vlan, docker_ip, domain) table
    ImportLegacy {
        /// Path to the legacy SQLite file (e.g. /root/projet.db); it is only read
        #[arg(value_hint = ValueHint::FilePath)]
        path: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Validate the config and print each node's route, resolved as `ssh -G` does
    Check {
        /// Print {schema_version, nodes:[{name, route, docker, hypervisor}]} as JSON
        #[arg(long)]
        json: bool,
    },
}

/// What a command needs from the environment, resolved once.
pub struct Context {
    pub loaded: LoadedConfig,
    pub read_only: bool,
    /// The system policy; when it forces read-only mode, nothing the user sets lifts it.
    pub policy: config::policy::Policy,
}

impl Context {
    pub fn load(global: &GlobalArgs) -> Result<Context, Failure> {
        let loaded = config::load(global.config.as_deref()).map_err(Failure::config)?;
        for note in &loaded.notes {
            tracing::warn!("{note}");
            errln!("fleetdeck: {note}");
        }
        let policy = config::policy::load();
        if let Some(line) = policy.describe() {
            tracing::warn!("{line}");
        }
        let read_only = global.read_only || loaded.config.read_only || policy.forces_read_only();
        Ok(Context {
            loaded,
            read_only,
            policy,
        })
    }

    pub fn inventory_path(&self) -> Result<PathBuf, Failure> {
        self.loaded
            .config
            .inventory
            .path
            .clone()
            .or_else(config::paths::default_inventory_path)
            .ok_or_else(|| {
                Failure::new(
                    Code::Usage,
                    "no home directory to keep the inventory in: set [inventory] path in the config",
                )
            })
    }

    /// Refuse a mutating command in read-only mode, before anything is touched.
    pub fn ensure_writable(&self, what: &str) -> Result<(), Failure> {
        if self.read_only {
            let by_policy = if self.policy.forces_read_only() {
                format!(" ({})", config::policy::POLICY_PATH)
            } else {
                String::new()
            };
            return Err(Failure::new(
                Code::ReadOnly,
                format!(
                    "refused: {what} changes the fleet and fleetdeck is in read-only mode{by_policy}"
                ),
            ));
        }
        Ok(())
    }
}

/// The commands that need nothing, not even the log file: the completion script and the
/// man page, printed when packaging or from a shell's startup file.
pub fn offline(command: &Command) -> Option<Result<(), Failure>> {
    match command {
        Command::Completions { shell } => {
            out::raw(&docs_cmd::completions(*shell));
            Some(Ok(()))
        }
        Command::Man => Some(docs_cmd::man_page().map(|page| out::raw(&page))),
        _ => None,
    }
}

/// Run a headless subcommand; `Ok` means exit code 0.
pub fn run(cli: &Cli, command: &Command) -> Result<(), Failure> {
    match command {
        Command::Init {
            from_ssh_config,
            from_terraform,
        } => match from_terraform {
            Some(path) => init_cmd::from_terraform(&cli.global, path),
            None => init_cmd::run(&cli.global, *from_ssh_config),
        },
        Command::Config(ConfigCmd::Check { json }) => config_cmd::check(&cli.global, *json),
        Command::Inventory(InventoryCmd::List { json }) => {
            inventory_cmd::list(&Context::load(&cli.global)?, *json)
        }
        Command::Inventory(InventoryCmd::Adopt {
            target,
            login,
            domain,
            yes,
            json,
        }) => {
            let req = crate::ops::adopt::AdoptRequest {
                login: login.clone(),
                domain: domain.clone(),
            };
            adopt_cmd::run(&Context::load(&cli.global)?, target, &req, *yes, *json)
        }
        Command::Inventory(InventoryCmd::ImportLegacy { path }) => {
            inventory_cmd::import_legacy(&Context::load(&cli.global)?, path)
        }
        Command::Tree {
            json,
            no_master,
            fresh,
        } => tree_cmd::run(
            &Context::load(&cli.global)?,
            tree_cmd::Asked {
                json: *json,
                ascii: cli.global.ascii,
                no_master: *no_master,
                fresh: *fresh,
            },
        ),
        Command::Master { idle, status, stop } => {
            let ctx = Context::load(&cli.global)?;
            if *status {
                master_cmd::control(&ctx, crate::master::protocol::Request::Status)
            } else if *stop {
                master_cmd::control(&ctx, crate::master::protocol::Request::Stop)
            } else {
                master_cmd::serve(&ctx, *idle)
            }
        }
        Command::Create {
            login,
            vlan,
            domain,
            node,
            image,
            ip,
            replicas,
            yes,
            json,
        } => {
            let req = crate::ops::create::CreateRequest {
                login: login.clone(),
                vlan: vlan.clone(),
                domain: domain.clone(),
                node: node.clone(),
                image: image.clone(),
                ip: ip.clone(),
                replicas: *replicas,
            };
            create_cmd::run(&Context::load(&cli.global)?, &req, *yes, *json)
        }
        Command::Delete { domain, yes } => {
            delete_cmd::run(&Context::load(&cli.global)?, domain, *yes)
        }
        Command::Proxy(ProxyCmd::Plan { exit_code }) => {
            proxy_cmd::plan(&Context::load(&cli.global)?, *exit_code)
        }
        Command::Proxy(ProxyCmd::Apply { yes }) => {
            proxy_cmd::apply(&Context::load(&cli.global)?, *yes)
        }
        Command::Check { json } => check_cmd::run(&Context::load(&cli.global)?, *json),
        Command::Audit {
            action: Some(AuditCmd::Verify),
            ..
        } => audit_cmd::verify(&Context::load(&cli.global)?),
        Command::Audit {
            action: Some(AuditCmd::Replay { id, raw }),
            ..
        } => audit_cmd::replay(&Context::load(&cli.global)?, *id, *raw),
        Command::Audit {
            action: None,
            json,
            limit,
        } => audit_cmd::run(&Context::load(&cli.global)?, *json, *limit),
        Command::Ssh { node, command } => {
            session_cmd::ssh(&Context::load(&cli.global)?, node, command)
        }
        Command::Exec { target, command } => {
            session_cmd::exec(&Context::load(&cli.global)?, target, command)
        }
        Command::Start { target, yes } => lifecycle(cli, Verb::Start, target, *yes),
        Command::Stop { target, yes } => lifecycle(cli, Verb::Stop, target, *yes),
        Command::Restart { target, yes } => lifecycle(cli, Verb::Restart, target, *yes),
        Command::Inspect { target, json } => {
            inspect_cmd::run(&Context::load(&cli.global)?, target, *json)
        }
        Command::Events { node, since, json } => events_cmd::run(
            &Context::load(&cli.global)?,
            node.as_deref(),
            since.as_deref(),
            *json,
        ),
        Command::Swarm(cmd) => swarm_ops_cmd::dispatch(&Context::load(&cli.global)?, cmd),
        Command::Completions { .. } | Command::Man => offline(command).unwrap_or(Ok(())),
    }
}

fn lifecycle(cli: &Cli, verb: Verb, target: &str, yes: bool) -> Result<(), Failure> {
    lifecycle_cmd::run(&Context::load(&cli.global)?, verb, target, yes)
}
