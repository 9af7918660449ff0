//! Records as the tests write them: an event, a member's profile, a resource, a case, a need.
//! Shared by the storage suite and by the suites of the crates built on the store
//! (catalyse-web's `it` and catalyse's `backup` include this file with `#[path]`); each
//! changes what it needs with `..fixtures::event(…)` and the like.

// Each suite uses some of them.
#![allow(dead_code)]

use catalyse_core::agenda::{Event, EventKind};
use catalyse_core::network::{ProfileFields, TerritoryRef};
use catalyse_core::resource::{Nature, ResourceFields};
use catalyse_core::TerritoryLevel;
use chrono::{DateTime, Utc};

/// A scheduled event of one hour, with a speaker and 100 seats.
pub fn event(slug: &str, start: DateTime<Utc>, kind: EventKind, series: Option<&str>) -> Event {
    Event {
        series: series.map(String::from),
        levers: vec!["definir-sa-strategie".into()],
        speakers: vec!["Une intervenante".into()],
        capacity: Some(100),
        ..Event::scheduled(
            slug.into(),
            kind,
            format!("Titre {slug}"),
            start,
            60,
            DateTime::UNIX_EPOCH,
        )
    }
}

/// A member's profile in Lyon (commune 69123), as a member would fill it.
pub fn profile_fields(name: &str) -> ProfileFields {
    ProfileFields {
        display_name: name.into(),
        organisation: "Association Les Liens".into(),
        actor_family: "associations".into(),
        role: "Coordinatrice".into(),
        territories: vec![commune("69123")],
        activities: vec!["mettre-en-relation".into()],
        levers: vec!["apprendre-a-faire-alliance".into()],
        themes: vec!["mobilité".into()],
        bio: "Je relie les acteurs.".into(),
        links: vec![],
        photo: None,
    }
}

/// The commune of this INSEE code, as a profile's territory.
pub fn commune(code: &str) -> TerritoryRef {
    TerritoryRef {
        level: TerritoryLevel::Commune,
        code: code.into(),
    }
}

/// A resource of 2024 by « Réseau test », a PDF in French under CC BY 4.0, with no summary,
/// body, lever or theme.
pub fn resource_fields(slug: &str, title: &str, nature: Nature) -> ResourceFields {
    ResourceFields {
        slug: slug.into(),
        title: title.into(),
        summary: String::new(),
        body: String::new(),
        nature,
        subgroup: String::new(),
        levers: vec![],
        themes: vec![],
        authors: vec!["Réseau test".into()],
        year: Some(2024),
        format: "PDF".into(),
        language: "fr".into(),
        licence: "CC BY 4.0".into(),
        url: None,
        is_example: false,
    }
}

/// A case study in Lyon (commune 69123), mobility and isolation, at the experimentation phase,
/// valid as a member would fill it (no image).
pub fn case_fields(title: &str) -> catalyse_core::cases::CaseFields {
    use catalyse_core::cases::{CaseActor, CaseFields, FundingShare, FundingSource, Phase};
    CaseFields {
        title: title.into(),
        summary: "Une alliance d'acteurs pour que les aînés isolés se déplacent.".into(),
        body: "## L'alliance\n\nUne association, la commune et une entreprise.".into(),
        territory: commune("69123"),
        started_year: Some(2016),
        phase: Phase::Experimentation,
        fragilities: vec!["mobilite".into(), "isolement".into()],
        levers: vec!["apprendre-a-faire-alliance".into()],
        families: vec!["associations".into(), "collectivites-territoriales".into()],
        actors: vec![CaseActor {
            name: "Association Les Liens".into(),
            family: "associations".into(),
            role: "Porteuse du projet".into(),
        }],
        activities: vec!["mettre-en-relation".into()],
        funding: vec![
            FundingShare {
                source: FundingSource::Collectivites,
                percent: 70,
            },
            FundingShare {
                source: FundingSource::Fondations,
                percent: 30,
            },
        ],
        model: "Une subvention de la commune et le soutien d'une fondation.".into(),
        results: "Des trajets chaque semaine.".into(),
        figures: vec![],
        contacts: vec![],
        resources: vec![],
        images: vec![],
        source: "Témoignage de la porteuse".into(),
        licence: "CC BY 4.0".into(),
    }
}

/// A need of Lyon (commune 69123) about mobility, from the commune, looking for an association
/// that connects people, valid as a member would fill it.
pub fn need_fields(title: &str) -> catalyse_core::needs::NeedFields {
    use catalyse_core::needs::{Horizon, NeedFields};
    NeedFields {
        title: title.into(),
        description: "Nos aînés isolés ne peuvent plus se rendre au marché ni chez le médecin."
            .into(),
        territory: commune("69123"),
        organisation: "Mairie de Lyon".into(),
        author_family: "collectivites-territoriales".into(),
        fragility: "mobilite".into(),
        levers: vec!["apprendre-a-faire-alliance".into()],
        families: vec!["associations".into()],
        activities: vec!["mettre-en-relation".into()],
        horizon: Horizon::SixMois,
    }
}
