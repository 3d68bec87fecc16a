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
