//! Moderation of the network: the queue (animators only), decisions on the revision shown,
//! the mails that tell the member, the audit trail, and reports.

use crate::{Answer, TestApp, TEST_PASSWORD};
use catalyse_core::network::{ProfileFields, Visibility};
use catalyse_core::{Role, User};
use catalyse_store::{both_databases, Store};
use mailparse::MailHeaderMap;
use reqwest::StatusCode;
use std::sync::Arc;

/// A profile as a member would fill it, in Saint-Étienne (of the tests' small geography).
pub fn profile_fields(name: &str) -> ProfileFields {
    ProfileFields {
        territories: vec![crate::fixtures::commune("42218")],
        activities: vec![],
        levers: vec![],
        bio: "Je relie les acteurs du quartier.".into(),
        ..crate::fixtures::profile_fields(name)
    }
}

/// A member account with a submitted profile (public, consenting), approved or not.
pub async fn member_with_profile(app: &TestApp, email: &str, name: &str, approve: bool) -> User {
    let user = app.user(email, TEST_PASSWORD, Role::Member).await;
    let now = chrono::Utc::now();
    let p = app
        .store
        .submit_profile(
            user.id,
            &profile_fields(name),
            Visibility::Public,
            Some(now),
            now,
        )
        .await
        .expect("profile");
    if approve {
        app.store
            .decide_profile(user.id, p.moderated.revision, true, "", None, now)
            .await
            .expect("approved");
    }
    user
}

/// Signs in as an existing account (made with the tests' usual password).
pub async fn sign_in(app: &TestApp, email: &str) {
    app.forget_cookies();
    let r = app.login(email, TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "sign-in as {email}");
}

/// A moderator's decision on a member's profile, posted from the queue.
pub async fn decide_member(app: &TestApp, member: i64, fields: &[(&str, &str)]) -> Answer {
    app.post_form(
        "/admin/moderation",
        &format!("/admin/moderation/membres/{member}"),
        fields,
    )
    .await
}

/// Approves this revision of a member's profile from the queue.
pub async fn approve_member(app: &TestApp, member: i64, revision: &str) -> Answer {
    decide_member(
        app,
        member,
        &[
            ("decision", "approve"),
            ("revision", revision),
            ("reason", ""),
        ],
    )
    .await
}

/// Rejects this revision of a member's profile from the queue, for `reason`.
pub async fn reject_member(app: &TestApp, member: i64, revision: &str, reason: &str) -> Answer {
    decide_member(
        app,
        member,
        &[
            ("decision", "reject"),
            ("revision", revision),
            ("reason", reason),
        ],
    )
    .await
}

/// The mails sent so far: (to, subject, decoded body).
pub fn mails(app: &TestApp) -> Vec<(String, String, String)> {
    app.outbox()
        .iter()
        .map(|m| {
            let p = mailparse::parse_mail(m.as_bytes()).expect("mail");
            (
                p.headers.get_first_value("To").unwrap_or_default(),
                p.headers.get_first_value("Subject").unwrap_or_default(),
                p.get_body().unwrap_or_default(),
            )
        })
        .collect()
}

both_databases!(moderation_is_for_animators, animators_only);
async fn animators_only(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    for path in [
        "/admin/moderation",
        "/admin/moderation/journal",
        "/admin/signalements",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.header("location").starts_with("/connexion?retour="),
            "{path}"
        );
    }
    app.sign_in_as("membre@exemple.fr", Role::Member).await;
    for path in [
        "/admin/moderation",
        "/admin/moderation/journal",
        "/admin/signalements",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = app
        .post_form(
            "/lieux/nouveau",
            "/admin/moderation/membres/1",
            &[("decision", "approve"), ("revision", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let q = app.get("/admin/moderation").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("Aucun profil en attente."));
    assert!(q
        .body
        .contains("href=\"/admin/moderation\" aria-current=\"page\""));
    assert_eq!(
        app.get("/admin/moderation/journal").await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/admin/signalements").await.status, StatusCode::OK);
    app.sign_in_as("admin@exemple.fr", Role::Admin).await;
    assert_eq!(app.get("/admin/moderation").await.status, StatusCode::OK);
    app.stop().await;
}

both_databases!(rejecting_a_profile_mails_the_reason, reject_profile);
async fn reject_profile(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let member = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", false).await;
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let q = app.get("/admin/moderation").await;
    assert!(q.body.contains("Camille Martin"), "{}", q.body);
    assert!(q.body.contains("Première proposition"));
    assert!(
        q.body.contains("Saint-Étienne (commune 42218)"),
        "territories by name"
    );
    assert!(q.body.contains("Associations"), "actor family by name");
    let revision = q.field("revision");
    assert_eq!(revision, "1");

    // Too short a reason: refused, tied to its field, nothing decided.
    let short = reject_member(&app, member.id, &revision, "non").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("au moins 5 caractères"));
    let key = format!("raison-membre-{}", member.id);
    assert!(short.body.contains(&format!(
        "aria-invalid=\"true\" aria-describedby=\"{key}-aide {key}-erreur\""
    )));
    assert!(short.body.contains(">non</textarea>"), "typed text kept");
    assert_eq!(store.pending_profiles().await.unwrap().len(), 1);
    assert!(app.outbox().is_empty());

    let reason = "Merci de préciser votre fonction dans l'association.";
    let r = reject_member(&app, member.id, &revision, reason).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/admin/moderation?fait=rejete");
    let done = app.get("/admin/moderation?fait=rejete").await;
    assert!(done.body.contains("role=\"status\""));
    assert!(done.body.contains("Aucun profil en attente."));
    let p = store.profile(member.id).await.unwrap().unwrap();
    assert!(p.moderated.published.is_none());
    assert_eq!(p.moderated.review_reason, reason);

    let sent = mails(&app);
    assert_eq!(sent.len(), 1);
    let (to, subject, body) = &sent[0];
    assert!(to.contains("camille@exemple.fr"));
    assert_eq!(subject, "Votre profil n'a pas été publié");
    assert!(body.contains(reason), "{body}");
    assert!(body.contains("/mon-profil"), "{body}");

    let journal = app.get("/admin/moderation/journal").await;
    assert!(journal.body.contains("refusé"));
    assert!(
        journal.body.contains("Test anim@exemple.fr"),
        "moderator name"
    );
    assert!(journal.body.contains("Camille Martin"));
    assert!(
        journal.body.contains("Merci de préciser votre fonction")
            && journal.body.contains("l&#39;association")
    );
    app.stop().await;
}

both_databases!(an_outdated_revision_is_refused, outdated);
async fn outdated(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let member = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    // A new version of a published profile: compared field by field.
    let mut fields = profile_fields("Camille Martin");
    fields.role = "Directrice".into();
    let now = chrono::Utc::now();
    store
        .submit_profile(member.id, &fields, Visibility::Public, Some(now), now)
        .await
        .unwrap();
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let q = app.get("/admin/moderation").await;
    assert!(q.body.contains("Version publiée"));
    assert!(q.body.contains("modifié"));
    assert!(q.body.contains("<strong>Directrice</strong>"), "{}", q.body);
    assert!(q.body.contains("champs modifiés : 1"));
    let seen = q.field("revision");

    // Meanwhile the member changes it again.
    fields.role = "Directrice adjointe".into();
    store
        .submit_profile(member.id, &fields, Visibility::Public, Some(now), now)
        .await
        .unwrap();
    let r = decide_member(
        &app,
        member.id,
        &[("decision", "approve"), ("revision", &seen)],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r
        .body
        .contains("a changé depuis que vous l&#39;avez ouverte"));
    assert!(r.body.contains("role=\"alert\""));
    let p = store.profile(member.id).await.unwrap().unwrap();
    assert_eq!(
        p.moderated.published.as_ref().unwrap().role,
        "Coordinatrice"
    );
    assert!(app.outbox().is_empty());

    // The current revision is approved, and the member told.
    let current = app.get("/admin/moderation").await.field("revision");
    assert_ne!(current, seen);
    let approve_current = [("decision", "approve"), ("revision", current.as_str())];
    let r = decide_member(&app, member.id, &approve_current).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/admin/moderation?fait=approuve");
    let p = store.profile(member.id).await.unwrap().unwrap();
    assert_eq!(
        p.moderated.published.as_ref().unwrap().role,
        "Directrice adjointe"
    );
    let sent = mails(&app);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, "Votre profil est publié");
    assert!(sent[0]
        .2
        .contains(&format!("{}/reseau/{}", app.base, p.slug)));
    // Deciding twice: the same clear message.
    let again = decide_member(&app, member.id, &approve_current).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let journal = app.get("/admin/moderation/journal").await;
    assert!(journal.body.contains("approuvé"));
    app.stop().await;
}

both_databases!(reports_reach_the_animators, reports);
async fn reports(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let reported = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    let slug = store.profile(reported.id).await.unwrap().unwrap().slug;
    let form = format!("/reseau/{slug}/signaler");

    // Visitors sign in first.
    let r = app.get(&form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/connexion"));
    assert_eq!(
        app.get("/reseau/personne/signaler").await.status,
        StatusCode::SEE_OTHER
    );

    app.sign_in_as("dominique@exemple.fr", Role::Member).await;
    assert_eq!(
        app.get("/reseau/personne/signaler").await.status,
        StatusCode::NOT_FOUND
    );
    let page = app.get(&format!("{form}?message=1")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Camille Martin"));
    assert!(page.body.contains("name=\"message\" value=\"1\""));
    let short = app.post_form(&form, &form, &[("reason", "spam")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("au moins 10 caractères"));
    assert!(short
        .body
        .contains("aria-describedby=\"reason-aide reason-erreur\""));
    assert!(store.open_reports().await.unwrap().is_empty());
    let r = app
        .post_form(
            &form,
            &form,
            &[
                ("reason", "Ce profil fait de la publicité commerciale."),
                ("message", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        format!("/reseau/{slug}?signalement=envoye")
    );
    let open = store.open_reports().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].subject_id, reported.id);
    assert!(open[0].reason.contains("publicité commerciale"));
    assert!(open[0].reason.starts_with("[À propos d'un message reçu]"));

    // One's own profile cannot be reported.
    sign_in(&app, "camille@exemple.fr").await;
    let own = app
        .post_form(&form, &form, &[("reason", "Je me signale moi-même.")])
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("votre propre profil"));

    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let list = app.get("/admin/signalements").await;
    assert!(list.body.contains("publicité commerciale"));
    assert!(
        list.body.contains("Test dominique@exemple.fr"),
        "the reporter"
    );
    assert!(list.body.contains(&format!("href=\"/reseau/{slug}\"")));
    let id = open[0].id;
    let action = format!("/admin/signalements/{id}");
    let bad = app
        .post_form("/admin/signalements", &action, &[("resolution", "ok")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("au moins 3 caractères"));
    assert_eq!(store.open_reports().await.unwrap().len(), 1);
    let done = app
        .post_form(
            "/admin/signalements",
            &action,
            &[("resolution", "Membre contacté, lien retiré.")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.header("location"), "/admin/signalements?fait=resolu");
    assert!(store.open_reports().await.unwrap().is_empty());
    let after = app.get("/admin/signalements?fait=resolu").await;
    assert!(after.body.contains("le signalement est clos"));
    assert!(after.body.contains("Aucun signalement ouvert."));
    let twice = app
        .post_form(
            "/admin/signalements",
            &action,
            &[("resolution", "Encore une fois.")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    app.stop().await;
}
