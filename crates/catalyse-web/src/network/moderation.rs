//! The moderation of the réseau des pionniers, by animators (and administrators):
//! the queue of submitted profiles and places, each compared with its published version,
//! decisions on the revision that was shown (an outdated one is refused with a message), the
//! mail that tells the member, the audit trail, and reports — made by members about a profile
//! or a place, resolved by animators.

use crate::auth::{CsrfForm, Moderator, SignedIn};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::i18n::{Lang, Tr};
use crate::mail::Mail;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use crate::territories::commune_name;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::network::{Place, PlaceFields, Profile, ProfileFields, Subject, TerritoryRef};
use catalyse_core::{Role, User};
use catalyse_store::StoreError;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use std::collections::HashMap;

/// A date and time as people read them, in Paris time (« 3 mars 2026 à 14:05 »).
pub fn when(t: Tr, at: &DateTime<Utc>) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Paris);
    format!(
        "{} {} {}",
        crate::format::format_date(t.lang, &local.date_naive(), false),
        t.s("moderation.at"),
        local.format("%H:%M")
    )
}

/// Display names of accounts, each looked up once.
#[derive(Default)]
struct Names(HashMap<i64, Option<String>>);

impl Names {
    async fn of(&mut self, state: &AppState, id: i64) -> Result<Option<String>, AppError> {
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let n = state.store.user_by_id(id).await?.map(|u| u.display_name);
        self.0.insert(id, n.clone());
        Ok(n)
    }

    /// The name of an account, or « ancien membre » when it is gone.
    async fn or_former(
        &mut self,
        state: &AppState,
        t: Tr,
        id: Option<i64>,
    ) -> Result<String, AppError> {
        Ok(match id {
            Some(id) => self.of(state, id).await?,
            None => None,
        }
        .unwrap_or_else(|| t.s("moderation.former_member").to_string()))
    }
}

/// A territory by its name, its level and its code (« Saint-Étienne (commune 42218) »).
fn territory_name(state: &AppState, t: Tr, r: &TerritoryRef) -> String {
    let level = crate::territories::level_label(t, r.level).to_lowercase();
    match state.territories.get(r.level, &r.code) {
        Some(x) => format!("{} ({level} {})", x.name, x.code),
        None => format!("{level} {}", r.code),
    }
}

type Fields = Vec<(&'static str, String)>;

/// What a moderator reads of a profile, field by field, names rather than slugs.
fn profile_fields(state: &AppState, t: Tr, f: &ProfileFields) -> Fields {
    let r = &state.reference;
    let family = r
        .actor_families
        .iter()
        .find(|a| a.slug == f.actor_family)
        .map(|a| a.name.clone())
        .unwrap_or_else(|| f.actor_family.clone());
    let activity = |s: &String| {
        r.metier
            .iter()
            .flat_map(|m| m.activities.iter())
            .find(|a| &a.slug == s)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| s.clone())
    };
    let lever = |s: &String| {
        r.levers
            .iter()
            .find(|l| &l.slug == s)
            .map(|l| l.name.clone())
            .unwrap_or_else(|| s.clone())
    };
    let photo = match &f.photo {
        Some(sha) => format!(
            "{} ({})",
            t.s("moderation.photo_yes"),
            sha.get(..12).unwrap_or(sha)
        ),
        None => String::new(),
    };
    vec![
        (t.s("moderation.f_display_name"), f.display_name.clone()),
        (t.s("moderation.f_organisation"), f.organisation.clone()),
        (t.s("moderation.f_actor_family"), family),
        (t.s("moderation.f_role"), f.role.clone()),
        (
            t.s("moderation.f_territories"),
            f.territories
                .iter()
                .map(|x| territory_name(state, t, x))
                .collect::<Vec<_>>()
                .join(" ; "),
        ),
        (
            t.s("moderation.f_activities"),
            f.activities
                .iter()
                .map(activity)
                .collect::<Vec<_>>()
                .join(" ; "),
        ),
        (
            t.s("moderation.f_levers"),
            f.levers.iter().map(lever).collect::<Vec<_>>().join(" ; "),
        ),
        (t.s("moderation.f_themes"), f.themes.join(" ; ")),
        (t.s("moderation.f_bio"), f.bio.clone()),
        (t.s("moderation.f_links"), f.links.join(" ")),
        (t.s("moderation.f_photo"), photo),
    ]
}

/// What a moderator reads of a place.
fn place_fields(
    state: &AppState,
    t: Tr,
    f: &PlaceFields,
    managers: &HashMap<i64, String>,
) -> Fields {
    vec![
        (t.s("moderation.f_place_name"), f.name.clone()),
        (
            t.s("moderation.f_place_kind"),
            f.kind.label_fr().to_string(),
        ),
        (t.s("moderation.f_commune"), commune_name(state, &f.commune)),
        (t.s("moderation.f_address"), f.address.clone()),
        (t.s("moderation.f_description"), f.description.clone()),
        (
            t.s("moderation.f_website"),
            f.website.clone().unwrap_or_default(),
        ),
        (
            t.s("moderation.f_managers"),
            f.managers
                .iter()
                .map(|m| {
                    managers
                        .get(m)
                        .cloned()
                        .unwrap_or_else(|| t.s("moderation.former_member").to_string())
                })
                .collect::<Vec<_>>()
                .join(" ; "),
        ),
    ]
}

/// One field of a submission beside its published value.
pub struct Row {
    pub label: &'static str,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

fn compare(before: Option<Fields>, after: Fields) -> Vec<Row> {
    match before {
        None => after
            .into_iter()
            .map(|(label, after)| Row {
                label,
                before: String::new(),
                after,
                changed: false,
            })
            .collect(),
        Some(before) => after
            .into_iter()
            .zip(before)
            .map(|((label, after), (_, before))| Row {
                label,
                changed: before != after,
                before,
                after,
            })
            .collect(),
    }
}

/// A submission waiting for a decision.
pub struct Item {
    /// `membre-{user_id}` or `lieu-{id}`: names the item's form fields.
    pub key: String,
    pub action: String,
    pub title: String,
    pub author: String,
    pub submitted: String,
    pub first: bool,
    pub revision: i64,
    pub rows: Vec<Row>,
    pub photo: Option<String>,
    pub photo_changed: bool,
    pub view: Option<String>,
    pub changes: usize,
}

/// A refusal whose reason was not acceptable: typed text and message, shown again.
pub struct Failed {
    key: String,
    reason: String,
    message: String,
}

#[derive(Template)]
#[template(path = "network/moderation.html")]
struct QueuePage<'a> {
    ctx: &'a PageCtx,
    members: Vec<Item>,
    places: Vec<Item>,
    notice: Option<&'a str>,
    error: Option<String>,
    failed: Option<Failed>,
}

impl QueuePage<'_> {
    fn reason_error(&self, key: &str) -> Option<&str> {
        self.failed
            .as_ref()
            .filter(|f| f.key == key)
            .map(|f| f.message.as_str())
    }
    fn reason_value(&self, key: &str) -> &str {
        self.failed
            .as_ref()
            .filter(|f| f.key == key)
            .map(|f| f.reason.as_str())
            .unwrap_or("")
    }
}

async fn profile_item(
    state: &AppState,
    t: Tr,
    names: &mut Names,
    p: &Profile,
) -> Result<Option<Item>, AppError> {
    let Some(draft) = &p.draft else {
        return Ok(None);
    };
    let before = p.published.as_ref().map(|f| profile_fields(state, t, f));
    let rows = compare(before, profile_fields(state, t, draft));
    Ok(Some(Item {
        key: format!("membre-{}", p.user_id),
        action: format!("/admin/moderation/membres/{}", p.user_id),
        title: draft.display_name.clone(),
        author: names.or_former(state, t, Some(p.user_id)).await?,
        submitted: p.submitted_at.map(|s| when(t, &s)).unwrap_or_default(),
        first: p.published.is_none(),
        revision: p.revision,
        changes: rows.iter().filter(|r| r.changed).count(),
        rows,
        photo_changed: p.published.as_ref().is_some_and(|f| f.photo != draft.photo),
        photo: draft.photo.clone(),
        view: p.published.as_ref().map(|_| format!("/reseau/{}", p.slug)),
    }))
}

async fn place_item(
    state: &AppState,
    t: Tr,
    names: &mut Names,
    p: &Place,
) -> Result<Option<Item>, AppError> {
    let Some(draft) = &p.draft else {
        return Ok(None);
    };
    let mut managers = HashMap::new();
    for f in [Some(draft), p.published.as_ref()].into_iter().flatten() {
        for m in &f.managers {
            if let Some(n) = names.of(state, *m).await? {
                managers.insert(*m, n);
            }
        }
    }
    let before = p
        .published
        .as_ref()
        .map(|f| place_fields(state, t, f, &managers));
    let rows = compare(before, place_fields(state, t, draft, &managers));
    Ok(Some(Item {
        key: format!("lieu-{}", p.id),
        action: format!("/admin/moderation/lieux/{}", p.id),
        title: draft.name.clone(),
        author: names.or_former(state, t, p.created_by).await?,
        submitted: p.submitted_at.map(|s| when(t, &s)).unwrap_or_default(),
        first: p.published.is_none(),
        revision: p.revision,
        changes: rows.iter().filter(|r| r.changed).count(),
        rows,
        photo: None,
        photo_changed: false,
        view: Some(format!("/lieux/{}", p.slug)),
    }))
}

async fn queue_page<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    notice: Option<&'a str>,
    error: Option<String>,
    failed: Option<Failed>,
) -> Result<QueuePage<'a>, AppError> {
    let t = ctx.t;
    let mut names = Names::default();
    let mut members = vec![];
    for p in state.store.pending_profiles().await? {
        members.extend(profile_item(state, t, &mut names, &p).await?);
    }
    let mut places = vec![];
    for p in state.store.pending_places().await? {
        places.extend(place_item(state, t, &mut names, &p).await?);
    }
    Ok(QueuePage {
        ctx,
        members,
        places,
        notice,
        error,
        failed,
    })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    fait: Option<String>,
}

/// `GET /admin/moderation`: the queue, oldest first.
pub async fn queue(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = match q.fait.as_deref() {
        Some("approuve") => Some(ctx.t.s("moderation.done_approved")),
        Some("rejete") => Some(ctx.t.s("moderation.done_rejected")),
        _ => None,
    };
    let page = queue_page(&state, &ctx, notice, None, None).await?;
    render(&ctx, &page)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    revision: String,
    #[serde(default)]
    reason: String,
}

/// Why a refusal's reason is not acceptable, if it is not (5 to 1000 characters).
fn reason_problem(t: Tr, reason: &str) -> Option<String> {
    let n = reason.chars().count();
    if n < 5 {
        Some(t.s("moderation.reason_short").to_string())
    } else if n > 1000 {
        Some(t.f("moderation.reason_long", n))
    } else {
        None
    }
}

enum Target {
    Member(i64),
    Place(i64),
}

/// `POST /admin/moderation/membres/{user_id}`
pub async fn decide_member(
    State(state): State<AppState>,
    Moderator(moderator): Moderator,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    decide(&state, &ctx, &moderator, Target::Member(id), form).await
}

/// `POST /admin/moderation/lieux/{id}`
pub async fn decide_place(
    State(state): State<AppState>,
    Moderator(moderator): Moderator,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    decide(&state, &ctx, &moderator, Target::Place(id), form).await
}

async fn decide(
    state: &AppState,
    ctx: &PageCtx,
    moderator: &User,
    target: Target,
    form: DecisionForm,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("decision: approve or reject".into())),
    };
    let revision: i64 = form
        .revision
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("revision: a number".into()))?;
    let reason = if approve {
        String::new()
    } else {
        form.reason.trim().to_string()
    };
    let key = match target {
        Target::Member(id) => format!("membre-{id}"),
        Target::Place(id) => format!("lieu-{id}"),
    };
    if !approve {
        if let Some(message) = reason_problem(t, &reason) {
            let failed = Failed {
                key,
                reason,
                message,
            };
            let page = queue_page(state, ctx, None, None, Some(failed)).await?;
            return render_status(ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    }
    let now = Utc::now();
    let outcome = match target {
        Target::Member(id) => {
            let before = state.store.profile(id).await?.ok_or(AppError::NotFound)?;
            match state
                .store
                .decide_profile(id, revision, approve, &reason, Some(moderator.id), now)
                .await
            {
                Ok(p) => {
                    if approve {
                        // The photo of the version replaced goes, once nothing uses it.
                        crate::network::photo::release(
                            state,
                            crate::network::photo::photos_of(Some(&before)),
                        )
                        .await;
                    }
                    if let Err(e) = crate::network::live::changed(state, Some(id)).await {
                        tracing::error!(error = %format!("{e:#}"), member = id, "network not updated");
                    }
                    mail_member(state, &p, approve, &reason).await;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        Target::Place(id) => {
            state.store.place(id).await?.ok_or(AppError::NotFound)?;
            match state
                .store
                .decide_place(id, revision, approve, &reason, Some(moderator.id), now)
                .await
            {
                Ok(p) => {
                    if let Err(e) = crate::network::live::changed(state, None).await {
                        tracing::error!(error = %format!("{e:#}"), place = id, "network not updated");
                    }
                    mail_place(state, &p, approve, &reason).await;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(if approve {
            "/admin/moderation?fait=approuve"
        } else {
            "/admin/moderation?fait=rejete"
        })
        .into_response()),
        Err(StoreError::Conflict {
            field: "revision", ..
        }) => {
            let message = t.s("moderation.outdated").to_string();
            let page = queue_page(state, ctx, None, Some(message), None).await?;
            render_status(ctx, StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// Sends a mail in French (the platform's language for people who have not chosen).
async fn send(state: &AppState, to: &str, subject: &str, body: String) {
    if let Err(e) = state
        .mailer
        .send(
            &state.mail_from,
            Mail {
                to,
                subject,
                body,
                attachment: None,
            },
        )
        .await
    {
        tracing::error!(error = %format!("{e:#}"), "moderation mail not sent");
    }
}

async fn mail_member(state: &AppState, p: &Profile, approve: bool, reason: &str) {
    let Ok(Some(user)) = state.store.user_by_id(p.user_id).await else {
        return;
    };
    let t = Tr::new(Lang::Fr);
    let base = state.config.public_url();
    let (subject, body, link) = if approve {
        (
            "moderation.mail_profile_ok_subject",
            "moderation.mail_profile_ok",
            format!("{base}/reseau/{}", p.slug),
        )
    } else {
        (
            "moderation.mail_profile_no_subject",
            "moderation.mail_profile_no",
            format!("{base}/mon-profil"),
        )
    };
    let body = t
        .s(body)
        .replace("{name}", &user.display_name)
        .replace("{reason}", reason)
        .replace("{link}", &link);
    send(state, user.email.as_str(), t.s(subject), body).await;
}

async fn mail_place(state: &AppState, p: &Place, approve: bool, reason: &str) {
    let Some(creator) = p.created_by else {
        return;
    };
    let Ok(Some(user)) = state.store.user_by_id(creator).await else {
        return;
    };
    let t = Tr::new(Lang::Fr);
    let base = state.config.public_url();
    let name = p
        .current()
        .map(|f| f.name.clone())
        .unwrap_or_else(|| p.slug.clone());
    let (subject, body, link) = if approve {
        (
            "moderation.mail_place_ok_subject",
            "moderation.mail_place_ok",
            format!("{base}/lieux/{}", p.slug),
        )
    } else {
        (
            "moderation.mail_place_no_subject",
            "moderation.mail_place_no",
            format!("{base}/lieux/{}/modifier", p.slug),
        )
    };
    let body = t
        .s(body)
        .replace("{name}", &user.display_name)
        .replace("{place}", &name)
        .replace("{reason}", reason)
        .replace("{link}", &link);
    send(state, user.email.as_str(), t.s(subject), body).await;
}

/// The name and page of what a decision or a report is about.
#[derive(Default)]
struct Subjects(HashMap<(Subject, i64), (String, Option<String>)>);

impl Subjects {
    async fn load(
        state: &AppState,
        t: Tr,
        wanted: impl Iterator<Item = (Subject, i64)>,
    ) -> Result<Subjects, AppError> {
        let wanted: Vec<(Subject, i64)> = wanted.collect();
        let mut out = HashMap::new();
        let mut members: Vec<i64> = wanted
            .iter()
            .filter(|(s, _)| *s == Subject::Member)
            .map(|(_, id)| *id)
            .collect();
        members.sort_unstable();
        members.dedup();
        for p in state.store.profiles_by_ids(&members).await? {
            let name = p
                .current()
                .map(|f| f.display_name.clone())
                .unwrap_or_else(|| p.slug.clone());
            out.insert(
                (Subject::Member, p.user_id),
                (name, Some(format!("/reseau/{}", p.slug))),
            );
        }
        for (s, id) in &wanted {
            if *s != Subject::Place || out.contains_key(&(*s, *id)) {
                continue;
            }
            if let Some(p) = state.store.place(*id).await? {
                let name = p
                    .current()
                    .map(|f| f.name.clone())
                    .unwrap_or_else(|| p.slug.clone());
                out.insert((*s, *id), (name, Some(format!("/lieux/{}", p.slug))));
            }
        }
        for (s, id) in wanted {
            out.entry((s, id)).or_insert_with(|| {
                let gone = match s {
                    Subject::Member => "moderation.gone_member",
                    Subject::Place => "moderation.gone_place",
                };
                (t.s(gone).to_string(), None)
            });
        }
        Ok(Subjects(out))
    }

    fn get(&self, s: Subject, id: i64) -> (String, Option<String>) {
        self.0.get(&(s, id)).cloned().unwrap_or_default()
    }
}

fn subject_label(t: Tr, s: Subject) -> &'static str {
    t.s(match s {
        Subject::Member => "moderation.subject_member",
        Subject::Place => "moderation.subject_place",
    })
}

pub struct JournalRow {
    pub at: String,
    pub at_iso: String,
    pub moderator: String,
    pub kind: &'static str,
    pub name: String,
    pub href: Option<String>,
    pub approved: bool,
    pub revision: i64,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "network/moderation_journal.html")]
struct JournalPage<'a> {
    ctx: &'a PageCtx,
    rows: Vec<JournalRow>,
}

/// `GET /admin/moderation/journal`: the last 200 decisions, newest first.
pub async fn journal(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let decisions = state.store.decisions(None, 200).await?;
    let subjects = Subjects::load(
        &state,
        t,
        decisions.iter().map(|d| (d.subject, d.subject_id)),
    )
    .await?;
    let mut names = Names::default();
    let mut rows = Vec::with_capacity(decisions.len());
    for d in decisions {
        let (name, href) = subjects.get(d.subject, d.subject_id);
        rows.push(JournalRow {
            at: when(t, &d.at),
            at_iso: d.at.to_rfc3339(),
            moderator: names.or_former(&state, t, d.moderator_id).await?,
            kind: subject_label(t, d.subject),
            name,
            href,
            approved: d.approved,
            revision: d.revision,
            reason: d.reason,
        });
    }
    render(&ctx, &JournalPage { ctx: &ctx, rows })
}

pub struct ReportRow {
    pub id: i64,
    pub at: String,
    pub at_iso: String,
    pub reporter: String,
    pub kind: &'static str,
    pub name: String,
    pub href: Option<String>,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "network/moderation_reports.html")]
struct ReportsPage<'a> {
    ctx: &'a PageCtx,
    reports: Vec<ReportRow>,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    /// A resolution that was refused: (report id, typed text, message).
    failed: Option<(i64, String, String)>,
}

impl ReportsPage<'_> {
    fn resolution_error(&self, id: &i64) -> Option<&str> {
        self.failed
            .as_ref()
            .filter(|f| f.0 == *id)
            .map(|f| f.2.as_str())
    }
    fn resolution_value(&self, id: &i64) -> &str {
        self.failed
            .as_ref()
            .filter(|f| f.0 == *id)
            .map(|f| f.1.as_str())
            .unwrap_or("")
    }
}

async fn reports_page<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    failed: Option<(i64, String, String)>,
) -> Result<ReportsPage<'a>, AppError> {
    let t = ctx.t;
    let open = state.store.open_reports().await?;
    let subjects = Subjects::load(state, t, open.iter().map(|r| (r.subject, r.subject_id))).await?;
    let mut names = Names::default();
    let mut reports = Vec::with_capacity(open.len());
    for r in open {
        let (name, href) = subjects.get(r.subject, r.subject_id);
        let reporter = match r.reporter_id {
            Some(_) => names.or_former(state, t, r.reporter_id).await?,
            None => t.s("moderation.visitor").to_string(),
        };
        reports.push(ReportRow {
            id: r.id,
            at: when(t, &r.at),
            at_iso: r.at.to_rfc3339(),
            reporter,
            kind: subject_label(t, r.subject),
            name,
            href,
            reason: r.reason,
        });
    }
    Ok(ReportsPage {
        ctx,
        reports,
        notice,
        error,
        failed,
    })
}

/// `GET /admin/signalements`: open reports, oldest first.
pub async fn reports(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = match q.fait.as_deref() {
        Some("resolu") => Some(ctx.t.s("moderation.report_resolved")),
        _ => None,
    };
    let page = reports_page(&state, &ctx, notice, None, None).await?;
    render(&ctx, &page)
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    resolution: String,
}

/// `POST /admin/signalements/{id}`: closes a report with what was done (3 to 500 characters).
pub async fn resolve(
    State(state): State<AppState>,
    Moderator(moderator): Moderator,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ResolveForm>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let resolution = form.resolution.trim().to_string();
    let n = resolution.chars().count();
    let problem = if n < 3 {
        Some(t.s("moderation.resolution_short").to_string())
    } else if n > 500 {
        Some(t.f("moderation.resolution_long", n))
    } else {
        None
    };
    if let Some(message) = problem {
        let page = reports_page(&state, &ctx, None, None, Some((id, resolution, message))).await?;
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    match state
        .store
        .resolve_report(id, moderator.id, &resolution, Utc::now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/signalements?fait=resolu").into_response()),
        Err(StoreError::NotFound) => {
            let page = reports_page(
                &state,
                &ctx,
                None,
                Some(t.s("moderation.report_gone")),
                None,
            )
            .await?;
            render_status(&ctx, StatusCode::NOT_FOUND, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "network/moderation_report.html")]
struct ReportFormPage<'a> {
    ctx: &'a PageCtx,
    /// What is reported, when the member may see its name.
    name: Option<String>,
    subject: Subject,
    action: String,
    back: Option<String>,
    about_message: bool,
    /// The abuse token of a contact mail, repeated by the form.
    token: String,
    reason: String,
    errors: FormErrors,
}

impl ReportFormPage<'_> {
    fn is_place(&self) -> bool {
        self.subject == Subject::Place
    }
}

#[derive(Deserialize)]
pub struct ReportQuery {
    message: Option<String>,
    jeton: Option<String>,
}

#[derive(Deserialize)]
pub struct ReportFields {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    jeton: String,
}

/// The token of a contact mail's abuse link: proof that `recipient` received a message from
/// `sender`, so that she may report the sender even when his profile is not shown to her
/// (without it, such a profile is answered exactly as an unknown one).
pub fn abuse_token(state: &AppState, sender: i64, recipient: i64) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&state.link_secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("report-sender:{sender}:{recipient}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn abuse_token_valid(state: &AppState, sender: i64, recipient: i64, token: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = abuse_token(state, sender, recipient);
    !token.is_empty() && bool::from(expected.as_bytes().ct_eq(token.as_bytes()))
}

/// A member's reports per day, across instances (the in-memory limiter is per instance).
const REPORTS_PER_DAY: usize = 10;

/// What is being reported, as the reporting member sees it.
struct Reported {
    subject: Subject,
    id: i64,
    name: Option<String>,
    /// The page of the reported profile or place, where the member returns.
    page: String,
    own: bool,
}

async fn reported_member(
    state: &AppState,
    user: &User,
    slug: &str,
    token: &str,
) -> Result<Reported, AppError> {
    let p = state
        .store
        .profile_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = p.user_id == user.id;
    let sees = own || p.visible_to(true) || user.role.includes(Role::Moderator);
    // A hidden or unapproved profile is answered exactly as an unknown one, unless the member
    // follows the abuse link of a message it sent her.
    if !sees && !abuse_token_valid(state, p.user_id, user.id, token) {
        return Err(AppError::NotFound);
    }
    Ok(Reported {
        subject: Subject::Member,
        id: p.user_id,
        name: sees
            .then(|| p.current().map(|f| f.display_name.clone()))
            .flatten(),
        page: format!("/reseau/{}", p.slug),
        own,
    })
}

async fn reported_place(state: &AppState, user: &User, slug: &str) -> Result<Reported, AppError> {
    let p = state
        .store
        .place_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let manages = crate::network::places::can_manage(Some(user), &p);
    let Some(f) = p
        .published
        .as_ref()
        .or(p.draft.as_ref().filter(|_| manages))
    else {
        return Err(AppError::NotFound);
    };
    Ok(Reported {
        subject: Subject::Place,
        id: p.id,
        name: Some(f.name.clone()),
        page: format!("/lieux/{}", p.slug),
        own: false,
    })
}

fn report_form<'a>(
    ctx: &'a PageCtx,
    r: &Reported,
    about_message: bool,
    token: &str,
) -> ReportFormPage<'a> {
    ReportFormPage {
        ctx,
        name: r.name.clone(),
        subject: r.subject,
        action: format!("{}/signaler", r.page),
        back: r.name.as_ref().map(|_| r.page.clone()),
        about_message,
        token: token.to_string(),
        reason: String::new(),
        errors: FormErrors::default(),
    }
}

/// `GET /reseau/{slug}/signaler` (`?message=1` from a contact mail's abuse link).
pub async fn report_member_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let token = q.jeton.unwrap_or_default();
    let r = reported_member(&state, &user, &slug, &token).await?;
    let about = q.message.as_deref().is_some_and(|m| !m.is_empty());
    render(&ctx, &report_form(&ctx, &r, about, &token))
}

/// `GET /lieux/{slug}/signaler`
pub async fn report_place_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let r = reported_place(&state, &user, &slug).await?;
    render(&ctx, &report_form(&ctx, &r, false, ""))
}

/// `POST /reseau/{slug}/signaler`
pub async fn report_member(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<ReportFields>,
) -> Result<Response, AppError> {
    let r = reported_member(&state, &user, &slug, &form.jeton).await?;
    submit_report(&state, &ctx, &user, r, form).await
}

/// `POST /lieux/{slug}/signaler`
pub async fn report_place(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<ReportFields>,
) -> Result<Response, AppError> {
    let r = reported_place(&state, &user, &slug).await?;
    submit_report(&state, &ctx, &user, r, form).await
}

async fn submit_report(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    r: Reported,
    form: ReportFields,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let about_message = !form.message.is_empty();
    let reason = form.reason.trim().to_string();
    let mut page = report_form(ctx, &r, about_message, &form.jeton);
    let n = reason.chars().count();
    if r.own {
        page.errors.push("reason", t.s("moderation.report_own"));
    } else if n < 10 {
        page.errors.push("reason", t.s("moderation.report_short"));
    } else if n > 1000 {
        page.errors.push("reason", t.f("moderation.report_long", n));
    }
    if !page.errors.is_empty() {
        page.reason = reason;
        return render_status(ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    state.limits.report(state.store.as_ref(), user.id).await?;
    let now = Utc::now();
    let today = state
        .store
        .open_reports()
        .await?
        .iter()
        .filter(|x| x.reporter_id == Some(user.id) && x.at > now - Duration::hours(24))
        .count();
    if today >= REPORTS_PER_DAY {
        return Err(AppError::TooManyRequests { retry_after: 3600 });
    }
    let reason = if about_message {
        // Stored for the animators, who read French.
        let fr = Tr::new(Lang::Fr);
        format!("{} {reason}", fr.s("moderation.about_message_prefix"))
    } else {
        reason
    };
    state
        .store
        .create_report(Some(user.id), r.subject, r.id, &reason, now)
        .await?;
    Ok(Redirect::to(&format!("{}?signalement=envoye", r.page)).into_response())
}
