//! `update` for honest feedback: `r` says when every node answered, operations carry
//! their start time, a check runs beside a delete, and re-runs after one.

use super::view_tests::state;
use super::*;
use crate::app::progress::Refreshing;
use crate::app::{ConfirmEdit, Modal};
use crate::ops::check::{CheckReport, Summary};

fn at(s: &mut State, time: &str, msg: Msg) -> Vec<Effect> {
    update_at(s, msg, format!("2026-12-02T10:00:{time}Z"))
}

fn clean_report() -> CheckReport {
    CheckReport {
        summary: Summary {
            sites: 1,
            ok: 1,
            problems: 0,
            unreachable: 0,
        },
        findings: Vec::new(),
        skipped: Vec::new(),
    }
}

#[test]
fn r_says_it_refreshed_once_every_node_answered() {
    let mut s = state(false);
    let effects = at(&mut s, "00", Msg::Action(Action::Refresh));
    assert_eq!(effects, vec![Effect::LoadSites, Effect::RefreshFleet]);
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("refreshing 3 nodes…")
    );
    for node in ["h1", "h2"] {
        let mut snap = NodeSnapshot::unknown(node);
        snap.status = NodeStatus::Up;
        at(&mut s, "01", Msg::Poll(PollEvent::Snapshot(Box::new(snap))));
    }
    assert_eq!(
        s.refreshing.as_ref().map(|r| r.pending.len()),
        Some(1),
        "h3 has not answered"
    );
    at(
        &mut s,
        "02",
        Msg::Poll(PollEvent::Missed {
            node: "h3".into(),
            why: "deadline".into(),
        }),
    );
    assert_eq!(s.refreshing, None::<Refreshing>);
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("refreshed 3 nodes")
    );
    s.dirty = false;
    at(&mut s, "06", Msg::Tick);
    assert!(s.flash.is_some() && !s.dirty, "still shown at 4 s");
    at(&mut s, "07", Msg::Tick);
    assert!(s.flash.is_none() && s.dirty, "gone after 5 s, redrawn");
}

#[test]
fn a_check_runs_beside_a_delete_and_again_after_it() {
    let mut s = state(false);
    s.now = "2026-12-02T10:00:00Z".into();
    ops::request(
        &mut s,
        OpRequest::Delete {
            domain: "blog.example.org".into(),
        },
    );
    assert_eq!(s.op_busy.as_deref(), Some("delete blog.example.org"));
    assert_eq!(s.op_since.as_deref(), Some("2026-12-02T10:00:00Z"));
    assert_eq!(
        at(&mut s, "01", Msg::Action(Action::Check)),
        vec![Effect::Operation(OpRequest::Check)],
        "a read-only check is not blocked by the delete"
    );
    s.dirty = false;
    at(&mut s, "02", Msg::Tick);
    assert!(s.dirty, "the elapsed time moves");
    at(&mut s, "03", Msg::CheckDone(Ok(clean_report())));
    assert_eq!(s.check_since, None);
    assert_eq!(
        s.op_busy.as_deref(),
        Some("delete blog.example.org"),
        "the delete still runs"
    );
    let effects = at(
        &mut s,
        "09",
        Msg::OpFinished {
            ok: true,
            text: "delete blog.example.org: done".into(),
            then: None,
        },
    );
    assert_eq!(
        effects,
        vec![Effect::LoadSites, Effect::Operation(OpRequest::Check)],
        "the check on screen is re-run after the delete"
    );
    assert_eq!((s.op_busy.as_deref(), s.op_since.as_deref()), (None, None));
}

#[test]
fn no_check_on_screen_means_none_is_rerun() {
    let mut s = state(false);
    ops::request(&mut s, OpRequest::ProxyApply);
    let effects = at(
        &mut s,
        "09",
        Msg::OpFinished {
            ok: true,
            text: "proxy apply: done".into(),
            then: None,
        },
    );
    assert_eq!(effects, vec![Effect::LoadSites]);
}

fn proxy(changed: bool) -> crate::app::confirm::PlannedOp {
    let desired = "server { server_name a.example.org; }\n".to_string();
    let current = if changed {
        "# old\n".into()
    } else {
        desired.clone()
    };
    crate::app::confirm::PlannedOp::Proxy(Box::new(crate::ops::proxy::plan(
        "h1",
        "/etc/nginx/fleetdeck.conf",
        Some(current),
        desired,
    )))
}

#[test]
fn a_delete_that_changes_no_rule_pops_no_proxy_plan() {
    let mut s = state(false);
    let effects = ops::on_finished(
        &mut s,
        true,
        "delete blog.example.org: done".into(),
        Some(OpRequest::ProxyPlan),
    );
    assert!(effects.contains(&Effect::Operation(OpRequest::ProxyPlan)));
    update(&mut s, Msg::OpPlanned(Ok(proxy(false))));
    assert!(s.modal.is_none(), "nothing to change: no popup");
    assert_eq!(s.op_busy, None);
    assert!(
        s.activity
            .last()
            .is_some_and(|a| a.text == "proxy apply: nothing to change")
    );
    // Asked for by the user, the same plan shows, saying there is nothing to change.
    ops::request(&mut s, OpRequest::ProxyPlan);
    update(&mut s, Msg::OpPlanned(Ok(proxy(false))));
    assert!(s.modal.is_some());
    assert!(
        s.activity
            .last()
            .is_some_and(|a| a.text.ends_with("nothing to change"))
    );
    // y does not apply it.
    assert!(update(&mut s, Msg::Confirm(ConfirmEdit::Yes)).is_empty());
}

#[test]
fn read_only_never_says_y_to_apply() {
    let mut s = state(true);
    ops::request(&mut s, OpRequest::ProxyPlan);
    update(&mut s, Msg::OpPlanned(Ok(proxy(true))));
    assert!(s.modal.is_some());
    let said: Vec<&str> = s.activity.iter().map(|a| a.text.as_str()).collect();
    assert!(said.iter().all(|t| !t.contains("y to apply")), "{said:?}");
}

#[test]
fn a_key_that_does_nothing_says_why_in_the_status_bar() {
    let mut s = state(false);
    super::view_tests::select_named(&mut s, "h1");
    assert!(update(&mut s, Msg::Action(Action::Logs)).is_empty());
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some("logs: select a container")
    );
    super::view_tests::select_named(&mut s, "fdtu-logs");
    update(&mut s, Msg::Action(Action::Stats));
    update(&mut s, Msg::Action(Action::Wrap));
    assert_eq!(
        s.flash.as_ref().map(|f| f.text.as_str()),
        Some(
            format!(
                "{}: not in the stats view (? lists this view's keys)",
                Action::Wrap.name()
            )
            .as_str()
        )
    );
}

#[test]
fn the_create_form_refuses_a_taken_domain_as_typed_and_reopens_when_refused() {
    use crate::app::create_form::{CreateForm, Field, FormEdit};
    let mut s = state(false);
    let now = "2026-12-02T10:00:00Z".to_string();
    s.sites = crate::app::SitesView::Loaded(vec![crate::inventory::Site {
        domain: "blog.example.org".into(),
        login: "alice".into(),
        vlan: 100,
        node: Some("h1".into()),
        ip: "10.90.100.2".parse().expect("ip"),
        container_id: None,
        image: None,
        port: None,
        state: crate::inventory::SiteState::Active,
        created_at: now.clone(),
        updated_at: now,
    }]);
    ops::request(&mut s, OpRequest::Create);
    // Tab to the domain field.
    while matches!(&s.modal, Some(Modal::Create(f)) if f.field() != Field::Domain) {
        update(&mut s, Msg::Form(FormEdit::NextField));
    }
    for c in "Blog.example.org".chars() {
        update(&mut s, Msg::Form(FormEdit::Insert(c)));
    }
    let Some(Modal::Create(form)) = &s.modal else {
        panic!("the form")
    };
    assert_eq!(
        form.shown_error(Field::Domain).as_deref(),
        Some("already taken by a site of the inventory")
    );

    // A refused create comes back with what was typed and why.
    let mut draft = CreateForm::new(&s.config);
    for c in "bob".chars() {
        draft.handle(FormEdit::Insert(c));
    }
    s.modal = None;
    s.create_draft = Some(Box::new(draft));
    s.begin_op("create shop.example.org".into());
    update(
        &mut s,
        Msg::OpPlanned(Err("the engine refused: no such image".into())),
    );
    let Some(Modal::Create(form)) = &s.modal else {
        panic!("the form reopened")
    };
    assert_eq!(form.login.value(), "bob");
    assert_eq!(
        form.refused.as_deref(),
        Some("the engine refused: no such image")
    );
}
