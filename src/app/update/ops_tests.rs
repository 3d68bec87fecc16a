//! `update` for operations: the create form, plans, the confirm popup, one at a time,
//! read-only refusals, and the proxy rebuild offered after a create or delete.

use std::sync::Arc;

use super::*;
use crate::app::confirm::PlannedOp;
use crate::app::create_form::FormEdit;
use crate::app::{ConfirmEdit, Keymap, Modal, TextInput};
use crate::ops::delete::DeletePlan;
use crate::ops::proxy::ProxyPlan;

fn state(read_only: bool) -> State {
    let config = crate::config::load_str(
        "[[node]]\nname = \"h1\"\nssh = \"root@10.77.0.1\"\n\
         [containers]\nimage = \"site:1\"\n\
         [[vlan]]\nid = 100\nnode = \"h1\"\nsubnet = \"10.2.0.0/24\"\ngateway = \"10.2.0.1\"\n\
         [proxy]\nnode = \"h1\"\n",
        std::path::Path::new("t.toml"),
    )
    .expect("config");
    State::with_config(
        Arc::new(config),
        read_only,
        "cfg".into(),
        "inv".into(),
        Keymap::defaults(),
    )
}

fn last(s: &State) -> String {
    s.activity
        .last()
        .map(|a| a.text.clone())
        .unwrap_or_default()
}

fn delete_plan() -> PlannedOp {
    PlannedOp::Delete(DeletePlan {
        domain: "blog.example.org".into(),
        node: "h1".into(),
        ip: "10.2.0.2".into(),
        container: Some((
            "abcdef0123456789".into(),
            "fd-blog.example.org".into(),
            "running".into(),
        )),
        proxy_rule: true,
        left_alone: None,
        service: None,
    })
}

fn proxy_plan(changed: bool) -> PlannedOp {
    PlannedOp::Proxy(Box::new(ProxyPlan {
        node: "h1".into(),
        path: "/etc/nginx/sites-enabled/fleetdeck.conf".into(),
        current: Some("old\n".into()),
        desired: if changed {
            "new\n".into()
        } else {
            "old\n".into()
        },
        diff: if changed {
            "--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n".into()
        } else {
            String::new()
        },
        changed,
    }))
}

#[test]
fn create_goes_form_then_plan_then_confirm_then_apply() {
    let mut s = state(false);
    assert!(update(&mut s, Msg::Action(Action::Create)).is_empty());
    assert_eq!(s.text_input(), TextInput::Form);
    for c in "alice".chars() {
        update(&mut s, Msg::Form(FormEdit::Insert(c)));
    }
    update(&mut s, Msg::Form(FormEdit::NextField));
    update(&mut s, Msg::Form(FormEdit::NextField));
    for c in "blog.example.org".chars() {
        update(&mut s, Msg::Form(FormEdit::Insert(c)));
    }
    let effects = update(&mut s, Msg::Form(FormEdit::Submit));
    let [Effect::PlanCreate(req)] = &effects[..] else {
        panic!("expected a plan request, got {effects:?}");
    };
    assert_eq!(
        (req.login.as_str(), req.vlan.as_str(), req.domain.as_str()),
        ("alice", "100", "blog.example.org")
    );
    assert!(s.modal.is_none());
    assert_eq!(s.op_busy.as_deref(), Some("create blog.example.org"));

    // While it runs, another operation waits its turn; a check, which only reads, runs.
    assert!(update(&mut s, Msg::Action(Action::ProxyPlan)).is_empty());
    assert!(last(&s).contains("still running"), "{}", last(&s));
    assert_eq!(
        update(&mut s, Msg::Action(Action::Check)),
        vec![Effect::Operation(OpRequest::Check)]
    );
    assert!(
        update(&mut s, Msg::Action(Action::Check)).is_empty(),
        "one check at a time"
    );
    assert_eq!(s.op_busy.as_deref(), Some("create blog.example.org"));
    s.check_since = None;

    let plan = {
        let taken = |_: &str| false;
        let used = |_: u16| Default::default();
        let view = crate::ops::create::InventoryView {
            domain_taken: &taken,
            used_ips: &used,
            used_ports: &|_| Default::default(),
        };
        crate::ops::create::plan(&s.config, req, &view).expect("plan")
    };
    let op = PlannedOp::Create(Box::new(plan));
    assert!(update(&mut s, Msg::OpPlanned(Ok(op.clone()))).is_empty());
    assert_eq!(s.text_input(), TextInput::Confirm);
    let Some(Modal::Confirm(view)) = &s.modal else {
        panic!("confirm popup")
    };
    assert!(
        view.lines.iter().any(|l| l.contains("10.2.0.2")),
        "{:?}",
        view.lines
    );
    update(&mut s, Msg::Confirm(ConfirmEdit::Scroll(1)));
    assert_eq!(
        update(&mut s, Msg::Confirm(ConfirmEdit::Yes)),
        vec![Effect::Apply(op)]
    );
    assert!(s.modal.is_none());
    update(
        &mut s,
        Msg::OpProgress("  · creating container fd-blog.example.org".into()),
    );
    assert!(last(&s).contains("creating container"));

    // Done: the inventory is re-read and the proxy rebuild is offered.
    let effects = update(
        &mut s,
        Msg::OpFinished {
            ok: true,
            text: "created blog.example.org".into(),
            then: Some(OpRequest::ProxyPlan),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::LoadSites, Effect::Operation(OpRequest::ProxyPlan)]
    );
    assert_eq!(s.op_busy.as_deref(), Some("proxy plan"));
}

#[test]
fn no_cancels_and_a_failed_plan_is_reported() {
    let mut s = state(false);
    s.op_busy = Some("delete blog.example.org".into());
    update(&mut s, Msg::OpPlanned(Ok(delete_plan())));
    assert!(update(&mut s, Msg::Confirm(ConfirmEdit::No)).is_empty());
    assert!(s.modal.is_none() && s.op_busy.is_none());
    assert!(last(&s).contains("cancelled, nothing was changed"));

    s.op_busy = Some("delete x.example".into());
    update(
        &mut s,
        Msg::OpPlanned(Err("no site x.example in the inventory".into())),
    );
    assert!(s.op_busy.is_none());
    assert!(
        last(&s).contains("delete x.example: no site"),
        "{}",
        last(&s)
    );

    let effects = update(
        &mut s,
        Msg::OpFinished {
            ok: false,
            text: "create a failed: image".into(),
            then: None,
        },
    );
    assert_eq!(effects, vec![Effect::LoadSites]);
    assert_eq!(s.activity.last().map(|a| a.level), Some(Level::Error));
}

#[test]
fn an_up_to_date_proxy_plan_has_nothing_to_apply() {
    let mut s = state(false);
    update(&mut s, Msg::OpPlanned(Ok(proxy_plan(false))));
    let Some(Modal::Confirm(view)) = &s.modal else {
        panic!("confirm popup")
    };
    assert!(view.lines[0].contains("up to date"));
    assert!(update(&mut s, Msg::Confirm(ConfirmEdit::Yes)).is_empty());
    assert!(s.modal.is_none());
}

#[test]
fn read_only_shows_plans_but_never_applies() {
    let mut s = state(true);
    assert!(update(&mut s, Msg::Action(Action::Create)).is_empty());
    assert!(s.modal.is_none(), "no form in read-only mode");
    assert!(last(&s).contains("read-only mode"));
    assert_eq!(
        update(&mut s, Msg::Action(Action::ProxyPlan)),
        vec![Effect::Operation(OpRequest::ProxyPlan)]
    );
    update(&mut s, Msg::OpPlanned(Ok(proxy_plan(true))));
    assert!(update(&mut s, Msg::Confirm(ConfirmEdit::Yes)).is_empty());
    assert!(
        last(&s).contains("refused in read-only mode"),
        "{}",
        last(&s)
    );
    // A rebuild offered after an operation is not started in read-only mode.
    let effects = update(
        &mut s,
        Msg::OpFinished {
            ok: true,
            text: "x".into(),
            then: Some(OpRequest::ProxyApply),
        },
    );
    assert_eq!(effects, vec![Effect::LoadSites]);
}

#[test]
fn other_admins_rows_are_logged_and_reload_the_sites() {
    let mut s = state(true);
    let row = |id: i64, action: &str, outcome: &str| crate::inventory::AuditEntry {
        id,
        at: "2026-11-22T10:00:00Z".into(),
        actor: "bob".into(),
        origin: "ssh:10.0.0.9".into(),
        action: action.into(),
        target: Some("blog.example.org".into()),
        params: None,
        outcome: outcome.into(),
        detail: None,
        hash: None,
    };
    let effects = update(&mut s, Msg::AuditRows(vec![row(7, "create", "ok")]));
    assert_eq!(effects, vec![Effect::LoadSites]);
    assert_eq!(
        last(&s),
        "audit: bob@ssh:10.0.0.9 create blog.example.org ok"
    );
    let effects = update(&mut s, Msg::AuditRows(vec![row(8, "delete", "failed")]));
    assert!(effects.is_empty(), "a failed delete changed nothing");
    assert_eq!(s.activity.last().map(|a| a.level), Some(Level::Warn));
}

#[test]
fn the_consoles_own_apply_is_not_echoed_again_by_its_audit_row() {
    let mut s = state(false);
    s.modal = Some(crate::app::Modal::Confirm(Box::new(
        crate::app::confirm::ConfirmView::new(delete_plan()),
    )));
    let effects = update(&mut s, Msg::Confirm(ConfirmEdit::Yes));
    assert!(matches!(&effects[..], [Effect::Apply(_)]));
    update(
        &mut s,
        Msg::OpFinished {
            ok: true,
            text: "deleted blog.example.org".into(),
            then: None,
        },
    );
    let before = s.activity.len();
    let row = |id: i64, actor: &str| crate::inventory::AuditEntry {
        id,
        at: "2026-11-22T10:00:00Z".into(),
        actor: actor.into(),
        origin: "local".into(),
        action: "delete".into(),
        target: Some("blog.example.org".into()),
        params: None,
        outcome: "ok".into(),
        detail: None,
        hash: None,
    };
    let effects = update(&mut s, Msg::AuditRows(vec![row(9, "me")]));
    assert_eq!(s.activity.len(), before, "said once, as the op finished");
    assert_eq!(effects, vec![Effect::LoadSites], "the sites still reload");
    // Someone else's delete afterwards is shown.
    update(&mut s, Msg::AuditRows(vec![row(10, "bob")]));
    assert_eq!(last(&s), "audit: bob@local delete blog.example.org ok");
}
