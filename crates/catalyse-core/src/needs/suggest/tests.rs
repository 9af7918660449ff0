use super::*;
use crate::dataset::SurveyModel;
use crate::network::TerritoryRef;
use crate::reference::ReferenceFrame;
use crate::territory::TerritoryLevel;
use chrono::Duration;

const fn at(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint { lat, lon }
}

const LYON: GeoPoint = at(45.7640, 4.8357);
const VILLEURBANNE: GeoPoint = at(45.7719, 4.8902);
const SAINT_ETIENNE: GeoPoint = at(45.4397, 4.3872);
const GRENOBLE: GeoPoint = at(45.1885, 5.7245);
const MARSEILLE: GeoPoint = at(43.2965, 5.3698);
const PARIS: GeoPoint = at(48.8566, 2.3522);
const LILLE: GeoPoint = at(50.6292, 3.0573);

fn names() -> Names {
    let survey = SurveyModel::shipped().unwrap();
    Names::new(&ReferenceFrame::shipped().unwrap(), &survey.fragilities).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
}

fn strings(slugs: &[&str]) -> Vec<String> {
    slugs.iter().map(|s| s.to_string()).collect()
}

/// A public, suggestible member, by slugs; `active` is how many days ago she last came.
fn member(
    id: i64,
    family: &str,
    activities: &[&str],
    levers: &[&str],
    point: Option<GeoPoint>,
    active: Option<i64>,
) -> MemberCandidate {
    let n = names();
    MemberCandidate {
        user_id: id,
        family: n.families.position(family),
        activities: n.activities.mask(&strings(activities)),
        levers: n.levers.mask(&strings(levers)),
        point,
        audience: Audience::Public,
        suggestible: true,
        last_active: active.map(|d| today() - Duration::days(d)),
    }
}

fn case(
    id: i64,
    fragilities: &[&str],
    point: Option<GeoPoint>,
    levers: &[&str],
    families: &[&str],
    activities: &[&str],
    contacts: &[i64],
) -> CaseCandidate {
    let n = names();
    CaseCandidate {
        case_id: id,
        point,
        fragilities: n.fragilities.mask(&strings(fragilities)),
        levers: n.levers.mask(&strings(levers)),
        families: n.families.mask(&strings(families)),
        activities: n.activities.mask(&strings(activities)),
        contacts: contacts.to_vec(),
    }
}

const PILOTER: &str = "piloter-des-experimentations";
const MOBILISER: &str = "mobiliser-les-acteurs";
const STRATEGIE: &str = "definir-sa-strategie";
const ALLIANCE: &str = "apprendre-a-faire-alliance";

/// A mobility need of a town hall near Lyon, seeking associations, two activities and two
/// levers.
fn need_fields() -> NeedFields {
    NeedFields {
        title: "Un transport à la demande pour les aînés".into(),
        description: "Nos aînés des hameaux ne peuvent plus aller au marché.".into(),
        territory: TerritoryRef {
            level: TerritoryLevel::Commune,
            code: "69123".into(),
        },
        organisation: "Mairie".into(),
        author_family: "collectivites-territoriales".into(),
        fragility: "mobilite".into(),
        levers: strings(&[ALLIANCE, STRATEGIE, "inconnu"]),
        families: strings(&["associations"]),
        activities: strings(&[PILOTER, MOBILISER]),
        horizon: crate::needs::Horizon::SixMois,
    }
}

fn need() -> NeedProfile {
    NeedProfile::from_fields(&need_fields(), &names(), Some(LYON))
}

/// The golden pool: who should come first, and who never.
fn golden() -> Pool {
    let mut opted_out = member(
        13,
        "associations",
        &[PILOTER, MOBILISER],
        &[ALLIANCE],
        Some(LYON),
        Some(0),
    );
    opted_out.suggestible = false;
    let mut members_only = member(
        14,
        "associations",
        &[PILOTER, MOBILISER],
        &[STRATEGIE, ALLIANCE],
        Some(LYON),
        Some(0),
    );
    members_only.audience = Audience::Members;
    let members = vec![
        member(20, "accompagnateurs", &[], &[ALLIANCE], None, None),
        member(
            10,
            "associations",
            &[PILOTER],
            &[],
            Some(VILLEURBANNE),
            Some(10),
        ),
        member(
            11,
            "entreprises",
            &[PILOTER, MOBILISER],
            &[STRATEGIE, ALLIANCE],
            Some(GRENOBLE),
            Some(200),
        ),
        member(
            12,
            "collectivites-territoriales",
            &[],
            &[STRATEGIE],
            Some(SAINT_ETIENNE),
            None,
        ),
        opted_out,
        members_only,
        // Near, of another family, active today: nothing she could bring is said.
        member(
            15,
            "citoyens",
            &["showroom"],
            &["evaluer-sa-pertinence"],
            Some(LYON),
            Some(0),
        ),
        // The need's author.
        member(
            16,
            "associations",
            &[PILOTER, MOBILISER],
            &[STRATEGIE, ALLIANCE],
            Some(LYON),
            Some(0),
        ),
        member(17, "institutions", &[MOBILISER], &[], None, None),
        member(19, "accompagnateurs", &[], &[ALLIANCE], None, None),
        // Given twice: the first one counts.
        member(
            19,
            "associations",
            &[PILOTER],
            &[ALLIANCE],
            Some(LYON),
            Some(0),
        ),
    ];
    let cases = vec![
        case(
            100,
            &["mobilite"],
            Some(VILLEURBANNE),
            &[ALLIANCE],
            &["associations", "collectivites-territoriales"],
            &[PILOTER],
            &[10, 13],
        ),
        case(
            101,
            &["mobilite", "isolement"],
            Some(MARSEILLE),
            &[ALLIANCE, STRATEGIE],
            &[],
            &[],
            &[10, 17],
        ),
        case(
            102,
            &["emploi"],
            Some(LYON),
            &[ALLIANCE],
            &["associations"],
            &[PILOTER],
            &[12],
        ),
        case(103, &["mobilite"], None, &[], &[], &[], &[17, 17, 999]),
    ];
    Pool::new(names(), members, cases)
}

fn viewer(signed_in: bool) -> Viewer {
    Viewer {
        signed_in,
        exclude: vec![16],
    }
}

fn ids(s: &Suggestions) -> (Vec<i64>, Vec<i64>) {
    (
        s.members.iter().map(|m| m.user_id).collect(),
        s.cases.iter().map(|c| c.case_id).collect(),
    )
}

fn family(slug: &str, sought: bool) -> Reason {
    Reason::Family {
        family: slug.into(),
        sought,
    }
}

#[test]
fn golden_ranking_with_its_reasons() {
    let s = suggest(&golden(), &need(), &viewer(true), today(), 10);
    assert_eq!(
        ids(&s),
        (vec![14, 10, 11, 17, 19, 20, 12], vec![100, 101, 103])
    );
    let reasons: Vec<&[Reason]> = s.members.iter().map(|m| m.reasons.as_slice()).collect();
    let mobility = || Reason::Cases {
        count: 2,
        fragility: "mobilite".into(),
    };
    assert_eq!(
        reasons,
        [
            &[
                family("associations", true),
                Reason::Distance { km: 0 },
                Reason::Activities {
                    activities: strings(&[MOBILISER, PILOTER]),
                },
                Reason::Levers {
                    levers: strings(&[STRATEGIE, ALLIANCE]),
                },
                Reason::Recent { days: 0 },
            ][..],
            &[
                family("associations", true),
                Reason::Distance { km: 4 },
                Reason::Activities {
                    activities: strings(&[PILOTER]),
                },
                mobility(),
                Reason::Recent { days: 10 },
            ],
            &[
                family("entreprises", false),
                Reason::Distance { km: 94 },
                Reason::Activities {
                    activities: strings(&[MOBILISER, PILOTER]),
                },
                Reason::Levers {
                    levers: strings(&[STRATEGIE, ALLIANCE]),
                },
                Reason::Recent { days: 200 },
            ],
            &[
                family("institutions", false),
                Reason::Activities {
                    activities: strings(&[MOBILISER]),
                },
                mobility(),
            ],
            &[
                family("accompagnateurs", false),
                Reason::Levers {
                    levers: strings(&[ALLIANCE]),
                }
            ],
            &[
                family("accompagnateurs", false),
                Reason::Levers {
                    levers: strings(&[ALLIANCE]),
                }
            ],
            &[
                Reason::Distance { km: 50 },
                Reason::Levers {
                    levers: strings(&[STRATEGIE]),
                }
            ],
        ]
    );
    // Out of 100: every factor in full; family, half of the activities, two cases of three,
    // recent, and 15 × 2^(-4.3176 / 50) for 4.3 km; the same family as the author's gives
    // nothing, 50.18 km gives half the nearness points.
    let scores: Vec<f32> = s.members.iter().map(|m| m.score).collect();
    let expected = [80.0, 64.962, 57.057, 35.833, 17.5, 17.5, 14.982];
    for (got, want) in scores.iter().zip(expected) {
        assert!((got - want).abs() < 0.001, "{scores:?}");
    }
    let cases: Vec<&[Reason]> = s.cases.iter().map(|c| c.reasons.as_slice()).collect();
    let same = || Reason::SameFragility {
        fragility: "mobilite".into(),
    };
    assert_eq!(
        cases,
        [
            &[
                same(),
                Reason::Distance { km: 4 },
                Reason::Activities {
                    activities: strings(&[PILOTER]),
                },
                Reason::Levers {
                    levers: strings(&[ALLIANCE]),
                },
                Reason::Families {
                    families: strings(&["associations"]),
                },
            ][..],
            &[
                same(),
                Reason::Distance { km: 278 },
                Reason::Levers {
                    levers: strings(&[STRATEGIE, ALLIANCE]),
                },
            ],
            &[same()],
        ]
    );
    let scores: Vec<f32> = s.cases.iter().map(|c| c.score).collect();
    for (got, want) in scores.iter().zip([75.176, 25.852, 0.0]) {
        assert!((got - want).abs() < 0.001, "{scores:?}");
    }
}

#[test]
fn sentences_read_as_french() {
    let n = names();
    let s = suggest(&golden(), &need(), &viewer(true), today(), 10);
    let sentences: Vec<String> = s.members.iter().map(|m| m.sentence_fr(&n)).collect();
    assert_eq!(
        sentences,
        [
            "Association à moins de 1 km · pratique « Mobiliser les acteurs pour co-construire des solutions » et « Piloter des expérimentations » · leviers « Définir sa stratégie » et « Apprendre à faire alliance » · dernière activité aujourd'hui",
            "Association à 4 km · pratique « Piloter des expérimentations » · 2 cas documentés sur la fragilité « Mobilité » · dernière activité il y a 10 jours",
            "Entreprise à 94 km · pratique « Mobiliser les acteurs pour co-construire des solutions » et « Piloter des expérimentations » · leviers « Définir sa stratégie » et « Apprendre à faire alliance » · dernière activité il y a 200 jours",
            "Institution · pratique « Mobiliser les acteurs pour co-construire des solutions » · 2 cas documentés sur la fragilité « Mobilité »",
            "Accompagnateur · levier « Apprendre à faire alliance »",
            "Accompagnateur · levier « Apprendre à faire alliance »",
            "À 50 km · levier « Définir sa stratégie »",
        ]
    );
    assert_eq!(
        s.cases[0].sentence_fr(&n),
        "Même fragilité « Mobilité » · à 4 km · pratique « Piloter des expérimentations » · levier « Apprendre à faire alliance » · famille d'acteurs « Associations »"
    );
    assert_eq!(
        s.members[0].reasons[0].text_fr(&n),
        "Association (famille d'acteurs recherchée)"
    );
    assert_eq!(
        s.members[2].reasons[0].text_fr(&n),
        "Entreprise (famille d'acteurs complémentaire)"
    );
    let one = Reason::Cases {
        count: 1,
        fragility: "acces-au-numerique".into(),
    };
    assert_eq!(
        one.text_fr(&n),
        "1 cas documenté sur la fragilité « Accès au numérique »"
    );
    assert_eq!(
        Reason::Recent { days: 1 }.text_fr(&n),
        "dernière activité hier"
    );
    let three = Reason::Families {
        families: strings(&["associations", "entreprises", "citoyens"]),
    };
    assert_eq!(
        three.text_fr(&n),
        "familles d'acteurs « Associations », « Entreprises » et « Citoyens »"
    );
}

#[test]
fn every_family_has_a_singular() {
    let n = names();
    let singulars: Vec<&str> = n
        .families
        .slugs
        .iter()
        .map(|s| n.family_singular(s))
        .collect();
    assert_eq!(
        singulars,
        [
            "Collectivité territoriale",
            "Association",
            "Entreprise",
            "Accompagnateur",
            "Institution",
            "Acteur académique",
            "Citoyen"
        ]
    );
    assert_eq!(names::singular("Acteurs sociaux"), "Acteur social");
    assert_eq!(names::singular("Réseaux des lieux"), "Réseau des lieux");
}

#[test]
fn reasons_serialise_with_their_kind_and_slugs() {
    let s = suggest(&golden(), &need(), &viewer(false), today(), 1);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json["members"][0]["reasons"][0],
        serde_json::json!({"kind": "family", "family": "associations", "sought": true})
    );
    assert_eq!(
        json["members"][0]["reasons"][3],
        serde_json::json!({"kind": "cases", "count": 2, "fragility": "mobilite"})
    );
    assert_eq!(
        json["cases"][0]["reasons"][0],
        serde_json::json!({"kind": "same_fragility", "fragility": "mobilite"})
    );
}

#[test]
fn members_only_profiles_are_for_signed_in_viewers() {
    let s = suggest(&golden(), &need(), &viewer(false), today(), 10);
    assert_eq!(ids(&s).0, [10, 11, 17, 19, 20, 12]);
}

#[test]
fn opted_out_excluded_and_merely_near_members_never_come() {
    let pool = golden();
    assert_eq!(
        pool.members(),
        9,
        "the member who opted out is not even kept, nor 19's second candidate"
    );
    let mut v = viewer(true);
    v.exclude = vec![10, 14];
    for limit in [1, 3, 100] {
        let got = ids(&suggest(&pool, &need(), &v, today(), limit)).0;
        for never in [10, 13, 14, 15] {
            assert!(!got.contains(&never), "{never} in {got:?}");
        }
    }
    // The author, not excluded any more, comes first; the citizen next door still does not.
    let got = ids(&suggest(&pool, &need(), &viewer(true), today(), 100)).0;
    assert!(!got.contains(&16));
    let got = ids(&suggest(&pool, &need(), &Viewer::default(), today(), 100)).0;
    assert_eq!(got[0], 16);
    assert!(!got.contains(&15));
}

#[test]
fn limits_and_needs_without_point_or_fragility() {
    let pool = golden();
    let top2 = suggest(&pool, &need(), &viewer(true), today(), 2);
    assert_eq!(ids(&top2), (vec![14, 10], vec![100, 101]));
    assert_eq!(
        suggest(&pool, &need(), &viewer(true), today(), 0),
        Suggestions::default()
    );
    let mut fields = need_fields();
    fields.fragility = "inconnue".into();
    let far = NeedProfile::from_fields(&fields, &names(), None);
    let s = suggest(&pool, &far, &viewer(true), today(), 10);
    assert!(s.cases.is_empty(), "cases need the same fragility");
    assert!(s.members.iter().all(|m| m
        .reasons
        .iter()
        .all(|r| !matches!(r, Reason::Distance { .. } | Reason::Cases { .. }))));
    // Without distance nor cases, 11's activities and levers outweigh 10's family.
    assert_eq!(ids(&s).0, [14, 11, 10, 17, 19, 20, 12]);
}

#[test]
fn need_profile_ignores_unknown_slugs() {
    let n = names();
    let p = need();
    assert_eq!(p.author_family, Some(0));
    assert_eq!(p.fragility, n.fragilities.position("mobilite"));
    assert_eq!(n.levers.slugs_of(p.levers), [STRATEGIE, ALLIANCE]);
    assert_eq!(p.families, 0b10);
    assert_eq!(n.activities.slugs_of(p.activities), [MOBILISER, PILOTER]);
}

#[test]
fn distances_are_great_circle() {
    let km = |a, b| distance_km(a, b);
    for (a, b, want) in [
        (PARIS, LYON, 391.5),
        (PARIS, MARSEILLE, 660.5),
        (PARIS, LILLE, 203.5),
        (LYON, LYON, 0.0),
    ] {
        assert!((km(a, b) - want).abs() < 0.1, "{a:?} {b:?}: {}", km(a, b));
        assert!((km(a, b) - km(b, a)).abs() < 1e-9);
    }
    // The scan's distance from unit vectors is the haversine to the metre, near and far.
    let mut rng = Rng(7);
    for _ in 0..2000 {
        let a = rng.point();
        let b = match rng.below(3) {
            0 => GeoPoint {
                lat: (a.lat + rng.unit() * 0.001).clamp(-90.0, 90.0),
                lon: a.lon + rng.unit() * 0.001,
            },
            1 => GeoPoint {
                lat: -a.lat,
                lon: a.lon + 180.0 - rng.unit() * 0.01,
            },
            _ => rng.point(),
        };
        let d = chord_km(&unit(a).unwrap(), &unit(b).unwrap());
        assert!((d - km(a, b)).abs() < 0.001, "{a:?} {b:?}");
    }
    assert!(unit(GeoPoint {
        lat: 91.0,
        lon: 0.0
    })
    .is_none());
    assert!(unit(GeoPoint {
        lat: f64::NAN,
        lon: 0.0
    })
    .is_none());
}

#[test]
fn weights_are_explained_from_their_values() {
    let lines = WEIGHTS.explain(Lang::Fr);
    assert_eq!(
        lines[0],
        "Chaque membre proposé reçoit jusqu'à 100 points :"
    );
    assert!(lines
        .iter()
        .any(|l| l.contains("la moitié à 50 km, le quart à 100 km")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("20 points si sa famille") && l.contains("10 si elle est autre")));
    assert!(lines
        .iter()
        .any(|l| l.contains("jusqu'à 100 points : 40 pour la proximité")));
    let other = Weights {
        activities: 27.5,
        ..WEIGHTS
    };
    assert!(other.explain(Lang::Fr)[0].contains("102,5 points"));
    assert_eq!(number(7.5, Lang::Fr), "7,5");
    assert_eq!(number(7.5, Lang::En), "7.5");
    assert_eq!(number(50.0, Lang::En), "50");
}

#[test]
fn rows_stay_compact() {
    assert_eq!(std::mem::size_of::<Row>(), 24);
    let (members, cases) = random_candidates(&mut Rng(3), 10_000);
    let kept: std::collections::HashSet<i64> = members
        .iter()
        .filter(|m| m.suggestible)
        .map(|m| m.user_id)
        .collect();
    // A (member, fragility) pair with documented cases takes 8 bytes, a distinct point 24,
    // a case 32.
    let pairs: usize = cases
        .iter()
        .map(|c| {
            let mut contacts: Vec<i64> = c
                .contacts
                .iter()
                .copied()
                .filter(|id| kept.contains(id))
                .collect();
            contacts.sort_unstable();
            contacts.dedup();
            contacts.len() * c.fragilities.count_ones() as usize
        })
        .sum();
    let n = cases.len();
    let pool = Pool::new(names(), members, cases);
    let bound = 24 * pool.members() + 8 * pairs + 24 * 200 + 32 * n;
    assert!(
        pool.heap_bytes() <= bound,
        "{} > {bound}",
        pool.heap_bytes()
    );
}

/// A small deterministic generator (xorshift64*): no dependency for the property checks.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// In [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
    fn point(&mut self) -> GeoPoint {
        GeoPoint {
            lat: self.unit() * 90.0,
            lon: self.unit() * 180.0,
        }
    }
    fn mask(&mut self, bits: u32, density: u64) -> u32 {
        (0..bits)
            .filter(|_| self.below(density) == 0)
            .fold(0, |m, b| m | 1 << b)
    }
}

/// `members` members (ids 1 to `members`, shuffled when `members + 1` is not a multiple
/// of 7) and a tenth as many cases around 200 shared points (a fifth without),
/// with few distinct values so that ties are many.
fn random_candidates(rng: &mut Rng, members: i64) -> (Vec<MemberCandidate>, Vec<CaseCandidate>) {
    let spots: Vec<GeoPoint> = (0..200)
        .map(|_| GeoPoint {
            lat: 43.0 + rng.unit().abs() * 8.0,
            lon: -1.0 + rng.unit().abs() * 8.0,
        })
        .collect();
    let spot = |rng: &mut Rng| (rng.below(5) > 0).then(|| spots[rng.below(200) as usize]);
    let mut ms = Vec::new();
    for id in 1..=members {
        ms.push(MemberCandidate {
            user_id: id * 7 % (members + 1),
            family: (rng.below(8) < 7).then(|| rng.below(7) as u8),
            activities: rng.mask(16, 6),
            levers: rng.mask(7, 5),
            point: spot(rng),
            audience: if rng.below(4) == 0 {
                Audience::Members
            } else {
                Audience::Public
            },
            suggestible: rng.below(10) > 0,
            last_active: (rng.below(3) > 0)
                .then(|| today() - Duration::days(rng.below(500) as i64)),
        });
    }
    let cases = (1..=members / 10)
        .map(|id| CaseCandidate {
            case_id: id,
            point: spot(rng),
            fragilities: rng.mask(10, 4),
            levers: rng.mask(7, 3),
            families: rng.mask(7, 3),
            activities: rng.mask(16, 4),
            contacts: (0..rng.below(4))
                .map(|_| rng.below(members as u64) as i64)
                .collect(),
        })
        .collect();
    (ms, cases)
}

fn random_need(rng: &mut Rng) -> NeedProfile {
    NeedProfile {
        point: (rng.below(4) > 0).then(|| GeoPoint {
            lat: 43.0 + rng.unit().abs() * 8.0,
            lon: -1.0 + rng.unit().abs() * 8.0,
        }),
        author_family: (rng.below(3) > 0).then(|| rng.below(7) as u8),
        fragility: (rng.below(5) > 0).then(|| rng.below(10) as u8),
        levers: rng.mask(7, 4),
        families: rng.mask(7, 5),
        activities: rng.mask(16, 8),
    }
}

#[test]
fn top_k_is_the_head_of_the_full_ranking() {
    let mut rng = Rng(0x5eed);
    let (members, cases) = random_candidates(&mut rng, 4000);
    let pool = Pool::new(names(), members.clone(), cases.clone());
    for round in 0..40 {
        let need = random_need(&mut rng);
        let v = Viewer {
            signed_in: round % 2 == 0,
            exclude: (0..5).map(|_| rng.below(4000) as i64).collect(),
        };
        let all = suggest(&pool, &need, &v, today(), usize::MAX);
        // Who may come, said independently of the engine.
        let frag = need.fragility.map_or(0, |f| 1u32 << f);
        let documented: std::collections::HashSet<i64> = cases
            .iter()
            .filter(|c| c.fragilities & frag != 0)
            .flat_map(|c| c.contacts.iter().copied())
            .collect();
        let mut expected: Vec<i64> = Vec::new();
        for m in &members {
            let documented = documented.contains(&m.user_id);
            let sought = m.family.is_some_and(|f| need.families & (1 << f) != 0);
            if m.suggestible
                && (v.signed_in || m.audience == Audience::Public)
                && !v.exclude.contains(&m.user_id)
                && (m.activities & need.activities != 0
                    || m.levers & need.levers != 0
                    || sought
                    || documented)
            {
                expected.push(m.user_id);
            }
        }
        let mut got: Vec<i64> = all.members.iter().map(|m| m.user_id).collect();
        got.sort_unstable();
        expected.sort_unstable();
        assert_eq!(got, expected, "round {round}");
        let want_cases = cases.iter().filter(|c| c.fragilities & frag != 0).count();
        assert_eq!(all.cases.len(), want_cases);
        // Best first, then by id.
        let ranked = |v: Vec<(f32, i64)>| {
            v.windows(2)
                .all(|w| w[0].0 > w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1))
        };
        assert!(ranked(
            all.members.iter().map(|m| (m.score, m.user_id)).collect()
        ));
        assert!(ranked(
            all.cases.iter().map(|c| (c.score, c.case_id)).collect()
        ));
        for k in [1, 2, 7, 25, 200] {
            let top = suggest(&pool, &need, &v, today(), k);
            assert_eq!(
                top.members[..],
                all.members[..k.min(all.members.len())],
                "round {round}, k {k}"
            );
            assert_eq!(
                top.cases[..],
                all.cases[..k.min(all.cases.len())],
                "round {round}, k {k}"
            );
        }
    }
}

#[test]
fn rebuilding_in_another_order_changes_nothing() {
    let mut rng = Rng(11);
    let (mut members, mut cases) = random_candidates(&mut rng, 1500);
    // Ids given once each, so that the order cannot pick another duplicate.
    let mut seen = std::collections::HashSet::new();
    members.retain(|m| seen.insert(m.user_id));
    let a = Pool::new(names(), members.clone(), cases.clone());
    members.reverse();
    cases.reverse();
    let b = Pool::new(names(), members, cases);
    for _ in 0..10 {
        let need = random_need(&mut rng);
        let v = viewer(true);
        assert_eq!(
            suggest(&a, &need, &v, today(), 30),
            suggest(&b, &need, &v, today(), 30)
        );
    }
}

#[test]
fn positions_beyond_the_names_are_ignored() {
    let mut odd = member(1, "associations", &[PILOTER], &[], Some(LYON), Some(0));
    odd.family = Some(200);
    odd.activities |= 1 << 31;
    let pool = Pool::new(names(), vec![odd], vec![]);
    let mut need = need();
    need.author_family = Some(40);
    need.fragility = Some(31);
    need.activities |= 1 << 31;
    let s = suggest(&pool, &need, &viewer(false), today(), 5);
    assert_eq!(
        s.members[0].reasons,
        [
            Reason::Distance { km: 0 },
            Reason::Activities {
                activities: strings(&[PILOTER]),
            },
            Reason::Recent { days: 0 },
        ]
    );
    assert!(s.cases.is_empty());
}

#[test]
fn lists_longer_than_a_mask_are_refused() {
    let levers: String = (0..17)
        .map(|i| format!("[[lever]]\nslug = 'l{i}'\nname = 'L{i}'\nquestions = []\n"))
        .collect();
    let frame =
        ReferenceFrame::from_sources(&levers, "family = []", "family = []", "milestone = []")
            .unwrap();
    let err = Names::new(&frame, &[]).unwrap_err();
    assert_eq!((err.list, err.count, err.max), ("levers", 17, 16));
}

#[test]
fn sentences_read_as_english_with_the_french_names_of_the_lists() {
    let n = names();
    let s = suggest(&golden(), &need(), &viewer(true), today(), 10);
    assert_eq!(
        s.members[1].sentence(&n, Lang::En),
        "Association 4 km away · practises “Piloter des expérimentations” · 2 documented cases on the fragility “Mobilité” · last active 10 days ago"
    );
    assert_eq!(
        s.cases[0].sentence(&n, Lang::En),
        "Same fragility “Mobilité” · 4 km away · practises “Piloter des expérimentations” · lever “Apprendre à faire alliance” · actor family “Associations”"
    );
    assert_eq!(
        s.members[2].reasons[0].text(&n, Lang::En),
        "Entreprise (complementary actor family)"
    );
    let three = Reason::Families {
        families: strings(&["associations", "entreprises", "citoyens"]),
    };
    assert_eq!(
        three.text(&n, Lang::En),
        "actor families “Associations”, “Entreprises” and “Citoyens”"
    );
    let en = WEIGHTS.explain(Lang::En);
    let fr = WEIGHTS.explain(Lang::Fr);
    assert_eq!(en.len(), fr.len());
    assert!(
        en[0].starts_with("Each suggested member gets up to "),
        "{}",
        en[0]
    );
    assert!(en.iter().all(|l| !l.contains(" points selon ")));
}
