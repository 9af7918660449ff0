//! What an outside probe tried on accounts: open redirects through `retour`, locking someone
//! out with failed sign-ins, rate limits behind a proxy and across instances, addresses the
//! mailer refuses, and answers whose content or timing tell whether an account exists.

use crate::{Answer, TestApp};
use catalyse_core::{Email, Role};
use catalyse_store::{both_databases, Store};
use reqwest::{Method, StatusCode};
use std::sync::Arc;

const PASSWORD: &str = "une longue phrase de passe";

/// Signs in (or tries to) from the client address a proxy would give in `X-Forwarded-For`.
async fn login_from(app: &TestApp, forwarded: &str, email: &str, password: &str) -> Answer {
    let csrf = app.get("/connexion").await.field("csrf");
    app.request(
        Method::POST,
        "/connexion",
        Some(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ]),
        &[("x-forwarded-for", forwarded)],
    )
    .await
}

/// Return paths that leave the site, or that cannot go into a header.
const HOSTILE: [&str; 9] = [
    "/\t/evil.example",
    "/\r\n",
    "/\r\nSet-Cookie: x=y",
    "//evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "/ /evil.example",
    "/\u{0}/evil.example",
];

both_databases!(return_paths_stay_on_the_site, return_paths);
async fn return_paths(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    app.user("camille@exemple.fr", PASSWORD, Role::Member).await;

    // The probe's payloads, as they come in the query string.
    for raw in [
        "/%09/evil.example",
        "/%0d%0a",
        "/%0D%0ASet-Cookie:%20x=y",
        "//evil.example",
        "/%5Cevil.example",
        "/%5C/evil.example",
        "%2F%2Fevil.example",
        "/%2F/evil.example",
        "https:%2F%2Fevil.example",
        "/%E2%80%A8/evil.example",
    ] {
        let a = app.get(&format!("/langue/en?retour={raw}")).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{raw}: {}", a.body);
        assert_eq!(a.header("location"), "/", "{raw}");
        let a = app.get(&format!("/connexion?retour={raw}")).await;
        assert_eq!(a.status, StatusCode::OK, "{raw}");
        assert_eq!(a.field("retour"), "/", "{raw}");
    }
    // After sign-in, with the value the form posts.
    for target in HOSTILE {
        app.forget_cookies();
        let csrf = app.get("/connexion").await.field("csrf");
        let a = app
            .request(
                Method::POST,
                "/connexion",
                Some(&[
                    ("csrf", csrf.as_str()),
                    ("email", "camille@exemple.fr"),
                    ("password", PASSWORD),
                    ("retour", target),
                ]),
                &[],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{target:?}: {}", a.body);
        assert_eq!(a.header("location"), "/", "{target:?}");
    }
    // Paths of the site still work, query and all.
    let a = app
        .get("/langue/en?retour=%2Fressources%3Fq%3Dplan%2520climat%26annee%3D2019")
        .await;
    assert_eq!(
        a.header("location"),
        "/ressources?q=plan%20climat&annee=2019"
    );
    let a = app
        .get("/langue/fr?retour=/territoires/Saint-%C3%89tienne")
        .await;
    assert_eq!(a.header("location"), "/territoires/Saint-%C3%89tienne");
    app.forget_cookies();
    let a = app
        .post_form(
            "/connexion",
            "/connexion",
            &[
                ("email", "camille@exemple.fr"),
                ("password", PASSWORD),
                ("retour", "/reseau?q=x"),
            ],
        )
        .await;
    assert_eq!(a.header("location"), "/reseau?q=x");
    app.stop().await;
}

both_databases!(failures_elsewhere_never_lock_out, lock_out);
async fn lock_out(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store, |c| c.trusted_proxies = "127.0.0.1, ::1".into()).await;
    app.user("admin@exemple.fr", PASSWORD, Role::Admin).await;
    let attacker = "203.0.113.7";
    for i in 0..5 {
        let a = login_from(&app, attacker, "admin@exemple.fr", "devine").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    // The sixth failure from that address is refused, in French, with when to come back.
    let a = login_from(&app, attacker, "admin@exemple.fr", "devine encore").await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = a.header("retry-after").parse().expect("Retry-After");
    assert!((1..=900).contains(&wait), "{wait}");
    assert!(
        a.body.contains("Trop de tentatives de connexion"),
        "{}",
        a.body
    );
    // The administrator, from her own address, signs in at once.
    app.forget_cookies();
    let a = login_from(&app, "198.51.100.8", "admin@exemple.fr", PASSWORD).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(app.cookie("__Host-session").is_some());
    // A proxy in front of the proxy: the right-most untrusted address counts, whatever the
    // client wrote to its left.
    app.forget_cookies();
    let a = login_from(
        &app,
        &format!("198.51.100.8, {attacker}"),
        "admin@exemple.fr",
        PASSWORD,
    )
    .await;
    assert_eq!(
        a.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker cannot pose as someone else"
    );
    app.stop().await;
}

// Many addresses together failing on one account slow its sign-ins down, and never refuse
// the right password.
both_databases!(failures_from_everywhere_slow_down, slow_down);
async fn slow_down(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store, |c| {
        c.trusted_proxies = "127.0.0.1, ::1".into();
        c.login_per_quarter_per_account = 1;
    })
    .await;
    app.user("admin@exemple.fr", PASSWORD, Role::Admin).await;
    let timed = |from: String, password: &'static str| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            let a = login_from(app, &from, "admin@exemple.fr", password).await;
            (a.status, started.elapsed())
        }
    };
    // Four addresses fail once each: within every per-address budget.
    for i in 0..4 {
        let (status, _) = timed(format!("203.0.113.{}", 10 + i), "devine").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    // Now every sign-in on the account waits, the owner's too, but she gets in.
    let (status, took) = timed("203.0.113.99".into(), "devine").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(took >= catalyse_web::ratelimit::LOGIN_SLOWDOWN, "{took:?}");
    app.forget_cookies();
    let (status, took) = timed("198.51.100.8".into(), PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "slowed down, never refused");
    assert!(took >= catalyse_web::ratelimit::LOGIN_SLOWDOWN, "{took:?}");
    app.stop().await;
}

both_databases!(forwarded_for_ignored_from_untrusted_peers, untrusted_peer);
async fn untrusted_peer(store: Arc<dyn Store>) {
    // No trusted proxy: the header is the client's word and changes nothing.
    let app = TestApp::start(store).await;
    app.user("camille@exemple.fr", PASSWORD, Role::Member).await;
    for i in 0..5 {
        let a = login_from(&app, &format!("203.0.113.{i}"), "camille@exemple.fr", "non").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    let a = login_from(&app, "198.51.100.8", "camille@exemple.fr", "non").await;
    assert_eq!(
        a.status,
        StatusCode::TOO_MANY_REQUESTS,
        "five failures from this peer, whatever its header says"
    );
    app.stop().await;
}

both_databases!(limits_are_shared_by_instances, shared, with_url);
async fn shared(store: Arc<dyn Store>, url: String) {
    let a = TestApp::start(store).await;
    a.user("camille@exemple.fr", PASSWORD, Role::Member).await;
    // A second instance: its own connections to the same database, its own state.
    let second = catalyse_store::connect(&url, &catalyse_store::ConnectOptions::default())
        .await
        .expect("second store");
    let b = TestApp::start(second.clone()).await;
    for _ in 0..5 {
        assert_eq!(
            a.login("camille@exemple.fr", "non").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = b.login("camille@exemple.fr", "non").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // Password-reset requests from one address are counted across instances too.
    for i in 0..5 {
        let app = if i % 2 == 0 { &a } else { &b };
        let r = app.forgot_password("personne@exemple.fr").await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = b.forgot_password("personne@exemple.fr").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.header("retry-after").is_empty());
    a.stop().await;
    b.stop().await;
    second.close().await;
}

both_databases!(reset_answers_alike_and_mails_after, reset_alike);
async fn reset_alike(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    app.user("camille@exemple.fr", PASSWORD, Role::Member).await;
    let mut answers = vec![];
    for email in ["personne@exemple.fr", "camille@exemple.fr"] {
        answers.push(app.forgot_password(email).await);
    }
    let (unknown, known) = (&answers[0], &answers[1]);
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.body, known.body, "the same page either way");
    // The mail still goes, after the answer.
    let mails = app.outbox_with(1).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: camille@exemple.fr"));
    assert!(mails[0].contains("reinitialiser?jeton="));
    app.stop().await;
}

both_databases!(reset_answers_before_a_slow_mail_server, reset_slow_smtp);
async fn reset_slow_smtp(store: Arc<dyn Store>) {
    // A mail server that accepts the connection and never speaks: sending would take as
    // long as the SMTP timeout. The answer must not wait for it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let app = TestApp::start_with(store, |c| {
        c.smtp_url = Some(catalyse_web::config::Secret(format!(
            "smtp://127.0.0.1:{port}"
        )))
    })
    .await;
    app.user("camille@exemple.fr", PASSWORD, Role::Member).await;
    let started = std::time::Instant::now();
    let a = app.forgot_password("camille@exemple.fr").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "answered in {:?}",
        started.elapsed()
    );
    drop(silent);
    app.stop().await;
}

both_databases!(join_refuses_addresses_mailers_refuse, join_addresses);
async fn join_addresses(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    for bad in [
        "a,b@x.org",
        "a<b@x.org",
        "x;y@example.org",
        "a..b@x.org",
        "\"a\"@x.org",
    ] {
        let a = app.join("Camille Martin", bad, PASSWORD).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            a.body
        );
        assert!(a.body.contains("adresse"), "{bad}: a French message");
    }
    let users = app.store.list_users(1, 50).await.unwrap();
    assert_eq!(users.total, 0, "no account left behind");
    assert!(app.outbox().is_empty());
    app.stop().await;
}

both_databases!(join_leaves_nothing_when_mail_fails, join_mail_fails);
async fn join_mail_fails(store: Arc<dyn Store>) {
    // Nothing listens on this port: every mail fails at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = TestApp::start_with(store, |c| {
        c.smtp_url = Some(catalyse_web::config::Secret(format!(
            "smtp://127.0.0.1:{port}"
        )))
    })
    .await;
    app.user("deja@exemple.fr", PASSWORD, Role::Member).await;
    let mut bodies = vec![];
    for email in ["nouvelle@exemple.fr", "deja@exemple.fr"] {
        let a = app.join("Camille Martin", email, PASSWORD).await;
        assert_eq!(
            a.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{email}: {}",
            a.body
        );
        assert!(
            a.body
                .contains("Nous n&#39;avons pas pu envoyer le message de confirmation")
                || a.body
                    .contains("Nous n'avons pas pu envoyer le message de confirmation"),
            "{}",
            a.body
        );
        assert!(a.body.contains("Aucun compte n"));
        bodies.push(a.body.replace(email, "ADRESSE"));
    }
    assert_eq!(
        bodies[0], bodies[1],
        "the same answer with or without an account"
    );
    let new = Email::parse("nouvelle@exemple.fr").unwrap();
    assert!(
        app.store.user_by_email(&new).await.unwrap().is_none(),
        "no account row left behind"
    );
    assert_eq!(app.store.list_users(1, 50).await.unwrap().total, 1);
    // An unconfirmed account signs in with the right password: no link can leave, and the
    // page says so rather than claim one did (never a 500).
    let hash = catalyse_web::auth::hash_password(PASSWORD.into())
        .await
        .unwrap();
    app.store
        .create_user(
            &catalyse_store::NewUser {
                email: Email::parse("attente@exemple.fr").unwrap(),
                display_name: "Camille Attente".into(),
                role: Role::Member,
                password_hash: hash,
                is_example: false,
                email_verified: false,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let r = app.login("attente@exemple.fr", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(
        r.body.contains("pas pu vous renvoyer de lien"),
        "{}",
        r.body
    );
    app.stop().await;
}

both_databases!(join_answers_alike_for_existing_accounts, join_alike);
async fn join_alike(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    app.user("deja@exemple.fr", PASSWORD, Role::Member).await;
    let mut bodies = vec![];
    for email in ["nouvelle@exemple.fr", "deja@exemple.fr"] {
        let a = app.join("Camille Martin", email, PASSWORD).await;
        assert_eq!(a.status, StatusCode::OK, "{email}: {}", a.body);
        bodies.push(a.body);
    }
    assert_eq!(bodies[0], bodies[1], "the same page either way");
    let mails = app.outbox_with(2).await;
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().any(|m| m.contains("To: deja@exemple.fr")));
    assert!(mails.iter().any(|m| m.contains("To: nouvelle@exemple.fr")));
    app.stop().await;
}

both_databases!(trusted_proxies_checked_at_start, proxies_checked);
async fn proxies_checked(store: Arc<dyn Store>) {
    let config = catalyse_web::Config {
        // One folder per half: both halves run at once in this process.
        data_dir: std::env::temp_dir().join(format!(
            "catalyse_proxies_{}_{}",
            std::process::id(),
            crate::rand_suffix()
        )),
        demo: false,
        trusted_proxies: "10.0.0.1, proxy.interne".into(),
        ..catalyse_web::Config::default()
    };
    let dir = config.data_dir.clone();
    let err = match catalyse_web::boot::state(store, config).await {
        Ok(_) => panic!("a host name is not an address"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("trusted_proxies") && err.contains("proxy.interne"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

both_databases!(tries_at_once_are_all_counted, tries_at_once);
async fn tries_at_once(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    app.user("camille@exemple.fr", PASSWORD, Role::Member).await;
    let csrf = app.get("/connexion").await.field("csrf");
    let tries = (0..12).map(|i| {
        let (app, csrf) = (&app, csrf.clone());
        async move {
            let password = format!("essai {i}");
            let fields = [
                ("csrf", csrf.as_str()),
                ("email", "camille@exemple.fr"),
                ("password", password.as_str()),
            ];
            app.request(Method::POST, "/connexion", Some(&fields), &[])
                .await
                .status
        }
    });
    let statuses = futures_util::future::join_all(tries).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        7
    );
    app.stop().await;
}

both_databases!(the_accounts_list_is_searched_and_paged, accounts_list);
async fn accounts_list(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    for i in 0..55 {
        app.user(&format!("membre{i:02}@exemple.fr"), PASSWORD, Role::Member)
            .await;
    }
    app.user("lou.anim@autre.org", PASSWORD, Role::Moderator)
        .await;
    // Moderators have the dashboard, not the accounts.
    app.login("lou.anim@autre.org", PASSWORD).await;
    assert_eq!(
        app.get("/admin/comptes").await.status,
        StatusCode::FORBIDDEN
    );
    app.forget_cookies();
    app.user("admin@exemple.fr", PASSWORD, Role::Admin).await;
    app.login("admin@exemple.fr", PASSWORD).await;

    // 57 accounts, 50 a page, by address; the pager keeps the search.
    let p1 = app.get("/admin/comptes").await;
    assert_eq!(p1.status, StatusCode::OK);
    assert!(p1.body.contains("57 comptes."), "{}", p1.body);
    assert_eq!(p1.body.matches("/role\" class=\"inline-form\"").count(), 50);
    assert!(p1
        .body
        .contains("href=\"/admin/comptes?page=2\" rel=\"next\""));
    let p2 = app.get("/admin/comptes?page=2").await;
    assert_eq!(p2.body.matches("/role\" class=\"inline-form\"").count(), 7);
    assert!(p2.body.contains("membre54@exemple.fr"));
    assert_eq!(
        app.get("/admin/comptes?page=3").await.status,
        StatusCode::NOT_FOUND
    );
    // Name or address contains, ignoring case; role filter.
    let q = app.get("/admin/comptes?q=MEMBRE1").await;
    assert!(q.body.contains("10 comptes."), "{}", q.body);
    assert!(q.body.contains("value=\"MEMBRE1\""));
    assert!(!q.body.contains("membre20@exemple.fr"));
    let q = app.get("/admin/comptes?q=membre&role=member&page=2").await;
    assert!(q.body.contains("55 comptes."));
    assert!(
        q.body
            .contains("href=\"/admin/comptes?q=membre&#38;role=member\" rel=\"prev\""),
        "{}",
        q.body
    );
    let m = app.get("/admin/comptes?role=moderator").await;
    assert!(m.body.contains("1 compte."));
    assert!(m.body.contains("lou.anim@autre.org"));
    assert!(m.body.contains("<option value=\"moderator\" selected>"));
    let none = app.get("/admin/comptes?q=personne").await;
    assert!(none.body.contains("Aucun compte ne correspond."));
    // Nonsense reads as « everything », never a 500.
    for path in [
        "/admin/comptes?role=chef",
        "/admin/comptes?page=abc",
        "/admin/comptes?q=%25_%5C",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
    // Dates in French, Paris time.
    assert!(!p1.body.contains(" UTC"));
    app.stop().await;
}

both_databases!(
    sign_in_leads_to_join_and_join_asks_a_password,
    sign_in_and_join
);
async fn sign_in_and_join(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let login = app.get("/connexion").await;
    assert!(login
        .body
        .contains("Pas encore membre ? <a href=\"/rejoindre\">Rejoindre</a>"));
    let join = app.get("/rejoindre").await.body;
    assert!(
        !join.to_lowercase().contains("nouveau mot de passe"),
        "{join}"
    );
    assert!(join.contains("Confirmez le mot de passe"));
    assert_eq!(join.matches("autocomplete=\"new-password\"").count(), 2);
    app.stop().await;
}
