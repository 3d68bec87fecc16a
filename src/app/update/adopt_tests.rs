//! `update` for adopt: `A` on a container opens the form, enter asks for the plan, the
//! plan is confirmed like any other; read-only refuses it; the palette's `:adopt NAME`.

use super::view_tests::{select_named, state};
use super::*;
use crate::app::create_form::FormEdit;
use crate::app::{Modal, TextInput};

fn act(s: &mut State, action: Action) -> Vec<Effect> {
    update(s, Msg::Action(action))
}

fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Msg::Form(FormEdit::Insert(c)));
    }
}

#[test]
fn a_opens_the_form_and_enter_asks_for_the_plan() {
    let mut s = state(false);
    select_named(&mut s, "fdtu-logs");
    assert!(act(&mut s, Action::Adopt).is_empty());
    assert_eq!(s.text_input(), TextInput::Form);
    let Some(Modal::Adopt(form)) = &s.modal else {
        panic!("no adopt form: {:?}", s.modal)
    };
    // No labels: nothing to prefill, and enter does not plan an empty form.
    assert_eq!((form.login.value(), form.domain.value()), ("", ""));
    assert!(update(&mut s, Msg::Form(FormEdit::Submit)).is_empty());
    assert!(matches!(s.modal, Some(Modal::Adopt(_))));
    type_text(&mut s, "alice");
    update(&mut s, Msg::Form(FormEdit::NextField));
    type_text(&mut s, "logs.example");
    match update(&mut s, Msg::Form(FormEdit::Submit)).as_slice() {
        [
            Effect::Operation(OpRequest::Adopt {
                container,
                login,
                domain,
            }),
        ] => {
            assert_eq!(
                (container.node.as_str(), container.name.as_str()),
                ("h1", "fdtu-logs")
            );
            assert_eq!(login.as_deref(), Some("alice"));
            assert_eq!(domain.as_deref(), Some("logs.example"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(s.modal.is_none());
    assert_eq!(s.op_busy.as_deref(), Some("adopt h1/fdtu-logs"));
}

#[test]
fn a_labelled_container_prefills_its_domain() {
    let mut s = state(false);
    select_named(&mut s, "fd-blog.example.org");
    act(&mut s, Action::Adopt);
    let Some(Modal::Adopt(form)) = &s.modal else {
        panic!("no adopt form: {:?}", s.modal)
    };
    assert_eq!(form.domain.value(), "blog.example.org");
    assert_eq!(form.login.value(), "");
    assert_eq!(form.focus, 0, "the focus starts on the missing login");
}

#[test]
fn esc_cancels_and_a_node_is_not_adopted() {
    let mut s = state(false);
    select_named(&mut s, "fdtu-logs");
    act(&mut s, Action::Adopt);
    assert!(update(&mut s, Msg::Form(FormEdit::Cancel)).is_empty());
    assert!(s.modal.is_none() && s.op_busy.is_none());
    select_named(&mut s, "h2");
    assert!(act(&mut s, Action::Adopt).is_empty());
    assert!(s.modal.is_none());
    assert!(
        s.activity
            .last()
            .is_some_and(|l| l.text.contains("select an orphan"))
    );
}

#[test]
fn read_only_refuses_adopt_and_the_palette_reaches_it() {
    let mut s = state(true);
    select_named(&mut s, "fdtu-logs");
    assert!(act(&mut s, Action::Adopt).is_empty());
    assert!(s.modal.is_none());
    assert!(
        s.activity
            .last()
            .is_some_and(|l| l.text.contains("read-only"))
    );

    let mut s = state(false);
    assert!(commands::run(&mut s, "adopt fdtu-logs").is_empty());
    assert!(matches!(s.modal, Some(Modal::Adopt(_))));
}
