//! Qualité de la recherche sur le vrai kit (37 documents de `data/reference/kit.toml`, titres
//! seulement), plus quelques ressources de test écrites ici (marquées « FIXTURE DE TEST »).

use std::collections::{BTreeMap, HashSet};

use catalyse_core::resource::{Kit, Nature, Resource, ResourceFields, ResourceState};
use catalyse_search::{SearchIndex, SearchQuery, SearchResults, Sort};

/// Les 37 documents du kit : id = rang + 1, publiés.
fn kit() -> Vec<Resource> {
    Kit::shipped()
        .expect("kit.toml")
        .resource
        .iter()
        .enumerate()
        .map(|(i, entry)| resource(i as i64 + 1, entry.fields()))
        .collect()
}

fn base() -> chrono::DateTime<chrono::Utc> {
    "2024-01-01T00:00:00Z".parse().unwrap()
}

fn resource(id: i64, fields: ResourceFields) -> Resource {
    Resource {
        id,
        fields,
        state: ResourceState::Published,
        file: None,
        created_at: base(),
        updated_at: base(),
        published_at: Some(base() + chrono::Duration::seconds(id % 60)),
    }
}

/// FIXTURE DE TEST : ressources inventées pour ces tests, avec un résumé.
fn fixtures() -> Vec<Resource> {
    let base = |slug: &str, title: &str, summary: &str, body: &str| ResourceFields {
        slug: slug.into(),
        title: title.into(),
        summary: summary.into(),
        body: body.into(),
        nature: Nature::BoiteAOutils,
        subgroup: "fiches-outil".into(),
        levers: vec!["definir-sa-strategie".into()],
        themes: vec!["Gouvernance locale".into()],
        authors: vec!["Commune de Test".into()],
        year: Some(2021),
        format: "PDF".into(),
        language: "fr".into(),
        licence: "CC BY 4.0".into(),
        url: None,
        is_example: true,
    };
    vec![
        resource(
            101,
            base(
                "fixture-conseil-municipal",
                "Associer le conseil municipal à une démarche de territoire",
                "Comment présenter la démarche aux élus d'une petite commune et obtenir une \
                 délibération du conseil municipal.",
                "## Étapes\n\nPréparer une **note de synthèse**, puis [inviter les élus](https://exemple.fr).",
            ),
        ),
        resource(
            102,
            base(
                "fixture-balise-script",
                "<script>alert('x')</script> Tableau de bord des partenariats",
                "Un tableau de bord pour suivre les partenariats & leurs résultats.",
                "",
            ),
        ),
    ]
}

struct Kit37 {
    index: SearchIndex,
    slugs: BTreeMap<i64, String>,
}

impl Kit37 {
    fn new() -> Kit37 {
        Self::with(kit())
    }

    fn with_fixtures() -> Kit37 {
        let mut all = kit();
        all.extend(fixtures());
        Self::with(all)
    }

    fn with(resources: Vec<Resource>) -> Kit37 {
        let index = SearchIndex::in_memory().expect("index");
        index.rebuild(&resources).expect("rebuild");
        let slugs = resources.iter().map(|r| (r.id, r.slug.clone())).collect();
        Kit37 { index, slugs }
    }

    fn search(&self, q: &SearchQuery) -> SearchResults {
        self.index.search(q).expect("search")
    }

    /// Les slugs des premiers résultats.
    fn top(&self, text: &str) -> Vec<String> {
        let r = self.search(&SearchQuery {
            text: text.into(),
            ..Default::default()
        });
        r.hits.iter().map(|h| self.slugs[&h.id].clone()).collect()
    }

    fn assert_first(&self, text: &str, slug: &str) {
        let top = self.top(text);
        assert_eq!(
            top.first().map(String::as_str),
            Some(slug),
            "« {text} » → {top:#?}"
        );
    }

    fn assert_in_top(&self, text: &str, n: usize, slug: &str) {
        let top = self.top(text);
        assert!(
            top.iter().take(n).any(|s| s == slug),
            "« {text} » : {slug} pas dans les {n} premiers → {top:#?}"
        );
    }
}

#[test]
fn evaluer_un_partenariat() {
    let k = Kit37::new();
    k.assert_first(
        "évaluer un partenariat",
        "evaluer-l-utilite-societale-des-partenariats",
    );
    k.assert_first(
        "evaluer partenariats",
        "evaluer-l-utilite-societale-des-partenariats",
    );
    k.assert_first(
        "Évaluer le partenariat",
        "evaluer-l-utilite-societale-des-partenariats",
    );
    // L'autre document sur l'évaluation des partenariats suit de près.
    k.assert_in_top(
        "évaluer un partenariat",
        3,
        "check-list-evaluation-des-partenariats",
    );
}

#[test]
fn etude_territoriale_sans_accents() {
    let k = Kit37::new();
    k.assert_in_top("etude territoriale", 3, "realiser-une-etude-territoriale");
    k.assert_in_top("Étude territoriale", 3, "realiser-une-etude-territoriale");
    k.assert_in_top("ETUDES TERRITORIALES", 3, "realiser-une-etude-territoriale");
    k.assert_first(
        "réaliser une étude territoriale",
        "realiser-une-etude-territoriale",
    );
}

#[test]
fn fautes_de_frappe() {
    let k = Kit37::new();
    k.assert_in_top("etude territorialle", 3, "realiser-une-etude-territoriale");
    k.assert_in_top(
        "etudes territorialles",
        3,
        "realiser-une-etude-territoriale",
    );
    let top = k.top("experimentation colective");
    let expected = [
        "lancer-et-piloter-une-experimentation-collective",
        "demarche-mise-en-place-experimentation-collective",
    ];
    assert!(
        expected.iter().all(|e| top.iter().take(2).any(|s| s == e)),
        "{top:#?}"
    );
    k.assert_first("accompagner le parteneriat", "accompagner-le-partenariat");
    k.assert_first("accompagner le partenairat", "accompagner-le-partenariat");
    // Une faute trouve les mêmes documents que le mot juste.
    let mut typo = k.top("parteneriats");
    let mut right = k.top("partenariats");
    typo.sort();
    right.sort();
    assert_eq!(typo, right);
    assert_eq!(typo.len(), 10);
    // Les mots courts ne tolèrent pas de faute : « note » ne trouve pas « nord ».
    assert!(!k
        .top("nore")
        .iter()
        .any(|s| s == "etude-territoriale-region-nord"));
}

#[test]
fn elision() {
    let k = Kit37::new();
    k.assert_first("l'intérêt général", "rapport-interet-general-en-france");
    k.assert_first("l’intérêt général", "rapport-interet-general-en-france");
    k.assert_first("interet general", "rapport-interet-general-en-france");
    k.assert_first(
        "d'animation territoriale",
        "benchmark-modeles-animation-territoriale",
    );
}

#[test]
fn pluriel_et_singulier() {
    let k = Kit37::new();
    let singular = k.top("guide pratique");
    let plural = k.top("guides pratiques");
    for top in [&singular, &plural] {
        for slug in [
            "guide-pratique-et-etudes-de-cas-de-partenariats",
            "guide-engagement-associatif-des-salaries",
        ] {
            assert!(top.iter().take(3).any(|s| s == slug), "{slug} : {top:#?}");
        }
    }
    let fr = k.top("les partenariats");
    let fr1 = k.top("partenariat");
    assert_eq!(fr.len(), fr1.len());
}

#[test]
fn mooc() {
    let k = Kit37::new();
    k.assert_first(
        "MOOC alliances",
        "mooc-les-alliances-qui-changent-les-territoires",
    );
    k.assert_first(
        "mooc partenariats",
        "mooc-les-partenariats-qui-changent-le-monde",
    );
    k.assert_in_top("mooc", 2, "mooc-les-alliances-qui-changent-les-territoires");
}

#[test]
fn plus_de_mots_trouves_passe_devant() {
    let k = Kit37::new();
    // « collective » et « expérimentation » et « territoire » : le document qui a les trois
    // passe devant ceux qui n'en ont qu'un ou deux.
    k.assert_first(
        "expérimentation collective territoire",
        "lancer-et-piloter-une-experimentation-collective",
    );
    k.assert_first(
        "retour experience silver geek",
        "retour-experience-collective-silver-geek",
    );
    k.assert_first(
        "Le RAMEAU MEDEF engagement",
        "guide-engagement-associatif-des-salaries",
    );
}

#[test]
fn saisies_hostiles() {
    let k = Kit37::new();
    let long = "évaluer ".repeat(70);
    let very_long_word = "a".repeat(500);
    for text in [
        "\"(:*-",
        "",
        "   ",
        long.as_str(),
        very_long_word.as_str(),
        "title:partenariat AND (\"guide",
        "*",
        "-partenariat",
        "partenariat~2 +guide^3",
        "\\",
        "le la les de",
        "🙂 évaluer 🙂",
        "<script>alert(1)</script>",
        "'''’’’",
        "\0\u{1}\u{202e}",
    ] {
        let r = k.index.search(&SearchQuery {
            text: text.into(),
            ..Default::default()
        });
        assert!(r.is_ok(), "{text:?}: {r:?}");
    }
    // Sans mot, tout le kit ; avec seulement des mots vides, rien.
    assert_eq!(
        k.search(&SearchQuery {
            text: "\"(:*-".into(),
            ..Default::default()
        })
        .total,
        37
    );
    assert_eq!(k.search(&SearchQuery::default()).total, 37);
    assert_eq!(
        k.search(&SearchQuery {
            text: "le la les de".into(),
            ..Default::default()
        })
        .total,
        0
    );
    // Pages et tailles extrêmes.
    for (page, per_page) in [(0, 0), (u32::MAX, u32::MAX), (1, 1), (2_000_000, 100)] {
        let r = k.index.search(&SearchQuery {
            text: "partenariats".into(),
            page,
            per_page,
            ..Default::default()
        });
        assert!(r.is_ok(), "{page} {per_page}");
    }
    let r = k.search(&SearchQuery {
        year_from: Some(2020),
        year_to: Some(2010),
        ..Default::default()
    });
    assert_eq!(r.total, 0);
    let r = k.search(&SearchQuery {
        subgroups: vec!["\"(:*-".into(), String::new()],
        ..Default::default()
    });
    assert_eq!(r.total, 0);
}

#[test]
fn filtres_et_facettes() {
    let k = Kit37::new();
    let all = kit();
    let lever = "apprendre-a-faire-alliance";

    // Sans texte ni filtre : les comptes du kit.
    let r = k.search(&SearchQuery::default());
    assert_eq!(r.total, 37);
    for n in Nature::ALL {
        let expected = all.iter().filter(|x| x.nature == n).count() as u64;
        assert!(
            r.facets
                .natures
                .contains(&(n.as_str().to_string(), expected)),
            "{n}: {:?}",
            r.facets.natures
        );
    }
    let rameau = all
        .iter()
        .filter(|x| x.authors.iter().any(|a| a == "Le RAMEAU"))
        .count() as u64;
    assert_eq!(r.facets.authors[0], ("Le RAMEAU".to_string(), rameau));
    let mooc = all.iter().filter(|x| x.format == "MOOC").count() as u64;
    assert!(r.facets.formats.contains(&("MOOC".to_string(), mooc)));
    // Tri des facettes : compte décroissant puis clé.
    for list in [
        &r.facets.natures,
        &r.facets.subgroups,
        &r.facets.levers,
        &r.facets.authors,
    ] {
        assert!(list
            .windows(2)
            .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)));
    }
    let years: u64 = r.facets.years.iter().map(|y| y.count).sum();
    assert_eq!(
        years,
        all.iter().filter(|x| x.year.is_some()).count() as u64
    );
    let before_2010 = r
        .facets
        .years
        .iter()
        .find(|y| y.label == "avant 2010")
        .expect("avant 2010");
    assert_eq!(before_2010.count, 3);
    assert_eq!((before_2010.from, before_2010.to), (None, Some(2009)));

    // Nature ET levier.
    let q = SearchQuery {
        natures: vec![Nature::Methode],
        levers: vec![lever.into()],
        per_page: 100,
        ..Default::default()
    };
    let r = k.search(&q);
    let expected: HashSet<i64> = all
        .iter()
        .filter(|x| x.nature == Nature::Methode && x.levers.iter().any(|l| l == lever))
        .map(|x| x.id)
        .collect();
    assert_eq!(r.total, expected.len() as u64);
    assert_eq!(
        r.hits.iter().map(|h| h.id).collect::<HashSet<_>>(),
        expected
    );
    assert_eq!(
        r.facets.natures,
        vec![("methode".to_string(), expected.len() as u64)]
    );
    assert_eq!(
        r.facets.levers,
        vec![(lever.to_string(), expected.len() as u64)]
    );

    // OU dans une facette, ET entre facettes, avec du texte.
    let r = k.search(&SearchQuery {
        text: "partenariats".into(),
        natures: vec![Nature::Methode, Nature::Illustration],
        year_from: Some(2015),
        per_page: 100,
        ..Default::default()
    });
    let expected: HashSet<&str> = [
        "mooc-les-partenariats-qui-changent-le-monde",
        "evaluer-l-utilite-societale-des-partenariats",
    ]
    .into();
    let got: HashSet<&str> = r.hits.iter().map(|h| k.slugs[&h.id].as_str()).collect();
    assert_eq!(got, expected);
    assert_eq!(r.total, 2);
    let subgroups: u64 = r.facets.subgroups.iter().map(|s| s.1).sum();
    assert_eq!(subgroups, 2);

    // Plage d'années bornée des deux côtés.
    let r = k.search(&SearchQuery {
        year_from: Some(2012),
        year_to: Some(2013),
        per_page: 100,
        ..Default::default()
    });
    let expected = all
        .iter()
        .filter(|x| matches!(x.year, Some(2012..=2013)))
        .count() as u64;
    assert_eq!(r.total, expected);
    assert_eq!(r.facets.years.len(), 1);
    assert_eq!(r.facets.years[0].label, "2010–2014");

    // Auteur et format.
    let r = k.search(&SearchQuery {
        authors: vec!["ESSEC".into()],
        formats: vec!["MOOC".into()],
        ..Default::default()
    });
    assert_eq!(r.total, 2);
}

#[test]
fn tri_par_annee() {
    let k = Kit37::new();
    let years = |sort: Sort, text: &str| -> Vec<i32> {
        let r = k.search(&SearchQuery {
            text: text.into(),
            sort,
            per_page: 100,
            ..Default::default()
        });
        let by_id: BTreeMap<i64, Option<i32>> = kit().iter().map(|x| (x.id, x.year)).collect();
        r.hits.iter().map(|h| by_id[&h.id].expect("year")).collect()
    };
    let newest = years(Sort::Newest, "");
    assert_eq!(newest.len(), 37);
    assert!(newest.windows(2).all(|w| w[0] >= w[1]), "{newest:?}");
    assert_eq!(
        newest,
        years(Sort::Relevance, ""),
        "sans texte : les plus récents d'abord"
    );
    let oldest = years(Sort::Oldest, "");
    assert!(oldest.windows(2).all(|w| w[0] <= w[1]), "{oldest:?}");
    assert_eq!(oldest[0], 2008);
    let newest = years(Sort::Newest, "partenariats");
    assert!(newest.len() > 5);
    assert!(newest.windows(2).all(|w| w[0] >= w[1]), "{newest:?}");
}

#[test]
fn pagination() {
    let k = Kit37::new();
    let mut seen = HashSet::new();
    for page in 1..=4 {
        let r = k.search(&SearchQuery {
            page,
            per_page: 10,
            ..Default::default()
        });
        assert_eq!(r.total, 37);
        assert_eq!(r.hits.len(), if page == 4 { 7 } else { 10 });
        for h in r.hits {
            assert!(seen.insert(h.id), "{} deux fois", h.id);
        }
    }
    assert_eq!(seen.len(), 37);
    let r = k.search(&SearchQuery {
        page: 5,
        per_page: 10,
        ..Default::default()
    });
    assert!(r.hits.is_empty());
    assert_eq!(r.total, 37);
    // Avec du texte : les pages suivent l'ordre de pertinence.
    let first = k.search(&SearchQuery {
        text: "partenariats".into(),
        per_page: 3,
        ..Default::default()
    });
    let second = k.search(&SearchQuery {
        text: "partenariats".into(),
        page: 2,
        per_page: 3,
        ..Default::default()
    });
    let all = k.search(&SearchQuery {
        text: "partenariats".into(),
        per_page: 6,
        ..Default::default()
    });
    let ids = |r: &SearchResults| r.hits.iter().map(|h| h.id).collect::<Vec<_>>();
    assert_eq!([ids(&first), ids(&second)].concat(), ids(&all));
}

#[test]
fn ajout_et_retrait_immediats() {
    let k = Kit37::new();
    assert_eq!(k.index.len(), 37);
    let mut new = fixtures().remove(0);
    new.id = 500;
    k.index.upsert(&new).expect("upsert");
    assert_eq!(k.index.len(), 38);
    let top = k
        .index
        .search(&SearchQuery {
            text: "conseil municipal".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(top.hits.first().map(|h| h.id), Some(500));

    // Remplacer : même id, nouveau titre ; l'ancien texte ne le trouve plus.
    new.fields.title = "Délibération type pour les élus".into();
    new.fields.summary = String::new();
    k.index.upsert(&new).expect("upsert");
    assert_eq!(k.index.len(), 38);
    let r = k
        .index
        .search(&SearchQuery {
            text: "conseil municipal".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(r.hits.iter().all(|h| h.id != 500));
    let r = k
        .index
        .search(&SearchQuery {
            text: "délibération".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.hits.first().map(|h| h.id), Some(500));

    k.index.remove(500).expect("remove");
    assert_eq!(k.index.len(), 37);
    let r = k
        .index
        .search(&SearchQuery {
            text: "délibération".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(r.hits.iter().all(|h| h.id != 500));
    k.index.remove(12345).expect("retirer un absent");
    assert_eq!(k.index.len(), 37);
}

#[test]
fn reouverture_du_dossier() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("index");
    {
        let index = SearchIndex::open(&path).expect("open");
        assert!(index.is_empty());
        index.rebuild(&kit()).expect("rebuild");
        assert_eq!(index.len(), 37);
    }
    {
        let index = SearchIndex::open(&path).expect("reopen");
        assert_eq!(index.len(), 37);
        let r = index
            .search(&SearchQuery {
                text: "MOOC alliances".into(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.hits.first().map(|h| h.id), Some(12));
        index.remove(12).expect("remove");
    }
    {
        let index = SearchIndex::open(&path).expect("reopen");
        assert_eq!(index.len(), 36);
    }
    // Une autre version du schéma : l'index est effacé, à reconstruire.
    std::fs::write(path.join("catalyse-search-version"), "0\n").unwrap();
    let index = SearchIndex::open(&path).expect("reopen after version change");
    assert!(index.is_empty());
    // Un dossier qui n'est pas un index n'est pas effacé.
    let other = dir.path().join("autre");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("important.txt"), "ne pas effacer").unwrap();
    assert!(SearchIndex::open(&other).is_err());
    assert!(other.join("important.txt").exists());
}

#[test]
fn surlignage_et_echappement() {
    let k = Kit37::with_fixtures();
    let r = k.search(&SearchQuery {
        text: "évaluer partenariats".into(),
        ..Default::default()
    });
    let first = &r.hits[0];
    assert_eq!(
        k.slugs[&first.id],
        "evaluer-l-utilite-societale-des-partenariats"
    );
    assert_eq!(
        first.title_html,
        "<mark>Évaluer</mark> l&#39;utilité sociétale des <mark>partenariats</mark> (référentiel méthodologique)"
    );
    assert_eq!(first.snippet_html, "", "ni résumé ni corps");

    let r = k.search(&SearchQuery {
        text: "tableau de bord".into(),
        ..Default::default()
    });
    let hit = &r.hits[0];
    assert_eq!(hit.id, 102);
    assert!(!hit.title_html.contains("<script>"), "{}", hit.title_html);
    assert!(
        hit.title_html
            .starts_with("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; <mark>Tableau</mark>"),
        "{}",
        hit.title_html
    );
    assert_eq!(
        hit.snippet_html,
        "Un <mark>tableau</mark> de <mark>bord</mark> pour suivre les partenariats &amp; leurs résultats."
    );

    // Snippet pris dans le corps (Markdown retiré) quand le résumé ne contient pas les mots.
    let r = k.search(&SearchQuery {
        text: "note de synthese".into(),
        ..Default::default()
    });
    let hit = &r.hits[0];
    assert_eq!(hit.id, 101);
    assert!(
        hit.snippet_html
            .contains("<mark>note</mark> de <mark>synthèse</mark>"),
        "{}",
        hit.snippet_html
    );
    assert!(
        !hit.snippet_html.contains("**") && !hit.snippet_html.contains("https"),
        "{}",
        hit.snippet_html
    );

    // Une faute de frappe est surlignée sur le mot trouvé.
    let r = k.search(&SearchQuery {
        text: "tableau de bors".into(),
        ..Default::default()
    });
    assert_eq!(r.hits[0].id, 102);
    // Sans texte : titres échappés, résumé en extrait.
    let r = k.search(&SearchQuery {
        per_page: 100,
        ..Default::default()
    });
    let hit = r.hits.iter().find(|h| h.id == 102).unwrap();
    assert!(!hit.title_html.contains('<'));
    assert!(hit.snippet_html.starts_with("Un tableau de bord"));
}
