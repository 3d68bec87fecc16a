//! The create form (`c`): login, VLAN, domain, image and node, each validated as it is
//! typed with the same rules `fleetdeck create` applies. Pure: keys arrive as
//! [`FormEdit`]s and the form answers with what should happen next.

use tui_input::{Input, InputRequest};

use crate::config::Config;
use crate::ops::create::CreateRequest;
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
    /// VLAN ids from the config; the field cycles through them with ←/→.
    pub vlans: Vec<(u16, String)>,
    pub vlan_index: usize,
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
            vlan_index: 0,
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
            Field::Vlan => None,
        }
    }

    pub fn input(&self, field: Field) -> Option<&Input> {
        match field {
            Field::Login => Some(&self.login),
            Field::Domain => Some(&self.domain),
            Field::Image => Some(&self.image),
            Field::Node => Some(&self.node),
            Field::Vlan => None,
        }
    }

    /// The chosen VLAN id and its node, if the config has any VLAN.
    pub fn vlan(&self) -> Option<&(u16, String)> {
        self.vlans.get(self.vlan_index)
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
            Field::Vlan => self
                .vlans
                .is_empty()
                .then(|| "the config has no [[vlan]]".to_string()),
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
                (!v.is_empty())
                    .then(|| err(validate::node_name(v)))
                    .flatten()
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
            vlan: self
                .vlan()
                .map(|(id, _)| id.to_string())
                .unwrap_or_default(),
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
                let n = self.vlans.len().max(1);
                self.vlan_index = if edit == FormEdit::Right {
                    (self.vlan_index + 1) % n
                } else {
                    (self.vlan_index + n - 1) % n
                };
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
}
