//! Operations in the console: plan → confirm → apply. `update` opens the create form,
//! asks the driver for plans, shows them in the confirm popup, and applies only on `y`.
//! One operation runs at a time per console; its steps go to the activity panel.

use crate::app::confirm::{ConfirmView, PlannedOp};
use crate::app::create_form::{CreateForm, FormEdit, FormOutcome};
use crate::app::{ConfirmEdit, Effect, Level, Modal, OpRequest, State};

/// A key or palette command asked for `op`. Read-only mode has refused mutating ones.
pub fn request(state: &mut State, op: OpRequest) -> Vec<Effect> {
    if op == OpRequest::Check {
        return check(state);
    }
    if let Some(busy) = &state.op_busy {
        state.log(
            Level::Warn,
            format!("{}: wait, {busy} is still running", op.label()),
        );
        return Vec::new();
    }
    match op {
        OpRequest::Create => {
            let mut form = CreateForm::new(&state.config);
            // At most one task per node: the replicas field is held to the nodes of
            // each swarm the last poll saw ready and active.
            form.schedulable = state
                .doc
                .swarms
                .iter()
                .map(|s| {
                    let ready = s
                        .nodes
                        .iter()
                        .filter(|n| n.status == "ready" && n.availability == "active")
                        .count();
                    (s.name.clone(), ready)
                })
                .collect();
            form.taken = state
                .sites()
                .iter()
                .map(|s| s.domain.to_ascii_lowercase())
                .collect();
            state.modal = Some(Modal::Create(Box::new(form)));
            Vec::new()
        }
        op => {
            state.begin_op(op.label());
            state.log(Level::Info, format!("{}: planning…", op.label()));
            vec![Effect::Operation(op)]
        }
    }
}

pub fn on_form(state: &mut State, edit: FormEdit) -> Vec<Effect> {
    if matches!(state.modal, Some(Modal::Adopt(_))) {
        return super::adopt::on_form(state, edit);
    }
    if matches!(state.modal, Some(Modal::Ask(_))) {
        return super::swarm::on_form(state, edit);
    }
    let Some(Modal::Create(form)) = &mut state.modal else {
        return Vec::new();
    };
    match form.handle(edit) {
        FormOutcome::Editing => Vec::new(),
        FormOutcome::Cancelled => {
            state.modal = None;
            Vec::new()
        }
        FormOutcome::Submit(req) => {
            if let Some(Modal::Create(form)) = state.modal.take() {
                state.create_draft = Some(form);
            }
            state.begin_op(format!("create {}", req.domain));
            state.log(Level::Info, format!("create {}: planning…", req.domain));
            vec![Effect::PlanCreate(req)]
        }
    }
}

pub fn on_planned(state: &mut State, planned: Result<PlannedOp, String>) -> Vec<Effect> {
    match planned {
        // A plan offered after another operation (the proxy after a delete) with nothing
        // to change is not worth a popup: a line says so.
        Ok(op) if !op.applicable() && std::mem::take(&mut state.op_follow_up) => {
            state.end_op();
            state.log(Level::Info, format!("{}: nothing to change", op.label()));
        }
        Ok(op) => {
            state.op_follow_up = false;
            let next = if !op.applicable() {
                "nothing to change"
            } else if state.read_only {
                "plan ready (read-only mode: it cannot be applied)"
            } else {
                "plan ready, y to apply"
            };
            state.log(Level::Info, format!("{}: {next}", op.label()));
            state.modal = Some(Modal::Confirm(Box::new(ConfirmView::new(op))));
        }
        Err(e) => {
            state.op_follow_up = false;
            let what = state.end_op().unwrap_or_else(|| "plan".into());
            state.log(Level::Error, format!("{what}: {e}"));
            reopen_form(state, &what, &e);
        }
    }
    Vec::new()
}

pub fn on_confirm(state: &mut State, edit: ConfirmEdit) -> Vec<Effect> {
    let Some(Modal::Confirm(view)) = &mut state.modal else {
        return Vec::new();
    };
    match edit {
        ConfirmEdit::Scroll(delta) => {
            view.scroll_by(delta);
            Vec::new()
        }
        ConfirmEdit::No => {
            let label = view.op.label();
            state.modal = None;
            state.end_op();
            state.log(
                Level::Info,
                format!("{label}: cancelled, nothing was changed"),
            );
            Vec::new()
        }
        ConfirmEdit::Yes if !view.op.applicable() => {
            state.modal = None;
            state.end_op();
            Vec::new()
        }
        ConfirmEdit::Yes if state.read_only => {
            let label = view.op.label();
            state.modal = None;
            state.end_op();
            state.log(Level::Warn, format!("{label}: refused in read-only mode"));
            Vec::new()
        }
        ConfirmEdit::Yes => {
            let op = view.op.clone();
            state.modal = None;
            state.begin_op(op.label());
            state.log(Level::Info, format!("{}: applying…", op.label()));
            state.expect_own_audit(op.audit_action());
            vec![Effect::Apply(op)]
        }
    }
}

pub fn on_finished(
    state: &mut State,
    ok: bool,
    text: String,
    then: Option<OpRequest>,
) -> Vec<Effect> {
    let label = state.end_op().unwrap_or_default();
    if ok {
        state.create_draft = None;
    } else {
        reopen_form(state, &label, &text);
    }
    state.log(if ok { Level::Info } else { Level::Error }, text);
    let mut effects = vec![Effect::LoadSites];
    // The check's figures on screen are out of date once sites or rules changed.
    let changed = ["create ", "delete ", "proxy apply"]
        .iter()
        .any(|p| label.starts_with(p));
    if ok && changed && state.last_check.is_some() && state.check_since.is_none() {
        effects.extend(check(state));
    }
    // A swarm operation changes what the tree shows: poll now rather than at the next tick.
    let swarm = ["scale ", "update ", "rollback ", "drain ", "activate "]
        .iter()
        .any(|p| label.starts_with(p));
    if swarm {
        effects.push(Effect::RefreshFleet);
    }
    if let Some(next) = then.filter(|n| !(state.read_only && n.mutating())) {
        effects.extend(request(state, next));
        state.op_follow_up = state.op_busy.is_some();
    }
    effects
}

/// A check: it only reads, so it runs even while an operation is in flight (one check
/// at a time).
fn check(state: &mut State) -> Vec<Effect> {
    if state.check_since.is_some() {
        state.log(Level::Info, "check: already running");
        return Vec::new();
    }
    state.check_since = Some(state.now.clone());
    state.log(Level::Info, "check: running…");
    vec![Effect::Operation(OpRequest::Check)]
}

/// A create that was refused (its plan, or the engine at apply) reopens the form with
/// what was typed and why, so nothing has to be typed again.
fn reopen_form(state: &mut State, label: &str, why: &str) {
    if !label.starts_with("create ") || state.modal.is_some() {
        return;
    }
    if let Some(mut form) = state.create_draft.take() {
        form.refused = Some(why.to_string());
        state.modal = Some(Modal::Create(form));
    }
}
