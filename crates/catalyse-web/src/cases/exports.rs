//! The case base as open data: `/pratiques.csv` (every public case), `/pratiques.geojson`
//! (each at its territory's point, placed as the map places a territory) and
//! `/pratiques/flux.atom` (the newest published). Their OAI-PMH records are in [`super::oai`].

use crate::error::AppError;
use crate::export::{csv_bytes, stream_pages};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use catalyse_core::cases::Case;
use catalyse_search::cases::{CaseQuery, CaseSort};

/// Cases read from the store per page of an export.
const PAGE: u32 = 1_000;
/// Entries of the Atom feed.
const FEED_ENTRIES: u32 = 50;

/// The columns of `/pratiques.csv` (documented in the README).
pub const CSV_HEADER: [&str; 20] = [
    "slug",
    "titre",
    "resume",
    "territoire",
    "territoire_nom",
    "region",
    "departement",
    "phase",
    "annee_debut",
    "leviers",
    "fragilites",
    "familles_acteurs",
    "activites",
    "acteurs",
    "modele",
    "resultats",
    "source",
    "licence",
    "url",
    "donnees_exemple",
];

fn csv_page(state: &AppState, base: &str, page: &[Case]) -> anyhow::Result<Vec<u8>> {
    csv_bytes(|w| {
        for c in page {
            let Some(f) = c.public_fields() else {
                continue;
            };
            let t = super::pages::territory(state, f);
            let (region, department) = super::index::document(&state.territories, c)
                .map(|d| {
                    (
                        d.region.unwrap_or_default(),
                        d.department.unwrap_or_default(),
                    )
                })
                .unwrap_or_default();
            let actors: Vec<&str> = f.actors.iter().map(|a| a.name.as_str()).collect();
            // What members typed never runs as a spreadsheet formula.
            w.write_record(catalyse_core::text::csv_record([
                c.slug.as_str(),
                &f.title,
                &f.summary,
                &format!("{}:{}", f.territory.level, f.territory.code),
                t.map_or("", |t| t.name.as_str()),
                &region,
                &department,
                f.phase.as_str(),
                &f.started_year.map(|y| y.to_string()).unwrap_or_default(),
                &f.levers.join(" "),
                &f.fragilities.join(" "),
                &f.families.join(" "),
                &f.activities.join(" "),
                &actors.join(";"),
                &f.model,
                &f.results,
                &f.source,
                &f.licence,
                &format!("{base}/pratiques/{}", c.slug),
                if c.is_example { "oui" } else { "non" },
            ]))?;
        }
        Ok(())
    })
}

/// The store's public cases, page after page, for [`stream_pages`].
fn public_pages(
    state: &AppState,
) -> impl Fn(i64) -> futures_util::future::BoxFuture<'static, catalyse_store::StoreResult<Vec<Case>>>
       + Send
       + Sync
       + 'static {
    let state = state.clone();
    move |after| {
        let state = state.clone();
        Box::pin(async move { state.store.published_cases(after, PAGE).await })
    }
}

/// `GET /pratiques.csv`: every public case as open data, streamed page by page.
pub async fn csv(State(state): State<AppState>) -> Result<Response, AppError> {
    let base = state.config.public_url();
    let head = csv_bytes(|w| w.write_record(CSV_HEADER)).map_err(AppError::Internal)?;
    let s = state.clone();
    let body = stream_pages(
        public_pages(&state),
        |c: &Case| c.id,
        move |page: &[Case]| csv_page(&s, &base, page),
        head,
        vec![],
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"catalyse-pratiques.csv\"",
            ),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        body,
    )
        .into_response())
}

/// One GeoJSON Feature per public case whose territory has a point.
fn features(state: &AppState, base: &str, page: &[Case], first: &mut bool) -> Vec<u8> {
    let mut out = Vec::new();
    for c in page {
        let Some(f) = c.public_fields() else {
            continue;
        };
        let Some((lon, lat)) = state.numbering.position(&state.territories, &f.territory) else {
            continue;
        };
        let feature = serde_json::json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "slug": c.slug,
                "title": f.title,
                "url": format!("{base}/pratiques/{}", c.slug),
                "phase": f.phase.as_str(),
                "levers": f.levers,
                "fragilities": f.fragilities,
                "is_example": c.is_example,
            }
        });
        if !std::mem::take(first) {
            out.push(b',');
        }
        out.extend(feature.to_string().into_bytes());
    }
    out
}

/// `GET /pratiques.geojson`: the public cases as a FeatureCollection, each at its territory's
/// point (a commune's town hall, or that of the most populous commune of a larger territory,
/// as on the map); a case whose territory has no point is left out.
pub async fn geojson(State(state): State<AppState>) -> Result<Response, AppError> {
    let base = state.config.public_url();
    let s = state.clone();
    let mut first = true;
    let body = stream_pages(
        public_pages(&state),
        |c: &Case| c.id,
        move |page: &[Case]| Ok(features(&s, &base, page, &mut first)),
        br#"{"type":"FeatureCollection","features":["#.to_vec(),
        b"]}\n".to_vec(),
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"catalyse-pratiques.geojson\"",
            ),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        body,
    )
        .into_response())
}

/// `GET /pratiques/flux.atom`: the newest published cases.
pub async fn atom(State(state): State<AppState>) -> Result<Response, AppError> {
    use catalyse_formats::atom::{Entry, Feed};
    let (cases, _) = super::related::found(
        &state,
        CaseQuery {
            sort: CaseSort::Newest,
            per_page: FEED_ENTRIES,
            page: 1,
            ..Default::default()
        },
    )
    .await?;
    let base = state.config.public_url();
    let entries: Vec<Entry> = cases
        .iter()
        .filter_map(|c| {
            let f = c.public_fields()?;
            let url = format!("{base}/pratiques/{}", c.slug);
            Some(Entry {
                id: url.clone(),
                title: f.title.clone(),
                url,
                updated: c.moderated.published_at.unwrap_or(c.updated_at),
                published: c.moderated.published_at,
                summary: Some(f.summary.clone()).filter(|s| !s.trim().is_empty()),
                authors: vec![],
                categories: f
                    .levers
                    .iter()
                    .map(|l| (l.clone(), crate::resources::pages::lever_name(&state, l)))
                    .chain(
                        f.fragilities
                            .iter()
                            .map(|x| (x.clone(), super::pages::fragility_name(&state, x))),
                    )
                    .collect(),
                content_html: None,
            })
        })
        .collect();
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or_default();
    let feed = Feed {
        id: format!("{base}/pratiques"),
        title: "Catalyse — Pratiques innovantes".into(),
        subtitle: Some(
            "Les dernières pratiques publiées : ce que des territoires ont fait face à leurs \
             fragilités, avec qui, sur quel modèle, pour quels résultats."
                .into(),
        ),
        self_url: format!("{base}/pratiques/flux.atom"),
        alternate_url: format!("{base}/pratiques"),
        updated,
        author: "Catalyse".into(),
        rights: None,
        lang: "fr".into(),
    };
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        catalyse_formats::atom::atom(&feed, &entries),
    )
        .into_response())
}
