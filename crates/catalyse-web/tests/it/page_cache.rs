//! The cache of visitors' pages (`page_cache`): answers from memory, forgotten at the first
//! write, never shared with a signed-in member nor across visitors' CSRF tokens, one per
//! language.

use crate::moderation::{approve_member, member_with_profile, profile_fields};
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::network::Visibility;
use catalyse_core::Role;
use catalyse_store::{both_databases, Store};
use reqwest::Method;
use std::sync::Arc;

/// The platform with its cache on, long enough that only a write can end an entry.
async fn app_with_cache(store: Arc<dyn Store>) -> TestApp {
    TestApp::start_with(store, |c| {
        c.page_cache_seconds = 600;
        crate::with_metrics(c);
    })
    .await
}

/// The counter `name` as `/metrics` gives it.
async fn counter(app: &TestApp, name: &str) -> u64 {
    let m = app.metrics().await;
    let line = format!("catalyse_{name}_total ");
    m.body
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {}", m.body))
}

both_databases!(
    a_visitors_page_comes_from_memory_until_a_write,
    served_until_a_write
);
async fn served_until_a_write(store: Arc<dyn Store>) {
    let app = app_with_cache(store).await;
    let member = member_with_profile(&app, "jo@exemple.fr", "Jo Smith", false).await;
    // A browser revalidating before anything is kept does not stop the page from being kept.
    let tag = app.get("/reseau").await.header("etag").to_string();
    // A successful form (signing out) forgets every kept page.
    let out = app.post_form("/connexion", "/deconnexion", &[]).await;
    assert!(out.status.is_redirection(), "{}", out.status);
    app.forget_cookies();
    let revalidated = app
        .request(Method::GET, "/reseau", None, &[("if-none-match", &tag)])
        .await;
    assert_eq!(revalidated.status.as_u16(), 304);
    let first = app.get("/reseau").await;
    assert_eq!(first.status.as_u16(), 200);
    assert!(!first.body.contains("Jo Smith"), "not yet approved");
    let hits = counter(&app, "page_cache_hits").await;
    let again = app.get("/reseau").await;
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("etag"), first.header("etag"));
    // Each answer its own request id, the kept one too.
    assert!(!again.header("x-request-id").is_empty());
    assert_ne!(again.header("x-request-id"), first.header("x-request-id"));
    assert_eq!(
        counter(&app, "page_cache_hits").await,
        hits + 1,
        "from memory"
    );
    // The same ETag from memory: 304, no body.
    let etag = first.header("etag").to_string();
    let revalidated = app
        .request(Method::GET, "/reseau", None, &[("if-none-match", &etag)])
        .await;
    assert_eq!(revalidated.status.as_u16(), 304);

    // An animator approves the profile: the next visitor sees it at once.
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let queue = app.get("/admin/moderation").await;
    let approved = approve_member(&app, member.id, &queue.field("revision")).await;
    assert_eq!(approved.status.as_u16(), 303, "{}", approved.body);
    app.forget_cookies();
    let after = app.get("/reseau").await;
    assert!(after.body.contains("Jo Smith"), "{}", after.body);

    // A refused form (a wrong password) writes nothing and forgets nothing.
    let hits = counter(&app, "page_cache_hits").await;
    app.login("jo@exemple.fr", "pas le bon mot de passe").await;
    app.forget_cookies();
    assert_eq!(app.get("/reseau").await.body, after.body);
    assert_eq!(counter(&app, "page_cache_hits").await, hits + 1);
    app.stop().await;
}

both_databases!(
    signed_in_pages_are_never_kept_nor_shared,
    signed_in_never_kept
);
async fn signed_in_never_kept(store: Arc<dyn Store>) {
    let app = app_with_cache(store).await;
    let lou = app
        .user("lou@exemple.fr", TEST_PASSWORD, Role::Member)
        .await;
    let now = chrono::Utc::now();
    let p = app
        .store
        .submit_profile(
            lou.id,
            &profile_fields("Lou Discrète"),
            Visibility::Members,
            Some(now),
            now,
        )
        .await
        .unwrap();
    app.store
        .decide_profile(lou.id, p.moderated.revision, true, "", None, now)
        .await
        .unwrap();
    let page = format!("/reseau/{}", p.slug);
    // A member sees the members-only profile, twice; a visitor after her does not.
    app.sign_in_as("cam@exemple.fr", Role::Member).await;
    for _ in 0..2 {
        let seen = app.get(&page).await;
        assert_eq!(seen.status.as_u16(), 200);
        assert!(seen.body.contains("Lou Discrète"));
    }
    app.forget_cookies();
    for _ in 0..2 {
        let visitor = app.get(&page).await;
        assert!(!visitor.body.contains("Lou Discrète"), "{}", visitor.status);
    }
    app.stop().await;
}

both_databases!(a_form_keeps_each_visitors_own_csrf_token, own_csrf_token);
async fn own_csrf_token(store: Arc<dyn Store>) {
    let app = app_with_cache(store).await;
    let mut tokens = vec![];
    for _visitor in 0..2 {
        app.forget_cookies();
        for _ in 0..2 {
            let form = app.get("/connexion").await;
            let token = form.field("csrf");
            assert_eq!(Some(token.clone()), app.cookie("__Host-csrf"));
            tokens.push(token);
        }
    }
    assert_eq!(tokens[0], tokens[1]);
    assert_eq!(tokens[2], tokens[3]);
    assert_ne!(tokens[0], tokens[2], "each visitor her own token");
    app.stop().await;
}

both_databases!(one_kept_page_per_language, one_per_language);
async fn one_per_language(store: Arc<dyn Store>) {
    let app = app_with_cache(store).await;
    let french = app.get("/leviers").await;
    app.set_cookie_value("lang", "en");
    let english = app.get("/leviers").await;
    app.forget_cookies();
    let french_again = app.get("/leviers").await;
    assert!(french.body.contains("lang=\"fr\""));
    assert!(english.body.contains("lang=\"en\""), "{}", english.body);
    assert_eq!(french_again.body, french.body);
    app.stop().await;
}

both_databases!(
    visitors_asking_the_same_page_at_once_wait_for_one_rendering,
    one_rendering
);
async fn one_rendering(store: Arc<dyn Store>) {
    use axum::routing::get;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let renderings = Arc::new(AtomicUsize::new(0));
    let (count, counted) = (renderings.clone(), renderings.clone());
    let extra = axum::Router::new()
        .route(
            "/lente",
            get(move || async move {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                "une page longue à faire"
            }),
        )
        .route(
            "/formulaire",
            get(move || async move {
                counted.fetch_add(100, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                (
                    [(axum::http::header::CACHE_CONTROL, "private, no-cache")],
                    "une page à soi",
                )
            }),
        );
    let (app, data_dir) = crate::layers::router_with(store, extra, |c| {
        c.page_cache_seconds = 600;
    })
    .await;
    let at_once = |path: &'static str| {
        let app = app.clone();
        async move {
            let all = (0..8).map(|_| crate::layers::answer(&app, path, None));
            futures_util::future::join_all(all).await
        }
    };
    let started = std::time::Instant::now();
    for (status, body) in at_once("/lente").await {
        assert_eq!(status.as_u16(), 200);
        assert_eq!(body, "une page longue à faire");
    }
    assert_eq!(
        renderings.load(Ordering::SeqCst),
        1,
        "rendered once for all"
    );
    // A page that cannot be kept is rendered for each, side by side (not one after another).
    for (_, body) in at_once("/formulaire").await {
        assert_eq!(body, "une page à soi");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // The first /formulaire rendered alone (its key is new); after it, each renders.
    assert_eq!(renderings.load(Ordering::SeqCst), 1 + 8 * 100);
    let _ = std::fs::remove_dir_all(data_dir);
}

both_databases!(
    past_its_time_a_page_is_rendered_again_by_one_while_the_others_get_it,
    rendered_again_by_one
);
async fn rendered_again_by_one(store: Arc<dyn Store>) {
    use axum::routing::get;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};
    let renderings = Arc::new(AtomicUsize::new(0));
    let count = renderings.clone();
    let extra = axum::Router::new().route(
        "/lente",
        get(move || async move {
            let n = count.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(400)).await;
            format!("rendu {n}")
        }),
    );
    let (app, data_dir) = crate::layers::router_with(store, extra, |c| {
        c.page_cache_seconds = 1;
    })
    .await;
    assert_eq!(
        crate::layers::answer(&app, "/lente", None).await.1,
        "rendu 0"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let started = Instant::now();
    let renderer = tokio::spawn({
        let app = app.clone();
        async move { crate::layers::answer(&app, "/lente", None).await.1 }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    // While it renders, the others get the kept page at once.
    for _ in 0..4 {
        assert_eq!(
            crate::layers::answer(&app, "/lente", None).await.1,
            "rendu 0"
        );
    }
    assert!(started.elapsed() < Duration::from_millis(350));
    assert_eq!(renderer.await.unwrap(), "rendu 1");
    assert_eq!(
        crate::layers::answer(&app, "/lente", None).await.1,
        "rendu 1"
    );
    assert_eq!(renderings.load(Ordering::SeqCst), 2);
    let _ = std::fs::remove_dir_all(data_dir);
}
