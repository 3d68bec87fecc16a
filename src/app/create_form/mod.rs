//! The create form (`c`): login, VLAN, domain, image, and node (a node VLAN) or replicas
//! (a swarm VLAN), each validated as it is typed with the same rules and words as
//! `fleetdeck create` (`validate`, and the plan's unknown VLAN, unknown node, taken
//! domain and replicas range). Pure: keys arrive as [`FormEdit`]s and the form answers
//! with what should happen next.

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

impl FormEdit {
    /// Apply this edit to a text field; keys that are not text edits change nothing, and
    /// an insert is refused once the field holds `max_len` bytes (a runaway paste).
    pub fn apply_to(self, input: &mut Input, max_len: usize) {
        let request = match self {
            FormEdit::Insert(c) if !c.is_control() && input.value().len() < max_len => {
                InputRequest::InsertChar(c)
            }
            FormEdit::Backspace => InputRequest::DeletePrevChar,
            FormEdit::Delete => InputRequest::DeleteNextChar,
            FormEdit::Left => InputRequest::GoToPrevChar,
            FormEdit::Right => InputRequest::GoToNextChar,
            FormEdit::Home => InputRequest::GoToStart,
            FormEdit::End => InputRequest::GoToEnd,
            _ => return,
        };
        input.handle(request);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Login,
    Vlan,
    Domain,
    Image,
    Node,
    Replicas,
}

/// The fields on a node VLAN; on a swarm VLAN `Replicas` takes `Node`'s place (the
/// swarm places the site), so the count, and what `focus` indexes, stay the same.
pub const FIELDS: [Field; 5] = [
    Field::Login,
    Field::Vlan,
    Field::Domain,
    Field::Image,
    Field::Node,
];

const SWARM_FIELDS: [Field; 5] = [
    Field::Login,
    Field::Vlan,
    Field::Domain,
    Field::Image,
    Field::Replicas,
];

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Login => "Login",
            Field::Vlan => "VLAN",
            Field::Domain => "Domain",
            Field::Image => "Image",
            Field::Node => "Node",
            Field::Replicas => "Replicas",
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
    /// Tasks of a site on a swarm VLAN; empty: `[containers] replicas`.
    pub replicas: Input,
    /// VLAN ids from the config and their nodes; ←/→ cycles through them, or an id is
    /// typed.
    pub vlans: Vec<(u16, String)>,
    /// The VLAN as typed (or picked): checked against `vlans`.
    pub vlan_input: Input,
    /// The swarm VLANs of the config: VLAN id → swarm name.
    swarm_vlans: std::collections::BTreeMap<u16, String>,
    /// Per swarm, how many of its nodes can take a task now (ready and active), as the
    /// console's last poll saw them; a swarm not seen is not limited here.
    pub schedulable: std::collections::BTreeMap<String, usize>,
    default_replicas: u32,
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
            replicas: Input::default(),
            swarm_vlans: config
                .vlans
                .iter()
                .filter_map(|v| Some((v.id, v.swarm.clone()?)))
                .collect(),
            schedulable: Default::default(),
            default_replicas: config.containers.replicas,
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

    /// The fields shown for the VLAN chosen now.
    pub fn fields(&self) -> [Field; 5] {
        if self.swarm().is_some() {
            SWARM_FIELDS
        } else {
            FIELDS
        }
    }

    pub fn field(&self) -> Field {
        self.fields()[self.focus]
    }

    /// The swarm of the VLAN chosen, when it is a swarm VLAN.
    pub fn swarm(&self) -> Option<&str> {
        let (id, _) = self.vlan()?;
        self.swarm_vlans.get(id).map(String::as_str)
    }

    /// The replicas field: a positive whole number, at most
    /// [`MAX_REPLICAS`](crate::ops::create::MAX_REPLICAS), and (one task per node) at most
    /// the nodes of its swarm that can take a task. Empty: the default, checked the same.
    pub fn replicas_error(&self) -> Option<String> {
        use crate::ops::create::MAX_REPLICAS;
        let typed = self.replicas.value().trim();
        let (n, what) = if typed.is_empty() {
            (self.default_replicas, "default")
        } else {
            match typed.parse::<u32>() {
                Ok(n) if n > 0 => (n, "replicas"),
                _ => return Some(format!("a whole number of tasks, 1 to {MAX_REPLICAS}")),
            }
        };
        if n > MAX_REPLICAS {
            return Some(format!("{what} {n}: give 1 to {MAX_REPLICAS}"));
        }
        let swarm = self.swarm()?;
        let nodes = *self.schedulable.get(swarm)?;
        (usize::try_from(n).unwrap_or(usize::MAX) > nodes).then(|| {
            // Short enough for the popup's line; README "Sites on a swarm" says why.
            format!(
                "{what} {n}: only {nodes} node{} of {swarm} can take a task",
                if nodes == 1 { "" } else { "s" }
            )
        })
    }

    fn input_mut(&mut self, field: Field) -> Option<&mut Input> {
        match field {
            Field::Login => Some(&mut self.login),
            Field::Domain => Some(&mut self.domain),
            Field::Image => Some(&mut self.image),
            Field::Node => Some(&mut self.node),
            Field::Replicas => Some(&mut self.replicas),
            Field::Vlan => Some(&mut self.vlan_input),
        }
    }

    pub fn input(&self, field: Field) -> Option<&Input> {
        match field {
            Field::Login => Some(&self.login),
            Field::Domain => Some(&self.domain),
            Field::Image => Some(&self.image),
            Field::Node => Some(&self.node),
            Field::Replicas => Some(&self.replicas),
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
            Field::Replicas => Some(format!("{} ([containers] replicas)", self.default_replicas)),
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
            Field::Replicas => self.replicas_error(),
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
        // Replicas: a default the swarm cannot run is said at once.
        if typed || self.submitted || matches!(field, Field::Vlan | Field::Replicas) {
            self.error(field)
        } else {
            None
        }
    }

    pub fn is_valid(&self) -> bool {
        self.fields().iter().all(|f| self.error(*f).is_none())
    }

    pub fn request(&self) -> CreateRequest {
        let opt = |i: &Input| Some(i.value().trim().to_string()).filter(|v| !v.is_empty());
        // Only the fields shown go: a node typed before a swarm VLAN was picked is not
        // sent (the plan would refuse it), nor replicas for a node VLAN.
        let swarm = self.swarm().is_some();
        CreateRequest {
            login: self.login.value().trim().to_string(),
            vlan: self.vlan_input.value().trim().to_string(),
            domain: self.domain.value().trim().to_string(),
            node: opt(&self.node).filter(|_| !swarm),
            image: opt(&self.image),
            ip: None,
            replicas: opt(&self.replicas)
                .filter(|_| swarm)
                .and_then(|r| r.parse().ok()),
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
                if let Some(i) = self.fields().iter().position(|f| self.error(*f).is_some()) {
                    self.focus = i;
                }
            }
            FormEdit::Left | FormEdit::Right if field == Field::Vlan => {
                self.cycle_vlan(edit == FormEdit::Right);
            }
            other => {
                if let Some(input) = self.input_mut(field) {
                    // Fields are short: refuse runaway pastes instead of storing them.
                    other.apply_to(input, 253);
                }
            }
        }
        FormOutcome::Editing
    }
}

#[cfg(test)]
mod tests;
