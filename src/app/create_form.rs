//! The create form (`c`): login, VLAN, domain, image and node, each validated as it is
//! typed with the same rules and words as `fleetdeck create` (`validate`, and the
//! plan's unknown VLAN, unknown node and taken domain). Pure: keys arrive as
//! [`FormEdit`]s and the form answers with what should happen next.

use tui_input::{Input, InputRequest};

use crate::config::Config;
use crate::ops::create::{CreateRequest, PlanError};
use crate::validate;

/// Keys while a form has focus; `tui::keys` is the only place that maps key codes here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEdit {
    Insert(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    NextField,
    PrevField,
    Submit,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Login,
    Vlan,
    Domain,
    Image,
    Node,
}

pub const FIELDS: [Field; 5] = [
    Field::Login,
    Field::Vlan,
    Field::Domain,
    Field::Image,
    Field::Node,
];

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Login => "Login",
            Field::Vlan => "VLAN",
            Field::Domain => "Domain",
            Field::Image => "Image",
            Field::Node => "Node",
        }
    }
}

/// What the form wants after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutcome {
    Editing,
    Cancelled,
    /// Every field is valid: plan this request.
    Submit(CreateRequest),
}

#[derive(Debug, Clone)]
pub struct CreateForm {
    pub login: Input,
    pub domain: Input,
    pub image: Input,
    pub node: Input,
    /// VLAN ids from the config and their nodes; ←/→ cycles through them, or an id is
    /// typed.
    pub vlans: Vec<(u16, String)>,
    /// The VLAN as typed (or picked): checked against `vlans`.
    pub vlan_input: Input,
    /// Every node of the config, and whether it has a Docker engine.
    pub nodes: Vec<(String, bool)>,
    /// What `fleetdeck create` says of an unknown VLAN: the ids the config defines.
    known_vlans: String,
    pub focus: usize,
    /// Shown once the user tried to submit, so a fresh form is not all red.
    pub submitted: bool,
    default_image: Option<String>,
    /// Domains the inventory already has: typing one is an error at once.
    pub taken: std::collections::BTreeSet<String>,
    /// Why the last submit was refused (by the plan or the engine); the form reopened
    /// with what was typed.
    pub refused: Option<String>,
}

impl CreateForm {
    pub fn new(config: &Config) -> CreateForm {
        CreateForm {
            login: Input::default(),
            domain: Input::default(),
            image: Input::default(),
            node: Input::default(),
            vlans: config
                .vlans
                .iter()
                .map(|v| {
                    // A swarm VLAN's sites are services: the swarm places them.
                    let place = v.node.clone().unwrap_or_else(|| {
                        format!("swarm {}", v.swarm.as_deref().unwrap_or_default())
                    });
                    (v.id, place)
                })
                .collect(),
            vlan_input: config
                .vlans
                .first()
                .map(|v| Input::new(v.id.to_string()))
                .unwrap_or_default(),
            nodes: config
                .nodes
                .iter()
                .map(|n| {
                    let docker = !matches!(n.docker, Some(crate::config::DockerEndpoint::None));
                    (n.name.clone(), docker)
                })
                .collect(),
            known_vlans: crate::ops::create::known_vlans(config),
            focus: 0,
            submitted: false,
            default_image: config.containers.image.clone(),
            taken: Default::default(),
            refused: None,
        }
    }

    pub fn field(&self) -> Field {
        FIELDS[self.focus]
    }

    fn input_mut(&mut self, field: Field) -> Option<&mut Input> {
        match field {
            Field::Login => Some(&mut self.login),
            Field::Domain => Some(&mut self.domain),
            Field::Image => Some(&mut self.image),
            Field::Node => Some(&mut self.node),
            Field::Vlan => Some(&mut self.vlan_input),
        }
    }

    pub fn input(&self, field: Field) -> Option<&Input> {
        match field {
            Field::Login => Some(&self.login),
            Field::Domain => Some(&self.domain),
            Field::Image => Some(&self.image),
            Field::Node => Some(&self.node),
            Field::Vlan => Some(&self.vlan_input),
        }
    }

    /// The VLAN typed, with its node, when the config defines it.
    pub fn vlan(&self) -> Option<&(u16, String)> {
        let id = validate::vlan_text(self.vlan_input.value().trim()).ok()?;
        self.vlans.iter().find(|(v, _)| *v == id)
    }

    /// ←/→ on the VLAN field: the next or previous VLAN of the config (the first one when
    /// what is typed is none of them).
    fn cycle_vlan(&mut self, forward: bool) {
        let n = self.vlans.len();
        if n == 0 {
            return;
        }
        let at = self
            .vlan()
            .and_then(|(id, _)| self.vlans.iter().position(|(v, _)| v == id));
        let next = match (at, forward) {
            (None, _) => 0,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.vlan_input = Input::new(self.vlans[next].0.to_string());
    }

    /// What an empty optional field means, shown greyed in it.
    pub fn placeholder(&self, field: Field) -> Option<String> {
        match field {
            Field::Image => Some(
                self.default_image
                    .clone()
                    .unwrap_or_else(|| "required: no [containers] image".into()),
            ),
            Field::Node => self
                .vlan()
                .map(|(_, node)| format!("{node} (the VLAN's node)")),
            _ => None,
        }
    }

    /// The error of one field right now, if any.
    pub fn error(&self, field: Field) -> Option<String> {
        let err = |r: Result<String, validate::Invalid>| r.err().map(|e| e.reason);
        match field {
            Field::Login => err(validate::login(self.login.value().trim())),
            Field::Domain => {
                let typed = self.domain.value().trim();
                err(validate::domain(typed)).or_else(|| {
                    self.taken
                        .contains(&typed.to_ascii_lowercase())
                        .then(|| "already taken by a site of the inventory".to_string())
                })
            }
            Field::Vlan => {
                if self.vlans.is_empty() {
                    return Some("the config has no [[vlan]]".to_string());
                }
                match validate::vlan_text(self.vlan_input.value().trim()) {
                    Err(e) => Some(e.reason),
                    Ok(id) if self.vlan().is_none() => Some(
                        PlanError::UnknownVlan {
                            vlan: id,
                            known: self.known_vlans.clone(),
                        }
                        .to_string(),
                    ),
                    Ok(_) => None,
                }
            }
            Field::Image => {
                let v = self.image.value().trim();
                if v.is_empty() {
                    self.default_image.is_none().then(|| "required".to_string())
                } else {
                    err(validate::image(v))
                }
            }
            Field::Node => {
                let v = self.node.value().trim();
                if v.is_empty() {
                    return None;
                }
                if let Some(e) = err(validate::node_name(v)) {
                    return Some(e);
                }
                match self.nodes.iter().find(|(name, _)| name == v) {
                    None => Some(PlanError::UnknownNode(v.to_string()).to_string()),
                    Some((_, false)) => Some(PlanError::NoDocker(v.to_string()).to_string()),
                    Some(_) => None,
                }
            }
        }
    }

    /// Errors worth showing: as soon as a field has text, or after a submit attempt.
    pub fn shown_error(&self, field: Field) -> Option<String> {
        let typed = self.input(field).is_some_and(|i| !i.value().is_empty());
        if typed || self.submitted || field == Field::Vlan {
            self.error(field)
        } else {
            None
        }
    }

    pub fn is_valid(&self) -> bool {
        FIELDS.iter().all(|f| self.error(*f).is_none())
    }

    pub fn request(&self) -> CreateRequest {
        let opt = |i: &Input| Some(i.value().trim().to_string()).filter(|v| !v.is_empty());
        CreateRequest {
            login: self.login.value().trim().to_string(),
            vlan: self.vlan_input.value().trim().to_string(),
            domain: self.domain.value().trim().to_string(),
            node: opt(&self.node),
            image: opt(&self.image),
            ip: None,
            replicas: None,
        }
    }

    pub fn handle(&mut self, edit: FormEdit) -> FormOutcome {
        let field = self.field();
        match edit {
            FormEdit::Cancel => return FormOutcome::Cancelled,
            FormEdit::NextField => self.focus = (self.focus + 1) % FIELDS.len(),
            FormEdit::PrevField => self.focus = (self.focus + FIELDS.len() - 1) % FIELDS.len(),
            FormEdit::Submit => {
                self.submitted = true;
                if self.is_valid() {
                    return FormOutcome::Submit(self.request());
                }
                // Go to the first field that needs attention.
                if let Some(i) = FIELDS.iter().position(|f| self.error(*f).is_some()) {
                    self.focus = i;
                }
            }
            FormEdit::Left | FormEdit::Right if field == Field::Vlan => {
                self.cycle_vlan(edit == FormEdit::Right);
            }
            other => {
                let request = match other {
                    FormEdit::Insert(c) if !c.is_control() => InputRequest::InsertChar(c),
                    FormEdit::Backspace => InputRequest::DeletePrevChar,
                    FormEdit::Delete => InputRequest::DeleteNextChar,
                    FormEdit::Left => InputRequest::GoToPrevChar,
                    FormEdit::Right => InputRequest::GoToNextChar,
                    FormEdit::Home => InputRequest::GoToStart,
                    FormEdit::End => InputRequest::GoToEnd,
                    _ => return FormOutcome::Editing,
                };
                if let Some(input) = self.input_mut(field) {
                    // Fields are short: refuse runaway pastes instead of storing them.
                    if matches!(request, InputRequest::InsertChar(_)) && input.value().len() >= 253
                    {
                        return FormOutcome::Editing;
                    }
                    input.handle(request);
                }
            }
        }
        FormOutcome::Editing
    }
}

#[cfg(test)]
mod tests {
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
}
