//! Default locations, from the XDG conventions through `directories`.

use std::path::PathBuf;

use directories::ProjectDirs;

fn project() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "fleetdeck")
}

/// `$FLEETDECK_CONFIG` is handled by clap; this is the fallback:
/// `~/.config/fleetdeck/config.toml` on Linux.
pub fn default_config_path() -> Option<PathBuf> {
    project().map(|p| p.config_dir().join("config.toml"))
}

/// `~/.config/fleetdeck/theme.toml` on Linux: the console's theme when the config names
/// none.
pub fn default_theme_path() -> Option<PathBuf> {
    project().map(|p| p.config_dir().join("theme.toml"))
}

/// The bastion's shared config, used when the user has none of their own.
pub const SYSTEM_CONFIG: &str = "/etc/fleetdeck/config.toml";

/// `~/.local/share/fleetdeck/inventory.db` on Linux.
pub fn default_inventory_path() -> Option<PathBuf> {
    project().map(|p| p.data_dir().join("inventory.db"))
}

/// Where the log file goes: the state directory, or the data directory where the
/// platform has no state directory.
pub fn log_dir() -> Option<PathBuf> {
    project().map(|p| {
        p.state_dir()
            .map(|d| d.to_path_buf())
            .unwrap_or_else(|| p.data_dir().to_path_buf())
    })
}

/// Where recordings of interactive sessions go: `sessions/` in the state directory.
pub fn sessions_dir() -> Option<PathBuf> {
    log_dir().map(|d| d.join("sessions"))
}
