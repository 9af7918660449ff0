//! `POST /formation/{module}/{n}`: completing a unit. A reading or a replay is marked done; a
//! member's reflection is saved (hers only) and completes the unit — a visitor's is not kept,
//! she marks it done; a quiz is scored, each answer given its feedback, and completed
//! whatever the score. A member's progress goes to the database (within a budget of posts
//! per hour), a visitor's to her signed cookie (no row is written for her). Anything wrong
//! answers the unit page again with a French message, and records nothing.

use super::pages::{feedback, module_or_404, render_unit, After, QUESTION_IDS};
use super::progress::Learner;
use crate::auth::CsrfForm;
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::pages::PageCtx;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::formation::{score, Answers, QuizResult, UnitContent, MAX_REFLECTION};
use catalyse_store::RateBudget;
use chrono::Utc;

/// Posts a member may make per hour (marks, reflections, answers).
pub const POSTS_PER_HOUR: u32 = 300;

/// The reflection's text area.
pub const TEXT_FIELD: &str = "texte";

fn value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A sentence's first letter in capitals.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The answers of a quiz form: `q1`, `q2`… each once (a radio) or several times (boxes),
/// valued by the answer's index; an index that does not read is one that does not exist.
fn answers_of(fields: &[(String, String)], questions: usize) -> Answers {
    (1..=questions)
        .map(|n| {
            let name = format!("q{n}");
            (fields.iter())
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.trim().parse::<usize>().unwrap_or(usize::MAX))
                .collect()
        })
        .collect()
}

/// Takes one post from the member's hourly budget.
async fn budget(state: &AppState, user_id: i64) -> Result<(), AppError> {
    use sha2::{Digest, Sha256};
    let id = hex::encode(Sha256::digest(format!("formation:{user_id}")));
    let b = RateBudget {
        key: format!("formation:{}", &id[..32]),
        limit: POSTS_PER_HOUR,
        window: chrono::Duration::hours(1),
    };
    match state.store.rate_limit_take(&[b], Utc::now()).await? {
        None => Ok(()),
        Some(wait) => Err(AppError::TooManyRequests {
            retry_after: (wait.num_seconds() + 1).max(1) as u64,
        }),
    }
}

/// What the post completes: a unit, with a quiz's result or a reflection's text.
enum Completion {
    Mark,
    Reflection(String),
    Quiz(QuizResult),
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path((slug, n)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let n: usize = n.parse().map_err(|_| AppError::NotFound)?;
    let s = module_or_404(&state, &slug).await?;
    let i = n
        .checked_sub(1)
        .filter(|i| *i < s.module.units.len())
        .ok_or(AppError::NotFound)?;
    let unit = &s.module.units[i];
    let learner = Learner::new(&state, ctx.user.clone(), &headers);
    let again = |status, after| render_unit(&state, &ctx, &learner, &s, n, (status, after));
    // The page was shown before the module changed (a unit added, removed or moved).
    if value(&fields, "unite") != Some(unit.key.as_str()) {
        let errors = FormErrors::one("", ctx.t.s("formation.changed"));
        let after = After {
            errors,
            ..After::default()
        };
        return again(StatusCode::CONFLICT, after).await;
    }
    let completion = match (&unit.content, &learner) {
        (UnitContent::Reflection { .. }, Learner::Member(_)) => {
            let text = value(&fields, TEXT_FIELD).unwrap_or("").trim().to_string();
            let problem = if text.is_empty() {
                Some(ctx.t.s("formation.reflection_empty").to_string())
            } else if text.chars().count() > MAX_REFLECTION {
                Some(ctx.t.f(
                    "formation.reflection_long",
                    crate::i18n::format_count(ctx.t.lang, MAX_REFLECTION as i64),
                ))
            } else {
                catalyse_core::text::check_plain_lines(&text)
                    .err()
                    .map(|m| format!("{} {m}", ctx.t.s("formation.reflection_label")))
            };
            if let Some(p) = problem {
                let after = After {
                    errors: FormErrors::one(TEXT_FIELD, p),
                    text: Some(text),
                    ..After::default()
                };
                return again(StatusCode::UNPROCESSABLE_ENTITY, after).await;
            }
            Completion::Reflection(text)
        }
        (UnitContent::Quiz { questions }, _) => {
            let answers = answers_of(&fields, questions.len());
            match score(questions, &answers) {
                Ok(result) => Completion::Quiz(result),
                Err(problems) => {
                    let mut errors = FormErrors::default();
                    for (q, message) in problems {
                        let field = q.and_then(|q| QUESTION_IDS.get(q)).copied().unwrap_or("");
                        errors.push(field, sentence(&message));
                    }
                    let after = After {
                        errors,
                        picked: Some(answers),
                        ..After::default()
                    };
                    return again(StatusCode::UNPROCESSABLE_ENTITY, after).await;
                }
            }
        }
        _ => Completion::Mark,
    };
    let quiz = match &completion {
        Completion::Quiz(r) => Some(r.clone()),
        _ => None,
    };
    // Recorded: in the database for a member, in the cookie for a visitor.
    let (learner, cookie) = match learner {
        Learner::Member(user) => {
            budget(&state, user.id).await?;
            let now = Utc::now();
            match &completion {
                Completion::Reflection(text) => {
                    (state.store)
                        .save_formation_reflection(user.id, &slug, &unit.key, text, now)
                        .await?;
                }
                _ => {
                    (state.store)
                        .complete_formation_unit(user.id, &slug, &unit.key, quiz.as_ref(), now)
                        .await?;
                }
            }
            // Open Badges: the module, a replay's lever, the cycle, a cohort may be complete.
            crate::badges::rules::after(&state, [user.id]).await;
            (Learner::Member(user), None)
        }
        Learner::Visitor(mut progress) => {
            let kept = progress.clone();
            let score = quiz.as_ref().map(|q| (q.score, q.out_of));
            progress.complete(&slug, &unit.key, score);
            match progress.cookie(&state.link_secret) {
                Some(c) => (Learner::Visitor(progress), Some(c)),
                None => {
                    let errors = FormErrors::one("", ctx.t.s("formation.cookie_full"));
                    let after = After {
                        errors,
                        ..After::default()
                    };
                    let learner = Learner::Visitor(kept);
                    let status = StatusCode::UNPROCESSABLE_ENTITY;
                    return render_unit(&state, &ctx, &learner, &s, n, (status, after)).await;
                }
            }
        }
    };
    let mut resp = match (quiz, &unit.content) {
        // The feedback is the answer to the quiz itself.
        (Some(result), UnitContent::Quiz { questions }) => {
            let after = After {
                feedback: Some((
                    feedback(questions, &result.answers),
                    (result.score, result.out_of),
                )),
                picked: Some(result.answers),
                ..After::default()
            };
            render_unit(&state, &ctx, &learner, &s, n, (StatusCode::OK, after)).await?
        }
        _ => Redirect::to(&format!("/formation/{slug}/{n}#etat")).into_response(),
    };
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}
