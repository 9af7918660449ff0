//! The needs' services shared by pages, API and jobs: the search read from a query string
//! (French names on pages, English in the API) and written back, the document a need becomes
//! in the index, and the index kept in step with the store.

use crate::error::AppError;
use crate::state::AppState;
use catalyse_core::needs::{Horizon, Need, NeedStatus};
use catalyse_core::{TerritoryIndex, TerritoryLevel};
use catalyse_search::needs::{NeedDoc, NeedFacet, NeedQuery, NeedResults, NeedSort};

/// Needs per page of results.
pub const PER_PAGE: u32 = 20;

/// A parameter that could not be understood, in French.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError(pub String);

/// The names of a search's parameters: the text, each facet (in the order of
/// [`NeedFacet::ALL`]: région, département, fragility, lever, family, activity, status,
/// horizon), the sort and its values, the page.
pub struct Names {
    pub q: &'static str,
    pub facets: [&'static str; 8],
    pub sort: &'static str,
    pub sorts: [&'static str; 3],
    pub page: &'static str,
}

/// `/besoins?q=…&region=…&departement=…&fragilite=…&levier=…&famille=…&activite=…&statut=…&echeance=…&tri=…&page=…`
pub const PAGE_NAMES: Names = Names {
    q: "q",
    facets: [
        "region",
        "departement",
        "fragilite",
        "levier",
        "famille",
        "activite",
        "statut",
        "echeance",
    ],
    sort: "tri",
    sorts: ["pertinence", "recent", "attente"],
    page: "page",
};

/// `/api/v1/needs?q=…&region=…&department=…&fragility=…&lever=…&family=…&activity=…&status=…&horizon=…&sort=…&page=…`
pub const API_NAMES: Names = Names {
    q: "q",
    facets: [
        "region",
        "department",
        "fragility",
        "lever",
        "family",
        "activity",
        "status",
        "horizon",
    ],
    sort: "sort",
    sorts: ["relevance", "newest", "waiting"],
    page: "page",
};

/// The orders, in the order of [`Names::sorts`].
pub const SORTS: [NeedSort; 3] = [
    NeedSort::Relevance,
    NeedSort::Newest,
    NeedSort::LongestWaiting,
];

/// Values a repeatable filter keeps at most.
const MAX_VALUES: usize = 20;

fn short(v: &str) -> String {
    v.chars().take(80).collect()
}

/// Reads a query string. Unknown parameters are ignored; a bad (or empty) status, horizon,
/// sort or page is an error; an empty text or territory, fragility, lever, family or activity
/// is no filter (a form's « Toutes »), and values unknown to the platform simply find
/// nothing, as a facet value that no need has.
pub fn parse(raw: &str, names: &Names) -> Result<NeedQuery, FilterError> {
    let mut f = NeedQuery {
        page: 1,
        per_page: PER_PAGE,
        ..Default::default()
    };
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let v = v.trim();
        let strict = [names.facets[6], names.facets[7], names.sort, names.page];
        if v.is_empty() && !strict.contains(&k.as_ref()) {
            continue;
        }
        if k == names.q {
            f.q = v.chars().take(200).collect();
        } else if let Some(i) = names.facets.iter().position(|x| *x == k) {
            let facet = NeedFacet::ALL[i];
            let value = match facet {
                NeedFacet::Status => v
                    .parse::<NeedStatus>()
                    .map_err(|_| FilterError(format!("statut inconnu : « {} »", short(v))))?
                    .as_str()
                    .to_string(),
                NeedFacet::Horizon => v
                    .parse::<Horizon>()
                    .map_err(|_| FilterError(format!("échéance inconnue : « {} »", short(v))))?
                    .as_str()
                    .to_string(),
                _ => short(v),
            };
            f.filters.get_mut(facet).push(value);
        } else if k == names.sort {
            let i = names.sorts.iter().position(|s| *s == v).ok_or_else(|| {
                FilterError(format!(
                    "tri inconnu : « {} » (valeurs : {})",
                    short(v),
                    names.sorts.join(", ")
                ))
            })?;
            f.sort = SORTS[i];
        } else if k == names.page {
            // Deep pages are the 500th: they are not served.
            f.page = v
                .parse::<i32>()
                .map_err(|_| FilterError(format!("page invalide : « {} »", short(v))))?
                .clamp(1, 500) as u32;
        }
    }
    for facet in NeedFacet::ALL {
        let list = f.filters.get_mut(facet);
        list.sort();
        list.dedup();
        list.truncate(MAX_VALUES);
    }
    Ok(f)
}

/// The query string of this search (page names), at another page.
pub fn query_string(f: &NeedQuery, page: u32) -> String {
    let n = &PAGE_NAMES;
    let mut s = form_urlencoded::Serializer::new(String::new());
    if !f.q.is_empty() {
        s.append_pair(n.q, &f.q);
    }
    for (i, facet) in NeedFacet::ALL.into_iter().enumerate() {
        for v in f.filters.get(facet) {
            s.append_pair(n.facets[i], v);
        }
    }
    if f.sort != NeedSort::Relevance {
        let i = SORTS.iter().position(|x| *x == f.sort).unwrap_or(0);
        s.append_pair(n.sort, n.sorts[i]);
    }
    if page > 1 {
        s.append_pair(n.page, &page.to_string());
    }
    s.finish()
}

/// What the index holds of a public need: its published version, its status, its territory's
/// name and the codes of the région, département, EPCI and commune it lies in, as far as its
/// level goes.
pub fn document(territories: &TerritoryIndex, n: &Need) -> Option<NeedDoc> {
    let f = n.public_fields()?;
    let t = territories.get(f.territory.level, &f.territory.code);
    let own = || Some(f.territory.code.clone());
    let (region, department, epci, commune) = match (f.territory.level, t) {
        (TerritoryLevel::Region, _) => (own(), None, None, None),
        (TerritoryLevel::Department, t) => (t.and_then(|t| t.region.clone()), own(), None, None),
        (TerritoryLevel::Epci, t) => (
            t.and_then(|t| t.region.clone()),
            t.and_then(|t| t.department.clone()),
            own(),
            None,
        ),
        (TerritoryLevel::Commune, t) => (
            t.and_then(|t| t.region.clone()),
            t.and_then(|t| t.department.clone()),
            t.and_then(|t| t.epci.clone()),
            own(),
        ),
    };
    Some(NeedDoc {
        id: n.id,
        slug: n.slug.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        organisation: f.organisation.clone(),
        territory_name: t.map(|t| t.name.clone()).unwrap_or_default(),
        region,
        department,
        epci,
        commune,
        fragility: f.fragility.clone(),
        levers: f.levers.clone(),
        families: f.families.clone(),
        activities: f.activities.clone(),
        horizon: f.horizon,
        status: n.status,
        is_example: n.is_example,
        published_at: n.moderated.published_at.unwrap_or(n.updated_at).timestamp(),
    })
}

/// Keeps the index and the map in step with one need after a write: public ones are
/// searchable (with their status) and others not, and the open ones on the map, as soon as
/// this returns. When this write is the only change since the index was last in step, the
/// index notes the store's new version; otherwise the next [`refresh`] rebuilds it. The
/// observatory's count of open needs follows. A failure is logged: the index, the map and
/// the observatory are derived data.
pub async fn index_one(state: &AppState, n: &Need) {
    let index = state.needs.clone();
    let doc = document(&state.territories, n);
    let id = n.id;
    let done = tokio::task::spawn_blocking(move || match doc {
        Some(d) => index.upsert(&d),
        None => index.remove(id),
    })
    .await;
    match done {
        Ok(Ok(())) => note_if_only_change(state).await,
        Ok(Err(e)) => tracing::error!(error = %e, need = id, "need index update failed"),
        Err(e) => tracing::error!(error = %e, need = id, "need index update panicked"),
    }
    // The observatory's « besoins exprimés » follow at once (they count the open needs).
    if let Err(e) = state.refresh_observatory().await {
        tracing::warn!(error = %e, need = id, "observatory not updated");
    }
    // The map's needs layer too, at once rather than at the next poll.
    if let Err(e) = crate::network::live::refresh(state).await {
        tracing::warn!(error = %format!("{e:#}"), need = id, "map not refreshed after a need change");
    }
    state.pages.invalidate();
}

/// Notes the store's version in the index when it is one more than the version the index
/// was in step with: the write just followed is then the only change since.
async fn note_if_only_change(state: &AppState) {
    let Ok(now) = state.store.needs_version().await else {
        return;
    };
    let before = state.needs.built_from();
    let next = |v: &str| v.parse::<i64>().ok().map(|v| v + 1);
    if before.as_deref().and_then(next) == now.parse::<i64>().ok() {
        if let Err(e) = state.needs.note_built_from(&now) {
            tracing::warn!(error = %e, "need index version not noted");
        }
    }
}

/// Runs a search on the blocking pool (the index reads disk).
pub async fn search(state: &AppState, q: &NeedQuery) -> Result<NeedResults, AppError> {
    let index = state.needs.clone();
    let q = q.clone();
    let internal = |e: String| AppError::Internal(anyhow::anyhow!(e));
    tokio::task::spawn_blocking(move || index.search(&q))
        .await
        .map_err(|e| internal(e.to_string()))?
        .map_err(|e| internal(e.to_string()))
}

/// Rebuilds the index from the store's public needs, read page by page, and notes the
/// version it holds.
pub async fn reindex(state: &AppState) -> anyhow::Result<usize> {
    let version = state.store.needs_version().await?;
    let mut docs = Vec::new();
    let mut after = 0;
    loop {
        let batch = state.store.published_needs(after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        docs.extend(batch.iter().filter_map(|n| document(&state.territories, n)));
    }
    let n = docs.len();
    let index = state.needs.clone();
    tokio::task::spawn_blocking(move || index.rebuild(docs, &version)).await??;
    state.pages.invalidate();
    Ok(n)
}

/// At start, and every few seconds from the jobs: rebuilds the index when the store's needs
/// changed since it was built (another instance, the command line, a restore). Returns
/// whether it rebuilt.
pub async fn refresh(state: &AppState) -> anyhow::Result<bool> {
    let version = state.store.needs_version().await?;
    if state.needs.built_from().as_deref() == Some(version.as_str()) {
        return Ok(false);
    }
    let n = reindex(state).await?;
    tracing::info!(needs = n, "need index rebuilt");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_round_trips_through_its_address() {
        let raw = "q=mobilit%C3%A9&levier=b&levier=a&statut=en-relation&statut=ouvert\
                   &echeance=3-mois&region=84&departement=42&tri=attente&page=3";
        let f = parse(raw, &PAGE_NAMES).unwrap();
        assert_eq!(f.filters.levers, ["a", "b"]);
        assert_eq!(f.filters.statuses, ["en-relation", "ouvert"]);
        assert_eq!(f.filters.horizons, ["3-mois"]);
        assert_eq!(f.filters.regions, ["84"]);
        assert_eq!(f.filters.departments, ["42"]);
        assert_eq!(f.sort, NeedSort::LongestWaiting);
        assert_eq!(f.page, 3);
        let again = parse(&query_string(&f, 3), &PAGE_NAMES).unwrap();
        assert_eq!(again, f);
        assert_eq!(parse(&query_string(&f, 1), &PAGE_NAMES).unwrap().page, 1);
    }

    #[test]
    fn bad_values_are_errors_in_french() {
        let err = |raw: &str, names: &Names| parse(raw, names).unwrap_err().0;
        assert!(err("statut=perdu", &PAGE_NAMES).contains("statut inconnu"));
        assert!(err("echeance=demain", &PAGE_NAMES).contains("échéance inconnue"));
        assert!(err("tri=hasard", &PAGE_NAMES).contains("tri inconnu"));
        assert!(err("page=x", &PAGE_NAMES).contains("page invalide"));
        for empty in ["tri=", "statut=", "echeance=", "page="] {
            assert!(parse(empty, &PAGE_NAMES).is_err(), "{empty}");
        }
        assert!(parse("sort=waiting&status=clos&horizon=1-an", &API_NAMES).is_ok());
        assert!(parse("sort=attente", &API_NAMES).is_err());
        assert_eq!(parse("page=9999", &PAGE_NAMES).unwrap().page, 500);
        assert_eq!(
            parse("inconnu=1&q=&region=&levier=", &PAGE_NAMES).unwrap(),
            parse("", &PAGE_NAMES).unwrap()
        );
    }
}
