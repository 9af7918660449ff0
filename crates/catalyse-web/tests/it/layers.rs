//! The layers every request goes through, reached with routes of the test's own.

use crate::{rand_suffix, small_geography};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use catalyse_store::both_databases;
use catalyse_store::Store;
use catalyse_web::{Config, GeographySource, Routes};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

pub async fn answer(app: &Router, path: &str, lang: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::get(path);
    if let Some(l) = lang {
        req = req.header(header::COOKIE, format!("lang={l}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The application with `extra` routes among its pages, as a router to call without a port;
/// and its data folder, to remove after.
pub async fn router_with(
    store: Arc<dyn Store>,
    extra: Router<catalyse_web::AppState>,
    tweak: impl FnOnce(&mut Config),
) -> (Router, std::path::PathBuf) {
    catalyse_web::load_reference_data(
        store.as_ref(),
        GeographySource::Given(small_geography()),
        false,
    )
    .await
    .unwrap();
    let mut config = Config {
        data_dir: std::env::temp_dir().join(format!("catalyse_layers_{}", rand_suffix())),
        demo: false,
        ..Config::default()
    };
    tweak(&mut config);
    let data_dir = config.data_dir.clone();
    let state = catalyse_web::boot::state(store, config).await.unwrap();
    (
        catalyse_web::app_with(state, Routes::pages(extra)),
        data_dir,
    )
}

both_databases!(a_panic_answers_the_500_page_in_the_readers_language, panics);
async fn panics(store: Arc<dyn Store>) {
    let extra = Router::new().route(
        "/panique",
        get(|| async {
            if true {
                panic!("a handler that fails");
            }
            "never"
        }),
    );
    let (app, data_dir) = router_with(store, extra, |_| {}).await;

    // The connection is not dropped: the 500 page, in French by default…
    let (status, body) = answer(&app, "/panique", None).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("Erreur du serveur"), "{body}");
    // …and in the language the reader chose.
    let (status, body) = answer(&app, "/panique", Some("en")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("Server error"), "{body}");
    assert!(body.contains("lang=\"en\""), "{body}");

    // Every error page follows the reader's language: a page that does not exist…
    let (status, body) = answer(&app, "/nulle-part", Some("en")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Page not found"), "{body}");
    let (_, body) = answer(&app, "/nulle-part", None).await;
    assert!(body.contains("Page introuvable"), "{body}");
    // …and an address too long.
    let long = format!("/{}", "a".repeat(20_000));
    let (status, body) = answer(&app, &long, Some("en")).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert!(
        !body.contains("introuvable") && body.contains("lang=\"en\""),
        "{body}"
    );
    let _ = std::fs::remove_dir_all(data_dir);
}
