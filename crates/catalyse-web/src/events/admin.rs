//! `/admin/evenements`: animators edit events, plan a series from its rule, cancel an event
//! (everyone registered is told), mark attendance and export the participant list.

use crate::auth::{CsrfForm, Moderator};
use crate::error::AppError;
use crate::events::pages::{when_fr, NoticeQuery};
use crate::forms::FormErrors;
use crate::i18n::Tr;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::agenda::{Event, EventKind, EventStatus};
use catalyse_store::{Registration, RegistrationStatus};
use chrono::{Datelike, Utc};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "events/admin_events.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    /// (slug, title, when, kind label, cancelled)
    events: Vec<(String, String, String, &'static str, bool)>,
    year: i32,
}

/// `GET /admin/evenements`: events to come first, then the last ones.
pub async fn list(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let mut upcoming = state.store.events(Some(now), None, None, None).await?;
    let mut past = state.store.events(None, Some(now), None, None).await?;
    past.reverse();
    past.truncate(30);
    upcoming.extend(past);
    let events = upcoming
        .iter()
        .map(|e| {
            (
                e.slug.clone(),
                e.title.clone(),
                when_fr(e),
                e.kind.label(),
                e.status == EventStatus::Cancelled,
            )
        })
        .collect();
    render(
        &ctx,
        &ListPage {
            ctx: &ctx,
            events,
            year: now.year() + 1,
        },
    )
}

#[derive(Template)]
#[template(path = "events/admin_event.html")]
struct EditPage<'a> {
    ctx: &'a PageCtx,
    e: Event,
    when: String,
    errors: FormErrors,
    notice: Option<String>,
    registrations: Vec<Registration>,
    levers: Vec<(String, String)>,
    speakers: String,
    capacity: String,
}

impl EditPage<'_> {
    fn lever_checked(&self, slug: &str) -> bool {
        self.e.levers.iter().any(|l| l == slug)
    }
    fn status_label(&self, s: &RegistrationStatus) -> &'static str {
        self.ctx.t.s(match s {
            RegistrationStatus::Pending => "admin_ev.st_pending",
            RegistrationStatus::Confirmed => "admin_ev.st_confirmed",
            RegistrationStatus::Waiting => "admin_ev.st_waiting",
            RegistrationStatus::Cancelled => "admin_ev.st_cancelled",
        })
    }
    fn count(&self, s: &str) -> usize {
        self.registrations
            .iter()
            .filter(|r| r.status.as_str() == s)
            .count()
    }
}

async fn edit_page<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    e: Event,
) -> Result<EditPage<'a>, AppError> {
    Ok(EditPage {
        ctx,
        when: when_fr(&e),
        registrations: state.store.registrations(e.id).await?,
        levers: state
            .reference
            .levers
            .iter()
            .map(|l| (l.slug.clone(), l.name.clone()))
            .collect(),
        speakers: e.speakers.join(", "),
        capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
        errors: FormErrors::default(),
        notice: None,
        e,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let mut page = edit_page(&state, &ctx, e).await?;
    page.notice = q.etat.as_deref().map(|k| match k {
        "annule" => ctx.t.s("admin_ev.cancelled_notice").to_string(),
        "presences" => ctx.t.s("admin_ev.attendance_saved").to_string(),
        _ => ctx.t.s("admin_ev.saved").to_string(),
    });
    render(&ctx, &page)
}

fn optional_url(v: &str) -> Result<Option<String>, ()> {
    let v = v.trim();
    if v.is_empty() {
        Ok(None)
    } else if (v.starts_with("https://") || v.starts_with("http://"))
        && !v.contains(char::is_whitespace)
        && v.len() <= 2000
    {
        Ok(Some(v.to_string()))
    } else {
        Err(())
    }
}

/// `POST /admin/evenements/{slug}`
pub async fn save(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let field = |k: &str| form.get(k).map(|v| v.trim()).unwrap_or("").to_string();
    let mut edited = e.clone();
    let mut errors = FormErrors::default();
    edited.title = field("title");
    if edited.title.is_empty() || edited.title.chars().count() > 300 {
        errors.push("title", t.s("admin_ev.bad_title"));
    }
    edited.description = field("description").chars().take(5000).collect();
    edited.levers = state
        .reference
        .levers
        .iter()
        .filter(|l| form.get(&format!("levier_{}", l.slug)).map(String::as_str) == Some("oui"))
        .map(|l| l.slug.clone())
        .collect();
    edited.speakers = field("speakers")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    edited.address = Some(field("address")).filter(|a| !a.is_empty());
    match optional_url(&field("online_url")) {
        Ok(u) => edited.online_url = u,
        Err(()) => errors.push("online_url", t.s("admin_res.bad_url")),
    }
    match optional_url(&field("replay_url")) {
        Ok(u) => edited.replay_url = u,
        Err(()) => errors.push("replay_url", t.s("admin_res.bad_url")),
    }
    let capacity = field("capacity");
    edited.capacity = if capacity.is_empty() {
        None
    } else {
        match capacity.parse::<i32>() {
            Ok(c) if (1..=100_000).contains(&c) => Some(c),
            _ => {
                errors.push("capacity", t.s("admin_ev.bad_capacity"));
                e.capacity
            }
        }
    };
    if field("held") == "oui" && e.status == EventStatus::Scheduled {
        edited.status = EventStatus::Held;
    }
    if !errors.is_empty() {
        let mut page = edit_page(&state, &ctx, edited).await?;
        page.errors = errors;
        page.speakers = field("speakers");
        page.capacity = capacity;
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    state.store.update_event(&edited, Utc::now()).await?;
    tracing::info!(user = user.id, event = %slug, "event edited");
    Ok(Redirect::to(&format!("/admin/evenements/{slug}?etat=enregistre")).into_response())
}

/// `POST /admin/evenements/{slug}/annuler`: cancels, and tells everyone registered.
pub async fn cancel(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    if e.status != EventStatus::Cancelled {
        super::service::cancel_event(&state, e).await?;
        tracing::info!(user = user.id, event = %slug, "event cancelled");
    }
    Ok(Redirect::to(&format!("/admin/evenements/{slug}?etat=annule")).into_response())
}

/// `POST /admin/evenements/{slug}/presences`: who attended (`present_{id}=oui`).
pub async fn attendance(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let present: Vec<i64> = form
        .iter()
        .filter(|(_, v)| v.as_str() == "oui")
        .filter_map(|(k, _)| k.strip_prefix("present_")?.parse().ok())
        .collect();
    state.store.set_attendance(e.id, &present).await?;
    // Open Badges: a lever's webinar, or a cohort's session, may complete what she earns.
    match state.store.registrations(e.id).await {
        Ok(regs) => {
            let attended = regs.iter().filter(|r| r.attended).filter_map(|r| r.user_id);
            crate::badges::rules::after(&state, attended).await;
        }
        Err(err) => tracing::warn!(event = %slug, "Open Badges: registrations not read: {err}"),
    }
    Ok(Redirect::to(&format!("/admin/evenements/{slug}?etat=presences")).into_response())
}

/// `GET /admin/evenements/{slug}/participants.csv`: animators only.
pub async fn participants_csv(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| AppError::Internal(e.into());
    w.write_record([
        "name",
        "email",
        "organisation",
        "territory",
        "status",
        "registered_at",
        "attended",
    ])
    .map_err(err)?;
    for r in state.store.registrations(e.id).await? {
        // What visitors typed never runs as a spreadsheet formula.
        w.write_record(catalyse_core::text::csv_record([
            r.name.as_str(),
            &r.email,
            &r.organisation,
            &r.territory,
            r.status.as_str(),
            &r.created_at.to_rfc3339(),
            if r.attended { "oui" } else { "non" },
        ]))
        .map_err(err)?;
    }
    crate::pages::csv_download(w, &format!("participants-{slug}.csv"), true)
}

#[derive(Template)]
#[template(path = "events/admin_plan.html")]
struct PlanPage<'a> {
    ctx: &'a PageCtx,
    series: String,
    rule: String,
    year: i32,
    /// (date in words, already planned)
    dates: Vec<(String, bool)>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct PlanQuery {
    annee: Option<i32>,
    ajoutees: Option<usize>,
}

/// The dates of the monthly cycle's rule in a year.
fn planned(year: i32) -> Result<Vec<chrono::DateTime<chrono_tz::Tz>>, AppError> {
    let rule = catalyse_core::events::MonthlyRule::webinar_cycle();
    let (from, to) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        chrono::NaiveDate::from_ymd_opt(year, 12, 31),
    );
    let (Some(from), Some(to)) = (from, to) else {
        return Err(AppError::BadRequest("année invalide".into()));
    };
    rule.occurrences(from, to)
        .map_err(|e| AppError::BadRequest(e.to_string()))
}

/// `GET /admin/evenements/series/{slug}/planifier?annee=`: the rule's dates for a year.
pub async fn plan_form(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let s = state.store.series(&slug).await?.ok_or(AppError::NotFound)?;
    let year = q.annee.unwrap_or(Utc::now().year() + 1).clamp(2000, 2100);
    let existing = state.store.events(None, None, None, Some(&slug)).await?;
    let dates = planned(year)?
        .into_iter()
        .map(|d| {
            let slug = format!("webinaire-{}", d.date_naive());
            let done = existing.iter().any(|e| e.slug == slug);
            let fake = placeholder(&s.slug, d, year);
            (when_fr(&fake), done)
        })
        .collect();
    let notice = q.ajoutees.map(|n| ctx.t.n("admin_ev.planned", n));
    render(
        &ctx,
        &PlanPage {
            ctx: &ctx,
            series: s.slug,
            rule: s.rule,
            year,
            dates,
            notice,
        },
    )
}

/// A session of the cycle at `d`, to be edited by animators afterwards.
fn placeholder(series: &str, d: chrono::DateTime<chrono_tz::Tz>, year: i32) -> Event {
    let rule = catalyse_core::events::MonthlyRule::webinar_cycle();
    Event {
        series: Some(series.to_string()),
        timezone: rule.tz.name().to_string(),
        ..Event::scheduled(
            format!("webinaire-{}", d.date_naive()),
            EventKind::Webinaire,
            format!(
                "Webinaire mensuel — {} {year}",
                crate::format::month_fr(d.month0())
            ),
            d.with_timezone(&Utc),
            rule.duration_minutes as i32,
            Utc::now(),
        )
    }
}

#[derive(Deserialize)]
pub struct PlanForm {
    annee: i32,
}

/// `POST /admin/evenements/series/{slug}/planifier`: creates the year's sessions that are
/// missing (an edited or cancelled one stays as it is).
pub async fn plan(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> Result<Response, AppError> {
    let s = state.store.series(&slug).await?.ok_or(AppError::NotFound)?;
    let year = form.annee.clamp(2000, 2100);
    let events: Vec<Event> = planned(year)?
        .into_iter()
        .filter(|d| d.with_timezone(&Utc) > Utc::now())
        .map(|d| placeholder(&s.slug, d, year))
        .collect();
    let added = state.store.add_events(&events, Utc::now()).await?;
    tracing::info!(user = user.id, series = %slug, year, added, "series planned");
    Ok(Redirect::to(&format!(
        "/admin/evenements/series/{slug}/planifier?annee={year}&ajoutees={added}"
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "events/admin_event_new.html")]
struct NewPage<'a> {
    ctx: &'a PageCtx,
    errors: FormErrors,
    f: HashMap<String, String>,
    kinds: Vec<(&'static str, &'static str)>,
}

impl NewPage<'_> {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

fn new_page<'a>(ctx: &'a PageCtx, f: HashMap<String, String>) -> NewPage<'a> {
    NewPage {
        ctx,
        errors: FormErrors::default(),
        f,
        kinds: EventKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
    }
}

/// `GET /admin/evenements/nouveau`
pub async fn new_form(Moderator(_): Moderator, ctx: PageCtx) -> Result<Response, AppError> {
    let f = HashMap::from([
        ("time".to_string(), "13:00".to_string()),
        ("duration".to_string(), "60".to_string()),
        ("kind".to_string(), "rencontre".to_string()),
    ]);
    render(&ctx, &new_page(&ctx, f))
}

/// A Paris local date and time (form fields « AAAA-MM-JJ » and « HH:MM ») as a UTC instant.
fn paris(date: &str, time: &str) -> Option<chrono::DateTime<Utc>> {
    let d = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let t = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    d.and_time(t)
        .and_local_timezone(chrono_tz::Europe::Paris)
        .earliest()
        .map(|x| x.with_timezone(&Utc))
}

/// The fields of a new event as the animators' forms send them — `kind` (one of `kinds`),
/// `title`, `date` and `time` in Paris time, `duration` in minutes, `capacity`, `closes`,
/// `online_url`, `address`, `description` — checked: the event (its slug made of its title
/// and date), or `None` with its problems in `errors`, field by field, in French. The events'
/// own form and a parcours' sessions (`crate::parcours::admin`) read it.
pub fn new_event(
    t: Tr,
    form: &HashMap<String, String>,
    kinds: &[EventKind],
    errors: &mut FormErrors,
) -> Option<Event> {
    let field = |k: &str| form.get(k).map(|v| v.trim()).unwrap_or("").to_string();
    let kind = field("kind")
        .parse::<EventKind>()
        .ok()
        .filter(|k| kinds.contains(k));
    if kind.is_none() {
        errors.push("kind", t.s("admin_ev.bad_kind"));
    }
    let title = field("title");
    if title.is_empty() || title.chars().count() > 300 {
        errors.push("title", t.s("admin_ev.bad_title"));
    }
    let start = paris(&field("date"), &field("time"));
    if start.is_none() {
        errors.push("date", t.s("admin_ev.bad_date"));
    }
    let duration = field("duration")
        .parse::<i32>()
        .ok()
        .filter(|d| (5..=24 * 60 * 7).contains(d));
    if duration.is_none() {
        errors.push("duration", t.s("admin_ev.bad_duration"));
    }
    let capacity = match field("capacity").as_str() {
        "" => None,
        c => match c.parse::<i32>() {
            Ok(c) if (1..=100_000).contains(&c) => Some(c),
            _ => {
                errors.push("capacity", t.s("admin_ev.bad_capacity"));
                None
            }
        },
    };
    let closes = match field("closes").as_str() {
        "" => None,
        d => match paris(d, "23:59") {
            Some(c) => Some(c),
            None => {
                errors.push("closes", t.s("admin_ev.bad_date"));
                None
            }
        },
    };
    let online_url = optional_url(&field("online_url")).unwrap_or_else(|()| {
        errors.push("online_url", t.s("admin_res.bad_url"));
        None
    });
    let (Some(kind), Some(start), Some(duration), true) =
        (kind, start, duration, errors.is_empty())
    else {
        return None;
    };
    Some(Event {
        id: 0,
        slug: format!("{}-{}", catalyse_core::text::slugify(&title), field("date")),
        series: None,
        kind,
        title,
        description: field("description").chars().take(5000).collect(),
        levers: vec![],
        themes: vec![],
        starts_at: start,
        duration_minutes: duration,
        timezone: "Europe/Paris".into(),
        online_url,
        commune: None,
        address: Some(field("address")).filter(|a| !a.is_empty()),
        speakers: vec![],
        capacity,
        registration_opens: None,
        registration_closes: closes,
        status: EventStatus::Scheduled,
        replay_url: None,
        resources: vec![],
        is_example: false,
        updated_at: Utc::now(),
    })
}

/// `POST /admin/evenements/nouveau`: a one-off event (a meeting, a day, a visit…).
pub async fn create(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let mut page = new_page(&ctx, form.clone());
    let Some(e) = new_event(t, &form, &EventKind::ALL, &mut page.errors) else {
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let slug = e.slug.clone();
    if state
        .store
        .add_events(std::slice::from_ref(&e), Utc::now())
        .await?
        == 0
    {
        page.errors.push("title", t.s("admin_ev.exists"));
        return render_status(&ctx, StatusCode::CONFLICT, &page);
    }
    tracing::info!(user = user.id, event = %slug, "event created");
    Ok(Redirect::to(&format!("/admin/evenements/{slug}?etat=enregistre")).into_response())
}
