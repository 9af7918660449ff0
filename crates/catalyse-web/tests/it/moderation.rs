//! Moderation of the network: the queue (animators only), decisions on the revision shown,
//! the mails that tell the member, the audit trail, and reports.

use crate::{Answer, TestApp, TEST_PASSWORD};
use catalyse_core::network::{PlaceFields, PlaceKind, ProfileFields, Visibility};
use catalyse_core::{ModerationMail, Role, User};
use catalyse_store::{both_databases, Store};
use catalyse_web::network::moderation::alerts::send_daily_digests;
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
                // A mail with an attachment: its text is the first text/plain part.
                std::iter::once(&p)
                    .chain(p.subparts.iter())
                    .find(|part| part.ctype.mimetype == "text/plain")
                    .and_then(|part| part.get_body().ok())
                    .unwrap_or_default(),
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

/// A moderator account with her choice of moderation mails.
pub async fn moderator(app: &TestApp, email: &str, mail: ModerationMail) -> User {
    let m = app.user(email, TEST_PASSWORD, Role::Moderator).await;
    app.store.set_moderation_mail(m.id, mail).await.unwrap();
    m
}

/// The mails sent to `to`, after waiting (at most 5 s) for the outbox to hold `total`.
pub async fn mails_to(app: &TestApp, total: usize, to: &str) -> Vec<(String, String, String)> {
    app.outbox_with(total).await;
    mails(app)
        .into_iter()
        .filter(|(addr, _, _)| addr.contains(to))
        .collect()
}

both_databases!(moderators_are_told_at_once_or_never, told_at_once);
async fn told_at_once(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    moderator(&app, "vite@exemple.fr", ModerationMail::Immediate).await;
    let now_en = moderator(&app, "fast@exemple.fr", ModerationMail::Immediate).await;
    store.set_user_lang(now_en.id, "en").await.unwrap();
    moderator(&app, "jamais@exemple.fr", ModerationMail::Never).await;
    moderator(&app, "soir@exemple.fr", ModerationMail::Daily).await;
    let place = [
        ("name", "Le Café des Liens"),
        ("kind", "cafe-solidaire"),
        ("commune", "Saint-Étienne"),
        ("address", "12 rue de la Paix"),
        ("description", "Un café associatif."),
        ("website", ""),
        ("equipe", "oui"),
    ];
    app.sign_in_as("camille@exemple.fr", Role::Member).await;
    let r = app
        .post_form("/lieux/nouveau", "/lieux/nouveau", &place)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // One mail to each « immédiatement » moderator, in her language; none to the others.
    let fr = mails_to(&app, 2, "vite@exemple.fr").await;
    assert_eq!(fr.len(), 1, "{fr:?}");
    assert_eq!(fr[0].1, "Catalyse : un lieu attend la modération");
    assert!(
        fr[0].2.contains("Le lieu « Le Café des Liens »"),
        "{}",
        fr[0].2
    );
    assert!(fr[0]
        .2
        .contains(&format!("{}/admin/moderation#lieux", app.base)));
    let en = mails_to(&app, 2, "fast@exemple.fr").await;
    assert_eq!(en.len(), 1);
    assert_eq!(en[0].1, "Catalyse: a place waits for moderation");
    assert_eq!(
        mails(&app).len(),
        2,
        "« jamais » and « une fois par jour » wait"
    );

    // A report: told too.
    let reported = member_with_profile(&app, "dom@exemple.fr", "Dominique", true).await;
    let slug = store.profile(reported.id).await.unwrap().unwrap().slug;
    let form = format!("/reseau/{slug}/signaler");
    let r = app
        .post_form(
            &form,
            &form,
            &[("reason", "Ce profil fait de la publicité.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let fr = mails_to(&app, 4, "vite@exemple.fr").await;
    assert_eq!(fr.len(), 2);
    assert!(fr
        .iter()
        .any(|m| m.1 == "Catalyse : un nouveau signalement"));
    assert_eq!(mails(&app).len(), 4);
    assert!(mails(&app)
        .iter()
        .all(|(to, _, _)| !to.contains("jamais") && !to.contains("soir")));
    app.stop().await;
}

/// The platform's state over the store and data directory of `app`, for what runs outside
/// requests (the daily digests).
pub async fn state_beside(app: &TestApp) -> catalyse_web::AppState {
    let mut config = catalyse_web::Config {
        data_dir: app.data_dir.clone(),
        demo: false,
        ..catalyse_web::Config::default()
    };
    config.bind = "127.0.0.1:0".into();
    catalyse_web::boot::state(app.store.clone(), config)
        .await
        .unwrap()
}

both_databases!(the_daily_digest_lists_what_waits_once_a_day, digest);
async fn digest(store: Arc<dyn Store>) {
    use chrono::TimeZone;
    let app = TestApp::start(store.clone()).await;
    let daily = moderator(&app, "matin@exemple.fr", ModerationMail::Daily).await;
    moderator(&app, "jamais@exemple.fr", ModerationMail::Never).await;
    let state = state_beside(&app).await;
    // 09:30 in Paris in winter is 08:30 UTC.
    let morning = chrono::Utc.with_ymd_and_hms(2026, 1, 15, 8, 30, 0).unwrap();
    // Nothing waits: nothing is sent (and the day is not used up).
    assert_eq!(send_daily_digests(&state, morning).await.unwrap(), 0);
    member_with_profile(&app, "camille@exemple.fr", "Camille Martin", false).await;
    member_with_profile(&app, "lou@exemple.fr", "Lou Bernard", false).await;
    // Before 8 h in Paris: not yet.
    let early = chrono::Utc.with_ymd_and_hms(2026, 1, 15, 6, 30, 0).unwrap();
    assert_eq!(send_daily_digests(&state, early).await.unwrap(), 0);
    assert_eq!(send_daily_digests(&state, morning).await.unwrap(), 1);
    let sent = mails_to(&app, 1, "matin@exemple.fr").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, "Catalyse : à modérer aujourd'hui (2)");
    let body = &sent[0].2;
    assert!(body.contains("Profils en attente (2)"), "{body}");
    assert!(body.contains("- Camille Martin, ") && body.contains("- Lou Bernard, "));
    assert!(body.contains("15 janvier 2026"), "{body}");
    // Once a day: later the same day, nothing more; the next day, again.
    let evening = morning + chrono::Duration::hours(10);
    assert_eq!(send_daily_digests(&state, evening).await.unwrap(), 0);
    assert_eq!(mails(&app).len(), 1);
    let next = morning + chrono::Duration::days(1);
    assert_eq!(send_daily_digests(&state, next).await.unwrap(), 1);
    assert_eq!(mails_to(&app, 2, "matin@exemple.fr").await.len(), 2);
    assert!(mails(&app).iter().all(|(to, _, _)| !to.contains("jamais")));
    // A moderator who switches to « jamais » gets no more digests.
    store
        .set_moderation_mail(daily.id, ModerationMail::Never)
        .await
        .unwrap();
    let third = next + chrono::Duration::days(1);
    assert_eq!(send_daily_digests(&state, third).await.unwrap(), 0);
    drop(state);
    app.stop().await;
}

both_databases!(moderators_choose_their_mails_on_their_account_page, choose);
async fn choose(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("membre@exemple.fr", Role::Member).await;
    let page = app.get("/mon-profil").await;
    assert!(
        !page.body.contains("id=\"alertes\""),
        "members have no such setting"
    );
    let r = app
        .post_form(
            "/mon-profil",
            "/mon-profil/alertes",
            &[("moderation_mail", "never")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let page = app.get("/mon-profil").await;
    assert!(page.body.contains("id=\"alertes\""));
    assert!(
        page.body.contains("value=\"daily\" checked"),
        "« une fois par jour » by default"
    );
    let r = app
        .post_form(
            "/mon-profil",
            "/mon-profil/alertes",
            &[("moderation_mail", "immediate")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/mon-profil?etat=alertes#alertes");
    let page = app.get("/mon-profil?etat=alertes").await;
    assert!(page.body.contains("value=\"immediate\" checked"));
    assert!(page
        .body
        .contains("Votre choix de courriels de modération est enregistré."));
    let bad = app
        .post_form(
            "/mon-profil",
            "/mon-profil/alertes",
            &[("moderation_mail", "souvent")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let u = store
        .user_by_email(&catalyse_core::Email::parse("anim@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.moderation_mail, ModerationMail::Immediate);
    // Without the form's token: refused.
    let r = app
        .request(
            reqwest::Method::POST,
            "/mon-profil/alertes",
            Some(&[("moderation_mail", "never")]),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

both_databases!(the_dashboard_shows_what_waits_to_animators, dashboard);
async fn dashboard(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    // Visitors sign in; members are refused.
    let r = app.get("/admin").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/connexion?retour="));
    app.sign_in_as("membre@exemple.fr", Role::Member).await;
    assert_eq!(app.get("/admin").await.status, StatusCode::FORBIDDEN);
    assert!(!app.get("/").await.body.contains("pending-badge"));

    let camille = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", false).await;
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let page = app.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tableau de bord"));
    assert!(page.body.contains("Camille Martin"));
    assert!(page.body.contains("/admin/moderation#titre-membre-"));
    assert!(page.body.contains("première version"));
    assert!(page.body.contains("Aucun signalement ouvert."));
    assert!(page.body.contains("Aucun événement à venir."));
    // Latest sign-ups, dated in French.
    assert!(page.body.contains("Test anim@exemple.fr"));
    assert!(!page.body.contains(" UTC"));
    // The header: « Administration » leads here, and the badge says how much waits, on
    // every page.
    assert!(page
        .body
        .contains("<a href=\"/admin\" aria-current=\"page\">Administration</a>"));
    let home = app.get("/ressources").await;
    assert!(
        home.body
            .contains("href=\"/admin/moderation\">À modérer (1)</a>"),
        "{}",
        home.body
    );
    // Once decided, nothing waits: no badge.
    let p = store.pending_profiles().await.unwrap();
    store
        .decide_profile(
            p[0].user_id,
            p[0].moderated.revision,
            true,
            "",
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert!(!app.get("/ressources").await.body.contains("pending-badge"));
    // A place waits: its name, its commune, where it stands in the queue.
    let place = store
        .submit_place(
            None,
            camille.id,
            &PlaceFields {
                name: "Le Café des Liens".into(),
                kind: PlaceKind::CafeSolidaire,
                commune: "42218".into(),
                address: String::new(),
                description: "Un café associatif.".into(),
                managers: vec![camille.id],
                website: None,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let page = app.get("/admin").await;
    assert!(page.body.contains("Le Café des Liens"));
    assert!(page
        .body
        .contains(&format!("/admin/moderation#titre-lieu-{}", place.id)));
    assert!(page.body.contains("Saint-Étienne (42218)"));
    app.stop().await;
}
