//! The create form: fields checked as typed, the VLAN cycled, the swarm VLAN's replicas.

use super::*;

fn config() -> Config {
    let text = r#"
[[node]]
name = "h1"
ssh = "root@10.0.0.1"
[[node]]
name = "h2"
ssh = "root@10.0.0.2"
docker = "none"
[containers]
image = "site:1"
[[vlan]]
id = 100
node = "h1"
subnet = "10.2.0.0/24"
gateway = "10.2.0.1"
[[vlan]]
id = 200
node = "h1"
subnet = "10.3.0.0/24"
gateway = "10.3.0.1"
"#;
    crate::config::load_str(text, std::path::Path::new("t.toml")).expect("config")
}

fn type_text(form: &mut CreateForm, text: &str) {
    for c in text.chars() {
        assert_eq!(form.handle(FormEdit::Insert(c)), FormOutcome::Editing);
    }
}

#[test]
fn a_filled_form_submits_the_request() {
    let mut form = CreateForm::new(&config());
    type_text(&mut form, "alice");
    form.handle(FormEdit::NextField);
    form.handle(FormEdit::Right);
    assert_eq!(form.vlan().map(|v| v.0), Some(200));
    form.handle(FormEdit::NextField);
    type_text(&mut form, "Blog.example.org");
    let out = form.handle(FormEdit::Submit);
    assert_eq!(
        out,
        FormOutcome::Submit(CreateRequest {
            login: "alice".into(),
            vlan: "200".into(),
            domain: "Blog.example.org".into(),
            node: None,
            image: None,
            ip: None,
            replicas: None,
        })
    );
}

#[test]
fn errors_show_as_typed_and_submit_goes_to_the_bad_field() {
    let mut form = CreateForm::new(&config());
    assert_eq!(
        form.shown_error(Field::Login),
        None,
        "a fresh form is not red"
    );
    type_text(&mut form, "al ice");
    assert!(form.shown_error(Field::Login).is_some());
    form.handle(FormEdit::Backspace);
    form.handle(FormEdit::Backspace);
    form.handle(FormEdit::Backspace);
    form.handle(FormEdit::Backspace);
    type_text(&mut form, "ice");
    assert_eq!(form.login.value(), "alice");
    assert_eq!(form.shown_error(Field::Login), None);
    form.focus = 3;
    type_text(&mut form, "bad image");
    assert_eq!(form.handle(FormEdit::Submit), FormOutcome::Editing);
    assert_eq!(
        form.field(),
        Field::Domain,
        "the first invalid field gets focus"
    );
    assert!(form.shown_error(Field::Domain).is_some());
    assert!(form.shown_error(Field::Image).is_some());
    assert_eq!(form.handle(FormEdit::Cancel), FormOutcome::Cancelled);
}

#[test]
fn fields_cycle_and_control_characters_are_not_text() {
    let mut form = CreateForm::new(&config());
    form.handle(FormEdit::PrevField);
    assert_eq!(form.field(), Field::Node);
    form.handle(FormEdit::NextField);
    assert_eq!(form.field(), Field::Login);
    form.handle(FormEdit::Insert('\n'));
    form.handle(FormEdit::Insert('\u{1b}'));
    assert_eq!(form.login.value(), "");
    for _ in 0..400 {
        form.handle(FormEdit::Insert('a'));
    }
    assert_eq!(form.login.value().len(), 253);
    assert!(form.error(Field::Login).is_some());
}

#[test]
fn no_vlan_in_the_config_is_an_error_on_the_vlan_field() {
    let mut cfg = config();
    cfg.vlans.clear();
    let form = CreateForm::new(&cfg);
    assert!(form.shown_error(Field::Vlan).is_some());
    assert!(!form.is_valid());
}

#[test]
fn a_typed_vlan_or_node_is_checked_as_create_checks_it() {
    let mut form = CreateForm::new(&config());
    form.handle(FormEdit::NextField);
    assert_eq!(
        form.vlan_input.value(),
        "100",
        "the first VLAN to start with"
    );
    assert_eq!(form.shown_error(Field::Vlan), None);
    form.handle(FormEdit::Backspace);
    form.handle(FormEdit::Backspace);
    form.handle(FormEdit::Backspace);
    type_text(&mut form, "300");
    assert_eq!(
        form.shown_error(Field::Vlan).as_deref(),
        Some("unknown VLAN 300: the config defines 100, 200"),
        "the words of `fleetdeck create`"
    );
    assert_eq!(form.vlan(), None);
    form.handle(FormEdit::Backspace);
    form.handle(FormEdit::Backspace);
    form.handle(FormEdit::Backspace);
    type_text(&mut form, "x1");
    assert!(
        form.shown_error(Field::Vlan)
            .is_some_and(|e| e.contains("not a number")),
        "{:?}",
        form.shown_error(Field::Vlan)
    );
    // ←/→ from something unknown goes to the first VLAN, then on.
    form.handle(FormEdit::Right);
    assert_eq!(form.vlan().map(|v| v.0), Some(100));
    form.handle(FormEdit::Left);
    assert_eq!(form.vlan().map(|v| v.0), Some(200));
    assert_eq!(form.request().vlan, "200");
    // A node the config does not have, and one without an engine.
    form.focus = 4;
    type_text(&mut form, "h9");
    assert_eq!(
        form.shown_error(Field::Node).as_deref(),
        Some("unknown node \"h9\": it is not a [[node]] of the config")
    );
    form.handle(FormEdit::Backspace);
    type_text(&mut form, "2");
    assert_eq!(
        form.shown_error(Field::Node).as_deref(),
        Some("node h2 has docker = \"none\": containers need a node with a Docker engine")
    );
    form.handle(FormEdit::Backspace);
    type_text(&mut form, "1");
    assert_eq!(form.shown_error(Field::Node), None);
}

fn swarm_config() -> Config {
    let text = r#"
[[node]]
name = "h1"
ssh = "root@10.0.0.1"
[containers]
image = "site:1"
replicas = 2
[[swarm]]
name = "prod"
managers = ["h1"]
[[vlan]]
id = 100
node = "h1"
subnet = "10.2.0.0/24"
gateway = "10.2.0.1"
[[vlan]]
id = 300
swarm = "prod"
subnet = "10.30.0.0/24"
gateway = "10.30.0.1"
ports = "20000-20999"
"#;
    crate::config::load_str(text, std::path::Path::new("t.toml")).expect("config")
}

#[test]
fn a_swarm_vlan_asks_for_replicas_instead_of_a_node() {
    let mut form = CreateForm::new(&swarm_config());
    assert_eq!(form.fields()[4], Field::Node, "VLAN 100 is on a node");
    form.focus = 4;
    type_text(&mut form, "h1");
    form.focus = 1;
    form.handle(FormEdit::Right);
    assert_eq!(form.swarm(), Some("prod"));
    assert_eq!(form.fields()[4], Field::Replicas);
    assert_eq!(
        form.shown_error(Field::Replicas),
        None,
        "the default 2 is fine"
    );
    assert_eq!(
        form.placeholder(Field::Replicas).as_deref(),
        Some("2 ([containers] replicas)")
    );
    form.focus = 0;
    type_text(&mut form, "alice");
    form.focus = 2;
    type_text(&mut form, "shop.lab");
    form.focus = 4;
    assert_eq!(form.field(), Field::Replicas);
    type_text(&mut form, "3");
    assert_eq!(
        form.handle(FormEdit::Submit),
        FormOutcome::Submit(CreateRequest {
            login: "alice".into(),
            vlan: "300".into(),
            domain: "shop.lab".into(),
            node: None,
            image: None,
            ip: None,
            replicas: Some(3),
        }),
        "passed like --replicas; the node typed for VLAN 100 is not sent"
    );
    // Back on the node VLAN, replicas are not sent and the node is.
    form.focus = 1;
    form.handle(FormEdit::Left);
    assert_eq!(form.request().replicas, None);
    assert_eq!(form.request().node.as_deref(), Some("h1"));
}

#[test]
fn replicas_are_checked_as_typed_against_the_nodes_that_can_take_a_task() {
    let mut form = CreateForm::new(&swarm_config());
    form.vlan_input = Input::new("300".into());
    form.focus = 4;
    for (typed, words) in [
        ("0", "a whole number of tasks, 1 to 100"),
        ("-1", "a whole number of tasks"),
        ("two", "a whole number of tasks"),
        ("101", "replicas 101: give 1 to 100"),
    ] {
        form.replicas = Input::new(typed.into());
        let e = form.shown_error(Field::Replicas).unwrap_or_default();
        assert!(e.contains(words), "{typed}: {e}");
    }
    // The poll saw 3 nodes of prod that can take a task: 4 cannot all run.
    form.schedulable.insert("prod".into(), 3);
    form.replicas = Input::new("3".into());
    assert_eq!(form.shown_error(Field::Replicas), None);
    form.replicas = Input::new("4".into());
    assert_eq!(
        form.shown_error(Field::Replicas).as_deref(),
        Some("replicas 4: only 3 nodes of prod can take a task")
    );
    assert!(!form.is_valid());
    // The default is held to the same rule, and said before anything is typed.
    form.replicas = Input::default();
    form.schedulable.insert("prod".into(), 1);
    assert!(
        form.shown_error(Field::Replicas)
            .is_some_and(|e| e == "default 2: only 1 node of prod can take a task"),
        "{:?}",
        form.shown_error(Field::Replicas)
    );
    // A node VLAN never shows it.
    form.vlan_input = Input::new("100".into());
    assert!(form.is_valid() || form.error(Field::Login).is_some());
    assert!(!form.fields().contains(&Field::Replicas));
}
