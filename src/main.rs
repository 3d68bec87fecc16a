use std::process::ExitCode;

use clap::Parser;
use fleetdeck::cli::{self, Cli, Code, Context, Failure};
use fleetdeck::tui::{self, ConsoleSetup};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = fleetdeck::logging::init();
    tracing::info!(version = env!("CARGO_PKG_VERSION"), command = ?cli.command, "start");
    let result = match &cli.command {
        Some(command) => cli::run(&cli, command),
        None => console(&cli),
    };
    drop(log);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("fleetdeck: {}", failure.message);
            }
            ExitCode::from(failure.exit_status())
        }
    }
}

fn console(cli: &Cli) -> Result<(), Failure> {
    // color-eyre's hook first: ratatui::init wraps it with one that restores the terminal.
    if let Err(e) = color_eyre::install() {
        tracing::warn!(error = %e, "color-eyre hook not installed");
    }
    let ctx = Context::load(&cli.global)?;
    let setup = ConsoleSetup {
        read_only: ctx.read_only,
        config_label: ctx.loaded.source.to_string(),
        inventory_path: ctx.inventory_path()?,
        config: std::sync::Arc::new(ctx.loaded.config.clone()),
        theme: fleetdeck::ui::theme::Theme::from_env(cli.global.ascii, |k| std::env::var(k).ok()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Code::Failed, format!("cannot start the async runtime: {e}")))?;
    runtime
        .block_on(tui::run(setup))
        .map_err(|e| Failure::new(Code::Failed, format!("terminal error: {e}")))
}
