//! Keeps the network in memory (`snapshot`) up to date. It is derived data, rebuilt whole
//! from the store after every change that others can see (an approval, a visibility change,
//! a deletion) and when another instance changed it (the `network_version` setting, watched
//! like the observatory), or when the case studies changed (the `cases_version` setting: the
//! published ones are the map's third layer), or the needs (the store's `needs_version`: the
//! open ones are its fourth); the needs' suggestion pool (`needs::pool`) is
//! built in the same read and swapped with it (a member's opt-out of suggestions is such a
//! change). The directory's full-text index (`catalyse_search::members`) is updated in place
//! beside it.

use super::snapshot::{member_doc, Builder, Figures, Snapshot, VERSION_KEY};
use crate::state::AppState;
use catalyse_map::MapIndex;
use catalyse_search::members::MemberDoc;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Profiles read from the store at a time.
const PAGE: u32 = 2_000;

/// Reads the network from the store, page by page, and builds a snapshot; with `reindex`,
/// also rebuilds the directory's search index from the same read, the documents streaming
/// to the index's writer (a million members are never all in memory).
pub async fn load(state: &AppState, reindex: bool) -> anyhow::Result<Arc<Snapshot>> {
    // Read before the data: a change made during the read is picked up by the next refresh.
    let version = state.store.setting(VERSION_KEY).await?.unwrap_or_default();
    let cases_version = state.store.cases_version().await?;
    let needs_version = state.store.needs_version().await?;
    // The needs' suggestions are drawn from the same read (`needs::pool`).
    let opted_out = state.store.unsuggestible_users().await?;
    let mut pool = crate::needs::pool::PoolBuilder::new(&state.matching, opted_out);
    let mut b = Builder {
        territories: &state.territories,
        numbering: &state.numbering,
        points: Vec::new(),
        listed: 0,
        figures: Figures::default(),
        active: HashMap::new(),
        managed_by: HashMap::new(),
        places: Vec::new(),
        case_phases: HashMap::new(),
        example_cases: HashSet::new(),
        needs: HashMap::new(),
    };
    let (tx, writer) = if reindex {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<MemberDoc>(4 * PAGE as usize);
        let index = state.members.clone();
        let writer = tokio::task::spawn_blocking(move || {
            index.rebuild_iter(std::iter::from_fn(|| rx.blocking_recv()))
        });
        (Some(tx), Some(writer))
    } else {
        (None, None)
    };
    let mut after = 0;
    loop {
        let page = state.store.published_profiles(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.user_id;
        for p in page {
            pool.member(&state.matching, &state.territories, &p);
            if let Some(doc) = b.member(p, tx.is_some()) {
                if let Some(tx) = &tx {
                    // The writer stopped: its error is reported below.
                    if tx.send(doc).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
    drop(tx);
    if let Some(writer) = writer {
        writer
            .await?
            .map_err(|e| anyhow::anyhow!("member index: {e}"))?;
        // Beside the index, the version of the network it was built from (read at start).
        if let Err(e) = std::fs::write(index_version_file(state), &version) {
            tracing::warn!(error = %e, "cannot note the member index's version");
        }
    }
    let mut place_communes = HashMap::new();
    for p in state.store.published_places().await? {
        if let Some(c) = b.place(&p) {
            place_communes.insert(p.id, c);
        }
    }
    // The public case studies, page by page (the store gives published, non-archived ones).
    let mut after = 0;
    loop {
        let page = state.store.published_cases(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for c in &page {
            b.case(c);
            pool.case(&state.matching, &state.territories, c);
        }
    }
    // The open needs, page by page (the store gives every published one; `need` keeps the
    // open ones).
    let mut after = 0;
    loop {
        let page = state.store.published_needs(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for n in &page {
            b.need(n);
        }
    }
    let Builder {
        points,
        listed,
        figures,
        mut active,
        mut managed_by,
        mut places,
        case_phases,
        example_cases,
        needs,
        ..
    } = b;
    // By name, then by id for places of the same name.
    places.sort_unstable_by(|a, b| (&a.0, a.1.id).cmp(&(&b.0, b.1.id)));
    let places = places.into_iter().map(|(_, p)| p).collect();
    active.values_mut().for_each(Vec::shrink_to_fit);
    // In id order, each place once (the places are read in id order: already so).
    for ids in managed_by.values_mut() {
        ids.sort_unstable();
        ids.dedup();
        ids.shrink_to_fit();
    }
    let snapshot = tokio::task::spawn_blocking(move || Snapshot {
        suggestions: pool.build(),
        version,
        cases_version,
        needs_version,
        listed,
        map: MapIndex::build(points),
        figures,
        active,
        place_communes,
        places,
        managed_by,
        case_phases,
        example_cases,
        needs,
    })
    .await?;
    // What the build read and dropped goes back to the system.
    crate::release_freed_memory();
    Ok(Arc::new(snapshot))
}

/// After a change others can see: updates the directory's index for this member (if given),
/// rebuilds the snapshot, and tells other instances.
pub async fn changed(state: &AppState, member: Option<i64>) -> anyhow::Result<()> {
    if let Some(id) = member {
        let doc = match state.store.profile(id).await? {
            Some(p) if p.is_listed_for_members() => p
                .moderated
                .published
                .as_ref()
                .map(|f| member_doc(&state.territories, &p, f)),
            _ => None,
        };
        let index = state.members.clone();
        tokio::task::spawn_blocking(move || match doc {
            Some(d) => index.upsert(&d),
            None => index.remove(id),
        })
        .await?
        .map_err(|e| anyhow::anyhow!("member index: {e}"))?;
    }
    state
        .store
        .set_setting(VERSION_KEY, &crate::tokens::random_token())
        .await?;
    let fresh = load(state, false).await?;
    state.set_network(fresh);
    Ok(())
}

/// Picks up a change made by another instance or by the command line, to the network, to
/// the case studies or to the needs (the directory's index is rebuilt only for the first).
/// A page that changed a case study or a need calls it to show the change at once.
pub async fn refresh(state: &AppState) -> anyhow::Result<bool> {
    let version = state.store.setting(VERSION_KEY).await?.unwrap_or_default();
    let cases_version = state.store.cases_version().await?;
    let needs_version = state.store.needs_version().await?;
    let current = state.network();
    if version == current.version
        && cases_version == current.cases_version
        && needs_version == current.needs_version
    {
        return Ok(false);
    }
    let fresh = load(state, version != current.version).await?;
    state.set_network(fresh);
    Ok(true)
}

fn index_version_file(state: &AppState) -> std::path::PathBuf {
    state
        .config
        .data_dir
        .join("members-index")
        .join("catalyse-version")
}

/// At start: the snapshot, and the directory's index rebuilt if it was built from another
/// version of the network (changes made elsewhere while this instance was stopped, a
/// restore) or does not hold as many profiles as the store lists (a new data directory, a
/// crash).
pub async fn start(state: &AppState) -> anyhow::Result<()> {
    let mut snapshot = load(state, false).await?;
    let built_from = std::fs::read_to_string(index_version_file(state)).unwrap_or_default();
    if built_from != snapshot.version || snapshot.listed as u64 != state.members.len() {
        snapshot = load(state, true).await?;
        tracing::info!(profiles = snapshot.listed, "member index rebuilt");
    }
    state.set_network(snapshot);
    Ok(())
}

/// The reference frame as the profile rules read it.
pub fn frame(state: &AppState) -> catalyse_core::ReferenceFrame {
    catalyse_core::ReferenceFrame {
        levers: state.reference.levers.clone(),
        metier: state.reference.metier.clone(),
        actor_families: state.reference.actor_families.clone(),
        milestones: vec![],
        checksum: String::new(),
    }
}
