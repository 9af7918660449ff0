//! « Qui pourrait vous aider ? »: the members and case studies proposed for a need, ranked by
//! the engine (`catalyse_core::needs::suggest`) over the pool in memory (`needs::pool`), with
//! their reasons in French and as data, and the weights' explanation (« Pourquoi ces
//! suggestions ? »). The need's page includes `templates/needs/suggestions.html` with a
//! [`Shown`] named `suggestions`; the API (`api_suggestions`) serialises the same ranking.

use crate::error::AppError;
use crate::pages::PageCtx;
use crate::state::AppState;
use catalyse_core::needs::suggest::{suggest, NeedProfile, Reason, Suggestions, Viewer, WEIGHTS};
use catalyse_core::needs::Need;
use catalyse_core::text::Lang;
use catalyse_core::User;
use std::collections::HashMap;

/// Members a need's page proposes.
pub const MEMBERS_SHOWN: usize = 6;
/// Case studies a need's page proposes.
pub const CASES_SHOWN: usize = 4;
/// Asked of the engine beyond what is shown: the pool may hold a profile or a case withdrawn
/// since it was built (the store, read after, says so), and the next ones take its place.
const SPARE: usize = 4;

/// How many members and cases the engine is asked for, to show `members` and `cases` of
/// them (a few spare, for those the store no longer shows).
pub fn limit(members: usize, cases: usize) -> usize {
    members.max(cases) + SPARE
}

/// A member proposed, as shown.
#[derive(Debug, Clone)]
pub struct ShownMember {
    pub user_id: i64,
    pub slug: String,
    pub name: String,
    pub organisation: String,
    /// Her profile's address (`/reseau/{slug}`, absolute for the API).
    pub url: String,
    /// Out of `WEIGHTS.member_total()`.
    pub score: f32,
    /// The reasons in one French sentence (« Association à 12 km · pratique … »).
    pub sentence: String,
    pub reasons: Vec<Reason>,
    /// Generated example data (« données d'exemple »).
    pub is_example: bool,
    /// Her profile is seen by signed-in members only.
    pub members_only: bool,
}

/// A case study proposed, as shown.
#[derive(Debug, Clone)]
pub struct ShownCase {
    pub slug: String,
    pub title: String,
    /// Its page (`/pratiques/{slug}`, absolute for the API).
    pub url: String,
    /// Out of `WEIGHTS.case_total()`.
    pub score: f32,
    pub sentence: String,
    pub reasons: Vec<Reason>,
    pub is_example: bool,
}

/// Who looks at the suggestions, for what the section offers her.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looker {
    Visitor,
    /// The need's author: « Demander une mise en relation » beside each member.
    Author,
    /// Another signed-in member: « Je peux aider ».
    Member,
}

impl Looker {
    /// Who this user (or a visitor) is to the need.
    pub fn of(user: Option<&User>, need: &Need) -> Looker {
        match user {
            None => Looker::Visitor,
            Some(u) if need.author_id == Some(u.id) => Looker::Author,
            Some(_) => Looker::Member,
        }
    }
}

/// The suggestions for one need and one viewer, and what the section needs to show them.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The need's slug, for the section's links and forms.
    pub slug: String,
    pub members: Vec<ShownMember>,
    pub cases: Vec<ShownCase>,
    /// The weights explained (`Weights::explain`), one sentence a line.
    pub why: Vec<String>,
    pub looker: Looker,
    /// Whether the need still waits for help (contact is offered only then).
    pub open: bool,
    /// Whether its author can be written to (not so for imported and example needs).
    pub reachable: bool,
}

impl Shown {
    /// Whether anything shown is generated example data (the note says what that means).
    pub fn has_examples(&self) -> bool {
        self.members.iter().any(|m| m.is_example) || self.cases.iter().any(|c| c.is_example)
    }

    /// The explanation in three parts, as the note lays it out: the sentence that introduces
    /// the factors of a member's score (it ends with « : »), the factors, and the rules after.
    pub fn why_parts(&self) -> (&[String], &[String], &[String]) {
        let intro = self
            .why
            .iter()
            .position(|l| l.trim_end().ends_with(':'))
            .map_or(0, |i| i + 1);
        let end = self.why[intro..]
            .iter()
            .position(|l| l.trim_end().ends_with('.'))
            .map_or(self.why.len(), |i| intro + i + 1);
        (&self.why[..intro], &self.why[intro..end], &self.why[end..])
    }

    /// A score as the page writes it (« 72 points »).
    pub fn points(&self, ctx: &PageCtx, score: &f32) -> String {
        ctx.t.f("needs_match.score", score.round() as i64)
    }

    /// Whether the viewer may offer her help (« Je peux aider »); a visitor is asked to
    /// sign in first.
    pub fn may_offer(&self) -> bool {
        self.open && self.reachable && self.looker != Looker::Author
    }

    /// Whether the viewer may ask to be put in touch with a member.
    pub fn may_ask(&self) -> bool {
        self.open && self.looker == Looker::Author
    }
}

/// The public need of this slug: `NotFound` for an unknown one or one never approved.
pub async fn public_need(state: &AppState, slug: &str) -> Result<Need, AppError> {
    (state.store.need_by_slug(slug).await?)
        .filter(Need::is_public)
        .ok_or(AppError::NotFound)
}

/// The suggestions a need's page shows to its viewer: public profiles to visitors, those
/// reserved to members too when signed in; never the need's author nor anyone already in
/// touch about it.
pub async fn for_need(state: &AppState, ctx: &PageCtx, need: &Need) -> Result<Shown, AppError> {
    let looker = Looker::of(ctx.user.as_ref(), need);
    ranked(
        state,
        need,
        looker,
        ctx.t.lang,
        "",
        MEMBERS_SHOWN,
        CASES_SHOWN,
    )
    .await
}

/// The best `members` members and `cases` cases for the need, as `looker` may see them, their
/// reasons in `lang`, with links prefixed by `base` (empty for pages, the public address for
/// the API). A need that is not public has none.
pub async fn ranked(
    state: &AppState,
    need: &Need,
    looker: Looker,
    lang: Lang,
    base: &str,
    members: usize,
    cases: usize,
) -> Result<Shown, AppError> {
    let mut shown = Shown {
        slug: need.slug.clone(),
        members: vec![],
        cases: vec![],
        why: WEIGHTS.explain(lang),
        looker,
        open: need.is_open(),
        reachable: need.author_reachable(),
    };
    let Some(fields) = need.public_fields() else {
        return Ok(shown);
    };
    let signed_in = looker != Looker::Visitor;
    let mut exclude: Vec<i64> = need.author_id.into_iter().collect();
    for c in state.store.need_contacts(need.id).await? {
        exclude.push(c.from_user);
        exclude.extend(c.to_user);
    }
    let snapshot = state.network();
    let point = state.matching.point(&state.territories, &fields.territory);
    let profile = NeedProfile::from_fields(fields, snapshot.suggestions.names(), point);
    let viewer = Viewer { signed_in, exclude };
    let today = chrono::Utc::now().date_naive();
    let limit = limit(members, cases);
    let pool = snapshot.clone();
    // A scan of every member: off the async threads.
    let found: Suggestions = tokio::task::spawn_blocking(move || {
        suggest(&pool.suggestions, &profile, &viewer, today, limit)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let names = snapshot.suggestions.names();

    shown.members = shown_members(state, &found.members, signed_in, (lang, base), members).await?;

    let ids: Vec<i64> = found.cases.iter().map(|c| c.case_id).collect();
    let found_cases: HashMap<i64, _> = state
        .store
        .cases_by_ids(&ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    shown.cases = found
        .cases
        .iter()
        .filter_map(|s| {
            let c = found_cases.get(&s.case_id)?;
            let f = c.public_fields()?;
            Some(ShownCase {
                slug: c.slug.clone(),
                title: f.title.clone(),
                url: format!("{base}/pratiques/{}", c.slug),
                score: s.score,
                sentence: s.sentence(names, lang),
                reasons: s.reasons.clone(),
                is_example: c.is_example,
            })
        })
        .take(cases)
        .collect();
    Ok(shown)
}

/// The first `take` of the engine's members that the store still shows to this looker
/// (`signed_in`), with their reasons in `lang` and links prefixed by `base`.
pub async fn shown_members(
    state: &AppState,
    found: &[catalyse_core::needs::suggest::MemberSuggestion],
    signed_in: bool,
    (lang, base): (Lang, &str),
    take: usize,
) -> Result<Vec<ShownMember>, AppError> {
    let each = shown_each(state, found, signed_in, (lang, base)).await?;
    Ok(each.into_iter().flatten().take(take).collect())
}

/// Each of the engine's members as shown, in order: `None` for one the store no longer
/// shows to this looker. One read of the store, however many they are (a member may come
/// several times, with other reasons).
pub async fn shown_each(
    state: &AppState,
    found: &[catalyse_core::needs::suggest::MemberSuggestion],
    signed_in: bool,
    (lang, base): (Lang, &str),
) -> Result<Vec<Option<ShownMember>>, AppError> {
    let snapshot = state.network();
    let names = snapshot.suggestions.names();
    let mut ids: Vec<i64> = found.iter().map(|m| m.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let profiles: HashMap<i64, _> = state
        .store
        .profiles_by_ids(&ids)
        .await?
        .into_iter()
        .filter(|p| p.visible_to(signed_in))
        .map(|p| (p.user_id, p))
        .collect();
    Ok(found
        .iter()
        .map(|s| {
            let p = profiles.get(&s.user_id)?;
            let f = p.moderated.published.as_ref()?;
            Some(ShownMember {
                user_id: p.user_id,
                slug: p.slug.clone(),
                name: f.display_name.clone(),
                organisation: f.organisation.clone(),
                url: format!("{base}/reseau/{}", p.slug),
                score: s.score,
                sentence: s.sentence(names, lang),
                reasons: s.reasons.clone(),
                is_example: p.is_example,
                members_only: !p.is_public(),
            })
        })
        .collect())
}

/// Of these public needs, those for which the engine proposes no member (as a signed-in
/// member would see them, their author aside) and no case study: those the animators must
/// find help for by other means. One scan of the pool per need, all off the async threads:
/// the caller bounds how many it asks about.
pub async fn without_suggestion(state: &AppState, needs: Vec<Need>) -> Result<Vec<Need>, AppError> {
    let snapshot = state.network();
    let asked: Vec<(Need, NeedProfile, Viewer)> = needs
        .into_iter()
        .filter_map(|n| {
            let fields = n.public_fields()?;
            let point = state.matching.point(&state.territories, &fields.territory);
            let profile = NeedProfile::from_fields(fields, snapshot.suggestions.names(), point);
            let viewer = Viewer {
                signed_in: true,
                exclude: n.author_id.into_iter().collect(),
            };
            Some((n, profile, viewer))
        })
        .collect();
    let today = chrono::Utc::now().date_naive();
    tokio::task::spawn_blocking(move || {
        (asked.into_iter())
            .filter(|(_, profile, viewer)| {
                let found = suggest(&snapshot.suggestions, profile, viewer, today, 1);
                found.members.is_empty() && found.cases.is_empty()
            })
            .map(|(n, ..)| n)
            .collect()
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}
