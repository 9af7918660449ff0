//! Le réseau des pionniers: member profiles, places (« gestion d'un lieu »), moderation and
//! reports. No I/O here: the rules of what is valid and of who may see what.
//!
//! A profile or a place keeps two versions: the **published** one, approved by a moderator and
//! shown to others, and a **draft** submitted by its author and waiting in the moderation
//! queue (or rejected, with a reason). Editing never changes what others see before a
//! moderator approves the new version. Visibility and consent apply at once: hiding a profile
//! needs nobody's approval.

use crate::reference::ReferenceFrame;
use crate::territory::TerritoryLevel;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Who may see a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Everyone, once approved and with a dated consent.
    Public,
    /// Signed-in members only.
    Members,
    /// Nobody but the member and the moderators.
    Hidden,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Public, Visibility::Members, Visibility::Hidden];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Members => "members",
            Visibility::Hidden => "hidden",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Visibility::Public => "Public : visible de tous",
            Visibility::Members => "Membres : visible des membres connectés",
            Visibility::Hidden => "Masqué : visible de vous seul·e",
        }
    }
}

impl FromStr for Visibility {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "public" => Ok(Visibility::Public),
            "members" => Ok(Visibility::Members),
            "hidden" => Ok(Visibility::Hidden),
            other => Err(format!("visibilité inconnue « {other} »")),
        }
    }
}

/// Where a submitted version stands in the moderation queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Review {
    Pending,
    Rejected,
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Review::Pending => "pending",
            Review::Rejected => "rejected",
        }
    }
}

impl FromStr for Review {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Review::Pending),
            "rejected" => Ok(Review::Rejected),
            other => Err(format!("unknown review state « {other} »")),
        }
    }
}

/// A territory of action, by level and official code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TerritoryRef {
    pub level: TerritoryLevel,
    pub code: String,
}

/// What a member says about herself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileFields {
    pub display_name: String,
    pub organisation: String,
    /// Slug of the organisation's actor family.
    pub actor_family: String,
    /// Her role in the organisation (« chargée de mission », « maire adjoint »…).
    pub role: String,
    /// One or more communes, EPCI, départements or régions.
    pub territories: Vec<TerritoryRef>,
    /// Slugs of the métier activities she practises (of the 16).
    pub activities: Vec<String>,
    /// Slugs of her levers of expertise (of the 7).
    pub levers: Vec<String>,
    pub themes: Vec<String>,
    /// Plain text.
    pub bio: String,
    /// http(s) addresses.
    pub links: Vec<String>,
    /// SHA-256 of the resized photo (JPEG), if any.
    #[serde(default)]
    pub photo: Option<String>,
}

/// A problem with one field of a form, in French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

pub(crate) fn problem(
    out: &mut Vec<FieldProblem>,
    field: &'static str,
    message: impl Into<String>,
) {
    out.push(FieldProblem {
        field,
        message: message.into(),
    });
}

pub(crate) fn check_len(
    out: &mut Vec<FieldProblem>,
    field: &'static str,
    label: &str,
    value: &str,
    min: usize,
    max: usize,
) {
    let n = value.chars().count();
    if n < min {
        if min == 1 {
            problem(out, field, format!("Indiquez {label}."));
        } else {
            problem(
                out,
                field,
                format!("{label} : au moins {min} caractères, s'il vous plaît."),
            );
        }
    } else if n > max {
        problem(
            out,
            field,
            format!("{label} : {max} caractères au plus ({n} saisis)."),
        );
    }
    if let Err(e) = crate::text::check_plain(value) {
        problem(out, field, format!("{label} {e}"));
    }
}

/// Removes empty and repeated slugs (ignoring case), keeping the order given.
pub(crate) fn dedup(list: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    list.retain_mut(|v| {
        *v = v.trim().to_string();
        !v.is_empty() && seen.insert(v.to_lowercase())
    });
}

/// The first slug of `given` not in `known`.
pub(crate) fn unknown<'a>(given: &'a [String], known: &[&str]) -> Option<&'a String> {
    given.iter().find(|g| !known.contains(&g.as_str()))
}

/// Like [`check_len`] for a text of several lines: line breaks are allowed.
pub(crate) fn check_lines(
    out: &mut Vec<FieldProblem>,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) {
    let n = value.chars().count();
    if n > max {
        problem(
            out,
            field,
            format!("{label} : {max} caractères au plus ({n} saisis)."),
        );
    }
    if let Err(e) = crate::text::check_plain_lines(value) {
        problem(out, field, format!("{label} {e}"));
    }
}

/// Whether a link is an absolute http(s) address of reasonable length.
pub fn is_web_link(link: &str) -> bool {
    let l = link.trim();
    let rest = l
        .strip_prefix("https://")
        .or_else(|| l.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            l.len() <= 300
                && host.contains('.')
                && !host.starts_with('.')
                && !l
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '"')
        }
        None => false,
    }
}

pub const MAX_TERRITORIES: usize = 10;
pub const MAX_THEMES: usize = 10;
pub const MAX_LINKS: usize = 5;
pub const MAX_BIO_CHARS: usize = 1500;

impl ProfileFields {
    /// Trims every field and removes duplicates, keeping the order given.
    pub fn normalise(&mut self) {
        for s in [
            &mut self.display_name,
            &mut self.organisation,
            &mut self.actor_family,
            &mut self.role,
            &mut self.bio,
        ] {
            *s = s.trim().to_string();
        }
        for list in [
            &mut self.activities,
            &mut self.levers,
            &mut self.themes,
            &mut self.links,
        ] {
            let mut seen = std::collections::HashSet::new();
            list.retain_mut(|v| {
                *v = v.trim().to_string();
                !v.is_empty() && seen.insert(v.to_lowercase())
            });
        }
        let mut seen = std::collections::HashSet::new();
        self.territories.retain(|t| seen.insert(t.clone()));
    }

    /// Every problem with the fields, in French, against the reference frame. Territories are
    /// checked by the caller, who holds the geography.
    pub fn problems(&self, frame: &ReferenceFrame) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        check_len(
            &mut out,
            "display_name",
            "Le nom affiché",
            &self.display_name,
            2,
            80,
        );
        check_len(
            &mut out,
            "organisation",
            "L'organisation",
            &self.organisation,
            0,
            120,
        );
        check_len(&mut out, "role", "La fonction", &self.role, 0, 80);
        check_lines(&mut out, "bio", "La présentation", &self.bio, MAX_BIO_CHARS);
        if self.actor_family.is_empty() {
            problem(
                &mut out,
                "actor_family",
                "Choisissez la famille d'acteurs de votre organisation.",
            );
        } else if !frame
            .actor_families
            .iter()
            .any(|f| f.slug == self.actor_family)
        {
            problem(
                &mut out,
                "actor_family",
                "Cette famille d'acteurs n'existe pas.",
            );
        }
        if self.territories.is_empty() {
            problem(
                &mut out,
                "territories",
                "Indiquez au moins un territoire d'action (commune, intercommunalité, département ou région).",
            );
        } else if self.territories.len() > MAX_TERRITORIES {
            problem(
                &mut out,
                "territories",
                format!("{MAX_TERRITORIES} territoires d'action au plus."),
            );
        }
        let activities: Vec<&str> = frame
            .metier
            .iter()
            .flat_map(|f| f.activities.iter().map(|a| a.slug.as_str()))
            .collect();
        if let Some(bad) = self
            .activities
            .iter()
            .find(|a| !activities.contains(&a.as_str()))
        {
            problem(
                &mut out,
                "activities",
                format!("L'activité « {bad} » n'existe pas."),
            );
        }
        if let Some(bad) = self
            .levers
            .iter()
            .find(|l| !frame.levers.iter().any(|x| &x.slug == *l))
        {
            problem(
                &mut out,
                "levers",
                format!("Le levier « {bad} » n'existe pas."),
            );
        }
        if self.themes.len() > MAX_THEMES {
            problem(&mut out, "themes", format!("{MAX_THEMES} thèmes au plus."));
        }
        if let Some(t) = self.themes.iter().find(|t| t.chars().count() > 40) {
            problem(
                &mut out,
                "themes",
                format!("Le thème « {t} » dépasse 40 caractères."),
            );
        }
        if let Some(e) = self
            .themes
            .iter()
            .find_map(|t| crate::text::check_plain(t).err())
        {
            problem(&mut out, "themes", format!("Un thème {e}"));
        }
        if self.links.len() > MAX_LINKS {
            problem(&mut out, "links", format!("{MAX_LINKS} liens au plus."));
        }
        if let Some(l) = self.links.iter().find(|l| !is_web_link(l)) {
            problem(
                &mut out,
                "links",
                format!("« {l} » n'est pas une adresse web (https://…)."),
            );
        }
        out
    }
}

/// The moderated versions of a profile, a place or a case: the one others see, approved by a
/// moderator, and the one its author submitted, waiting for a decision or rejected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moderated<F> {
    /// The approved version, shown to others.
    pub published: Option<F>,
    pub published_at: Option<DateTime<Utc>>,
    /// The version submitted for review (or rejected), if any.
    pub draft: Option<F>,
    pub review: Option<Review>,
    /// Why the last submission was rejected.
    pub review_reason: String,
    /// Grows by one at every submission: a moderator decides on the revision she read.
    pub revision: i64,
    pub submitted_at: Option<DateTime<Utc>>,
}

impl<F> Moderated<F> {
    /// The version the author is working on: her draft if any, else what is published.
    pub fn current(&self) -> Option<&F> {
        self.draft.as_ref().or(self.published.as_ref())
    }

    /// Every version kept: the published one, then the draft.
    pub fn versions(&self) -> impl Iterator<Item = &F> {
        self.published.iter().chain(self.draft.as_ref())
    }

    /// What a reader sees: the published version, or for its authors (`author`) the draft
    /// of what was never published; the flag says it is that draft.
    pub fn shown(&self, author: bool) -> Option<(&F, bool)> {
        match (&self.published, &self.draft) {
            (Some(f), _) => Some((f, false)),
            (None, Some(d)) if author => Some((d, true)),
            _ => None,
        }
    }

    /// Whether a submitted version waits for a moderator.
    pub fn is_pending(&self) -> bool {
        self.review == Some(Review::Pending)
    }

    /// Why the last submission was rejected, if it was.
    pub fn rejection(&self) -> Option<&str> {
        (self.review == Some(Review::Rejected)).then_some(self.review_reason.as_str())
    }
}

/// A member's profile as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub user_id: i64,
    pub slug: String,
    pub visibility: Visibility,
    /// When the member agreed that her profile be public; `None` if she has not (or withdrew).
    pub consent_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub moderated: Moderated<ProfileFields>,
    pub is_example: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Profile {
    /// Whether anyone, signed in or not, may see the published profile.
    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Public
            && self.consent_at.is_some()
            && self.moderated.published.is_some()
    }

    /// Whether signed-in members may see the published profile.
    pub fn is_listed_for_members(&self) -> bool {
        self.moderated.published.is_some()
            && match self.visibility {
                Visibility::Public => self.consent_at.is_some(),
                Visibility::Members => true,
                Visibility::Hidden => false,
            }
    }

    /// Whether a viewer (signed in or not) may see the published profile.
    pub fn visible_to(&self, signed_in: bool) -> bool {
        if signed_in {
            self.is_listed_for_members()
        } else {
            self.is_public()
        }
    }
}

/// The kinds of place a catalyseur manages (« gestion d'un lieu »).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum PlaceKind {
    CafeSolidaire,
    Coworking,
    Showroom,
    Fablab,
    TiersLieu,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 5] = [
        PlaceKind::CafeSolidaire,
        PlaceKind::Coworking,
        PlaceKind::Showroom,
        PlaceKind::Fablab,
        PlaceKind::TiersLieu,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::CafeSolidaire => "cafe-solidaire",
            PlaceKind::Coworking => "coworking",
            PlaceKind::Showroom => "showroom",
            PlaceKind::Fablab => "fablab",
            PlaceKind::TiersLieu => "tiers-lieu",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            PlaceKind::CafeSolidaire => "Café solidaire",
            PlaceKind::Coworking => "Espace de co-working",
            PlaceKind::Showroom => "Showroom",
            PlaceKind::Fablab => "FabLab",
            PlaceKind::TiersLieu => "Tiers-lieu",
        }
    }

    pub fn index(self) -> u8 {
        PlaceKind::ALL.iter().position(|k| *k == self).unwrap_or(0) as u8
    }
}

impl FromStr for PlaceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlaceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("type de lieu inconnu « {s} »"))
    }
}

impl fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What describes a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceFields {
    pub name: String,
    pub kind: PlaceKind,
    /// INSEE code of its commune.
    pub commune: String,
    /// Street address, public: a place is open to the public.
    pub address: String,
    pub description: String,
    /// User ids of the members who run it.
    pub managers: Vec<i64>,
    pub website: Option<String>,
}

impl PlaceFields {
    pub fn normalise(&mut self) {
        for s in [
            &mut self.name,
            &mut self.commune,
            &mut self.address,
            &mut self.description,
        ] {
            *s = s.trim().to_string();
        }
        self.website = self
            .website
            .take()
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty());
        let mut seen = std::collections::HashSet::new();
        self.managers.retain(|m| seen.insert(*m));
    }

    /// Problems with the fields, in French. The commune is checked by the caller.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        check_len(&mut out, "name", "Le nom du lieu", &self.name, 2, 120);
        check_len(&mut out, "address", "L'adresse", &self.address, 0, 200);
        check_lines(
            &mut out,
            "description",
            "La description",
            &self.description,
            2000,
        );
        if self.commune.is_empty() {
            problem(&mut out, "commune", "Indiquez la commune du lieu.");
        }
        if let Some(w) = &self.website {
            if !is_web_link(w) {
                problem(
                    &mut out,
                    "website",
                    format!("« {w} » n'est pas une adresse web (https://…)."),
                );
            }
        }
        if self.managers.len() > 20 {
            problem(&mut out, "managers", "20 animateurs du lieu au plus.");
        }
        out
    }
}

/// A place as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub id: i64,
    pub slug: String,
    /// The member who created it; `None` once her account is deleted (« ancien membre »).
    pub created_by: Option<i64>,
    #[serde(flatten)]
    pub moderated: Moderated<PlaceFields>,
    pub is_example: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a moderation decision or a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    Member,
    Place,
    /// A case study of the « pratiques innovantes » (see [`crate::cases`]).
    Case,
    /// A need of a territory (see [`crate::needs`]).
    Need,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Member => "member",
            Subject::Place => "place",
            Subject::Case => "case",
            Subject::Need => "need",
        }
    }
}

impl FromStr for Subject {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "member" => Ok(Subject::Member),
            "place" => Ok(Subject::Place),
            "case" => Ok(Subject::Case),
            "need" => Ok(Subject::Need),
            other => Err(format!("unknown subject « {other} »")),
        }
    }
}

/// One decision of the moderation audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub moderator_id: Option<i64>,
    pub subject: Subject,
    pub subject_id: i64,
    pub revision: i64,
    pub approved: bool,
    pub reason: String,
}

/// A report of a profile, a place or a contact message, by a member or a recipient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub reporter_id: Option<i64>,
    pub subject: Subject,
    pub subject_id: i64,
    pub reason: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<i64>,
    pub resolution: String,
}

/// A bit mask of positions in a list of slugs (activities: 16 bits, levers: 7).
pub fn mask_of(slugs: &[String], order: &[&str]) -> u32 {
    slugs
        .iter()
        .filter_map(|s| order.iter().position(|o| o == s))
        .fold(0u32, |m, i| m | (1 << i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ProfileFields {
        ProfileFields {
            display_name: "  Camille Martin ".into(),
            organisation: "Association Les Liens".into(),
            actor_family: "associations".into(),
            role: "Coordinatrice".into(),
            territories: vec![TerritoryRef {
                level: TerritoryLevel::Commune,
                code: "69123".into(),
            }],
            activities: vec!["mettre-en-relation".into(), "mettre-en-relation".into()],
            levers: vec![],
            themes: vec!["mobilité".into(), " Mobilité ".into()],
            bio: String::new(),
            links: vec!["https://exemple.fr".into()],
            photo: None,
        }
    }

    #[test]
    fn normalise_trims_and_deduplicates() {
        let mut f = fields();
        f.normalise();
        assert_eq!(f.display_name, "Camille Martin");
        assert_eq!(f.activities, vec!["mettre-en-relation"]);
        assert_eq!(f.themes, vec!["mobilité"]);
    }

    #[test]
    fn problems_are_in_french_and_tied_to_fields() {
        let frame = ReferenceFrame::shipped().unwrap();
        let mut f = fields();
        f.normalise();
        assert!(f.problems(&frame).is_empty(), "{:?}", f.problems(&frame));
        f.display_name = "A".into();
        f.actor_family = "pirates".into();
        f.territories.clear();
        f.activities.push("voler".into());
        f.links.push("javascript:alert(1)".into());
        let p = f.problems(&frame);
        let fields: Vec<&str> = p.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "display_name",
                "actor_family",
                "territories",
                "activities",
                "links"
            ]
        );
        assert!(p[4].message.contains("n'est pas une adresse web"));
    }

    /// A profile of `fields()`, published or, if not, waiting for its first review.
    fn profile(published: bool) -> Profile {
        let now = Utc::now();
        let version = Some(fields());
        let (published, draft) = if published {
            (version, None)
        } else {
            (None, version)
        };
        Profile {
            user_id: 1,
            slug: "camille-martin".into(),
            visibility: Visibility::Public,
            consent_at: None,
            moderated: Moderated {
                review: draft.as_ref().map(|_| Review::Pending),
                published_at: published.as_ref().map(|_| now),
                published,
                draft,
                review_reason: String::new(),
                revision: 1,
                submitted_at: Some(now),
            },
            is_example: false,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn visibility_needs_consent_and_approval() {
        let now = Utc::now();
        let mut p = profile(true);
        assert!(!p.is_public(), "no consent, not public");
        assert!(!p.is_listed_for_members());
        p.consent_at = Some(now);
        assert!(p.is_public() && p.visible_to(false) && p.visible_to(true));
        p.visibility = Visibility::Members;
        assert!(!p.visible_to(false) && p.visible_to(true));
        p.visibility = Visibility::Hidden;
        assert!(!p.visible_to(false) && !p.visible_to(true));
        p.visibility = Visibility::Public;
        p.moderated.published = None;
        assert!(
            !p.visible_to(false) && !p.visible_to(true),
            "never approved"
        );
    }

    #[test]
    fn a_profile_serialises_its_versions_flat() {
        let p = profile(false);
        let json = serde_json::to_value(&p).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut want = vec![
            "user_id",
            "slug",
            "visibility",
            "consent_at",
            "published",
            "published_at",
            "draft",
            "review",
            "review_reason",
            "revision",
            "submitted_at",
            "is_example",
            "created_at",
            "updated_at",
        ];
        want.sort_unstable();
        assert_eq!(keys, want);
        assert_eq!(json["review"], "pending");
        assert_eq!(json["draft"]["display_name"], "  Camille Martin ");
    }

    #[test]
    fn moderated_versions() {
        let mut m = Moderated {
            published: None,
            published_at: None,
            draft: Some("draft"),
            review: Some(Review::Pending),
            review_reason: String::new(),
            revision: 1,
            submitted_at: None,
        };
        assert_eq!(m.current(), Some(&"draft"));
        assert!(m.is_pending() && m.rejection().is_none());
        assert_eq!(m.shown(false), None, "never published, hidden from others");
        assert_eq!(m.shown(true), Some((&"draft", true)));
        m.published = Some("published");
        assert_eq!(m.versions().collect::<Vec<_>>(), [&"published", &"draft"]);
        assert_eq!(m.shown(false), Some((&"published", false)));
        m.review = Some(Review::Rejected);
        m.review_reason = "Lien commercial".into();
        assert_eq!(m.rejection(), Some("Lien commercial"));
        assert!(!m.is_pending());
    }

    #[test]
    fn links_must_be_web_addresses() {
        assert!(is_web_link("https://www.le-rameau.org/page?x=1"));
        assert!(is_web_link("http://exemple.fr"));
        assert!(!is_web_link("ftp://exemple.fr"));
        assert!(!is_web_link("https://localhost"));
        assert!(!is_web_link("https://a b.fr"));
        assert!(!is_web_link("javascript:alert(1)"));
    }

    #[test]
    fn masks() {
        let order = ["a", "b", "c"];
        assert_eq!(
            mask_of(&["c".into(), "a".into(), "z".into()], &order),
            0b101
        );
    }
}
