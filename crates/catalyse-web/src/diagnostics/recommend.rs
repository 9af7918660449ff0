//! What a result recommends for its weakest levers (at most [`LEVERS`]), each with its
//! reason, drawn from the platform's own content: the resource centre's documents on the
//! lever, the next webinar on it and the replay of the last one, case studies of the same
//! phase and fragility, members who could help (the needs' matchmaking engine, as for a need
//! seeking that lever near the respondent), and a parcours whose sessions work on it.
//! Deterministic for a given content: every list is ordered (newest, then id).

use catalyse_core::agenda::{Event, EventStatus};
use catalyse_core::diagnostics::{weakest, LeverScore, Situation};
use catalyse_core::needs::suggest::{suggest, NeedProfile, Reason, Viewer};
use catalyse_core::network::TerritoryRef;
use catalyse_core::text::Lang;
use catalyse_core::TerritoryLevel;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;
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
    let events = state.store.events(None, None, None, None).await?;
    let now = Utc::now();
    let mut out = vec![];
    let mut peers_seen: Vec<i64> = asker.user_id.into_iter().collect();
    for l in weak {
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
        for r in resources(state, &l.lever).await? {
            let reason = format!("Une ressource du centre de ressources sur le levier « {name} ».");
            out.push(rec(
                "resource",
                r.title,
                format!("/ressources/{}", r.slug),
                reason,
                r.is_example,
            ));
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
        for (slug, title, reason, is_example) in cases(state, &l.lever, name, situation).await? {
            out.push(rec(
                "case",
                title,
                format!("/pratiques/{slug}"),
                reason,
                is_example,
            ));
        }
        for p in peers(state, &l.lever, situation, department, asker, &peers_seen).await? {
            peers_seen.push(p.0);
            out.push(rec("peer", p.1, p.2, p.3, p.4));
        }
        if let Some((slug, title, reason, is_example)) =
            parcours(state, &l.lever, name, now).await?
        {
            out.push(rec(
                "parcours",
                title,
                format!("/parcours/{slug}"),
                reason,
                is_example,
            ));
        }
    }
    Ok(out)
}

struct Found {
    slug: String,
    title: String,
    is_example: bool,
}

/// The newest published resources on the lever.
async fn resources(state: &AppState, lever: &str) -> Result<Vec<Found>, AppError> {
    let found = state
        .search
        .search(&catalyse_search::SearchQuery {
            levers: vec![lever.to_string()],
            sort: catalyse_search::Sort::Newest,
            per_page: EACH as u32,
            ..Default::default()
        })
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    Ok((state.store.resources_by_ids(&ids).await?.into_iter())
        .map(|r| Found {
            slug: r.slug.clone(),
            title: r.title.clone(),
            is_example: r.is_example,
        })
        .collect())
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

/// Case studies on the lever of the respondent's phase and fragility (the newest); when
/// none has all three, those of her phase and fragility, whatever their levers.
async fn cases(
    state: &AppState,
    lever: &str,
    lever_name: &str,
    s: &Situation,
) -> Result<Vec<(String, String, String, bool)>, AppError> {
    let phases: Vec<String> = s.phase.iter().cloned().collect();
    let fragilities: Vec<String> = s.fragility.iter().cloned().collect();
    let query = |levers: Vec<String>| catalyse_search::cases::CaseQuery {
        levers,
        phases: phases.clone(),
        fragilities: fragilities.clone(),
        sort: catalyse_search::cases::CaseSort::Newest,
        per_page: EACH as u32,
        ..Default::default()
    };
    let search = |q: catalyse_search::cases::CaseQuery| {
        state
            .cases
            .search(&q)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
    };
    let mut with_lever = true;
    let mut found = search(query(vec![lever.to_string()]))?;
    if found.hits.is_empty() && !(phases.is_empty() && fragilities.is_empty()) {
        with_lever = false;
        found = search(query(vec![]))?;
    }
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    let phase = (s.phase.as_deref())
        .and_then(|p| p.parse::<catalyse_core::cases::Phase>().ok())
        .map(|p| p.label_fr().to_lowercase());
    let fragility = (s.fragility.as_deref()).and_then(|f| {
        (state.fragilities.iter())
            .find(|x| x.slug == f)
            .map(|x| x.name.to_lowercase())
    });
    let mut why = vec![];
    if let Some(p) = phase {
        why.push(format!("même phase ({p})"));
    }
    if let Some(f) = fragility {
        why.push(format!("même fragilité ({f})"));
    }
    if with_lever {
        why.push(format!("le levier « {lever_name} » y a joué"));
    }
    let reason = format!("Une pratique proche de la vôtre : {}.", why.join(", "));
    let mut by_id: std::collections::HashMap<i64, _> = (state.store.cases_by_ids(&ids).await?)
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .filter_map(|c| {
            let title = c.public_fields()?.title.clone();
            Some((c.slug, title, reason.clone(), c.is_example))
        })
        .collect())
}

/// Members who could help on the lever, as the engine ranks them for a need seeking it in
/// the respondent's département, of her fragility, from her family: (user id, name, link,
/// reason, example).
async fn peers(
    state: &AppState,
    lever: &str,
    s: &Situation,
    department: Option<&str>,
    asker: &Asker,
    exclude: &[i64],
) -> Result<Vec<(i64, String, String, String, bool)>, AppError> {
    let snapshot = state.network();
    let names = snapshot.suggestions.names();
    let point = department.and_then(|code| {
        let t = TerritoryRef {
            level: TerritoryLevel::Department,
            code: code.to_string(),
        };
        state.matching.point(&state.territories, &t)
    });
    let profile = NeedProfile {
        point,
        author_family: s.family.as_deref().and_then(|f| names.families.position(f)),
        fragility: s
            .fragility
            .as_deref()
            .and_then(|f| names.fragilities.position(f)),
        levers: names.levers.mask(&[lever.to_string()]),
        families: 0,
        activities: 0,
    };
    let signed_in = asker.user_id.is_some();
    let viewer = Viewer {
        signed_in,
        exclude: exclude.to_vec(),
    };
    let today = Utc::now().date_naive();
    let pool = snapshot.clone();
    let found = tokio::task::spawn_blocking(move || {
        suggest(&pool.suggestions, &profile, &viewer, today, EACH + 2)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    // A member the engine proposes for other reasons than this lever is no help on it.
    let members: Vec<_> = (found.members.into_iter())
        .filter(|m| (m.reasons.iter()).any(|r| matches!(r, Reason::Levers { .. })))
        .collect();
    let shown = crate::needs::suggestions::shown_members(
        state,
        &members,
        signed_in,
        (asker.lang, ""),
        EACH,
    )
    .await?;
    Ok(shown
        .into_iter()
        .map(|m| {
            let who = if m.organisation.is_empty() {
                m.name.clone()
            } else {
                format!("{} ({})", m.name, m.organisation)
            };
            let reason = format!(
                "Un membre du réseau qui pourrait vous aider : {}.",
                m.sentence
            );
            (m.user_id, who, m.url, reason, m.is_example)
        })
        .collect())
}

/// A parcours running or to come whose sessions work on the lever: (slug, title, reason,
/// example).
async fn parcours(
    state: &AppState,
    lever: &str,
    lever_name: &str,
    now: DateTime<Utc>,
) -> Result<Option<(String, String, String, bool)>, AppError> {
    let today = now.date_naive();
    let mut cohorts = state.store.cohorts().await?;
    cohorts.retain(|c| c.fields.ends_on >= today);
    cohorts.sort_by_key(|c| (c.fields.starts_on, c.id));
    for c in cohorts {
        let sessions = state.store.sessions(c.id).await?;
        if let Some(s) = sessions.iter().find(|s| on(&s.event, lever)) {
            let reason = format!(
                "Le parcours d'expérience « {} » travaille le levier « {lever_name} » à l'étape {} (« {} »).",
                c.fields.title, s.step, s.event.title
            );
            return Ok(Some((
                c.fields.slug.clone(),
                c.fields.title.clone(),
                reason,
                c.is_example,
            )));
        }
    }
    Ok(None)
}
