//! The case studies in the OAI-PMH repository (`/oai`, served with the resource centre's by
//! `crate::resources::oai`): set `type:pratique`, identifiers `oai:{id}:pratique/{n}` (item
//! keys [`CASE_KEYS`]` + id`), a withdrawn (archived) case kept as a deleted record, as
//! archived resources are (`deletedRecord` = persistent); a case never published never appears.
//!
//! Dublin Core mapping (`oai_dc`):
//! - `dc:title` ← title; `dc:description` ← summary;
//! - `dc:subject` ← each lever's name, each fragility's name;
//! - `dc:coverage` ← its territory's name (and its level and code);
//! - `dc:type` ← `Text` (DCMI) and « Pratique innovante (étude de cas) »;
//! - `dc:date` ← the year it started; `dc:language` ← `fr`; `dc:rights` ← its licence;
//! - `dc:identifier` ← its page; `dc:publisher` ← the instance's publisher, if set;
//! - `dc:source` is not used: the case's source stays on its page.

use crate::state::AppState;
use catalyse_core::cases::Case;
use catalyse_formats::oai_pmh::{DublinCore, OaiItem, OaiSet, Selection, CASE_KEYS};
use catalyse_store::CaseHarvest;
use chrono::{DateTime, Utc};

/// The set of the case studies.
pub const SET: &str = "type:pratique";

/// The set, as ListSets names it.
pub fn set() -> OaiSet {
    OaiSet {
        spec: SET.into(),
        name: "Pratiques innovantes (études de cas)".into(),
    }
}

/// Whether a list asked for by `set` holds cases: no set, the set, or its parent `type`.
pub fn in_set(set: Option<&str>) -> bool {
    matches!(set, None | Some(SET) | Some("type"))
}

/// A case as an OAI item: public, or archived after having been public (deleted).
pub fn item(state: &AppState, c: &Case) -> Option<OaiItem> {
    let published = c.moderated.published.as_ref()?;
    let deleted = !c.is_public();
    let base = state.config.public_url();
    let dc = (!deleted).then(|| {
        let f = published;
        let mut subjects: Vec<String> = f
            .levers
            .iter()
            .map(|l| crate::resources::pages::lever_name(state, l))
            .collect();
        subjects.extend(
            f.fragilities
                .iter()
                .map(|x| super::pages::fragility_name(state, x)),
        );
        let coverage = match super::pages::territory(state, f) {
            Some(t) => format!("{} ({} {})", t.name, f.territory.level, f.territory.code),
            None => format!("{} {}", f.territory.level, f.territory.code),
        };
        DublinCore {
            title: f.title.clone(),
            creators: vec![],
            subjects,
            description: f.summary.clone(),
            publisher: state.config.publisher.clone().unwrap_or_default(),
            date: f.started_year.map(|y| y.to_string()),
            types: vec![
                "Text".to_string(),
                "Pratique innovante (étude de cas)".to_string(),
            ],
            formats: vec!["text/html".to_string()],
            identifiers: vec![format!("{base}/pratiques/{}", c.slug)],
            language: "fr".into(),
            rights: f.licence.clone(),
            relations: vec![],
            coverage: vec![coverage],
        }
    });
    Some(OaiItem {
        id: CASE_KEYS + c.id,
        datestamp: c.updated_at,
        deleted,
        sets: vec![SET.to_string()],
        dc,
    })
}

/// The cases a list request selects (see [`CASE_KEYS`] for their place in the order).
pub async fn list(state: &AppState, s: &Selection<'_>) -> anyhow::Result<(Vec<OaiItem>, u64)> {
    if !in_set(s.set) {
        return Ok((vec![], 0));
    }
    let q = CaseHarvest {
        from: s.from,
        until: s.until,
        // A resource's key stands before every case of its second: all of them follow.
        after: s.after.map(|(t, k)| (t, (k - CASE_KEYS).max(0))),
        limit: s.limit as u32,
    };
    let (cases, total) = state.store.harvest_cases(&q).await?;
    Ok((cases.iter().filter_map(|c| item(state, c)).collect(), total))
}

/// The earliest datestamp of a case ever published.
pub async fn earliest(state: &AppState) -> anyhow::Result<Option<DateTime<Utc>>> {
    Ok(state.store.harvest_cases_earliest().await?)
}

/// The item of one case key, if it is a case ever published.
pub async fn get(state: &AppState, key: i64) -> anyhow::Result<Option<OaiItem>> {
    if key <= CASE_KEYS {
        return Ok(None);
    }
    Ok(state
        .store
        .case(key - CASE_KEYS)
        .await?
        .and_then(|c| item(state, &c)))
}
