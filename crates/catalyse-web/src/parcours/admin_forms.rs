//! The animators' forms of a cohort, each a small POST with its CSRF token that redirects
//! back to the cohort's table with a notice, or shows the page again with its errors in
//! French and what was typed (422; 409 when what it names is taken). Each writes in one
//! statement or one transaction: a refused form leaves nothing behind.

use super::admin::{animated, form, list_page, refused, Refused};
use super::service::Board;
use crate::auth::{CsrfForm, Moderator, SignedIn};
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::i18n::Tr;
use crate::pages::{render_status, PageCtx};
use crate::state::AppState;
use crate::territories::pick::{self, Ambiguity, Resolved};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::agenda::{EventKind, EventStatus};
use catalyse_core::parcours::{is_slug, CohortFields, CohortRole, DeliverableFields};
use catalyse_core::{Email, TerritoryLevel};
use catalyse_store::{NewSubmission, StoreError};
use chrono::{NaiveDate, Utc};
use std::collections::{HashMap, HashSet};

type Form = HashMap<String, String>;

fn field(form: &Form, k: &str) -> String {
    form.get(k).map(|v| v.trim()).unwrap_or("").to_string()
}

fn back(slug: &str, etat: &str) -> Response {
    Redirect::to(&format!("/admin/parcours/{slug}?etat={etat}")).into_response()
}

/// The id of a form's field named `k` if it is one of `ids`.
fn one_of(form: &Form, k: &str, ids: impl IntoIterator<Item = i64>) -> Option<i64> {
    let id = field(form, k).parse::<i64>().ok()?;
    ids.into_iter().any(|x| x == id).then_some(id)
}

/// Where a problem of `CohortFields` shows in the forms (`cohort-…` fields).
fn cohort_field(f: &str) -> &'static str {
    match f {
        "slug" => "cohort-slug",
        "title" => "cohort-title",
        "summary" => "cohort-summary",
        "description" => "cohort-description",
        "starts_on" => "cohort-starts",
        "ends_on" => "cohort-ends",
        _ => "",
    }
}

/// A cohort's fields as its forms send them (`cohort-slug`, `cohort-title`, `cohort-summary`,
/// `cohort-description`, `cohort-starts`, `cohort-ends`, `cohort-modules`), or `None` with
/// their problems in `errors`.
fn cohort_fields(t: Tr, form: &Form, errors: &mut FormErrors) -> Option<CohortFields> {
    let date = |k: &str| NaiveDate::parse_from_str(&field(form, k), "%Y-%m-%d").ok();
    let (starts, ends) = (date("cohort-starts"), date("cohort-ends"));
    if starts.is_none() {
        errors.push("cohort-starts", t.s("parcours_admin.bad_start"));
    }
    if ends.is_none() {
        errors.push("cohort-ends", t.s("parcours_admin.bad_end"));
    }
    let modules: Vec<String> = field(form, "cohort-modules")
        .split([',', ';', ' ', '\n', '\r', '\t'])
        .filter(|m| !m.is_empty())
        .map(String::from)
        .collect();
    for m in modules.iter().filter(|m| !is_slug(m)) {
        errors.push("cohort-modules", t.f("parcours_admin.bad_module", m));
    }
    let mut f = CohortFields {
        slug: field(form, "cohort-slug"),
        title: field(form, "cohort-title"),
        summary: field(form, "cohort-summary"),
        description: form.get("cohort-description").cloned().unwrap_or_default(),
        starts_on: starts.unwrap_or_default(),
        ends_on: ends.unwrap_or_default(),
        modules,
    };
    f.normalise();
    for p in f.problems() {
        // The order of two dates is only judged once both are dates.
        if p.field != "ends_on" || (starts.is_some() && ends.is_some()) {
            errors.push(cohort_field(p.field), p.message);
        }
    }
    errors.is_empty().then_some(f)
}

/// `POST /admin/parcours`: opens a cohort (platform animators).
pub async fn create(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    ctx: PageCtx,
    CsrfForm(posted): CsrfForm<Form>,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let Some(f) = cohort_fields(ctx.t, &posted, &mut errors) {
        match state.store.create_cohort(&f, false, Utc::now()).await {
            Ok(c) => {
                tracing::info!(user = user.id, cohort = c.id, "cohort opened");
                return Ok(back(&c.fields.slug, "ouverte"));
            }
            Err(StoreError::Conflict { field: "slug", .. }) => {
                errors.push("cohort-slug", ctx.t.s("parcours_admin.slug_taken"));
                status = StatusCode::CONFLICT;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut page = list_page(&state, &ctx, &user).await?;
    page.errors = errors;
    page.values = posted;
    render_status(&ctx, status, &page)
}

/// `POST /admin/parcours/{slug}`: the cohort's fields (its address included).
pub async fn edit(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(posted): CsrfForm<Form>,
) -> Result<Response, AppError> {
    let c = animated(&state, &user, &slug).await?;
    let mut errors = FormErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let Some(f) = cohort_fields(ctx.t, &posted, &mut errors) {
        match state.store.update_cohort(c.id, &f, Utc::now()).await {
            Ok(saved) => {
                tracing::info!(user = user.id, cohort = c.id, "cohort edited");
                return Ok(back(&saved.fields.slug, "cohorte"));
            }
            Err(StoreError::Conflict { field: "slug", .. }) => {
                errors.push("cohort-slug", ctx.t.s("parcours_admin.slug_taken"));
                status = StatusCode::CONFLICT;
            }
            Err(e) => return Err(e.into()),
        }
    }
    refused(
        &state,
        &ctx,
        c,
        Refused {
            form: form::COHORT,
            posted: &posted,
            errors,
            status,
        },
        |_| {},
    )
    .await
}

/// `POST /admin/parcours/{slug}/equipes`: a territory team (`team-name`, `territory`).
pub async fn add_team(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(mut posted): CsrfForm<Form>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let c = animated(&state, &user, &slug).await?;
    let mut errors = FormErrors::default();
    let mut typed = field(&posted, "territory");
    let (territory, choices) = pick::territory(
        t,
        &state.territories,
        &mut typed,
        (
            "territoire_choix",
            &field(&posted, "territoire_choix"),
            &field(&posted, "territoire_choix_pour"),
        ),
        &mut errors,
    );
    posted.insert("territory".into(), typed.clone());
    if typed.is_empty() {
        errors.push("territory", t.s("parcours_admin.no_territory"));
    }
    let mut name = field(&posted, "team-name");
    if name.is_empty() {
        if let Some(x) = state.territories.get(territory.level, &territory.code) {
            name = t.f("parcours_admin.team_prefix", &x.name);
        }
    } else if !(3..=160).contains(&name.chars().count()) {
        errors.push("team-name", t.s("parcours_admin.bad_team_name"));
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if errors.is_empty() {
        match state.store.add_team(c.id, &name, &territory).await {
            Ok(team) => {
                tracing::info!(user = user.id, cohort = c.id, team = team.id, "team added");
                return Ok(back(&slug, "equipe"));
            }
            Err(StoreError::Conflict { .. }) => {
                errors.push("territory", t.s("parcours_admin.team_taken"));
                status = StatusCode::CONFLICT;
            }
            Err(e) => return Err(e.into()),
        }
    }
    refused(
        &state,
        &ctx,
        c,
        Refused {
            form: form::TEAM,
            posted: &posted,
            errors,
            status,
        },
        |p| {
            p.territory_choices = choices;
        },
    )
    .await
}

/// `POST /admin/parcours/{slug}/membres`: enrols an account by its address
/// (`member-email`), as a participant of a team (`member-team`) or an animator
/// (`member-role`); someone already in it changes role or team.
pub async fn enrol(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(posted): CsrfForm<Form>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let c = animated(&state, &user, &slug).await?;
    state
        .limits
        .cohort_enrol(state.store.as_ref(), user.id)
        .await?;
    let mut errors = FormErrors::default();
    let role = field(&posted, "member-role").parse::<CohortRole>().ok();
    if role.is_none() {
        errors.push("member-role", t.s("parcours_admin.bad_role"));
    }
    let teams = state.store.teams(c.id).await?;
    let team = one_of(&posted, "member-team", teams.iter().map(|x| x.id));
    if role == Some(CohortRole::Participant) && team.is_none() {
        errors.push("member-team", t.s("parcours_admin.need_team"));
    }
    let account = match Email::parse(&field(&posted, "member-email")) {
        Err(_) => {
            errors.push("member-email", t.s("parcours_admin.bad_email"));
            None
        }
        Ok(email) => {
            let found = state.store.user_by_email(&email).await?;
            if found.is_none() {
                errors.push("member-email", t.s("parcours_admin.no_account"));
            }
            found
        }
    };
    if let (Some(account), Some(role), true) = (account, role, errors.is_empty()) {
        match state
            .store
            .enrol(c.id, account.id, role, team, Utc::now())
            .await
        {
            Ok(()) => {
                tracing::info!(
                    user = user.id,
                    cohort = c.id,
                    member = account.id,
                    role = role.as_str(),
                    "member enrolled"
                );
                return Ok(back(&slug, "membre"));
            }
            // The team was taken out meanwhile.
            Err(StoreError::Conflict { .. }) => {
                errors.push("member-team", t.s("parcours_admin.need_team"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    refused(
        &state,
        &ctx,
        c,
        Refused {
            form: form::MEMBER,
            posted: &posted,
            errors,
            status,
        },
        |_| {},
    )
    .await
}

/// `POST /admin/parcours/{slug}/membres/retirer`: takes someone (`remove-user`) out.
pub async fn unenrol(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(posted): CsrfForm<Form>,
) -> Result<Response, AppError> {
    let c = animated(&state, &user, &slug).await?;
    if let Ok(member) = field(&posted, "remove-user").parse::<i64>() {
        if state.store.unenrol(c.id, member).await? {
            tracing::info!(user = user.id, cohort = c.id, member, "member removed");
            return Ok(back(&slug, "retrait"));
        }
    }
    let errors = FormErrors::one("remove-user", ctx.t.s("parcours_admin.not_enrolled"));
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    refused(
        &state,
        &ctx,
        c,
        Refused {
            form: form::REMOVE,
            posted: &posted,
            errors,
            status,
        },
        |_| {},
    )
    .await
}

/// Where a session takes place, besides its link: (commune, address), after the network's
/// place (`place`) or a typed commune (`commune`, with its candidates when it names several).
async fn whereabouts(
    state: &AppState,
    t: Tr,
    posted: &mut Form,
    errors: &mut FormErrors,
) -> Result<(Option<String>, Option<String>, Option<Ambiguity>), AppError> {
    let index = &state.territories;
    let place_slug = field(posted, "place");
    let mut typed = field(posted, "commune");
    let ticked = pick::chosen(
        index,
        &typed,
        &field(posted, "commune_choix"),
        &field(posted, "commune_choix_pour"),
        Some(TerritoryLevel::Commune),
    );
    if let Some(x) = ticked {
        typed = pick::line(x);
        posted.insert("commune".into(), typed.clone());
    }
    if field(posted, "online_url").is_empty() && place_slug.is_empty() && typed.is_empty() {
        errors.push("online_url", t.s("parcours_admin.no_where"));
    }
    if !place_slug.is_empty() && !typed.is_empty() {
        errors.push("commune", t.s("parcours_admin.place_and_commune"));
        return Ok((None, None, None));
    }
    if !place_slug.is_empty() {
        let published =
            (state.store.place_by_slug(&place_slug).await?).and_then(|p| p.moderated.published);
        return Ok(match published {
            Some(p) => {
                let address = [p.name.as_str(), p.address.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                (Some(p.commune), Some(address), None)
            }
            None => {
                errors.push("place", t.s("parcours_admin.bad_place"));
                (None, None, None)
            }
        });
    }
    if typed.is_empty() {
        return Ok((None, None, None));
    }
    Ok(
        match pick::resolve(index, &typed, Some(TerritoryLevel::Commune)) {
            Resolved::One(x) => (Some(x.code.clone()), None, None),
            Resolved::Unknown => {
                errors.push("commune", t.f("parcours_admin.commune_unknown", &typed));
                (None, None, None)
            }
            Resolved::Ambiguous(list, more) => {
                errors.push("commune", t.f("parcours_admin.commune_ambiguous", &typed));
                let a = Ambiguity::new(t, index, "commune_choix", &typed, &list, more);
                (None, None, Some(a))
            }
        },
    )
}

/// `POST /admin/parcours/{slug}/seances`: a session, created as an event (the events'
/// own checks: `kind` among the sessions' kinds, `title`, `date`, `time` in Paris time,
/// `duration`, `online_url`, `address`, `description`), at a step (`session-step`),
/// online or at a place of the network (`place`) or in a commune (`commune`).
pub async fn add_session(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(mut posted): CsrfForm<Form>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let c = animated(&state, &user, &slug).await?;
    // Only what this form has: the events' form has more (capacity, closing date).
    posted.remove("capacity");
    posted.remove("closes");
    let mut errors = FormErrors::default();
    let event = crate::events::admin::new_event(t, &posted, &EventKind::SESSIONS, &mut errors);
    let step = field(&posted, "session-step")
        .parse::<i32>()
        .ok()
        .filter(|s| (1..=60).contains(s));
    if step.is_none() {
        errors.push("session-step", t.s("parcours_admin.bad_step"));
    }
    let (commune, address, choices) = whereabouts(&state, t, &mut posted, &mut errors).await?;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (Some(mut e), Some(step), true) = (event, step, errors.is_empty()) {
        e.commune = commune;
        if e.address.is_none() {
            e.address = address;
        }
        match state.store.add_session(c.id, &e, step, Utc::now()).await {
            Ok(s) => {
                tracing::info!(user = user.id, cohort = c.id, event = %s.event.slug, "session added");
                return Ok(back(&slug, "seance"));
            }
            Err(StoreError::Conflict { .. }) => {
                errors.push("title", t.s("admin_ev.exists"));
                status = StatusCode::CONFLICT;
            }
            Err(e) => return Err(e.into()),
        }
    }
    refused(
        &state,
        &ctx,
        c,
        Refused {
            form: form::SESSION,
            posted: &posted,
            errors,
            status,
        },
        |p| {
            p.commune_choices = choices;
        },
    )
    .await
}

/// `POST /admin/parcours/{slug}/livrables`: a deliverable expected from each team.
pub async fn add_deliverable(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(posted): CsrfForm<Form>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let c = animated(&state, &user, &slug).await?;
    let mut errors = FormErrors::default();
    let due_on = match field(&posted, "deliverable-due").as_str() {
        "" => None,
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push("deliverable-due", t.s("parcours_admin.bad_due"));
                None
            }
        },
    };
    let mut f = DeliverableFields {
        title: field(&posted, "deliverable-title"),
        description: (posted.get("deliverable-description").cloned()).unwrap_or_default(),
        // Not a number: out of range, which the rules below say.
        step: field(&posted, "deliverable-step").parse().unwrap_or(0),
        due_on,
    };
    f.normalise();
    for p in f.problems() {
        let at = match p.field {
            "title" => "deliverable-title",
            "description" => "deliverable-description",
            _ => "deliverable-step",
        };
        errors.push(at, p.message);
    }
    if errors.is_empty() {
        let d = state.store.add_deliverable(c.id, &f).await?;
        tracing::info!(
            user = user.id,
            cohort = c.id,
            deliverable = d.id,
            "deliverable added"
        );
        return Ok(back(&slug, "livrable"));
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    refused(
        &state,
        &ctx,
        c,
        Refused {
            form: form::DELIVERABLE,
            posted: &posted,
            errors,
            status,
        },
        |_| {},
    )
    .await
}

/// Ids listed in a field (« 3,4,5 »), or `None` when one is not a number.
fn ids(form: &Form, k: &str) -> Option<Vec<i64>> {
    field(form, k)
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().ok())
        .collect()
}

/// `POST /admin/parcours/{slug}/presences`: the whole grid at once. The form says which
/// sessions (`seances`) and people (`personnes`) it showed; each of their cells is ticked
/// (`p_{event}_{user}=oui`) or not. Only the cells that change are written, in one
/// transaction; a grid that names a session or a person no longer in the cohort writes
/// nothing.
pub async fn attendance(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(posted): CsrfForm<Form>,
) -> Result<Response, AppError> {
    let c = animated(&state, &user, &slug).await?;
    let now = Utc::now();
    let board = Board::read(&state, c).await?;
    let markable: HashSet<i64> = (board.sessions.iter())
        .filter(|s| s.event.status != EventStatus::Cancelled && s.event.starts_at <= now)
        .map(|s| s.event.id)
        .collect();
    let participants: HashSet<i64> = board.participants().map(|p| p.user_id).collect();
    let shown = ids(&posted, "seances").zip(ids(&posted, "personnes"));
    let grid = shown.filter(|(sessions, people)| {
        sessions.iter().all(|s| markable.contains(s))
            && people.iter().all(|p| participants.contains(p))
    });
    let mut stored = false;
    if let Some((sessions, people)) = grid {
        let mut marks = Vec::new();
        for s in &sessions {
            for p in &people {
                let ticked = posted.get(&format!("p_{s}_{p}")).map(String::as_str) == Some("oui");
                if ticked != board.attended(*s, *p) {
                    marks.push((*s, *p, ticked));
                }
            }
        }
        stored = match state
            .store
            .set_cohort_attendance(board.cohort.id, &marks, now)
            .await
        {
            Ok(()) => true,
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if stored {
            tracing::info!(
                user = user.id,
                cohort = board.cohort.id,
                changed = marks.len(),
                "attendance marked"
            );
            let present = marks.iter().filter(|(_, _, p)| *p).map(|(_, u, _)| *u);
            crate::badges::rules::after(&state, present).await;
        }
    }
    if stored {
        return Ok(back(&slug, "presences"));
    }
    let errors = FormErrors::one("", ctx.t.s("parcours_admin.stale"));
    let r = Refused {
        form: form::GRID,
        posted: &HashMap::new(),
        errors,
        status: StatusCode::CONFLICT,
    };
    refused(&state, &ctx, board.cohort, r, |_| {}).await
}

/// `POST /admin/parcours/{slug}/remises`: a deliverable a team handed in off the platform
/// (`record-deliverable`, `record-team`), recorded with a note (`record-note`).
pub async fn record(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(posted): CsrfForm<Form>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let c = animated(&state, &user, &slug).await?;
    let mut errors = FormErrors::default();
    let deliverables = state.store.deliverables(c.id).await?;
    let deliverable = one_of(
        &posted,
        "record-deliverable",
        deliverables.iter().map(|d| d.id),
    );
    if deliverable.is_none() {
        errors.push("record-deliverable", t.s("parcours_admin.bad_deliverable"));
    }
    let teams = state.store.teams(c.id).await?;
    let team = one_of(&posted, "record-team", teams.iter().map(|x| x.id));
    if team.is_none() {
        errors.push("record-team", t.s("parcours_admin.bad_team"));
    }
    let note = field(&posted, "record-note");
    if !(3..=500).contains(&note.chars().count()) || note.chars().any(char::is_control) {
        errors.push("record-note", t.s("parcours_admin.bad_note"));
    }
    if let (Some(d), Some(team), true) = (deliverable, team, errors.is_empty()) {
        let s = state
            .store
            .submit(
                d,
                team,
                Some(user.id),
                &NewSubmission::Recorded(note),
                Utc::now(),
            )
            .await?;
        tracing::info!(
            user = user.id,
            cohort = c.id,
            submission = s.id,
            "hand-in recorded"
        );
        let team = crate::badges::rules::team_members(&state, c.id, team).await;
        crate::badges::rules::after(&state, team).await;
        return Ok(back(&slug, "remise"));
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    refused(
        &state,
        &ctx,
        c,
        Refused {
            form: form::RECORD,
            posted: &posted,
            errors,
            status,
        },
        |_| {},
    )
    .await
}
