//! `GET /admin`: the animators' dashboard, where « Administration » leads. What waits
//! moderation and the open reports (counts and the first few, linked to the queue), the
//! events to come with their registrations, the latest accounts. Moderators and
//! administrators; read-only.

use crate::auth::Moderator;
use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use catalyse_core::network::{Moderated, Subject};
use catalyse_core::Role;
use catalyse_store::{ModerationCounts, RegistrationStatus};
use chrono::Utc;

/// How many of each list the dashboard shows.
const FIRST: usize = 5;
/// How many new accounts it shows.
const RECENT_USERS: u32 = 8;

/// One line of a list: what, when, where to go, and a detail.
pub struct Line {
    pub title: String,
    pub when: String,
    pub when_iso: String,
    pub href: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "accounts/dashboard.html")]
struct Dashboard<'a> {
    ctx: &'a PageCtx,
    counts: ModerationCounts,
    profiles: Vec<Line>,
    places: Vec<Line>,
    cases: Vec<Line>,
    needs: Vec<Line>,
    reports: Vec<Line>,
    events: Vec<Line>,
    users: Vec<Line>,
}

/// `GET /admin`
pub async fn dashboard(
    State(state): State<AppState>,
    Moderator(_): Moderator,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let counts = state.store.moderation_counts().await?;
    let profiles = pending(
        &ctx,
        state.store.pending_profiles().await?,
        |p| &p.moderated,
        |p, draft| {
            let first = p.moderated.published.is_none();
            (
                draft.display_name.clone(),
                format!("/admin/moderation#titre-membre-{}", p.user_id),
                t.s(if first {
                    "dashboard.first_version"
                } else {
                    "dashboard.new_version"
                })
                .to_string(),
            )
        },
    );
    let places = pending(
        &ctx,
        state.store.pending_places().await?,
        |p| &p.moderated,
        |p, draft| {
            (
                draft.name.clone(),
                format!("/admin/moderation#titre-lieu-{}", p.id),
                crate::territories::commune_name(&state, &draft.commune),
            )
        },
    );
    let cases = pending(
        &ctx,
        state.store.pending_cases().await?,
        |c| &c.moderated,
        |c, draft| {
            let place = crate::cases::pages::territory(&state, draft);
            (
                draft.title.clone(),
                format!("/admin/moderation#titre-pratique-{}", c.id),
                place.map(|p| p.name.clone()).unwrap_or_default(),
            )
        },
    );
    let needs = pending(
        &ctx,
        state.store.pending_needs().await?,
        |n| &n.moderated,
        |n, draft| {
            let place = crate::needs::pages::territory(&state, draft);
            (
                draft.title.clone(),
                format!("/admin/moderation#titre-besoin-{}", n.id),
                place.map(|p| p.name.clone()).unwrap_or_default(),
            )
        },
    );
    let mut open = state.store.open_reports().await?;
    open.sort_by_key(|r| (r.at, r.id));
    let reports = open
        .iter()
        .take(FIRST)
        .map(|r| Line {
            title: t
                .s(match r.subject {
                    Subject::Member => "dashboard.report_member",
                    Subject::Place => "dashboard.report_place",
                    Subject::Case => "dashboard.report_case",
                    Subject::Need => "dashboard.report_need",
                })
                .to_string(),
            when: ctx.when(&r.at),
            when_iso: r.at.to_rfc3339(),
            href: "/admin/signalements".into(),
            detail: excerpt(&r.reason, 120),
        })
        .collect();
    let now = Utc::now();
    let mut events = vec![];
    for e in state
        .store
        .events(Some(now), None, None, None)
        .await?
        .into_iter()
        .take(FIRST)
    {
        let regs = state.store.registrations(e.id).await?;
        let count = |s: RegistrationStatus| regs.iter().filter(|r| r.status == s).count();
        let confirmed = count(RegistrationStatus::Confirmed);
        let seats = match e.capacity {
            Some(c) => t
                .f("dashboard.seats_of", confirmed)
                .replacen("{}", &c.to_string(), 1),
            None => t.f("dashboard.seats", confirmed),
        };
        let waiting = count(RegistrationStatus::Waiting) + count(RegistrationStatus::Pending);
        let detail = if waiting > 0 {
            format!("{seats}, {}", t.f("dashboard.waiting", waiting))
        } else {
            seats
        };
        events.push(Line {
            title: e.title.clone(),
            when: ctx.when(&e.starts_at),
            when_iso: e.starts_at.to_rfc3339(),
            href: format!("/admin/evenements/{}", e.slug),
            detail,
        });
    }
    let is_admin = ctx.is_admin();
    let users = state
        .store
        .recent_users(RECENT_USERS)
        .await?
        .into_iter()
        .map(|u| Line {
            href: if is_admin {
                format!(
                    "/admin/comptes?q={}",
                    percent_encoding::utf8_percent_encode(
                        u.email.as_str(),
                        percent_encoding::NON_ALPHANUMERIC
                    )
                )
            } else {
                String::new()
            },
            detail: t
                .s(match u.role {
                    Role::Member => "role.member",
                    Role::Moderator => "role.moderator",
                    Role::Admin => "role.admin",
                })
                .to_string(),
            when: ctx.when(&u.created_at),
            when_iso: u.created_at.to_rfc3339(),
            title: u.display_name,
        })
        .collect();
    render(
        &ctx,
        &Dashboard {
            ctx: &ctx,
            counts,
            profiles,
            places,
            cases,
            needs,
            reports,
            events,
            users,
        },
    )
}

/// The first few submissions waiting for review, in the store's order: `describe` gives the
/// title, the link into the queue and the detail of one from its draft. One with no draft or
/// no submission date is passed over.
fn pending<T, F>(
    ctx: &PageCtx,
    items: Vec<T>,
    moderated: impl Fn(&T) -> &Moderated<F>,
    describe: impl Fn(&T, &F) -> (String, String, String),
) -> Vec<Line> {
    items
        .iter()
        .filter_map(|item| {
            let m = moderated(item);
            let draft = m.draft.as_ref()?;
            let at = m.submitted_at?;
            let (title, href, detail) = describe(item, draft);
            Some(Line {
                title,
                when: ctx.when(&at),
                when_iso: at.to_rfc3339(),
                href,
                detail,
            })
        })
        .take(FIRST)
        .collect()
}

/// The first `max` characters of a text, with « … » when it was cut.
fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}
