//! What the map needs from the geography, computed once at start from the territory index:
//! the bounds of each région and département (where a filter moves the map), the overseas
//! territories one can go to, and the place names drawn over the outlines.

use catalyse_core::{Territory, TerritoryIndex, TerritoryLevel};
use catalyse_map::BBox;
use std::collections::HashMap;

/// Mainland France and Corsica: the map's default view and the « France métropolitaine »
/// entry of the territory selector.
pub const METROPOLE: BBox = BBox::new(-5.5, 41.2, 9.9, 51.3);

/// How many communes are named besides the prefectures: the most populous, down to about
/// 6,800 inhabitants in the shipped geography (about 20 KB once compressed).
const NAMED_COMMUNES: usize = 1500;

pub struct MapViews {
    /// Régions and départements, from the town halls of their communes, with a margin.
    bounds: HashMap<(TerritoryLevel, String), BBox>,
    /// The régions outside mainland France that can be shown (code, name, bounds), by code.
    pub overseas: Vec<(String, String, BBox)>,
    /// `/carte/noms.json`: `{"prefectures":N,"names":[[name,lat,lon],…]}`, the N prefectures
    /// first, then the other communes named, each group most populous first: an entry's
    /// index is its rank, and the map shows more of them as one zooms in.
    pub names_json: String,
}

impl MapViews {
    pub fn new(territories: &TerritoryIndex) -> MapViews {
        let mut bounds: HashMap<(TerritoryLevel, String), BBox> = HashMap::new();
        // The geography has no chef-lieu field: a département's prefecture is taken to be its
        // most populous commune. That is right for most départements, not all (Le Havre
        // stands for Rouen, Cherbourg-en-Cotentin for Saint-Lô…); still a name a reader
        // knows, at the right place.
        let mut prefectures: HashMap<&str, &Territory> = HashMap::new();
        let mut communes: Vec<&Territory> = Vec::new();
        for t in territories.all() {
            if t.level != TerritoryLevel::Commune {
                continue;
            }
            let (Some(lat), Some(lon)) = (t.lat, t.lon) else {
                continue;
            };
            for (level, code) in [
                (TerritoryLevel::Department, &t.department),
                (TerritoryLevel::Region, &t.region),
            ] {
                if let Some(code) = code {
                    let b = bounds
                        .entry((level, code.clone()))
                        .or_insert(BBox::new(lon, lat, lon, lat));
                    *b = BBox::new(
                        b.west.min(lon),
                        b.south.min(lat),
                        b.east.max(lon),
                        b.north.max(lat),
                    );
                }
            }
            communes.push(t);
            if let Some(d) = &t.department {
                let best = prefectures.entry(d.as_str()).or_insert(t);
                if t.population > best.population {
                    *best = t;
                }
            }
        }
        for b in bounds.values_mut() {
            // Town halls are inside the territory: widen to take in its edges.
            let m = 0.06 + 0.04 * (b.east - b.west).max(b.north - b.south);
            *b = BBox::new(b.west - m, b.south - m, b.east + m, b.north + m);
        }
        let by_population = |a: &&Territory, b: &&Territory| {
            b.population.cmp(&a.population).then(a.code.cmp(&b.code))
        };
        let mut first: Vec<&Territory> = prefectures.values().copied().collect();
        first.sort_by(by_population);
        communes.retain(|c| !first.iter().any(|p| std::ptr::eq(*p, *c)));
        communes.sort_by(by_population);
        communes.truncate(NAMED_COMMUNES);
        let names: Vec<(&str, f64, f64)> = first
            .iter()
            .chain(communes.iter())
            .map(|t| {
                let r = |v: Option<f64>| (v.unwrap_or(0.0) * 1000.0).round() / 1000.0;
                (t.name.as_str(), r(t.lat), r(t.lon))
            })
            .collect();
        let names_json =
            serde_json::json!({ "prefectures": first.len(), "names": names }).to_string();
        // Overseas: every région with a position outside mainland France. The overseas
        // collectivities (Saint-Pierre-et-Miquelon, Polynésie…) are in the geography without
        // coordinates, so nothing is drawn there and they are not offered.
        let mut overseas: Vec<(String, String, BBox)> = territories
            .all()
            .iter()
            .filter(|t| t.level == TerritoryLevel::Region)
            .filter_map(|t| {
                let b = *bounds.get(&(TerritoryLevel::Region, t.code.clone()))?;
                let (x, y) = ((b.west + b.east) / 2.0, (b.south + b.north) / 2.0);
                let mainland = (METROPOLE.west..=METROPOLE.east).contains(&x)
                    && (METROPOLE.south..=METROPOLE.north).contains(&y);
                (!mainland).then(|| (t.code.clone(), t.name.clone(), b))
            })
            .collect();
        overseas.sort_by(|a, b| a.0.cmp(&b.0));
        MapViews {
            bounds,
            overseas,
            names_json,
        }
    }

    /// The bounds of a région or a département, if it has communes with a position.
    pub fn bounds(&self, level: TerritoryLevel, code: &str) -> Option<BBox> {
        self.bounds.get(&(level, code.to_string())).copied()
    }
}

/// `W,S,E,N` with 5 decimals, as the map's addresses write a view.
pub fn bbox_param(b: &BBox) -> String {
    format!("{:.5},{:.5},{:.5},{:.5}", b.west, b.south, b.east, b.north)
}

/// Whether two boxes (neither crossing the antimeridian) share a point.
pub fn overlap(a: &BBox, b: &BBox) -> bool {
    a.west <= b.east && b.west <= a.east && a.south <= b.north && b.south <= a.north
}

/// The place of `t` in `territories.all()`, as [`catalyse_map::MapPoint::territory`] keeps
/// it; `t` must be one of its items (from `get`, `parents`…).
pub fn territory_index(territories: &TerritoryIndex, t: &Territory) -> u32 {
    let all = territories.all();
    let offset = (t as *const Territory as usize).wrapping_sub(all.as_ptr() as usize);
    let i = offset / std::mem::size_of::<Territory>().max(1);
    match all.get(i) {
        Some(found) if std::ptr::eq(found, t) => i as u32,
        _ => catalyse_map::NO_TERRITORY,
    }
}
