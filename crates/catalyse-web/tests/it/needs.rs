//! Needs of territories through the form: a visitor's need is sent to moderation only once she
//! follows the link mailed to her, a member's at once; public only once a moderator approved
//! it; its author (or a moderator) moves its status along the rules, each move dated in its
//! trail; only its author and moderators act on it.

use crate::moderation::{mails, member_with_profile, sign_in};
use crate::TestApp;
use catalyse_core::needs::NeedStatus;
use catalyse_core::{ModerationMail, Role};
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

pub const FORM: &str = "/besoins/nouveau";
const TITLE: &str = "Un transport à la demande pour les aînés";
const SLUG: &str = "un-transport-a-la-demande-pour-les-aines";
const VISITOR: &str = "mairie@saint-etienne.example";

/// The form as a member fills it (Saint-Étienne, of the tests' small geography).
pub fn good<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", TITLE),
        (
            "description",
            "## Le contexte\n\nNos aînés isolés ne peuvent plus aller au marché. <script>alert(1)</script>",
        ),
        ("territory", "Saint-Étienne"),
        ("organisation", "Mairie de Saint-Étienne"),
        ("author_family", "collectivites-territoriales"),
        ("fragility", "mobilite"),
        ("horizon", "6-mois"),
        ("levier_apprendre-a-faire-alliance", "oui"),
        ("famille_associations", "oui"),
        ("activite_mettre-en-relation", "oui"),
    ]
}

/// The form as a visitor fills it: with her address and her consent.
pub fn as_visitor<'a>() -> Vec<(&'a str, &'a str)> {
    let mut f = good();
    f.extend([("email", VISITOR), ("consent", "oui")]);
    f
}

/// The same form with `key` set to `value` (or added).
pub fn with<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    key: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    form.retain(|f| f.0 != key);
    form.push((key, value));
    form
}

/// A page's text as read, entities of quotes and apostrophes undone.
pub fn text(body: &str) -> String {
    body.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}

/// The mails sent to `to` so far: (subject, body).
fn mails_to(app: &TestApp, to: &str) -> Vec<(String, String)> {
    (mails(app).into_iter())
        .filter(|m| m.0.contains(to))
        .map(|m| (m.1, m.2))
        .collect()
}

/// Approves the need's pending revision from the queue, as the signed-in moderator.
async fn approve(app: &TestApp, id: i64) {
    let q = app.get("/admin/moderation").await;
    let r = app
        .post_form(
            "/admin/moderation",
            &format!("/admin/moderation/besoins/{id}"),
            &[("decision", "approve"), ("revision", &q.field("revision"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// Moves the need's status from its page, as the signed-in person.
async fn move_to(app: &TestApp, to: &str) -> crate::Answer {
    let page = format!("/besoins/{SLUG}");
    app.post_form(&page, &format!("{page}/statut"), &[("statut", to)])
        .await
}

both_databases!(
    a_visitors_need_is_public_once_confirmed_and_approved,
    visitor_life
);
async fn visitor_life(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let anim = app
        .user("anim@exemple.fr", crate::TEST_PASSWORD, Role::Moderator)
        .await;
    store
        .set_moderation_mail(anim.id, ModerationMail::Immediate)
        .await
        .unwrap();
    let form = app.get(FORM).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"email\"") && form.body.contains("name=\"consent\""));

    // Sent: kept unconfirmed, not in moderation, not public; a link goes to her address.
    let r = app.post_form(FORM, FORM, &as_visitor()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r
        .body
        .contains("un lien de confirmation vient de vous être envoyé"));
    let n = store.need_by_slug(SLUG).await.unwrap().expect("kept");
    assert_eq!((n.author_id, n.confirmed_at), (None, None));
    assert_eq!(n.author_email.as_deref(), Some(VISITOR));
    assert!(!n.moderated.is_pending() && n.moderated.draft.is_some());
    assert!(store.pending_needs().await.unwrap().is_empty());
    let sent = app.outbox_with(1).await;
    assert_eq!(sent.len(), 1, "only her link, no alert yet");
    let to_her = mails_to(&app, VISITOR);
    assert_eq!(to_her[0].0, "Confirmez votre besoin sur Catalyse");
    assert!(to_her[0].1.contains(TITLE));
    let token = (to_her[0].1.split("/besoins/confirmer?jeton=").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a link")
        .to_string();
    assert_eq!(
        app.get(&format!("/besoins/{SLUG}")).await.status,
        StatusCode::NOT_FOUND
    );

    // The link opens a page whose button confirms: opening it changes nothing.
    let link = format!("/besoins/confirmer?jeton={token}");
    let ask = app.get(&link).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains("Confirmer mon besoin"));
    assert!(store
        .need_by_slug(SLUG)
        .await
        .unwrap()
        .unwrap()
        .confirmed_at
        .is_none());
    let wrong = app
        .post_form(&link, "/besoins/confirmer", &[("jeton", "pas-le-bon")])
        .await;
    assert_eq!(wrong.status, StatusCode::GONE);
    let done = app
        .post_form(&link, "/besoins/confirmer", &[("jeton", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("votre besoin est confirmé"));
    let n = store.need_by_slug(SLUG).await.unwrap().unwrap();
    assert!(n.confirmed_at.is_some() && n.moderated.is_pending());
    // The moderator who asked for it is told at once.
    app.outbox_with(2).await;
    let alert = mails_to(&app, "anim@exemple.fr");
    assert_eq!(alert.len(), 1, "{alert:?}");
    assert_eq!(alert[0].0, "Catalyse : un besoin attend la modération");
    // Following the link again changes nothing, and tells nobody again.
    let again = app
        .post_form(&link, "/besoins/confirmer", &[("jeton", &token)])
        .await;
    assert_eq!(again.status, StatusCode::OK);

    // The moderator reads it field by field, without her address, and approves it.
    sign_in(&app, "anim@exemple.fr").await;
    let q = app.get("/admin/moderation").await;
    let queue = text(&q.body);
    for shown in [
        TITLE,
        "Exprimé par un visiteur",
        "Saint-Étienne (commune 42218)",
        "Mobilité",
        "Dans les 6 mois",
        "Apprendre à faire alliance",
        "Mettre en relation les acteurs complémentaires",
    ] {
        assert!(queue.contains(shown), "« {shown} » missing from the queue");
    }
    assert!(!queue.contains(VISITOR));
    approve(&app, n.id).await;
    assert_eq!(app.outbox_with(3).await.len(), 3);
    let to_her = mails_to(&app, VISITOR);
    assert_eq!(to_her.len(), 2, "{to_her:?}");
    assert_eq!(to_her[1].0, "Votre besoin est publié");
    assert_eq!(mails_to(&app, "anim@exemple.fr").len(), 1, "told once");
    assert!(to_her[1].1.starts_with("Bonjour,"));
    assert!(to_her[1].1.contains(&format!("/besoins/{SLUG}")));

    // Public at once: the list, the search, the page, the API.
    app.forget_cookies();
    let list = app.get("/besoins?q=transport").await;
    assert!(list.body.contains(&format!("href=\"/besoins/{SLUG}\"")));
    let page = app.get(&format!("/besoins/{SLUG}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = text(&page.body);
    assert!(body.contains(TITLE) && body.contains("Mairie de Saint-Étienne"));
    assert!(body.contains("<h3>Le contexte</h3>"), "headings from h3");
    assert!(
        !body.contains("<script>alert"),
        "the description is sanitised"
    );
    assert!(!body.contains(VISITOR));
    assert!(
        !body.contains("Marquer comme résolu"),
        "no action for a visitor"
    );
    let api = app.get(&format!("/api/v1/needs/{SLUG}")).await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(!api.body.contains(VISITOR));
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["status"], "ouvert");
    assert_eq!(json["territory"]["code"], "42218");
    assert_eq!(json["horizon"], "6-mois");
    let found: serde_json::Value =
        serde_json::from_str(&app.get("/api/v1/needs?q=transport").await.body).unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["slug"], SLUG);

    // She has no account to edit it from: a moderator may, and his version waits for review
    // while the approved one stays public.
    sign_in(&app, "anim@exemple.fr").await;
    let edit = format!("/besoins/{SLUG}/modifier");
    let page = app.get(&format!("/besoins/{SLUG}")).await;
    assert!(page.body.contains(&format!("href=\"{edit}\"")));
    let form = app.get(&edit).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let r = app
        .post_form(
            &edit,
            &edit,
            &with(good(), "organisation", "Mairie annexe de Terrenoire"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let n = store.need_by_slug(SLUG).await.unwrap().unwrap();
    assert!(n.moderated.is_pending() && n.moderated.revision == 2);
    assert_eq!(n.author_id, None);
    assert_eq!(
        n.public_fields().map(|f| f.organisation.as_str()),
        Some("Mairie de Saint-Étienne")
    );
    approve(&app, n.id).await;
    let n = store.need_by_slug(SLUG).await.unwrap().unwrap();
    assert_eq!(
        n.public_fields().map(|f| f.organisation.as_str()),
        Some("Mairie annexe de Terrenoire")
    );

    // Nor to move it: a moderator says it is resolved, dated in its trail.
    let r = move_to(&app, "resolu").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let n = store.need_by_slug(SLUG).await.unwrap().unwrap();
    assert_eq!(n.status, NeedStatus::Resolu);
    assert_eq!(n.trail.last().unwrap().status, NeedStatus::Resolu);
    app.forget_cookies();
    let page = text(&app.get(&format!("/besoins/{SLUG}")).await.body);
    assert!(page.contains("Résolu, selon l'équipe d'animation"));
    assert!(page.contains("<time datetime=\""));
    let found = app.get("/besoins?statut=resolu").await;
    assert!(found.body.contains(&format!("href=\"/besoins/{SLUG}\"")));
    assert!(!app
        .get("/besoins?statut=ouvert")
        .await
        .body
        .contains(&format!("href=\"/besoins/{SLUG}\"")));
    app.stop().await;
}

both_databases!(
    a_members_need_goes_to_moderation_and_she_follows_it,
    member_life
);
async fn member_life(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let camille = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    let form = app.get(FORM).await;
    assert!(
        !form.body.contains("name=\"email\""),
        "a member gives no address"
    );
    let r = app.post_form(FORM, FORM, &good()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), format!("/besoins/{SLUG}?etat=envoye"));
    let mine = app.get(r.header("location")).await;
    assert!(text(&mine.body).contains("envoyé en modération"));
    assert!(mine.body.contains("En attente de modération"));
    let n = store.need_by_slug(SLUG).await.unwrap().unwrap();
    assert_eq!(n.author_id, Some(camille.id));
    assert!(n.confirmed_at.is_some() && n.moderated.is_pending());
    assert!(app.outbox().iter().all(|m| !m.contains("Confirmez")));
    let list = app.get("/mon-profil/besoins").await;
    assert!(list.body.contains(TITLE) && list.body.contains("En attente de modération"));
    app.forget_cookies();
    assert_eq!(
        app.get(&format!("/besoins/{SLUG}")).await.status,
        StatusCode::NOT_FOUND
    );
    let api = app.get(&format!("/api/v1/needs/{SLUG}")).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);

    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    approve(&app, n.id).await;
    let to_her = mails_to(&app, "camille@exemple.fr");
    assert_eq!(to_her.len(), 1, "{to_her:?}");
    assert_eq!(to_her[0].0, "Votre besoin est publié");
    assert!(to_her[0].1.starts_with("Bonjour Test camille@exemple.fr,"));

    // Her profile is public: the page links it. She says it is resolved.
    sign_in(&app, "camille@exemple.fr").await;
    let page = app.get(&format!("/besoins/{SLUG}")).await;
    assert!(page.body.contains("href=\"/reseau/camille-martin\""));
    assert!(
        page.body.contains("Marquer comme résolu") && page.body.contains("Clore sans solution")
    );
    assert!(!page.body.contains("Rouvrir ce besoin"));
    let r = move_to(&app, "resolu").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let n = store.need_by_slug(SLUG).await.unwrap().unwrap();
    assert_eq!(n.status, NeedStatus::Resolu);
    let step = n.trail.last().unwrap();
    assert_eq!(step.status, NeedStatus::Resolu);
    assert!(
        (chrono::Utc::now() - step.at).num_seconds().abs() < 60,
        "dated now"
    );
    let page = text(&app.get(&format!("/besoins/{SLUG}?etat=statut")).await.body);
    assert!(page.contains("Résolu, selon son auteur"));
    assert!(page.contains(&format!("<time datetime=\"{}\"", step.at.to_rfc3339())));
    assert!(page.contains("Rouvrir ce besoin") && !page.contains("Marquer comme résolu"));
    let api: serde_json::Value =
        serde_json::from_str(&app.get(&format!("/api/v1/needs/{SLUG}")).await.body).unwrap();
    assert_eq!(api["status"], "resolu");
    assert_eq!(api["trail"].as_array().unwrap().len(), n.trail.len());
    assert_eq!(api["author_profile"], "camille-martin");

    // A move the rules forbid is told, and writes nothing: « résolu » cannot become « clos »,
    // and nobody sets « en relation » by hand.
    for forbidden in ["clos", "en-relation", "resolu", "n-importe-quoi"] {
        let r = move_to(&app, forbidden).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{forbidden}");
        assert!(
            text(&r.body).contains("ne peut pas passer de « Résolu »"),
            "{forbidden}"
        );
        let after = store.need_by_slug(SLUG).await.unwrap().unwrap();
        assert_eq!(
            (after.status, after.trail.len()),
            (NeedStatus::Resolu, n.trail.len())
        );
    }
    // Reopened if the solution did not hold.
    let r = move_to(&app, "ouvert").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let n = store.need_by_slug(SLUG).await.unwrap().unwrap();
    assert_eq!(n.status, NeedStatus::Ouvert);
    assert_eq!(n.trail.last().unwrap().note, "Rouvert par son auteur");
    let mine = app.get("/mon-profil/besoins").await;
    assert!(mine.body.contains("Publié") && mine.body.contains("Ouvert"));
    app.stop().await;
}

both_databases!(only_its_author_and_moderators_act_on_a_need, rights);
async fn rights(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    // Without the CSRF token, refused.
    let r = app.post_with_csrf("", FORM, &good()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(store.need_by_slug(SLUG).await.unwrap().is_none());
    let r = app.post_form(FORM, FORM, &good()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = store.need_by_slug(SLUG).await.unwrap().unwrap().id;
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    approve(&app, id).await;
    let edit = format!("/besoins/{SLUG}/modifier");

    // Another member may neither edit it nor move its status.
    member_with_profile(&app, "dominique@exemple.fr", "Dominique Durand", true).await;
    sign_in(&app, "dominique@exemple.fr").await;
    assert_eq!(app.get(&edit).await.status, StatusCode::FORBIDDEN);
    let page = app.get(&format!("/besoins/{SLUG}")).await;
    assert!(!page.body.contains("Modifier ce besoin"));
    let r = app
        .post_form(FORM, &edit, &with(good(), "title", "Détourné"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_form(
            FORM,
            &format!("/besoins/{SLUG}/statut"),
            &[("statut", "clos")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let n = store.need_by_slug(SLUG).await.unwrap().unwrap();
    assert_eq!((n.status, n.moderated.revision), (NeedStatus::Ouvert, 1));
    // A visitor is sent to sign in.
    app.forget_cookies();
    let r = app.get(&edit).await;
    assert!(r.header("location").starts_with("/connexion?retour="));
    let r = app.post_form(FORM, &edit, &good()).await;
    assert!(r.header("location").starts_with("/connexion?retour="));

    // Her new version goes to moderation; the published one stays until approved.
    sign_in(&app, "camille@exemple.fr").await;
    let edited = with(good(), "title", "Un transport solidaire pour les aînés");
    let r = app.post_form(&edit, &edit, &edited).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.forget_cookies();
    let page = app.get(&format!("/besoins/{SLUG}")).await;
    assert!(page.body.contains(TITLE) && !page.body.contains("Un transport solidaire"));
    // A moderator may edit it too; the queue shows what changed.
    app.sign_in_as("anim2@exemple.fr", Role::Moderator).await;
    assert_eq!(app.get(&edit).await.status, StatusCode::OK);
    let q = text(&app.get("/admin/moderation").await.body);
    assert!(q.contains("Un transport solidaire pour les aînés") && q.contains(TITLE));
    app.stop().await;
}
