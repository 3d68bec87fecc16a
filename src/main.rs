use std::process::ExitCode;

use clap::Parser;
use fleetdeck::cli::{self, Cli, Code, Context, Failure};
use fleetdeck::tui::{self, ConsoleSetup};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(result) = cli.command.as_ref().and_then(cli::offline) {
        return exit(result);
    }
    let log = fleetdeck::logging::init();
    tracing::info!(version = env!("CARGO_PKG_VERSION"), command = ?cli.command, "start");
    let result = match &cli.command {
        Some(command) => cli::run(&cli, command),
        None => console(&cli, log.path.clone()),
    };
    drop(log);
    exit(result)
}

fn exit(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                cli::out::err(&format!("fleetdeck: {}\n", failure.message));
            }
            ExitCode::from(failure.exit_status())
        }
    }
}

fn console(cli: &Cli, log_path: Option<std::path::PathBuf>) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(Failure::new(
            Code::Usage,
            "the console needs a terminal on stdin and stdout; scripts use the subcommands \
             (fleetdeck tree, check, inventory list...; fleetdeck --help lists them)",
        ));
    }
    if let Err(e) = color_eyre::install() {
        tracing::warn!(error = %e, "color-eyre hook not installed");
    }
    // Replaces color-eyre's panic report: a panic anywhere (a background task too) is
    // logged and ends the console; ratatui::init wraps this hook with its terminal restore.
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(panic = %info, "panic");
        tui::panicked();
    }));
    let internal = |what: &str| {
        let log = log_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the log (none could be opened)".into());
        Failure::new(
            Code::Failed,
            format!("the console stopped on an internal error ({what}); details in {log}"),
        )
    };
    let ctx = Context::load(&cli.global)?;
    let mut theme =
        fleetdeck::ui::theme::Theme::from_env(cli.global.ascii, |k| std::env::var(k).ok());
    // A theme file named in the config must be there; the default one is optional.
    let theme_file = match &ctx.loaded.config.theme {
        Some(path) => Some(path.clone()),
        None => fleetdeck::config::paths::default_theme_path().filter(|p| p.exists()),
    };
    if let Some(path) = theme_file {
        theme.palette = fleetdeck::ui::theme::Palette::from_file(&path)
            .map_err(|e| Failure::new(Code::Usage, e))?;
    }
    let setup = ConsoleSetup {
        read_only: ctx.read_only,
        config_label: ctx.loaded.source.to_string(),
        inventory_path: ctx.inventory_path()?,
        config: std::sync::Arc::new(ctx.loaded.config.clone()),
        theme,
        notes: ctx.loaded.notes.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Code::Failed, format!("cannot start the async runtime: {e}")))?;
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(tui::run(setup))
    }));
    // Tasks still running are not waited for: the console is over.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match ran {
        Err(_) => Err(internal("a panic")),
        Ok(_) if tui::has_panicked() => Err(internal("a task panicked")),
        Ok(result) => {
            result.map_err(|e| Failure::new(Code::Failed, format!("terminal error: {e}")))
        }
    }
}
