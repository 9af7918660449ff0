//! The case base's services shared by pages, API, jobs and command line: the search read from
//! a query string (French names on pages, English in the API) and written back, the
//! document a case becomes in the index, and the index kept in step with the store.

use crate::state::AppState;
use catalyse_core::cases::{Case, Phase};
use catalyse_core::TerritoryIndex;
use catalyse_search::cases::{CaseDoc, CaseQuery, CaseSort};

/// Cases per page of results.
pub const PER_PAGE: u32 = 20;

/// A parameter that could not be understood, in French.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError(pub String);

/// The names of a search's parameters, in order: text, lever, fragility, family, activity,
/// phase, région, département, sort, page.
pub struct Names {
    keys: [&'static str; 10],
    sorts: [&'static str; 4],
}

/// `/pratiques?q=…&levier=…&fragilite=…&famille=…&activite=…&phase=…&region=…&departement=…&tri=…&page=…`
pub const PAGE_NAMES: Names = Names {
    keys: [
        "q",
        "levier",
        "fragilite",
        "famille",
        "activite",
        "phase",
        "region",
        "departement",
        "tri",
        "page",
    ],
    sorts: ["pertinence", "recent", "titre", "debut"],
};

/// `/api/v1/cases?q=…&lever=…&fragility=…&family=…&activity=…&phase=…&region=…&department=…&sort=…&page=…`
pub const API_NAMES: Names = Names {
    keys: [
        "q",
        "lever",
        "fragility",
        "family",
        "activity",
        "phase",
        "region",
        "department",
        "sort",
        "page",
    ],
    sorts: ["relevance", "newest", "title", "started"],
};

const SORTS: [CaseSort; 4] = [
    CaseSort::Relevance,
    CaseSort::Newest,
    CaseSort::Title,
    CaseSort::StartedYear,
];

/// Values a repeatable filter keeps at most.
const MAX_VALUES: usize = 20;

/// Reads a query string. Unknown parameters are ignored; a bad phase, sort or page is an
/// error (lever, fragility, family and activity values unknown to the platform simply find
/// nothing, as they would on a facet that has no such case).
pub fn parse(raw: &str, names: &Names) -> Result<CaseQuery, FilterError> {
    let mut f = CaseQuery {
        page: 1,
        per_page: PER_PAGE,
        ..Default::default()
    };
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let v = v.trim();
        let Some(key) = names.keys.iter().position(|x| *x == k) else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        let short = |v: &str| v.chars().take(80).collect::<String>();
        match key {
            0 => f.q = v.chars().take(200).collect(),
            1 => f.levers.push(short(v)),
            2 => f.fragilities.push(short(v)),
            3 => f.families.push(short(v)),
            4 => f.activities.push(short(v)),
            5 => {
                let p: Phase = v
                    .parse()
                    .map_err(|_| FilterError(format!("phase inconnue : « {} »", short(v))))?;
                f.phases.push(p.as_str().to_string());
            }
            6 => f.region = Some(short(v)),
            7 => f.department = Some(short(v)),
            8 => {
                let i = names.sorts.iter().position(|s| *s == v).ok_or_else(|| {
                    FilterError(format!(
                        "tri inconnu : « {} » (valeurs : {})",
                        short(v),
                        names.sorts.join(", ")
                    ))
                })?;
                f.sort = SORTS[i];
            }
            // Deep pages are the 500th: they are not served.
            9 => {
                f.page = v
                    .parse::<i32>()
                    .map_err(|_| FilterError(format!("page invalide : « {} »", short(v))))?
                    .clamp(1, 500) as u32
            }
            _ => {}
        }
    }
    for list in [
        &mut f.levers,
        &mut f.fragilities,
        &mut f.families,
        &mut f.activities,
        &mut f.phases,
    ] {
        list.sort();
        list.dedup();
        list.truncate(MAX_VALUES);
    }
    Ok(f)
}

/// The query string of this search (page names), at another page.
pub fn query_string(f: &CaseQuery, page: u32) -> String {
    let k = &PAGE_NAMES.keys;
    let mut s = form_urlencoded::Serializer::new(String::new());
    if !f.q.is_empty() {
        s.append_pair(k[0], &f.q);
    }
    for (key, list) in [
        (k[1], &f.levers),
        (k[2], &f.fragilities),
        (k[3], &f.families),
        (k[4], &f.activities),
        (k[5], &f.phases),
    ] {
        for v in list {
            s.append_pair(key, v);
        }
    }
    if let Some(r) = &f.region {
        s.append_pair(k[6], r);
    }
    if let Some(d) = &f.department {
        s.append_pair(k[7], d);
    }
    if f.sort != CaseSort::Relevance {
        let i = SORTS.iter().position(|x| *x == f.sort).unwrap_or(0);
        s.append_pair(k[8], PAGE_NAMES.sorts[i]);
    }
    if page > 1 {
        s.append_pair(k[9], &page.to_string());
    }
    s.finish()
}

/// What the index holds of a public case: its published version, its territory's name and
/// the région and département it lies in (a région's case has no département).
pub fn document(territories: &TerritoryIndex, c: &Case) -> Option<CaseDoc> {
    let f = c.public_fields()?;
    let t = territories.get(f.territory.level, &f.territory.code);
    let (region, department) = match t {
        Some(t) => match f.territory.level {
            catalyse_core::TerritoryLevel::Region => (Some(t.code.clone()), None),
            catalyse_core::TerritoryLevel::Department => (t.region.clone(), Some(t.code.clone())),
            _ => (t.region.clone(), t.department.clone()),
        },
        None => (None, None),
    };
    Some(CaseDoc {
        id: c.id,
        slug: c.slug.clone(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        body: f.body.clone(),
        actors: f.actors.iter().map(|a| a.name.clone()).collect(),
        territory_name: t.map(|t| t.name.clone()).unwrap_or_default(),
        levers: f.levers.clone(),
        fragilities: f.fragilities.clone(),
        families: f.families.clone(),
        activities: f.activities.clone(),
        phase: f.phase.as_str().to_string(),
        region,
        department,
        started_year: f.started_year,
        published_at: c.moderated.published_at.unwrap_or(c.updated_at).timestamp(),
        is_example: c.is_example,
        place: format!("{}:{}", f.territory.level, f.territory.code),
        people: c
            .created_by
            .into_iter()
            .chain(f.contacts.iter().copied())
            .collect(),
    })
}

/// Keeps the index and the map in step with one case: public ones are searchable and on the
/// map, others not, as soon as this returns. A failure is logged: the index is derived data, rebuilt when the store's
/// version moves or at the next start.
pub async fn index_one(state: &AppState, c: &Case) {
    let index = state.cases.clone();
    let doc = document(&state.territories, c);
    let id = c.id;
    let done = tokio::task::spawn_blocking(move || match doc {
        Some(d) => index.upsert(&d),
        None => index.remove(id),
    })
    .await;
    match done {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, case = id, "case index update failed"),
        Err(e) => tracing::error!(error = %e, case = id, "case index update panicked"),
    }
    // The map's cases layer too, at once rather than at the next poll.
    if let Err(e) = crate::network::live::refresh(state).await {
        tracing::warn!(error = %format!("{e:#}"), case = id, "map not refreshed after a case change");
    }
    state.pages.invalidate();
}

/// Runs a search on the blocking pool (the index reads disk).
pub async fn search(
    state: &AppState,
    q: &CaseQuery,
) -> Result<catalyse_search::cases::CaseResults, crate::error::AppError> {
    let index = state.cases.clone();
    let q = q.clone();
    let internal = |e: String| crate::error::AppError::Internal(anyhow::anyhow!(e));
    tokio::task::spawn_blocking(move || index.search(&q))
        .await
        .map_err(|e| internal(e.to_string()))?
        .map_err(|e| internal(e.to_string()))
}

/// Every public case, read from the store page by page.
pub async fn published(state: &AppState) -> anyhow::Result<Vec<Case>> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let batch = state.store.published_cases(after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        all.extend(batch);
    }
    Ok(all)
}

/// Rebuilds the index from the store's public cases and notes the version it holds.
pub async fn reindex(state: &AppState) -> anyhow::Result<usize> {
    let version = state.store.cases_version().await?;
    let docs: Vec<CaseDoc> = published(state)
        .await?
        .iter()
        .filter_map(|c| document(&state.territories, c))
        .collect();
    let n = docs.len();
    let index = state.cases.clone();
    let v = version.clone();
    tokio::task::spawn_blocking(move || index.rebuild(docs, &v)).await??;
    state.pages.invalidate();
    Ok(n)
}

/// At start, and every few seconds from the jobs: rebuilds the index when the store's cases
/// changed since it was built (another instance, the command line, a restore). Returns
/// whether it rebuilt.
pub async fn refresh(state: &AppState) -> anyhow::Result<bool> {
    let version = state.store.cases_version().await?;
    if state.cases.built_from().as_deref() == Some(version.as_str()) {
        return Ok(false);
    }
    let n = reindex(state).await?;
    tracing::info!(cases = n, "case index rebuilt");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_round_trips_through_its_address() {
        let raw = "q=mobilit%C3%A9&levier=b&levier=a&phase=essaimage&region=84&tri=titre&page=3";
        let f = parse(raw, &PAGE_NAMES).unwrap();
        assert_eq!(f.levers, ["a", "b"]);
        assert_eq!(f.phases, ["essaimage"]);
        assert_eq!(f.sort, CaseSort::Title);
        assert_eq!(f.page, 3);
        let again = parse(&query_string(&f, 3), &PAGE_NAMES).unwrap();
        assert_eq!(again, f);
        assert_eq!(
            parse(&query_string(&f, 1), &PAGE_NAMES).unwrap().page,
            1,
            "page 1 is not written"
        );
    }

    #[test]
    fn bad_values_are_errors_in_french() {
        assert!(parse("phase=finie", &PAGE_NAMES)
            .unwrap_err()
            .0
            .contains("phase"));
        assert!(parse("tri=hasard", &PAGE_NAMES)
            .unwrap_err()
            .0
            .contains("tri"));
        assert!(parse("page=x", &PAGE_NAMES).unwrap_err().0.contains("page"));
        assert!(parse("sort=title", &API_NAMES).is_ok());
        assert!(parse("sort=titre", &API_NAMES).is_err());
        assert_eq!(parse("page=9999", &PAGE_NAMES).unwrap().page, 500);
        assert_eq!(
            parse("inconnu=1&q=", &PAGE_NAMES).unwrap(),
            parse("", &PAGE_NAMES).unwrap()
        );
    }
}
