//! Records as the tests write them: an event, a member's profile, a resource. Shared by the
//! storage suite and by the suites of the crates built on the store (catalyse-web's `it` and
//! catalyse's `backup` include this file with `#[path]`); each changes what it needs with
//! `..fixtures::event(…)` and the like.

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
