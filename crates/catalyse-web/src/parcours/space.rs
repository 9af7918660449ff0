//! A cohort's space of exchanges, `/parcours/{slug}/echanges`: short messages and the answers
//! to them (one level of threads), the latest message first, Markdown rendered and
//! sanitised. Only the cohort's participants and animators (and the platform's) read it or
//! post in it: a visitor is sent to sign in, any other member gets 403, as the cohort's
//! deliverables. Posting takes from a per-member budget (`Limits::cohort_post`); an empty or
//! too long message comes back on the page with its French message, and nothing is written.
//! Each person's mail settings (answers, the weekly digest) are set here too; the mails
//! themselves go from `replies` and `digest`.

use super::posts::{author_name, page_of, threads, THREADS_PER_PAGE};
use super::service::{cohort, Access};
use crate::auth::{CsrfForm, SignedIn};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::pages::{render, render_status, PageCtx, Pager};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::parcours::{Cohort, CohortRole};
use catalyse_store::CohortPost;
use chrono::Utc;
use serde::Deserialize;

/// The longest message or answer, in characters.
pub const MAX_CHARS: usize = 5000;

/// A message or an answer as shown.
pub struct PostView {
    pub id: i64,
    pub author: String,
    /// Her team, or « animation ».
    pub tag: String,
    pub when: String,
    pub iso: String,
    /// The Markdown, rendered and sanitised.
    pub html: String,
}

/// A message, its answers, and the form to answer it.
pub struct Thread {
    pub post: PostView,
    pub answers: Vec<PostView>,
    /// What was wrong with the answer just sent, and its text to correct.
    pub error: Option<String>,
    pub draft: String,
}

#[derive(Template)]
#[template(path = "parcours/space.html")]
struct SpacePage<'a> {
    ctx: &'a PageCtx,
    slug: String,
    title: String,
    is_example: bool,
    threads: Vec<Thread>,
    pager: Pager,
    /// What was wrong with the new message just sent, and its text to correct.
    error: Option<String>,
    draft: String,
    /// Her settings (answers, weekly digest) when she is enrolled in the cohort.
    settings: Option<(bool, bool)>,
    /// Her settings were just saved.
    saved: bool,
    notice: Option<&'static str>,
}

/// A form sent back: to which message (`None`: a new one), its text, what is wrong.
struct Refused {
    thread: Option<i64>,
    draft: String,
    error: String,
}

async fn space_page<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    c: &Cohort,
    page: usize,
    refused: Option<Refused>,
) -> Result<SpacePage<'a>, AppError> {
    let t = ctx.t;
    let all = threads(state.store.posts(c.id).await?);
    let people = state.store.enrolments(c.id).await?;
    let teams = state.store.teams(c.id).await?;
    let tag = |author: Option<i64>| -> String {
        let Some(e) = people.iter().find(|e| Some(e.user_id) == author) else {
            return String::new();
        };
        match (e.role, e.team_id) {
            (CohortRole::Animateur, _) => t.s("cohort_space.animation").to_string(),
            (_, Some(team)) => teams
                .iter()
                .find(|x| x.id == team)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            _ => String::new(),
        }
    };
    let view = |p: &CohortPost| PostView {
        id: p.id,
        author: author_name(t, p),
        tag: tag(p.author_id),
        when: ctx.when(&p.created_at),
        iso: p.created_at.to_rfc3339(),
        html: crate::resources::index::markdown_in_section(&p.body),
    };
    // A refused answer is shown on the page of its message.
    let page = match refused.as_ref().and_then(|r| r.thread) {
        Some(thread) => page_of(&all, thread).unwrap_or(1),
        None => page,
    };
    let page = page.clamp(1, all.len().div_ceil(THREADS_PER_PAGE).max(1));
    let slug = c.fields.slug.clone();
    let pager = Pager::new(
        u32::try_from(page).unwrap_or(1),
        all.len(),
        THREADS_PER_PAGE as u32,
        |n| format!("/parcours/{slug}/echanges?page={n}#messages"),
    );
    let (mut error, mut draft) = (None, String::new());
    let mut threads = all
        .iter()
        .skip((page - 1) * THREADS_PER_PAGE)
        .take(THREADS_PER_PAGE)
        .map(|(m, answers)| Thread {
            post: view(m),
            answers: answers.iter().map(view).collect(),
            error: None,
            draft: String::new(),
        })
        .collect::<Vec<_>>();
    if let Some(r) = refused {
        match r.thread {
            Some(id) => {
                if let Some(th) = threads.iter_mut().find(|th| th.post.id == id) {
                    th.error = Some(r.error);
                    th.draft = r.draft;
                }
            }
            None => {
                error = Some(r.error);
                draft = r.draft;
            }
        }
    }
    let me = ctx.user.as_ref().map(|u| u.id);
    let settings = people
        .iter()
        .find(|e| Some(e.user_id) == me)
        .map(|e| (e.notify_replies, e.weekly_digest));
    Ok(SpacePage {
        ctx,
        slug,
        title: c.fields.title.clone(),
        is_example: c.is_example,
        threads,
        pager,
        error,
        draft,
        settings,
        saved: false,
        notice: None,
    })
}

/// The cohort of `slug`, if she may read and write in its space.
async fn inside(
    state: &AppState,
    user: &catalyse_core::User,
    slug: &str,
) -> Result<Cohort, AppError> {
    let c = cohort(state, slug).await?;
    if !Access::of(state, Some(user), &c).await?.inside() {
        return Err(AppError::Forbidden);
    }
    Ok(c)
}

#[derive(Deserialize)]
pub struct SpaceQuery {
    #[serde(default)]
    page: Option<usize>,
    /// A post to show: the page of its thread.
    #[serde(default)]
    message: Option<i64>,
    #[serde(default)]
    etat: String,
}

/// `GET /parcours/{slug}/echanges`.
pub async fn view(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<SpaceQuery>,
) -> Result<Response, AppError> {
    let c = inside(&state, &user, &slug).await?;
    let page = match q.message {
        Some(id) => page_of(&threads(state.store.posts(c.id).await?), id).unwrap_or(1),
        None => q.page.unwrap_or(1).max(1),
    };
    let mut p = space_page(&state, &ctx, &c, page, None).await?;
    p.notice = match q.etat.as_str() {
        "publie" => Some(ctx.t.s("cohort_space.posted")),
        "repondu" => Some(ctx.t.s("cohort_space.answered")),
        _ => None,
    };
    p.saved = q.etat == "reglages";
    render(&ctx, &p)
}

#[derive(Deserialize)]
pub struct PostForm {
    #[serde(default)]
    message: String,
    /// The message answered; empty for a new message.
    #[serde(default)]
    parent: String,
}

/// The text as it is kept (trimmed, line ends and tabs made plain), and what is wrong with
/// it.
pub fn check(t: Tr, raw: &str) -> (String, Option<String>) {
    let text = raw.trim().replace("\r\n", "\n").replace('\t', "    ");
    let n = text.chars().count();
    let problem = if n == 0 {
        Some(t.s("cohort_space.error_empty").to_string())
    } else if n > MAX_CHARS {
        Some(t.f(
            "cohort_space.error_long",
            crate::i18n::format_count(t.lang, n as i64),
        ))
    } else if catalyse_core::text::check_plain_lines(&text).is_err() {
        Some(t.s("cohort_space.error_invisible").to_string())
    } else {
        None
    };
    (text, problem)
}

/// `POST /parcours/{slug}/echanges`: a new message, or (`parent`) an answer to a message of
/// this cohort (404 otherwise); those who wrote in the thread are told of an answer.
pub async fn post(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<PostForm>,
) -> Result<Response, AppError> {
    let c = inside(&state, &user, &slug).await?;
    let thread = match form.parent.trim() {
        "" => None,
        p => {
            let id: i64 = p.parse().map_err(|_| AppError::NotFound)?;
            let parent = state
                .store
                .post(id)
                .await?
                .filter(|x| x.cohort_id == c.id)
                .ok_or(AppError::NotFound)?;
            // One level of threads: an answer to an answer goes to its message.
            Some(parent.parent_id.unwrap_or(parent.id))
        }
    };
    let (text, problem) = check(ctx.t, &form.message);
    if let Some(error) = problem {
        let refused = Refused {
            thread,
            draft: text,
            error,
        };
        let p = space_page(&state, &ctx, &c, 1, Some(refused)).await?;
        return render_status(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    state
        .limits
        .cohort_post(state.store.as_ref(), user.id)
        .await?;
    let p = state
        .store
        .add_post(c.id, thread, user.id, &text, Utc::now())
        .await?;
    tracing::info!(
        cohort = c.id,
        post = p.id,
        answer = thread.is_some(),
        "cohort post"
    );
    let etat = if thread.is_some() {
        super::replies::answered(&state, &c, p.clone());
        "repondu"
    } else {
        "publie"
    };
    let to = format!(
        "/parcours/{slug}/echanges?message={id}&etat={etat}#message-{id}",
        id = p.id
    );
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    reponses: String,
    #[serde(default)]
    resume: String,
}

/// `POST /parcours/{slug}/echanges/reglages`: her mails from the space (enrolled people
/// only: a platform animator who is not in the cohort gets 404, and no mail).
pub async fn settings(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, AppError> {
    let c = inside(&state, &user, &slug).await?;
    state
        .store
        .set_cohort_mail(
            c.id,
            user.id,
            !form.reponses.is_empty(),
            !form.resume.is_empty(),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/parcours/{slug}/echanges?etat=reglages#courriels"
    ))
    .into_response())
}
