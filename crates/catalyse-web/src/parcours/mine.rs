//! `/mon-parcours`: for each cohort she is in, a participant's progress (sessions attended,
//! her team's deliverables, the kit's modules) with a progress bar and « à faire ensuite »;
//! an animator gets a link to the cohort's table instead.

use super::pages::dates;
use super::service::Board;
use crate::auth::SignedIn;
use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use catalyse_core::parcours::{CohortRole, Progress, Todo};
use chrono::Utc;

/// One thing to do next, as listed.
pub struct TodoLine {
    pub text: String,
    pub href: String,
}

/// One of her cohorts.
pub struct MineCohort {
    pub slug: String,
    pub title: String,
    pub dates: String,
    pub is_example: bool,
    pub animates: bool,
    pub team: String,
    pub progress: Progress,
    pub todo: Vec<TodoLine>,
}

#[derive(Template)]
#[template(path = "parcours/mine.html")]
struct MinePage<'a> {
    ctx: &'a PageCtx,
    cohorts: Vec<MineCohort>,
}

fn todo_line(ctx: &PageCtx, slug: &str, t: &Todo) -> TodoLine {
    let tr = ctx.t;
    match t {
        Todo::Session {
            slug: event,
            title,
            starts_at,
        } => TodoLine {
            text: tr
                .s("parcours.todo_session")
                .replace("{title}", title)
                .replace("{when}", &ctx.when(starts_at)),
            href: format!("/evenements/{event}"),
        },
        Todo::Deliverable {
            id, title, due_on, ..
        } => TodoLine {
            text: match due_on {
                Some(d) => tr
                    .s("parcours.todo_deliverable_due")
                    .replace("{title}", title)
                    .replace("{due}", &ctx.date(d)),
                None => tr.s("parcours.todo_deliverable").replace("{title}", title),
            },
            href: format!("/parcours/{slug}#livrable-{id}"),
        },
        Todo::Module { slug: m, title } => TodoLine {
            text: tr.s("parcours.todo_module").replace("{title}", title),
            href: format!("/formation/{m}"),
        },
    }
}

/// `GET /mon-parcours`.
pub async fn page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
) -> Result<Response, AppError> {
    let now = Utc::now();
    let mut cohorts = Vec::new();
    for (c, me) in state.store.member_cohorts(user.id).await? {
        let board = Board::read(&state, c).await?;
        let mine = board.progress_of(&me, now);
        let slug = board.cohort.fields.slug.clone();
        cohorts.push(MineCohort {
            dates: dates(&ctx, &board.cohort),
            title: board.cohort.fields.title.clone(),
            is_example: board.cohort.is_example,
            animates: me.role == CohortRole::Animateur,
            team: me
                .team_id
                .and_then(|t| board.team(t))
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            progress: mine.progress,
            todo: mine
                .todo
                .iter()
                .take(5)
                .map(|t| todo_line(&ctx, &slug, t))
                .collect(),
            slug,
        });
    }
    render(&ctx, &MinePage { ctx: &ctx, cohorts })
}
