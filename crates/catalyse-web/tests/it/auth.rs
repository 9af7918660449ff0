//! Accounts: sign in and out, sessions, CSRF, roles, rate limits, password reset by email.

use crate::{Answer, TestApp};
use catalyse_core::Role;
use catalyse_store::{both_databases, Store};
use reqwest::{Method, StatusCode};
use std::sync::Arc;

const PASSWORD: &str = "une longue phrase de passe";

/// Posts a new role for this account, from `page` (for its CSRF token).
async fn set_role(app: &TestApp, page: &str, user: i64, role: &str) -> Answer {
    app.post_form(
        page,
        &format!("/admin/comptes/{user}/role"),
        &[("role", role)],
    )
    .await
}

/// The role of this account, as stored.
async fn role_of(app: &TestApp, user: i64) -> Role {
    app.store.user_by_id(user).await.unwrap().unwrap().role
}

/// Posts a new password and its confirmation with the reset token, from `page`.
async fn reset_password(
    app: &TestApp,
    page: &str,
    token: &str,
    password: &str,
    confirmation: &str,
) -> Answer {
    app.post_form(
        page,
        "/reinitialiser",
        &[
            ("jeton", token),
            ("password", password),
            ("confirmation", confirmation),
        ],
    )
    .await
}

both_databases!(login_sessions_and_logout, login_logout);
async fn login_logout(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    app.user("camille@exemple.fr", PASSWORD, Role::Member).await;

    // Wrong password: a French message, no session.
    let a = app
        .login("camille@exemple.fr", "pas le bon mot de passe")
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a
        .body
        .contains("Adresse électronique ou mot de passe incorrect."));
    assert!(app.cookie("__Host-session").is_none());
    // Bad input is explained field by field and the address is kept.
    let a = app.login("pas-une-adresse", "").await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains("Saisissez une adresse électronique valide"));
    assert!(a.body.contains("aria-describedby=\"email-erreur\""));
    assert!(a.body.contains("value=\"pas-une-adresse\""));

    let a = app.login("Camille@Exemple.fr", PASSWORD).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let cookie = a
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-session="))
        .unwrap();
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert!(!cookie.contains("Domain"));
    let first = app.cookie("__Host-session").unwrap();
    assert!(app.get("/").await.body.contains("Test camille@exemple.fr"));

    // A new login gets a new session id, and the old one ends on the server.
    app.login("camille@exemple.fr", PASSWORD).await;
    let second = app.cookie("__Host-session").unwrap();
    assert_ne!(first, second);
    app.set_cookie_value("__Host-session", &first);
    assert!(!app.get("/").await.body.contains("Test camille@exemple.fr"));
    app.set_cookie_value("__Host-session", &second);

    // Logout ends the session on the server: replaying the cookie does not work.
    let a = app.post_form("/", "/deconnexion", &[]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    app.set_cookie_value("__Host-session", &second);
    assert!(!app.get("/").await.body.contains("Test camille@exemple.fr"));
    app.stop().await;
}

both_databases!(forms_need_their_csrf_token, csrf);
async fn csrf(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    app.user("camille@exemple.fr", PASSWORD, Role::Member).await;
    app.get("/connexion").await;
    let fields = [("email", "camille@exemple.fr"), ("password", PASSWORD)];
    let a = app
        .request(Method::POST, "/connexion", Some(&fields), &[])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "no token");
    let with_wrong = [
        ("csrf", "x".repeat(43)),
        ("email", "camille@exemple.fr".into()),
        ("password", PASSWORD.into()),
    ];
    let wrong: Vec<(&str, &str)> = with_wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = app
        .request(Method::POST, "/connexion", Some(&wrong), &[])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "wrong token");
    // A cross-site post is refused even with the token.
    let token = app.get("/connexion").await.field("csrf");
    let good = [
        ("csrf", token.as_str()),
        ("email", "camille@exemple.fr"),
        ("password", PASSWORD),
    ];
    let a = app
        .request(
            Method::POST,
            "/connexion",
            Some(&good),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "cross-site");
    assert!(app.cookie("__Host-session").is_none());
    let a = app
        .request(Method::POST, "/connexion", Some(&good), &[])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    app.stop().await;
}

both_databases!(roles_are_checked_on_admin_routes, roles);
async fn roles(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let admin = app.user("admin@exemple.fr", PASSWORD, Role::Admin).await;
    let member = app.user("camille@exemple.fr", PASSWORD, Role::Member).await;

    let a = app.get("/admin/comptes").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(a.header("location").starts_with("/connexion?retour="));

    app.login("camille@exemple.fr", PASSWORD).await;
    assert_eq!(
        app.get("/admin/comptes").await.status,
        StatusCode::FORBIDDEN
    );
    let a = set_role(&app, "/", member.id, "admin").await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(role_of(&app, member.id).await, Role::Member);

    app.forget_cookies();
    let a = app
        .post_form(
            "/connexion?retour=/admin/comptes",
            "/connexion",
            &[
                ("email", "admin@exemple.fr"),
                ("password", PASSWORD),
                ("retour", "/admin/comptes"),
            ],
        )
        .await;
    assert_eq!(a.header("location"), "/admin/comptes");
    let list = app.get("/admin/comptes").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("camille@exemple.fr"));
    let a = set_role(&app, "/admin/comptes", member.id, "moderator").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(role_of(&app, member.id).await, Role::Moderator);
    let log = app.get("/admin/comptes?etat=role").await.body;
    assert!(
        log.contains("Le rôle a été modifié.")
            && log.contains("set_role user:")
            && log.contains("moderator)")
    );
    // Bad input and the last-admin rule: clear messages, nothing changed.
    let a = set_role(&app, "/admin/comptes", member.id, "chef").await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains("Rôle inconnu"));
    let a = set_role(&app, "/admin/comptes", admin.id, "member").await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(a.body.contains("au moins un administrateur"));
    assert_eq!(role_of(&app, admin.id).await, Role::Admin);
    let a = set_role(&app, "/admin/comptes", 99999, "member").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

both_databases!(login_is_rate_limited, rate_limit);
async fn rate_limit(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    app.user("camille@exemple.fr", PASSWORD, Role::Member).await;
    for _ in 0..5 {
        let a = app
            .login("camille@exemple.fr", "mauvais mot de passe")
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    let a = app.login("camille@exemple.fr", PASSWORD).await;
    assert_eq!(
        a.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let wait: u64 = a.header("retry-after").parse().unwrap();
    assert!(wait > 0);
    assert!(a.body.contains("Trop de tentatives de connexion"));
    assert!(app.cookie("__Host-session").is_none());
    app.stop().await;
}

both_databases!(password_reset_by_email, password_reset);
async fn password_reset(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    app.user("camille@exemple.fr", PASSWORD, Role::Member).await;

    // Unknown and known addresses get the same answer; only the known one gets a mail.
    let a = app.forgot_password("personne@exemple.fr").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains("Si un compte existe pour cette adresse"));
    assert!(app.outbox().is_empty());
    let a = app.forgot_password("pas une adresse").await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.forgot_password("camille@exemple.fr").await;
    // The mail goes after the answer.
    let mails = app.outbox_with(1).await;
    assert_eq!(mails.len(), 1);
    let parsed = mailparse::parse_mail(mails[0].as_bytes()).unwrap();
    assert!(mails[0].contains("To: camille@exemple.fr"));
    let mail = parsed.get_body().unwrap();
    assert!(mail.contains("valable une heure"), "{mail}");
    let token = mail
        .split("jeton=")
        .nth(1)
        .unwrap()
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string();
    let page = format!("/reinitialiser?jeton={token}");
    assert_eq!(app.get(&page).await.status, StatusCode::OK);

    // Weak passwords are refused with the reason; the link still works after that.
    for (bad, msg) in [
        ("court", "au moins 12 caractères"),
        ("motdepasse123", "trop courant"),
    ] {
        let a = reset_password(&app, &page, &token, bad, bad).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a.body.contains(msg), "{bad}: {}", a.body);
    }
    let a = reset_password(
        &app,
        &page,
        &token,
        "nouvelle phrase secrète",
        "autre chose",
    )
    .await;
    assert!(a.body.contains("ne sont pas identiques"));
    let new = "nouvelle phrase secrète";
    let a = reset_password(&app, &page, &token, new, new).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.header("location"), "/connexion?etat=reinitialise");

    // Single use.
    assert_eq!(app.get(&page).await.status, StatusCode::GONE);
    let other = "encore une autre phrase";
    let a = reset_password(&app, "/connexion", &token, other, other).await;
    assert_eq!(a.status, StatusCode::GONE);
    assert_eq!(
        app.login("camille@exemple.fr", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("camille@exemple.fr", "nouvelle phrase secrète")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}
