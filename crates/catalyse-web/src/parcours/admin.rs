//! The animators' side of the parcours: `/admin/parcours` (the cohorts they animate, and the
//! form that opens one) and `/admin/parcours/{slug}` (the cohort's table — attendance,
//! deliverables, modules, progress — and the small forms that manage it, each in
//! `admin_forms`), with its CSV export. Platform moderators and administrators animate every
//! cohort; a member enrolled as `animateur` animates hers; anyone else gets 403.

use super::admin_table::Table;
use super::pages::dates;
use super::service::{cohort, Access, Board};
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use crate::territories::pick::Ambiguity;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use catalyse_core::agenda::EventKind;
use catalyse_core::parcours::{Cohort, CohortRole};
use catalyse_core::{Role, User};
use chrono::Utc;
use std::collections::HashMap;

/// The cohort `slug`, if `user` animates it: 404 when there is none, 403 when she does not.
pub async fn animated(state: &AppState, user: &User, slug: &str) -> Result<Cohort, AppError> {
    let c = cohort(state, slug).await?;
    if Access::of(state, Some(user), &c).await?.animates() {
        Ok(c)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A cohort as the animators' list shows it.
pub struct AdminLine {
    pub slug: String,
    pub title: String,
    pub dates: String,
    pub teams: usize,
    pub people: usize,
    pub is_example: bool,
}

#[derive(Template)]
#[template(path = "parcours/admin_list.html")]
pub struct ListPage<'a> {
    pub ctx: &'a PageCtx,
    /// Platform animators: every cohort, and the form that opens one.
    pub moderator: bool,
    pub cohorts: Vec<AdminLine>,
    pub errors: FormErrors,
    pub values: HashMap<String, String>,
}

impl ListPage<'_> {
    fn v(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }
}

/// The list page for `user`; 403 when she animates no cohort and is no platform animator.
pub async fn list_page<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    user: &User,
) -> Result<ListPage<'a>, AppError> {
    let moderator = user.role.includes(Role::Moderator);
    let cohorts: Vec<Cohort> = if moderator {
        state.store.cohorts().await?
    } else {
        (state.store.member_cohorts(user.id).await?.into_iter())
            .filter(|(_, e)| e.role == CohortRole::Animateur)
            .map(|(c, _)| c)
            .collect()
    };
    if !moderator && cohorts.is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut lines = Vec::with_capacity(cohorts.len());
    for c in cohorts {
        let people = state.store.enrolments(c.id).await?;
        lines.push(AdminLine {
            teams: state.store.teams(c.id).await?.len(),
            people: (people.iter())
                .filter(|p| p.role == CohortRole::Participant)
                .count(),
            dates: dates(ctx, &c),
            slug: c.fields.slug,
            title: c.fields.title,
            is_example: c.is_example,
        });
    }
    Ok(ListPage {
        ctx,
        moderator,
        cohorts: lines,
        errors: FormErrors::default(),
        values: HashMap::new(),
    })
}

/// `GET /admin/parcours`.
pub async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let page = list_page(&state, &ctx, &user).await?;
    render(&ctx, &page)
}

/// The forms of the cohort's page, by the name `failed` gives them.
pub mod form {
    pub const COHORT: &str = "cohorte";
    pub const TEAM: &str = "equipe";
    pub const MEMBER: &str = "membre";
    pub const REMOVE: &str = "retrait";
    pub const SESSION: &str = "seance";
    pub const DELIVERABLE: &str = "livrable";
    pub const GRID: &str = "presences";
    pub const RECORD: &str = "remise";
}

#[derive(Template)]
#[template(path = "parcours/admin_cohort.html")]
pub struct CohortAdmin<'a> {
    pub ctx: &'a PageCtx,
    pub slug: String,
    pub title: String,
    pub dates: String,
    pub is_example: bool,
    pub table: Table,
    /// The names of the cohort's animators.
    pub animators: Vec<String>,
    pub notice: Option<&'static str>,
    pub errors: FormErrors,
    /// The form that was refused: opened again, with what was typed.
    pub failed: Option<&'static str>,
    pub values: HashMap<String, String>,
    /// Session kinds: (slug, label).
    pub kinds: Vec<(&'static str, &'static str)>,
    /// (id, name) of the teams and of the deliverables.
    pub teams: Vec<(i64, String)>,
    pub deliverables: Vec<(i64, String)>,
    /// Everyone enrolled: (user id, « name — role, team »).
    pub people: Vec<(i64, String)>,
    /// The network's published places: (slug, « name, commune »).
    pub places: Vec<(String, String)>,
    /// The candidates of a typed territory (team) or commune (session) that names several.
    pub territory_choices: Option<Ambiguity>,
    pub commune_choices: Option<Ambiguity>,
}

impl CohortAdmin<'_> {
    /// A field's value: what was typed in the refused form, else its default.
    pub fn v(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }

    pub fn is(&self, k: &str, value: &str) -> bool {
        self.values.get(k).is_some_and(|v| v == value)
    }

    pub fn is_id(&self, k: &str, id: &i64) -> bool {
        self.is(k, &id.to_string())
    }

    /// Whether a form is shown open: the one just refused.
    pub fn open(&self, form: &str) -> bool {
        self.failed == Some(form)
    }
}

/// The cohort's page as its animators see it, with its forms at their defaults.
pub async fn cohort_admin<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    c: Cohort,
) -> Result<CohortAdmin<'a>, AppError> {
    let t = ctx.t;
    let now = Utc::now();
    let board = Board::read(state, c).await?;
    let table = Table::read(state, ctx, &board, now);
    let f = &board.cohort.fields;
    let next_step = board.sessions.iter().map(|s| s.step).max().unwrap_or(0) + 1;
    let values: HashMap<String, String> = [
        ("cohort-slug", f.slug.clone()),
        ("cohort-title", f.title.clone()),
        ("cohort-summary", f.summary.clone()),
        ("cohort-description", f.description.clone()),
        ("cohort-starts", f.starts_on.to_string()),
        ("cohort-ends", f.ends_on.to_string()),
        ("cohort-modules", f.modules.join(", ")),
        ("kind", EventKind::SESSIONS[0].as_str().to_string()),
        ("session-step", next_step.min(60).to_string()),
        ("time", "10:00".into()),
        ("duration", "180".into()),
        ("member-role", "participant".into()),
        ("deliverable-step", next_step.clamp(1, 60).to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let team_name = |id: Option<i64>| {
        id.and_then(|id| board.team(id))
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let people = (board.people.iter())
        .map(|p| {
            let role = match p.role {
                CohortRole::Animateur => t.s("parcours_admin.role_animateur").to_string(),
                CohortRole::Participant => team_name(p.team_id),
            };
            (p.user_id, format!("{} — {role}", p.display_name))
        })
        .collect();
    let mut places: Vec<(String, String)> = Vec::new();
    for p in state.store.published_places().await? {
        if let Some(pf) = p.moderated.published.as_ref() {
            let commune = state
                .territories
                .get(catalyse_core::TerritoryLevel::Commune, &pf.commune)
                .map_or_else(|| pf.commune.clone(), |x| x.name.clone());
            places.push((p.slug.clone(), format!("{}, {commune}", pf.name)));
        }
    }
    places.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(CohortAdmin {
        ctx,
        slug: f.slug.clone(),
        title: f.title.clone(),
        dates: dates(ctx, &board.cohort),
        is_example: board.cohort.is_example,
        animators: (board.people.iter())
            .filter(|p| p.role == CohortRole::Animateur)
            .map(|p| p.display_name.clone())
            .collect(),
        notice: None,
        errors: FormErrors::default(),
        failed: None,
        values,
        kinds: (EventKind::SESSIONS.iter())
            .map(|k| (k.as_str(), crate::events::pages::kind_label(t, *k)))
            .collect(),
        teams: (board.teams.iter())
            .map(|x| (x.id, x.name.clone()))
            .collect(),
        deliverables: (board.deliverables.iter())
            .map(|d| {
                let label = format!(
                    "{} — {}",
                    t.f("parcours.step_n", d.fields.step),
                    d.fields.title
                );
                (d.id, label)
            })
            .collect(),
        people,
        places,
        territory_choices: None,
        commune_choices: None,
        table,
    })
}

/// A refused form: which (`admin::form`), what was typed, why, and the answer's status.
pub struct Refused<'p> {
    pub form: &'static str,
    pub posted: &'p HashMap<String, String>,
    pub errors: FormErrors,
    pub status: StatusCode,
}

/// The page again with a refused form: its errors, what was typed (and whatever `tweak`
/// adds: a territory's candidates…).
pub async fn refused(
    state: &AppState,
    ctx: &PageCtx,
    c: Cohort,
    r: Refused<'_>,
    tweak: impl FnOnce(&mut CohortAdmin<'_>),
) -> Result<Response, AppError> {
    let mut page = cohort_admin(state, ctx, c).await?;
    for (k, v) in r.posted {
        if k != "csrf" {
            page.values.insert(k.clone(), v.clone());
        }
    }
    let mut errors = r.errors;
    errors.sort_by(FIELD_ORDER);
    page.errors = errors;
    page.failed = Some(r.form);
    tweak(&mut page);
    render_status(ctx, r.status, &page)
}

/// The fields of the page's forms in the order they come, for the errors' summary.
const FIELD_ORDER: &[&str] = &[
    "cohort-slug",
    "cohort-title",
    "cohort-summary",
    "cohort-description",
    "cohort-starts",
    "cohort-ends",
    "cohort-modules",
    "team-name",
    "territory",
    "member-email",
    "member-role",
    "member-team",
    "remove-user",
    "kind",
    "title",
    "session-step",
    "date",
    "time",
    "duration",
    "online_url",
    "place",
    "commune",
    "address",
    "deliverable-title",
    "deliverable-description",
    "deliverable-step",
    "deliverable-due",
    "record-deliverable",
    "record-team",
    "record-note",
];

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    etat: String,
}

/// What a `?etat=` after a saved form says.
fn notice(ctx: &PageCtx, etat: &str) -> Option<&'static str> {
    let key = match etat {
        "ouverte" => "parcours_admin.n_created",
        "cohorte" => "parcours_admin.n_cohort",
        "equipe" => "parcours_admin.n_team",
        "membre" => "parcours_admin.n_member",
        "retrait" => "parcours_admin.n_removed",
        "seance" => "parcours_admin.n_session",
        "livrable" => "parcours_admin.n_deliverable",
        "presences" => "parcours_admin.n_attendance",
        "remise" => "parcours_admin.n_recorded",
        _ => return None,
    };
    Some(ctx.t.s(key))
}

/// `GET /admin/parcours/{slug}`.
pub async fn cohort_page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let c = animated(&state, &user, &slug).await?;
    let mut page = cohort_admin(&state, &ctx, c).await?;
    page.notice = notice(&ctx, &q.etat);
    render(&ctx, &page)
}

/// `GET /admin/parcours/{slug}/export.csv`: the table, one row per participant.
pub async fn export(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let c = animated(&state, &user, &slug).await?;
    let board = Board::read(&state, c).await?;
    let table = Table::read(&state, &ctx, &board, Utc::now());
    let w = table.csv(&ctx)?;
    crate::pages::csv_download(w, &format!("parcours-{slug}.csv"), true)
}
