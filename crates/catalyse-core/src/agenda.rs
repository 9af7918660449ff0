//! Events of the programme: webinars, meetings, study visits… and the series they belong to.
//! The recurrence rule and the public holidays live in [`crate::events`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Webinaire,
    Rencontre,
    Journee,
    Colloque,
    VisiteApprenante,
    Atelier,
    /// The sessions of a parcours d'expérience (`crate::parcours`), besides its visites
    /// apprenantes.
    TempsCollectif,
    TempsIndividuel,
    MiseEnSituation,
    CoDeveloppement,
    Temoignage,
}

impl EventKind {
    pub const ALL: [EventKind; 11] = [
        EventKind::Webinaire,
        EventKind::Rencontre,
        EventKind::Journee,
        EventKind::Colloque,
        EventKind::VisiteApprenante,
        EventKind::Atelier,
        EventKind::TempsCollectif,
        EventKind::TempsIndividuel,
        EventKind::MiseEnSituation,
        EventKind::CoDeveloppement,
        EventKind::Temoignage,
    ];

    /// The kinds of the programme's own events (webinars, meetings…), not a parcours'.
    pub const PROGRAMME: [EventKind; 6] = [
        EventKind::Webinaire,
        EventKind::Rencontre,
        EventKind::Journee,
        EventKind::Colloque,
        EventKind::VisiteApprenante,
        EventKind::Atelier,
    ];

    /// The kinds a parcours' session may have, in the order the seed lists them.
    pub const SESSIONS: [EventKind; 7] = [
        EventKind::TempsCollectif,
        EventKind::TempsIndividuel,
        EventKind::Temoignage,
        EventKind::VisiteApprenante,
        EventKind::MiseEnSituation,
        EventKind::CoDeveloppement,
        EventKind::Journee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Webinaire => "webinaire",
            EventKind::Rencontre => "rencontre",
            EventKind::Journee => "journee",
            EventKind::Colloque => "colloque",
            EventKind::VisiteApprenante => "visite-apprenante",
            EventKind::Atelier => "atelier",
            EventKind::TempsCollectif => "temps-collectif",
            EventKind::TempsIndividuel => "temps-individuel",
            EventKind::MiseEnSituation => "mise-en-situation",
            EventKind::CoDeveloppement => "co-developpement",
            EventKind::Temoignage => "temoignage",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Webinaire => "Webinaire",
            EventKind::Rencontre => "Rencontre",
            EventKind::Journee => "Journée",
            EventKind::Colloque => "Colloque",
            EventKind::VisiteApprenante => "Visite apprenante",
            EventKind::Atelier => "Atelier",
            EventKind::TempsCollectif => "Temps collectif",
            EventKind::TempsIndividuel => "Temps individuel",
            EventKind::MiseEnSituation => "Mise en situation",
            EventKind::CoDeveloppement => "Co-développement",
            EventKind::Temoignage => "Témoignage de pairs ou de décideurs",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("type d'événement inconnu : « {s} »"))
    }
}

/// Where an event is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    Scheduled,
    Cancelled,
    Held,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Scheduled => "scheduled",
            EventStatus::Cancelled => "cancelled",
            EventStatus::Held => "held",
        }
    }
}

impl FromStr for EventStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "scheduled" => Ok(EventStatus::Scheduled),
            "cancelled" => Ok(EventStatus::Cancelled),
            "held" => Ok(EventStatus::Held),
            _ => Err(format!("statut inconnu : « {s} »")),
        }
    }
}

/// An event as stored. Times are UTC instants (written in JSON as RFC 3339, `Z`); pages show
/// them in `timezone`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: i64,
    pub slug: String,
    /// The series it is an occurrence of, if any.
    pub series: Option<String>,
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub levers: Vec<String>,
    pub themes: Vec<String>,
    #[serde(with = "crate::time::z")]
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    /// IANA time zone of the event (« Europe/Paris »).
    pub timezone: String,
    pub online_url: Option<String>,
    /// INSEE code of the commune, for events in a place.
    pub commune: Option<String>,
    pub address: Option<String>,
    pub speakers: Vec<String>,
    /// Seats; none means no limit.
    pub capacity: Option<i32>,
    /// When registration opens and closes; none: open until the start.
    #[serde(with = "crate::time::z_option")]
    pub registration_opens: Option<DateTime<Utc>>,
    #[serde(with = "crate::time::z_option")]
    pub registration_closes: Option<DateTime<Utc>>,
    pub status: EventStatus,
    pub replay_url: Option<String>,
    /// Slugs of related resources of the resource centre.
    pub resources: Vec<String>,
    pub is_example: bool,
    #[serde(with = "crate::time::z")]
    pub updated_at: DateTime<Utc>,
}

/// A series of events and its rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Series {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub kind: EventKind,
    /// The rule as text (« le 3e jeudi de chaque mois à 13 h 00… »).
    pub rule: String,
}

/// The 2019 webinar cycle as the seed gives it (`data/reference/webinars-2019.toml`).
#[derive(Debug, Deserialize)]
pub struct WebinarCycle {
    pub series: CycleSeries,
    pub session: Vec<CycleSession>,
}

#[derive(Debug, Deserialize)]
pub struct CycleSeries {
    pub slug: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Deserialize)]
pub struct CycleSession {
    pub date: chrono::NaiveDate,
    pub theme: String,
    #[serde(default)]
    pub levers: Vec<String>,
}

impl Event {
    /// A scheduled event of `kind` in Paris time, with nothing else said yet (no place,
    /// speaker, seat limit, registration window, replay or resource): the fields a caller
    /// knows go on top, `Event { capacity: Some(100), ..Event::scheduled(…) }`.
    pub fn scheduled(
        slug: String,
        kind: EventKind,
        title: String,
        starts_at: DateTime<Utc>,
        duration_minutes: i32,
        updated_at: DateTime<Utc>,
    ) -> Event {
        Event {
            id: 0,
            slug,
            series: None,
            kind,
            title,
            description: String::new(),
            levers: vec![],
            themes: vec![],
            starts_at,
            duration_minutes,
            timezone: "Europe/Paris".into(),
            online_url: None,
            commune: None,
            address: None,
            speakers: vec![],
            capacity: None,
            registration_opens: None,
            registration_closes: None,
            status: EventStatus::Scheduled,
            replay_url: None,
            resources: vec![],
            is_example: false,
            updated_at,
        }
    }

    /// Whether people may register at `now`: a scheduled event still to come, inside its
    /// registration window if it has one.
    pub fn open_for_registration(&self, now: DateTime<Utc>) -> bool {
        self.status == EventStatus::Scheduled
            && self.starts_at > now
            && self.registration_opens.is_none_or(|o| o <= now)
            && self.registration_closes.is_none_or(|c| c > now)
    }
}

impl WebinarCycle {
    const TEXT: &'static str = include_str!("../../../data/reference/webinars-2019.toml");

    pub fn shipped() -> Result<WebinarCycle, toml::de::Error> {
        toml::from_str(Self::TEXT)
    }

    pub fn shipped_checksum() -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(Self::TEXT.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_2019_cycle_is_the_seed_s() {
        let c = WebinarCycle::shipped().unwrap();
        assert_eq!(c.series.slug, "webinaires-mensuels");
        assert_eq!(c.session.len(), 12);
        assert_eq!(c.session[7].date.to_string(), "2019-08-22");
        assert_eq!(c.session[0].theme, "Lancement du cycle de Webinaires");
        for k in EventKind::ALL {
            assert_eq!(k.as_str().parse::<EventKind>(), Ok(k));
        }
    }
}

#[cfg(test)]
mod window_tests {
    use super::*;

    #[test]
    fn registration_follows_status_start_and_window() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let now = at("2030-01-10T12:00:00Z");
        let mut e = Event {
            id: 1,
            ..Event::scheduled(
                "e".into(),
                EventKind::Atelier,
                "t".into(),
                at("2030-01-17T12:00:00Z"),
                60,
                now,
            )
        };
        assert!(e.open_for_registration(now));
        e.registration_closes = Some(at("2030-01-09T00:00:00Z"));
        assert!(!e.open_for_registration(now), "closed");
        e.registration_closes = None;
        e.registration_opens = Some(at("2030-01-11T00:00:00Z"));
        assert!(!e.open_for_registration(now), "not open yet");
        e.registration_opens = None;
        e.status = EventStatus::Cancelled;
        assert!(!e.open_for_registration(now));
        e.status = EventStatus::Scheduled;
        e.starts_at = at("2030-01-01T12:00:00Z");
        assert!(!e.open_for_registration(now), "past");
    }
}
