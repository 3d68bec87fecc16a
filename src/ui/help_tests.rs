//! The `?` help of each view lists the keys that work there and nothing else, and never
//! covers the status bar (README "Keys"); the create form's key line is its help.

use super::tests::{draw, state};
use crate::app::Mode;
use crate::app::create_form::{CreateForm, FormEdit};
use crate::app::stats::StatsSample;
use crate::app::{Action, Modal, Msg, State, StreamEvent, update};

fn selected(name: &str) -> State {
    let mut s = state(false, 3);
    update(
        &mut s,
        Msg::Resized {
            width: 80,
            height: 24,
        },
    );
    let at = s.rows.iter().position(|r| r.name == name).expect(name);
    s.select(at);
    s
}

fn screen(s: &State) -> String {
    format!("{}", draw(s, 80, 24).backend())
}

/// Open `?` over the view, check that every key the view answers is listed, that the
/// ones it does not answer are not, and that the status bar stays whole.
fn help_of(mut s: State, mode: Mode, absent: &[&str]) -> State {
    assert_eq!(s.mode(), mode);
    let bar_before = screen(&s).lines().last().map(str::to_string);
    update(&mut s, Msg::Action(Action::Help));
    let shown = screen(&s);
    assert!(
        shown.contains(&format!("Help: {}", mode.title())),
        "{shown}"
    );
    for line in super::help::action_lines(&s, mode) {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(
            shown.contains(text.trim_end()),
            "{text:?} missing:\n{shown}"
        );
    }
    for (action, _) in s.keymap.actions() {
        let listed = super::help::action_lines(&s, mode).iter().any(|l| {
            l.spans
                .iter()
                .any(|sp| sp.content.contains(action.describe_in(mode)))
        });
        if listed {
            assert!(
                action.available(mode, s.read_only),
                "{action:?} listed in the {} help but does nothing there",
                mode.title()
            );
        }
    }
    for word in absent {
        assert!(!shown.contains(word), "{word:?} listed:\n{shown}");
    }
    assert_eq!(
        shown.lines().last().map(str::to_string),
        bar_before,
        "the status bar is never covered"
    );
    s
}

#[test]
fn help_in_the_stats_view_80x24() {
    let mut s = selected("fd-site00.example.org");
    update(&mut s, Msg::Action(Action::Stats));
    let stream = s.last_stream;
    update(
        &mut s,
        Msg::Stats {
            stream,
            event: StreamEvent::Data(StatsSample {
                mem_usage: 10 << 20,
                mem_limit: 1 << 30,
                online_cpus: 2,
                ..StatsSample::default()
            }),
        },
    );
    let s = help_of(s, Mode::Stats, &["scroll", "search", "follow", "fold"]);
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn help_in_the_details_view_80x24() {
    let mut s = selected("fd-site00.example.org");
    update(&mut s, Msg::Action(Action::Details));
    let s = help_of(s, Mode::Details, &["search", "follow", "fold", "logs"]);
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn help_in_the_activity_view_80x24() {
    let mut s = selected("fd-site00.example.org");
    update(&mut s, Msg::Action(Action::Activity));
    let s = help_of(s, Mode::Activity, &["follow new", "fold", "logs", "wrap"]);
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn help_in_the_tree_lists_no_key_of_another_view() {
    let s = selected("fd-site00.example.org");
    help_of(
        s,
        Mode::Tree,
        &["follow new lines", "wrap long", "copy the match"],
    );
}

#[test]
fn the_create_form_says_the_keys_of_the_field_in_focus_80x24() {
    let mut s = state(false, 3);
    let mut form = CreateForm::new(&s.config);
    for c in "alice".chars() {
        form.handle(FormEdit::Insert(c));
    }
    s.modal = Some(Modal::Create(Box::new(form.clone())));
    let on_text = screen(&s);
    assert!(
        on_text.contains("tab/↓ next field") && !on_text.contains("←/→"),
        "←/→ move the cursor in a text field:\n{on_text}"
    );
    form.handle(FormEdit::NextField);
    for _ in 0..3 {
        form.handle(FormEdit::Backspace);
    }
    for c in "300".chars() {
        form.handle(FormEdit::Insert(c));
    }
    form.handle(FormEdit::NextField);
    for c in "-bad-.example.org".chars() {
        form.handle(FormEdit::Insert(c));
    }
    form.handle(FormEdit::PrevField);
    s.modal = Some(Modal::Create(Box::new(form)));
    let on_vlan = screen(&s);
    assert!(on_vlan.contains("←/→ or type the VLAN"), "{on_vlan}");
    assert!(
        on_vlan.contains("unknown VLAN 300: the config defines"),
        "validated as typed:\n{on_vlan}"
    );
    insta::assert_snapshot!(draw(&s, 80, 24).backend());
}
