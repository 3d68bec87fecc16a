//! The command line (DESIGN.md §2): parsing, and the headless subcommands that scripts
//! and cron call. Every failure becomes a [`Failure`] with the documented exit code.

mod audit_cmd;
mod check_cmd;
mod config_cmd;
pub mod confirm;
mod exit;
mod init_cmd;
mod inventory_cmd;
mod tree_cmd;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use exit::{Code, Failure};

use crate::config::{self, LoadedConfig};

#[derive(Debug, Parser)]
#[command(
    name = "fleetdeck",
    version,
    about = "Terminal operations console for a fleet of hypervisors and Docker hosts"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file [default: ~/.config/fleetdeck/config.toml]
    #[arg(long, global = true, env = "FLEETDECK_CONFIG", value_name = "FILE")]
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
        #[arg(long)]
        json: bool,
    },
    /// IP/domain/DNS/proxy consistency: exit 0 when clean, 1 when problems were found
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Inventory of sites (domain, login, VLAN, IP)
    #[command(subcommand)]
    Inventory(InventoryCmd),
    /// Audit trail of every mutating action
    Audit {
        #[arg(long)]
        json: bool,
        /// Rows to show, newest first
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Write a starting config (never overwrites one)
    Init {
        /// Take nodes from the Host entries of ~/.ssh/config
        #[arg(long)]
        from_ssh_config: bool,
    },
    /// Configuration tools
    #[command(subcommand)]
    Config(ConfigCmd),
}

#[derive(Debug, Subcommand)]
pub enum InventoryCmd {
    /// List every site
    List {
        #[arg(long)]
        json: bool,
    },
    /// Import the original users(login, vlan, docker_ip, domain) table
    ImportLegacy {
        /// Path to the legacy SQLite file (e.g. /root/projet.db); it is only read
        path: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Validate the config and print the resolved nodes
    Check,
}

/// What a command needs from the environment, resolved once.
pub struct Context {
    pub loaded: LoadedConfig,
    pub read_only: bool,
}

impl Context {
    pub fn load(global: &GlobalArgs) -> Result<Context, Failure> {
        let loaded = config::load(global.config.as_deref()).map_err(Failure::config)?;
        let read_only = global.read_only || loaded.config.read_only;
        Ok(Context { loaded, read_only })
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
            return Err(Failure::new(
                Code::ReadOnly,
                format!("refused: {what} changes the fleet and fleetdeck is in read-only mode"),
            ));
        }
        Ok(())
    }
}

/// Run a headless subcommand; `Ok` means exit code 0.
pub fn run(cli: &Cli, command: &Command) -> Result<(), Failure> {
    match command {
        Command::Init { from_ssh_config } => init_cmd::run(&cli.global, *from_ssh_config),
        Command::Config(ConfigCmd::Check) => config_cmd::check(&cli.global),
        Command::Inventory(InventoryCmd::List { json }) => {
            inventory_cmd::list(&Context::load(&cli.global)?, *json)
        }
        Command::Inventory(InventoryCmd::ImportLegacy { path }) => {
            inventory_cmd::import_legacy(&Context::load(&cli.global)?, path)
        }
        Command::Tree { json } => {
            tree_cmd::run(&Context::load(&cli.global)?, *json, cli.global.ascii)
        }
        Command::Check { json } => check_cmd::run(&Context::load(&cli.global)?, *json),
        Command::Audit { json, limit } => {
            audit_cmd::run(&Context::load(&cli.global)?, *json, *limit)
        }
    }
}
