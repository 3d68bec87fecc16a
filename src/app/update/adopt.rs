//! `A` / `:adopt` on an orphan container: the adopt form, then the usual plan → confirm →
//! apply through `update::ops` (ARCHITECTURE.md "Adding an operation").

use crate::app::adopt_form::{AdoptForm, AdoptOutcome};
use crate::app::create_form::FormEdit;
use crate::app::{Effect, Level, Modal, State};

/// Open the form for the selected container, prefilled from what the tree knows of it
/// (its `fleetdeck.login` / `fleetdeck.domain` labels).
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    let Some(container) = state.selected_container() else {
        state.log(Level::Warn, "adopt: select an orphan container first");
        return Vec::new();
    };
    if let Some(busy) = &state.op_busy {
        state.log(Level::Warn, format!("adopt: wait, {busy} is still running"));
        return Vec::new();
    }
    let known = state
        .doc
        .nodes
        .iter()
        .find(|n| n.name == container.node)
        .and_then(|n| n.containers.iter().find(|c| c.id == container.id));
    let login = known.and_then(|c| c.login.clone());
    let domain = known.and_then(|c| c.domain.clone());
    let form = AdoptForm::new(container, login.as_deref(), domain.as_deref());
    state.modal = Some(Modal::Adopt(Box::new(form)));
    Vec::new()
}

pub(super) fn on_form(state: &mut State, edit: FormEdit) -> Vec<Effect> {
    let Some(Modal::Adopt(form)) = &mut state.modal else {
        return Vec::new();
    };
    match form.handle(edit) {
        AdoptOutcome::Editing => Vec::new(),
        AdoptOutcome::Cancelled => {
            state.modal = None;
            Vec::new()
        }
        AdoptOutcome::Submit(op) => {
            state.modal = None;
            super::ops::request(state, op)
        }
    }
}
