//! Moderators are told of what waits for them, by email, as each one chose on her account
//! page: one mail a submission or report (« immédiatement »), one digest a day listing what
//! waits (« une fois par jour », from `DIGEST_HOUR` Paris time, sent by the reminders' job),
//! or nothing (« jamais »). Each mail is written in the moderator's saved language.

use crate::auth::{CsrfForm, SignedIn};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::network::Subject;
use catalyse_core::{ModerationMail, Role, User};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The daily digest goes from this hour on (Paris time), once a day.
pub const DIGEST_HOUR: u32 = 8;
/// How many lines of each kind a digest lists before « … and N more ».
const DIGEST_LINES: usize = 20;

/// What was just submitted or reported.
#[derive(Debug, Clone)]
pub enum Waiting {
    Profile { name: String },
    Place { name: String },
    Case { name: String },
    Need { name: String },
    Report { subject: Subject },
}

/// Tells the moderators who chose « immédiatement » that `what` waits, without making the
/// request that submitted it wait for the mails; `author` (who submitted) is not told.
pub fn submitted(state: &AppState, what: Waiting, author: Option<i64>) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = tell_now(&state, &what, author).await {
            tracing::warn!(error = %format!("{e:#}"), "moderators not told of a submission");
        }
    });
}

/// Sends the immediate mails for `what`; returns how many were sent.
pub async fn tell_now(
    state: &AppState,
    what: &Waiting,
    author: Option<i64>,
) -> anyhow::Result<usize> {
    let base = state.config.public_url();
    let (subject, line, link) = match what {
        Waiting::Profile { .. } => (
            "alerts.subject_profile",
            "alerts.what_profile",
            "/admin/moderation#membres",
        ),
        Waiting::Place { .. } => (
            "alerts.subject_place",
            "alerts.what_place",
            "/admin/moderation#lieux",
        ),
        Waiting::Case { .. } => (
            "cases_form.alert_subject",
            "cases_form.alert_what",
            "/admin/moderation#pratiques",
        ),
        Waiting::Need { .. } => (
            "needs_form.alert_subject",
            "needs_form.alert_what",
            "/admin/moderation#besoins",
        ),
        Waiting::Report { .. } => (
            "alerts.subject_report",
            "alerts.what_report",
            "/admin/signalements",
        ),
    };
    let mut sent = 0;
    for m in state
        .store
        .moderators_choosing(ModerationMail::Immediate)
        .await?
    {
        if Some(m.id) == author {
            continue;
        }
        let t = Tr::for_user(&m);
        let what_line = match what {
            Waiting::Profile { name }
            | Waiting::Place { name }
            | Waiting::Case { name }
            | Waiting::Need { name } => t.f(line, name),
            Waiting::Report { subject } => t.f(
                line,
                t.s(match subject {
                    Subject::Member => "alerts.a_profile",
                    Subject::Place => "alerts.a_place",
                    Subject::Case => "alerts.a_case",
                    Subject::Need => "alerts.a_need",
                }),
            ),
        };
        let body = t
            .s("alerts.body_now")
            .replace("{name}", &m.display_name)
            .replace("{what}", &what_line)
            .replace("{link}", &format!("{base}{link}"))
            .replace("{settings}", &format!("{base}/mon-profil#alertes"));
        if send(state, &m, t.s(subject), body).await {
            sent += 1;
        }
    }
    Ok(sent)
}

async fn send(state: &AppState, to: &User, subject: &str, body: String) -> bool {
    let mail = Mail {
        to: to.email.as_str(),
        subject,
        body,
        attachment: None,
    };
    match state.mailer.send(&state.mail_from, mail).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), moderator = to.id, "moderation mail not sent");
            false
        }
    }
}

/// The lines of a digest, in the reader's language: (heading, lines), for each kind that
/// has something waiting.
async fn digest_sections(state: &AppState, t: Tr) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let when = |at: &Option<DateTime<Utc>>| {
        at.map(|a| crate::format::format_datetime(t.lang, &a))
            .unwrap_or_default()
    };
    let profiles: Vec<String> = state
        .store
        .pending_profiles()
        .await?
        .iter()
        .filter_map(|p| {
            let d = p.moderated.draft.as_ref()?;
            Some(format!(
                "{}, {}",
                d.display_name,
                when(&p.moderated.submitted_at)
            ))
        })
        .collect();
    let places: Vec<String> = state
        .store
        .pending_places()
        .await?
        .iter()
        .filter_map(|p| {
            let d = p.moderated.draft.as_ref()?;
            Some(format!("{}, {}", d.name, when(&p.moderated.submitted_at)))
        })
        .collect();
    let cases: Vec<String> = state
        .store
        .pending_cases()
        .await?
        .iter()
        .filter_map(|c| {
            let d = c.moderated.draft.as_ref()?;
            Some(format!("{}, {}", d.title, when(&c.moderated.submitted_at)))
        })
        .collect();
    let needs: Vec<String> = state
        .store
        .pending_needs()
        .await?
        .iter()
        .filter_map(|n| {
            let d = n.moderated.draft.as_ref()?;
            Some(format!("{}, {}", d.title, when(&n.moderated.submitted_at)))
        })
        .collect();
    let reports: Vec<String> = state
        .store
        .open_reports()
        .await?
        .iter()
        .map(|r| {
            let what = t.s(match r.subject {
                Subject::Member => "alerts.a_profile",
                Subject::Place => "alerts.a_place",
                Subject::Case => "alerts.a_case",
                Subject::Need => "alerts.a_need",
            });
            format!("{what}, {}", when(&Some(r.at)))
        })
        .collect();
    let mut out = vec![];
    for (key, lines) in [
        ("alerts.digest_profiles", profiles),
        ("alerts.digest_places", places),
        ("cases_form.digest_cases", cases),
        ("needs_form.digest_needs", needs),
        ("alerts.digest_reports", reports),
    ] {
        if lines.is_empty() {
            continue;
        }
        let heading = t.f(key, lines.len());
        let more = lines.len().saturating_sub(DIGEST_LINES);
        let mut shown: Vec<String> = lines.into_iter().take(DIGEST_LINES).collect();
        if more > 0 {
            shown.push(t.f("alerts.digest_more", more));
        }
        out.push((heading, shown));
    }
    Ok(out)
}

/// The daily digests due at `now`: from `DIGEST_HOUR` Paris time, to each moderator who
/// chose « une fois par jour », when something waits, at most once a Paris day (the day is
/// claimed in the database before the mail goes, so that no two runs or instances send it
/// twice; a mail that fails is given back to be tried at the next run). Returns how many
/// were sent.
pub async fn send_daily_digests(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    use chrono::Timelike;
    let local = now.with_timezone(&chrono_tz::Europe::Paris);
    if local.hour() < DIGEST_HOUR {
        return Ok(0);
    }
    let counts = state.store.moderation_counts().await?;
    if counts.total() == 0 {
        return Ok(0);
    }
    let moderators = state
        .store
        .moderators_choosing(ModerationMail::Daily)
        .await?;
    let day = local.format("%Y-%m-%d").to_string();
    let base = state.config.public_url();
    let mut sent = 0;
    for m in moderators {
        if !state.store.claim_digest(m.id, &day).await? {
            continue;
        }
        let t = Tr::for_user(&m);
        let mut list = String::new();
        for (heading, lines) in digest_sections(state, t).await? {
            list.push_str(&heading);
            list.push('\n');
            for l in lines {
                list.push_str("- ");
                list.push_str(&l);
                list.push('\n');
            }
            list.push('\n');
        }
        let body = t
            .s("alerts.body_digest")
            .replace("{name}", &m.display_name)
            .replace(
                "{date}",
                &crate::format::format_date(t.lang, &local.date_naive(), false),
            )
            .replace("{list}", list.trim_end())
            .replace("{link}", &format!("{base}/admin"))
            .replace("{settings}", &format!("{base}/mon-profil#alertes"));
        let subject = t.f("alerts.subject_digest", counts.total());
        if send(state, &m, &subject, body).await {
            sent += 1;
        } else {
            state.store.release_digest(m.id, &day).await?;
        }
    }
    Ok(sent)
}

#[derive(Deserialize)]
pub struct PreferenceForm {
    #[serde(default)]
    moderation_mail: String,
}

/// `POST /mon-profil/alertes`: how a moderator wants to be told (moderators only).
pub async fn save_preference(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: crate::pages::PageCtx,
    CsrfForm(form): CsrfForm<PreferenceForm>,
) -> Result<Response, AppError> {
    if user.role < Role::Moderator {
        return Err(AppError::Forbidden);
    }
    let Some(mail) = ModerationMail::parse(&form.moderation_mail) else {
        return Err(AppError::BadRequest(
            ctx.t.s("alerts.error_choice").to_string(),
        ));
    };
    state.store.set_moderation_mail(user.id, mail).await?;
    tracing::info!(
        user = user.id,
        mail = mail.as_str(),
        "moderation mail preference saved"
    );
    Ok(Redirect::to("/mon-profil?etat=alertes#alertes").into_response())
}
