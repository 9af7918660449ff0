//! Territory search and portraits.

use crate::TestApp;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

both_databases!(territory_search_page, search);
async fn search(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let a = app.get("/territoires").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("role=\"search\""));
    // Every page carries the search form in its header.
    assert!(app
        .get("/leviers")
        .await
        .body
        .contains("id=\"recherche-entete\""));

    // Homonyms are told apart by their department; accents and case do not matter.
    let a = app.get("/territoires?q=A").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("3 territoires trouvés"), "{}", a.body);
    assert!(
        a.body.contains("L&#39;Abergement-Clémenciat")
            || a.body.contains("L'Abergement-Clémenciat")
    );
    assert!(a.body.contains("Ain (01)"));
    // A single answer leads straight to the portrait.
    let a = app.get("/territoires?q=SAINT%20etienne").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.header("location"),
        "/territoires/commune/42218-saint-etienne"
    );
    let a = app.get("/territoires?q=42100").await;
    assert_eq!(
        a.header("location"),
        "/territoires/commune/42218-saint-etienne"
    );
    let a = app.get("/territoires?q=zzzz").await;
    assert!(a.body.contains("Aucun territoire ne correspond"));
    assert!(
        a.body.contains("Aucun territoire trouvé"),
        "no « 0 territoires »"
    );
    app.stop().await;
}

both_databases!(territory_portraits, portraits);
async fn portraits(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let a = app.get("/territoires/commune/42218-saint-etienne").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("<h1>Saint-Étienne</h1>"));
    assert!(
        a.body.contains("173\u{202f}000"),
        "population in French digits"
    );
    assert!(a.body.contains("Part de la population (Loire)"));
    assert!(a.body.contains("22\u{a0}%"), "173,000 of 770,000");
    assert!(a.body.contains("href=\"/territoires/department/42-loire\""));
    assert!(a
        .body
        .contains("href=\"/territoires/region/84-auvergne-rhone-alpes\""));
    assert!(a.body.contains("42000, 42100"));

    // The code alone, or an old slug, leads to the canonical address.
    for old in [
        "/territoires/commune/42218",
        "/territoires/commune/42218-st-etienne",
    ] {
        let r = app.get(old).await;
        assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT, "{old}");
        assert_eq!(
            r.header("location"),
            "/territoires/commune/42218-saint-etienne"
        );
    }
    let region = app.get("/territoires/region/84-auvergne-rhone-alpes").await;
    assert!(region.body.contains("Départements (2)"));
    assert!(region
        .body
        .contains("href=\"/territoires/department/01-ain\""));
    let dep = app.get("/territoires/department/01-ain").await;
    assert!(dep.body.contains("Communes (1)"));

    for missing in [
        "/territoires/commune/99999",
        "/territoires/canton/42218",
        "/territoires/region/42218-x",
    ] {
        assert_eq!(
            app.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    app.stop().await;
}

/// The small geography and real names of the Loire and the Rhône, to search as people write.
pub fn geography_of_the_loire() -> catalyse_core::territory::Geography {
    let mut g = crate::small_geography();
    let extra = catalyse_core::territory::Geography::from_tsv(
        "level\tcode\tname\tregion\tdepartment\tepci\tpopulation\tpostcodes\tlat\tlon\n\
         department\t69\tRhône\t84\t\t\t1900000\t\t\t\n\
         epci\t244200622\tCC des Monts du Pilat\t84\t42\t\t15463\t\t\t\n\
         epci\t244200770\tSaint-Étienne Métropole\t84\t42\t\t407700\t\t\t\n\
         epci\t200046977\tMétropole de Lyon\t84\t69\t\t1433613\t\t\t\n\
         commune\t42224\tSaint-Genest-Malifaux\t84\t42\t244200622\t2921\t42660\t45.34\t4.42\n\
         commune\t69202\tSainte-Foy-lès-Lyon\t84\t69\t200046977\t21692\t69110\t45.74\t4.80\n",
    )
    .expect("the Loire");
    g.territories.extend(extra.territories);
    g.checksum = format!("{}-loire", g.checksum);
    g
}

both_databases!(territory_search_usual_forms, usual_forms);
async fn usual_forms(store: Arc<dyn Store>) {
    let app = TestApp::start_on(store, geography_of_the_loire(), |_| {}).await;
    // The page: a single answer leads to its portrait.
    for (q, to) in [
        (
            "communauté de communes des monts du pilat",
            "/territoires/epci/244200622-cc-des-monts-du-pilat",
        ),
        (
            "st genest malifaux",
            "/territoires/commune/42224-saint-genest-malifaux",
        ),
        (
            "ste  foy-les-lyon",
            "/territoires/commune/69202-sainte-foy-les-lyon",
        ),
        (
            "metropole de lyon",
            "/territoires/epci/200046977-metropole-de-lyon",
        ),
        (
            "CA saint etienne",
            "/territoires/epci/244200770-saint-etienne-metropole",
        ),
    ] {
        let path = format!(
            "/territoires?q={}",
            percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
        );
        let a = app.get(&path).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{q}: {}", a.body);
        assert_eq!(a.header("location"), to, "{q}");
    }
    // The API, with the names of the parents.
    let page: serde_json::Value = serde_json::from_str(
        &app.get("/api/v1/territories?q=st%20genest%20malifaux")
            .await
            .body,
    )
    .unwrap();
    let first = &page["items"][0];
    assert_eq!(first["code"], "42224");
    assert_eq!(first["region"]["name"], "Auvergne-Rhône-Alpes");
    assert_eq!(first["department"]["name"], "Loire");
    assert_eq!(first["epci"]["name"], "CC des Monts du Pilat");
    let page: serde_json::Value = serde_json::from_str(
        &app.get("/api/v1/territories?q=communaut%C3%A9%20d%E2%80%99agglom%C3%A9ration%20saint-%C3%A9tienne&level=epci")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(page["items"][0]["code"], "244200770");
    app.stop().await;
}

both_databases!(a_member_chooses_among_homonyms_without_javascript, homonyms);
async fn homonyms(store: Arc<dyn Store>) {
    let mut g = geography_of_the_loire();
    let extra = catalyse_core::territory::Geography::from_tsv(
        "level\tcode\tname\tregion\tdepartment\tepci\tpopulation\tpostcodes\tlat\tlon\n\
         region\t11\tÎle-de-France\t\t\t\t12000000\t\t\t\n\
         region\t04\tLa Réunion\t\t\t\t870000\t\t\t\n\
         department\t93\tSeine-Saint-Denis\t11\t\t\t1600000\t\t\t\n\
         department\t974\tLa Réunion\t04\t\t\t870000\t\t\t\n\
         commune\t93066\tSaint-Denis\t11\t93\t\t113000\t93200\t48.93\t2.36\n\
         commune\t97411\tSaint-Denis\t04\t974\t\t153000\t97400\t-20.88\t55.45\n",
    )
    .expect("homonyms");
    g.territories.extend(extra.territories);
    g.checksum = format!("{}-homonyms", g.checksum);
    let app = TestApp::start_on(store.clone(), g, |_| {}).await;
    crate::network::join_and_verify(&app, "rose@exemple.fr", "Rose Pionnière").await;
    let form = |territories: &'static str, extra: Vec<(&'static str, &'static str)>| {
        let mut f = vec![
            ("display_name", "Rose Pionnière"),
            ("actor_family", "associations"),
            ("territories", territories),
            ("activite_fablab", "oui"),
            ("levier_apprendre-a-faire-alliance", "oui"),
            ("visibility", "public"),
            ("consent", "oui"),
        ];
        f.extend(extra);
        f
    };
    // « Saint-Denis » is two communes: the form comes back with both, told apart by their
    // département, as radio buttons under the field; the other line is understood.
    let r = app
        .post_multipart(
            "/mon-profil",
            "/mon-profil",
            &form("saint denis\nst genest malifaux", vec![]),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("« saint denis » désigne plusieurs territoires"));
    assert!(r.body.contains("Quel territoire pour « saint denis » ?"));
    for label in [
        "Saint-Denis (Seine-Saint-Denis, 93) — commune",
        "Saint-Denis (La Réunion, 974) — commune",
    ] {
        assert!(r.body.contains(label), "{label}: {}", r.body);
    }
    assert!(r
        .body
        .contains("type=\"radio\" id=\"territoire_0_1\" name=\"territoire_0\""));
    assert!(r.body.contains("value=\"Saint-Denis (commune 97411)\""));
    assert!(
        !r.body.contains("territoire_1"),
        "the second line is one territory"
    );
    let user = store
        .user_by_email(&catalyse_core::Email::parse("rose@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        store.profile(user.id).await.unwrap().is_none(),
        "nothing written"
    );
    // A choice offered for another line is not taken.
    let stale = app
        .post_multipart(
            "/mon-profil",
            "/mon-profil",
            &form(
                "saint denis\nst genest malifaux",
                vec![
                    ("territoire_0", "Saint-Denis (commune 97411)"),
                    ("territoire_0_pour", "Saint-Étienne"),
                ],
            ),
            None,
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Ticked: saved.
    let r = app
        .post_multipart(
            "/mon-profil",
            "/mon-profil",
            &form(
                "saint denis\nst genest malifaux",
                vec![
                    ("territoire_0", "Saint-Denis (commune 97411)"),
                    ("territoire_0_pour", "saint denis"),
                ],
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = store.profile(user.id).await.unwrap().unwrap();
    let codes: Vec<String> = p
        .moderated
        .draft
        .unwrap()
        .territories
        .iter()
        .map(|t| t.code.clone())
        .collect();
    assert_eq!(codes, ["97411", "42224"]);

    // Once approved, the directory card says where she works, with the département.
    app.sign_in_as("anim@exemple.fr", catalyse_core::Role::Moderator)
        .await;
    let queue = app.get("/admin/moderation").await;
    let approved = crate::moderation::approve_member(&app, user.id, &queue.field("revision")).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    app.forget_cookies();
    let directory = app.get("/reseau").await;
    assert!(
        directory
            .body
            .contains("Territoire d&#39;action : Saint-Denis (La Réunion)"),
        "{}",
        directory.body
    );
    app.stop().await;
}
