//! `/oai`: the resource centre as an OAI-PMH 2.0 repository (protocol in `catalyse_formats::oai_pmh`).
//!
//! Dublin Core mapping (`oai_dc`):
//! - `dc:title` ← title; `dc:creator` ← each author or organisation;
//! - `dc:subject` ← the nature, the sub-group, each lever's name, each theme;
//! - `dc:description` ← the summary (omitted while « résumé à compléter »);
//! - `dc:publisher` ← the instance's publisher (configuration), if set;
//! - `dc:date` ← the year of the document; `dc:type` ← DCMI type (`Text`, or `MovingImage`
//!   for a video) and the nature; `dc:format` ← the file's media type, else the format;
//! - `dc:identifier` ← the resource's page, and its file's URL when there is one;
//! - `dc:language` ← its language code; `dc:rights` ← its licence; `dc:relation` ← its
//!   external link.
//!
//! Sets: `nature-{nature}` for the 4 natures and `levier-{slug}` for the 7 levers. Archived
//! resources are reported as deleted records; drafts never appear.
//!
//! The case studies are harvested here too, as set `type:pratique` (`crate::cases::oai`):
//! a list without set merges both kinds in the protocol's order (datestamp, key).

use crate::error::AppError;
use crate::state::AppState;
use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use catalyse_core::resource::{Nature, Resource, ResourceState};
use catalyse_formats::oai_pmh::{
    DublinCore, OaiItem, OaiRepository, OaiSet, Repository, Selection, CASE_KEYS,
};
use catalyse_store::HarvestQuery;
use chrono::{DateTime, Utc};

struct StoreRepository<'a> {
    state: &'a AppState,
}

impl StoreRepository<'_> {
    fn item(&self, r: &Resource) -> OaiItem {
        let base = self.state.config.public_url();
        let mut sets = vec![format!("nature-{}", r.nature)];
        sets.extend(r.levers.iter().map(|l| format!("levier-{l}")));
        let deleted = r.state == ResourceState::Archived;
        let dc = (!deleted).then(|| {
            let mut subjects = vec![r.nature.label().to_string()];
            if let Some(s) = r.nature.subgroup_label(&r.subgroup) {
                subjects.push(s.to_string());
            }
            subjects.extend(
                r.levers
                    .iter()
                    .map(|l| crate::resources::pages::lever_name(self.state, l)),
            );
            subjects.extend(r.themes.iter().cloned());
            let mut identifiers = vec![format!("{base}/ressources/{}", r.slug)];
            if r.file.is_some() {
                identifiers.push(format!("{base}/ressources/{}/fichier", r.slug));
            }
            let dcmi = if r.format == "Vidéo" {
                "MovingImage"
            } else {
                "Text"
            };
            DublinCore {
                title: r.title.clone(),
                creators: r.authors.clone(),
                subjects,
                description: r.summary.clone(),
                publisher: self.state.config.publisher.clone().unwrap_or_default(),
                date: r.year.map(|y| y.to_string()),
                types: vec![dcmi.to_string(), r.nature.label().to_string()],
                formats: vec![r
                    .file
                    .as_ref()
                    .map(|f| f.content_type.clone())
                    .unwrap_or_else(|| r.format.clone())],
                identifiers,
                language: r.language.clone(),
                rights: r.licence.clone(),
                relations: r.url.iter().cloned().collect(),
                coverage: vec![],
            }
        });
        OaiItem {
            id: r.id,
            datestamp: r.updated_at,
            deleted,
            sets,
            dc,
        }
    }
}

#[async_trait]
impl OaiRepository for StoreRepository<'_> {
    async fn earliest_datestamp(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        let resources = self.state.store.harvest_earliest().await?;
        let cases = crate::cases::oai::earliest(self.state).await?;
        Ok(resources.into_iter().chain(cases).min())
    }

    async fn list(&self, s: &Selection<'_>) -> anyhow::Result<(Vec<OaiItem>, u64)> {
        let (mut items, mut total) = self.resources(s).await?;
        let (cases, n) = crate::cases::oai::list(self.state, s).await?;
        if n > 0 {
            items.extend(cases);
            items.sort_by_key(|i| (i.datestamp.timestamp(), i.id));
            items.truncate(s.limit);
            total += n;
        }
        Ok((items, total))
    }

    async fn get(&self, id: i64) -> anyhow::Result<Option<OaiItem>> {
        if id > CASE_KEYS {
            return crate::cases::oai::get(self.state, id).await;
        }
        Ok(self
            .state
            .store
            .resource(id)
            .await?
            .filter(|r| r.state != ResourceState::Draft && r.published_at.is_some())
            .map(|r| self.item(&r)))
    }

    fn sets(&self) -> Vec<OaiSet> {
        Nature::ALL
            .iter()
            .map(|n| OaiSet {
                spec: format!("nature-{n}"),
                name: n.label().to_string(),
            })
            .chain(self.state.reference.levers.iter().map(|l| OaiSet {
                spec: format!("levier-{}", l.slug),
                name: format!("Levier : {}", l.name),
            }))
            .chain([
                OaiSet {
                    spec: "type".into(),
                    name: "Types de documents".into(),
                },
                crate::cases::oai::set(),
            ])
            .collect()
    }
}

impl StoreRepository<'_> {
    /// The resources a list request selects (none for the cases' set).
    async fn resources(&self, s: &Selection<'_>) -> anyhow::Result<(Vec<OaiItem>, u64)> {
        let mut q = HarvestQuery {
            from: s.from,
            until: s.until,
            after: s.after,
            limit: s.limit as u32,
            ..Default::default()
        };
        match s.set {
            None => {}
            Some(s) => {
                if let Some(n) = s.strip_prefix("nature-") {
                    match n.parse::<Nature>() {
                        Ok(n) => q.nature = Some(n),
                        Err(_) => return Ok((vec![], 0)),
                    }
                } else if let Some(l) = s.strip_prefix("levier-") {
                    if !self.state.reference.levers.iter().any(|x| x.slug == l) {
                        return Ok((vec![], 0));
                    }
                    q.lever = Some(l.to_string());
                } else {
                    return Ok((vec![], 0));
                }
            }
        }
        let (items, total) = self.state.store.harvest(&q).await?;
        Ok((items.iter().map(|r| self.item(r)).collect(), total))
    }
}

fn about(state: &AppState) -> Repository {
    let c = &state.config;
    Repository {
        name: "Catalyse — Centre de ressources « Co-construction territoriale »".into(),
        base_url: format!("{}/oai", c.public_url()),
        admin_email: c
            .contact_email
            .clone()
            .filter(|e| e.contains('@'))
            .unwrap_or_else(|| "contact@catalyse.invalid".into()),
        identifier: c
            .oai_identifier
            .clone()
            .filter(|i| !i.trim().is_empty())
            .unwrap_or_else(|| "catalyse.local".into()),
    }
}

async fn answer(state: &AppState, query: &str) -> Result<Response, AppError> {
    let repo = StoreRepository { state };
    let xml = catalyse_formats::oai_pmh::respond(&repo, &about(state), query, Utc::now())
        .await
        .map_err(AppError::Internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            catalyse_formats::oai_pmh::CONTENT_TYPE,
        )],
        xml,
    )
        .into_response())
}

/// `GET /oai?verb=…`
pub async fn get(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    answer(&state, q.as_deref().unwrap_or("")).await
}

/// `POST /oai` with the arguments as a form body.
pub async fn post(State(state): State<AppState>, body: Bytes) -> Result<Response, AppError> {
    answer(&state, &String::from_utf8_lossy(&body)).await
}
