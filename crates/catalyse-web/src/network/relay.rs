//! A message from one member to another, relayed by mail without showing either address on any
//! page: the recipient gets it with « Répondre à » set to the sender, and a link to report it.
//! The recipient may also be a visitor known by her address only (the author of a need who has
//! no account).
//! Limited per sender ([`CONTACTS_PER_DAY`] in 24 hours, every kind of relayed message
//! counted together), logged (who, to whom, when; never the text). The peer contact form and
//! the needs' « Je peux aider » and « Demander une mise en relation » go through it.

use crate::error::AppError;
use crate::mail::Mail;
use crate::state::AppState;
use catalyse_core::User;
use chrono::{Duration, Utc};

/// Messages a member may send to peers in 24 hours.
pub const CONTACTS_PER_DAY: i64 = 10;

/// Who receives a relayed message.
#[derive(Clone, Copy)]
pub enum Recipient<'a> {
    Member(&'a User),
    /// A visitor with no account, by the address she gave (never shown).
    Visitor(&'a str),
}

/// A message to relay.
pub struct Relay<'a> {
    pub sender: &'a User,
    pub recipient: Recipient<'a>,
    /// The subject line, without the platform's prefix.
    pub subject: &'a str,
    /// The text, where `{sender}` becomes the sender's name and `{report}` the address to
    /// report the message.
    pub body: String,
    /// What the log says it was (« peer contact », « need offer »…).
    pub kind: &'static str,
}

/// Whether the message went: `false` when the sender reached her limit (nothing is sent).
pub async fn relay(state: &AppState, r: Relay<'_>) -> Result<bool, AppError> {
    let sender = r.sender;
    let (recipient_id, to) = match r.recipient {
        Recipient::Member(u) => (Some(u.id), u.email.as_str()),
        Recipient::Visitor(address) => (None, address),
    };
    let now = Utc::now();
    // The log names an account: a visitor has none, so her message is logged with the sender
    // as its recipient — counted in the sender's limit all the same, and no one else's data.
    if !state
        .store
        .record_contact(
            sender.id,
            recipient_id.unwrap_or(sender.id),
            now,
            now - Duration::hours(24),
            CONTACTS_PER_DAY,
        )
        .await?
    {
        return Ok(false);
    }
    let sender_profile = state.store.profile(sender.id).await?;
    let sender_name = sender_profile
        .as_ref()
        .and_then(|p| p.moderated.published.as_ref())
        .map(|f| f.display_name.clone())
        .unwrap_or_else(|| sender.display_name.clone());
    let base = state.config.public_url();
    // The abuse link reports the sender's profile; a sender without one, or a message to a
    // visitor (who cannot sign in to report), goes to the platform's contact (legal notice).
    let report = match (&sender_profile, recipient_id) {
        (Some(p), Some(recipient_id)) => format!(
            "{base}/reseau/{}/signaler?message=1&jeton={}",
            p.slug,
            crate::network::moderation::abuse_token(state, sender.id, recipient_id)
        ),
        _ => format!("{base}/mentions-legales"),
    };
    let body = r
        .body
        .replace("{sender}", &sender_name)
        .replace("{report}", &report);
    let reply_to = format!(
        "{} <{}>",
        sender_name.replace(['<', '>', '"', ','], " "),
        sender.email
    )
    .parse()
    .or_else(|_| sender.email.as_str().parse())
    .map_err(|e: lettre::address::AddressError| AppError::Internal(e.into()))?;
    let subject_line = format!("[Catalyse] {}", r.subject);
    state
        .mailer
        .send_with_reply_to(
            &state.mail_from,
            Mail {
                to,
                subject: &subject_line,
                body,
                attachment: None,
            },
            Some(reply_to),
        )
        .await
        .map_err(AppError::Internal)?;
    tracing::info!(
        sender = sender.id,
        recipient = recipient_id,
        kind = r.kind,
        "message relayed"
    );
    Ok(true)
}
