//! L'index des besoins : facettes (chaque compte égale le total que donne son lien), filtres,
//! territoire et territoires inclus, tris, pages, mises à jour visibles aussitôt,
//! reconstruction, version, sur disque.

use std::collections::BTreeSet;

use catalyse_core::needs::NeedStatus;
use catalyse_core::network::TerritoryRef;
use catalyse_core::TerritoryLevel;
use catalyse_search::{
    NeedDoc, NeedFacet, NeedFacets, NeedIndex, NeedQuery, NeedSort, SearchError,
    NEED_SCHEMA_VERSION,
};

use crate::fixtures::{all, ids, index, needs, search, text, DIEPPE_MARITIME};

/// Les valeurs d'un besoin pour une facette, écrites sans l'index.
fn values(d: &NeedDoc, facet: NeedFacet) -> Vec<String> {
    match facet {
        NeedFacet::Region => d.region.iter().cloned().collect(),
        NeedFacet::Department => d.department.iter().cloned().collect(),
        NeedFacet::Fragility => vec![d.fragility.clone()],
        NeedFacet::Lever => d.levers.clone(),
        NeedFacet::Family => d.families.clone(),
        NeedFacet::Activity => d.activities.clone(),
        NeedFacet::Status => vec![d.status.as_str().to_string()],
        NeedFacet::Horizon => vec![d.horizon.as_str().to_string()],
    }
}

/// Le territoire `level:code` contient-il le besoin ? (L'oracle de `within`.)
fn inside(d: &NeedDoc, t: &TerritoryRef) -> bool {
    let code = match t.level {
        TerritoryLevel::Region => &d.region,
        TerritoryLevel::Department => &d.department,
        TerritoryLevel::Epci => &d.epci,
        TerritoryLevel::Commune => &d.commune,
    };
    code.as_deref() == Some(t.code.as_str())
}

/// L'oracle, écrit sans l'index : les besoins qui passent les filtres de `q` (OU dans une
/// facette, ET entre facettes et avec le territoire).
fn passing(q: &NeedQuery) -> BTreeSet<i64> {
    needs()
        .iter()
        .filter(|d| {
            NeedFacet::ALL.into_iter().all(|facet| {
                let chosen = q.filters.get(facet);
                chosen.is_empty() || values(d, facet).iter().any(|v| chosen.contains(v))
            }) && (q.within.is_empty() || q.within.iter().any(|t| inside(d, t)))
        })
        .map(|d| d.id)
        .collect()
}

fn territory(level: TerritoryLevel, code: &str) -> TerritoryRef {
    TerritoryRef {
        level,
        code: code.into(),
    }
}

fn choosing(q: &NeedQuery, facet: NeedFacet, values: &[&str]) -> NeedQuery {
    let mut q = q.clone();
    *q.filters.get_mut(facet) = values.iter().map(|v| v.to_string()).collect();
    q
}

/// Des recherches de départ : sans rien, avec du texte, un filtre, plusieurs filtres,
/// plusieurs valeurs dans une facette, un territoire, texte, filtres et territoire.
fn starting_points() -> Vec<NeedQuery> {
    let none = all(NeedQuery::default());
    vec![
        none.clone(),
        text("cherchons"),
        text("entreprises"),
        choosing(&none, NeedFacet::Status, &["ouvert", "en-relation"]),
        choosing(
            &choosing(&none, NeedFacet::Family, &["associations"]),
            NeedFacet::Region,
            &["28"],
        ),
        choosing(
            &choosing(
                &none,
                NeedFacet::Lever,
                &["apprendre-a-faire-alliance", "definir-sa-strategie"],
            ),
            NeedFacet::Horizon,
            &["3-mois", "sans-echeance"],
        ),
        NeedQuery {
            within: vec![territory(TerritoryLevel::Department, "76")],
            ..choosing(&none, NeedFacet::Fragility, &["mobilite", "emploi"])
        },
        NeedQuery {
            within: vec![territory(TerritoryLevel::Region, "28")],
            ..choosing(&text("entreprise"), NeedFacet::Status, &["ouvert"])
        },
    ]
}

#[test]
fn chaque_compte_de_facette_egale_le_total_de_sa_valeur_choisie() {
    let index = index();
    let mut checked = 0;
    for q in starting_points() {
        let r = search(&index, &q);
        if q.q.is_empty() {
            assert_eq!(r.total, passing(&q).len(), "{q:?}");
        }
        for facet in NeedFacet::ALL {
            let counts = r.facets.get(facet);
            for (value, count) in counts {
                assert!(*count > 0, "{q:?} {value}");
                let chosen = search(&index, &choosing(&q, facet, &[value]));
                assert_eq!(chosen.total, *count, "{q:?}, {facet:?} = {value}");
                checked += 1;
            }
            // Aucune valeur qui mène à des résultats ne manque : sans texte, ce sont les
            // valeurs des besoins qui passent les autres filtres.
            if q.q.is_empty() {
                let others = passing(&choosing(&q, facet, &[]));
                let expected: BTreeSet<String> = needs()
                    .iter()
                    .filter(|d| others.contains(&d.id))
                    .flat_map(|d| values(d, facet))
                    .collect();
                let shown: BTreeSet<String> = counts.iter().map(|(v, _)| v.clone()).collect();
                assert_eq!(shown, expected, "{q:?}, {facet:?}");
            }
            // Par compte décroissant, puis par valeur.
            assert!(counts
                .windows(2)
                .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)));
        }
    }
    assert!(checked > 200, "{checked}");
}

#[test]
fn une_facette_choisie_garde_ses_autres_valeurs() {
    let index = index();
    let q = choosing(&all(NeedQuery::default()), NeedFacet::Region, &["28"]);
    let r = search(&index, &q);
    let got: BTreeSet<i64> = r.hits.iter().map(|h| h.id).collect();
    assert_eq!(got, BTreeSet::from([3, 5, 7, 9, 10]));
    assert_eq!(r.total, 5);
    // Les régions sont comptées sans leur propre filtre...
    assert_eq!(
        r.facets.regions,
        [
            ("28".to_string(), 5),
            ("53".into(), 2),
            ("44".into(), 1),
            ("84".into(), 1),
            ("93".into(), 1)
        ]
    );
    // ... les autres facettes avec : les statuts des cinq besoins normands.
    assert_eq!(
        r.facets.statuses,
        [
            ("ouvert".to_string(), 2),
            ("clos".into(), 1),
            ("en-relation".into(), 1),
            ("resolu".into(), 1)
        ]
    );
    // Un besoin de la région entière n'a pas de département.
    assert_eq!(
        r.facets.departments,
        [("76".to_string(), 3), ("14".into(), 1)]
    );
    // Une valeur blanche n'est pas un filtre ; une valeur inconnue ne trouve rien, et ses
    // facettes restent celles de tous les besoins.
    let blank = choosing(&q, NeedFacet::Region, &["  ", ""]);
    assert_eq!(search(&index, &blank).total, 10);
    let unknown = choosing(&q, NeedFacet::Fragility, &["inconnue"]);
    let r = search(&index, &unknown);
    assert_eq!(r.total, 0);
    assert!(r.facets.levers.is_empty());
    assert_eq!(r.facets.fragilities.len(), 5);
}

#[test]
fn un_territoire_et_ceux_qu_il_contient() {
    let index = index();
    let within = |level, code: &str| {
        let q = all(NeedQuery {
            within: vec![territory(level, code)],
            ..NeedQuery::default()
        });
        let r = search(&index, &q);
        assert_eq!(r.total, r.hits.len());
        r.hits.iter().map(|h| h.id).collect::<BTreeSet<i64>>()
    };
    use TerritoryLevel::*;
    // La région : ses besoins, ceux de ses départements et de ses communes.
    assert_eq!(within(Region, "28"), BTreeSet::from([3, 5, 7, 9, 10]));
    // Le département : le sien et ceux de ses communes, pas celui de la région entière.
    assert_eq!(within(Department, "76"), BTreeSet::from([3, 5, 7]));
    // L'EPCI : ses deux communes, pas le département.
    assert_eq!(within(Epci, DIEPPE_MARITIME), BTreeSet::from([3, 7]));
    // Un EPCI sans commune dans les fixtures : son propre besoin.
    assert_eq!(within(Epci, "242200707"), BTreeSet::from([4]));
    // La commune : le sien seulement.
    assert_eq!(within(Commune, "76217"), BTreeSet::from([3]));
    assert_eq!(within(Commune, "99999"), BTreeSet::new());
    // Un code de département n'est pas un code de commune, ni l'inverse.
    assert_eq!(within(Commune, "76"), BTreeSet::new());
    // Un code blanc n'est pas un filtre.
    assert_eq!(within(Department, " ").len(), 10);
    // Plusieurs territoires : l'un ou l'autre.
    let q = all(NeedQuery {
        within: vec![territory(Commune, "76217"), territory(Department, "22")],
        ..NeedQuery::default()
    });
    assert_eq!(
        search(&index, &q)
            .hits
            .iter()
            .map(|h| h.id)
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([3, 4, 8])
    );
    // Le portrait d'un département : ses besoins ouverts, les facettes comptent ceux-là.
    let open = choosing(
        &all(NeedQuery {
            within: vec![territory(Department, "76")],
            ..NeedQuery::default()
        }),
        NeedFacet::Status,
        &["ouvert", "en-relation"],
    );
    let r = search(&index, &open);
    assert_eq!(ids(&index, &open), vec![3]);
    assert_eq!(
        r.facets.statuses,
        [
            ("clos".to_string(), 1),
            ("ouvert".into(), 1),
            ("resolu".into(), 1)
        ]
    );
    assert_eq!(r.facets.departments, [("76".to_string(), 1)]);
}

#[test]
fn tris() {
    let index = index();
    // Sans texte : les plus récents d'abord (par défaut comme avec `Newest`).
    let newest = ids(&index, &all(NeedQuery::default()));
    assert_eq!(newest, vec![10, 6, 4, 9, 8, 2, 7, 5, 1, 3]);
    let explicit = all(NeedQuery {
        sort: NeedSort::Newest,
        ..NeedQuery::default()
    });
    assert_eq!(ids(&index, &explicit), newest);

    // Les ouverts qui attendent depuis le plus longtemps d'abord (« en relation » compris),
    // puis les résolus et clos, les plus récents d'abord.
    let waiting = all(NeedQuery {
        sort: NeedSort::LongestWaiting,
        ..NeedQuery::default()
    });
    assert_eq!(ids(&index, &waiting), vec![3, 1, 2, 8, 9, 4, 6, 10, 7, 5]);
    let hits = search(&index, &waiting).hits;
    assert!(hits[..8].iter().all(|h| h.status.is_open()));
    assert!(hits[8..].iter().all(|h| !h.status.is_open()));
    assert!(hits[..8]
        .windows(2)
        .all(|w| w[0].published_at < w[1].published_at));

    // Avec du texte : la pertinence par défaut, un autre ordre sur demande, les mêmes
    // besoins.
    let relevance = ids(&index, &text("médecin"));
    assert_eq!(relevance, vec![4, 1]);
    let q = NeedQuery {
        sort: NeedSort::LongestWaiting,
        ..text("médecin")
    };
    assert_eq!(ids(&index, &q), vec![1, 4]);
    assert!(search(&index, &q).hits.iter().all(|h| h.score == 0.0));

    // Un besoin qui se ferme passe après les ouverts ; rouvert, il reprend sa place.
    let mut third = needs()[2].clone();
    third.status = NeedStatus::Resolu;
    index.upsert(&third).unwrap();
    assert_eq!(ids(&index, &waiting), vec![1, 2, 8, 9, 4, 6, 10, 7, 5, 3]);
    third.status = NeedStatus::Ouvert;
    index.upsert(&third).unwrap();
    assert_eq!(ids(&index, &waiting)[0], 3);
}

#[test]
fn pages() {
    let index = index();
    let everything = ids(&index, &all(NeedQuery::default()));
    let mut paged = Vec::new();
    for page in 1..=3 {
        let r = search(
            &index,
            &NeedQuery {
                page,
                per_page: 4,
                ..NeedQuery::default()
            },
        );
        assert_eq!(r.total, 10);
        assert!(r.hits.len() <= 4);
        paged.extend(r.hits.iter().map(|h| h.id));
    }
    assert_eq!(paged, everything);
    // La page 0 est la première ; au-delà de la fin, rien, mais le total et les facettes.
    let first = NeedQuery {
        page: 0,
        per_page: 4,
        ..NeedQuery::default()
    };
    assert_eq!(ids(&index, &first), everything[..4].to_vec());
    let beyond = search(
        &index,
        &NeedQuery {
            page: 9,
            per_page: 4,
            ..NeedQuery::default()
        },
    );
    assert!(beyond.hits.is_empty());
    assert_eq!(beyond.total, 10);
    assert_eq!(beyond.facets, search(&index, &first).facets);
    // Taille de page par défaut (20).
    let many = (1..=30).map(|id| NeedDoc {
        id,
        title: format!("Besoin numéro {id}"),
        published_at: id,
        ..NeedDoc::default()
    });
    index.rebuild(many, "v2").unwrap();
    let default = search(&index, &NeedQuery::default());
    assert_eq!(
        default.hits.len(),
        catalyse_search::DEFAULT_PER_PAGE as usize
    );
    assert_eq!(default.hits[0].id, 30);
}

/// Ajouts, modifications et retraits sont visibles dès le retour de l'appel, facettes et
/// comptes compris (gardés pour la liste sans filtre, ils sont recalculés).
fn updates_are_visible_at_once(index: &NeedIndex) {
    let q = all(NeedQuery::default());
    let before = search(index, &q);
    assert_eq!(before.total, 10);
    assert!(!before.facets.regions.iter().any(|r| r.0 == "94"));

    let mut doc = needs()[0].clone();
    doc.id = 40;
    doc.slug = "besoin-40".into();
    doc.title = "Une ressourcerie en Corse".into();
    doc.region = Some("94".into());
    doc.department = Some("2A".into());
    doc.epci = None;
    doc.commune = None;
    index.upsert(&doc).unwrap();
    assert_eq!(index.len(), 11);
    assert_eq!(ids(index, &text("ressourcerie")), vec![40]);
    let after = search(index, &q);
    assert_eq!(after.total, 11);
    assert!(after.facets.regions.contains(&("94".into(), 1)));
    assert!(after.facets.fragilities.contains(&("mobilite".into(), 3)));
    let corse = all(NeedQuery {
        within: vec![territory(TerritoryLevel::Department, "2A")],
        ..NeedQuery::default()
    });
    assert_eq!(ids(index, &corse), vec![40]);

    // Modifié : l'ancien titre ne le trouve plus, le nouveau si ; une seule fois ; son
    // nouveau statut est compté.
    doc.title = "Une matériauthèque en Corse".into();
    doc.status = NeedStatus::Clos;
    index.upsert(&doc).unwrap();
    assert_eq!(index.len(), 11);
    assert_eq!(ids(index, &text("ressourcerie")), Vec::<i64>::new());
    assert_eq!(ids(index, &text("matériauthèque")), vec![40]);
    assert!(search(index, &q)
        .facets
        .statuses
        .contains(&("clos".into(), 2)));

    // Retiré : nulle part, ni dans les comptes.
    index.remove(40).unwrap();
    index.remove(40).unwrap();
    index.remove(9_999).unwrap();
    assert_eq!(index.len(), 10);
    assert_eq!(ids(index, &text("matériauthèque")), Vec::<i64>::new());
    assert_eq!(search(index, &q), before);
    assert_eq!(search(index, &corse).total, 0);
}

#[test]
fn mises_a_jour_visibles_aussitot_en_memoire() {
    updates_are_visible_at_once(&index());
}

#[test]
fn mises_a_jour_visibles_aussitot_sur_disque() {
    let dir = tempfile::tempdir().unwrap();
    let index = NeedIndex::open(dir.path()).unwrap();
    index.rebuild(needs(), "v1").unwrap();
    updates_are_visible_at_once(&index);
}

#[test]
fn reconstruire_est_idempotent() {
    let index = index();
    let queries: Vec<NeedQuery> = starting_points()
        .into_iter()
        .chain([text("mobilités"), text("vieillisement")])
        .collect();
    let before: Vec<_> = queries.iter().map(|q| search(&index, q)).collect();
    index.rebuild(needs(), "v1").unwrap();
    index.rebuild(needs(), "v1").unwrap();
    assert_eq!(index.len(), 10);
    let after: Vec<_> = queries.iter().map(|q| search(&index, q)).collect();
    assert_eq!(after, before);
    // Un id donné deux fois est indexé une fois (son premier document).
    let mut twice = needs();
    let mut copy = twice[0].clone();
    copy.title = "Doublon".into();
    twice.push(copy);
    index.rebuild(twice, "v1").unwrap();
    assert_eq!(index.len(), 10);
    assert_eq!(ids(&index, &text("doublon")), Vec::<i64>::new());
    // Reconstruire remplace tout : ce qui n'est plus donné disparaît.
    index.rebuild(needs().into_iter().take(3), "v2").unwrap();
    assert_eq!(search(&index, &all(NeedQuery::default())).total, 3);
    assert_eq!(ids(&index, &text("recyclerie")), Vec::<i64>::new());
    index.rebuild(Vec::new(), "v3").unwrap();
    assert!(index.is_empty());
    assert_eq!(
        search(&index, &all(NeedQuery::default())).facets,
        NeedFacets::default()
    );
}

#[test]
fn version_du_magasin_notee_et_schema_verifie() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = NeedIndex::open(dir.path()).unwrap();
        assert_eq!(index.built_from(), None);
        index.rebuild(needs(), "42-1337").unwrap();
        assert_eq!(index.built_from().as_deref(), Some("42-1337"));
        index.remove(1).unwrap();
        index.note_built_from("43-1338").unwrap();
    }
    // Rouvert : le contenu et la version sont là.
    {
        let index = NeedIndex::open(dir.path()).unwrap();
        assert_eq!(index.len(), 9);
        assert_eq!(index.built_from().as_deref(), Some("43-1338"));
        assert_eq!(ids(&index, &text("egalite")), vec![4]);
    }
    // Un index d'une autre version du schéma est vidé, sans version : à reconstruire.
    std::fs::write(
        dir.path().join("catalyse-needs-version"),
        format!("{}\n", NEED_SCHEMA_VERSION + 1),
    )
    .unwrap();
    {
        let index = NeedIndex::open(dir.path()).unwrap();
        assert!(index.is_empty());
        assert_eq!(index.built_from(), None);
        index.rebuild(needs(), "44-1339").unwrap();
    }
    let index = NeedIndex::open(dir.path()).unwrap();
    assert_eq!(index.len(), 10);
    assert_eq!(index.built_from().as_deref(), Some("44-1339"));

    // En mémoire aussi.
    let memory = NeedIndex::in_memory().unwrap();
    assert_eq!(memory.built_from(), None);
    memory.rebuild(needs(), "1-1").unwrap();
    assert_eq!(memory.built_from().as_deref(), Some("1-1"));

    // Un dossier non vide qui n'est pas un index de besoins est refusé, pas vidé ; l'index
    // des cas non plus.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("notes.txt"), "à garder").unwrap();
    assert!(matches!(
        NeedIndex::open(other.path()),
        Err(SearchError::NotAnIndex(_))
    ));
    assert!(other.path().join("notes.txt").exists());
    let cases = tempfile::tempdir().unwrap();
    catalyse_search::CaseIndex::open(cases.path()).unwrap();
    assert!(matches!(
        NeedIndex::open(cases.path()),
        Err(SearchError::NotAnIndex(_))
    ));
}
