//! Qualité de la recherche en français sur les dix besoins des fixtures : pluriel et
//! singulier, accents, une faute de frappe, élision, poids du titre et de la description,
//! organisation et territoire cherchés, extraits surlignés.

use catalyse_core::needs::{Horizon, NeedStatus};
use catalyse_search::{NeedQuery, NeedSort};

use crate::fixtures::{ids, index, needs, search, text};

#[test]
fn pluriel_et_singulier() {
    let index = index();
    // Le besoin 1 dit « la mobilité » dans sa description ; le 7 n'a que la fragilité
    // « mobilite » (comptée un peu, sans valoir un mot trouvé).
    let found = ids(&index, &text("mobilités"));
    assert_eq!(found, vec![1, 7]);
    assert_eq!(ids(&index, &text("Mobilité")), found);
    let r = search(&index, &text("mobilités"));
    assert!(
        r.hits[0].snippet_html.contains("<mark>mobilité</mark>"),
        "{}",
        r.hits[0].snippet_html
    );
    // Le singulier trouve le pluriel du titre, et l'inverse. (« jeune » trouve aussi, après,
    // le collège Jean-Moulin du 8, à une faute près.)
    let jeune = ids(&index, &text("jeune"));
    assert_eq!(jeune[0], 3, "{jeune:?}");
    assert_eq!(ids(&index, &text("jeunes")), jeune);
    assert_eq!(ids(&index, &text("recycleries")), vec![10]);
    // « entreprise » : dans la description du 3 et du 10, l'organisation du 7 ; le 6 n'a que
    // la famille d'acteurs cherchée, il vient en dernier.
    let found = ids(&index, &text("entreprise"));
    assert_eq!(found.len(), 4, "{found:?}");
    assert_eq!(found[3], 6, "{found:?}");
}

#[test]
fn sans_accents_et_en_capitales() {
    let index = index();
    assert_eq!(ids(&index, &text("egalite")), vec![4]);
    assert_eq!(ids(&index, &text("ÉGALITÉ")), vec![4]);
    let r = search(&index, &text("egalite soins"));
    assert!(
        r.hits[0]
            .title_html
            .starts_with("<mark>Égalité</mark> d&#39;accès aux <mark>soins</mark>"),
        "{}",
        r.hits[0].title_html
    );
    assert_eq!(ids(&index, &text("sante")), vec![4]);
    // « numerique » : les « ateliers numériques » du 2, puis le 5 par sa fragilité et son
    // levier (« acces-au-numerique », « accelerer-grace-au-numerique »).
    assert_eq!(ids(&index, &text("numerique")), vec![2, 5]);
    assert_eq!(ids(&index, &text("réparation vélos")), vec![3]);
    assert_eq!(ids(&index, &text("reparation velo")), vec![3]);
}

#[test]
fn une_faute_de_frappe() {
    let index = index();
    // Une lettre en moins dans le suffixe : les racines diffèrent de plus d'une lettre, le mot
    // entier n'en diffère que d'une.
    assert_eq!(ids(&index, &text("vieillisement")), vec![2]);
    assert_eq!(ids(&index, &text("vieillissement")), vec![2]);
    let r = search(&index, &text("vieillisement"));
    assert!(
        r.hits[0]
            .snippet_html
            .contains("<mark>vieillissement</mark>"),
        "{}",
        r.hits[0].snippet_html
    );
    // Une lettre échangée, une en trop.
    assert_eq!(ids(&index, &text("recylcerie")), vec![10]);
    assert_eq!(ids(&index, &text("covoituraage")), vec![7]);
    // Pas de tolérance sous cinq lettres, ni pour deux fautes.
    assert_eq!(ids(&index, &text("velp")), Vec::<i64>::new());
    assert_eq!(ids(&index, &text("covoituraaage")), Vec::<i64>::new());
}

#[test]
fn l_elision_est_retiree() {
    let index = index();
    let isolement = ids(&index, &text("isolement"));
    assert_eq!(isolement[0], 2);
    assert_eq!(ids(&index, &text("l'isolement")), isolement);
    assert_eq!(ids(&index, &text("l’isolement")), isolement);
    assert_eq!(ids(&index, &text("d'emploi")), ids(&index, &text("emploi")));
    // « qu' » et « l' » seuls ne sont rien : que des mots vides, rien ne correspond.
    assert_eq!(search(&index, &text("qu'il l'a")).total, 0);
}

#[test]
fn titre_avant_description_avant_organisation() {
    let index = index();
    // « médecin » : dans le titre du 4, la description du 1.
    let r = search(&index, &text("médecin"));
    assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![4, 1]);
    assert!(r.hits[0].score > r.hits[1].score);
    assert!(r.hits[1].snippet_html.contains("<mark>médecin</mark>"));
    // « centre » : dans le titre du 6, l'organisation du 2.
    let r = search(&index, &text("centre"));
    assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![6, 2]);
    assert!(r.hits[0].score > r.hits[1].score);
    // Plus de mots trouvés d'abord : le 2 a les trois, le 1 deux.
    let found = ids(&index, &text("bénévoles personnes âgées"));
    assert_eq!(found[..2], [2, 1], "{found:?}");
}

#[test]
fn organisation_et_territoire_sont_cherches() {
    let index = index();
    assert_eq!(ids(&index, &text("Liens")), vec![5]);
    assert_eq!(ids(&index, &text("Kreiz-Breizh")), vec![4]);
    assert_eq!(ids(&index, &text("Arques")), vec![7]);
    assert_eq!(ids(&index, &text("Normandie")), vec![10]);
    assert_eq!(ids(&index, &text("Sélestat")), vec![2]);
}

#[test]
fn les_resultats_portent_ce_qu_une_liste_affiche() {
    let index = index();
    let r = search(&index, &text("égalité"));
    let hit = &r.hits[0];
    let doc = &needs()[3];
    assert_eq!(hit.id, 4);
    assert_eq!(hit.slug, "besoin-4");
    assert_eq!(hit.title, doc.title);
    assert_eq!(hit.organisation, "Communauté de communes du Kreiz-Breizh");
    assert_eq!(hit.territory_name, "Kreiz-Breizh");
    assert_eq!(hit.fragility, "sante");
    assert_eq!(hit.levers, ["definir-sa-strategie"]);
    assert_eq!(
        hit.families,
        ["institutions", "collectivites-territoriales"]
    );
    assert_eq!(hit.status, NeedStatus::Ouvert);
    assert_eq!(hit.horizon, Horizon::SansEcheance);
    assert_eq!(hit.published_at, doc.published_at);
    // Les fixtures d'id multiple de 4 sont des données d'exemple.
    assert!(hit.is_example);
    let r = search(&index, &text("vélos"));
    assert!(!r.hits[0].is_example);
    assert_eq!(r.hits[0].status, NeedStatus::Ouvert);
    assert_eq!(r.hits[0].horizon, Horizon::UnAn);
    assert_eq!(
        search(&index, &text("covoiturage")).hits[0].status,
        NeedStatus::Clos
    );
}

#[test]
fn extraits_echappes_et_markdown_retire() {
    let index = index();
    let mut doc = needs()[0].clone();
    doc.id = 50;
    doc.title = "<script>alert('x')</script> Covoiturage & autopartage".into();
    doc.description =
        "Un [lien](https://exemple.fr/autopartage) et <b>du HTML</b> : autopartage.".into();
    index.upsert(&doc).unwrap();
    let r = search(&index, &text("autopartage"));
    assert_eq!(r.hits[0].id, 50);
    let hit = &r.hits[0];
    assert_eq!(
        hit.title_html,
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Covoiturage &amp; <mark>autopartage</mark>"
    );
    assert_eq!(
        hit.snippet_html,
        "Un lien et du HTML : <mark>autopartage</mark>."
    );
    // L'adresse d'un lien n'est pas indexée.
    assert_eq!(ids(&index, &text("exemple")), Vec::<i64>::new());
}

#[test]
fn mots_vides_rien_ponctuation_tout() {
    let index = index();
    assert_eq!(search(&index, &text("les des")).total, 0);
    assert_eq!(search(&index, &text(" ?!… ")).total, 10);
    // Un texte très long ou bizarre ne fait jamais échouer.
    for q in [
        "mobilité ".repeat(500),
        "\"(:*- AND OR NOT title:x".to_string(),
        "é".repeat(5_000),
    ] {
        index
            .search(&NeedQuery {
                q,
                sort: NeedSort::LongestWaiting,
                page: u32::MAX,
                per_page: u32::MAX,
                ..NeedQuery::default()
            })
            .expect("never fails");
    }
}
