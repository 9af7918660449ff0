//! The map's address: the view (`bbox`, `zoom`), the layers and the filters shared by the
//! cluster API, the map page, its list view and the GeoJSON export, each named its way
//! (French on pages, English in the API), read into the engine's [`catalyse_map::Filter`].

use super::snapshot::Numbering;

/// Reads `W,S,E,N`: four finite numbers; latitudes are clamped to ±90 and put in order (a
/// map that scrolled past a pole still gets its points), longitudes wrap in the engine.
fn lenient_bbox(v: &str) -> Result<catalyse_map::BBox, String> {
    const SYNTAX: &str =
        "bbox : quatre nombres décimaux séparés par des virgules (ouest,sud,est,nord), \
                          par exemple -5.5,41.2,9.9,51.3";
    // As the API declares it: [-]ddd[.dddddddd], four times.
    let number = |x: &str| {
        let x = x.strip_prefix('-').unwrap_or(x);
        let (int, frac) = x.split_once('.').unwrap_or((x, "1"));
        (1..=3).contains(&int.len())
            && (1..=8).contains(&frac.len())
            && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    };
    if !v.split(',').all(number) {
        return Err(SYNTAX.into());
    }
    let n: Vec<f64> = v
        .split(',')
        .map(|x| x.parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| SYNTAX.to_string())?;
    let [w, s, e, nn] = n[..] else {
        return Err(SYNTAX.into());
    };
    if ![w, s, e, nn].iter().all(|x| x.is_finite()) {
        return Err("bbox : des nombres finis, s'il vous plaît".into());
    }
    let (s, nn) = (s.clamp(-90.0, 90.0), nn.clamp(-90.0, 90.0));
    Ok(catalyse_map::BBox::new(w, s.min(nn), e, s.max(nn)))
}

/// The parameters shared by the map's cluster API, the map page and its list view:
/// `bbox=W,S,E,N&zoom=Z&layers=members,places,cases,needs&family=&activity=&lever=&region=&kind=&page=`.
/// `layers` may also be repeated (`layers=members&layers=places`), as a form sends it; without
/// it, every layer. Pages also take the layers' French names (`membres`, `lieux`, `pratiques`,
/// `besoins`).
#[derive(Debug, Clone, Default)]
pub struct MapQuery {
    pub bbox: Option<catalyse_map::BBox>,
    pub zoom: u8,
    pub members: bool,
    pub places: bool,
    /// The case studies (« pratiques innovantes »).
    pub cases: bool,
    /// The open needs of territories (« besoins des territoires »).
    pub needs: bool,
    pub family: String,
    pub activity: String,
    pub lever: String,
    pub region: String,
    pub kind: String,
    pub page: u32,
}

/// The names of the map's filters in an address: one set for pages (French, as on
/// `/reseau`), one for the API. `bbox`, `zoom` and `page` are the same in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterNames {
    pub layers: &'static str,
    pub family: &'static str,
    pub activity: &'static str,
    pub lever: &'static str,
    pub region: &'static str,
    pub kind: &'static str,
}

/// `/carte`, `/carte/liste`, `/carte/points.geojson`.
pub const PAGE_FILTERS: FilterNames = FilterNames {
    layers: "couches",
    family: "famille",
    activity: "activite",
    lever: "levier",
    region: "region",
    kind: "type",
};

/// `/api/v1/map/clusters`.
pub const API_FILTERS: FilterNames = FilterNames {
    layers: "layers",
    family: "family",
    activity: "activity",
    lever: "lever",
    region: "region",
    kind: "kind",
};

impl FilterNames {
    /// Which filter `key` names: in this set, or, on pages, under the API's name (the map's
    /// addresses used it before the pages had names of their own).
    fn field(self, key: &str) -> Option<&'static str> {
        let sets: &[FilterNames] = if self == PAGE_FILTERS {
            &[PAGE_FILTERS, API_FILTERS]
        } else {
            &[API_FILTERS]
        };
        sets.iter().find_map(|n| {
            [
                (n.layers, "layers"),
                (n.family, "family"),
                (n.activity, "activity"),
                (n.lever, "lever"),
                (n.region, "region"),
                (n.kind, "kind"),
            ]
            .into_iter()
            .find(|(name, _)| *name == key)
            .map(|(_, field)| field)
        })
    }
}

impl MapQuery {
    /// Reads the query string, its filters named as `names` says; an unknown value is an
    /// error in French.
    pub fn parse(raw: Option<&str>, names: FilterNames) -> Result<MapQuery, String> {
        let mut q = MapQuery {
            zoom: 5,
            page: 1,
            ..MapQuery::default()
        };
        let mut layers_given = false;
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let v = v.trim().to_string();
            match names.field(&k).unwrap_or(k.as_ref()) {
                "bbox" => q.bbox = Some(lenient_bbox(&v)?),
                "zoom" if !v.is_empty() => {
                    q.zoom = v
                        .parse::<u8>()
                        .ok()
                        .filter(|z| *z <= 22)
                        .ok_or("zoom : un entier de 0 à 22")?
                        .min(catalyse_map::MAX_ZOOM)
                }
                "layers" => {
                    layers_given = true;
                    let page = names == PAGE_FILTERS;
                    for l in v.split(',').map(str::trim).filter(|l| !l.is_empty()) {
                        match l {
                            "members" => q.members = true,
                            "places" => q.places = true,
                            "cases" => q.cases = true,
                            "needs" => q.needs = true,
                            "membres" if page => q.members = true,
                            "lieux" if page => q.places = true,
                            "pratiques" if page => q.cases = true,
                            "besoins" if page => q.needs = true,
                            other => {
                                return Err(format!(
                                    "couche inconnue « {other} » ({})",
                                    if page {
                                        "members, places, cases, needs ou membres, lieux, \
                                         pratiques, besoins"
                                    } else {
                                        "members, places, cases, needs"
                                    }
                                ))
                            }
                        }
                    }
                }
                "family" => q.family = v,
                "activity" => q.activity = v,
                "lever" => q.lever = v,
                "region" => q.region = v,
                "kind" => q.kind = v,
                "page" if !v.is_empty() => {
                    q.page = v
                        .parse::<u32>()
                        .ok()
                        .filter(|p| *p >= 1)
                        .ok_or("page : un entier à partir de 1")?
                }
                _ => {}
            }
        }
        if !layers_given {
            q.members = true;
            q.places = true;
            q.cases = true;
            q.needs = true;
        }
        Ok(q)
    }

    /// The engine's filter; `include_private` for signed-in viewers.
    pub fn filter(
        &self,
        n: &Numbering,
        include_private: bool,
    ) -> Result<catalyse_map::Filter, String> {
        let pick =
            |v: &str, what: &str, f: &dyn Fn(&str) -> Option<u8>| -> Result<Option<u8>, String> {
                if v.is_empty() {
                    Ok(None)
                } else {
                    f(v).map(Some).ok_or(format!("{what} « {v} »"))
                }
            };
        let kind = if self.kind.is_empty() {
            None
        } else {
            Some(
                self.kind
                    .parse::<catalyse_core::network::PlaceKind>()?
                    .index(),
            )
        };
        Ok(catalyse_map::Filter {
            members: self.members,
            places: self.places,
            cases: self.cases,
            needs: self.needs,
            include_private,
            family: pick(&self.family, "famille d'acteurs inconnue", &|v| n.family(v))?,
            activity: pick(&self.activity, "activité inconnue", &|v| n.activity(v))?,
            lever: pick(&self.lever, "levier inconnu", &|v| n.lever(v))?,
            region: if self.region.is_empty() {
                None
            } else {
                Some(
                    n.region(&self.region)
                        .ok_or(format!("région inconnue « {} »", self.region))?,
                )
            },
            kind,
        })
    }

    /// The query string of the same view (for links between the map and the list), with the
    /// pages' names.
    pub fn to_query(&self, with_page: Option<u32>) -> String {
        let n = PAGE_FILTERS;
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(b) = &self.bbox {
            s.append_pair(
                "bbox",
                &format!("{:.5},{:.5},{:.5},{:.5}", b.west, b.south, b.east, b.north),
            );
        }
        s.append_pair("zoom", &self.zoom.to_string());
        let layers: Vec<&str> = [
            (self.members, "members"),
            (self.places, "places"),
            (self.cases, "cases"),
            (self.needs, "needs"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, l)| l)
        .collect();
        s.append_pair(n.layers, &layers.join(","));
        for (k, v) in [
            (n.family, &self.family),
            (n.activity, &self.activity),
            (n.lever, &self.lever),
            (n.region, &self.region),
            (n.kind, &self.kind),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if let Some(p) = with_page {
            s.append_pair("page", &p.to_string());
        }
        s.finish()
    }
}

/// The whole of France with the overseas départements, the list's default view.
pub const FRANCE: catalyse_map::BBox = catalyse_map::BBox {
    west: -180.0,
    south: -85.0,
    east: 180.0,
    north: 85.0,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_api_name_the_filters_each_their_way() {
        let page = MapQuery::parse(
            Some("couches=places&famille=associations&activite=a&levier=l&type=cafe"),
            PAGE_FILTERS,
        )
        .unwrap();
        assert!(page.places && !page.members);
        assert_eq!(
            (
                page.family.as_str(),
                page.activity.as_str(),
                page.lever.as_str()
            ),
            ("associations", "a", "l")
        );
        assert_eq!(page.kind, "cafe");
        // The links a page makes use the pages' names…
        let q = page.to_query(Some(2));
        assert!(
            q.contains("couches=places") && q.contains("famille=associations"),
            "{q}"
        );
        assert!(!q.contains("family=") && q.contains("page=2"), "{q}");
        // …and the English names of older links still work there.
        let old =
            MapQuery::parse(Some("layers=members&family=associations"), PAGE_FILTERS).unwrap();
        assert!(old.members && !old.places && old.family == "associations");
        // The API has its own names only.
        let api = MapQuery::parse(Some("layers=members&family=associations"), API_FILTERS).unwrap();
        assert_eq!(api.family, "associations");
        let french = MapQuery::parse(Some("famille=associations"), API_FILTERS).unwrap();
        assert_eq!(french.family, "");
    }

    #[test]
    fn the_need_layer_in_addresses() {
        let layers = |raw: &str, names| {
            MapQuery::parse(Some(raw), names).map(|q| (q.members, q.places, q.cases, q.needs))
        };
        // Without `layers`, all four; `needs` alone, or with others.
        assert_eq!(layers("zoom=3", API_FILTERS), Ok((true, true, true, true)));
        assert_eq!(
            layers("layers=needs", API_FILTERS),
            Ok((false, false, false, true))
        );
        assert_eq!(
            layers("layers=members,places,cases,needs", API_FILTERS),
            Ok((true, true, true, true))
        );
        assert_eq!(
            layers("layers=cases&layers=needs", API_FILTERS),
            Ok((false, false, true, true))
        );
        // The API knows the English name only; pages take the French one too.
        let err = layers("layers=besoins", API_FILTERS).unwrap_err();
        assert!(
            err.contains("« besoins »") && err.contains("needs"),
            "{err}"
        );
        assert!(layers("layers=need", API_FILTERS).is_err());
        assert_eq!(
            layers("couches=besoins", PAGE_FILTERS),
            Ok((false, false, false, true))
        );
        let err = layers("couches=chats", PAGE_FILTERS).unwrap_err();
        assert!(err.contains("besoins"), "{err}");
        // The links a page makes keep the layer, and leave it out when it is off.
        let q = MapQuery::parse(Some("couches=besoins,membres"), PAGE_FILTERS).unwrap();
        assert!(q.to_query(None).contains("couches=members%2Cneeds"));
        let q = MapQuery::parse(Some("couches=pratiques"), PAGE_FILTERS).unwrap();
        assert!(!q.to_query(None).contains("needs"));
        let all = MapQuery::parse(None, PAGE_FILTERS).unwrap();
        assert!(all
            .to_query(None)
            .contains("couches=members%2Cplaces%2Ccases%2Cneeds"));
    }

    #[test]
    fn the_case_layer_in_addresses() {
        let layers = |raw: &str, names| {
            MapQuery::parse(Some(raw), names).map(|q| (q.members, q.places, q.cases))
        };
        // Without `layers`, every layer; an empty choice is a choice (nothing).
        assert_eq!(layers("zoom=3", API_FILTERS), Ok((true, true, true)));
        assert_eq!(layers("layers=", API_FILTERS), Ok((false, false, false)));
        assert_eq!(
            layers("layers=cases", API_FILTERS),
            Ok((false, false, true))
        );
        assert_eq!(
            layers("layers=members,places,cases", API_FILTERS),
            Ok((true, true, true))
        );
        assert_eq!(
            layers("layers=places&layers=cases", API_FILTERS),
            Ok((false, true, true))
        );
        // The API knows the English names only; pages take both.
        let err = layers("layers=pratiques", API_FILTERS).unwrap_err();
        assert!(
            err.contains("« pratiques »") && err.contains("cases"),
            "{err}"
        );
        assert!(layers("layers=case", API_FILTERS).is_err());
        assert_eq!(
            layers("couches=pratiques", PAGE_FILTERS),
            Ok((false, false, true))
        );
        assert_eq!(
            layers("couches=membres,lieux", PAGE_FILTERS),
            Ok((true, true, false))
        );
        assert_eq!(
            layers("couches=cases&couches=members", PAGE_FILTERS),
            Ok((true, false, true))
        );
        assert!(layers("couches=chats", PAGE_FILTERS).is_err());
        // The links a page makes name the layers as the form does.
        let q = MapQuery::parse(Some("couches=pratiques,lieux"), PAGE_FILTERS).unwrap();
        assert!(q.to_query(None).contains("couches=places%2Ccases"));
    }
}
