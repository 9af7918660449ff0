//! The public pages of the parcours: `/parcours` (the cohorts, current and upcoming first)
//! and `/parcours/{slug}` (what it is, its territories, its calendar; for its participants
//! and animators, its people and the deliverables with what each team handed in), and the
//! cohort's iCalendar feed.

use super::service::{cohort, Access, Board};
use crate::error::AppError;
use crate::pages::{render, render_status, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use catalyse_core::parcours::{Cohort, HandIn};
use chrono::Utc;

/// A cohort as listed.
pub struct CohortLine {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub dates: String,
    pub teams: usize,
    pub is_example: bool,
}

#[derive(Template)]
#[template(path = "parcours/list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    current: Vec<CohortLine>,
    past: Vec<CohortLine>,
}

/// « du 1er juillet 2018 au 26 mars 2019 ».
pub fn dates(ctx: &PageCtx, c: &Cohort) -> String {
    ctx.t
        .s("parcours.dates")
        .replace("{from}", &ctx.date(&c.fields.starts_on))
        .replace("{to}", &ctx.date(&c.fields.ends_on))
}

/// `GET /parcours`: the cohorts, those under way or to come first.
pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let today = Utc::now().date_naive();
    let mut current = Vec::new();
    let mut past = Vec::new();
    for c in state.store.cohorts().await? {
        let line = CohortLine {
            teams: state.store.teams(c.id).await?.len(),
            dates: dates(&ctx, &c),
            slug: c.fields.slug.clone(),
            title: c.fields.title.clone(),
            summary: c.fields.summary.clone(),
            is_example: c.is_example,
        };
        if c.fields.ends_on >= today {
            current.push(line);
        } else {
            past.push(line);
        }
    }
    current.reverse(); // the next to start first
    render(
        &ctx,
        &ListPage {
            ctx: &ctx,
            current,
            past,
        },
    )
}

/// A territory team as shown.
pub struct TeamLine {
    pub name: String,
    /// Its territory's name and page, when the geography knows it.
    pub territory: Option<(String, String)>,
    /// Its participants' names (members' view only).
    pub people: Vec<String>,
}

/// A session as the calendar lists it.
pub struct SessionLine {
    pub slug: String,
    pub title: String,
    pub kind: &'static str,
    pub when: String,
    pub iso: String,
    pub place: String,
    pub step: i32,
    pub cancelled: bool,
    /// Members' view: whether she attended (participants), or how many did (animators).
    pub attendance: Option<String>,
}

/// A deliverable in the members' view.
pub struct DeliverableLine {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub step: i32,
    pub due: Option<String>,
    /// What her team handed in last (participants): when and how.
    pub handed: Option<String>,
    /// Its file or link, to open again.
    pub open: Option<String>,
    /// Animators: how many teams handed it in.
    pub teams_done: Option<String>,
    /// A problem with what she just tried to hand in.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "parcours/cohort.html")]
pub struct CohortPage<'a> {
    pub ctx: &'a PageCtx,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub dates: String,
    pub is_example: bool,
    pub teams: Vec<TeamLine>,
    pub animators: Vec<String>,
    pub sessions: Vec<SessionLine>,
    pub access: Access,
    pub deliverables: Vec<DeliverableLine>,
    pub modules: Vec<(String, String)>,
    /// `?etat=remis`: what was just handed in.
    pub notice: Option<&'static str>,
    pub max_mb: u64,
}

/// Where a session takes place, in words.
fn place(state: &AppState, ctx: &PageCtx, e: &catalyse_core::agenda::Event) -> String {
    let commune = e.commune.as_deref().and_then(|code| {
        state
            .territories
            .get(catalyse_core::TerritoryLevel::Commune, code)
            .map(|t| t.name.clone())
    });
    match (commune, &e.address, &e.online_url) {
        (Some(c), Some(a), _) if !a.is_empty() => format!("{a}, {c}"),
        (Some(c), _, _) => c,
        (None, Some(a), _) if !a.is_empty() => a.clone(),
        (None, _, Some(_)) => ctx.t.s("parcours.online").to_string(),
        _ => ctx.t.s("parcours.place_tbd").to_string(),
    }
}

/// The cohort's page for this person: public, or the members' view.
pub async fn cohort_page<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    c: Cohort,
    access: Access,
) -> Result<CohortPage<'a>, AppError> {
    let t = ctx.t;
    let board = Board::read(state, c).await?;
    let inside = access.inside();
    let by_team = board.by_team();
    let teams = board
        .teams
        .iter()
        .map(|team| TeamLine {
            name: team.name.clone(),
            territory: state
                .territories
                .get(team.territory.level, &team.territory.code)
                .map(|x| (x.name.clone(), crate::territories::url(x))),
            people: if inside {
                by_team
                    .get(&team.id)
                    .map(|p| p.iter().map(|e| e.display_name.clone()).collect())
                    .unwrap_or_default()
            } else {
                vec![]
            },
        })
        .collect();
    let animators = if inside {
        board
            .people
            .iter()
            .filter(|p| p.role == catalyse_core::parcours::CohortRole::Animateur)
            .map(|p| p.display_name.clone())
            .collect()
    } else {
        vec![]
    };
    let me = ctx.user.as_ref().map(|u| u.id);
    let participants = board.participants().count();
    let sessions = board
        .sessions
        .iter()
        .map(|s| {
            let e = &s.event;
            let attendance = match (&access, me) {
                (Access::Participant { .. }, Some(me)) => Some(
                    t.s(if board.attended(e.id, me) {
                        "parcours.attended"
                    } else if e.starts_at > Utc::now() {
                        "parcours.to_come"
                    } else {
                        "parcours.missed"
                    })
                    .to_string(),
                ),
                (Access::Animator, _) => {
                    let n = board
                        .participants()
                        .filter(|p| board.attended(e.id, p.user_id))
                        .count();
                    Some(format!("{n} / {participants}"))
                }
                _ => None,
            };
            SessionLine {
                slug: e.slug.clone(),
                title: e.title.clone(),
                kind: crate::events::pages::kind_label(t, e.kind),
                when: crate::events::pages::when(t.lang, e),
                iso: e.starts_at.to_rfc3339(),
                place: place(state, ctx, e),
                step: s.step,
                cancelled: e.status == catalyse_core::agenda::EventStatus::Cancelled,
                attendance,
            }
        })
        .collect();
    let deliverables = if inside {
        board
            .deliverables
            .iter()
            .map(|d| {
                let mut line = DeliverableLine {
                    id: d.id,
                    title: d.fields.title.clone(),
                    description: d.fields.description.clone(),
                    step: d.fields.step,
                    due: d.fields.due_on.map(|x| ctx.date(&x)),
                    handed: None,
                    open: None,
                    teams_done: None,
                    error: None,
                };
                match &access {
                    Access::Participant { team_id } => {
                        if let Some(s) = board.handed_in(d.id, *team_id) {
                            let how = match s.kind {
                                HandIn::Fichier => t.s("parcours.handed_file"),
                                HandIn::Lien => t.s("parcours.handed_link"),
                                HandIn::Constate => t.s("parcours.handed_recorded"),
                            };
                            line.handed = Some(how.replace("{when}", &ctx.when(&s.submitted_at)));
                            line.open = submission_url(&board.cohort, s);
                        }
                    }
                    Access::Animator => {
                        let n = board
                            .teams
                            .iter()
                            .filter(|team| board.handed_in(d.id, team.id).is_some())
                            .count();
                        line.teams_done = Some(format!("{n} / {}", board.teams.len()));
                    }
                    Access::Public => {}
                }
                line
            })
            .collect()
    } else {
        vec![]
    };
    let f = &board.cohort.fields;
    Ok(CohortPage {
        ctx,
        slug: f.slug.clone(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        description: crate::resources::index::markdown_in_section(&f.description),
        dates: dates(ctx, &board.cohort),
        is_example: board.cohort.is_example,
        teams,
        animators,
        sessions,
        deliverables,
        modules: board.modules.clone(),
        access,
        notice: None,
        max_mb: state.config.upload_max_mb,
    })
}

/// Where a hand-in is opened again: its file (through the platform, for the cohort only) or
/// its link.
pub fn submission_url(c: &Cohort, s: &catalyse_core::parcours::Submission) -> Option<String> {
    match s.kind {
        HandIn::Fichier => Some(format!("/parcours/{}/remises/{}", c.fields.slug, s.id)),
        HandIn::Lien => s.link.clone(),
        HandIn::Constate => None,
    }
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    etat: String,
}

/// `GET /parcours/{slug}`.
pub async fn cohort_view(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> Result<Response, AppError> {
    let c = cohort(&state, &slug).await?;
    let access = Access::of(&state, ctx.user.as_ref(), &c).await?;
    let mut page = cohort_page(&state, &ctx, c, access).await?;
    if q.etat == "remis" && page.access.inside() {
        page.notice = Some(ctx.t.s("parcours.handed_notice"));
    }
    render(&ctx, &page)
}

/// The page again with a problem about one deliverable (422).
pub async fn with_error(
    state: &AppState,
    ctx: &PageCtx,
    c: Cohort,
    access: Access,
    deliverable: i64,
    error: String,
) -> Result<Response, AppError> {
    let mut page = cohort_page(state, ctx, c, access).await?;
    if let Some(d) = page.deliverables.iter_mut().find(|d| d.id == deliverable) {
        d.error = Some(error);
    }
    render_status(ctx, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `GET /parcours/{slug}/calendrier.ics`: the cohort's sessions.
pub async fn calendar(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let c = cohort(&state, &slug).await?;
    let events: Vec<_> = state
        .store
        .sessions(c.id)
        .await?
        .into_iter()
        .map(|s| s.event)
        .collect();
    Ok(crate::events::pages::ics(
        &state,
        &c.fields.title,
        &events,
        &format!("{slug}.ics"),
    ))
}
