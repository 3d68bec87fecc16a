//! The adopt form (`A` on an orphan container): login and domain, prefilled from the
//! container's labels, validated as typed with the rules `fleetdeck inventory adopt`
//! applies. Pure, like the create form, and driven by the same [`FormEdit`]s.

use tui_input::Input;

use super::create_form::FormEdit;
use super::logs::ContainerRef;
use super::msg::OpRequest;
use crate::validate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdoptField {
    Login,
    Domain,
}

pub const ADOPT_FIELDS: [AdoptField; 2] = [AdoptField::Login, AdoptField::Domain];

impl AdoptField {
    pub fn label(self) -> &'static str {
        match self {
            AdoptField::Login => "Login",
            AdoptField::Domain => "Domain",
        }
    }
}

/// What the form wants after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdoptOutcome {
    Editing,
    Cancelled,
    /// Both fields are valid: plan this adopt.
    Submit(OpRequest),
}

#[derive(Debug, Clone)]
pub struct AdoptForm {
    pub container: ContainerRef,
    pub login: Input,
    pub domain: Input,
    pub focus: usize,
    /// Shown once the user tried to submit, so a fresh form is not all red.
    pub submitted: bool,
}

impl AdoptForm {
    /// A form for `container`, with what its labels say (empty when they say nothing).
    pub fn new(container: ContainerRef, login: Option<&str>, domain: Option<&str>) -> AdoptForm {
        let filled = |v: Option<&str>| Input::new(v.unwrap_or_default().trim().to_string());
        let login = filled(login);
        let domain = filled(domain);
        // Start where something is missing.
        let focus = usize::from(!login.value().is_empty() && domain.value().is_empty());
        AdoptForm {
            container,
            login,
            domain,
            focus,
            submitted: false,
        }
    }

    pub fn field(&self) -> AdoptField {
        ADOPT_FIELDS[self.focus]
    }

    pub fn input(&self, field: AdoptField) -> &Input {
        match field {
            AdoptField::Login => &self.login,
            AdoptField::Domain => &self.domain,
        }
    }

    fn input_mut(&mut self, field: AdoptField) -> &mut Input {
        match field {
            AdoptField::Login => &mut self.login,
            AdoptField::Domain => &mut self.domain,
        }
    }

    /// The error of one field right now, if any.
    pub fn error(&self, field: AdoptField) -> Option<String> {
        let value = self.input(field).value().trim();
        let checked = match field {
            AdoptField::Login => validate::login(value),
            AdoptField::Domain => validate::domain(value),
        };
        checked.err().map(|e| e.reason)
    }

    /// Errors worth showing: as soon as a field has text, or after a submit attempt.
    pub fn shown_error(&self, field: AdoptField) -> Option<String> {
        if self.submitted || !self.input(field).value().is_empty() {
            self.error(field)
        } else {
            None
        }
    }

    pub fn is_valid(&self) -> bool {
        ADOPT_FIELDS.iter().all(|f| self.error(*f).is_none())
    }

    pub fn request(&self) -> OpRequest {
        let value = |i: &Input| Some(i.value().trim().to_string()).filter(|v| !v.is_empty());
        OpRequest::Adopt {
            container: self.container.clone(),
            login: value(&self.login),
            domain: value(&self.domain),
        }
    }

    pub fn handle(&mut self, edit: FormEdit) -> AdoptOutcome {
        let n = ADOPT_FIELDS.len();
        let text = match edit {
            FormEdit::Cancel => return AdoptOutcome::Cancelled,
            FormEdit::NextField => {
                self.focus = (self.focus + 1) % n;
                return AdoptOutcome::Editing;
            }
            FormEdit::PrevField => {
                self.focus = (self.focus + n - 1) % n;
                return AdoptOutcome::Editing;
            }
            FormEdit::Submit => {
                self.submitted = true;
                if self.is_valid() {
                    return AdoptOutcome::Submit(self.request());
                }
                if let Some(i) = ADOPT_FIELDS.iter().position(|f| self.error(*f).is_some()) {
                    self.focus = i;
                }
                return AdoptOutcome::Editing;
            }
            text => text,
        };
        // Fields are short: refuse runaway pastes instead of storing them.
        text.apply_to(self.input_mut(self.field()), 253);
        AdoptOutcome::Editing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> ContainerRef {
        ContainerRef {
            node: "h1".into(),
            id: "abc123".into(),
            name: "legacy-web".into(),
        }
    }

    fn type_text(form: &mut AdoptForm, text: &str) {
        for c in text.chars() {
            form.handle(FormEdit::Insert(c));
        }
    }

    #[test]
    fn labels_prefill_and_the_focus_starts_on_what_is_missing() {
        let form = AdoptForm::new(web(), Some("bob"), None);
        assert_eq!(form.login.value(), "bob");
        assert_eq!(form.field(), AdoptField::Domain);
        let form = AdoptForm::new(web(), None, Some("a.example"));
        assert_eq!(form.field(), AdoptField::Login);
    }

    #[test]
    fn submit_waits_for_valid_fields_then_asks_for_the_plan() {
        let mut form = AdoptForm::new(web(), Some("bob"), None);
        assert_eq!(form.handle(FormEdit::Submit), AdoptOutcome::Editing);
        assert!(form.shown_error(AdoptField::Domain).is_some());
        type_text(&mut form, "not a domain");
        assert_eq!(form.handle(FormEdit::Submit), AdoptOutcome::Editing);
        for _ in 0.."not a domain".len() {
            form.handle(FormEdit::Backspace);
        }
        type_text(&mut form, "shop.example");
        assert_eq!(
            form.handle(FormEdit::Submit),
            AdoptOutcome::Submit(OpRequest::Adopt {
                container: web(),
                login: Some("bob".into()),
                domain: Some("shop.example".into()),
            })
        );
        assert_eq!(form.handle(FormEdit::Cancel), AdoptOutcome::Cancelled);
    }
}
