//! Findings of the outside probe (issue 11): JSON-LD that cannot break out of its script
//! element, `/metrics` behind a token or its own address, invisible control characters
//! refused in names and places, hidden profiles answered as unknown ones by the report form,
//! error pages styled by the platform's stylesheet (no inline style), and 405 / 414 pages.

use crate::moderation::{member_with_profile, profile_fields, sign_in};
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::network::Visibility;
use catalyse_core::Role;
use catalyse_store::{both_databases, Store};
use reqwest::{Method, StatusCode};
use std::sync::Arc;

const PAYLOAD: &str = "Avant <!--<script> </script><script>alert(1)</script> & après";

/// The text of the page's JSON-LD script element.
fn json_ld(body: &str) -> &str {
    body.split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("JSON-LD script element")
}

both_databases!(json_ld_cannot_break_out_of_its_script, json_ld_escaped);
async fn json_ld_escaped(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let now = chrono::Utc::now();
    let e = catalyse_core::agenda::Event {
        title: "Atelier <!--<script>".into(),
        description: PAYLOAD.into(),
        online_url: Some("https://visio.example.org/a?b=1&c=<2>".into()),
        ..crate::events::workshop("atelier-balise", now + chrono::Duration::days(3))
    };
    store
        .load_events("atelier-balise", "v1", &[], &[e], now)
        .await
        .unwrap();
    let page = app.get("/evenements/atelier-balise").await;
    assert_eq!(page.status, StatusCode::OK);
    let ld = json_ld(&page.body);
    assert!(!ld.contains(['<', '>', '&']), "{ld}");
    // It is still the same JSON, description included.
    let v: serde_json::Value = serde_json::from_str(ld).expect("JSON-LD parses");
    assert_eq!(v["description"], PAYLOAD);
    assert_eq!(v["name"], "Atelier <!--<script>");
    // The rest of the page is still there after the script element.
    assert!(page.body.contains("</html>"));
    app.stop().await;
}

both_databases!(metrics_unserved_without_a_setting, metrics_unserved);
async fn metrics_unserved(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let m = app.get("/metrics").await;
    assert_eq!(m.status, StatusCode::NOT_FOUND);
    assert!(m.body.contains("Page introuvable"));
    let m = app
        .request(
            Method::GET,
            "/metrics",
            None,
            &[("authorization", "Bearer ")],
        )
        .await;
    assert_eq!(m.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

both_databases!(metrics_need_the_token, metrics_token);
async fn metrics_token(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store, |c| {
        c.metrics_token = Some(catalyse_web::config::Secret("jeton-de-mesure-42".into()));
    })
    .await;
    app.get("/leviers").await;
    let unknown = app.get("/nulle-part").await;
    for auth in [
        None,
        Some("Bearer autre-jeton"),
        Some("Bearer jeton-de-mesure-4"),
        Some("Basic jeton-de-mesure-42"),
        Some("jeton-de-mesure-42"),
    ] {
        let extra: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
        let m = app.request(Method::GET, "/metrics", None, &extra).await;
        assert_eq!(m.status, StatusCode::NOT_FOUND, "{auth:?}");
        assert_eq!(
            m.body, unknown.body,
            "{auth:?}: answered as an unknown page"
        );
    }
    for auth in ["Bearer jeton-de-mesure-42", "bearer jeton-de-mesure-42"] {
        let m = app
            .request(Method::GET, "/metrics", None, &[("authorization", auth)])
            .await;
        assert_eq!(m.status, StatusCode::OK, "{auth}");
        assert!(
            m.body.contains("catalyse_http_requests_total"),
            "{}",
            m.body
        );
    }
    app.stop().await;
}

both_databases!(metrics_on_their_own_address, metrics_address);
async fn metrics_address(store: Arc<dyn Store>) {
    // There without a token, and not on the main address.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = TestApp::start_with(store, |c| {
        c.metrics_bind = Some(format!("127.0.0.1:{port}"));
    })
    .await;
    app.get("/leviers").await;
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
    let m = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("metrics address");
    assert_eq!(m.status(), StatusCode::OK);
    assert!(m.text().await.unwrap().contains(
        "catalyse_http_requests_total{method=\"GET\",route=\"/leviers\",status=\"200\"}"
    ));
    let other = reqwest::get(format!("http://127.0.0.1:{port}/leviers"))
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND, "only /metrics there");
    app.stop().await;
}

/// Characters that change how the text around them reads, or that no one types.
const INVISIBLE: [&str; 5] = [
    "Camille\u{202E}nitraM",
    "Camille\u{2066}Martin",
    "Camille\u{0}Martin",
    "Camille\u{1b}[31m",
    "Camille\u{202A}Martin",
];

both_databases!(names_and_themes_refuse_invisible_characters, invisible);
async fn invisible(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("camille@exemple.fr", Role::Member).await;
    let profile = |name: &'static str, themes: &'static str| {
        vec![
            ("display_name", name),
            ("organisation", "Tiers-lieu des Pionniers"),
            ("actor_family", "associations"),
            ("role", "Coordinatrice"),
            ("territories", "Saint-Étienne"),
            ("themes", themes),
            ("bio", "Deux lignes.\r\nDe présentation."),
            ("visibility", "public"),
            ("consent", "oui"),
        ]
    };
    for name in INVISIBLE {
        let r = app
            .post_multipart(
                "/mon-profil",
                "/mon-profil",
                &profile(name, "mobilité"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(
            r.body
                .contains("Le nom affiché contient un caractère invisible non autorisé"),
            "{name:?}: {}",
            r.body
        );
        assert!(r.body.contains("id=\"display_name-erreur\""));
    }
    let r = app
        .post_multipart(
            "/mon-profil",
            "/mon-profil",
            &profile("Camille Martin", "mobilité, \u{202E}étilibom"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("Un thème contient un caractère invisible non autorisé"));
    let user = store
        .user_by_email(&catalyse_core::Email::parse("camille@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        store.profile(user.id).await.unwrap().is_none(),
        "nothing written"
    );
    // Line breaks stay allowed where there are several lines.
    let r = app
        .post_multipart(
            "/mon-profil",
            "/mon-profil",
            &profile("Camille Martin", "mobilité"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Joining: the same rule for the name.
    app.forget_cookies();
    let r = app
        .join(
            "Dominique\u{202E}euqinimoD",
            "dominique@exemple.fr",
            TEST_PASSWORD,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("Votre nom contient un caractère invisible non autorisé"));

    // Places: name, address and description.
    app.sign_in_as("lea@exemple.fr", Role::Member).await;
    let place = |name: &'static str, address: &'static str, description: &'static str| {
        vec![
            ("name", name),
            ("kind", "cafe-solidaire"),
            ("commune", "Saint-Étienne"),
            ("address", address),
            ("description", description),
            ("website", ""),
            ("equipe", "oui"),
        ]
    };
    for (form, field, label) in [
        (
            place("Le Café\u{202E}", "12 rue de la Paix", "Un café."),
            "name",
            "Le nom du lieu contient",
        ),
        (
            place("Le Café", "12 rue\u{0} de la Paix", "Un café."),
            "address",
            "L&#39;adresse contient",
        ),
        (
            place("Le Café", "12 rue de la Paix", "Un café.\u{2067}"),
            "description",
            "La description contient",
        ),
    ] {
        let r = app
            .post_form("/lieux/nouveau", "/lieux/nouveau", &form)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(label), "{field}: {}", r.body);
        assert!(
            r.body.contains(&format!("id=\"{field}-erreur\"")),
            "{field}"
        );
    }
    let r = app
        .post_form(
            "/lieux/nouveau",
            "/lieux/nouveau",
            &place(
                "Le Café",
                "12 rue de la Paix",
                "Un café.\r\n\r\nOuvert le mardi.",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.stop().await;
}

both_databases!(report_forms_answer_hidden_as_unknown, report_hidden);
async fn report_hidden(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    // A hidden (approved) profile, a submitted but unapproved one, a visible one.
    let hidden = app
        .user("cache@exemple.fr", TEST_PASSWORD, Role::Member)
        .await;
    let now = chrono::Utc::now();
    let p = store
        .submit_profile(
            hidden.id,
            &profile_fields("Claude Cachée"),
            Visibility::Hidden,
            None,
            now,
        )
        .await
        .unwrap();
    store
        .decide_profile(hidden.id, p.moderated.revision, true, "", None, now)
        .await
        .unwrap();
    let hidden_slug = store.profile(hidden.id).await.unwrap().unwrap().slug;
    let pending = member_with_profile(&app, "attente@exemple.fr", "Paul Attente", false).await;
    let pending_slug = store.profile(pending.id).await.unwrap().unwrap().slug;
    let visible = member_with_profile(&app, "rosalie@exemple.fr", "Rosalie Visible", true).await;
    let visible_slug = store.profile(visible.id).await.unwrap().unwrap().slug;

    app.sign_in_as("dominique@exemple.fr", Role::Member).await;
    let unknown_get = app.get("/reseau/personne-inconnue/signaler").await;
    assert_eq!(unknown_get.status, StatusCode::NOT_FOUND);
    let reason = [("reason", "Ce profil envoie des messages publicitaires.")];
    let unknown_post = app
        .post_form(
            &format!("/reseau/{visible_slug}/signaler"),
            "/reseau/personne-inconnue/signaler",
            &reason,
        )
        .await;
    assert_eq!(unknown_post.status, StatusCode::NOT_FOUND);
    for slug in [&hidden_slug, &pending_slug] {
        let form = format!("/reseau/{slug}/signaler");
        for path in [
            form.clone(),
            format!("{form}?message=1"),
            format!("{form}?message=1&jeton=faux"),
        ] {
            let r = app.get(&path).await;
            assert_eq!(r.status, unknown_get.status, "{path}");
            assert_eq!(
                r.body, unknown_get.body,
                "{path}: same page as an unknown one"
            );
        }
        let r = app
            .post_form(&format!("/reseau/{visible_slug}/signaler"), &form, &reason)
            .await;
        assert_eq!(r.status, unknown_post.status, "{form}");
        assert_eq!(r.body, unknown_post.body, "{form}");
    }
    assert!(store.open_reports().await.unwrap().is_empty());
    assert_eq!(
        app.get(&format!("/reseau/{visible_slug}/signaler"))
            .await
            .status,
        StatusCode::OK
    );

    // The hidden member writes to Rosalie: the abuse link of her mail lets Rosalie (and
    // only her) report the sender, without showing the name.
    sign_in(&app, "cache@exemple.fr").await;
    // (A subject that would read backwards in the mail is refused.)
    let r = app
        .post_form(
            &format!("/reseau/{visible_slug}"),
            &format!("/reseau/{visible_slug}/contact"),
            &[
                ("subject", "Offre \u{202E}elleinnoitpecxe"),
                ("message", "Achetez nos formations, prix imbattables !"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("L&#39;objet contient un caractère invisible non autorisé"));
    // (So is a message that would.)
    let r = app
        .post_form(
            &format!("/reseau/{visible_slug}"),
            &format!("/reseau/{visible_slug}/contact"),
            &[
                ("subject", "Une offre"),
                (
                    "message",
                    "Achetez nos formations,\n\u{202E}elbattabmi xirp !",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("Le message contient un caractère invisible non autorisé"));
    let r = app
        .post_form(
            &format!("/reseau/{visible_slug}"),
            &format!("/reseau/{visible_slug}/contact"),
            &[
                ("subject", "Offre exceptionnelle"),
                ("message", "Achetez nos formations, prix imbattables !"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let link = crate::moderation::mails(&app)
        .into_iter()
        .find(|(to, _, _)| to.contains("rosalie@exemple.fr"))
        .map(|(_, _, body)| body)
        .expect("contact mail")
        .split(&app.base)
        .find_map(|part| {
            part.starts_with(&format!("/reseau/{hidden_slug}/signaler?"))
                .then(|| part.split_whitespace().next().unwrap().to_string())
        })
        .expect("abuse link");
    let token = link.split("jeton=").nth(1).expect("token").to_string();
    // Someone else with the link: as unknown.
    sign_in(&app, "dominique@exemple.fr").await;
    let r = app.get(&link).await;
    assert_eq!(r.body, unknown_get.body);
    sign_in(&app, "rosalie@exemple.fr").await;
    let r = app.get(&link).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("Claude Cachée"));
    assert!(r
        .body
        .contains(&format!("name=\"jeton\" value=\"{token}\"")));
    let form = format!("/reseau/{hidden_slug}/signaler");
    let r = app
        .post_form(
            &link,
            &form,
            &[("reason", reason[0].1), ("message", "1"), ("jeton", &token)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let open = store.open_reports().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].subject_id, hidden.id);

    // Places: one not yet approved is unknown to anyone but its team.
    app.sign_in_as("lea@exemple.fr", Role::Member).await;
    let r = app
        .post_form(
            "/lieux/nouveau",
            "/lieux/nouveau",
            &[
                ("name", "Le Café en attente"),
                ("kind", "cafe-solidaire"),
                ("commune", "Saint-Étienne"),
                ("address", "1 place du Marché"),
                ("description", "Un café."),
                ("website", ""),
                ("equipe", "oui"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let place_page = r.header("location").split('?').next().unwrap().to_string();
    assert!(place_page.starts_with("/lieux/"), "{place_page}");
    sign_in(&app, "dominique@exemple.fr").await;
    let unknown_place = app.get("/lieux/lieu-inconnu/signaler").await;
    assert_eq!(unknown_place.status, StatusCode::NOT_FOUND);
    let r = app.get(&format!("{place_page}/signaler")).await;
    assert_eq!(r.status, unknown_place.status);
    assert_eq!(r.body, unknown_place.body);
    let r = app
        .post_form(
            &format!("/reseau/{visible_slug}/signaler"),
            &format!("{place_page}/signaler"),
            &reason,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body, unknown_post.body);
    app.stop().await;
}

/// Every template of the platform, by name and text.
fn templates() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).expect("templates").flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                let text = std::fs::read_to_string(&path).expect("template");
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut out = vec![];
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
        &mut out,
    );
    out
}

#[test]
fn no_template_has_an_inline_style() {
    let all = templates();
    assert!(all.len() > 20, "templates found: {}", all.len());
    for (name, text) in all {
        let lower = text.to_lowercase();
        assert!(!lower.contains("style="), "{name}: a style attribute");
        assert!(!lower.contains("<style"), "{name}: a style element");
    }
}

both_databases!(error_pages_use_the_stylesheet, error_pages);
async fn error_pages(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let r = app.get("/nulle-part").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("style=") && !r.body.contains("<style"));
    assert!(r
        .header("content-security-policy")
        .contains("style-src 'self'"));
    let css = r
        .body
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("stylesheet link");
    // The same stylesheet as every other page, and it is served.
    assert!(app.get("/leviers").await.body.contains(css));
    let sheet = app.get(css).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert!(sheet.body.contains(".error-page"));
    assert!(r.body.contains("<html lang=\"fr\">") && r.body.contains("Page introuvable"));
    app.stop().await;
}

both_databases!(
    method_not_allowed_and_long_addresses_get_pages,
    error_bodies
);
async fn error_bodies(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    // 405: a page in French, with the methods allowed.
    for (method, path) in [
        (Method::DELETE, "/leviers"),
        (Method::PUT, "/"),
        (Method::DELETE, "/connexion"),
    ] {
        let r = app.request(method.clone(), path, None, &[]).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(r.header("content-type").starts_with("text/html"), "{path}");
        assert!(
            r.body.contains("Action non autorisée sur cette adresse"),
            "{path}: {}",
            r.body
        );
        assert!(r.header("allow").contains("GET"), "{path}");
    }
    // Under /api/: a problem document.
    let r = app
        .request(Method::DELETE, "/api/v1/levers", None, &[])
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.header("content-type"), "application/problem+json");
    assert!(r.body.contains("\"status\":405"), "{}", r.body);

    // 414: an address of 20 kB.
    let long = format!("/ressources?q={}", "a".repeat(20 * 1024));
    let r = app.get(&long).await;
    assert_eq!(r.status, StatusCode::URI_TOO_LONG);
    assert!(r.body.contains("Adresse trop longue"), "{}", r.body);
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(!r.header("content-security-policy").is_empty());
    let long = format!("/{}", "b".repeat(20 * 1024));
    assert_eq!(app.get(&long).await.status, StatusCode::URI_TOO_LONG);
    // An ordinary long search still works.
    let r = app
        .get(&format!("/ressources?q={}", "mot ".repeat(200)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.stop().await;
}
