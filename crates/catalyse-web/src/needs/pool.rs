//! The candidates of the suggestion engine in memory (`catalyse_core::needs::suggest::Pool`),
//! built in the same read of the store as the network's snapshot (`network::live::load`) and
//! swapped with it, whole: after a change of the network, of the case studies or of a
//! member's opt-out, every instance rebuilds both from one pass over the published profiles
//! and cases. What the engine numbers and the centres of territories are computed once, at
//! start ([`Matching`]).

use catalyse_core::cases::Case;
use catalyse_core::dataset::Fragility;
use catalyse_core::needs::suggest::{
    Audience, CaseCandidate, GeoPoint, MemberCandidate, Names, Pool,
};
use catalyse_core::network::{Profile, TerritoryRef};
use catalyse_core::{
    ActorFamily, Lever, MetierFamily, ReferenceFrame, TerritoryIndex, TerritoryLevel,
};
use chrono::Datelike;
use std::collections::HashMap;

/// What suggestions read beside the pool, computed once at start: the engine's numbering of
/// the reference lists, and the centre of every territory larger than a commune.
pub struct Matching {
    pub names: Names,
    /// EPCI, départements and régions (by [`larger`]), by code: the population-weighted
    /// centre of their communes.
    centres: [HashMap<String, GeoPoint>; 3],
}

/// The index of a level larger than a commune in `Matching::centres`.
fn larger(level: TerritoryLevel) -> Option<usize> {
    match level {
        TerritoryLevel::Epci => Some(0),
        TerritoryLevel::Department => Some(1),
        TerritoryLevel::Region => Some(2),
        TerritoryLevel::Commune => None,
    }
}

impl Matching {
    pub fn new(
        (levers, metier, actor_families): (&[Lever], &[MetierFamily], &[ActorFamily]),
        fragilities: &[Fragility],
        territories: &TerritoryIndex,
    ) -> anyhow::Result<Matching> {
        let frame = ReferenceFrame {
            levers: levers.to_vec(),
            metier: metier.to_vec(),
            actor_families: actor_families.to_vec(),
            milestones: vec![],
            checksum: String::new(),
        };
        Ok(Matching {
            names: Names::new(&frame, fragilities)?,
            centres: centres(territories),
        })
    }

    /// The centre of a territory: a commune's own coordinates (its town hall), or the
    /// population-weighted centre of the communes of a larger one; `None` when unknown.
    pub fn point(&self, territories: &TerritoryIndex, t: &TerritoryRef) -> Option<GeoPoint> {
        match t.level {
            TerritoryLevel::Commune => {
                let c = territories.get(TerritoryLevel::Commune, &t.code)?;
                Some(GeoPoint {
                    lat: c.lat?,
                    lon: c.lon?,
                })
            }
            level => self.centres[larger(level)?].get(&t.code).copied(),
        }
    }
}

/// The population-weighted centre of each EPCI, département and région: the mean of its
/// communes' unit vectors (on the sphere, so that no territory straddles a meridian badly),
/// each weighted by its population (at least 1, so that a territory of empty communes still
/// has a centre). A territory without a commune placed falls back to its own coordinates.
fn centres(territories: &TerritoryIndex) -> [HashMap<String, GeoPoint>; 3] {
    let mut sums: HashMap<(TerritoryLevel, &str), [f64; 3]> = HashMap::new();
    for c in territories.all() {
        let (TerritoryLevel::Commune, Some(lat), Some(lon)) = (c.level, c.lat, c.lon) else {
            continue;
        };
        let w = c.population.unwrap_or(0).max(1) as f64;
        let (la, lo) = (lat.to_radians(), lon.to_radians());
        let v = [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()];
        for (level, code) in [
            (TerritoryLevel::Epci, &c.epci),
            (TerritoryLevel::Department, &c.department),
            (TerritoryLevel::Region, &c.region),
        ] {
            if let Some(code) = code {
                let s = sums.entry((level, code.as_str())).or_default();
                for i in 0..3 {
                    s[i] += w * v[i];
                }
            }
        }
    }
    let mut out: [HashMap<String, GeoPoint>; 3] = Default::default();
    for t in territories.all() {
        let Some(i) = larger(t.level) else {
            continue;
        };
        let from_communes = sums.get(&(t.level, t.code.as_str())).and_then(|[x, y, z]| {
            let horizontal = x.hypot(*y);
            (horizontal > 0.0 || *z != 0.0).then(|| GeoPoint {
                lat: z.atan2(horizontal).to_degrees(),
                lon: y.atan2(*x).to_degrees(),
            })
        });
        let own = t.lat.zip(t.lon).map(|(lat, lon)| GeoPoint { lat, lon });
        if let Some(p) = from_communes.or(own) {
            out[i].insert(t.code.clone(), p);
        }
    }
    out
}

/// A member as gathered while the store is read: 24 bytes, so that a million of them wait
/// for the engine in 24 MB (its own rows take as much).
#[derive(Clone, Copy)]
struct Gathered {
    user_id: i64,
    /// Index in `PoolBuilder::points`, or `u32::MAX`.
    point: u32,
    activities: u32,
    /// Days from the common era of her last profile change.
    last_active: i32,
    levers: u16,
    /// Position of her family, or `u8::MAX`.
    family: u8,
    members_only: bool,
}

/// Gathers the candidates while `network::live::load` reads the store page by page; owns
/// what it gathered, so that the engine's pool is built off the async threads.
pub struct PoolBuilder {
    names: Names,
    /// The members who asked not to be suggested, sorted: never gathered.
    opted_out: Vec<i64>,
    members: Vec<Gathered>,
    /// The distinct centres of the members' territories.
    points: Vec<GeoPoint>,
    point_index: HashMap<(u64, u64), u32>,
    cases: Vec<CaseCandidate>,
}

impl PoolBuilder {
    pub fn new(matching: &Matching, mut opted_out: Vec<i64>) -> PoolBuilder {
        opted_out.sort_unstable();
        PoolBuilder {
            names: matching.names.clone(),
            opted_out,
            members: Vec::new(),
            points: Vec::new(),
            point_index: HashMap::new(),
            cases: Vec::new(),
        }
    }

    /// Adds a profile if it may be suggested: published, seen by members at least (a hidden
    /// profile never is), her opt-out not given. Her point is the centre of her first
    /// territory; her last activity, the last change of her profile (`updated_at`: the
    /// store keeps it on the row read here, where her last sign-in would cost a read of the
    /// sessions).
    pub fn member(&mut self, matching: &Matching, territories: &TerritoryIndex, p: &Profile) {
        if !p.is_listed_for_members() || self.opted_out.binary_search(&p.user_id).is_ok() {
            return;
        }
        let Some(f) = p.moderated.published.as_ref() else {
            return;
        };
        let names = &self.names;
        let point = f
            .territories
            .first()
            .and_then(|t| matching.point(territories, t))
            .map_or(u32::MAX, |pt| {
                let points = &mut self.points;
                *self
                    .point_index
                    .entry((pt.lat.to_bits(), pt.lon.to_bits()))
                    .or_insert_with(|| {
                        points.push(pt);
                        points.len() as u32 - 1
                    })
            });
        self.members.push(Gathered {
            user_id: p.user_id,
            point,
            activities: names.activities.mask(&f.activities),
            last_active: p.updated_at.date_naive().num_days_from_ce(),
            levers: names.levers.mask(&f.levers) as u16,
            family: names.families.position(&f.actor_family).unwrap_or(u8::MAX),
            members_only: !p.is_public(),
        });
    }

    /// Adds a public case study, its point the centre of its territory.
    pub fn case(&mut self, matching: &Matching, territories: &TerritoryIndex, c: &Case) {
        let Some(f) = c.public_fields() else {
            return;
        };
        let n = &self.names;
        self.cases.push(CaseCandidate {
            case_id: c.id,
            point: matching.point(territories, &f.territory),
            fragilities: n.fragilities.mask(&f.fragilities),
            levers: n.levers.mask(&f.levers),
            families: n.families.mask(&f.families),
            activities: n.activities.mask(&f.activities),
            contacts: f.contacts.clone(),
        });
    }

    /// The engine's pool (a blocking computation: a sort of the members).
    pub fn build(self) -> Pool {
        let PoolBuilder {
            names,
            members,
            points,
            cases,
            ..
        } = self;
        let candidates = members.into_iter().map(|m| MemberCandidate {
            user_id: m.user_id,
            family: (m.family != u8::MAX).then_some(m.family),
            activities: m.activities,
            levers: m.levers as u32,
            point: points.get(m.point as usize).copied(),
            audience: if m.members_only {
                Audience::Members
            } else {
                Audience::Public
            },
            suggestible: true,
            last_active: chrono::NaiveDate::from_num_days_from_ce_opt(m.last_active),
        });
        Pool::new(names, candidates, cases)
    }
}

/// A pool with no candidates (before the first build).
pub fn empty() -> Pool {
    let frame = ReferenceFrame {
        levers: vec![],
        metier: vec![],
        actor_families: vec![],
        milestones: vec![],
        checksum: String::new(),
    };
    let names = Names::new(&frame, &[]).unwrap_or_else(|_| unreachable!("empty lists fit"));
    Pool::new(names, [], [])
}

#[cfg(test)]
mod tests;
