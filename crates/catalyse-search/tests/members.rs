//! Recherche dans l'annuaire du réseau (`MemberIndex`), sur un vrai index tantivy, en mémoire et
//! dans un dossier. Les membres sont des FIXTURES DE TEST inventées ici.

use std::collections::BTreeSet;
use std::sync::Arc;

use catalyse_search::{
    MemberDoc, MemberFacets, MemberIndex, MemberQuery, MemberResults, SearchError,
    DEFAULT_PER_PAGE, MAX_PER_PAGE,
};

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[allow(clippy::too_many_arguments)]
fn member(
    id: i64,
    name: &str,
    organisation: &str,
    role: &str,
    bio: &str,
    themes: &[&str],
    family: &str,
    activities: &[&str],
    levers: &[&str],
    regions: &[&str],
    departments: &[&str],
    public: bool,
    sort_name: &str,
) -> MemberDoc {
    MemberDoc {
        id,
        name: name.into(),
        organisation: organisation.into(),
        bio: bio.into(),
        themes: strings(themes),
        role: role.into(),
        family: family.into(),
        activities: strings(activities),
        levers: strings(levers),
        regions: strings(regions),
        departments: strings(departments),
        public,
        sort_name: sort_name.into(),
    }
}

/// FIXTURES DE TEST : sept membres, dont un (3) visible des seuls membres connectés.
fn network() -> Vec<MemberDoc> {
    vec![
        member(
            1,
            "Claire Dubois",
            "Communauté de communes du Pays de Gex",
            "Chargée de mission transition écologique",
            "J'accompagne les collectivités dans leurs projets d'économie circulaire.",
            &["Économie circulaire"],
            "collectivite",
            &["animer-un-reseau", "conduire-un-projet"],
            &["mobiliser-les-acteurs"],
            &["84"],
            &["01"],
            true,
            "dubois claire",
        ),
        member(
            2,
            "Marc Lefèvre",
            "Chambre d'agriculture de la Drôme",
            "Conseiller",
            "Accompagnement des agriculteurs vers l'agriculture biologique.",
            &["Agriculture", "Alimentation"],
            "chambre-consulaire",
            &["conseiller"],
            &["financer"],
            &["84"],
            &["26"],
            true,
            "lefevre marc",
        ),
        member(
            3,
            "Sophie Martin",
            "Agence locale de l'énergie",
            "Directrice",
            "Rénovation énergétique des bâtiments publics.",
            &["Énergie"],
            "association",
            &["conduire-un-projet"],
            &["financer", "mobiliser-les-acteurs"],
            &["76"],
            &["31", "81"],
            false,
            "martin sophie",
        ),
        member(
            4,
            "Martine Roux",
            "Mairie de Die",
            "Maire adjointe",
            "Mobilités douces et alimentation locale.",
            &["Mobilité"],
            "collectivite",
            &["animer-un-reseau"],
            &["mobiliser-les-acteurs"],
            &["84"],
            &["26"],
            true,
            "roux martine",
        ),
        member(
            5,
            "Élodie Besson",
            "Réseau des économes de flux",
            "Économe de flux",
            "Suivi des consommations des bâtiments.",
            &[],
            "association",
            &["conseiller"],
            &[],
            &["27"],
            &["21"],
            true,
            // Not folded: the index folds it (« É » would sort after « z » otherwise).
            "Besson Élodie",
        ),
        member(
            6,
            "Paul Girard",
            "Lycée agricole de Nyons",
            "Enseignant",
            "Travaille avec Martine Roux sur les cantines.",
            &[],
            "enseignement",
            &["former"],
            &[],
            &["84"],
            &["26"],
            true,
            // Empty: the folded name (« paul girard ») is used.
            "",
        ),
        member(
            7,
            "Yves Tanguy",
            "Pays de Brest",
            "Animateur",
            "",
            &[],
            "collectivite",
            &["animer-un-reseau"],
            &[],
            &["53"],
            &["29"],
            true,
            "tanguy yves",
        ),
    ]
}

fn index() -> MemberIndex {
    let index = MemberIndex::in_memory().unwrap();
    index.rebuild(&network()).unwrap();
    index
}

fn text(t: &str) -> MemberQuery {
    MemberQuery {
        text: t.into(),
        ..MemberQuery::default()
    }
}

fn private(mut q: MemberQuery) -> MemberQuery {
    q.include_private = true;
    q
}

fn ids(index: &MemberIndex, q: &MemberQuery) -> Vec<i64> {
    let r = index.search(q).unwrap();
    assert_eq!(r.total as usize, r.ids.len(), "one page expected for {q:?}");
    r.ids
}

fn id_set(index: &MemberIndex, q: &MemberQuery) -> BTreeSet<i64> {
    ids(index, q).into_iter().collect()
}

fn set(values: &[i64]) -> BTreeSet<i64> {
    values.iter().copied().collect()
}

fn count(facet: &[(String, u64)], value: &str) -> Option<u64> {
    facet.iter().find(|(v, _)| v == value).map(|(_, c)| *c)
}

// --- Analyse française -------------------------------------------------------------------------

#[test]
fn accents_are_folded_econome_finds_economie() {
    let index = index();
    // « econome » and « économie » share the stem « econom »: the bio and themes of 1, the
    // organisation and role of 5.
    assert_eq!(id_set(&index, &text("econome")), set(&[1, 5]));
    assert_eq!(id_set(&index, &text("ÉCONOMIE")), set(&[1, 5]));
}

#[test]
fn stemming_joins_accompagnatrice_and_accompagnement() {
    let index = index();
    // Snowball French: « accompagnatrice », « accompagnement », « accompagne » → « accompagn ».
    assert_eq!(id_set(&index, &text("accompagnatrice")), set(&[1, 2]));
}

#[test]
fn plural_and_singular_match() {
    let index = index();
    assert_eq!(id_set(&index, &text("mobilites")), set(&[4]));
    assert_eq!(id_set(&index, &text("mobilité")), set(&[4]));
    assert_eq!(id_set(&index, &text("collectivite")), set(&[1]));
    assert_eq!(id_set(&index, &text("bâtiment")), set(&[5]));
    assert_eq!(id_set(&index, &private(text("bâtiment"))), set(&[3, 5]));
}

#[test]
fn elision_is_dropped() {
    let index = index();
    let plain = id_set(&index, &text("agriculture"));
    assert_eq!(plain, set(&[2]));
    assert_eq!(id_set(&index, &text("l'agriculture")), plain);
    assert_eq!(id_set(&index, &text("d’agriculture")), plain);
    // Honest limit: « agricole » is another stem (« agricol »), it does not find « agriculture ».
    assert_eq!(id_set(&index, &text("agricole")), set(&[6]));
}

#[test]
fn one_typo_is_tolerated_in_names() {
    let index = index();
    // « Lefebvre » for « Lefèvre »: accent folded, one letter too many.
    assert_eq!(ids(&index, &text("Lefebvre")), vec![2]);
}

#[test]
fn stop_words_only_find_nothing_and_punctuation_lists_everything() {
    let index = index();
    let r = index.search(&text("de la")).unwrap();
    assert_eq!((r.total, r.ids.len()), (0, 0));
    let r = index.search(&text(" !!! — ")).unwrap();
    assert_eq!(r.total, 6, "punctuation only: every public member");
}

// --- Champs et classement ----------------------------------------------------------------------

#[test]
fn organisation_is_searched() {
    let index = index();
    assert_eq!(ids(&index, &text("Pays de Gex"))[0], 1);
    assert_eq!(ids(&index, &text("chambre agriculture"))[0], 2);
    // « Pays » alone: both organisations named « Pays de … ».
    assert_eq!(id_set(&index, &text("pays")), set(&[1, 7]));
}

#[test]
fn role_and_themes_are_searched() {
    let index = index();
    assert_eq!(id_set(&index, &text("enseignant")), set(&[6]));
    assert_eq!(id_set(&index, &text("alimentation")), set(&[2, 4]));
}

#[test]
fn name_ranks_above_bio() {
    let index = index();
    // 4 is named Roux; 6 mentions her in his bio.
    assert_eq!(ids(&index, &text("roux")), vec![4, 6]);
}

#[test]
fn exact_name_ranks_first_and_private_profile_needs_include_private() {
    let index = index();
    // « Martin » and « Martine » share the stem « martin »; the exact form scores higher.
    assert_eq!(ids(&index, &private(text("Martin"))), vec![3, 4, 6]);
    // 3 is members-only: hidden from visitors.
    assert_eq!(ids(&index, &text("Martin")), vec![4, 6]);
}

#[test]
fn members_matching_more_words_come_first() {
    let index = index();
    let found = ids(&index, &text("Martine Roux cantines"));
    assert_eq!(found, vec![6, 4], "6 has all three words, 4 two");
}

#[test]
fn equal_scores_are_ordered_by_sort_name() {
    let index = MemberIndex::in_memory().unwrap();
    let same = |id: i64, name: &str| {
        member(
            id,
            name,
            "",
            "",
            "Animatrice territoriale",
            &[],
            "",
            &[],
            &[],
            &[],
            &[],
            true,
            name,
        )
    };
    index
        .rebuild(&[same(10, "Zoé"), same(11, "Bruno"), same(12, "Anne")])
        .unwrap();
    // In another segment too.
    index.upsert(&same(13, "Camille")).unwrap();
    assert_eq!(ids(&index, &text("animatrice")), vec![12, 11, 13, 10]);
}

// --- Visibilité --------------------------------------------------------------------------------

#[test]
fn private_profiles_are_hidden_unless_asked() {
    let index = index();
    assert_eq!(index.len(), 7);
    let public = index.search(&MemberQuery::default()).unwrap();
    assert_eq!(public.total, 6);
    assert!(!public.ids.contains(&3));
    assert_eq!(count(&public.facets.regions, "76"), None);
    let all = index.search(&private(MemberQuery::default())).unwrap();
    assert_eq!(all.total, 7);
    assert!(all.ids.contains(&3));
    assert_eq!(count(&all.facets.regions, "76"), Some(1));
    // Text only in the private profile.
    assert_eq!(index.search(&text("rénovation")).unwrap().total, 0);
    assert_eq!(ids(&index, &private(text("rénovation"))), vec![3]);
}

// --- Filtres ---------------------------------------------------------------------------------

#[test]
fn each_filter() {
    let index = index();
    let q = |f: &dyn Fn(&mut MemberQuery)| {
        let mut q = MemberQuery::default();
        f(&mut q);
        q
    };
    assert_eq!(
        id_set(&index, &q(&|q| q.family = Some("collectivite".into()))),
        set(&[1, 4, 7])
    );
    assert_eq!(
        id_set(&index, &q(&|q| q.activity = Some("conseiller".into()))),
        set(&[2, 5])
    );
    assert_eq!(
        id_set(&index, &q(&|q| q.lever = Some("financer".into()))),
        set(&[2])
    );
    assert_eq!(
        id_set(
            &index,
            &q(&|q| {
                q.lever = Some("financer".into());
                q.include_private = true;
            })
        ),
        set(&[2, 3])
    );
    assert_eq!(
        id_set(&index, &q(&|q| q.region = Some("84".into()))),
        set(&[1, 2, 4, 6])
    );
    assert_eq!(
        id_set(&index, &q(&|q| q.department = Some("26".into()))),
        set(&[2, 4, 6])
    );
    // A second value of a multi-valued field matches too.
    assert_eq!(
        id_set(
            &index,
            &q(&|q| {
                q.department = Some("81".into());
                q.include_private = true;
            })
        ),
        set(&[3])
    );
    // Exact values: no stemming, no partial match.
    assert_eq!(
        index
            .search(&q(&|q| q.family = Some("collectivites".into())))
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        index
            .search(&q(&|q| q.department = Some("2".into())))
            .unwrap()
            .total,
        0
    );
    // An empty value is no filter.
    assert_eq!(
        index
            .search(&q(&|q| q.region = Some(" ".into())))
            .unwrap()
            .total,
        6
    );
}

#[test]
fn filters_combine_with_each_other_and_with_text() {
    let index = index();
    let mut q = MemberQuery {
        region: Some("84".into()),
        activity: Some("animer-un-reseau".into()),
        ..MemberQuery::default()
    };
    assert_eq!(id_set(&index, &q), set(&[1, 4]));
    q.department = Some("26".into());
    assert_eq!(id_set(&index, &q), set(&[4]));
    q.family = Some("association".into());
    assert_eq!(id_set(&index, &q), set(&[]));

    let mut q = text("alimentation");
    q.region = Some("84".into());
    assert_eq!(id_set(&index, &q), set(&[2, 4]));
    q.family = Some("collectivite".into());
    assert_eq!(ids(&index, &q), vec![4]);
    q.text = "biologique".into();
    assert_eq!(ids(&index, &q), Vec::<i64>::new());
}

// --- Facettes ----------------------------------------------------------------------------------

#[test]
fn facets_count_all_matching_members_after_filters() {
    let index = index();
    let r = index.search(&MemberQuery::default()).unwrap();
    assert_eq!(
        r.facets.families,
        vec![
            ("collectivite".to_string(), 3),
            ("association".to_string(), 1),
            ("chambre-consulaire".to_string(), 1),
            ("enseignement".to_string(), 1),
        ]
    );
    assert_eq!(
        r.facets.activities,
        vec![
            ("animer-un-reseau".to_string(), 3),
            ("conseiller".to_string(), 2),
            ("conduire-un-projet".to_string(), 1),
            ("former".to_string(), 1),
        ]
    );
    assert_eq!(
        r.facets.levers,
        vec![
            ("mobiliser-les-acteurs".to_string(), 2),
            ("financer".to_string(), 1),
        ]
    );
    assert_eq!(
        r.facets.regions,
        vec![
            ("84".to_string(), 4),
            ("27".to_string(), 1),
            ("53".to_string(), 1),
        ]
    );

    // With text and include_private.
    let r = index.search(&private(text("bâtiments"))).unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(count(&r.facets.families, "association"), Some(2));

    // After the filters: a family filter leaves only that family, and narrows the others.
    let r = index
        .search(&MemberQuery {
            family: Some("collectivite".into()),
            ..MemberQuery::default()
        })
        .unwrap();
    assert_eq!(r.total, 3);
    assert_eq!(r.facets.families, vec![("collectivite".to_string(), 3)]);
    assert_eq!(
        r.facets.regions,
        vec![("84".to_string(), 2), ("53".to_string(), 1)]
    );
    assert_eq!(
        r.facets.levers,
        vec![("mobiliser-les-acteurs".to_string(), 2)]
    );
}

#[test]
fn repeated_values_count_once() {
    let index = MemberIndex::in_memory().unwrap();
    let mut m = network().remove(0);
    m.regions = strings(&["84", "84", " 84 "]);
    index.upsert(&m).unwrap();
    let r = index.search(&MemberQuery::default()).unwrap();
    assert_eq!(r.facets.regions, vec![("84".to_string(), 1)]);
}

// --- Ordre, pagination -------------------------------------------------------------------------

#[test]
fn no_text_lists_alphabetically() {
    let index = index();
    // besson, dubois, lefevre, « paul girard » (the folded name), roux, tanguy.
    assert_eq!(ids(&index, &MemberQuery::default()), vec![5, 1, 2, 6, 4, 7]);
    assert_eq!(
        ids(&index, &private(MemberQuery::default())),
        vec![5, 1, 2, 3, 6, 4, 7]
    );
}

fn many(n: i64) -> Vec<MemberDoc> {
    (1..=n)
        .map(|i| {
            member(
                i,
                &format!("Membre {i:03}"),
                "Collectif",
                "",
                "Animation territoriale",
                &[],
                "association",
                &[],
                &[],
                &[],
                &[],
                true,
                // Reverse of the ids, to tell the order from the insertion.
                &format!("membre {:03}", 1000 - i),
            )
        })
        .collect()
}

#[test]
fn pagination_and_total() {
    let index = MemberIndex::in_memory().unwrap();
    index.rebuild(&many(45)).unwrap();
    let page = |text: &str, page: u32, per_page: u32| -> MemberResults {
        index
            .search(&MemberQuery {
                text: text.into(),
                page,
                per_page,
                ..MemberQuery::default()
            })
            .unwrap()
    };
    for t in ["", "animation"] {
        let p1 = page(t, 1, 20);
        let p2 = page(t, 2, 20);
        let p3 = page(t, 3, 20);
        assert_eq!((p1.total, p2.total, p3.total), (45, 45, 45));
        assert_eq!((p1.ids.len(), p2.ids.len(), p3.ids.len()), (20, 20, 5));
        let all: Vec<i64> = [p1.ids, p2.ids, p3.ids].concat();
        // Alphabetical (the sort names run backwards), also as the tie-break of equal scores.
        assert_eq!(all, (1..=45).rev().collect::<Vec<i64>>(), "text {t:?}");
        assert!(page(t, 4, 20).ids.is_empty());
        assert_eq!(page(t, 4, 20).total, 45);
        // Page 0 is page 1; per_page 0 is the default.
        assert_eq!(page(t, 0, 20).ids, page(t, 1, 20).ids);
        assert_eq!(page(t, 1, 0).ids.len(), DEFAULT_PER_PAGE as usize);
    }
    let index = MemberIndex::in_memory().unwrap();
    index.rebuild(&many(150)).unwrap();
    let r = index
        .search(&MemberQuery {
            per_page: 10_000,
            ..MemberQuery::default()
        })
        .unwrap();
    assert_eq!((r.total, r.ids.len()), (150, MAX_PER_PAGE as usize));
    // Absurd pages do not fail.
    let r = index
        .search(&MemberQuery {
            page: u32::MAX,
            per_page: u32::MAX,
            ..MemberQuery::default()
        })
        .unwrap();
    assert_eq!((r.total, r.ids.len()), (150, 0));
}

#[test]
fn long_or_odd_text_never_fails() {
    let index = index();
    let long = "économie ".repeat(2_000);
    assert_eq!(id_set(&index, &text(&long)), set(&[1, 5]));
    for odd in [
        "name:\"Dubois\" AND (",
        "*",
        "Dub*",
        "\u{0}\u{202e}",
        "-roux +martine",
    ] {
        index.search(&text(odd)).unwrap();
    }
    // Query syntax is plain text: « -roux +martine » is the words roux and martine.
    assert_eq!(ids(&index, &text("-roux +martine"))[0], 4);
}

// --- Écritures ---------------------------------------------------------------------------------

#[test]
fn remove_is_effective_at_once() {
    let index = index();
    index.remove(2).unwrap();
    assert_eq!(index.len(), 6);
    assert_eq!(index.search(&text("agriculture")).unwrap().total, 0);
    assert!(!ids(&index, &MemberQuery::default()).contains(&2));
    // Removing an unknown id is no error.
    index.remove(999).unwrap();
    assert_eq!(index.len(), 6);
}

#[test]
fn upsert_replaces_without_duplicate() {
    let index = index();
    let mut m = network().remove(3);
    assert_eq!(m.id, 4);
    m.organisation = "Mairie de Saillans".into();
    index.upsert(&m).unwrap();
    assert_eq!(index.len(), 7);
    assert_eq!(ids(&index, &text("Saillans")), vec![4]);
    assert_eq!(ids(&index, &text("Die")), Vec::<i64>::new());
    assert_eq!(
        ids(&index, &text("Martine"))
            .iter()
            .filter(|&&i| i == 4)
            .count(),
        1
    );
    // Becoming members-only hides her at once.
    m.public = false;
    index.upsert(&m).unwrap();
    assert_eq!(ids(&index, &text("Saillans")), Vec::<i64>::new());
    assert_eq!(ids(&index, &private(text("Saillans"))), vec![4]);
    // A new member.
    let mut new = m.clone();
    new.id = 8;
    new.name = "Nora Vidal".into();
    new.sort_name = "vidal nora".into();
    new.public = true;
    index.upsert(&new).unwrap();
    assert_eq!(index.len(), 8);
    assert_eq!(ids(&index, &text("vidal")), vec![8]);
}

#[test]
fn rebuild_replaces_everything_and_keeps_the_last_of_an_id() {
    let index = index();
    let mut docs = network();
    docs.truncate(2);
    let mut again = docs[0].clone();
    again.name = "Claire Dubois-Morel".into();
    docs.push(again);
    index.rebuild(&docs).unwrap();
    assert_eq!(index.len(), 2);
    assert_eq!(ids(&index, &text("morel")), vec![1]);
    index.rebuild(&[]).unwrap();
    assert!(index.is_empty());
}

#[test]
fn concurrent_writes_and_reads() {
    let index = Arc::new(MemberIndex::in_memory().unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let index = index.clone();
            std::thread::spawn(move || {
                for i in 0..5 {
                    let mut m = many(1).remove(0);
                    m.id = t * 100 + i;
                    index.upsert(&m).unwrap();
                    index.search(&text("animation")).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(index.len(), 20);
    assert_eq!(index.search(&text("animation")).unwrap().total, 20);
}

// --- Index dans un dossier ---------------------------------------------------------------------

#[test]
fn a_directory_index_keeps_its_members() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("members");
    {
        let index = MemberIndex::open(&path).unwrap();
        assert!(index.is_empty());
        index.rebuild(&network()).unwrap();
        // Writes on disk are visible at once too.
        index.remove(7).unwrap();
        assert_eq!(index.search(&text("Brest")).unwrap().total, 0);
        let mut m = network().remove(0);
        m.bio = "Spécialiste des mobilités rurales.".into();
        index.upsert(&m).unwrap();
        assert_eq!(id_set(&index, &text("mobilite")), set(&[1, 4]));
    }
    let index = MemberIndex::open(&path).unwrap();
    assert_eq!(index.len(), 6);
    assert_eq!(id_set(&index, &text("mobilite")), set(&[1, 4]));
    assert_eq!(ids(&index, &private(text("Martin")))[0], 3);
    assert_eq!(ids(&index, &MemberQuery::default()), vec![5, 1, 2, 6, 4]);
}

#[test]
fn a_foreign_directory_is_refused_and_another_version_is_wiped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "à garder").unwrap();
    assert!(matches!(
        MemberIndex::open(dir.path()),
        Err(SearchError::NotAnIndex(_))
    ));
    assert!(dir.path().join("notes.txt").exists());

    // The resource index's directory is not taken over either.
    let resources = tempfile::tempdir().unwrap();
    drop(catalyse_search::SearchIndex::open(resources.path()).unwrap());
    assert!(matches!(
        MemberIndex::open(resources.path()),
        Err(SearchError::NotAnIndex(_))
    ));
    catalyse_search::SearchIndex::open(resources.path()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    {
        let index = MemberIndex::open(dir.path()).unwrap();
        index.rebuild(&network()).unwrap();
    }
    std::fs::write(dir.path().join("catalyse-members-version"), "0\n").unwrap();
    let index = MemberIndex::open(dir.path()).unwrap();
    assert!(index.is_empty(), "an index of another version is wiped");
    index.rebuild(&network()).unwrap();
    assert_eq!(index.len(), 7);
}

// --- Sans texte ni filtre : la liste gardée ------------------------------------------------------

/// FIXTURES DE TEST : `n` membres générés (noms tirés d'une petite liste, donc des égalités de
/// noms de tri, des noms accentués, des noms vides), un sur cinq visible des seuls membres.
fn generated(n: i64, seed: u64) -> Vec<MemberDoc> {
    const NAMES: [&str; 9] = [
        "Anne Petit",
        "Élise Durand",
        "Eric Durand",
        "Zoé Marchand",
        "bruno Lambert",
        "Œdipe Roi",
        "Anne Petit",
        "",
        "  ",
    ];
    const FAMILIES: [&str; 4] = ["collectivite", "association", "entreprise", ""];
    const ACTIVITIES: [&str; 3] = ["animer-un-reseau", "conseiller", "former"];
    const REGIONS: [&str; 5] = ["84", "76", "53", "11", "27"];
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut next = move |m: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % m
    };
    (1..=n)
        .map(|i| {
            // Ids not in insertion order.
            let id = (i * 7919) % 100_003;
            let name = NAMES[next(NAMES.len())];
            let sort_name = match next(4) {
                0 => String::new(),
                1 => name.to_uppercase(),
                _ => name.to_string(),
            };
            let activities: Vec<&str> = (0..next(3))
                .map(|_| ACTIVITIES[next(ACTIVITIES.len())])
                .collect();
            let regions: Vec<&str> = (0..next(3)).map(|_| REGIONS[next(REGIONS.len())]).collect();
            member(
                id,
                name,
                "Collectif",
                "",
                "Animation territoriale",
                &[],
                FAMILIES[next(FAMILIES.len())],
                &activities,
                &[],
                &regions,
                &[],
                next(5) != 0,
                &sort_name,
            )
        })
        .collect()
}

/// The order of a search without text, computed here: the folded sort name (the folded name
/// when empty; none last), then the id.
fn expected_order(docs: &[MemberDoc], include_private: bool) -> Vec<i64> {
    let mut keys: Vec<(Option<String>, i64)> = docs
        .iter()
        .filter(|d| include_private || d.public)
        .map(|d| {
            let mut key = catalyse_core::text::fold(&d.sort_name);
            if key.is_empty() {
                key = catalyse_core::text::fold(&d.name);
            }
            ((!key.is_empty()).then_some(key), d.id)
        })
        .collect();
    keys.sort_by(|a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => x.cmp(y).then(a.1.cmp(&b.1)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.1.cmp(&b.1),
    });
    keys.into_iter().map(|(_, id)| id).collect()
}

/// Every page of the list, through `search`, compared with the general search; returns the
/// ids of all pages in order.
fn browse_everything(index: &MemberIndex, include_private: bool) -> Vec<i64> {
    let base = MemberQuery {
        include_private,
        ..MemberQuery::default()
    };
    let whole = index.search_uncached(&base).unwrap();
    let mut all = Vec::new();
    for per_page in [0, 1, 7, 20, MAX_PER_PAGE, u32::MAX] {
        let size = match per_page {
            0 => DEFAULT_PER_PAGE,
            n => n.min(MAX_PER_PAGE),
        };
        let last = (whole.total as u32).div_ceil(size);
        // Every page of 100; the first and last ones of the others.
        let pages: Vec<u32> = if size == MAX_PER_PAGE {
            (0..=last + 1).collect()
        } else {
            [0, 1, 2, 3, last.saturating_sub(1), last, last + 1, last + 5].into()
        };
        for page in pages {
            let q = MemberQuery {
                page,
                per_page,
                ..base.clone()
            };
            let fast = index.search(&q).unwrap();
            assert_eq!(fast, index.search_uncached(&q).unwrap(), "{q:?}");
            assert_eq!(fast.total, whole.total);
            assert_eq!(fast.facets, whole.facets);
            if per_page == MAX_PER_PAGE && page >= 1 {
                all.extend(fast.ids);
            }
        }
    }
    // Absurd pages.
    for (page, per_page) in [(u32::MAX, 20), (u32::MAX, u32::MAX), (1_000_000, 100)] {
        let q = MemberQuery {
            page,
            per_page,
            ..base.clone()
        };
        assert_eq!(
            index.search(&q).unwrap(),
            index.search_uncached(&q).unwrap()
        );
    }
    // Without facets: the same page, no facets, on both paths.
    let q = MemberQuery {
        per_page: 50,
        skip_facets: true,
        ..base.clone()
    };
    let fast = index.search(&q).unwrap();
    assert_eq!(fast, index.search_uncached(&q).unwrap());
    assert_eq!(fast.facets, MemberFacets::default());
    assert_eq!(fast.total, whole.total);
    assert_eq!(fast.ids, all[..50.min(all.len())]);
    all
}

#[test]
fn browsing_is_the_general_search_sliced() {
    let docs = generated(400, 1);
    let index = MemberIndex::in_memory().unwrap();
    index.rebuild(&docs).unwrap();
    for include_private in [false, true] {
        let all = browse_everything(&index, include_private);
        assert_eq!(all, expected_order(&docs, include_private));
    }
    let public = index.search(&MemberQuery::default()).unwrap();
    let everyone = index.search(&private(MemberQuery::default())).unwrap();
    assert!(public.total < everyone.total);
    assert_eq!(everyone.total, 400);
    // Members without a sort name come last.
    let last = expected_order(&docs, true).pop().unwrap();
    assert!(docs
        .iter()
        .any(|d| d.id == last && d.name.trim().is_empty() && d.sort_name.is_empty()));
}

#[test]
fn browsing_spans_segments_and_follows_every_change() {
    let mut docs = generated(300, 2);
    let index = MemberIndex::in_memory().unwrap();
    index.rebuild(&docs).unwrap();
    let before = index.search(&MemberQuery::default()).unwrap();
    assert_eq!(browse_everything(&index, true), expected_order(&docs, true));

    // Writes, each in a segment of its own: names equal to others', between others, none.
    let mut changes = generated(40, 3);
    for (n, doc) in changes.iter_mut().enumerate() {
        if n % 3 == 0 {
            // A new member.
            doc.id = 200_000 + n as i64;
        } else {
            // Another version of a member already there (its old one is deleted).
            doc.id = docs[n * 5].id;
        }
        index.upsert(doc).unwrap();
        match docs.iter_mut().find(|d| d.id == doc.id) {
            Some(d) => *d = doc.clone(),
            None => docs.push(doc.clone()),
        }
        if n % 10 == 0 {
            // The new state is answered at once, never the kept list of the one before.
            for include_private in [false, true] {
                assert_eq!(
                    browse_everything(&index, include_private),
                    expected_order(&docs, include_private),
                    "after change {n}"
                );
            }
        }
    }
    // Removals.
    for id in [docs[0].id, docs[17].id, 424_242] {
        index.remove(id).unwrap();
        docs.retain(|d| d.id != id);
        let r = index.search(&private(MemberQuery::default())).unwrap();
        assert_eq!(r.total as usize, docs.len());
    }
    for include_private in [false, true] {
        assert_eq!(
            browse_everything(&index, include_private),
            expected_order(&docs, include_private)
        );
    }
    let after = index.search(&MemberQuery::default()).unwrap();
    assert_ne!(before, after);

    // A member becoming members-only leaves the public list at once.
    let mut m = docs
        .iter()
        .find(|d| d.public)
        .cloned()
        .expect("a public member");
    let public_before = index.search(&MemberQuery::default()).unwrap().total;
    m.public = false;
    index.upsert(&m).unwrap();
    let public_after = index.search(&MemberQuery::default()).unwrap();
    assert_eq!(public_after.total, public_before - 1);
    assert_eq!(
        public_after,
        index.search_uncached(&MemberQuery::default()).unwrap()
    );

    // A whole rebuild too.
    let docs = generated(120, 4);
    index.rebuild(&docs).unwrap();
    assert_eq!(
        browse_everything(&index, false),
        expected_order(&docs, false)
    );
}

#[test]
fn text_or_filters_do_not_use_the_list() {
    let docs = generated(200, 5);
    let index = MemberIndex::in_memory().unwrap();
    index.rebuild(&docs).unwrap();
    // The list is kept…
    index.search(&MemberQuery::default()).unwrap();
    for q in [
        text("durand"),
        text("de la"),
        MemberQuery {
            family: Some("association".into()),
            ..MemberQuery::default()
        },
        MemberQuery {
            region: Some("84".into()),
            include_private: true,
            ..MemberQuery::default()
        },
        // …punctuation only or blank filters are browsing: the list again.
        text(" !!! "),
        MemberQuery {
            region: Some(" ".into()),
            family: Some(String::new()),
            ..MemberQuery::default()
        },
    ] {
        let r = index.search(&q).unwrap();
        assert_eq!(r, index.search_uncached(&q).unwrap(), "{q:?}");
        // Without facets: the same ids and total.
        let bare = index
            .search(&MemberQuery {
                skip_facets: true,
                ..q.clone()
            })
            .unwrap();
        assert_eq!((bare.total, &bare.ids), (r.total, &r.ids), "{q:?}");
        assert_eq!(bare.facets, MemberFacets::default());
    }
}

#[test]
fn many_readers_at_once_get_one_list() {
    let docs = generated(300, 6);
    let index = Arc::new(MemberIndex::in_memory().unwrap());
    index.rebuild(&docs).unwrap();
    let expected = index
        .search_uncached(&private(MemberQuery::default()))
        .unwrap();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let index = index.clone();
            std::thread::spawn(move || index.search(&private(MemberQuery::default())).unwrap())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), expected);
    }
}
