//! Needs of territories, the public side and the refusals: `/besoins` and `/api/v1/needs`
//! search with facets that count what their link finds, territories that hold others, the
//! longest waiting first; example needs labelled as such; bad input answered in French per
//! field with nothing written; the visitor's form limited; unknown needs are 404s.

use crate::moderation::{member_with_profile, sign_in};
use crate::needs::{as_visitor, good, text, with, FORM};
use crate::TestApp;
use catalyse_core::needs::{Horizon, NeedFields, NeedStatus};
use catalyse_core::network::TerritoryRef;
use catalyse_core::{Role, TerritoryLevel};
use catalyse_store::{both_databases, ExampleNeed, Store};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use std::sync::Arc;

fn need(title: &str, (level, code): (TerritoryLevel, &str), fragility: &str) -> NeedFields {
    NeedFields {
        title: title.into(),
        description: "Un besoin d'exemple pour vérifier la recherche et ses filtres.".into(),
        territory: TerritoryRef {
            level,
            code: code.into(),
        },
        organisation: "Association d'exemple".into(),
        author_family: "associations".into(),
        fragility: fragility.into(),
        levers: vec!["apprendre-a-faire-alliance".into()],
        families: vec!["associations".into()],
        activities: vec![],
        horizon: Horizon::TroisMois,
    }
}

/// Three published example needs: Saint-Étienne's (open, the oldest), the Ain's (resolved)
/// and the région's (in touch, the newest); then the platform starts and indexes them. Their
/// slugs, in that order.
async fn three(store: &Arc<dyn Store>) -> (TestApp, [String; 3]) {
    let now = Utc::now();
    let mut ain = need(
        "Un garage solidaire",
        (TerritoryLevel::Department, "01"),
        "mobilite",
    );
    ain.horizon = Horizon::UnAn;
    ain.families = vec!["entreprises".into()];
    let examples = [
        (
            need(
                "Des navettes vers le marché",
                (TerritoryLevel::Commune, "42218"),
                "mobilite",
            ),
            NeedStatus::Ouvert,
            30,
        ),
        (ain, NeedStatus::Resolu, 20),
        (
            need(
                "Une maison de santé",
                (TerritoryLevel::Region, "84"),
                "sante",
            ),
            NeedStatus::EnRelation,
            10,
        ),
    ]
    .map(|(fields, status, days)| ExampleNeed {
        fields,
        status,
        at: now - Duration::days(days),
        author_id: None,
        trail: vec![],
    });
    store.insert_example_needs(&examples, now).await.unwrap();
    let stored = store.published_needs(0, 10).await.unwrap();
    let slug = |title: &str| {
        let n = stored
            .iter()
            .find(|n| n.public_fields().unwrap().title == title);
        n.expect("stored").slug.clone()
    };
    let slugs = [
        slug("Des navettes vers le marché"),
        slug("Un garage solidaire"),
        slug("Une maison de santé"),
    ];
    (TestApp::start(store.clone()).await, slugs)
}

async fn json(app: &TestApp, path: &str) -> serde_json::Value {
    let r = app.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

both_databases!(each_facet_counts_what_its_link_finds, facets);
async fn facets(store: Arc<dyn Store>) {
    let (app, [navettes, garage, sante]) = three(&store).await;
    for base in ["", "status=ouvert&status=en-relation&", "q=sant%C3%A9&"] {
        let all = json(&app, &format!("/api/v1/needs?{base}")).await;
        let facets = all["facets"].as_object().unwrap();
        let mut checked = 0;
        for (name, values) in facets {
            for v in values.as_array().unwrap() {
                let value = v["value"].as_str().unwrap();
                let path = format!("/api/v1/needs?{base}{name}={value}");
                let found = json(&app, &path).await;
                // A facet is counted without its own filter: its value alone is the query.
                let own = base.starts_with(&format!("{name}="));
                if !own {
                    assert_eq!(found["total"], v["count"], "{path}");
                }
                checked += 1;
            }
        }
        assert!(checked >= 3, "{base}: {facets:?}");
    }
    let all = json(&app, "/api/v1/needs").await;
    assert_eq!(all["total"], 3);
    assert!(all["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["is_example"] == true));

    // The page: the same counts, every need labelled as example data.
    let page = app.get("/besoins").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = text(&page.body);
    assert!(body.contains("3 besoins"));
    assert_eq!(
        body.matches("<span class=\"tag tag-example\">données d'exemple</span>")
            .count(),
        3
    );
    assert!(body.contains("Mobilité <span class=\"count\">(2)</span>"));
    assert!(body.contains("Résolu <span class=\"count\">(1)</span>"));
    let one = text(&app.get("/besoins?fragilite=sante").await.body);
    assert!(one.contains("1 besoin") && one.contains("Une maison de santé"));
    assert!(!one.contains("Un garage solidaire"));
    let page = text(&app.get(&format!("/besoins/{sante}")).await.body);
    assert!(page.contains("données d'exemple") && page.contains("En relation"));

    // Territories hold others: the région holds all three, the Loire only Saint-Étienne's.
    assert_eq!(json(&app, "/api/v1/needs?region=84").await["total"], 3);
    let loire = json(&app, "/api/v1/needs?department=42").await;
    assert_eq!(loire["total"], 1);
    assert_eq!(loire["items"][0]["slug"], navettes.as_str());
    let loire = app.get("/besoins?departement=42").await;
    assert!(loire.body.contains(&navettes) && !loire.body.contains(&garage));

    // The longest waiting first: the open ones, oldest first, then the others.
    let waiting = app.get("/besoins?tri=attente").await.body;
    let at = |slug: &str| waiting.find(&format!("href=\"/besoins/{slug}\"")).unwrap();
    assert!(at(&navettes) < at(&sante) && at(&sante) < at(&garage));
    let api = json(&app, "/api/v1/needs?sort=waiting").await;
    let slugs: Vec<&str> = (api["items"].as_array().unwrap().iter())
        .map(|i| i["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, [navettes.as_str(), sante.as_str(), garage.as_str()]);

    // Bad filters are clear errors, in French on pages and as problems in the API.
    let bad = app.get("/besoins?statut=perdu").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(text(&bad.body).contains("statut inconnu : « perdu »"));
    for path in [
        "/api/v1/needs?status=perdu",
        "/api/v1/needs?sort=attente",
        "/api/v1/needs?page=x",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(r.header("content-type"), "application/problem+json");
    }
    app.stop().await;
}

both_databases!(unknown_or_hidden_needs_are_not_found, not_found);
async fn not_found(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    assert_eq!(
        app.get("/besoins/inexistant").await.status,
        StatusCode::NOT_FOUND
    );
    let api = app.get("/api/v1/needs/inexistant").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.header("content-type"), "application/problem+json");
    let problem: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(problem["status"], 404);
    // A visitor's need not yet confirmed: nowhere.
    let r = app.post_form(FORM, FORM, &as_visitor()).await;
    assert_eq!(r.status, StatusCode::OK);
    let slug = "un-transport-a-la-demande-pour-les-aines";
    assert_eq!(
        app.get(&format!("/besoins/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );
    let api = app.get(&format!("/api/v1/needs/{slug}")).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(json(&app, "/api/v1/needs").await["total"], 0);
    // Its form and status for signed-in members: unknown is 404, not someone else's 403.
    member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    assert_eq!(
        app.get("/besoins/inexistant/modifier").await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post_form(FORM, "/besoins/inexistant/statut", &[("statut", "clos")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Its moderators see it, but edit a visitor's need only once she confirmed it.
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    assert_eq!(
        app.get(&format!("/besoins/{slug}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/besoins/{slug}/modifier")).await.status,
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}

both_databases!(bad_need_input_writes_nothing, bad_input);
async fn bad_input(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let before = store.needs_version().await.unwrap();
    let mut bad = as_visitor();
    for (k, v) in [
        ("title", "Ab"),
        ("description", "Trop court"),
        ("territory", "Nulle-Part-sur-Mer"),
        ("fragility", ""),
        ("horizon", ""),
        ("levier_apprendre-a-faire-alliance", ""),
        ("famille_associations", ""),
        ("activite_mettre-en-relation", ""),
        ("email", "pas-une-adresse"),
        ("consent", ""),
    ] {
        bad = with(bad, k, v);
    }
    let r = app.post_form(FORM, FORM, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let body = text(&r.body);
    for message in [
        "Le titre : au moins 4 caractères",
        "Décrivez le besoin en quelques phrases (au moins 20 caractères).",
        "Aucun territoire ne correspond à « Nulle-Part-sur-Mer »",
        "Choisissez la fragilité à laquelle le besoin se rapporte.",
        "Choisissez l'échéance souhaitée.",
        "Dites ce que vous cherchez : au moins un levier, une famille d'acteurs ou une activité.",
        "Indiquez une adresse électronique valide",
        "Cochez la case pour que votre adresse puisse être conservée avec ce besoin.",
    ] {
        assert!(body.contains(message), "« {message} » missing");
    }
    // The summary links each message to its field; what was typed comes back.
    for anchor in [
        "title",
        "description",
        "territory",
        "fragility",
        "horizon",
        "activities",
        "email",
        "consent",
    ] {
        assert!(r.body.contains(&format!("href=\"#{anchor}\"")), "{anchor}");
    }
    assert!(
        r.body.contains("value=\"Nulle-Part-sur-Mer\"")
            && r.body.contains("value=\"pas-une-adresse\"")
    );
    // Values the platform does not know.
    let unknown = with(
        with(
            with(as_visitor(), "fragility", "inconnue"),
            "author_family",
            "inconnue",
        ),
        "horizon",
        "demain",
    );
    let r = app.post_form(FORM, FORM, &unknown).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(&r.body);
    assert!(body.contains("La fragilité « inconnue » n'existe pas."));
    assert!(body.contains("La famille d'acteurs « inconnue » n'existe pas."));
    assert!(body.contains("Choisissez l'échéance souhaitée."));
    assert_eq!(
        store.needs_version().await.unwrap(),
        before,
        "nothing written"
    );
    assert!(app.outbox().is_empty(), "no mail");

    // A member's bad input: the same, nothing written.
    let camille = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    let r = app
        .post_form(FORM, FORM, &with(good(), "territory", ""))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r.body).contains("Indiquez le territoire concerné"));
    assert!(store.needs_of(camille.id).await.unwrap().is_empty());
    assert_eq!(store.needs_version().await.unwrap(), before);
    app.stop().await;
}

both_databases!(the_visitors_form_is_limited, limited);
async fn limited(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store.clone(), |c| c.register_per_hour_per_ip = 2).await;
    // Refused input takes nothing from the budget.
    let r = app
        .post_form(FORM, FORM, &with(as_visitor(), "title", ""))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for _ in 0..2 {
        let r = app.post_form(FORM, FORM, &as_visitor()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let before = store.needs_version().await.unwrap();
    let r = app.post_form(FORM, FORM, &as_visitor()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.header("retry-after").is_empty());
    assert_eq!(
        store.needs_version().await.unwrap(),
        before,
        "nothing written"
    );
    assert_eq!(app.outbox_with(2).await.len(), 2, "two links, no third");
    app.stop().await;
}
