//! Snapshots of the create form and the confirm popup (create, delete, a proxy diff).

use super::tests::{draw, state};
use crate::app::Modal;
use crate::app::confirm::{ConfirmView, PlannedOp};
use crate::app::create_form::{CreateForm, FormEdit};
use crate::ops::delete::DeletePlan;

fn form_state() -> crate::app::State {
    let mut s = state(false, 3);
    let mut form = CreateForm::new(&s.config);
    for c in "alice".chars() {
        form.handle(FormEdit::Insert(c));
    }
    form.handle(FormEdit::NextField);
    form.handle(FormEdit::NextField);
    for c in "bad domain".chars() {
        form.handle(FormEdit::Insert(c));
    }
    s.modal = Some(Modal::Create(Box::new(form)));
    s
}

#[test]
fn create_form_80x24() {
    insta::assert_snapshot!(draw(&form_state(), 80, 24).backend());
}

#[test]
fn create_form_in_a_tiny_terminal() {
    insta::assert_snapshot!(draw(&form_state(), 20, 5).backend());
}

#[test]
fn confirm_delete_80x24() {
    let mut s = state(false, 3);
    let plan = DeletePlan {
        domain: "blog.example.org".into(),
        node: "teemo".into(),
        ip: "10.2.0.10".into(),
        container: Some((
            "0123456789abcdef".into(),
            "fd-blog.example.org".into(),
            "running".into(),
        )),
        proxy_rule: true,
        left_alone: None,
        service: None,
    };
    s.modal = Some(Modal::Confirm(Box::new(ConfirmView::new(
        PlannedOp::Delete(plan),
    ))));
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

fn proxy_diff() -> PlannedOp {
    let desired: String = (0..30)
        .map(|i| format!("server {{ server_name s{i}.example.org; }}\n"))
        .collect();
    PlannedOp::Proxy(Box::new(crate::ops::proxy::plan(
        "teemo",
        "/etc/nginx/sites-enabled/fleetdeck.conf",
        Some("# old\n".into()),
        desired,
    )))
}

#[test]
fn confirm_proxy_diff_160x48_and_scrolled_80x24() {
    let mut s = state(false, 3);
    s.modal = Some(Modal::Confirm(Box::new(ConfirmView::new(proxy_diff()))));
    insta::assert_snapshot!("proxy_diff_160x48", draw(&s, 160, 48).backend());
    if let Some(Modal::Confirm(v)) = &mut s.modal {
        v.scroll_by(20);
    }
    insta::assert_snapshot!("proxy_diff_scrolled_80x24", draw(&s, 80, 24).backend());
}

#[test]
fn read_only_confirm_says_it_cannot_apply() {
    let mut s = state(true, 3);
    s.modal = Some(Modal::Confirm(Box::new(ConfirmView::new(proxy_diff()))));
    let text = format!("{:?}", draw(&s, 100, 30).backend());
    assert!(
        text.contains("read-only mode: this plan cannot be applied"),
        "{text}"
    );
}

pub(super) fn report() -> crate::ops::check::CheckReport {
    use crate::ops::check::{CheckReport, Finding, Kind, Severity, Summary, Target};
    CheckReport {
        summary: Summary {
            sites: 3,
            ok: 1,
            problems: 2,
            unreachable: 1,
        },
        findings: vec![
            Finding::new(
                Kind::IpMismatch,
                Severity::Error,
                "container has 10.2.0.99, inventory says 10.2.0.11",
            )
            .domain("site01.example.org")
            .node("teemo")
            .expected(Some("10.2.0.11".into()))
            .actual(Some("10.2.0.99".into()))
            .target(Target {
                node: Some("teemo".into()),
                container: Some("fd-site01.example.org".into()),
                domain: Some("site01.example.org".into()),
            }),
            Finding::new(
                Kind::NodeUnreachable,
                Severity::Error,
                "garen: did not answer within 10s",
            )
            .node("garen")
            .target(Target {
                node: Some("garen".into()),
                ..Default::default()
            }),
        ],
        skipped: vec!["DNS not checked: no [dns] section".into()],
    }
}

#[test]
fn a_check_with_problems_opens_the_findings_and_enter_goes_to_the_container() {
    use crate::app::{Action, Msg, View, update};
    let mut s = state(false, 3);
    update(&mut s, Msg::CheckDone(Ok(report())));
    assert!(matches!(s.view, View::Findings(_)));
    if let Some(c) = &mut s.last_check {
        c.at = "2026-11-22T10:00:06Z".into();
    }
    s.activity.iter_mut().for_each(|a| a.at = "10:00:00".into());
    insta::assert_snapshot!("findings_80x24", draw(&s, 80, 24).backend());
    update(&mut s, Msg::Action(Action::Down));
    update(&mut s, Msg::Action(Action::Up));
    update(&mut s, Msg::Action(Action::Toggle));
    assert!(matches!(s.view, View::Tree));
    let row = s.selected_row().expect("a row").id.clone();
    assert!(row.contains("/container/"), "{row}");
    assert_eq!(s.selected_domain().as_deref(), Some("site01.example.org"));
    // The details pane shows the finding, the status bar the count.
    insta::assert_snapshot!("details_with_a_finding_160x48", draw(&s, 160, 48).backend());
}

#[test]
fn a_clean_check_stays_on_the_tree() {
    use crate::app::{Msg, View, update};
    let mut s = state(false, 3);
    let mut clean = report();
    clean.findings.clear();
    clean.summary.problems = 0;
    update(&mut s, Msg::CheckDone(Ok(clean)));
    assert!(matches!(s.view, View::Tree));
    assert!(
        s.activity
            .iter()
            .any(|a| a.text.contains("check: 0 problems"))
    );
    update(&mut s, Msg::CheckDone(Err("no link".into())));
    assert!(
        s.activity
            .last()
            .is_some_and(|a| a.text == "check: no link")
    );
}

fn proxy_unchanged() -> PlannedOp {
    let same = "server { server_name s0.example.org; }\n".to_string();
    PlannedOp::Proxy(Box::new(crate::ops::proxy::plan(
        "teemo",
        "/etc/nginx/sites-enabled/fleetdeck.conf",
        Some(same.clone()),
        same,
    )))
}

#[test]
fn a_proxy_plan_with_nothing_to_change_offers_no_apply_80x24() {
    for read_only in [false, true] {
        let mut s = state(read_only, 3);
        s.modal = Some(Modal::Confirm(Box::new(
            ConfirmView::new(proxy_unchanged()),
        )));
        let text = format!("{}", draw(&s, 80, 24).backend());
        assert!(text.contains("nothing to change · esc close"), "{text}");
        assert!(!text.contains("y apply"), "{text}");
        if !read_only {
            insta::assert_snapshot!(draw(&s, 80, 24).backend());
        }
    }
}

#[test]
fn create_form_reopened_after_a_refusal_80x24() {
    let mut s = form_state();
    if let Some(Modal::Create(form)) = &mut s.modal {
        form.refused = Some("create bad: the engine refused: no such image".into());
    }
    let text = format!("{}", draw(&s, 80, 24).backend());
    assert!(text.contains("refused: create bad"), "{text}");
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}
