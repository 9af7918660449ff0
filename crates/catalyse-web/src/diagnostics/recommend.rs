//! What a result recommends for its weakest levers (at most [`LEVERS`]), each with its
//! reason, drawn from the platform's own content: the resource centre's documents on the
//! lever, the next webinar on it and the replay of the last one, case studies of the same
//! phase and fragility, members who could help (the needs' matchmaking engine, as for a need
//! seeking that lever near the respondent), and a parcours whose sessions work on it.
//! Deterministic for a given content: every list is ordered (newest, then id). The store is
//! read a fixed number of times whatever the levers: the indexes and the engine first, then
//! one read per kind for all the levers.

use catalyse_core::agenda::{Event, EventStatus};
use catalyse_core::diagnostics::{weakest, LeverScore, Situation};
use catalyse_core::needs::suggest::{suggest, MemberSuggestion, NeedProfile, Reason, Viewer};
use catalyse_core::network::TerritoryRef;
use catalyse_core::parcours::{Cohort, Session};
use catalyse_core::text::Lang;
use catalyse_core::TerritoryLevel;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::needs::suggestions::shown_each;
use crate::state::AppState;

/// The weakest levers that get recommendations.
pub const LEVERS: usize = 3;
/// Resources, cases and peers recommended per lever.
const EACH: usize = 2;

/// One recommendation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recommendation {
    /// The lever's slug it is for.
    pub lever: String,
    /// `resource`, `webinar`, `replay`, `case`, `peer` or `parcours`.
    pub kind: String,
    pub title: String,
    pub url: String,
    /// Why it is recommended, in French.
    pub reason: String,
    /// Generated example data (« données d'exemple »).
    pub is_example: bool,
}

/// Who asks, for what the peers' profiles let her see.
pub struct Asker {
    pub user_id: Option<i64>,
    pub lang: Lang,
    /// Prefix of the links: empty for pages, the public address for the API.
    pub base: String,
}

/// The recommendations for `scores`' weakest levers, lever by lever.
pub async fn compute(
    state: &AppState,
    scores: &[LeverScore],
    situation: &Situation,
    department: Option<&str>,
    asker: &Asker,
) -> Result<Vec<Recommendation>, AppError> {
    let weak: Vec<&LeverScore> = weakest(scores).into_iter().take(LEVERS).collect();
    if weak.is_empty() {
        return Ok(vec![]);
    }
    let now = Utc::now();
    let levers: Vec<String> = weak.iter().map(|l| l.lever.clone()).collect();
    // The indexes and the engine: ids, lever by lever.
    let resource_ids = (levers.iter())
        .map(|l| resource_ids(state, l))
        .collect::<Result<Vec<_>, _>>()?;
    let case_ids = (levers.iter())
        .map(|l| case_ids(state, l, situation))
        .collect::<Result<Vec<_>, _>>()?;
    let candidates = peer_candidates(state, &levers, situation, department, asker).await?;
    // The store: one read per kind.
    let resources = state.store.resources_by_ids(&resource_ids.concat()).await?;
    let all_cases: Vec<i64> = case_ids.iter().flat_map(|(ids, _)| ids.clone()).collect();
    let cases: HashMap<i64, _> = (state.store.cases_by_ids(&all_cases).await?)
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let flat: Vec<_> = candidates.iter().flatten().cloned().collect();
    let signed_in = asker.user_id.is_some();
    let mut shown = shown_each(state, &flat, signed_in, (asker.lang, "")).await?;
    let events = state.store.events(None, None, None, None).await?;
    let running = running_parcours(state, now).await?;

    let mut out = vec![];
    let mut peers_seen: Vec<i64> = asker.user_id.into_iter().collect();
    let mut at = 0;
    for (i, l) in weak.iter().enumerate() {
        let rec = |kind: &str, title: String, url: String, reason: String, is_example: bool| {
            Recommendation {
                lever: l.lever.clone(),
                kind: kind.into(),
                title,
                url: format!("{}{url}", asker.base),
                reason,
                is_example,
            }
        };
        let name = &l.name;
        for id in &resource_ids[i] {
            if let Some(r) = resources.iter().find(|r| r.id == *id) {
                let reason =
                    format!("Une ressource du centre de ressources sur le levier « {name} ».");
                let url = format!("/ressources/{}", r.slug);
                out.push(rec("resource", r.title.clone(), url, reason, r.is_example));
            }
        }
        let upcoming = next_event(&events, &l.lever, now);
        for (kind, found) in [
            ("webinar", upcoming),
            ("replay", last_replay(&events, &l.lever, now)),
        ] {
            let Some(e) = found else { continue };
            let when = crate::events::pages::when(asker.lang, e);
            let reason = if kind == "webinar" {
                format!("Le prochain webinaire ou événement sur « {name} » : {when}.")
            } else {
                format!("Le replay du dernier webinaire sur « {name} » ({when}).")
            };
            let url = format!("/evenements/{}", e.slug);
            out.push(rec(kind, e.title.clone(), url, reason, e.is_example));
        }
        let (ids, with_lever) = &case_ids[i];
        let reason = case_reason(state, situation, with_lever.then_some(name.as_str()));
        for c in ids.iter().filter_map(|id| cases.get(id)) {
            if let Some(f) = c.public_fields() {
                let url = format!("/pratiques/{}", c.slug);
                out.push(rec(
                    "case",
                    f.title.clone(),
                    url,
                    reason.clone(),
                    c.is_example,
                ));
            }
        }
        // This lever's candidates, in the engine's order: the first shown, not yet proposed.
        let mine = candidates[i].len();
        let mut taken = 0;
        for m in shown[at..at + mine].iter_mut().filter_map(Option::take) {
            if taken == EACH || peers_seen.contains(&m.user_id) {
                continue;
            }
            peers_seen.push(m.user_id);
            taken += 1;
            let who = if m.organisation.is_empty() {
                m.name.clone()
            } else {
                format!("{} ({})", m.name, m.organisation)
            };
            let reason = format!(
                "Un membre du réseau qui pourrait vous aider : {}.",
                m.sentence
            );
            out.push(rec("peer", who, m.url, reason, m.is_example));
        }
        at += mine;
        if let Some((c, step, title)) = parcours_on(&running, &l.lever) {
            let reason = format!(
                "Le parcours d'expérience « {} » travaille le levier « {name} » à l'étape {step} (« {title} »).",
                c.fields.title
            );
            let url = format!("/parcours/{}", c.fields.slug);
            out.push(rec(
                "parcours",
                c.fields.title.clone(),
                url,
                reason,
                c.is_example,
            ));
        }
    }
    Ok(out)
}

/// The newest published resources on the lever, from the centre's index.
fn resource_ids(state: &AppState, lever: &str) -> Result<Vec<i64>, AppError> {
    let found = state
        .search
        .search(&catalyse_search::SearchQuery {
            levers: vec![lever.to_string()],
            sort: catalyse_search::Sort::Newest,
            per_page: EACH as u32,
            ..Default::default()
        })
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(found.hits.iter().map(|h| h.id).collect())
}

fn on(e: &Event, lever: &str) -> bool {
    e.levers.iter().any(|l| l == lever)
}

/// The next event on the lever that is not cancelled.
fn next_event<'a>(events: &'a [Event], lever: &str, now: DateTime<Utc>) -> Option<&'a Event> {
    (events.iter())
        .filter(|e| on(e, lever) && e.status == EventStatus::Scheduled && e.starts_at > now)
        .min_by_key(|e| (e.starts_at, e.id))
}

/// The last event on the lever that has a replay.
fn last_replay<'a>(events: &'a [Event], lever: &str, now: DateTime<Utc>) -> Option<&'a Event> {
    (events.iter())
        .filter(|e| on(e, lever) && e.replay_url.is_some() && e.starts_at <= now)
        .filter(|e| e.status != EventStatus::Cancelled)
        .max_by_key(|e| (e.starts_at, e.id))
}

/// Case studies on the lever of the respondent's phase and fragility (the newest), from the
/// case index; when none has all three, those of her phase and fragility, whatever their
/// levers (`false`).
fn case_ids(state: &AppState, lever: &str, s: &Situation) -> Result<(Vec<i64>, bool), AppError> {
    let phases: Vec<String> = s.phase.iter().cloned().collect();
    let fragilities: Vec<String> = s.fragility.iter().cloned().collect();
    let search = |levers: Vec<String>| {
        let q = catalyse_search::cases::CaseQuery {
            levers,
            phases: phases.clone(),
            fragilities: fragilities.clone(),
            sort: catalyse_search::cases::CaseSort::Newest,
            per_page: EACH as u32,
            ..Default::default()
        };
        (state.cases.search(&q))
            .map(|found| found.hits.iter().map(|h| h.id).collect::<Vec<i64>>())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
    };
    let ids = search(vec![lever.to_string()])?;
    if ids.is_empty() && !(phases.is_empty() && fragilities.is_empty()) {
        return Ok((search(vec![])?, false));
    }
    Ok((ids, true))
}

/// Why a case is proposed: what it shares with her situation, and the lever (`Some`, its
/// name) when it used it.
fn case_reason(state: &AppState, s: &Situation, lever: Option<&str>) -> String {
    let mut why = vec![];
    if let Some(p) =
        (s.phase.as_deref()).and_then(|p| p.parse::<catalyse_core::cases::Phase>().ok())
    {
        why.push(format!("même phase ({})", p.label_fr().to_lowercase()));
    }
    if let Some(f) =
        (s.fragility.as_deref()).and_then(|f| state.fragilities.iter().find(|x| x.slug == f))
    {
        why.push(format!("même fragilité ({})", f.name.to_lowercase()));
    }
    if let Some(name) = lever {
        why.push(format!("le levier « {name} » y a joué"));
    }
    format!("Une pratique proche de la vôtre : {}.", why.join(", "))
}

/// For each lever, the members who could help on it, as the engine ranks them for a need
/// seeking it in the respondent's département, of her fragility, from her family (all the
/// scans at once, off the async threads); a member proposed for other reasons than the
/// lever is left out.
async fn peer_candidates(
    state: &AppState,
    levers: &[String],
    s: &Situation,
    department: Option<&str>,
    asker: &Asker,
) -> Result<Vec<Vec<MemberSuggestion>>, AppError> {
    let snapshot = state.network();
    let names = snapshot.suggestions.names();
    let point = department.and_then(|code| {
        let t = TerritoryRef {
            level: TerritoryLevel::Department,
            code: code.to_string(),
        };
        state.matching.point(&state.territories, &t)
    });
    let profiles: Vec<NeedProfile> = (levers.iter())
        .map(|lever| NeedProfile {
            point,
            author_family: s.family.as_deref().and_then(|f| names.families.position(f)),
            fragility: (s.fragility.as_deref()).and_then(|f| names.fragilities.position(f)),
            levers: names.levers.mask(std::slice::from_ref(lever)),
            families: 0,
            activities: 0,
        })
        .collect();
    let viewer = Viewer {
        signed_in: asker.user_id.is_some(),
        exclude: asker.user_id.into_iter().collect(),
    };
    let today = Utc::now().date_naive();
    tokio::task::spawn_blocking(move || {
        (profiles.iter())
            .map(|p| {
                (suggest(&snapshot.suggestions, p, &viewer, today, EACH + 2).members)
                    .into_iter()
                    .filter(|m| (m.reasons.iter()).any(|r| matches!(r, Reason::Levers { .. })))
                    .collect()
            })
            .collect()
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

/// The cohorts running or to come, first to start first, with their sessions.
async fn running_parcours(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<Vec<(Cohort, Vec<Session>)>, AppError> {
    let today = now.date_naive();
    let mut cohorts = state.store.cohorts().await?;
    cohorts.retain(|c| c.fields.ends_on >= today);
    cohorts.sort_by_key(|c| (c.fields.starts_on, c.id));
    let mut out = Vec::with_capacity(cohorts.len());
    for c in cohorts {
        let sessions = state.store.sessions(c.id).await?;
        out.push((c, sessions));
    }
    Ok(out)
}

/// The first of them with a session on the lever: the cohort, the session's step and title.
fn parcours_on<'a>(
    running: &'a [(Cohort, Vec<Session>)],
    lever: &str,
) -> Option<(&'a Cohort, i32, &'a str)> {
    running.iter().find_map(|(c, sessions)| {
        let s = sessions.iter().find(|s| on(&s.event, lever))?;
        Some((c, s.step, s.event.title.as_str()))
    })
}
