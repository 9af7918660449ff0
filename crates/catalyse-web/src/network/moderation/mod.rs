//! The moderation of the réseau des pionniers, by animators (and administrators):
//! the queue of submitted profiles and places, each compared with its published version,
//! decisions on the revision that was shown (an outdated one is refused with a message), the
//! mail that tells the member (`service`), the audit trail, and reports — made by members
//! about a profile or a place, resolved by animators (`reports`).

pub mod alerts;
mod cases;
mod needs;
pub mod reports;
pub mod service;

pub use reports::{
    abuse_token, report_member, report_member_form, report_place, report_place_form, reports,
    resolve,
};

use crate::auth::{CsrfForm, Moderator};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use crate::territories::commune_name;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::network::{
    Moderated, Place, PlaceFields, Profile, ProfileFields, Subject, TerritoryRef,
};
use catalyse_core::User;
use catalyse_store::StoreError;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;

/// A date and time as people read them, in Paris time (« 3 mars 2026 à 14:05 »).
pub fn when(t: Tr, at: &DateTime<Utc>) -> String {
    crate::format::format_datetime(t.lang, at)
}

/// Display names of accounts, each looked up once.
#[derive(Default)]
pub(crate) struct Names(HashMap<i64, Option<String>>);

impl Names {
    pub(crate) async fn of(
        &mut self,
        state: &AppState,
        id: i64,
    ) -> Result<Option<String>, AppError> {
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let n = state.store.user_by_id(id).await?.map(|u| u.display_name);
        self.0.insert(id, n.clone());
        Ok(n)
    }

    /// The name of an account, or « ancien membre » when it is gone.
    pub(crate) async fn or_former(
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
pub(crate) fn territory_name(state: &AppState, t: Tr, r: &TerritoryRef) -> String {
    let level = crate::territories::level_label(t, r.level).to_lowercase();
    match state.territories.get(r.level, &r.code) {
        Some(x) => format!("{} ({level} {})", x.name, x.code),
        None => format!("{level} {}", r.code),
    }
}

pub(crate) type Fields = Vec<(&'static str, String)>;

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
    /// (address, text alternative) of the images of a case's submitted version.
    pub images: Vec<(String, String)>,
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
    cases: Vec<Item>,
    needs: Vec<Item>,
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

/// `membre-{id}`, `lieu-{id}`, `pratique-{id}` or `besoin-{id}`: names an item's form fields.
fn item_key(subject: Subject, id: i64) -> String {
    match subject {
        Subject::Member => format!("membre-{id}"),
        Subject::Place => format!("lieu-{id}"),
        Subject::Case => format!("pratique-{id}"),
        Subject::Need => format!("besoin-{id}"),
    }
}

impl Item {
    /// What the queue shows of any submission: its `draft` beside the published version,
    /// field by field as `show` lists them, when, and which revision. Title, author, page and
    /// photo are left for the caller.
    pub(crate) fn new<F>(
        t: Tr,
        (subject, id): (Subject, i64),
        m: &Moderated<F>,
        draft: &F,
        show: impl Fn(&F) -> Fields,
    ) -> Item {
        let path = match subject {
            Subject::Member => "membres",
            Subject::Place => "lieux",
            Subject::Case => "pratiques",
            Subject::Need => "besoins",
        };
        let rows = compare(m.published.as_ref().map(&show), show(draft));
        Item {
            key: item_key(subject, id),
            action: format!("/admin/moderation/{path}/{id}"),
            title: String::new(),
            author: String::new(),
            submitted: m.submitted_at.map(|s| when(t, &s)).unwrap_or_default(),
            first: m.published.is_none(),
            revision: m.revision,
            changes: rows.iter().filter(|r| r.changed).count(),
            rows,
            photo: None,
            photo_changed: false,
            images: vec![],
            view: None,
        }
    }
}

async fn profile_item(
    state: &AppState,
    t: Tr,
    names: &mut Names,
    p: &Profile,
) -> Result<Option<Item>, AppError> {
    let m = &p.moderated;
    let Some(draft) = &m.draft else {
        return Ok(None);
    };
    let show = |f: &ProfileFields| profile_fields(state, t, f);
    Ok(Some(Item {
        title: draft.display_name.clone(),
        author: names.or_former(state, t, Some(p.user_id)).await?,
        photo_changed: m.published.as_ref().is_some_and(|f| f.photo != draft.photo),
        photo: draft.photo.clone(),
        view: m.published.as_ref().map(|_| format!("/reseau/{}", p.slug)),
        ..Item::new(t, (Subject::Member, p.user_id), m, draft, show)
    }))
}

async fn place_item(
    state: &AppState,
    t: Tr,
    names: &mut Names,
    p: &Place,
) -> Result<Option<Item>, AppError> {
    let m = &p.moderated;
    let Some(draft) = &m.draft else {
        return Ok(None);
    };
    let mut managers = HashMap::new();
    for f in m.versions() {
        for id in &f.managers {
            if let Some(n) = names.of(state, *id).await? {
                managers.insert(*id, n);
            }
        }
    }
    let show = |f: &PlaceFields| place_fields(state, t, f, &managers);
    Ok(Some(Item {
        title: draft.name.clone(),
        author: names.or_former(state, t, p.created_by).await?,
        view: Some(format!("/lieux/{}", p.slug)),
        ..Item::new(t, (Subject::Place, p.id), m, draft, show)
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
    let mut cases = vec![];
    for c in state.store.pending_cases().await? {
        cases.extend(cases::case_item(state, t, &mut names, &c).await?);
    }
    let mut needs = vec![];
    for n in state.store.pending_needs().await? {
        needs.extend(needs::need_item(state, t, &mut names, &n).await?);
    }
    Ok(QueuePage {
        ctx,
        members,
        places,
        cases,
        needs,
        notice,
        error,
        failed,
    })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    fait: Option<String>,
}

impl DoneQuery {
    /// The notice of what was just done (`?fait=…`), among the `known` (value, string key).
    pub fn notice(&self, t: Tr, known: &[(&str, &'static str)]) -> Option<&'static str> {
        let done = self.fait.as_deref()?;
        let (_, key) = known.iter().find(|(value, _)| *value == done)?;
        Some(t.s(key))
    }
}

/// `GET /admin/moderation`: the queue, oldest first.
pub async fn queue(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = q.notice(
        ctx.t,
        &[
            ("approuve", "moderation.done_approved"),
            ("rejete", "moderation.done_rejected"),
        ],
    );
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

/// `POST /admin/moderation/membres/{user_id}`
pub async fn decide_member(
    State(state): State<AppState>,
    Moderator(moderator): Moderator,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    decide(&state, &ctx, &moderator, service::Target::Member(id), form).await
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
    decide(&state, &ctx, &moderator, service::Target::Place(id), form).await
}

/// `POST /admin/moderation/pratiques/{id}`
pub async fn decide_case(
    State(state): State<AppState>,
    Moderator(moderator): Moderator,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    decide(&state, &ctx, &moderator, service::Target::Case(id), form).await
}

/// `POST /admin/moderation/besoins/{id}`
pub async fn decide_need(
    State(state): State<AppState>,
    Moderator(moderator): Moderator,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    decide(&state, &ctx, &moderator, service::Target::Need(id), form).await
}

async fn decide(
    state: &AppState,
    ctx: &PageCtx,
    moderator: &User,
    target: service::Target,
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
    let (subject, id) = target.subject();
    let key = item_key(subject, id);
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
    let outcome = service::decide(state, moderator, target, revision, approve, &reason).await;
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

/// The ids of `subject` among `wanted`, each once.
fn ids_of(wanted: &[(Subject, i64)], subject: Subject) -> Vec<i64> {
    let mut ids: Vec<i64> = wanted
        .iter()
        .filter(|(s, _)| *s == subject)
        .map(|(_, id)| *id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// What a subject is called in its current version (`name` reads it), else its slug.
fn named<F>(m: &Moderated<F>, slug: &str, name: fn(&F) -> &String) -> String {
    m.current()
        .map_or_else(|| slug.to_string(), |f| name(f).clone())
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
        for p in state
            .store
            .profiles_by_ids(&ids_of(&wanted, Subject::Member))
            .await?
        {
            let name = named(&p.moderated, &p.slug, |f| &f.display_name);
            let href = format!("/reseau/{}", p.slug);
            out.insert((Subject::Member, p.user_id), (name, Some(href)));
        }
        for (s, id) in &wanted {
            if *s != Subject::Place || out.contains_key(&(*s, *id)) {
                continue;
            }
            if let Some(p) = state.store.place(*id).await? {
                let name = named(&p.moderated, &p.slug, |f| &f.name);
                out.insert((*s, *id), (name, Some(format!("/lieux/{}", p.slug))));
            }
        }
        let cases = ids_of(&wanted, Subject::Case);
        for c in state.store.cases_by_ids(&cases).await? {
            let name = named(&c.moderated, &c.slug, |f| &f.title);
            let href = format!("/pratiques/{}", c.slug);
            out.insert((Subject::Case, c.id), (name, Some(href)));
        }
        let needs = ids_of(&wanted, Subject::Need);
        for n in state.store.needs_by_ids(&needs).await? {
            let name = named(&n.moderated, &n.slug, |f| &f.title);
            let href = format!("/besoins/{}", n.slug);
            out.insert((Subject::Need, n.id), (name, Some(href)));
        }
        for (s, id) in wanted {
            out.entry((s, id)).or_insert_with(|| {
                let gone = match s {
                    Subject::Member => "moderation.gone_member",
                    Subject::Place => "moderation.gone_place",
                    Subject::Case => "moderation.gone_case",
                    Subject::Need => "moderation.gone_need",
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
        Subject::Case => "moderation.subject_case",
        Subject::Need => "moderation.subject_need",
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
