//! Swarm operations from the tree (README "Swarm operations"): `#` scale and `u` update
//! open a one-line popup on a service row (or one of its tasks), `U` rolls the service
//! back, `D` drains a swarm node (or a fleetdeck node in a swarm) or makes it active
//! again; the palette's `:scale N` / `:update IMAGE` give the popup's value on the line.
//! Then the usual plan → confirm → apply through `update::ops`.

use crate::app::ask_form::{Ask, AskForm, AskOutcome};
use crate::app::create_form::FormEdit;
use crate::app::rows::RowKind;
use crate::app::{Action, Effect, Level, Modal, OpRequest, State};
use crate::ops::swarm_ops::{NodeKey, ServiceKey, SwarmRequest};
use crate::swarm::tree::TreeService;

pub(super) fn key(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::DrainActivate => availability(state, None),
        _ => service_key(state, action),
    }
}

/// The service of the selected row (a service, or one of its tasks): its swarm's name
/// and the service as the tree shows it.
fn selected_service(state: &State) -> Option<TreeService> {
    let row = state
        .selected_row()
        .filter(|r| matches!(r.kind, RowKind::Service | RowKind::Task))?;
    let rest = row.id.strip_prefix("swarm/")?;
    let (swarm, rest) = rest.split_once("/service/")?;
    let service = rest.split_once("/task/").map_or(rest, |(s, _)| s);
    state
        .doc
        .swarms
        .iter()
        .find(|s| s.name == swarm)?
        .services
        .iter()
        .find(|s| s.name == service)
        .cloned()
}

/// The selected service, when `action` may run on it now; else says why and `None`.
fn service_for(state: &mut State, action: Action) -> Option<TreeService> {
    let Some(service) = selected_service(state) else {
        state.log(
            Level::Warn,
            format!("{}: select a swarm service row first", action.name()),
        );
        return None;
    };
    if let Some(busy) = &state.op_busy {
        state.log(
            Level::Warn,
            format!("{}: wait, {busy} is still running", action.name()),
        );
        return None;
    }
    if action == Action::Scale && service.mode != "replicated" {
        state.log(
            Level::Warn,
            format!(
                "scale: {} runs in {} mode (one task per node): only a replicated service can be scaled",
                service.name, service.mode
            ),
        );
        return None;
    }
    Some(service)
}

/// `:scale N` / `:update IMAGE`: the popup's value given on the line, checked with the
/// popup's own rules, then the same plan and confirm as `#` / `u`.
pub(super) fn with_value(state: &mut State, action: Action, value: &str) -> Vec<Effect> {
    let Some(service) = service_for(state, action) else {
        return Vec::new();
    };
    let ask = if action == Action::Scale {
        Ask::Replicas
    } else {
        Ask::Image
    };
    match AskForm::new(ask, &service.name, value).request() {
        Ok(op) => super::ops::request(state, op),
        Err(why) => {
            let verb = if ask == Ask::Replicas {
                "scale"
            } else {
                "update"
            };
            state.log(
                Level::Warn,
                format!("{verb} {}: {value:?} is not valid: {why}", service.name),
            );
            Vec::new()
        }
    }
}

fn service_key(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(service) = service_for(state, action) else {
        return Vec::new();
    };
    let ask = match action {
        Action::Scale => AskForm::new(
            Ask::Replicas,
            &service.name,
            &service.replicas.desired.to_string(),
        ),
        Action::UpdateImage => AskForm::new(Ask::Image, &service.name, &service.image),
        _ => {
            let req = SwarmRequest::Rollback {
                service: ServiceKey::Name(service.name),
            };
            return super::ops::request(state, OpRequest::Swarm(req));
        }
    };
    state.modal = Some(Modal::Ask(Box::new(ask)));
    Vec::new()
}

/// `D` (drain when active, else activate), or `:drain` / `:activate` (`Some(drain)`),
/// on a swarm node row or a fleetdeck node that is in a swarm.
pub(super) fn availability(state: &mut State, drain: Option<bool>) -> Vec<Effect> {
    let Some(row) = state.selected_row().cloned() else {
        return Vec::new();
    };
    let found = match row.kind {
        RowKind::SwarmNode => row
            .id
            .rsplit_once("/node/")
            .map(|(_, id)| id.to_string())
            .and_then(|id| {
                let now = state
                    .doc
                    .swarms
                    .iter()
                    .flat_map(|s| s.nodes.iter())
                    .find(|n| n.id == id)?
                    .availability
                    .clone();
                Some((NodeKey::Id(id), now))
            }),
        RowKind::Node => {
            let name = row.id.strip_prefix("node/").unwrap_or_default().to_string();
            let now = state
                .doc
                .swarms
                .iter()
                .flat_map(|s| s.nodes.iter())
                .find(|n| n.node.as_deref() == Some(name.as_str()))
                .map(|n| n.availability.clone());
            match now {
                Some(now) => Some((NodeKey::Fleet(name), now)),
                None => {
                    state.log(
                        Level::Warn,
                        format!("drain/activate: node {name} is in no swarm the console shows"),
                    );
                    return Vec::new();
                }
            }
        }
        _ => None,
    };
    let Some((node, now)) = found else {
        state.log(
            Level::Warn,
            "drain/activate: select a swarm node, or a node in a swarm, first",
        );
        return Vec::new();
    };
    let drain = drain.unwrap_or(now == "active");
    let req = if drain {
        SwarmRequest::Drain { node }
    } else {
        SwarmRequest::Activate { node }
    };
    super::ops::request(state, OpRequest::Swarm(req))
}

pub(super) fn on_form(state: &mut State, edit: FormEdit) -> Vec<Effect> {
    let Some(Modal::Ask(form)) = &mut state.modal else {
        return Vec::new();
    };
    match form.handle(edit) {
        AskOutcome::Editing => Vec::new(),
        AskOutcome::Cancelled => {
            state.modal = None;
            Vec::new()
        }
        AskOutcome::Submit(op) => {
            state.modal = None;
            super::ops::request(state, op)
        }
    }
}
