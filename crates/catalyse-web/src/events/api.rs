//! Events, series and the preview of a series' rule.

use crate::error::{ApiError, AppError, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use catalyse_core::agenda::{Event, EventKind, Series};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsParams {
    /// From this date (YYYY-MM-DD, Paris time), inclusive.
    pub from: Option<chrono::NaiveDate>,
    /// Up to this date (YYYY-MM-DD), inclusive.
    pub to: Option<chrono::NaiveDate>,
    /// webinaire, rencontre, journee, colloque, visite-apprenante, atelier, or a parcours'
    /// session: temps-collectif, temps-individuel, mise-en-situation, co-developpement,
    /// temoignage
    pub kind: Option<EventKind>,
}

/// Paris midnight of a date, as a UTC instant.
fn paris_midnight(d: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(chrono_tz::Europe::Paris).earliest())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

/// Public events by start, optionally in a date window and of one kind.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    params(EventsParams),
    responses(
        (status = 200, description = "Events by start", body = Vec<Event>),
        (status = 400, description = "Invalid parameters", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn events(
    State(state): State<AppState>,
    crate::api::ApiQuery(p): crate::api::ApiQuery<EventsParams>,
) -> Result<Json<Vec<Event>>, ApiError> {
    let from = p.from.map(paris_midnight);
    let to = p.to.and_then(|d| d.succ_opt()).map(paris_midnight);
    Ok(Json(state.store.events(from, to, p.kind, None).await?))
}

/// One event.
#[utoipa::path(get, path = "/api/v1/events/{slug}", tag = "events",
    params(("slug" = String, Path, description = "The event's slug")),
    responses(
        (status = 200, description = "The event", body = Event),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn event(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Event>, ApiError> {
    Ok(Json(
        state.store.event(&slug).await?.ok_or(AppError::NotFound)?,
    ))
}

/// One series and its rule.
#[utoipa::path(get, path = "/api/v1/series/{slug}", tag = "events",
    params(("slug" = String, Path, description = "The series' slug, e.g. webinaires-mensuels")),
    responses(
        (status = 200, description = "The series", body = Series),
        (status = 404, description = "No such series", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn series(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Series>, ApiError> {
    Ok(Json(
        state.store.series(&slug).await?.ok_or(AppError::NotFound)?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OccurrencesParams {
    /// First date (YYYY-MM-DD), inclusive.
    pub from: chrono::NaiveDate,
    /// Last date (YYYY-MM-DD), inclusive; a window longer than 20 years is cut at 20 years.
    pub to: chrono::NaiveDate,
}

/// The dates a series' rule gives in a window, before an animator creates them.
#[derive(Serialize, ToSchema)]
pub struct Occurrences {
    pub series: String,
    pub rule: String,
    /// ISO 8601 with the offset of Paris time (« 2019-08-22T13:00:00+02:00 »).
    pub occurrences: Vec<String>,
}

/// Previews the rule of a series: its dates between `from` and `to`, with the public-holiday
/// shift applied.
#[utoipa::path(get, path = "/api/v1/series/{slug}/occurrences", tag = "events",
    params(("slug" = String, Path, description = "The series' slug"), OccurrencesParams),
    responses(
        (status = 200, description = "The dates", body = Occurrences),
        (status = 400, description = "Invalid dates", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such series", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn occurrences(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    crate::api::ApiQuery(p): crate::api::ApiQuery<OccurrencesParams>,
) -> Result<Json<Occurrences>, ApiError> {
    let s = state.store.series(&slug).await?.ok_or(AppError::NotFound)?;
    let from = p.from;
    // At most 20 years: a longer window is cut (an empty one when `to` is before `from`).
    let limit = from
        .checked_add_signed(chrono::Duration::days(
            catalyse_core::events::MAX_RANGE_DAYS - 1,
        ))
        .unwrap_or(p.to);
    let to = p.to.min(limit);
    // The platform has one rule today, the monthly cycle's.
    let rule = catalyse_core::events::MonthlyRule::webinar_cycle();
    let dates = rule
        .occurrences(from, to)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    Ok(Json(Occurrences {
        series: s.slug,
        rule: s.rule,
        occurrences: dates
            .iter()
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
            .collect(),
    }))
}

/// Where the signed-in person's registration stands.
#[derive(Serialize, ToSchema)]
pub struct MyRegistration {
    pub event: String,
    /// pending, confirmed, waiting or cancelled
    pub status: String,
    /// When she answered « Quel est votre besoin ? »: the address of the form that completes
    /// the draft need kept from her answer (hers only; the confirmation mail gives it too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub need_draft: Option<String>,
}

/// What a registration may say, as a JSON body (optional: none is an empty one).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct NewRegistrationBody {
    /// A webinar's « Quel est votre besoin ? » (at most 1,000 characters; webinars only):
    /// kept as her draft need, to complete later from the link in `need_draft`.
    #[serde(default)]
    pub need: String,
}

/// The body of a registration: empty, or [`NewRegistrationBody`] as JSON; the answer to
/// « Quel est votre besoin ? » checked (trimmed; `None` when empty).
fn need_answer(e: &Event, body: &[u8]) -> Result<Option<String>, AppError> {
    let body: NewRegistrationBody = if body.iter().all(u8::is_ascii_whitespace) {
        NewRegistrationBody::default()
    } else {
        serde_json::from_slice(body).map_err(|err| {
            AppError::BadRequest(format!(
                "corps JSON invalide ({err}) : attendu {{\"need\": \"…\"}} ou rien"
            ))
        })?
    };
    let need = crate::needs::drafts::answer(&body.need).map_err(|n| {
        AppError::BadRequest(format!(
            "need : {n} caractères, au plus {}",
            crate::needs::drafts::MAX_ANSWER_CHARS
        ))
    })?;
    if need.is_some() && e.kind != EventKind::Webinaire {
        return Err(AppError::BadRequest(
            "need : seuls les webinaires demandent « Quel est votre besoin ? »".into(),
        ));
    }
    Ok(need)
}

/// The signed-in member, for a state-changing call: the session cookie, and the value of the
/// `__Host-csrf` cookie repeated in an `X-CSRF-Token` header.
fn member(
    user: Option<catalyse_core::User>,
    headers: &axum::http::HeaderMap,
) -> Result<catalyse_core::User, AppError> {
    let user = user.ok_or(AppError::Forbidden)?;
    let cookie = crate::auth::cookie_value(headers, crate::auth::CSRF_COOKIE);
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !crate::auth::csrf_matches(cookie.as_deref(), given) {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

/// Registers the signed-in member (session cookie and `X-CSRF-Token` header): a seat if one
/// is left, else the waiting list; the confirmation email carries the event as an .ics file.
/// For a webinar, the body may answer « Quel est votre besoin ? » (`{"need": "…"}`): the
/// answer is kept as her draft need, in the same transaction as the registration.
#[utoipa::path(post, path = "/api/v1/events/{slug}/registrations", tag = "events",
    params(("slug" = String, Path, description = "The event's slug")),
    request_body(content = Option<NewRegistrationBody>, content_type = "application/json",
        description = "Optional: a webinar's « Quel est votre besoin ? »"),
    responses(
        (status = 201, description = "Registered", body = MyRegistration),
        (status = 400, description = "A body that is not the JSON expected, an answer too long, or an answer to an event that does not ask it", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not signed in, or no CSRF token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already registered, or registration closed", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn register(
    State(state): State<AppState>,
    crate::auth::MaybeUser(user): crate::auth::MaybeUser,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<(axum::http::StatusCode, Json<MyRegistration>), ApiError> {
    let user = member(user, &headers)?;
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let need = need_answer(&e, &body)?;
    let (r, draft) =
        crate::events::service::register_member(&state, &e, &user, need.as_deref()).await?;
    let base = state.config.public_url();
    Ok((
        axum::http::StatusCode::CREATED,
        Json(MyRegistration {
            event: e.slug,
            status: r.status.as_str().into(),
            need_draft: draft.map(|d| format!("{base}{}", crate::needs::drafts::path(&state, &d))),
        }),
    ))
}

/// Cancels the signed-in member's registration (session cookie and `X-CSRF-Token` header);
/// a freed seat goes to the first on the waiting list.
#[utoipa::path(delete, path = "/api/v1/events/{slug}/registrations", tag = "events",
    params(("slug" = String, Path, description = "The event's slug")),
    responses(
        (status = 200, description = "Cancelled", body = MyRegistration),
        (status = 403, description = "Not signed in, or no CSRF token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event or registration", body = Problem, content_type = "application/problem+json")
    ))]
pub async fn unregister(
    State(state): State<AppState>,
    crate::auth::MaybeUser(user): crate::auth::MaybeUser,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
) -> Result<Json<MyRegistration>, ApiError> {
    let user = member(user, &headers)?;
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let r = crate::events::service::cancel_member(&state, &e, &user).await?;
    Ok(Json(MyRegistration {
        event: e.slug,
        status: r.status.as_str().into(),
        need_draft: None,
    }))
}
