//! The one-line popups of the swarm operations (`#` scale: how many replicas; `u`
//! update: which image), prefilled with what the service has now and checked as typed
//! with the rules `fleetdeck scale` and `update` apply. Pure, driven by [`FormEdit`]s
//! like the create and adopt forms.

use tui_input::Input;

use super::create_form::FormEdit;
use super::msg::OpRequest;
use crate::ops::swarm_ops::{MAX_REPLICAS, ServiceKey, SwarmRequest};

/// What the line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Replicas,
    Image,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskOutcome {
    Editing,
    Cancelled,
    Submit(OpRequest),
}

#[derive(Debug, Clone)]
pub struct AskForm {
    pub ask: Ask,
    /// The service's name (a swarm service row's).
    pub service: String,
    /// What it has now, shown above the line.
    pub now: String,
    pub input: Input,
    pub submitted: bool,
}

impl AskForm {
    pub fn new(ask: Ask, service: &str, now: &str) -> AskForm {
        AskForm {
            ask,
            service: service.to_string(),
            now: now.to_string(),
            input: Input::new(now.to_string()),
            submitted: false,
        }
    }

    pub fn title(&self) -> String {
        match self.ask {
            Ask::Replicas => format!("Scale {}", self.service),
            Ask::Image => format!("Update {}", self.service),
        }
    }

    pub fn label(&self) -> &'static str {
        match self.ask {
            Ask::Replicas => "Replicas",
            Ask::Image => "Image",
        }
    }

    /// The request the line makes, or why it makes none.
    pub fn request(&self) -> Result<OpRequest, String> {
        let value = self.input.value().trim();
        let service = ServiceKey::Name(self.service.clone());
        let req = match self.ask {
            Ask::Replicas => {
                let replicas: u64 = value
                    .parse()
                    .map_err(|_| format!("a number of replicas, 0 to {MAX_REPLICAS}"))?;
                SwarmRequest::Scale { service, replicas }
            }
            Ask::Image => SwarmRequest::Update {
                service,
                image: value.to_string(),
            },
        };
        req.validate().map_err(|e| e.to_string())?;
        Ok(OpRequest::Swarm(req))
    }

    /// The error worth showing: once the line changed, or after a submit.
    pub fn shown_error(&self) -> Option<String> {
        if self.submitted || self.input.value() != self.now {
            self.request().err()
        } else {
            None
        }
    }

    pub fn handle(&mut self, edit: FormEdit) -> AskOutcome {
        let text = match edit {
            FormEdit::Cancel => return AskOutcome::Cancelled,
            FormEdit::Submit => {
                self.submitted = true;
                return match self.request() {
                    Ok(op) => AskOutcome::Submit(op),
                    Err(_) => AskOutcome::Editing,
                };
            }
            FormEdit::NextField | FormEdit::PrevField => return AskOutcome::Editing,
            text => text,
        };
        // An image name is at most 255 characters: refuse runaway pastes.
        text.apply_to(&mut self.input, 256);
        AskOutcome::Editing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(form: &mut AskForm, text: &str) {
        for c in text.chars() {
            form.handle(FormEdit::Insert(c));
        }
    }

    #[test]
    fn the_replicas_line_starts_with_the_count_and_submits_a_scale() {
        let mut form = AskForm::new(Ask::Replicas, "fd-web.lab", "2");
        assert_eq!(form.input.value(), "2");
        assert_eq!(form.shown_error(), None);
        form.handle(FormEdit::Backspace);
        typed(&mut form, "three");
        assert_eq!(form.handle(FormEdit::Submit), AskOutcome::Editing);
        assert!(
            form.shown_error()
                .is_some_and(|e| e.contains("number of replicas"))
        );
        for _ in 0..5 {
            form.handle(FormEdit::Backspace);
        }
        typed(&mut form, "3");
        assert_eq!(
            form.handle(FormEdit::Submit),
            AskOutcome::Submit(OpRequest::Swarm(SwarmRequest::Scale {
                service: ServiceKey::Name("fd-web.lab".into()),
                replicas: 3,
            }))
        );
        form.handle(FormEdit::Backspace);
        typed(&mut form, "5000");
        assert!(form.shown_error().is_some_and(|e| e.contains("at most")));
    }

    #[test]
    fn the_image_line_is_checked_like_the_cli_checks_it() {
        let mut form = AskForm::new(Ask::Image, "fd-web.lab", "fdlab/busybox:latest");
        typed(&mut form, " x");
        assert!(form.shown_error().is_some(), "a space is no image");
        form.handle(FormEdit::Backspace);
        form.handle(FormEdit::Backspace);
        for _ in 0.."latest".len() {
            form.handle(FormEdit::Backspace);
        }
        typed(&mut form, "v2");
        assert_eq!(
            form.handle(FormEdit::Submit),
            AskOutcome::Submit(OpRequest::Swarm(SwarmRequest::Update {
                service: ServiceKey::Name("fd-web.lab".into()),
                image: "fdlab/busybox:v2".into(),
            }))
        );
        assert_eq!(form.handle(FormEdit::Cancel), AskOutcome::Cancelled);
    }
}
