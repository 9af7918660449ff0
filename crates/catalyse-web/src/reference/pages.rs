//! The reference frame as pages: the 7 levers, the programme timeline, the catalyseur's métier.

use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use catalyse_core::{Lever, MetierFamily, Milestone};

#[derive(Template)]
#[template(path = "reference/levers.html")]
struct Levers<'a> {
    ctx: &'a PageCtx,
    levers: &'a [Lever],
}

pub async fn levers(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let page = Levers {
        ctx: &ctx,
        levers: &state.reference.levers,
    };
    render(&ctx, &page)
}

#[derive(Template)]
#[template(path = "reference/lever.html")]
struct LeverPage<'a> {
    ctx: &'a PageCtx,
    lever: &'a Lever,
    count: usize,
    previous: Option<&'a Lever>,
    next: Option<&'a Lever>,
    /// (slug, title, meta line) of the resources that serve it, newest first.
    resources: Vec<(String, String, String)>,
    resources_total: u64,
    /// (slug, title, when) of the webinars and events on this lever.
    events: Vec<(String, String, String)>,
    /// The newest public cases that use it.
    related_cases: crate::related::Related,
    /// The newest open needs that seek it.
    related_needs: crate::related::Related,
}

pub async fn lever(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let levers = &state.reference.levers;
    let i = levers
        .iter()
        .position(|l| l.slug == slug)
        .ok_or(AppError::NotFound)?;
    let found = state
        .search
        .search(&catalyse_search::SearchQuery {
            levers: vec![slug.clone()],
            sort: catalyse_search::Sort::Newest,
            per_page: 10,
            ..Default::default()
        })
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let resources = state
        .store
        .resources_by_ids(&ids)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.slug.clone(),
                r.title.clone(),
                crate::resources::pages::meta_line(&r),
            )
        })
        .collect();
    let events = state
        .store
        .events(None, None, None, None)
        .await?
        .into_iter()
        .filter(|e| e.levers.contains(&slug))
        .map(|e| {
            let when = crate::events::pages::when(ctx.t.lang, &e);
            (e.slug, e.title, when)
        })
        .collect();
    let related_cases = crate::cases::related::of_lever(&state, &ctx, &slug).await?;
    let related_needs = crate::needs::related::of_lever(&state, &ctx, &slug).await?;
    let page = LeverPage {
        ctx: &ctx,
        related_cases,
        related_needs,
        events,
        resources,
        resources_total: found.total,
        count: levers.len(),
        previous: i.checked_sub(1).and_then(|p| levers.get(p)),
        next: levers.get(i + 1),
        lever: &levers[i],
    };
    render(&ctx, &page)
}

#[derive(Template)]
#[template(path = "reference/programme.html")]
struct Programme<'a> {
    ctx: &'a PageCtx,
    milestones: &'a [Milestone],
}

impl Programme<'_> {
    fn mentions_webinars(&self, m: &Milestone) -> bool {
        let text = format!("{} {}", m.label, m.description).to_lowercase();
        text.contains("webinaire")
    }

    fn pillar(&self, m: &Milestone) -> &str {
        self.ctx.t.s(match m.pillar.as_str() {
            "plateforme" => "pillar.plateforme",
            "parcours" => "pillar.parcours",
            "reseau" => "pillar.reseau",
            "observatoire" => "pillar.observatoire",
            _ => "pillar.ressources",
        })
    }

    fn when(&self, m: &Milestone) -> String {
        if m.date_precision == "month" {
            self.ctx.month(&m.date)
        } else {
            self.ctx.date(&m.date)
        }
    }
}

pub async fn programme(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let page = Programme {
        ctx: &ctx,
        milestones: &state.reference.milestones,
    };
    render(&ctx, &page)
}

#[derive(Template)]
#[template(path = "reference/metier.html")]
struct Metier<'a> {
    ctx: &'a PageCtx,
    families: &'a [MetierFamily],
}

pub async fn metier(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let page = Metier {
        ctx: &ctx,
        families: &state.reference.metier,
    };
    render(&ctx, &page)
}
