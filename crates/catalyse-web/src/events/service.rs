//! The registration workflow, for the pages, the API and the reminder job alike: seats up to
//! the capacity then the waiting list, signed links, the mail of each step, cancellation with
//! the first waiting person promoted, and the reminders.

use crate::error::AppError;
use crate::events::pages::when;
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;
use catalyse_core::agenda::{Event, EventStatus};
use catalyse_store::{
    NeedDraft, NewRegistration, Registration, RegistrationStatus, Reminder, StoreError,
};
use chrono::Utc;
use std::collections::HashMap;

/// The token of the links for one address registered to one event: an HMAC, so that every
/// email can carry it without storing it (the database keeps its SHA-256).
pub fn link_token(state: &AppState, event_id: i64, email: &str) -> String {
    crate::tokens::registration_link(&state.link_secret, event_id, email)
}

/// Whether people may register now (see [`Event::open_for_registration`]).
pub fn open_for_registration(e: &Event) -> bool {
    e.open_for_registration(Utc::now())
}

/// The mail that goes with each step, with the event as an .ics file when a seat is held, and
/// `extra` (the link to a draft need) when given.
async fn notify(
    state: &AppState,
    t: Tr,
    e: &Event,
    r: &Registration,
    promoted: bool,
    extra: Option<&str>,
) {
    let (subject, intro) = match (r.status, promoted) {
        (RegistrationStatus::Pending, _) => ("reg.mail_confirm_subject", "reg.mail_confirm"),
        (RegistrationStatus::Confirmed, true) => ("reg.mail_promoted_subject", "reg.mail_promoted"),
        (RegistrationStatus::Confirmed, false) => ("reg.mail_seat_subject", "reg.mail_seat"),
        (RegistrationStatus::Waiting, _) => ("reg.mail_waiting_subject", "reg.mail_waiting"),
        (RegistrationStatus::Cancelled, _) => ("reg.mail_cancelled_subject", "reg.mail_cancelled"),
    };
    send_mail(state, t, e, r, (subject, intro), extra).await;
}

/// The line of a registration's mail that gives the link to complete the registrant's draft
/// need.
pub fn need_line(state: &AppState, t: Tr, draft: &NeedDraft) -> String {
    format!(
        "{} {}{}",
        t.s("reg.mail_need"),
        state.config.public_url(),
        crate::needs::drafts::path(state, draft)
    )
}

/// A visitor asked to register an address that already is: she is answered exactly as a new
/// registration would be (who is registered is never revealed), and the registration's owner
/// gets a mail instead: the confirmation link again if she has not confirmed yet, else a
/// word that nothing changed, with her link (and `extra`, the link to a draft need). Nothing
/// is written.
pub async fn tell_already_registered(
    state: &AppState,
    t: Tr,
    e: &Event,
    email: &str,
    extra: Option<&str>,
) {
    let token = crate::tokens::token_hash(&link_token(state, e.id, email));
    let existing = match state.store.registration_by_token(&token).await {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "registration not read");
            return;
        }
    };
    if existing.status == RegistrationStatus::Pending {
        notify(state, t, e, &existing, false, extra).await;
    } else {
        let keys = ("reg.mail_already_subject", "reg.mail_already");
        send_mail(state, t, e, &existing, keys, extra).await;
    }
}

/// One mail about a registration: its intro, the event, `extra` if any, and the link to
/// manage it; the event as an .ics file when a seat is held (but not with the « already
/// registered » word).
async fn send_mail(
    state: &AppState,
    t: Tr,
    e: &Event,
    r: &Registration,
    (subject, intro): (&str, &str),
    extra: Option<&str>,
) {
    let base = state.config.public_url();
    let link = format!("{base}/inscriptions/{}", link_token(state, e.id, &r.email));
    let body = format!(
        "{}\n\n{}\n{}\n{}\n\n{}{}\n{link}\n",
        t.s(intro).replace("{name}", &r.name),
        e.title,
        when(t.lang, e),
        format_args!("{base}/evenements/{}", e.slug),
        extra.map(|x| format!("{x}\n\n")).unwrap_or_default(),
        t.s("reg.mail_link"),
    );
    let attachment = (r.status == RegistrationStatus::Confirmed && intro != "reg.mail_already")
        .then(|| {
            (
                format!("{}.ics", e.slug),
                "text/calendar; charset=utf-8; method=PUBLISH".to_string(),
                crate::events::pages::event_ics(state, e).into_bytes(),
            )
        });
    let mail = Mail {
        to: &r.email,
        subject: &t.s(subject).replace("{}", &e.title),
        body,
        attachment,
    };
    deliver(state, mail, r.id).await;
}

/// Sends a mail about a registration; a failure is logged, not returned: the step it tells
/// of is already stored.
async fn deliver(state: &AppState, mail: Mail<'_>, registration: i64) {
    if let Err(err) = state.mailer.send(&state.mail_from, mail).await {
        tracing::error!(error = %format!("{err:#}"), registration, "registration mail not sent");
    }
}

/// The language each registered person reads: a member's saved preference, French for a
/// visitor; each member read once per run.
#[derive(Default)]
struct Readers(HashMap<i64, Tr>);

impl Readers {
    async fn of(&mut self, state: &AppState, user_id: Option<i64>) -> Result<Tr, StoreError> {
        let french = Tr::new(crate::i18n::Lang::Fr);
        let Some(id) = user_id else {
            return Ok(french);
        };
        if let Some(t) = self.0.get(&id) {
            return Ok(*t);
        }
        let t = (state.store.user_by_id(id).await?).map_or(french, |u| Tr::for_user(&u));
        self.0.insert(id, t);
        Ok(t)
    }
}

/// Cancels an event (once) and tells everyone still registered, each in her language.
pub async fn cancel_event(state: &AppState, mut e: Event) -> Result<(), StoreError> {
    if e.status == EventStatus::Cancelled {
        return Ok(());
    }
    e.status = EventStatus::Cancelled;
    state.store.update_event(&e, Utc::now()).await?;
    let mut readers = Readers::default();
    for r in state.store.registrations(e.id).await? {
        if r.status == RegistrationStatus::Cancelled {
            continue;
        }
        let t = readers.of(state, r.user_id).await?;
        let body = t
            .s("admin_ev.mail_cancelled")
            .replace("{name}", &r.name)
            .replace("{title}", &e.title)
            .replace("{when}", &when(t.lang, &e));
        let mail = Mail {
            to: &r.email,
            subject: &t
                .s("admin_ev.mail_cancelled_subject")
                .replace("{}", &e.title),
            body,
            attachment: None,
        };
        deliver(state, mail, r.id).await;
    }
    Ok(())
}

/// A member takes her seat at once, under her account's name and address.
pub fn member_registration(user: &catalyse_core::User) -> NewRegistration {
    NewRegistration {
        user_id: Some(user.id),
        name: user.display_name.clone(),
        email: user.email.as_str().to_string(),
        organisation: String::new(),
        territory: String::new(),
        token_hash: String::new(),
        pending: false,
    }
}

/// Stores a registration under the hash of its signed link, and sends the mail of its step.
pub async fn submit(
    state: &AppState,
    t: Tr,
    e: &Event,
    new: NewRegistration,
) -> Result<Registration, StoreError> {
    Ok(submit_with_need(state, t, e, new, None).await?.0)
}

/// [`submit`], keeping the registrant's answer to « Quel est votre besoin ? » (if any) as her
/// draft need in the same transaction; the mail then gives the link to complete it.
pub async fn submit_with_need(
    state: &AppState,
    t: Tr,
    e: &Event,
    new: NewRegistration,
    need: Option<&str>,
) -> Result<(Registration, Option<NeedDraft>), StoreError> {
    let new = NewRegistration {
        token_hash: crate::tokens::token_hash(&link_token(state, e.id, &new.email)),
        ..new
    };
    let (r, draft) = match need {
        Some(text) => {
            let (r, d) = (state.store)
                .register_with_need_draft(e.id, &new, text, Utc::now())
                .await?;
            (r, Some(d))
        }
        None => (state.store.register(e.id, &new, Utc::now()).await?, None),
    };
    let extra = draft.as_ref().map(|d| need_line(state, t, d));
    notify(state, t, e, &r, false, extra.as_deref()).await;
    Ok((r, draft))
}

/// Registers a signed-in member (the API; the page does the same through `register`), with
/// her answer to a webinar's « Quel est votre besoin ? » (`need`, already checked) kept as
/// her draft need in the same transaction.
pub async fn register_member(
    state: &AppState,
    e: &Event,
    user: &catalyse_core::User,
    need: Option<&str>,
) -> Result<(Registration, Option<NeedDraft>), AppError> {
    if !open_for_registration(e) {
        return Err(AppError::Conflict("registration is closed".into()));
    }
    let t = Tr::for_user(user);
    Ok(submit_with_need(state, t, e, member_registration(user), need).await?)
}

/// A signed-in member's registration to `e` that holds a seat or a place on the waiting list,
/// with that place (1 for the first; 0 for a seat): see `EventStore::member_registrations`.
pub async fn member_state(
    state: &AppState,
    e: &Event,
    user: &catalyse_core::User,
) -> Result<Option<(Registration, i64)>, StoreError> {
    Ok(state
        .store
        .member_registrations(user.id, user.email.as_str(), Some(e.id))
        .await?
        .into_iter()
        .next())
}

/// Cancels a signed-in member's registration (the one [`member_state`] finds, else the one of
/// her address) by its signed link, as the link in her mails does; the first on the waiting
/// list gets the seat.
pub async fn cancel_member(
    state: &AppState,
    e: &Event,
    user: &catalyse_core::User,
) -> Result<Registration, AppError> {
    let email = match member_state(state, e, user).await? {
        Some((r, _)) => r.email,
        None => user.email.as_str().to_string(),
    };
    let token = link_token(state, e.id, &email);
    Ok(cancel(state, Tr::for_user(user), e, &token).await?)
}

/// Confirms a visitor's registration by its signed link (once: a confirmed one stays so).
pub async fn confirm(state: &AppState, t: Tr, token: &str) -> Result<(), AppError> {
    let (r, e) = by_token(state, token).await?;
    if r.status == RegistrationStatus::Pending {
        let r = state
            .store
            .confirm_registration(&crate::tokens::token_hash(token), Utc::now())
            .await?;
        notify(state, t, &e, &r, false, None).await;
    }
    Ok(())
}

/// Cancels the registration of the signed link `token` to `e`; the first on the waiting list
/// gets the seat, and both are told.
pub async fn cancel(
    state: &AppState,
    t: Tr,
    e: &Event,
    token: &str,
) -> Result<Registration, StoreError> {
    let (r, promoted) = state
        .store
        .cancel_registration(&crate::tokens::token_hash(token), Utc::now())
        .await?;
    notify(state, t, e, &r, false, None).await;
    if let Some(p) = promoted {
        notify(state, t, e, &p, true, None).await;
    }
    Ok(r)
}

pub async fn by_token(state: &AppState, token: &str) -> Result<(Registration, Event), AppError> {
    let r = state
        .store
        .registration_by_token(&crate::tokens::token_hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let e = state
        .store
        .event_by_id(r.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((r, e))
}

/// Sends the reminders that are due: the day before (events starting in 1 to 24 hours) and
/// an hour before. Each is claimed in the database before it is sent, so a restart or a second
/// instance never sends it twice; a mail that fails is given back to be tried again.
pub async fn send_due_reminders(state: &AppState) -> anyhow::Result<usize> {
    use chrono::Duration;
    let now = Utc::now();
    let mut readers = Readers::default();
    let mut sent = 0;
    for (which, from, to, subject) in [
        (
            Reminder::DayBefore,
            Duration::hours(1),
            Duration::hours(24),
            "reg.reminder_day",
        ),
        (
            Reminder::HourBefore,
            Duration::zero(),
            Duration::hours(1),
            "reg.reminder_hour",
        ),
    ] {
        let mut events: HashMap<i64, Option<Event>> = HashMap::new();
        for r in state.store.claim_reminders(which, now, from, to).await? {
            if let std::collections::hash_map::Entry::Vacant(slot) = events.entry(r.event_id) {
                slot.insert(state.store.event_by_id(r.event_id).await?);
            }
            let Some(Some(e)) = events.get(&r.event_id) else {
                continue;
            };
            let t = readers.of(state, r.user_id).await?;
            let base = state.config.public_url();
            let link = format!("{base}/inscriptions/{}", link_token(state, e.id, &r.email));
            let body = format!(
                "{}\n\n{}\n{}\n{}\n\n{}\n{link}\n",
                t.s("reg.reminder_text").replace("{name}", &r.name),
                e.title,
                when(t.lang, e),
                e.online_url
                    .clone()
                    .unwrap_or_else(|| format!("{base}/evenements/{}", e.slug)),
                t.s("reg.mail_link"),
            );
            let mail = Mail {
                to: &r.email,
                subject: &t.s(subject).replace("{}", &e.title),
                body,
                attachment: None,
            };
            match state.mailer.send(&state.mail_from, mail).await {
                Ok(()) => sent += 1,
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), registration = r.id, "reminder not sent; will retry");
                    state.store.release_reminder(r.id, which).await?;
                }
            }
        }
    }
    Ok(sent)
}
