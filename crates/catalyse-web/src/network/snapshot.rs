//! The réseau des pionniers in memory: the map index (members, places, the published case
//! studies and the open needs of territories, clustered on the server), the directory's
//! figures and who is active in which territory (the map's address is `map_query`). `live`
//! builds a snapshot from the store and replaces it after every change.

use catalyse_core::cases::{Case, Phase};
use catalyse_core::needs::{Need, NeedStatus};
use catalyse_core::network::{Place, PlaceKind, Profile, ProfileFields, TerritoryRef};
use catalyse_core::{ActorFamily, Lever, MetierFamily, Territory, TerritoryIndex, TerritoryLevel};
use catalyse_map::{Layer, MapIndex, MapPoint, NO_KIND, NO_REGION};
use catalyse_search::members::MemberDoc;
use std::collections::{HashMap, HashSet};

/// The settings key whose value changes at every change of the network.
pub const VERSION_KEY: &str = "network_version";

/// Salt of the case studies' offsets, so that a case is not drawn where the member of the
/// same id is.
const CASE_JITTER: i64 = 1 << 40;
/// Salt of the needs' offsets: a need is not drawn where the member or the case of the same
/// id is.
const NEED_JITTER: i64 = 1 << 41;

/// How the reference frame numbers things on the map (bit positions and indices).
pub struct Numbering {
    pub families: Vec<String>,
    pub activities: Vec<String>,
    pub levers: Vec<String>,
    /// Région codes, metropolitan and overseas, in code order.
    pub regions: Vec<String>,
    /// The point that stands for a territory that is not a commune: its most populous commune.
    seats: HashMap<(TerritoryLevel, String), (f64, f64)>,
    /// Bounds, overseas territories and place names for the map.
    pub views: super::map_views::MapViews,
}

impl Numbering {
    pub fn new(
        levers: &[Lever],
        metier: &[MetierFamily],
        actor_families: &[ActorFamily],
        territories: &TerritoryIndex,
    ) -> Numbering {
        let mut seats: HashMap<(TerritoryLevel, String), (f64, f64, i64)> = HashMap::new();
        let mut regions = Vec::new();
        for t in territories.all() {
            if t.level == TerritoryLevel::Region {
                regions.push(t.code.clone());
            }
            if t.level != TerritoryLevel::Commune {
                continue;
            }
            let (Some(lat), Some(lon)) = (t.lat, t.lon) else {
                continue;
            };
            let pop = t.population.unwrap_or(0);
            for (level, code) in [
                (TerritoryLevel::Epci, &t.epci),
                (TerritoryLevel::Department, &t.department),
                (TerritoryLevel::Region, &t.region),
            ] {
                if let Some(code) = code {
                    let e = seats.entry((level, code.clone())).or_insert((lon, lat, -1));
                    if pop > e.2 {
                        *e = (lon, lat, pop);
                    }
                }
            }
        }
        regions.sort();
        Numbering {
            families: actor_families.iter().map(|f| f.slug.clone()).collect(),
            activities: metier
                .iter()
                .flat_map(|f| f.activities.iter().map(|a| a.slug.clone()))
                .collect(),
            levers: levers.iter().map(|l| l.slug.clone()).collect(),
            regions,
            views: super::map_views::MapViews::new(territories),
            seats: seats
                .into_iter()
                .map(|(k, (lon, lat, _))| (k, (lon, lat)))
                .collect(),
        }
    }

    pub fn family(&self, slug: &str) -> Option<u8> {
        self.families
            .iter()
            .position(|f| f == slug)
            .map(|i| i as u8)
    }
    /// The map's bitmask of these actor families (unknown slugs left out).
    pub fn families_mask(&self, slugs: &[String]) -> u8 {
        slugs
            .iter()
            .filter_map(|s| self.family(s))
            .filter(|&i| i < catalyse_map::MAX_FAMILIES)
            .fold(0, |m, i| m | 1 << i)
    }
    /// The map's bitmasks of a member's or a case's actor families, activities and levers
    /// (unknown slugs left out).
    pub fn masks(&self, families: &[String], activities: &[String], levers: &[String]) -> Masks {
        fn order(all: &[String]) -> Vec<&str> {
            all.iter().map(String::as_str).collect()
        }
        Masks {
            families: self.families_mask(families),
            activities: catalyse_core::network::mask_of(activities, &order(&self.activities))
                as u16,
            levers: catalyse_core::network::mask_of(levers, &order(&self.levers)) as u8,
        }
    }
    /// The slugs of a bitmask's families, in the reference's order.
    pub fn family_slugs(&self, mask: u8) -> impl Iterator<Item = &str> {
        self.families
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i < 8 && mask >> i & 1 == 1)
            .map(|(_, f)| f.as_str())
    }
    pub fn activity(&self, slug: &str) -> Option<u8> {
        self.activities
            .iter()
            .position(|f| f == slug)
            .map(|i| i as u8)
    }
    pub fn lever(&self, slug: &str) -> Option<u8> {
        self.levers.iter().position(|f| f == slug).map(|i| i as u8)
    }
    pub fn region(&self, code: &str) -> Option<u16> {
        self.regions
            .iter()
            .position(|f| f == code)
            .map(|i| i as u16)
    }

    /// Where a territory of action is drawn: a commune's town hall, or the town hall of the
    /// most populous commune of a larger territory.
    pub fn position(&self, territories: &TerritoryIndex, t: &TerritoryRef) -> Option<(f64, f64)> {
        match t.level {
            TerritoryLevel::Commune => {
                let c = territories.get(TerritoryLevel::Commune, &t.code)?;
                Some((c.lon?, c.lat?))
            }
            level => self.seats.get(&(level, t.code.clone())).copied(),
        }
    }
}

/// The map's bitmasks of a point (see [`Numbering::masks`]).
pub struct Masks {
    pub families: u8,
    pub activities: u16,
    pub levers: u8,
}

/// A territory and the ones it lies in, from itself up to its région.
pub fn territory_chain<'a>(
    territories: &'a TerritoryIndex,
    t: &TerritoryRef,
) -> Vec<&'a Territory> {
    let Some(found) = territories.get(t.level, &t.code) else {
        return vec![];
    };
    let mut out = vec![found];
    out.extend(territories.parents(found));
    out
}

/// A small, stable offset (under ~400 m) so that members of one commune are not drawn on one
/// pixel: derived from the id, so the same member is always at the same place.
fn jitter(id: i64) -> (f64, f64) {
    let h = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let a = ((h >> 11) & 0xffff) as f64 / 65535.0 - 0.5;
    let b = ((h >> 33) & 0xffff) as f64 / 65535.0 - 0.5;
    (a * 0.008, b * 0.005)
}

/// What the directory's figures count: public profiles only.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub public: usize,
    /// The public profiles that joined last (highest ids), newest first, at most [`NEWEST`].
    pub newest: Vec<i64>,
    pub by_family: HashMap<String, usize>,
    pub by_region: HashMap<String, usize>,
    pub by_activity: HashMap<String, usize>,
    pub examples: usize,
}

/// How many of the newest public profiles the snapshot remembers (the home page shows them).
pub const NEWEST: usize = 4;

/// One build of the network in memory.
pub struct Snapshot {
    /// The `network_version` it was built from.
    pub version: String,
    /// The `cases_version` it was built from (the case studies it draws).
    pub cases_version: String,
    /// The `needs_version` it was built from (the open needs it draws).
    pub needs_version: String,
    /// Profiles others may see (the directory's index holds as many).
    pub listed: usize,
    pub map: MapIndex,
    pub figures: Figures,
    /// For each territory (`level:code`), the members active in it or in a territory inside
    /// it, with whether their profile is public.
    pub(super) active: HashMap<String, Vec<(i64, bool)>>,
    /// Places by id: their commune, for the list view.
    pub place_communes: HashMap<i64, String>,
    /// Every published place, by name: what `/lieux` and `/api/v1/places` filter and page.
    pub places: Vec<ListedPlace>,
    /// For each member (user id), the published places whose published version names her
    /// among the managers, by place id: what her page lists, without reading every place.
    pub managed_by: HashMap<i64, Vec<i64>>,
    /// The phase of each case study on the map, by id (the popups and the list say it).
    pub case_phases: HashMap<i64, Phase>,
    /// The example case studies on the map, by id (« données d'exemple »).
    pub example_cases: HashSet<i64>,
    /// What the popups and the list say of each need on the map, by id.
    pub needs: HashMap<i64, MapNeed>,
    /// The candidates the needs' suggestions are drawn from (`needs::pool`).
    pub suggestions: catalyse_core::needs::suggest::Pool,
}

impl Snapshot {
    pub fn empty() -> Snapshot {
        Snapshot {
            version: String::new(),
            cases_version: String::new(),
            needs_version: String::new(),
            listed: 0,
            map: MapIndex::build(vec![]),
            figures: Figures::default(),
            active: HashMap::new(),
            place_communes: HashMap::new(),
            places: Vec::new(),
            managed_by: HashMap::new(),
            case_phases: HashMap::new(),
            example_cases: HashSet::new(),
            needs: HashMap::new(),
            suggestions: crate::needs::pool::empty(),
        }
    }

    /// The published places of a kind and a région (each `None` for any), by name: how many,
    /// and the ids of those on page `page` (from 1) of `per_page`.
    pub fn places_page(
        &self,
        kind: Option<PlaceKind>,
        region: Option<u16>,
        page: u32,
        per_page: u32,
    ) -> (usize, Vec<i64>) {
        let matching = self
            .places
            .iter()
            .filter(|p| kind.is_none_or(|k| k == p.kind) && region.is_none_or(|r| r == p.region));
        let skip = (page.saturating_sub(1) as usize).saturating_mul(per_page as usize);
        let ids = matching
            .clone()
            .skip(skip)
            .take(per_page as usize)
            .map(|p| p.id)
            .collect();
        (matching.count(), ids)
    }

    /// The ids of the published places the member runs (see [`Snapshot::managed_by`]), in
    /// id order.
    pub fn places_run_by(&self, user_id: i64) -> &[i64] {
        self.managed_by.get(&user_id).map_or(&[], Vec::as_slice)
    }

    /// Members active in a territory that the viewer may see, at most `limit`, and how many.
    pub fn active_in(
        &self,
        level: TerritoryLevel,
        code: &str,
        signed_in: bool,
        limit: usize,
    ) -> (usize, Vec<i64>) {
        let Some(list) = self.active.get(&format!("{level}:{code}")) else {
            return (0, vec![]);
        };
        let visible = list.iter().filter(|(_, public)| signed_in || *public);
        let total = visible.clone().count();
        (total, visible.take(limit).map(|(id, _)| *id).collect())
    }
}

/// What is indexed for a profile others may see.
pub fn member_doc(territories: &TerritoryIndex, p: &Profile, f: &ProfileFields) -> MemberDoc {
    let mut regions = Vec::new();
    let mut departments = Vec::new();
    for t in &f.territories {
        for x in territory_chain(territories, t) {
            let list = match x.level {
                TerritoryLevel::Region => &mut regions,
                TerritoryLevel::Department => &mut departments,
                _ => continue,
            };
            if !list.contains(&x.code) {
                list.push(x.code.clone());
            }
        }
    }
    MemberDoc {
        id: p.user_id,
        name: f.display_name.clone(),
        organisation: f.organisation.clone(),
        bio: f.bio.clone(),
        themes: f.themes.clone(),
        role: f.role.clone(),
        family: f.actor_family.clone(),
        activities: f.activities.clone(),
        levers: f.levers.clone(),
        regions,
        departments,
        public: p.is_public(),
        sort_name: f.display_name.clone(),
    }
}

/// A need on the map, as its popup and its line of the list describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapNeed {
    /// « ouvert » or « en relation »: the map draws open needs only.
    pub status: NeedStatus,
    /// Generated example data (« données d'exemple »).
    pub is_example: bool,
}

/// A published place as the lists filter it.
pub struct ListedPlace {
    pub id: i64,
    pub kind: PlaceKind,
    /// The région of its commune ([`Numbering::region`]), `NO_REGION` if unknown.
    pub region: u16,
}

/// Gathers the snapshot's parts while `live::load` reads the store page by page.
pub(super) struct Builder<'a> {
    pub(super) territories: &'a TerritoryIndex,
    pub(super) numbering: &'a Numbering,
    pub(super) points: Vec<MapPoint>,
    pub(super) listed: usize,
    pub(super) figures: Figures,
    pub(super) active: HashMap<String, Vec<(i64, bool)>>,
    /// See [`Snapshot::managed_by`]; places are added in id order.
    pub(super) managed_by: HashMap<i64, Vec<i64>>,
    /// See [`Snapshot::places`], with the folded name each is sorted by.
    pub(super) places: Vec<(String, ListedPlace)>,
    /// See [`Snapshot::case_phases`].
    pub(super) case_phases: HashMap<i64, Phase>,
    /// See [`Snapshot::example_cases`].
    pub(super) example_cases: HashSet<i64>,
    /// See [`Snapshot::needs`].
    pub(super) needs: HashMap<i64, MapNeed>,
}

impl Builder<'_> {
    /// Adds a profile others may see; with `doc`, returns what the directory indexes.
    pub(super) fn member(&mut self, p: Profile, doc: bool) -> Option<MemberDoc> {
        if !p.is_listed_for_members() {
            return None;
        }
        let f = p.moderated.published.as_ref()?;
        let public = p.is_public();
        self.listed += 1;
        let indexed = doc.then(|| member_doc(self.territories, &p, f));
        let mut region = NO_REGION;
        let mut seen = Vec::new();
        for t in &f.territories {
            for x in territory_chain(self.territories, t) {
                let key = format!("{}:{}", x.level, x.code);
                if seen.contains(&key) {
                    continue;
                }
                if x.level == TerritoryLevel::Region && region == NO_REGION {
                    region = self.numbering.region(&x.code).unwrap_or(NO_REGION);
                }
                self.active
                    .entry(key.clone())
                    .or_default()
                    .push((p.user_id, public));
                seen.push(key);
            }
        }
        if public {
            let fig = &mut self.figures;
            fig.public += 1;
            // Profiles come in id order: the last ones seen are the newest.
            if fig.newest.len() == NEWEST {
                fig.newest.remove(NEWEST - 1);
            }
            fig.newest.insert(0, p.user_id);
            fig.examples += p.is_example as usize;
            *fig.by_family.entry(f.actor_family.clone()).or_default() += 1;
            for a in &f.activities {
                *fig.by_activity.entry(a.clone()).or_default() += 1;
            }
            let mut regions: Vec<&str> = seen
                .iter()
                .filter_map(|k| k.strip_prefix("region:"))
                .collect();
            regions.dedup();
            for r in regions {
                *fig.by_region.entry(r.to_string()).or_default() += 1;
            }
        }
        let Some(((lon, lat), at)) = f.territories.iter().find_map(|t| {
            let pos = self.numbering.position(self.territories, t)?;
            Some((pos, self.territories.get(t.level, &t.code)))
        }) else {
            return indexed;
        };
        let territory = at.map_or(catalyse_map::NO_TERRITORY, |t| {
            super::map_views::territory_index(self.territories, t)
        });
        let (dx, dy) = jitter(p.user_id);
        let family = std::slice::from_ref(&f.actor_family);
        let m = self.numbering.masks(family, &f.activities, &f.levers);
        self.points.push(MapPoint {
            id: p.user_id,
            layer: Layer::Member,
            lon: lon + dx,
            lat: lat + dy,
            public,
            families: m.families,
            activities: m.activities,
            levers: m.levers,
            region,
            kind: NO_KIND,
            territory,
            name: f.display_name.clone().into(),
            slug: p.slug.clone().into(),
        });
        indexed
    }

    /// Adds a published place: its managers (whether or not it can be drawn) and, when its
    /// commune has a position, its point; returns its commune's code then.
    pub(super) fn place(&mut self, p: &Place) -> Option<String> {
        let f = p.moderated.published.as_ref()?;
        for &manager in &f.managers {
            let ids = self.managed_by.entry(manager).or_default();
            // Once per place, even when a manager is named twice.
            if ids.last() != Some(&p.id) {
                ids.push(p.id);
            }
        }
        let commune = self.territories.get(TerritoryLevel::Commune, &f.commune);
        let region = commune
            .and_then(|c| c.region.as_deref())
            .and_then(|r| self.numbering.region(r))
            .unwrap_or(NO_REGION);
        self.places.push((
            catalyse_core::text::fold(&f.name),
            ListedPlace {
                id: p.id,
                kind: f.kind,
                region,
            },
        ));
        let commune = commune?;
        let (lon, lat) = (commune.lon?, commune.lat?);
        let (dx, dy) = jitter(-p.id);
        self.points.push(MapPoint {
            id: p.id,
            layer: Layer::Place,
            lon: lon + dx,
            lat: lat + dy,
            public: true,
            families: 0,
            activities: 0,
            levers: 0,
            region,
            kind: f.kind.index(),
            territory: super::map_views::territory_index(self.territories, commune),
            name: f.name.clone().into(),
            slug: p.slug.clone().into(),
        });
        Some(commune.code.clone())
    }

    /// Where a case study or a need is drawn: its territory's point (a commune's town hall,
    /// or the town hall of the most populous commune of a larger territory) with a small
    /// fixed offset from `salted_id`; its région and its territory as the map numbers them.
    /// `None` when the territory has no point.
    fn at_territory(&self, t: &TerritoryRef, salted_id: i64) -> Option<(f64, f64, u16, u32)> {
        let (lon, lat) = self.numbering.position(self.territories, t)?;
        let chain = territory_chain(self.territories, t);
        let region = chain
            .iter()
            .find(|t| t.level == TerritoryLevel::Region)
            .and_then(|t| self.numbering.region(&t.code))
            .unwrap_or(NO_REGION);
        let territory = chain.first().map_or(catalyse_map::NO_TERRITORY, |t| {
            super::map_views::territory_index(self.territories, t)
        });
        let (dx, dy) = jitter(salted_id);
        Some((lon + dx, lat + dy, region, territory))
    }

    /// Adds a public case study (published, not archived; others are left out) at its
    /// territory's point, as a member is placed (see `at_territory`). A case whose
    /// territory has no point is not drawn.
    pub(super) fn case(&mut self, c: &Case) {
        let Some(f) = c.public_fields() else {
            return;
        };
        let Some((lon, lat, region, territory)) =
            self.at_territory(&f.territory, c.id.wrapping_add(CASE_JITTER))
        else {
            return;
        };
        let m = self.numbering.masks(&f.families, &f.activities, &f.levers);
        self.case_phases.insert(c.id, f.phase);
        if c.is_example {
            self.example_cases.insert(c.id);
        }
        self.points.push(MapPoint {
            id: c.id,
            layer: Layer::Case,
            lon,
            lat,
            public: true,
            families: m.families,
            activities: m.activities,
            levers: m.levers,
            region,
            kind: NO_KIND,
            territory,
            name: f.title.clone().into(),
            slug: c.slug.clone().into(),
        });
    }

    /// Adds a need if it is published and open (« ouvert », « en relation »; others are left
    /// out) at its territory's point, as a case study is placed, with the actor families,
    /// activities and levers it seeks (what the map's filters find it by). A need whose
    /// territory has no point is not drawn.
    pub(super) fn need(&mut self, n: &Need) {
        if !n.is_open() {
            return;
        }
        let Some(f) = n.public_fields() else {
            return;
        };
        let Some((lon, lat, region, territory)) =
            self.at_territory(&f.territory, n.id.wrapping_add(NEED_JITTER))
        else {
            return;
        };
        let m = self.numbering.masks(&f.families, &f.activities, &f.levers);
        self.needs.insert(
            n.id,
            MapNeed {
                status: n.status,
                is_example: n.is_example,
            },
        );
        self.points.push(MapPoint {
            id: n.id,
            layer: Layer::Need,
            lon,
            lat,
            public: true,
            families: m.families,
            activities: m.activities,
            levers: m.levers,
            region,
            kind: NO_KIND,
            territory,
            name: f.title.clone().into(),
            slug: n.slug.clone().into(),
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_reference_fits_the_map() {
        let f = catalyse_core::ReferenceFrame::shipped().unwrap();
        assert!(f.actor_families.len() <= catalyse_map::MAX_FAMILIES as usize);
        let activities: usize = f.metier.iter().map(|m| m.activities.len()).sum();
        assert!(activities <= 16 && f.levers.len() <= 8);
    }
}
