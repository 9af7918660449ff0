//! Who could help with a need, and why: members and case studies ranked by complementary
//! family, nearness, the activities and levers sought, the cases they documented on the
//! need's fragility and recent activity. No I/O: the caller builds a [`Pool`] of candidates
//! from its snapshot (after each change of the network or of the cases) and asks it for a
//! need's [`Suggestions`], each with its [`Reason`]s.
//!
//! Everything is numbered by position in the reference lists ([`Names`]), so matching is bit
//! arithmetic on masks. The scan over a million members keeps the best `limit` in a heap and
//! skips a member whose score could not enter it even at distance 0, so the costly part (the
//! great-circle distance) is computed for few; the distances of a query are computed once per
//! distinct point (territory centres are shared by many members).

mod geo;
mod names;
mod reasons;

use geo::{chord_km, unit, Unit};
pub use geo::{distance_km, GeoPoint, EARTH_RADIUS_KM};
pub use names::{NameList, Names, TooMany};
pub use reasons::Reason;

use super::NeedFields;
use crate::text::Lang;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// How a suggestion is scored: the one place where the weights live. Pages show
/// [`Weights::explain`] in their « Pourquoi ces suggestions ? » note.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Points for a member whose actor family is one the need seeks.
    pub family_sought: f32,
    /// Points for a member of another family than the need's author's, not sought: the
    /// complementarity sought. A member of the author's own family gets none, nor one whose
    /// family or the author's is not said.
    pub family_other: f32,
    /// Points for nearness, all of them at 0 km, halved every [`Weights::half_distance_km`].
    pub distance: f32,
    /// Points for the métier activities sought, in proportion of those the member practises.
    pub activities: f32,
    /// Points for the levers sought, in proportion of those that are her expertise.
    pub levers: f32,
    /// Points for the case studies she is a contact of on the need's fragility, in proportion
    /// up to [`Weights::cases_full`] cases.
    pub cases: f32,
    /// Points for recent activity: all of them up to [`Weights::recent_full_days`] days since
    /// her last visit, then fewer and fewer, none from [`Weights::recent_none_days`].
    pub recent: f32,
    /// The distance at which nearness is worth half its points.
    pub half_distance_km: f64,
    pub cases_full: u32,
    pub recent_full_days: u32,
    pub recent_none_days: u32,
    /// For a case study (which must address the need's fragility): points for nearness,
    /// decaying like a member's.
    pub case_distance: f32,
    /// Points for the levers sought that the case used, in proportion.
    pub case_levers: f32,
    /// Points for the activities sought that the case illustrates, in proportion.
    pub case_activities: f32,
    /// Points for the actor families sought that the case involves, in proportion.
    pub case_families: f32,
}

/// The weights in force: a member scores out of 100, and so does a case.
pub const WEIGHTS: Weights = Weights {
    family_sought: 20.0,
    family_other: 10.0,
    distance: 15.0,
    activities: 25.0,
    levers: 15.0,
    cases: 20.0,
    recent: 5.0,
    half_distance_km: 50.0,
    cases_full: 3,
    recent_full_days: 90,
    recent_none_days: 365,
    case_distance: 40.0,
    case_levers: 25.0,
    case_activities: 20.0,
    case_families: 15.0,
};

impl Weights {
    /// The most a member may score.
    pub fn member_total(&self) -> f32 {
        self.family_sought
            + self.distance
            + self.activities
            + self.levers
            + self.cases
            + self.recent
    }

    /// The most a case may score.
    pub fn case_total(&self) -> f32 {
        self.case_distance + self.case_levers + self.case_activities + self.case_families
    }

    /// The rules, one sentence a line, for the « Pourquoi ces suggestions ? » note: a line
    /// that ends with « : » introduces the six factors of a member's score, one a line; then
    /// who is suggested, and how cases are.
    pub fn explain(&self, lang: Lang) -> Vec<String> {
        let n = |x: f32| number(f64::from(x), lang);
        let (half, quarter) = (
            number(self.half_distance_km, lang),
            number(2.0 * self.half_distance_km, lang),
        );
        let (full, none, cases_full) = (
            self.recent_full_days,
            self.recent_none_days,
            self.cases_full,
        );
        match lang {
            Lang::Fr => vec![
                format!("Chaque membre proposé reçoit jusqu'à {} points :", n(self.member_total())),
                format!("{} points selon la part des activités du métier recherchées qu'il pratique ;", n(self.activities)),
                format!("{} points selon la part des leviers recherchés qui sont son expertise ;", n(self.levers)),
                format!("{} points pour les cas documentés dont il est contact sur la fragilité du besoin, tous à partir de {cases_full} cas ;", n(self.cases)),
                format!("{} points si sa famille d'acteurs est l'une de celles recherchées, {} si elle est autre que celle de l'auteur du besoin ;", n(self.family_sought), n(self.family_other)),
                format!("{} points pour la proximité, à vol d'oiseau entre les centres des territoires : tous à 0 km, la moitié à {half} km, le quart à {quarter} km ;", n(self.distance)),
                format!("{} points pour une activité récente sur la plateforme : tous jusqu'à {full} jours, de moins en moins ensuite, aucun à partir de {none} jours.", n(self.recent)),
                "Un membre n'est proposé que s'il pratique une activité ou un levier recherché, appartient à une famille d'acteurs recherchée ou a documenté un cas sur cette fragilité : la proximité seule ne suffit pas.".to_string(),
                "Les membres qui ont choisi de ne pas être proposés ne le sont jamais ; les profils réservés aux membres ne sont proposés qu'aux membres connectés.".to_string(),
                format!("Les pratiques proposées portent sur la même fragilité ; elles reçoivent jusqu'à {} points : {} pour la proximité, {} pour les leviers recherchés, {} pour les activités recherchées et {} pour les familles d'acteurs recherchées, en proportion.", n(self.case_total()), n(self.case_distance), n(self.case_levers), n(self.case_activities), n(self.case_families)),
            ],
            Lang::En => vec![
                format!("Each suggested member gets up to {} points:", n(self.member_total())),
                format!("{} points for the share of the métier activities sought that she practises;", n(self.activities)),
                format!("{} points for the share of the levers sought that are her expertise;", n(self.levers)),
                format!("{} points for the documented cases she is a contact of on the need's fragility, all of them from {cases_full} cases;", n(self.cases)),
                format!("{} points if her actor family is one of those sought, {} if it differs from the need author's;", n(self.family_sought), n(self.family_other)),
                format!("{} points for nearness, as the crow flies between the centres of the territories: all at 0 km, half at {half} km, a quarter at {quarter} km;", n(self.distance)),
                format!("{} points for recent activity on the platform: all up to {full} days, fewer and fewer after, none from {none} days.", n(self.recent)),
                "A member is suggested only if she practises an activity or a lever sought, belongs to an actor family sought or documented a case on this fragility: nearness alone is not enough.".to_string(),
                "Members who chose not to be suggested never are; profiles for members only are suggested to signed-in members only.".to_string(),
                format!("Suggested practices address the same fragility; they get up to {} points: {} for nearness, {} for the levers sought, {} for the activities sought and {} for the actor families sought, in proportion.", n(self.case_total()), n(self.case_distance), n(self.case_levers), n(self.case_activities), n(self.case_families)),
            ],
        }
    }

    fn nearness(&self, half_distances: f64) -> f32 {
        (-half_distances).exp2() as f32
    }

    fn recency(&self, days: i64) -> f32 {
        let (full, none) = (self.recent_full_days as i64, self.recent_none_days as i64);
        if days <= full {
            1.0
        } else if days >= none {
            0.0
        } else {
            (none - days) as f32 / (none - full) as f32
        }
    }
}

/// A number as the language writes it, without useless decimals: « 7,5 » in French, « 7.5 »
/// in English, « 50 » in both.
fn number(x: f64, lang: Lang) -> String {
    let s = format!("{:.1}", x);
    let s = s.strip_suffix(".0").unwrap_or(&s);
    match lang {
        Lang::Fr => s.replace('.', ","),
        Lang::En => s.to_string(),
    }
}

/// Who may see a member's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    /// Signed-in members only.
    Members,
}

/// A member who could be suggested: one whose profile others may see (hidden profiles are
/// not candidates). Masks are by position in [`Names`].
#[derive(Debug, Clone, PartialEq)]
pub struct MemberCandidate {
    pub user_id: i64,
    pub family: Option<u8>,
    pub activities: u32,
    pub levers: u32,
    /// The centre of her (first) territory.
    pub point: Option<GeoPoint>,
    pub audience: Audience,
    /// `false` when she asked not to be suggested: she never is.
    pub suggestible: bool,
    /// The day of her last visit.
    pub last_active: Option<NaiveDate>,
}

/// A public case study. Masks are by position in [`Names`].
#[derive(Debug, Clone, PartialEq)]
pub struct CaseCandidate {
    pub case_id: i64,
    /// The centre of its territory.
    pub point: Option<GeoPoint>,
    pub fragilities: u32,
    pub levers: u32,
    pub families: u32,
    pub activities: u32,
    /// The user ids of its contacts: each counts it among her documented cases.
    pub contacts: Vec<i64>,
}

/// What a need seeks, numbered.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedProfile {
    /// The centre of the need's territory.
    pub point: Option<GeoPoint>,
    pub author_family: Option<u8>,
    pub fragility: Option<u8>,
    pub levers: u32,
    pub families: u32,
    pub activities: u32,
}

impl NeedProfile {
    /// The profile of a need's fields; unknown slugs are ignored.
    pub fn from_fields(f: &NeedFields, names: &Names, point: Option<GeoPoint>) -> NeedProfile {
        NeedProfile {
            point,
            author_family: names.families.position(&f.author_family),
            fragility: names.fragilities.position(&f.fragility),
            levers: names.levers.mask(&f.levers),
            families: names.families.mask(&f.families),
            activities: names.activities.mask(&f.activities),
        }
    }
}

/// Who asks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Viewer {
    /// Members-only profiles are suggested to signed-in members only.
    pub signed_in: bool,
    /// User ids never suggested: the need's author, people already in touch.
    pub exclude: Vec<i64>,
}

/// A member who could help, with her score (out of [`Weights::member_total`]) and reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberSuggestion {
    pub user_id: i64,
    pub score: f32,
    pub reasons: Vec<Reason>,
}

/// A case study on the same fragility, with its score (out of [`Weights::case_total`]) and
/// reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseSuggestion {
    pub case_id: i64,
    pub score: f32,
    pub reasons: Vec<Reason>,
}

/// Both lists, best first (then by id).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    pub members: Vec<MemberSuggestion>,
    pub cases: Vec<CaseSuggestion>,
}

const NO_POINT: u32 = u32::MAX;
const NO_FAMILY: u8 = u8::MAX;
const NEVER_ACTIVE: i32 = i32::MIN;

/// A member as the scan reads it: 24 bytes.
#[derive(Debug, Clone, Copy)]
struct Row {
    id: i64,
    /// Index in `Pool::points`, or `NO_POINT`.
    point: u32,
    activities: u32,
    /// Days from the common era of her last visit, or `NEVER_ACTIVE`.
    last_active: i32,
    levers: u16,
    family: u8,
    members_only: bool,
}

#[derive(Debug, Clone, Copy)]
struct CaseRow {
    id: i64,
    point: u32,
    fragilities: u32,
    levers: u32,
    families: u32,
    activities: u32,
}

/// The candidates, ready to be scanned for any need. Cheap to rebuild: rebuild it after each
/// change of the network or of the cases.
#[derive(Debug, Clone)]
pub struct Pool {
    names: Names,
    /// Suggestible members, by user id.
    rows: Vec<Row>,
    /// The distinct points of members and cases, as unit vectors.
    points: Vec<Unit>,
    /// Per fragility: (row, number of cases the member is a contact of), by row.
    documented: Vec<Vec<(u32, u16)>>,
    cases: Vec<CaseRow>,
}

impl Pool {
    /// Numbers the candidates. Members who opted out are left out here; a user id given
    /// twice keeps its first candidate; a point with a latitude beyond ±90° or not a
    /// number counts as none.
    pub fn new(
        names: Names,
        members: impl IntoIterator<Item = MemberCandidate>,
        cases: impl IntoIterator<Item = CaseCandidate>,
    ) -> Pool {
        let mut points = Vec::new();
        let mut seen: HashMap<(u64, u64), u32> = HashMap::new();
        let mut point_of = |p: Option<GeoPoint>| {
            let Some((p, u)) = p.and_then(|p| Some((p, unit(p)?))) else {
                return NO_POINT;
            };
            *seen
                .entry((p.lat.to_bits(), p.lon.to_bits()))
                .or_insert_with(|| {
                    points.push(u);
                    points.len() as u32 - 1
                })
        };
        let mut rows: Vec<Row> = members
            .into_iter()
            .filter(|m| m.suggestible)
            .map(|m| Row {
                id: m.user_id,
                point: point_of(m.point),
                activities: m.activities,
                last_active: m.last_active.map_or(NEVER_ACTIVE, |d| d.num_days_from_ce()),
                levers: m.levers as u16,
                family: m
                    .family
                    .filter(|f| (*f as usize) < names.families.slugs.len())
                    .unwrap_or(NO_FAMILY),
                members_only: m.audience == Audience::Members,
            })
            .collect();
        rows.sort_by_key(|r| r.id);
        rows.dedup_by_key(|r| r.id);
        rows.shrink_to_fit();
        let mut links: Vec<(u8, u32)> = Vec::new();
        let mut cases: Vec<CaseRow> = cases
            .into_iter()
            .map(|c| {
                let mut contacts: Vec<u32> = c
                    .contacts
                    .iter()
                    .filter_map(|id| rows.binary_search_by_key(id, |r| r.id).ok())
                    .map(|i| i as u32)
                    .collect();
                contacts.sort_unstable();
                contacts.dedup();
                for f in (0..32u8).filter(|f| c.fragilities & bit(*f) != 0) {
                    links.extend(contacts.iter().map(|&row| (f, row)));
                }
                CaseRow {
                    id: c.case_id,
                    point: point_of(c.point),
                    fragilities: c.fragilities,
                    levers: c.levers,
                    families: c.families,
                    activities: c.activities,
                }
            })
            .collect();
        links.sort_unstable();
        let mut documented = vec![Vec::new(); names.fragilities.slugs.len()];
        for run in links.chunk_by(|a, b| a == b) {
            let (f, row) = run[0];
            if let Some(list) = documented.get_mut(f as usize) {
                list.push((row, run.len().min(u16::MAX as usize) as u16));
            }
        }
        // Collecting may reuse the candidates' larger allocation.
        cases.shrink_to_fit();
        points.shrink_to_fit();
        documented.iter_mut().for_each(Vec::shrink_to_fit);
        Pool {
            names,
            rows,
            points,
            documented,
            cases,
        }
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

    /// How many members may be suggested (those who did not opt out).
    pub fn members(&self) -> usize {
        self.rows.len()
    }

    /// The memory the pool holds, in bytes (without `names`).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.rows.capacity() * size_of::<Row>()
            + self.points.capacity() * size_of::<Unit>()
            + self
                .documented
                .iter()
                .map(|l| l.capacity() * size_of::<(u32, u16)>())
                .sum::<usize>()
            + self.cases.capacity() * size_of::<CaseRow>()
    }

    fn cases_of(&self, row: u32, fragility: Option<u8>) -> u32 {
        fragility
            .and_then(|f| self.documented.get(f as usize))
            .and_then(|l| l.binary_search_by_key(&row, |e| e.0).ok().map(|i| l[i].1))
            .unwrap_or(0) as u32
    }
}

/// The bit of a position (none beyond 31).
fn bit(position: u8) -> u32 {
    1u32.checked_shl(position as u32).unwrap_or(0)
}

/// Share of the bits of `sought` found in `have`.
fn share(have: u32, sought: u32) -> f32 {
    if sought == 0 {
        0.0
    } else {
        (have & sought).count_ones() as f32 / sought.count_ones() as f32
    }
}

/// A need's query against one pool: the distances of its point, computed once per point.
struct Query<'a> {
    pool: &'a Pool,
    /// The need, without positions or bits the names do not know.
    need: NeedProfile,
    unit: Option<Unit>,
    today: i32,
    /// Per point of the pool: its nearness factor, or NaN until computed.
    nearness: Vec<f32>,
}

/// What a member scores, before nearness.
struct MemberScore {
    /// Points for her family, and whether it is one sought.
    family: f32,
    sought: bool,
    activities: f32,
    levers: f32,
    cases: f32,
    recent: f32,
}

impl MemberScore {
    fn without_distance(&self) -> f32 {
        let w = &WEIGHTS;
        self.family
            + w.activities * self.activities
            + w.levers * self.levers
            + w.cases * self.cases
            + w.recent * self.recent
    }
}

impl<'a> Query<'a> {
    fn new(pool: &'a Pool, need: &NeedProfile, today: NaiveDate) -> Query<'a> {
        let names = &pool.names;
        let known = |list: &NameList, i: Option<u8>| i.filter(|i| (*i as usize) < list.slugs.len());
        let need = NeedProfile {
            point: need.point,
            author_family: known(&names.families, need.author_family),
            fragility: known(&names.fragilities, need.fragility),
            levers: need.levers & names.levers.all(),
            families: need.families & names.families.all(),
            activities: need.activities & names.activities.all(),
        };
        Query {
            pool,
            unit: need.point.and_then(unit),
            need,
            today: today.num_days_from_ce(),
            nearness: vec![f32::NAN; pool.points.len()],
        }
    }

    fn km(&self, point: u32) -> Option<f64> {
        let u = self.unit.as_ref()?;
        let p = self.pool.points.get(point as usize)?;
        Some(chord_km(u, p))
    }

    /// Nearness in [0, 1].
    fn nearness(&mut self, point: u32) -> f32 {
        let Some(cached) = self.nearness.get(point as usize).copied() else {
            return 0.0;
        };
        if !cached.is_nan() {
            return cached;
        }
        let v = self
            .km(point)
            .map_or(0.0, |km| WEIGHTS.nearness(km / WEIGHTS.half_distance_km));
        self.nearness[point as usize] = v;
        v
    }

    /// A member's factors, or `None` when nothing but nearness or recency would suggest her.
    fn member(&self, r: &Row, cases: u32) -> Option<MemberScore> {
        let n = &self.need;
        let sought = r.family != NO_FAMILY && n.families & bit(r.family) != 0;
        let family = if sought {
            WEIGHTS.family_sought
        } else if r.family != NO_FAMILY && n.author_family.is_some_and(|a| a != r.family) {
            WEIGHTS.family_other
        } else {
            0.0
        };
        let matches = r.activities & n.activities != 0
            || r.levers as u32 & n.levers != 0
            || sought
            || cases > 0;
        matches.then(|| MemberScore {
            family,
            sought,
            activities: share(r.activities, n.activities),
            levers: share(r.levers as u32, n.levers),
            cases: cases.min(WEIGHTS.cases_full) as f32 / WEIGHTS.cases_full.max(1) as f32,
            recent: if r.last_active == NEVER_ACTIVE {
                0.0
            } else {
                WEIGHTS.recency((self.today - r.last_active).max(0) as i64)
            },
        })
    }

    fn member_reasons(&self, r: &Row, cases: u32, score: &MemberScore) -> Vec<Reason> {
        let mut out = Vec::new();
        if score.family > 0.0 {
            out.push(Reason::Family {
                family: self.pool.names.families.slugs[r.family as usize].clone(),
                sought: score.sought,
            });
        }
        self.common_reasons(&mut out, r.point, r.activities, r.levers as u32);
        if cases > 0 {
            out.push(Reason::Cases {
                count: cases,
                fragility: self.fragility_slug(),
            });
        }
        if score.recent > 0.0 {
            out.push(Reason::Recent {
                days: (self.today - r.last_active).max(0) as u32,
            });
        }
        out
    }

    /// Distance, activities and levers: the reasons members and cases share.
    fn common_reasons(&self, out: &mut Vec<Reason>, point: u32, activities: u32, levers: u32) {
        let (names, n) = (&self.pool.names, &self.need);
        if let Some(km) = self.km(point) {
            out.push(Reason::Distance {
                km: km.round() as u32,
            });
        }
        if activities & n.activities != 0 {
            out.push(Reason::Activities {
                activities: names.activities.slugs_of(activities & n.activities),
            });
        }
        if levers & n.levers != 0 {
            out.push(Reason::Levers {
                levers: names.levers.slugs_of(levers & n.levers),
            });
        }
    }

    fn fragility_slug(&self) -> String {
        self.need
            .fragility
            .and_then(|f| self.pool.names.fragilities.slugs.get(f as usize))
            .cloned()
            .unwrap_or_default()
    }

    fn case_score(&mut self, c: &CaseRow) -> f32 {
        let n = &self.need;
        let w = &WEIGHTS;
        w.case_levers * share(c.levers, n.levers)
            + w.case_activities * share(c.activities, n.activities)
            + w.case_families * share(c.families, n.families)
            + w.case_distance * self.nearness(c.point)
    }

    fn case_reasons(&self, c: &CaseRow) -> Vec<Reason> {
        let mut out = vec![Reason::SameFragility {
            fragility: self.fragility_slug(),
        }];
        self.common_reasons(&mut out, c.point, c.activities, c.levers);
        if c.families & self.need.families != 0 {
            out.push(Reason::Families {
                families: self
                    .pool
                    .names
                    .families
                    .slugs_of(c.families & self.need.families),
            });
        }
        out
    }
}

/// A ranking key: the greater, the better (higher score, then lower id). A score is never
/// negative, so its bits order like its value.
type Key = (u32, Reverse<i64>);

fn key(score: f32, id: i64) -> Key {
    (score.to_bits(), Reverse(id))
}

/// The best `limit` entries seen, by key.
struct TopK {
    limit: usize,
    heap: BinaryHeap<Reverse<(Key, u32)>>,
}

impl TopK {
    fn new(limit: usize) -> TopK {
        TopK {
            limit,
            heap: BinaryHeap::with_capacity(limit.min(4096) + 1),
        }
    }

    /// Whether an entry with this key would be kept.
    fn takes(&self, k: Key) -> bool {
        self.heap.len() < self.limit
            || self
                .heap
                .peek()
                .is_some_and(|Reverse((worst, _))| k > *worst)
    }

    fn push(&mut self, k: Key, index: u32) {
        if self.takes(k) {
            if self.heap.len() == self.limit {
                self.heap.pop();
            }
            self.heap.push(Reverse((k, index)));
        }
    }

    /// Best first.
    fn into_ranked(self) -> Vec<(f32, u32)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(((bits, _), i))| (f32::from_bits(bits), i))
            .collect()
    }
}

/// The members and case studies that could help with a need, the best `limit` of each, best
/// first (then by id), with their reasons.
pub fn suggest(
    pool: &Pool,
    need: &NeedProfile,
    viewer: &Viewer,
    today: NaiveDate,
    limit: usize,
) -> Suggestions {
    let mut q = Query::new(pool, need, today);
    let need = q.need.clone();
    let mut exclude = viewer.exclude.clone();
    exclude.sort_unstable();
    let no_cases = Vec::new();
    let documented = need
        .fragility
        .and_then(|f| pool.documented.get(f as usize))
        .unwrap_or(&no_cases);
    let mut at = 0;
    let mut top = TopK::new(limit);
    for (i, r) in pool.rows.iter().enumerate() {
        let i = i as u32;
        while documented.get(at).is_some_and(|e| e.0 < i) {
            at += 1;
        }
        let cases = documented
            .get(at)
            .filter(|e| e.0 == i)
            .map_or(0, |e| e.1 as u32);
        if r.members_only && !viewer.signed_in {
            continue;
        }
        let Some(s) = q.member(r, cases) else {
            continue;
        };
        let base = s.without_distance();
        let reach = if r.point == NO_POINT || q.unit.is_none() {
            base
        } else {
            base + WEIGHTS.distance
        };
        if !top.takes(key(reach, r.id)) || exclude.binary_search(&r.id).is_ok() {
            continue;
        }
        let score = base + WEIGHTS.distance * q.nearness(r.point);
        top.push(key(score, r.id), i);
    }
    let members = top
        .into_ranked()
        .into_iter()
        .filter_map(|(score, i)| {
            let r = &pool.rows[i as usize];
            let cases = pool.cases_of(i, need.fragility);
            // Scored by the same factors in the scan: she matches.
            let s = q.member(r, cases)?;
            Some(MemberSuggestion {
                user_id: r.id,
                score,
                reasons: q.member_reasons(r, cases, &s),
            })
        })
        .collect();
    let mut top = TopK::new(limit);
    if let Some(f) = need.fragility {
        for (i, c) in pool.cases.iter().enumerate() {
            if c.fragilities & bit(f) != 0 {
                let score = q.case_score(c);
                top.push(key(score, c.id), i as u32);
            }
        }
    }
    let cases = top
        .into_ranked()
        .into_iter()
        .map(|(score, i)| {
            let c = &pool.cases[i as usize];
            CaseSuggestion {
                case_id: c.id,
                score,
                reasons: q.case_reasons(c),
            }
        })
        .collect();
    Suggestions { members, cases }
}

#[cfg(test)]
mod tests;
