//! Rendering: a pure function of [`State`] to a frame, laid out by `app::layout`, which
//! `update` also asks for page sizes and mouse clicks, so both agree on where things are.

mod activity;
pub mod adopt_form;
pub mod ask_form;
pub mod confirm;
pub mod create_form;
mod details;
mod events;
mod findings;
mod help;
mod inspect;
mod logs;
mod palette;
pub mod popup;
mod stats;
mod statusbar;
pub mod theme;
mod tree;

use ratatui::Frame;

use crate::app::{State, View};

use crate::app::layout::{split_status, tree_layout};

pub fn render(frame: &mut Frame, state: &State) {
    let (main, status) = split_status(frame.area());
    match &state.view {
        View::Tree => {
            let layout = tree_layout(main);
            if let Some(area) = layout.activity {
                activity::render(frame, area, state);
            }
            tree::render(frame, layout.tree, state);
            if let Some(area) = layout.details {
                details::render(frame, area, state);
            }
        }
        View::Logs(view) => logs::render(frame, main, view, &state.theme),
        View::Stats(view) => {
            let down = state
                .index
                .node(&state.doc, &view.target.node)
                .into_iter()
                .flat_map(|n| n.containers.iter())
                .find(|c| c.id == view.target.id)
                .and_then(|c| crate::app::stats::not_running(&c.state, &c.status));
            stats::render(frame, main, view, down, &state.theme)
        }
        View::Findings(view) => findings::render(
            frame,
            main,
            view,
            state.last_check.as_ref(),
            &state.now,
            &state.theme,
        ),
        View::Inspect(view) => inspect::render(frame, main, view, &state.theme),
        View::Events(view) => events::render(frame, main, view, &state.theme),
        View::Details => details::render_full(frame, main, state),
        View::Activity(view) => activity::render_full(frame, main, state, view),
    }
    statusbar::render(frame, status, state);
    if let Some(p) = &state.palette {
        palette::render(frame, main, p, &state.theme);
    }
    match &state.modal {
        Some(crate::app::Modal::Create(form)) => {
            create_form::render(frame, main, form, &state.theme)
        }
        Some(crate::app::Modal::Adopt(form)) => adopt_form::render(frame, main, form, &state.theme),
        Some(crate::app::Modal::Ask(form)) => ask_form::render(frame, main, form, &state.theme),
        Some(crate::app::Modal::Confirm(view)) => {
            confirm::render(frame, main, view, state.read_only, &state.theme)
        }
        None => {}
    }
    if state.show_help {
        // Over the views, never over the status bar.
        help::render(frame, main, state);
    }
}

pub use crate::app::layout::{Hit, details_shown, findings_rows, hit, logs_rows, table_rows};

#[cfg(test)]
mod health_tests;
#[cfg(test)]
mod help_tests;
#[cfg(test)]
mod ops_tests;
#[cfg(test)]
mod restarts_tests;
#[cfg(test)]
mod style_tests;
#[cfg(test)]
mod swarm_ops_tests;
#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
