//! What every form shares: its errors, as the templates show them, and the sentences for
//! refused input that several forms ask for.

use crate::i18n::Tr;
use catalyse_core::PasswordProblem;

/// A message tied to one field (`id` of the input) or to the whole form (`field` empty).
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The errors of one form, as its template shows them (summary, then each field's own).
#[derive(Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn one(field: &'static str, message: impl Into<String>) -> FormErrors {
        FormErrors(vec![FieldError {
            field,
            message: message.into(),
        }])
    }

    pub fn push(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Every message about a field (a field may have several: one per row…).
    pub fn of(&self, field: &str) -> Vec<&str> {
        (self.0.iter())
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect()
    }

    /// Whether a field has a message.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// Puts the messages in the order of the form's fields (`order`), for the summary; those
    /// of fields not listed last, the order among each field's kept.
    pub fn sort_by(&mut self, order: &[&str]) {
        let at = |field: &str| {
            order
                .iter()
                .position(|f| *f == field)
                .unwrap_or(order.len())
        };
        self.0.sort_by_key(|e| at(e.field));
    }

    /// The ids an input's `aria-describedby` lists: its hint, then its error.
    pub fn described_by(&self, field: &str, has_hint: bool) -> String {
        let mut ids = vec![];
        if has_hint {
            ids.push(format!("{field}-aide"));
        }
        if self.get(field).is_some() {
            ids.push(format!("{field}-erreur"));
        }
        ids.join(" ")
    }
}

/// The sentence for a refused password.
pub fn password_message(t: Tr, p: PasswordProblem) -> String {
    match p {
        PasswordProblem::TooShort => t.f(
            "password.too_short",
            catalyse_core::account::PASSWORD_MIN_CHARS,
        ),
        PasswordProblem::TooLong => t.f(
            "password.too_long",
            catalyse_core::account::PASSWORD_MAX_CHARS,
        ),
        PasswordProblem::TooCommon => t.s("password.too_common").into(),
        PasswordProblem::ContainsEmail => t.s("password.contains_email").into(),
    }
}
