//! `/diagnostic/resultat/{token}`: a result, computed from what its private link holds
//! (nothing is read from the store about the respondent): the levers' profile as a chart
//! and a table, then for each weak lever what to read, attend, look at and whom to meet,
//! each with its reason; « transformer en besoin »; saving it to her space. The page prints
//! as a clean document (the stylesheet's print rules). Whoever holds the link sees the
//! result; a link altered or sealed elsewhere gives nothing.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use catalyse_core::diagnostics::token::Draft;
use catalyse_core::diagnostics::{weakest, LeverScore, Questionnaire, Situation};

use super::recommend::{Asker, Recommendation};
use crate::error::AppError;
use crate::pages::{render, PageCtx};
use crate::state::AppState;

/// A weak lever and what is recommended for it.
pub struct WeakLever {
    pub score: LeverScore,
    pub items: Vec<Recommendation>,
}

#[derive(Template)]
#[template(path = "diagnostics/result.html")]
struct ResultPage<'a> {
    ctx: &'a PageCtx,
    q: &'a Questionnaire,
    token: String,
    scores: Vec<LeverScore>,
    chart: String,
    weak: Vec<WeakLever>,
    /// What the role questions said, in words.
    situation: Vec<(&'static str, String)>,
    department: String,
    /// `/besoins/nouveau?diagnostic=…`
    need_link: String,
    saved: bool,
    has_examples: bool,
}

/// What a finished link gives: the questionnaire, the scores, the situation.
pub struct Computed<'a> {
    pub q: &'a Questionnaire,
    pub draft: Draft,
    pub scores: Vec<LeverScore>,
    pub situation: Situation,
}

/// The finished result a token holds, or `None` (not a link of ours, altered, unfinished,
/// or its questionnaire is gone).
pub fn computed<'a>(state: &'a AppState, token: &str) -> Option<Computed<'a>> {
    let draft = state.diagnostics.sealer.open(token)?;
    let q = state.diagnostics.get(&draft.questionnaire)?;
    let answers = super::links::answers_of(q, &draft);
    if !draft.finished || q.first_unfinished(&answers).is_some() {
        return None;
    }
    Some(Computed {
        scores: q.scores(&answers, &state.reference.levers),
        situation: q.situation(&answers),
        q,
        draft,
    })
}

/// `GET /diagnostic/resultat/{token}`
pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some(c) = computed(&state, &token) else {
        // An unfinished link of ours resumes where it stopped.
        if let Some(d) = state.diagnostics.sealer.open(&token) {
            if state.diagnostics.get(&d.questionnaire).is_some() && !d.finished {
                let to = format!("/diagnostic/{}?r={token}", d.questionnaire);
                return Ok(Redirect::to(&to).into_response());
            }
        }
        return Ok(super::links::invalid_link(&ctx));
    };
    let asker = Asker {
        user_id: ctx.user.as_ref().map(|u| u.id),
        lang: ctx.t.lang,
        base: String::new(),
    };
    let department = c.draft.department.clone();
    let recs = super::recommend::compute(
        &state,
        &c.scores,
        &c.situation,
        department.as_deref(),
        &asker,
    )
    .await?;
    let weak: Vec<WeakLever> = weakest(&c.scores)
        .into_iter()
        .map(|s| WeakLever {
            score: s.clone(),
            items: recs
                .iter()
                .filter(|r| r.lever == s.lever)
                .cloned()
                .collect(),
        })
        .collect();
    let n_weak = weak.len();
    let desc = describe(&c.scores, n_weak);
    let chart = super::chart::bars(
        &c.scores,
        c.q.weak_below,
        ctx.t.s("diagnostics.chart_title"),
        &desc,
    );
    let page = ResultPage {
        ctx: &ctx,
        q: c.q,
        need_link: format!("/besoins/nouveau?diagnostic={token}"),
        token,
        chart,
        has_examples: recs.iter().any(|r| r.is_example),
        weak,
        situation: situation_words(&state, &c.situation),
        department: (department.as_deref())
            .and_then(|d| {
                state
                    .diagnostics
                    .departments
                    .iter()
                    .find(|(code, _)| code == d)
            })
            .map(|(code, name)| format!("{name} ({code})"))
            .unwrap_or_default(),
        saved: c.draft.saved.is_some(),
        scores: c.scores,
    };
    let mut resp = render(&ctx, &page)?;
    // The link is private: never kept by a cache (the platform's `Referrer-Policy:
    // same-origin` already keeps it from other sites).
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// The chart's description: every score, in words.
fn describe(scores: &[LeverScore], weak: usize) -> String {
    let each: Vec<String> = (scores.iter())
        .map(|s| match s.score {
            Some(v) => format!("{} : {v} sur 100", s.name),
            None => format!("{} : non évalué", s.name),
        })
        .collect();
    format!("{} ; {weak} levier(s) à renforcer.", each.join(" ; "))
}

/// « Transformer en besoin »: fills the new need's form from a result — its weak levers
/// (the weakest first, at most three), the phase and fragility, the respondent's family and
/// département, and a description listing the scores. A link that is not a finished result
/// of ours fills nothing.
pub fn prefill_need(
    state: &AppState,
    t: crate::i18n::Tr,
    token: &str,
    d: &mut crate::needs::form::Typed,
) {
    let Some(c) = computed(state, token) else {
        return;
    };
    let weak: Vec<&LeverScore> = weakest(&c.scores).into_iter().take(3).collect();
    if weak.is_empty() {
        return;
    }
    let names: Vec<&str> = weak.iter().map(|s| s.name.as_str()).collect();
    d.title = t
        .s("diagnostics.need_title")
        .replace("{levers}", &names.join(", "));
    d.title = d.title.chars().take(150).collect();
    let mut text = t.s("diagnostics.need_intro").replace("{title}", &c.q.title);
    text.push_str("\n\n");
    for s in &c.scores {
        let v = s
            .score
            .map_or_else(|| "—".to_string(), |v| format!("{v} / 100"));
        let mark = if s.weak { " (à renforcer)" } else { "" };
        text.push_str(&format!("- {} : {v}{mark}\n", s.name));
    }
    d.description = text;
    d.levers = weak.iter().map(|s| s.lever.clone()).collect();
    if let Some(f) = &c.situation.fragility {
        d.fragility = f.clone();
    }
    if let Some(f) = &c.situation.family {
        d.author_family = f.clone();
    }
    if let Some(dep) = c.draft.department.as_deref() {
        let r = catalyse_core::network::TerritoryRef {
            level: catalyse_core::TerritoryLevel::Department,
            code: dep.to_string(),
        };
        d.territory = crate::territories::pick::line_of(&state.territories, &r);
    }
}

/// The role answers in words: (catalogue key of the label, value).
pub fn situation_words(state: &AppState, s: &Situation) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    if let Some(p) =
        (s.phase.as_deref()).and_then(|p| p.parse::<catalyse_core::cases::Phase>().ok())
    {
        out.push(("diagnostics.situation_phase", p.label_fr().to_string()));
    }
    if let Some(f) =
        (s.fragility.as_deref()).and_then(|f| state.fragilities.iter().find(|x| x.slug == f))
    {
        out.push(("diagnostics.situation_fragility", f.name.clone()));
    }
    if let Some(f) = (s.family.as_deref())
        .and_then(|f| state.reference.actor_families.iter().find(|x| x.slug == f))
    {
        out.push(("diagnostics.situation_family", f.name.clone()));
    }
    out
}
