//! What an area lists on another area's page (a territory's portrait, a lever's page, a
//! member's page): the case studies (`cases::related`) and the open needs (`needs::related`)
//! alike. One shape, [`Related`], drawn by the `related` macro of `templates/_related.html`;
//! one way to fill it, [`found`]: a query on the area's search index, then those rows read
//! by id, so that a page never loads a whole table.

use crate::error::AppError;
use crate::state::AppState;
use catalyse_core::network::TerritoryRef;
use catalyse_core::{Territory, TerritoryLevel};
use catalyse_search::SearchError;
use catalyse_store::StoreResult;
use std::future::Future;

/// Items listed on another area's page.
pub const SHOWN: u32 = 10;

/// One item of such a list.
pub struct Item {
    /// Its page.
    pub href: String,
    pub title: String,
    /// Its territory's name, if the geography knows it.
    pub place: String,
    /// Where it stands, in words (a need's status); empty when the area has none.
    pub status: String,
    /// Generated example data (« données d'exemple »).
    pub is_example: bool,
}

/// A short list (the newest), how many there are in all, and where to see them all.
pub struct Related {
    /// The id of its heading, unique on the page (« pratiques-liees », « besoins-lies »).
    pub id: &'static str,
    pub title: String,
    pub items: Vec<Item>,
    pub total: usize,
    /// « 3 pratiques publiées », « 2 besoins ouverts ».
    pub count: String,
    /// What it says when there are none.
    pub none: String,
    /// The search that lists them all, and its link's text.
    pub more: Option<(String, String)>,
}

/// Runs `search` (a query on a search index: the ids found in its order, and how many match
/// in all) on the blocking pool, then reads those rows with `load` and keeps those `keep`
/// accepts, in the index's order. The index may lag a write by a moment: `keep` says what
/// the page may show now.
pub async fn found<T, F, Fut>(
    search: impl FnOnce() -> Result<(Vec<i64>, usize), SearchError> + Send + 'static,
    load: F,
    keep: impl Fn(&T) -> bool,
) -> Result<(Vec<T>, usize), AppError>
where
    F: FnOnce(Vec<i64>) -> Fut,
    Fut: Future<Output = StoreResult<Vec<T>>>,
{
    let (ids, total) = tokio::task::spawn_blocking(search)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let rows = load(ids).await?;
    Ok((rows.into_iter().filter(|r| keep(r)).collect(), total))
}

/// The name of a territory, or nothing if the geography does not know it. Read here, not
/// through the territories' pages (which list members and cases): no module circle.
pub fn place(state: &AppState, t: &TerritoryRef) -> String {
    (state.territories.get(t.level, &t.code))
        .map(|t| t.name.clone())
        .unwrap_or_default()
}

/// The territory whose search lists all of a territory's items, with the search's parameter
/// (`region`, `departement`: the same on `/pratiques` and `/besoins`): a région or a
/// département itself (`true`), else its département (`false`: an EPCI or a commune has no
/// filter of its own); `None` when it has none.
pub fn searched<'a>(
    state: &'a AppState,
    t: &'a Territory,
) -> Option<(&'static str, &'a Territory, bool)> {
    match t.level {
        TerritoryLevel::Region => Some(("region", t, true)),
        TerritoryLevel::Department => Some(("departement", t, true)),
        _ => (t.department.as_deref())
            .and_then(|d| state.territories.get(TerritoryLevel::Department, d))
            .map(|d| ("departement", d, false)),
    }
}
