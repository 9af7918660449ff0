//! Where needs come from: the webinar registration's « Quel est votre besoin ? », kept as a
//! draft need for its author with the registration or not at all, and the demonstration's
//! example needs.

use crate::TestApp;
use catalyse_core::agenda::{Event, EventKind};
use catalyse_core::needs::{NeedOrigin, NeedStatus};
use catalyse_core::Role;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

/// A webinar and a workshop a month ahead, open for registration.
async fn events(store: &Arc<dyn Store>) {
    let at = chrono::Utc::now() + chrono::Duration::days(30);
    let now = chrono::Utc::now();
    let webinar = Event::scheduled(
        "webinaire-besoins".into(),
        EventKind::Webinaire,
        "Apprendre à faire alliance".into(),
        at,
        60,
        now,
    );
    let workshop = Event::scheduled(
        "atelier-besoins".into(),
        EventKind::Atelier,
        "Un atelier".into(),
        at,
        120,
        now,
    );
    store.add_events(&[webinar, workshop], now).await.unwrap();
}

const FORM: &str = "/evenements/webinaire-besoins/inscription";

/// A visitor's registration to the webinar, with this answer to « Quel est votre besoin ? ».
async fn visitor_registers(app: &TestApp, email: &str, need: &str) -> crate::Answer {
    app.post_form(
        FORM,
        FORM,
        &[
            ("name", "Camille Élue"),
            ("email", email),
            ("consent", "oui"),
            ("territory", "Saint-Étienne"),
            ("besoin", need),
        ],
    )
    .await
}

/// The path of the draft's link in `text` (a page or a quoted-printable mail).
fn draft_link(text: &str) -> Option<String> {
    let unfolded = text
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let rest = unfolded.split("/besoins/nouveau?brouillon=").nth(1)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"')
        .unwrap_or(rest.len());
    Some(format!("/besoins/nouveau?brouillon={}", &rest[..end]))
}

both_databases!(a_webinar_registration_keeps_the_need_as_a_draft, drafts);
async fn drafts(store: Arc<dyn Store>) {
    events(&store).await;
    let app = TestApp::start(store.clone()).await;
    let webinar = store.event("webinaire-besoins").await.unwrap().unwrap();
    // The webinar asks; the workshop does not.
    let form = app.get(FORM).await;
    assert!(form.body.contains("Quel est votre besoin ? (facultatif)"));
    assert!(form.body.contains("name=\"besoin\""));
    let workshop = app.get("/evenements/atelier-besoins/inscription").await;
    assert!(!workshop.body.contains("name=\"besoin\""));

    // Too long: a French message, and nothing written.
    let long = "é".repeat(1001);
    let r = visitor_registers(&app, "elu@mairie.fr", &long).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("ne doit pas dépasser 1000 caractères (1001 saisis)"),
        "{}",
        r.body
    );
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(r.body.contains(&long), "the answer is given back");
    assert!(store.registrations(webinar.id).await.unwrap().is_empty());
    assert!(store
        .need_drafts_of(None, "elu@mairie.fr")
        .await
        .unwrap()
        .is_empty());
    assert!(app.outbox().is_empty());

    // A visitor's answer: the registration and her draft, the link on the page and in the mail.
    let r = visitor_registers(&app, "elu@mairie.fr", "  Un minibus pour le marché  ").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let drafts = store.need_drafts_of(None, "elu@mairie.fr").await.unwrap();
    assert_eq!(drafts.len(), 1);
    let d = &drafts[0];
    assert_eq!(
        (d.user_id, d.text.as_str(), d.event_id),
        (None, "Un minibus pour le marché", Some(webinar.id))
    );
    assert!(r.body.contains("Vous pourrez compléter votre besoin"));
    let on_page = draft_link(&r.body).unwrap();
    assert!(on_page.starts_with(&format!("/besoins/nouveau?brouillon={}&jeton=", d.id)));
    let mails = app.outbox_with(1).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Vous pourrez compl"), "{}", mails[0]);
    assert_eq!(draft_link(&mails[0]), Some(on_page.clone()));

    // An empty answer keeps nothing.
    let r = visitor_registers(&app, "autre@mairie.fr", "   ").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("Vous pourrez compléter votre besoin"));
    assert!(store
        .need_drafts_of(None, "autre@mairie.fr")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.registrations(webinar.id).await.unwrap().len(), 2);

    // The same address again is answered as anyone is: its need is kept, its link given,
    // and the address's owner gets it in her mail.
    let r = visitor_registers(&app, "elu@mairie.fr", "Et un local").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Vous pourrez compléter votre besoin"));
    assert_eq!(store.registrations(webinar.id).await.unwrap().len(), 2);
    let drafts = store.need_drafts_of(None, "elu@mairie.fr").await.unwrap();
    assert_eq!(drafts.len(), 2);
    let mails = app.outbox_with(3).await;
    let again = draft_link(&r.body).unwrap();
    assert!(mails.iter().any(|m| draft_link(m) == Some(again.clone())));

    // A member's answer is hers; a workshop's form ignores one.
    app.sign_in_as("membre@exemple.fr", Role::Member).await;
    let member = store
        .user_by_email(&catalyse_core::Email::parse("membre@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    // Her one-click button on the webinar's page has beside it the way to the form that asks.
    let page = app.get("/evenements/webinaire-besoins").await;
    assert!(
        page.body.contains(&format!(
            "<a href=\"{FORM}\">S&#39;inscrire en disant votre besoin</a>"
        )) || page.body.contains(&format!(
            "<a href=\"{FORM}\">S'inscrire en disant votre besoin</a>"
        ))
    );
    let r = app
        .post_form(FORM, FORM, &[("besoin", "Un tiers-lieu")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let hers = store.need_drafts_of(Some(member.id), "").await.unwrap();
    assert_eq!(hers.len(), 1);
    assert_eq!(hers[0].user_id, Some(member.id));
    assert!(draft_link(&r.body).is_some());
    let w = "/evenements/atelier-besoins/inscription";
    let r = app.post_form(w, w, &[("besoin", "Un atelier")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        store
            .need_drafts_of(Some(member.id), "")
            .await
            .unwrap()
            .len(),
        1
    );
    app.stop().await;
}

both_databases!(the_demonstration_has_example_needs, demo);
async fn demo(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store.clone(), |c| c.demo = true).await;
    let all = store.published_needs(0, 10_000).await.unwrap();
    assert_eq!(all.len(), catalyse_web::needs::examples::DEMO_NEEDS);
    for n in &all {
        assert!(
            n.is_example && n.origin == NeedOrigin::Exemple,
            "{}",
            n.slug
        );
        let f = n.public_fields().unwrap();
        assert!(
            f.description
                .ends_with(catalyse_web::needs::examples::EXAMPLE_NOTE),
            "{}",
            n.slug
        );
        assert_eq!(
            n.trail.last().map_or(NeedStatus::Ouvert, |e| e.status),
            n.status
        );
    }
    // Some are expressed by example members.
    let authored: Vec<i64> = all.iter().filter_map(|n| n.author_id).collect();
    assert!(!authored.is_empty());
    for p in store.profiles_by_ids(&authored).await.unwrap() {
        assert!(p.is_example);
    }
    assert!(all
        .iter()
        .any(|n| n.status == NeedStatus::EnRelation && !n.trail.is_empty()));

    // The next start adds none.
    let version = store.needs_version().await.unwrap();
    catalyse_web::load_reference_data(
        store.as_ref(),
        catalyse_web::GeographySource::Given(crate::small_geography()),
        true,
    )
    .await
    .unwrap();
    assert_eq!(store.needs_version().await.unwrap(), version);
    app.stop().await;
}

/// The form of a need completing a draft: a valid need, and `extra` (the hidden fields the
/// page held: the draft's id and token; a visitor's address).
fn completed<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<(&str, &str)> = crate::needs::good()
        .into_iter()
        .filter(|(k, _)| !["description", "territory"].contains(k))
        .collect();
    form.push((
        "description",
        "Un minibus pour le marché, le mardi et le samedi matin.",
    ));
    form.push(("territory", "Saint-Étienne"));
    form.extend_from_slice(extra);
    form
}

both_databases!(a_draft_need_is_completed_by_its_author_only, prefill);
async fn prefill(store: Arc<dyn Store>) {
    events(&store).await;
    let app = TestApp::start(store.clone()).await;
    let r = visitor_registers(&app, "elu@mairie.fr", "Un minibus pour le marché").await;
    let link = draft_link(&r.body).unwrap();
    let draft = store.need_drafts_of(None, "elu@mairie.fr").await.unwrap()[0].clone();

    // Its link fills the form: the text, the territory typed at registration, the address.
    let page = app.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(">Un minibus pour le marché</textarea>"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("name=\"territory\" type=\"text\" value=\"Saint-Étienne\""));
    assert!(page
        .body
        .contains("name=\"email\" type=\"email\" value=\"elu@mairie.fr\""));
    assert_eq!(page.field("brouillon"), draft.id.to_string());

    // Without the token, with another's, or signed in as someone else: nothing of it shows.
    let forged = format!("/besoins/nouveau?brouillon={}&jeton=faux", draft.id);
    let bare = format!("/besoins/nouveau?brouillon={}", draft.id);
    for path in [
        forged.as_str(),
        bare.as_str(),
        "/besoins/nouveau?brouillon=abc",
    ] {
        let other = app.get(path).await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
        assert!(!other.body.contains("Un minibus"), "{path}");
        assert!(
            other.body.contains("n&#39;est plus disponible")
                || other.body.contains("n'est plus disponible"),
            "{path}"
        );
        assert!(!other.body.contains("name=\"brouillon\""), "{path}");
    }
    app.sign_in_as("curieuse@exemple.fr", Role::Member).await;
    assert!(!app.get(&bare).await.body.contains("Un minibus"));

    // A member's own draft opens for her without a token, and for no other member.
    app.sign_in_as("membre@exemple.fr", Role::Member).await;
    let r = app
        .post_form(FORM, FORM, &[("besoin", "Un tiers-lieu")])
        .await;
    let hers_link = draft_link(&r.body).unwrap();
    let member = store
        .user_by_email(&catalyse_core::Email::parse("membre@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    let hers = store.need_drafts_of(Some(member.id), "").await.unwrap()[0].clone();
    let hers_bare = format!("/besoins/nouveau?brouillon={}", hers.id);
    assert!(app
        .get(&hers_bare)
        .await
        .body
        .contains(">Un tiers-lieu</textarea>"));
    // She completes it: the need comes from the webinar, and the draft is used.
    let page = app.get(&hers_link).await;
    let id = page.field("brouillon");
    let token = page.field("jeton");
    let form = completed(&[("brouillon", &id), ("jeton", &token)]);
    let sent = app
        .post_with_csrf(&page.field("csrf"), "/besoins/nouveau", &form)
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let mine = store.needs_of(member.id).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].origin, NeedOrigin::Webinaire);
    let used = store.need_draft(hers.id).await.unwrap().unwrap();
    assert!(used.used_at.is_some());
    assert!(
        !app.get(&hers_bare).await.body.contains("Un tiers-lieu"),
        "used: no more"
    );
    app.sign_in_as("autre-membre@exemple.fr", Role::Member)
        .await;
    assert!(
        !app.get(&hers_link).await.body.contains("Un tiers-lieu"),
        "used"
    );

    // The visitor completes hers: her need waits for her confirmation, the draft is used.
    app.forget_cookies();
    let page = app.get(&link).await;
    let (id, token) = (page.field("brouillon"), page.field("jeton"));
    let form = completed(&[
        ("brouillon", &id),
        ("jeton", &token),
        ("email", "elu@mairie.fr"),
        ("consent", "oui"),
    ]);
    let sent = app
        .post_with_csrf(&page.field("csrf"), "/besoins/nouveau", &form)
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(store
        .need_draft(draft.id)
        .await
        .unwrap()
        .unwrap()
        .used_at
        .is_some());
    // A form that names a draft with a wrong token submits the need but uses no draft.
    let second = store
        .register_with_need_draft(
            store.event("webinaire-besoins").await.unwrap().unwrap().id,
            &catalyse_store::NewRegistration {
                user_id: None,
                name: "Dominique".into(),
                email: "dominique@mairie.fr".into(),
                organisation: String::new(),
                territory: String::new(),
                token_hash: "h".into(),
                pending: true,
            },
            "Une épicerie",
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .1;
    let page = app.get(FORM).await;
    let other_id = second.id.to_string();
    let form = completed(&[
        ("brouillon", &other_id),
        ("jeton", "faux"),
        ("email", "pirate@exemple.fr"),
        ("consent", "oui"),
    ]);
    let sent = app
        .post_with_csrf(&page.field("csrf"), "/besoins/nouveau", &form)
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(store
        .need_draft(second.id)
        .await
        .unwrap()
        .unwrap()
        .used_at
        .is_none());
    app.stop().await;
}

both_databases!(
    a_registration_through_the_api_keeps_the_need_too,
    api_registration
);
async fn api_registration(store: Arc<dyn Store>) {
    use reqwest::Method;
    events(&store).await;
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("membre@exemple.fr", Role::Member).await;
    let email = catalyse_core::Email::parse("membre@exemple.fr").unwrap();
    let user = store.user_by_email(&email).await.unwrap().unwrap();
    let token = app.cookie("__Host-csrf").unwrap();
    let header = [("x-csrf-token", token.as_str())];
    let post = |path: &'static str, body: &'static str| {
        let app = &app;
        let header = &header;
        async move {
            let body = Some(("application/json", body.to_string()));
            app.request_with(Method::POST, path, body, header).await
        }
    };
    const WEBINAR: &str = "/api/v1/events/webinaire-besoins/registrations";
    const WORKSHOP: &str = "/api/v1/events/atelier-besoins/registrations";

    // Refused, with the reason, and nothing written: not JSON, an unknown field, a workshop
    // (it does not ask), an answer too long.
    let long: &'static str =
        Box::leak(format!("{{\"need\": \"{}\"}}", "a".repeat(1001)).into_boxed_str());
    for (path, body, says) in [
        (WEBINAR, "besoin", "corps JSON invalide"),
        (WEBINAR, "{\"besoin\": \"x\"}", "corps JSON invalide"),
        (WORKSHOP, "{\"need\": \"Un local\"}", "seuls les webinaires"),
        (WEBINAR, long, "1001 caractères"),
    ] {
        let r = post(path, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert!(r.body.contains(says), "{}", r.body);
    }
    assert!(store
        .member_registrations(user.id, "membre@exemple.fr", None)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .need_drafts_of(Some(user.id), "membre@exemple.fr")
        .await
        .unwrap()
        .is_empty());

    // Her answer is kept as her draft need, whose form the answer links to.
    let r = post(
        WEBINAR,
        "{\"need\": \"  Trouver un local pour notre tiers-lieu  \"}",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["status"], "confirmed");
    let drafts = store
        .need_drafts_of(Some(user.id), "membre@exemple.fr")
        .await
        .unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].text, "Trouver un local pour notre tiers-lieu");
    let link = v["need_draft"].as_str().expect("a link");
    let path = link
        .split_once("/besoins/")
        .map(|(_, p)| format!("/besoins/{p}"))
        .unwrap();
    let form = app.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Trouver un local pour notre tiers-lieu"));

    // Without a body, as before: registered, no draft, no link.
    let r = app.request(Method::POST, WORKSHOP, None, &header).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(!r.body.contains("need_draft"));
    app.stop().await;
}
