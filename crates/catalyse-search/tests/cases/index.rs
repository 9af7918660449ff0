//! L'index des cas : facettes (chaque compte égale le total qu'il donne), filtres, tris,
//! pages, mises à jour visibles aussitôt, reconstruction, version, sur disque.

use std::collections::BTreeSet;

use catalyse_search::{
    CaseDoc, CaseFacets, CaseIndex, CaseQuery, CaseSort, SearchError, CASE_SCHEMA_VERSION,
    DEFAULT_PER_PAGE, MAX_PER_PAGE,
};

use crate::fixtures::{cases, ids, index, search, text};

const FACETS: usize = 7;

fn facet(f: &CaseFacets, i: usize) -> &[(String, usize)] {
    match i {
        0 => &f.levers,
        1 => &f.fragilities,
        2 => &f.families,
        3 => &f.activities,
        4 => &f.phases,
        5 => &f.regions,
        _ => &f.departments,
    }
}

/// `q` avec `value` pour seul choix de la facette `i`.
fn choosing(q: &CaseQuery, i: usize, value: &str) -> CaseQuery {
    let mut q = q.clone();
    let one = vec![value.to_string()];
    match i {
        0 => q.levers = one,
        1 => q.fragilities = one,
        2 => q.families = one,
        3 => q.activities = one,
        4 => q.phases = one,
        5 => q.region = Some(value.into()),
        _ => q.department = Some(value.into()),
    }
    q
}

/// `q` sans filtre sur la facette `i`.
fn without(q: &CaseQuery, i: usize) -> CaseQuery {
    let mut q = q.clone();
    match i {
        0 => q.levers.clear(),
        1 => q.fragilities.clear(),
        2 => q.families.clear(),
        3 => q.activities.clear(),
        4 => q.phases.clear(),
        5 => q.region = None,
        _ => q.department = None,
    }
    q
}

/// Les valeurs de la facette `i` d'un cas.
fn values(d: &CaseDoc, i: usize) -> Vec<String> {
    match i {
        0 => d.levers.clone(),
        1 => d.fragilities.clone(),
        2 => d.families.clone(),
        3 => d.activities.clone(),
        4 => vec![d.phase.clone()],
        5 => d.region.clone().into_iter().collect(),
        _ => d.department.clone().into_iter().collect(),
    }
}

fn chosen(q: &CaseQuery, i: usize) -> Vec<String> {
    match i {
        0 => q.levers.clone(),
        1 => q.fragilities.clone(),
        2 => q.families.clone(),
        3 => q.activities.clone(),
        4 => q.phases.clone(),
        5 => q.region.clone().into_iter().collect(),
        _ => q.department.clone().into_iter().collect(),
    }
}

/// L'oracle, écrit sans l'index : les cas qui passent les filtres de `q` (OU dans une
/// facette, ET entre facettes).
fn passing(q: &CaseQuery) -> BTreeSet<i64> {
    cases()
        .iter()
        .filter(|d| {
            (0..FACETS).all(|i| {
                let chosen = chosen(q, i);
                chosen.is_empty() || values(d, i).iter().any(|v| chosen.contains(v))
            })
        })
        .map(|d| d.id)
        .collect()
}

fn all(q: CaseQuery) -> CaseQuery {
    CaseQuery { per_page: 100, ..q }
}

/// Des recherches de départ : sans rien, avec du texte, avec un filtre, plusieurs filtres,
/// plusieurs valeurs dans une facette, texte et filtres.
fn starting_points() -> Vec<CaseQuery> {
    vec![
        all(CaseQuery::default()),
        text("solidaire"),
        text("entreprises"),
        all(CaseQuery {
            fragilities: vec!["emploi".into()],
            ..CaseQuery::default()
        }),
        all(CaseQuery {
            families: vec!["entreprises".into()],
            region: Some("84".into()),
            ..CaseQuery::default()
        }),
        all(CaseQuery {
            levers: vec![
                "apprendre-a-faire-alliance".into(),
                "definir-sa-strategie".into(),
            ],
            phases: vec!["experimentation".into(), "essaimage".into()],
            ..CaseQuery::default()
        }),
        all(CaseQuery {
            q: "habitants".into(),
            families: vec!["collectivites-territoriales".into()],
            department: Some("76".into()),
            ..CaseQuery::default()
        }),
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
        for i in 0..FACETS {
            for (value, count) in facet(&r.facets, i) {
                assert!(*count > 0, "{q:?} {value}");
                let chosen = search(&index, &choosing(&q, i, value));
                assert_eq!(chosen.total, *count, "{q:?}, facette {i} = {value}");
                checked += 1;
            }
            // Aucune valeur qui mène à des résultats ne manque : sans texte, ce sont les
            // valeurs des cas qui passent les autres filtres.
            if q.q.is_empty() {
                let expected: BTreeSet<String> = cases()
                    .iter()
                    .filter(|d| passing(&without(&q, i)).contains(&d.id))
                    .flat_map(|d| values(d, i))
                    .collect();
                let shown: BTreeSet<String> =
                    facet(&r.facets, i).iter().map(|(v, _)| v.clone()).collect();
                assert_eq!(shown, expected, "{q:?}, facette {i}");
            }
            // Par compte décroissant, puis par valeur.
            assert!(facet(&r.facets, i)
                .windows(2)
                .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)));
        }
    }
    assert!(checked > 150, "{checked}");
}

#[test]
fn une_facette_choisie_garde_ses_autres_valeurs() {
    let index = index();
    let q = all(CaseQuery {
        fragilities: vec!["emploi".into()],
        ..CaseQuery::default()
    });
    let r = search(&index, &q);
    assert_eq!(r.total, 4);
    let got: BTreeSet<i64> = r.hits.iter().map(|h| h.id).collect();
    assert_eq!(got, BTreeSet::from([1, 3, 6, 9]));
    // La facette des fragilités est comptée sans son propre filtre...
    assert!(r.facets.fragilities.contains(&("emploi".into(), 4)));
    assert!(r.facets.fragilities.contains(&("isolement".into(), 3)));
    assert!(r.facets.fragilities.contains(&("mobilite".into(), 2)));
    // ... les autres avec : une seule phase « emergence » parmi les quatre (le cas 6).
    assert!(r.facets.phases.contains(&("emergence".into(), 1)));
    assert_eq!(r.facets.phases.iter().map(|p| p.1).sum::<usize>(), 4);
    // Une valeur blanche n'est pas un filtre ; une valeur inconnue ne trouve rien.
    let blank = all(CaseQuery {
        fragilities: vec!["  ".into()],
        region: Some(String::new()),
        ..CaseQuery::default()
    });
    assert_eq!(search(&index, &blank).total, 12);
    let unknown = all(CaseQuery {
        fragilities: vec!["inconnue".into()],
        ..CaseQuery::default()
    });
    let r = search(&index, &unknown);
    assert_eq!(r.total, 0);
    assert!(r.facets.levers.is_empty());
    assert_eq!(r.facets.fragilities.len(), 10);
}

#[test]
fn ou_dans_une_facette_et_entre_facettes() {
    let index = index();
    for q in starting_points().into_iter().filter(|q| q.q.is_empty()) {
        let got: BTreeSet<i64> = search(&index, &q).hits.iter().map(|h| h.id).collect();
        assert_eq!(got, passing(&q), "{q:?}");
    }
    // Avec du texte : les cas du texte qui passent les filtres.
    let q = CaseQuery {
        region: Some("84".into()),
        ..text("association")
    };
    assert_eq!(ids(&index, &q), vec![12, 3]);
}

#[test]
fn territoire_exact_et_personnes_filtrent_sans_etre_des_facettes() {
    let index = index();
    let docs = cases();
    let by_place = all(CaseQuery {
        territories: vec!["commune:1001".into(), " ".into()],
        ..CaseQuery::default()
    });
    let found = search(&index, &by_place);
    let expected: BTreeSet<i64> = docs
        .iter()
        .filter(|d| d.place == "commune:1001")
        .map(|d| d.id)
        .collect();
    assert!(!expected.is_empty() && expected.len() < docs.len());
    assert_eq!(
        found.hits.iter().map(|h| h.id).collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(found.total, expected.len());
    // Les facettes comptent ces cas-là seulement.
    let phases: usize = found.facets.phases.iter().map(|(_, n)| n).sum();
    assert_eq!(phases, expected.len());

    let by_person = all(CaseQuery {
        people: vec![2, 103],
        ..CaseQuery::default()
    });
    let expected: BTreeSet<i64> = docs
        .iter()
        .filter(|d| d.people.contains(&2) || d.people.contains(&103))
        .map(|d| d.id)
        .collect();
    assert!(expected.contains(&3) && expected.contains(&2));
    let got: BTreeSet<i64> = search(&index, &by_person)
        .hits
        .iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(got, expected);
    let nobody = all(CaseQuery {
        people: vec![99_999],
        ..CaseQuery::default()
    });
    assert_eq!(search(&index, &nobody).total, 0);
}

#[test]
fn tris() {
    let index = index();
    let docs = cases();
    let by_id = |id: i64| docs.iter().find(|d| d.id == id).unwrap().clone();

    // Sans texte : les plus récents d'abord (par défaut comme avec `Newest`).
    let newest = ids(&index, &all(CaseQuery::default()));
    assert_eq!(newest, vec![6, 2, 10, 4, 8, 9, 12, 1, 11, 7, 3, 5]);
    let explicit = all(CaseQuery {
        sort: CaseSort::Newest,
        ..CaseQuery::default()
    });
    assert_eq!(ids(&index, &explicit), newest);
    assert!(newest
        .windows(2)
        .all(|w| by_id(w[0]).published_at > by_id(w[1]).published_at));

    // Par titre, sans tenir compte des accents ni de la casse : « Égalité » entre « Des
    // tablettes » et « Habitat ».
    let titles = all(CaseQuery {
        sort: CaseSort::Title,
        ..CaseQuery::default()
    });
    let got: Vec<String> = search(&index, &titles)
        .hits
        .into_iter()
        .map(|h| h.title)
        .collect();
    assert_eq!(got.len(), 12);
    assert!(got[0].starts_with("Covoiturage"), "{got:?}");
    assert!(got[1].starts_with("Décrochage"), "{got:?}");
    assert!(got[2].starts_with("Des tablettes"), "{got:?}");
    assert!(got[3].starts_with("Égalité"), "{got:?}");
    assert!(got[4].starts_with("Habitat"), "{got:?}");
    assert!(got[11].starts_with("Une recyclerie"), "{got:?}");

    // Par année de lancement, la plus récente d'abord, sans année en dernier ; à année
    // égale (2019 : 1 et 12), le plus récemment publié.
    let started = all(CaseQuery {
        sort: CaseSort::StartedYear,
        ..CaseQuery::default()
    });
    assert_eq!(
        ids(&index, &started),
        vec![11, 10, 4, 9, 12, 1, 5, 3, 7, 2, 8, 6]
    );

    // Avec du texte : la pertinence par défaut, un autre ordre sur demande, les mêmes cas.
    let relevance = ids(&index, &text("recyclerie"));
    assert_eq!(relevance, vec![9, 3, 11]);
    let q = CaseQuery {
        sort: CaseSort::Newest,
        ..text("recyclerie")
    };
    assert_eq!(ids(&index, &q), vec![9, 11, 3]);
    let q = CaseQuery {
        sort: CaseSort::StartedYear,
        ..text("recyclerie")
    };
    assert_eq!(ids(&index, &q), vec![11, 9, 3]);
    assert!(search(&index, &q).hits.iter().all(|h| h.score == 0.0));
}

#[test]
fn pages() {
    let index = index();
    let everything = ids(&index, &all(CaseQuery::default()));
    let mut paged = Vec::new();
    for page in 1..=4 {
        let r = search(
            &index,
            &CaseQuery {
                page,
                per_page: 5,
                ..CaseQuery::default()
            },
        );
        assert_eq!(r.total, 12);
        assert!(r.hits.len() <= 5);
        paged.extend(r.hits.iter().map(|h| h.id));
    }
    assert_eq!(paged, everything);
    // La page 0 est la première ; au-delà de la fin, rien, mais le total et les facettes.
    let first = CaseQuery {
        page: 0,
        per_page: 5,
        ..CaseQuery::default()
    };
    assert_eq!(ids(&index, &first), everything[..5].to_vec());
    let beyond = search(
        &index,
        &CaseQuery {
            page: 9,
            per_page: 5,
            ..CaseQuery::default()
        },
    );
    assert!(beyond.hits.is_empty());
    assert_eq!(beyond.total, 12);
    assert_eq!(beyond.facets, search(&index, &first).facets);

    // Taille de page par défaut et maximale.
    let many: Vec<CaseDoc> = (1..=150)
        .map(|id| CaseDoc {
            id,
            slug: format!("cas-{id}"),
            title: format!("Cas numéro {id}"),
            phase: "emergence".into(),
            published_at: id,
            ..CaseDoc::default()
        })
        .collect();
    index.rebuild(many, "v2").unwrap();
    let default = search(&index, &CaseQuery::default());
    assert_eq!(default.hits.len(), DEFAULT_PER_PAGE as usize);
    assert_eq!(default.hits[0].id, 150);
    let max = CaseQuery {
        per_page: 1_000,
        ..CaseQuery::default()
    };
    assert_eq!(search(&index, &max).hits.len(), MAX_PER_PAGE as usize);
    let second = CaseQuery {
        page: 2,
        per_page: 1_000,
        ..CaseQuery::default()
    };
    let r = search(&index, &second);
    assert_eq!(r.hits.len(), 50);
    assert_eq!(r.hits[49].id, 1);
}

/// Ajouts, modifications et retraits sont visibles dès le retour de l'appel, facettes et
/// comptes compris (gardés pour la liste sans filtre, ils sont recalculés).
fn updates_are_visible_at_once(index: &CaseIndex) {
    let q = all(CaseQuery::default());
    let before = search(index, &q);
    assert_eq!(before.total, 12);
    assert!(!before.facets.regions.iter().any(|r| r.0 == "94"));

    let mut doc = cases()[0].clone();
    doc.id = 40;
    doc.slug = "cas-40".into();
    doc.title = "Une ressourcerie en Corse".into();
    doc.region = Some("94".into());
    doc.department = Some("2A".into());
    index.upsert(&doc).unwrap();
    assert_eq!(index.len(), 13);
    assert_eq!(ids(index, &text("ressourcerie")), vec![40]);
    let after = search(index, &q);
    assert_eq!(after.total, 13);
    assert!(after.facets.regions.contains(&("94".into(), 1)));
    assert!(after.facets.fragilities.contains(&("mobilite".into(), 3)));

    // Modifié : l'ancien titre ne le trouve plus, le nouveau si ; une seule fois.
    doc.title = "Une matériauthèque en Corse".into();
    index.upsert(&doc).unwrap();
    assert_eq!(index.len(), 13);
    assert_eq!(ids(index, &text("ressourcerie")), Vec::<i64>::new());
    assert_eq!(ids(index, &text("matériauthèque")), vec![40]);

    // Retiré : nulle part, ni dans les comptes.
    index.remove(40).unwrap();
    index.remove(40).unwrap();
    index.remove(9_999).unwrap();
    assert_eq!(index.len(), 12);
    assert_eq!(ids(index, &text("matériauthèque")), Vec::<i64>::new());
    let r = search(index, &q);
    assert_eq!(r, before);
    let corse = all(CaseQuery {
        region: Some("94".into()),
        ..CaseQuery::default()
    });
    assert_eq!(search(index, &corse).total, 0);
}

#[test]
fn mises_a_jour_visibles_aussitot_en_memoire() {
    updates_are_visible_at_once(&index());
}

#[test]
fn mises_a_jour_visibles_aussitot_sur_disque() {
    let dir = tempfile::tempdir().unwrap();
    let index = CaseIndex::open(dir.path()).unwrap();
    index.rebuild(cases(), "v1").unwrap();
    updates_are_visible_at_once(&index);
}

#[test]
fn reconstruire_est_idempotent() {
    let index = index();
    let queries: Vec<CaseQuery> = starting_points()
        .into_iter()
        .chain([text("mobilités"), text("vieillisement")])
        .collect();
    let before: Vec<_> = queries.iter().map(|q| search(&index, q)).collect();
    index.rebuild(cases(), "v1").unwrap();
    index.rebuild(cases(), "v1").unwrap();
    assert_eq!(index.len(), 12);
    let after: Vec<_> = queries.iter().map(|q| search(&index, q)).collect();
    assert_eq!(after, before);
    // Un id donné deux fois est indexé une fois (son premier document).
    let mut twice = cases();
    let mut copy = twice[0].clone();
    copy.title = "Doublon".into();
    twice.push(copy);
    index.rebuild(twice, "v1").unwrap();
    assert_eq!(index.len(), 12);
    assert_eq!(ids(&index, &text("doublon")), Vec::<i64>::new());
    // Reconstruire remplace tout : ce qui n'est plus donné disparaît.
    index.rebuild(cases().into_iter().take(3), "v2").unwrap();
    assert_eq!(search(&index, &all(CaseQuery::default())).total, 3);
    assert_eq!(ids(&index, &text("recyclerie")), vec![3]);
    index.rebuild(Vec::new(), "v3").unwrap();
    assert!(index.is_empty());
    assert_eq!(
        search(&index, &all(CaseQuery::default())).facets,
        CaseFacets::default()
    );
}

#[test]
fn version_du_magasin_notee_et_schema_verifie() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = CaseIndex::open(dir.path()).unwrap();
        assert_eq!(index.built_from(), None);
        index.rebuild(cases(), "42-1337").unwrap();
        assert_eq!(index.built_from().as_deref(), Some("42-1337"));
        index.remove(1).unwrap();
        index.note_built_from("43-1338").unwrap();
    }
    // Rouvert : le contenu et la version sont là.
    {
        let index = CaseIndex::open(dir.path()).unwrap();
        assert_eq!(index.len(), 11);
        assert_eq!(index.built_from().as_deref(), Some("43-1338"));
        assert_eq!(ids(&index, &text("egalite")), vec![6]);
    }
    // Un index d'une autre version du schéma est vidé, sans version : à reconstruire.
    std::fs::write(
        dir.path().join("catalyse-cases-version"),
        format!("{}\n", CASE_SCHEMA_VERSION + 1),
    )
    .unwrap();
    {
        let index = CaseIndex::open(dir.path()).unwrap();
        assert!(index.is_empty());
        assert_eq!(index.built_from(), None);
        index.rebuild(cases(), "44-1339").unwrap();
    }
    let index = CaseIndex::open(dir.path()).unwrap();
    assert_eq!(index.len(), 12);
    assert_eq!(index.built_from().as_deref(), Some("44-1339"));

    // En mémoire aussi.
    let memory = CaseIndex::in_memory().unwrap();
    assert_eq!(memory.built_from(), None);
    memory.rebuild(cases(), "1-1").unwrap();
    assert_eq!(memory.built_from().as_deref(), Some("1-1"));

    // Un dossier non vide qui n'est pas un index de cas est refusé, pas vidé.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("notes.txt"), "à garder").unwrap();
    assert!(matches!(
        CaseIndex::open(other.path()),
        Err(SearchError::NotAnIndex(_))
    ));
    assert!(other.path().join("notes.txt").exists());
}
