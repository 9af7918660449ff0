//! Qualité de la recherche en français sur les douze cas des fixtures : racinisation, accents,
//! une faute de frappe, élision, poids du titre, du résumé et du corps, extraits surlignés.

use catalyse_search::{CaseDoc, CaseQuery, CaseSort};

use crate::fixtures::{cases, ids, index, search, text};

#[test]
fn le_pluriel_mobilites_trouve_mobilite() {
    let index = index();
    let found = ids(&index, &text("mobilités"));
    // Le cas 1 dit « la mobilité » dans son résumé ; le cas 12 n'a que la fragilité
    // « mobilite » (comptée un peu, sans valoir un mot trouvé).
    assert_eq!(found, vec![1, 12]);
    assert_eq!(ids(&index, &text("Mobilité")), found);
    let r = search(&index, &text("mobilités"));
    assert!(
        r.hits[0].snippet_html.contains("<mark>mobilité</mark>"),
        "{}",
        r.hits[0].snippet_html
    );
    // Et dans l'autre sens : le singulier trouve les pluriels (« entreprises »), les titres
    // d'abord.
    let found = ids(&index, &text("entreprise"));
    let mut titles = found[..3].to_vec();
    titles.sort();
    assert_eq!(titles, vec![3, 6, 10], "{found:?}");
    assert!(found.contains(&9), "{found:?}");
}

#[test]
fn sans_accents_egalite_trouve_egalite() {
    let index = index();
    assert_eq!(ids(&index, &text("egalite")), vec![6]);
    assert_eq!(ids(&index, &text("ÉGALITÉ")), vec![6]);
    let r = search(&index, &text("egalite femmes"));
    assert_eq!(r.hits[0].id, 6);
    assert!(
        r.hits[0]
            .title_html
            .starts_with("<mark>Égalité</mark> <mark>femmes</mark>"),
        "{}",
        r.hits[0].title_html
    );
    let found = ids(&index, &text("sante"));
    assert_eq!(found[0], 8, "{found:?}");
    // « numerique » : le titre du cas 4 d'abord, puis le cas 2 par son levier et sa
    // fragilité (« accelerer-grace-au-numerique », « acces-au-numerique »).
    assert_eq!(ids(&index, &text("numerique")), vec![4, 2]);
}

#[test]
fn une_faute_de_frappe_vieillisement_trouve_vieillissement() {
    let index = index();
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
    // Une lettre échangée, une en trop, une en moins.
    assert_eq!(ids(&index, &text("recylcerie"))[0], 9);
    assert_eq!(ids(&index, &text("covoituraage")), vec![1]);
    assert_eq!(ids(&index, &text("intergénértionnel")), vec![7]);
    // Pas de tolérance sous cinq lettres, ni pour deux fautes.
    assert_eq!(ids(&index, &text("velp")), Vec::<i64>::new());
    assert_eq!(ids(&index, &text("covoituraaage")), Vec::<i64>::new());
    assert_eq!(ids(&index, &text("vieillisemment")), Vec::<i64>::new());
}

#[test]
fn l_elision_est_retiree_dans_les_cas_et_dans_la_requete() {
    let index = index();
    assert_eq!(
        ids(&index, &text("l'isolement")),
        ids(&index, &text("isolement"))
    );
    assert_eq!(ids(&index, &text("l’isolement"))[0], 2);
    assert_eq!(ids(&index, &text("d'emploi")), ids(&index, &text("emploi")));
    // « L'alimentation des enfants » dans le corps du cas 5 (puis le 2, à une faute près :
    // « animent »).
    assert_eq!(ids(&index, &text("alimentation"))[0], 5);
    assert_eq!(
        ids(&index, &text("l'alimentation")),
        ids(&index, &text("alimentation"))
    );
    // « qu' » et « l' » seuls ne sont rien : que des mots vides, rien ne correspond.
    assert_eq!(search(&index, &text("qu'il l'a")).total, 0);
}

#[test]
fn titre_puis_resume_puis_corps() {
    let index = index();
    // « recyclerie » : dans le titre du 9, le résumé du 3, le corps du 11.
    assert_eq!(ids(&index, &text("recyclerie")), vec![9, 3, 11]);
    let r = search(&index, &text("recyclerie"));
    assert!(r.hits[0].score > r.hits[1].score && r.hits[1].score > r.hits[2].score);
    assert_eq!(
        r.hits[0].title_html,
        "Une <mark>recyclerie</mark> solidaire au cœur du quartier"
    );
    assert!(r.hits[2].snippet_html.contains("<mark>recyclerie</mark>"));
}

#[test]
fn plus_de_mots_trouves_d_abord() {
    let index = index();
    let found = ids(&index, &text("transport personnes âgées"));
    // Le 12 a les trois mots ; le 1 et le 2 en ont une partie.
    assert_eq!(found[0], 12, "{found:?}");
    assert!(found.contains(&2) && found.contains(&1), "{found:?}");
}

#[test]
fn acteurs_et_territoire_sont_cherches() {
    let index = index();
    assert_eq!(ids(&index, &text("Sélestat")), vec![2]);
    assert_eq!(ids(&index, &text("france travail"))[0], 3);
    assert_eq!(ids(&index, &text("Livradois")), vec![12]);
}

#[test]
fn les_resultats_portent_ce_qu_une_liste_affiche() {
    let index = index();
    let r = search(&index, &text("égalité"));
    let hit = &r.hits[0];
    let doc: &CaseDoc = &cases()[5];
    assert_eq!(hit.id, doc.id);
    assert_eq!(hit.slug, "cas-6");
    assert_eq!(hit.title, doc.title);
    assert_eq!(hit.territory_name, "Côtes-d'Armor");
    assert_eq!(hit.phase, "emergence");
    assert_eq!(hit.started_year, None);
    assert!(!hit.is_example);
    let r = search(&index, &text("recyclerie solidaire"));
    assert_eq!(r.hits[0].id, 9);
    assert_eq!(r.hits[0].started_year, Some(2020));
    // Les fixtures d'id multiple de 4 sont des données d'exemple.
    let r = search(&index, &text("hameaux"));
    assert!(r.hits[0].is_example);
}

#[test]
fn extraits_echappes_et_markdown_retire() {
    let index = index();
    let mut doc = cases()[0].clone();
    doc.id = 50;
    doc.title = "<script>alert('x')</script> Covoiturage & autopartage".into();
    doc.summary = String::new();
    doc.body = "Un [lien](https://exemple.fr/autopartage) et <b>du HTML</b> : autopartage.".into();
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
    let all = search(&index, &text(" ?!… "));
    assert_eq!(all.total, 12);
    // Un texte très long ou bizarre ne fait jamais échouer.
    for q in [
        "mobilité ".repeat(500),
        "\"(:*- AND OR NOT title:x".to_string(),
        "é".repeat(5_000),
    ] {
        index
            .search(&CaseQuery {
                q,
                sort: CaseSort::Title,
                page: u32::MAX,
                per_page: u32::MAX,
                ..CaseQuery::default()
            })
            .expect("never fails");
    }
}
