//! Places: proposed by members through the form, checked field by field, hidden until an
//! animator approves them, then on the list, their page and the API.

use crate::moderation::{mails, member_with_profile, sign_in};
use crate::{small_geography, TestApp};
use catalyse_core::territory::Geography;
use catalyse_core::Role;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

/// The small geography and two homonyms: « Saint-Denis » is ambiguous.
fn geography_with_homonyms() -> Geography {
    let mut g = small_geography();
    let extra = Geography::from_tsv(
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
    g
}

/// Like `TestApp::start`, on a geography of one's own.
async fn start_on(store: Arc<dyn Store>, geography: Geography) -> TestApp {
    TestApp::start_on(store, geography, |_| {}).await
}

const FORM: &str = "/lieux/nouveau";

fn good<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Le Café des Liens"),
        ("kind", "cafe-solidaire"),
        ("commune", "Saint-Étienne"),
        ("address", "12 rue de la Paix"),
        (
            "description",
            "Un café associatif.\n\nOuvert du mardi au samedi.",
        ),
        ("website", "https://cafe-des-liens.exemple.fr"),
        ("equipe", "oui"),
    ]
}

fn with<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    key: &str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    for f in form.iter_mut() {
        if f.0 == key {
            f.1 = value;
        }
    }
    form
}

both_databases!(place_form_errors_write_nothing, form_errors);
async fn form_errors(store: Arc<dyn Store>) {
    let app = start_on(store.clone(), geography_with_homonyms()).await;
    let r = app.get(FORM).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "members only");
    app.sign_in_as("camille@exemple.fr", Role::Member).await;
    let page = app.get(FORM).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Café solidaire") && page.body.contains("Tiers-lieu"));

    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: [Case; 6] = [
        (
            with(good(), "name", ""),
            "name",
            "Le nom du lieu : au moins 2 caractères",
        ),
        (
            with(good(), "kind", "bar"),
            "kind",
            "Choisissez le type de lieu.",
        ),
        (
            with(good(), "commune", "Atlantide"),
            "commune",
            "Aucune commune ne correspond à « Atlantide »",
        ),
        (
            with(good(), "commune", "Saint-Denis"),
            "commune",
            "« Saint-Denis » désigne plusieurs communes : choisissez la bonne",
        ),
        (
            with(good(), "commune", ""),
            "commune",
            "Indiquez la commune du lieu.",
        ),
        (
            with(good(), "website", "ftp://cafe.exemple.fr"),
            "website",
            "« ftp://cafe.exemple.fr » n&#39;est pas une adresse web",
        ),
    ];
    for (form, field, message) in cases {
        let r = app.post_form(FORM, FORM, &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(message), "{field}: {message}\n{}", r.body);
        assert!(
            r.body.contains(&format!("id=\"{field}-erreur\"")),
            "{field}: tied to its field"
        );
        assert!(
            r.body.contains(&format!("<a href=\"#{field}\">")),
            "summary"
        );
        assert!(r.body.contains("role=\"alert\""));
    }
    // Several at once, in the form's order; what was typed is kept.
    let r = app
        .post_form(
            FORM,
            FORM,
            &[
                ("name", "X"),
                ("kind", ""),
                ("commune", "Atlantide"),
                ("website", "pas une adresse"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let pos = |s: &str| r.body.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(pos("href=\"#name\"") < pos("href=\"#kind\""));
    assert!(pos("href=\"#kind\"") < pos("href=\"#commune\""));
    assert!(pos("href=\"#commune\"") < pos("href=\"#website\""));
    assert!(r.body.contains("value=\"Atlantide\""));
    assert!(r
        .body
        .contains("aria-describedby=\"commune-aide commune-erreur\""));

    assert!(
        store.pending_places().await.unwrap().is_empty(),
        "nothing written"
    );
    assert!(store.published_places().await.unwrap().is_empty());

    // Homonyms are offered as radio buttons that name their département; the one ticked
    // is taken, if the commune typed is still the one they were offered for.
    let r = app
        .post_form(FORM, FORM, &with(good(), "commune", "saint denis"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for label in [
        "Saint-Denis (La Réunion, 974) — commune",
        "Saint-Denis (Seine-Saint-Denis, 93) — commune",
    ] {
        assert!(r.body.contains(label), "{label}: {}", r.body);
    }
    assert!(r
        .body
        .contains("type=\"radio\" id=\"commune_choix_1\" name=\"commune_choix\""));
    assert!(r
        .body
        .contains("name=\"commune_choix_pour\" value=\"saint denis\""));
    let mut form = with(good(), "commune", "saint denis");
    form.push(("commune_choix", "Saint-Denis (commune 97411)"));
    form.push(("commune_choix_pour", "Atlantide"));
    let stale = app.post_form(FORM, FORM, &form).await;
    assert_eq!(
        stale.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "offered for another commune"
    );
    form.pop();
    form.push(("commune_choix_pour", "saint denis"));
    let r = app.post_form(FORM, FORM, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let slug = r
        .header("location")
        .trim_start_matches("/lieux/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let p = store.place_by_slug(&slug).await.unwrap().unwrap();
    assert_eq!(p.moderated.draft.unwrap().commune, "97411");

    // A homonym chosen the way the message writes it, or a postcode, is accepted.
    for (commune, code) in [
        ("Saint-Denis (97411)", "97411"),
        ("93200", "93066"),
        ("42218", "42218"),
        ("saint etienne", "42218"),
    ] {
        let r = app
            .post_form(FORM, FORM, &with(good(), "commune", commune))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{commune}: {}", r.body);
        let slug = r
            .header("location")
            .trim_start_matches("/lieux/")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let p = store.place_by_slug(&slug).await.unwrap().unwrap();
        assert_eq!(p.moderated.draft.unwrap().commune, code, "{commune}");
    }
    app.stop().await;
}

both_databases!(a_place_shows_once_approved, approval);
async fn approval(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let camille = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    let r = app.post_form(FORM, FORM, &good()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/lieux/le-cafe-des-liens?etat=envoye");
    let mine = app.get("/lieux/le-cafe-des-liens?etat=envoye").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("envoyée en modération"));
    assert!(mine.body.contains("En attente de validation"));
    assert!(!mine.body.contains("application/ld+json"));
    let p = store
        .place_by_slug("le-cafe-des-liens")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.created_by, Some(camille.id));
    assert_eq!(
        p.moderated.draft.as_ref().unwrap().managers,
        vec![camille.id]
    );

    // Hidden from others until approved, on her page too.
    app.forget_cookies();
    let her = app.get("/reseau/camille-martin").await;
    assert_eq!(her.status, StatusCode::OK);
    assert!(!her.body.contains("href=\"/lieux/le-cafe-des-liens\""));
    assert_eq!(
        app.get("/lieux/le-cafe-des-liens").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(app
        .get("/lieux")
        .await
        .body
        .contains("Aucun lieu ne correspond."));
    let api = app.get("/api/v1/places").await;
    assert_eq!(api.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["total"], 0);
    let one = app.get("/api/v1/places/le-cafe-des-liens").await;
    assert_eq!(one.status, StatusCode::NOT_FOUND);
    assert!(one
        .header("content-type")
        .starts_with("application/problem+json"));
    app.sign_in_as("dominique@exemple.fr", Role::Member).await;
    assert_eq!(
        app.get("/lieux/le-cafe-des-liens").await.status,
        StatusCode::NOT_FOUND
    );

    // The animator sees it in the queue, with its fields, and approves it.
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    assert_eq!(
        app.get("/lieux/le-cafe-des-liens").await.status,
        StatusCode::OK
    );
    let q = app.get("/admin/moderation").await;
    assert!(q.body.contains("Le Café des Liens"));
    assert!(q.body.contains("Saint-Étienne (42218)"));
    assert!(q.body.contains("Café solidaire"));
    assert!(
        q.body.contains("Test camille@exemple.fr"),
        "who proposed it"
    );
    let revision = q.field("revision");
    let r = app
        .post_form(
            "/admin/moderation",
            &format!("/admin/moderation/lieux/{}", p.id),
            &[("decision", "approve"), ("revision", &revision)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = app.get(r.header("location")).await;
    assert!(done.body.contains("la proposition est publiée"));
    let sent = mails(&app);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].0.contains("camille@exemple.fr"));
    assert_eq!(sent[0].1, "Votre lieu est publié");
    assert!(sent[0].2.contains("/lieux/le-cafe-des-liens"));

    // Now public: list, page, API.
    app.forget_cookies();
    let list = app.get("/lieux").await;
    assert!(list.body.contains("href=\"/lieux/le-cafe-des-liens\""));
    assert!(list.body.contains("1 lieu"));
    assert!(app
        .get("/lieux?type=cafe-solidaire&region=84")
        .await
        .body
        .contains("Le Café des Liens"));
    assert!(!app
        .get("/lieux?type=fablab")
        .await
        .body
        .contains("Le Café des Liens"));
    let page = app.get("/lieux/le-cafe-des-liens").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("<p>Un café associatif.</p><p>Ouvert du mardi au samedi.</p>"));
    assert!(page.body.contains("rel=\"nofollow noopener\""));
    assert!(page
        .body
        .contains("href=\"/territoires/commune/42218-saint-etienne\""));
    assert!(page.body.contains("\"@type\":\"Place\""));
    assert!(
        page.body.contains("href=\"/reseau/camille-martin\""),
        "the team, whose profile is public"
    );
    // Her page lists the place she runs.
    assert!(app
        .get("/reseau/camille-martin")
        .await
        .body
        .contains("<a href=\"/lieux/le-cafe-des-liens\">Le Café des Liens</a>"));
    assert!(!page.body.contains("En attente de validation"));
    let v: serde_json::Value = serde_json::from_str(&app.get("/api/v1/places").await.body).unwrap();
    assert_eq!(v["total"], 1);
    let item = &v["items"][0];
    assert_eq!(item["slug"], "le-cafe-des-liens");
    assert_eq!(item["kind"], "cafe-solidaire");
    assert_eq!(item["commune"]["code"], "42218");
    assert_eq!(item["commune"]["name"], "Saint-Étienne");
    assert_eq!(item["lat"], 45.43);
    assert_eq!(item["is_example"], false);
    let one = app.get("/api/v1/places/le-cafe-des-liens").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/places?kind=fablab").await.body,
        "{\"items\":[],\"total\":0,\"page\":1,\"per_page\":50}"
    );
    assert_eq!(
        app.get("/api/v1/places?kind=bar").await.status,
        StatusCode::BAD_REQUEST
    );

    // Documented, with every schema it refers to.
    let doc = app.get("/api/v1/openapi.json").await.body;
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    for path in ["/api/v1/places", "/api/v1/places/{slug}"] {
        assert!(v["paths"][path]["get"].is_object(), "{path}");
    }
    for name in ["ApiPlace", "PlaceList", "PlaceKind", "PlaceCommune"] {
        assert!(v["components"]["schemas"][name].is_object(), "{name}");
    }

    // A member may report it.
    sign_in(&app, "dominique@exemple.fr").await;
    let report = "/lieux/le-cafe-des-liens/signaler";
    assert!(app
        .get("/lieux/le-cafe-des-liens")
        .await
        .body
        .contains(&format!("href=\"{report}\"")));
    let r = app
        .post_form(
            report,
            report,
            &[("reason", "L'adresse indiquée est fausse.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        "/lieux/le-cafe-des-liens?signalement=envoye"
    );
    assert!(app
        .get(r.header("location"))
        .await
        .body
        .contains("Votre signalement est envoyé"));
    let open = store.open_reports().await.unwrap();
    assert_eq!((open.len(), open[0].subject_id), (1, p.id));

    // A new version waits for review; the published one stays.
    sign_in(&app, "camille@exemple.fr").await;
    let edit = app.get("/lieux/le-cafe-des-liens/modifier").await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"Saint-Étienne (42218)\""));
    let r = app
        .post_form(
            "/lieux/le-cafe-des-liens/modifier",
            "/lieux/le-cafe-des-liens/modifier",
            &with(good(), "name", "Le Grand Café des Liens"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(app
        .get("/lieux/le-cafe-des-liens")
        .await
        .body
        .contains("Une nouvelle version de ce lieu est en attente"));
    app.forget_cookies();
    let public = app.get("/lieux/le-cafe-des-liens").await;
    assert!(public.body.contains("<h1>Le Café des Liens</h1>"));
    assert!(!public.body.contains("Grand Café"));
    let her = app.get("/reseau/camille-martin").await.body;
    assert!(her.contains("<a href=\"/lieux/le-cafe-des-liens\">Le Café des Liens</a>"));
    assert!(!her.contains("Grand Café"));
    app.stop().await;
}

both_databases!(only_the_team_edits_a_place, edit_rights);
async fn edit_rights(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("camille@exemple.fr", Role::Member).await;
    let r = app.post_form(FORM, FORM, &good()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let edit = "/lieux/le-cafe-des-liens/modifier";

    app.forget_cookies();
    assert_eq!(app.get(edit).await.status, StatusCode::SEE_OTHER);

    app.sign_in_as("dominique@exemple.fr", Role::Member).await;
    assert_eq!(app.get(edit).await.status, StatusCode::FORBIDDEN);
    let r = app
        .post_form(FORM, edit, &with(good(), "name", "Détourné"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/lieux/absent/modifier").await.status,
        StatusCode::NOT_FOUND
    );
    let p = store
        .place_by_slug("le-cafe-des-liens")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.moderated.revision, 1, "nothing written");
    assert_eq!(p.moderated.draft.unwrap().name, "Le Café des Liens");

    // Animators may edit; an edit keeps the team, the editor adding only herself.
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let form = app.get(edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.body.contains("name=\"equipe\" value=\"oui\" checked"));
    let r = app.post_form(edit, edit, &with(good(), "equipe", "")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = store
        .place_by_slug("le-cafe-des-liens")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.moderated.revision, 2);
    let creator = p.created_by.unwrap();
    assert_eq!(p.moderated.draft.unwrap().managers, vec![creator]);
    app.stop().await;
}

both_databases!(places_paged, paged);
/// The list and the API page through the places by name, from the network in memory: every
/// place once, filters counted on every page, a bad page refused by the API.
async fn paged(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let reference = catalyse_web::state::Reference {
        levers: store.levers().await.unwrap(),
        metier: store.metier().await.unwrap(),
        actor_families: store.actor_families().await.unwrap(),
        milestones: vec![],
    };
    let territories = store.territories().await.unwrap();
    catalyse_web::network::examples::generate(store.as_ref(), &territories, &reference, 0, 55, 3)
        .await
        .unwrap();
    // Made as the command line makes them: the server picks them up within seconds.
    let mut first = serde_json::Value::Null;
    for _ in 0..40 {
        first = serde_json::from_str(&app.get("/api/v1/places").await.body).unwrap();
        if first["total"] == 55 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(first["total"], 55, "network reloaded");
    assert_eq!(first["page"], 1);
    assert_eq!(first["per_page"], 50);
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    let second: serde_json::Value =
        serde_json::from_str(&app.get("/api/v1/places?page=2").await.body).unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 5);
    let names: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_cached_key(|n| catalyse_core::text::fold(n));
    assert_eq!(names, sorted, "by name across pages");
    let mut slugs: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    slugs.sort_unstable();
    slugs.dedup();
    assert_eq!(slugs.len(), 55, "each place once");
    // Kinds alternate: 11 of each, all on one page.
    let fablabs: serde_json::Value =
        serde_json::from_str(&app.get("/api/v1/places?kind=fablab&region=84").await.body).unwrap();
    assert_eq!(fablabs["total"], 11);
    assert!(fablabs["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["kind"] == "fablab"));
    let none: serde_json::Value =
        serde_json::from_str(&app.get("/api/v1/places?region=99").await.body).unwrap();
    assert_eq!(none["total"], 0);
    for bad in ["page=0", "page=-1", "page=deux"] {
        assert_eq!(
            app.get(&format!("/api/v1/places?{bad}")).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    // The page: 20 a page, the count of all, links to the neighbours keeping the filters.
    let page = app.get("/lieux").await;
    assert!(page.body.contains("55 lieux"), "{}", page.body);
    assert_eq!(page.body.matches("<li><a href=\"/lieux/").count(), 20);
    assert!(page.body.contains("href=\"/lieux?page=2\" rel=\"next\""));
    let last = app.get("/lieux?page=3").await;
    assert_eq!(last.body.matches("<li><a href=\"/lieux/").count(), 15);
    assert!(last.body.contains("href=\"/lieux?page=2\" rel=\"prev\""));
    assert!(!last.body.contains("rel=\"next\""));
    let kind = app.get("/lieux?type=fablab&region=84").await;
    assert!(kind.body.contains("11 lieux"));
    assert!(!kind.body.contains("rel=\"next\""));
    // Past the end: an empty page that still counts, and a way back.
    let beyond = app.get("/lieux?page=9").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert!(beyond.body.contains("55 lieux"));
    assert!(beyond.body.contains("rel=\"prev\""));
    app.stop().await;
}
