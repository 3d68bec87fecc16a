//! `Ctrl-Z`: give the terminal back to the shell and stop, as any program does; `fg`
//! brings the console back exactly as it was. In raw mode the terminal driver sends no
//! SIGTSTP for Ctrl-Z (it arrives as a key), so the console stops itself: leave the
//! alternate screen and raw mode, stop, and on SIGCONT take the terminal again and
//! redraw every cell (the shell wrote over it meanwhile).

use std::io;

use rustix::process::Signal;

use crate::app::Msg;

/// Stop until continued; the messages for `update` afterwards (the terminal may have been
/// resized while the console was stopped).
pub fn suspend(terminal: &mut ratatui::DefaultTerminal, mouse: bool) -> io::Result<Vec<Msg>> {
    super::handover::leave_screen(mouse)?;
    crossterm::terminal::disable_raw_mode()?;
    tracing::info!("suspended (Ctrl-Z)");
    // The whole process group, as the terminal's own SIGTSTP would: a wrapper that
    // started fleetdeck (`sh -c`, `sudo`) stops too, so the shell sees the job stopped
    // instead of waiting on a parent that still runs. The signal is delivered before
    // the call returns, so execution resumes here on SIGCONT.
    if let Err(e) = rustix::process::kill_current_process_group(Signal::TSTP) {
        tracing::warn!(error = %e, "cannot stop the process group; stopping this process only");
        if let Err(e) = signal_hook::low_level::raise(signal_hook::consts::SIGTSTP) {
            tracing::warn!(error = %e, "cannot stop: the console carries on");
        }
    }
    tracing::info!("continued");
    crossterm::terminal::enable_raw_mode()?;
    super::handover::enter_screen(mouse)?;
    // Dropping the key reader left a wake-up pending in crossterm's shared reader: take
    // it now, or ratatui's cursor query below returns at once, empty, and fails.
    let _ = crossterm::event::poll(std::time::Duration::ZERO);
    // Forget what ratatui believes is on screen: the next frame writes every cell.
    terminal.clear()?;
    let (width, height) = crossterm::terminal::size()?;
    Ok(vec![Msg::Resized { width, height }])
}
