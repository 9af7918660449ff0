//! The resource centre's services shared by pages, API and command line: the search filter
//! read from a query string, Markdown rendering, keeping the search index in step with the
//! store, and the related resources of a document.

use crate::state::AppState;
use catalyse_core::resource::{Resource, ResourceState};
use catalyse_search::{SearchQuery, Sort};

/// Resources per page of results.
pub const PER_PAGE: u32 = 20;

// A search as asked in a URL is a `SearchQuery`: `q`, `nature`, `sous_groupe`, `levier`,
// `auteur`, `format` (each repeatable), `annee_min`, `annee_max`, `tri` (pertinence, recent,
// ancien), `page`; read by `parse_filter`, written back by `query_string`.

/// A parameter that could not be understood, in French.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError(pub String);

/// Parameter names: French on pages, English in the API (`q`, `nature`, `subgroup`, `lever`,
/// `author`, `format`, `year_from`, `year_to`, `sort` = relevance|newest|oldest, `page`).
const PAGE_KEYS: [&str; 10] = [
    "q",
    "nature",
    "sous_groupe",
    "levier",
    "auteur",
    "format",
    "annee_min",
    "annee_max",
    "tri",
    "page",
];
const API_KEYS: [&str; 10] = [
    "q",
    "nature",
    "subgroup",
    "lever",
    "author",
    "format",
    "year_from",
    "year_to",
    "sort",
    "page",
];
const PAGE_SORTS: [&str; 3] = ["pertinence", "recent", "ancien"];
const API_SORTS: [&str; 3] = ["relevance", "newest", "oldest"];

/// Reads a page's query string. Unknown parameters are ignored; a bad value is an error.
pub fn parse_filter(raw: &str) -> Result<SearchQuery, FilterError> {
    parse_with(raw, &PAGE_KEYS, &PAGE_SORTS)
}

/// Reads an API query string (English names).
pub fn parse_api_filter(raw: &str) -> Result<SearchQuery, FilterError> {
    parse_with(raw, &API_KEYS, &API_SORTS)
}

fn parse_with(raw: &str, keys: &[&str; 10], sorts: &[&str; 3]) -> Result<SearchQuery, FilterError> {
    let mut f = SearchQuery {
        page: 1,
        per_page: PER_PAGE,
        ..Default::default()
    };
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let v = v.trim();
        let year = |v: &str| {
            v.parse::<i32>()
                .map_err(|_| FilterError(format!("année invalide : « {v} »")))
        };
        let Some(key) = keys.iter().position(|x| *x == k) else {
            continue;
        };
        // Free text may be empty (an untouched field); a nature, year, order or page not.
        if v.is_empty() && matches!(key, 0 | 2..=5) {
            continue;
        }
        match key {
            0 => f.text = v.chars().take(200).collect(),
            1 => f
                .natures
                .push(v.parse().map_err(|e: String| FilterError(e))?),
            2 => f.subgroups.push(v.to_string()),
            3 => f.levers.push(v.to_string()),
            4 => f.authors.push(v.to_string()),
            5 => f.formats.push(v.to_string()),
            6 => f.year_from = Some(year(v)?),
            7 => f.year_to = Some(year(v)?),
            8 => {
                f.sort = match sorts.iter().position(|x| *x == v) {
                    Some(0) => Sort::Relevance,
                    Some(1) => Sort::Newest,
                    Some(_) => Sort::Oldest,
                    None => return Err(FilterError(format!("tri inconnu : « {v} »"))),
                }
            }
            // Pages beyond the 500th are the 500th: deep pages are not served.
            9 => {
                f.page = v
                    .parse::<i32>()
                    .map_err(|_| FilterError(format!("page invalide : « {v} »")))?
                    .clamp(1, 500) as u32
            }
            _ => {}
        }
    }
    for list in [
        &mut f.subgroups,
        &mut f.levers,
        &mut f.authors,
        &mut f.formats,
    ] {
        list.truncate(20);
    }
    Ok(f)
}

/// The query string of this search, at another page.
pub fn query_string(f: &SearchQuery, page: u32) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    if !f.text.is_empty() {
        s.append_pair("q", &f.text);
    }
    for n in &f.natures {
        s.append_pair("nature", n.as_str());
    }
    for (key, list) in [
        ("sous_groupe", &f.subgroups),
        ("levier", &f.levers),
        ("auteur", &f.authors),
        ("format", &f.formats),
    ] {
        for v in list {
            s.append_pair(key, v);
        }
    }
    if let Some(y) = f.year_from {
        s.append_pair("annee_min", &y.to_string());
    }
    if let Some(y) = f.year_to {
        s.append_pair("annee_max", &y.to_string());
    }
    match f.sort {
        Sort::Relevance => {}
        Sort::Newest => {
            s.append_pair("tri", "recent");
        }
        Sort::Oldest => {
            s.append_pair("tri", "ancien");
        }
    }
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    s.finish()
}

/// Markdown to HTML that is safe to insert: no script, no event handler, no style, links
/// made `rel="noopener noreferrer"`.
pub fn markdown(text: &str) -> String {
    let parser = pulldown_cmark::Parser::new(text);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}

/// [`markdown`] for a text shown under a section's `<h2>`: its headings go one level down,
/// and none above `<h3>` (« # Titre » and « ## Titre » become `<h3>`), so that the page's
/// outline stays whole.
pub fn markdown_in_section(text: &str) -> String {
    use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
    let below = |l: HeadingLevel| match l {
        HeadingLevel::H1 | HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    };
    let parser = pulldown_cmark::Parser::new(text).map(|e| match e {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: below(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(below(level))),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}

/// Keeps the search index in step with one resource: published ones are searchable, others
/// not, as soon as this returns. The write blocks (it commits to disk), so it runs on the
/// blocking pool. A failure is logged: the index is derived data, `catalyse reindex`
/// rebuilds it.
pub async fn index_one(state: &AppState, r: &Resource) {
    let search = state.search.clone();
    let r = r.clone();
    let id = r.id;
    let done = tokio::task::spawn_blocking(move || {
        if r.state == ResourceState::Published {
            search.upsert(&r)
        } else {
            search.remove(r.id)
        }
    })
    .await;
    match done {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(error = %e, resource = id, "search index update failed; run `catalyse reindex`")
        }
        Err(e) => tracing::error!(error = %e, resource = id, "search index update panicked"),
    }
}

/// Rebuilds the index from the published resources of the store, and notes which version of
/// the store it holds (in memory and beside the index, for the next start).
pub async fn reindex(state: &AppState) -> anyhow::Result<usize> {
    let version = state.store.resources_version().await?;
    let published = state
        .store
        .resources(Some(ResourceState::Published))
        .await?;
    let search = state.search.clone();
    let n = published.len();
    tokio::task::spawn_blocking(move || search.rebuild(&published)).await??;
    note_version(state, version);
    Ok(n)
}

/// The file beside the index that says which version of the store it was built from.
fn version_file(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("index").join("catalyse-version")
}

fn note_version(state: &AppState, version: String) {
    if let Err(e) = std::fs::write(version_file(state), &version) {
        tracing::warn!(error = %e, "cannot note the search index's version");
    }
    *state
        .resources_seen
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = version;
    state.pages.invalidate();
}

/// At start: the index is derived data, rebuilt when it was built from another version of
/// the store (a new data directory, edits made by another instance or the command line while
/// this one was stopped, a restore) or does not hold what the store publishes.
pub async fn start(state: &AppState) -> anyhow::Result<()> {
    let version = state.store.resources_version().await?;
    let built_from = std::fs::read_to_string(version_file(state)).unwrap_or_default();
    let published = state
        .store
        .resources(Some(ResourceState::Published))
        .await?;
    if built_from != version || state.search.len() != published.len() as u64 {
        let n = reindex(state).await?;
        tracing::info!(documents = n, "search index rebuilt");
    } else {
        note_version(state, version);
    }
    Ok(())
}

/// Rebuilds the index when the store's resources changed since it was built — by another
/// instance, the command line, or this one (whose own edits are indexed at once by
/// `index_one`; the rebuild then only confirms them). Returns whether it rebuilt.
pub async fn refresh(state: &AppState) -> anyhow::Result<bool> {
    let version = state.store.resources_version().await?;
    if *state
        .resources_seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        == version
    {
        return Ok(false);
    }
    reindex(state).await?;
    Ok(true)
}

/// Other published resources that share levers or words of the title with `r`, best first.
pub async fn related(state: &AppState, r: &Resource, n: usize) -> Vec<Resource> {
    let query = SearchQuery {
        text: r.title.clone(),
        per_page: (n + 1) as u32,
        ..Default::default()
    };
    let mut ids: Vec<i64> = state
        .search
        .search(&query)
        .map(|res| res.hits.into_iter().map(|h| h.id).collect())
        .unwrap_or_default();
    for lever in &r.levers {
        let by_lever = SearchQuery {
            levers: vec![lever.clone()],
            per_page: (n + 1) as u32,
            ..Default::default()
        };
        if let Ok(res) = state.search.search(&by_lever) {
            ids.extend(res.hits.into_iter().map(|h| h.id));
        }
    }
    // Documents found by both the words and a lever come first, then in the order found.
    let mut counts: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for id in &ids {
        *counts.entry(*id).or_default() += 1;
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| *id != r.id && seen.insert(*id));
    ids.sort_by_key(|id| std::cmp::Reverse(counts[id]));
    ids.truncate(n);
    state.store.resources_by_ids(&ids).await.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_text_keeps_the_outline() {
        let html = markdown_in_section("# Un\n\n## Deux\n\n### Trois\n\n###### Six\n\ntexte");
        assert!(
            html.contains("<h3>Un</h3>") && html.contains("<h3>Deux</h3>"),
            "{html}"
        );
        assert!(
            html.contains("<h4>Trois</h4>") && html.contains("<h6>Six</h6>"),
            "{html}"
        );
        assert!(!html.contains("<h2") && !html.contains("<h1"), "{html}");
    }
    use catalyse_core::resource::Nature;

    #[test]
    fn filters_round_trip() {
        let f = parse_filter(
            "q=%C3%A9valuer&nature=methode&nature=illustration&levier=evaluer-sa-pertinence&annee_min=2012&tri=recent&page=2&autre=x",
        )
        .unwrap();
        assert_eq!(f.text, "évaluer");
        assert_eq!(f.natures, vec![Nature::Methode, Nature::Illustration]);
        assert_eq!(f.year_from, Some(2012));
        assert_eq!(f.sort, Sort::Newest);
        assert_eq!(f.page, 2);
        assert_eq!(parse_filter(&query_string(&f, 2)).unwrap(), f);
        assert!(parse_filter("nature=roman").is_err());
        assert!(parse_filter("annee_min=deux").is_err());
        assert_eq!(parse_filter("page=0").unwrap().page, 1);
        assert!(parse_filter("page=x").is_err());
        assert!(parse_filter("tri=hasard").is_err());
        assert_eq!(parse_filter("").unwrap().page, 1);
    }

    #[test]
    fn markdown_is_sanitized() {
        let html =
            markdown("# Titre\n\n<script>alert(1)</script>\n\n[lien](javascript:alert(1)) *ok*");
        assert!(html.contains("<h1>Titre</h1>"));
        assert!(html.contains("<em>ok</em>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
    }
}
