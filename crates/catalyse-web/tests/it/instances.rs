//! Several instances serve one platform: two servers on one PostgreSQL database and one
//! S3-compatible object store. A write on one shows on the other within 5 s everywhere it
//! shows: sessions, resource search and files, the directory and the map, observatory values,
//! events and their seats, rate limits.
//!
//! Needs `CATALYSE_TEST_POSTGRES_URL` (skipped with a message otherwise). Files go to the
//! bucket named by `CATALYSE_TEST_S3_URL` (`s3://bucket`, with the usual `AWS_*` variables
//! for the endpoint and credentials; `.ci/run` starts moto's server for it); without it
//! the file part says it is skipped.

use crate::events::member_registers;
use crate::moderation::approve_member;
use crate::network::{join_and_verify, submit_profile};
use crate::resources::set_state;
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::Role;
use catalyse_store::{testing, ConnectOptions};
use catalyse_web::auth::{CSRF_COOKIE, SESSION_COOKIE};
use reqwest::StatusCode;
use std::future::Future;
use std::time::{Duration, Instant};

/// The environment variable naming the test bucket.
pub const S3_URL_VAR: &str = "CATALYSE_TEST_S3_URL";

/// How soon a write on one instance must show on the other.
const WITHIN: Duration = Duration::from_secs(5);

fn skip(what: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIP {what}: {why}");
}

/// A fresh prefix in the test bucket, the bucket made if it does not exist yet; `None`
/// (with a message) when no bucket is configured.
pub async fn s3_prefix(test: &str) -> Option<String> {
    let Ok(url) = std::env::var(S3_URL_VAR) else {
        // CI starts an S3 server: there, a missing bucket is a broken set-up, not a skip.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {S3_URL_VAR} is not set: .ci/run must start the S3 server"
        );
        skip(
            &format!("S3 half of {test}"),
            &format!("{S3_URL_VAR} is not set"),
        );
        return None;
    };
    let bucket = url
        .trim_start_matches("s3://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    // S3's CreateBucket; a bucket that exists already answers 409, which is fine.
    if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") {
        let _ = reqwest::Client::new()
            .put(format!("{}/{bucket}", endpoint.trim_end_matches('/')))
            .send()
            .await;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Some(format!(
        "s3://{bucket}/{test}-{}-{nanos}",
        std::process::id()
    ))
}

/// Waits until `check` holds, at most `WITHIN`; fails naming `what` otherwise.
async fn within<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + WITHIN;
    loop {
        if check().await {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not seen on the other instance within {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Signs `to` in with the session `from` holds, as a load balancer sending the same browser
/// to another instance would.
fn same_browser(from: &TestApp, to: &TestApp) {
    to.forget_cookies();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        if let Some(v) = from.cookie(name) {
            to.set_cookie_value(name, &v);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_and_one_object_store() {
    const TEST: &str = "two_instances_on_one_postgres_and_one_object_store";
    let Some(t) = testing::postgres(TEST).await.expect("postgres store") else {
        return;
    };
    let files_url = s3_prefix(TEST).await;
    let second = catalyse_store::connect(
        &t.url,
        &ConnectOptions {
            max_connections: Some(5),
            ..ConnectOptions::default()
        },
    )
    .await
    .expect("second connection to the same database");
    let fu = files_url.clone();
    let a = TestApp::start_with(t.store.clone(), move |c| c.files_url = fu).await;
    let fu = files_url.clone();
    let b = TestApp::start_with(second.clone(), move |c| c.files_url = fu).await;

    // Sessions: signed in on one, signed in on the other.
    a.sign_in_as("anim@example.org", Role::Moderator).await;
    same_browser(&a, &b);
    assert_eq!(b.get("/admin/ressources").await.status, StatusCode::OK);
    // Signed out on one, signed out on the other.
    let csrf = a.get("/").await.field("csrf");
    let out = a.post_with_csrf(&csrf, "/deconnexion", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_ne!(
        b.get("/admin/ressources").await.status,
        StatusCode::OK,
        "the session ended everywhere"
    );
    a.login("anim@example.org", TEST_PASSWORD).await;
    same_browser(&a, &b);

    // Resource search and its file: published on A, found and downloaded on B.
    let form = "/admin/ressources/nouvelle";
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n% deux instances\n%%EOF\n".to_vec();
    let r = a
        .post_multipart(
            form,
            form,
            &[
                ("title", "Mutualiser un poste entre deux communes"),
                ("authors", "Réseau test"),
                ("nature", "boite-a-outils"),
                (
                    "summary",
                    "Comment deux communes partagent une cheffe de projet.",
                ),
            ],
            Some(("file", "poste.pdf", pdf.clone())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let edit = r.header("location").split('?').next().unwrap().to_string();
    let r = set_state(&a, &edit, "publier").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let slug = "mutualiser-un-poste-entre-deux-communes";
    within("a published resource in search", || async {
        b.get("/ressources?q=mutualiser+poste")
            .await
            .body
            .contains(&format!("/ressources/{slug}\""))
    })
    .await;
    within("a published resource in the API's search", || async {
        b.get("/api/v1/resources?q=mutualiser")
            .await
            .body
            .contains(slug)
    })
    .await;
    if files_url.is_some() {
        let file = b.get(&format!("/ressources/{slug}/fichier")).await;
        assert_eq!(
            file.status,
            StatusCode::OK,
            "the file is in the shared store"
        );
        assert_eq!(file.body.as_bytes(), pdf.as_slice());
    } else {
        skip(
            &format!("file half of {TEST}"),
            "no S3 bucket, files stay local",
        );
    }
    // Archived on B: out of A's search.
    let r = set_state(&b, &edit, "archiver").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    within("an archived resource leaving search", || async {
        !a.get("/ressources?q=mutualiser+poste")
            .await
            .body
            .contains(&format!("/ressources/{slug}\""))
    })
    .await;

    // Observatory values: imported on A, shown on B.
    let path = "/observatoire/tiers-lieux";
    assert_eq!(b.get(path).await.status, StatusCode::NOT_FOUND);
    let r = a
        .post_multipart(
            "/admin/donnees",
            "/admin/donnees",
            &[("title", "Tiers-lieux"), ("slug", "tiers-lieux")],
            Some(("file", "t.csv", crate::observatory::GOOD_CSV.into())),
        )
        .await;
    assert!(
        r.status.is_redirection() || r.status.is_success(),
        "{}",
        r.body
    );
    within("an imported dataset", || async {
        let page = b.get(path).await;
        page.status == StatusCode::OK && page.body.contains("Part de tiers-lieux")
    })
    .await;

    // The directory and the map: a member joins and is approved on A, listed on B.
    join_and_verify(&a, "odile@exemple.fr", "Odile Deuxinstances").await;
    assert_eq!(
        submit_profile(&a, "Odile Deuxinstances", "public", true).await,
        StatusCode::SEE_OTHER
    );
    let user = t
        .store
        .user_by_email(&catalyse_core::Email::parse("odile@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    a.forget_cookies();
    a.login("anim@example.org", TEST_PASSWORD).await;
    let r = approve_member(&a, user.id, "1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    b.forget_cookies();
    for surface in [
        "/reseau?q=Deuxinstances",
        "/carte/points.geojson",
        "/carte/liste",
        "/api/v1/members?q=Deuxinstances",
    ] {
        within(&format!("an approved member on {surface}"), || async {
            b.get(surface).await.body.contains("Odile Deuxinstances")
        })
        .await;
    }

    // Events and seats: the only seat taken on A is taken on B.
    crate::events::soon(&t.store, "atelier-partage", 1).await;
    a.sign_in_as("premiere@example.org", Role::Member).await;
    let r = member_registers(&a, "atelier-partage").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Votre inscription est confirmée"));
    b.sign_in_as("seconde@example.org", Role::Member).await;
    let r = member_registers(&b, "atelier-partage").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("liste d&#39;attente") || r.body.contains("liste d'attente"),
        "the seat taken on A is taken on B: {}",
        r.body
    );

    // Rate limits: failures counted on A are counted on B.
    a.forget_cookies();
    b.forget_cookies();
    a.user("cible@example.org", TEST_PASSWORD, Role::Member)
        .await;
    for _ in 0..5 {
        let r = a
            .login("cible@example.org", "pas le bon mot de passe")
            .await;
        assert_ne!(r.status, StatusCode::SEE_OTHER);
    }
    let r = b.login("cible@example.org", "toujours pas le bon").await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "failures on A count on B: {}",
        r.body
    );

    a.stop().await;
    b.stop().await;
    second.close().await;
    t.finish().await;
}

/// The file store on a real S3-compatible server: stored by content, read back byte for
/// byte, stored once however often it is put, deleted for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_on_an_s3_compatible_store() {
    let Some(url) = s3_prefix("files_on_an_s3_compatible_store").await else {
        return;
    };
    let config = catalyse_web::Config {
        files_url: Some(url),
        data_dir: std::env::temp_dir().join("catalyse_s3_test_unused"),
        ..catalyse_web::Config::default()
    };
    let files = catalyse_web::files::FileStore::from_config(&config).expect("S3 file store");
    let bytes = bytes::Bytes::from_static(b"%PDF-1.4\n% stocke sur S3\n%%EOF\n");
    let sha = files.put(bytes.clone()).await.expect("put");
    assert_eq!(files.put(bytes.clone()).await.expect("put again"), sha);
    assert_eq!(files.count().await.unwrap(), 1, "one copy");
    assert_eq!(files.get(&sha).await.unwrap(), Some(bytes));
    files.delete(&sha).await.expect("delete");
    assert_eq!(files.get(&sha).await.unwrap(), None);
    assert_eq!(files.count().await.unwrap(), 0);
    files
        .delete(&sha)
        .await
        .expect("deleting twice is no error");
}
