//! Open Badges 3.0, the issuer's side: `did.json` and the issuer's profile (and a key
//! rotation), a credential's page, VC-JWT and JSON by content negotiation and through the
//! API, who may see what, revocation read at once through the status list, the page and
//! `/verifier`, the verifier on good, tampered and garbage input, and the 1EdTech checker
//! (`verify.py --http`) against the running platform when Python can run it.

use crate::TestApp;
use catalyse_core::badges::jws::{b64url, b64url_decode, decode_compact, verify_ed25519};
use catalyse_core::badges::{status, AchievementFields, Rule, RuleKind};
use catalyse_core::{Role, User};
use catalyse_store::{both_databases, Credential, Store, StoredAchievement};
use catalyse_web::badges::issue::{issue, Awarded};
use catalyse_web::AppState;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;

/// The platform's state over the store and data folder of `app`, with the same address (so
/// the same `did:web`) and the same keys, to issue credentials as the platform does.
async fn issuer_beside(app: &TestApp) -> AppState {
    let config = catalyse_web::Config {
        data_dir: app.data_dir.clone(),
        demo: false,
        bind: app.base.trim_start_matches("http://").to_string(),
        ..catalyse_web::Config::default()
    };
    catalyse_web::boot::state(app.store.clone(), config)
        .await
        .unwrap()
}

async fn achievement(store: &Arc<dyn Store>, by: &User) -> StoredAchievement {
    let fields = AchievementFields {
        name: "Accueil des nouveaux catalyseurs".into(),
        description: "A accueilli les catalyseurs d'une nouvelle cohorte.".into(),
        criteria: "Avoir **accueilli** une cohorte.".into(),
        rule: Rule {
            kind: RuleKind::Manual,
            target: None,
        },
        levers: vec!["apprendre-a-faire-alliance".into()],
        activities: vec![],
        tags: vec!["accueil".into()],
    };
    store
        .create_achievement("accueil-test", &fields, by.id, chrono::Utc::now())
        .await
        .unwrap()
}

/// An app, its issuer, an animator, an earner (Camille) and one credential issued to her.
struct Scene {
    app: TestApp,
    state: AppState,
    camille: User,
    cred: Credential,
}

async fn scene(store: Arc<dyn Store>) -> Scene {
    let app = TestApp::start(store.clone()).await;
    let state = issuer_beside(&app).await;
    let anim = app
        .user("anim@exemple.fr", crate::TEST_PASSWORD, Role::Moderator)
        .await;
    let camille = app
        .user("camille@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let a = achievement(&store, &anim).await;
    let awarded = Awarded {
        by: Some(anim.id),
        reason: Some("Accueil de la cohorte de mars"),
        subject_did: None,
    };
    let cred = issue(&state, &camille, &a, &awarded)
        .await
        .unwrap()
        .expect("issued");
    Scene {
        app,
        state,
        camille,
        cred,
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

async fn get_as(app: &TestApp, path: &str, accept: &str) -> crate::Answer {
    app.request(Method::GET, path, None, &[("accept", accept)])
        .await
}

both_databases!(badges_did_json_publishes_every_key, did_json);
async fn did_json(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let state = issuer_beside(&app).await;
    let r = app.get("/.well-known/did.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/did+json");
    let doc = json(&r.body);
    let did = format!(
        "did:web:{}",
        app.base.trim_start_matches("http://").replace(':', "%3A")
    );
    assert_eq!(doc["id"], did.as_str());
    let methods = doc["verificationMethod"].as_array().unwrap().clone();
    assert_eq!(methods.len(), 1);
    assert_eq!(methods[0]["publicKeyJwk"]["crv"], "Ed25519");
    assert_eq!(doc["assertionMethod"][0], methods[0]["id"]);

    // A rotation (as `catalyse badges rotate-key` does it) is published at once; the old key
    // stays.
    catalyse_web::badges::keys::rotate(&state.config).unwrap();
    let after = json(&app.get("/.well-known/did.json").await.body);
    let now = after["verificationMethod"].as_array().unwrap();
    assert_eq!(now.len(), 2);
    assert_eq!(now[0], methods[0]);
    assert_ne!(now[1]["id"], methods[0]["id"]);

    let p = app.get("/badges/emetteur").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.header("content-type").starts_with("application/json"));
    let profile = json(&p.body);
    assert_eq!(profile["id"], did.as_str());
    assert_eq!(profile["type"][0], "Profile");
    assert_eq!(profile["verificationMethod"].as_array().unwrap().len(), 2);
    app.stop().await;
}

both_databases!(badges_credential_page_jwt_json_and_api, credential_views);
async fn credential_views(store: Arc<dyn Store>) {
    let Scene {
        app,
        state,
        camille,
        cred,
    } = scene(store.clone()).await;
    let page = format!("/credentials/{}", cred.id);
    let api = format!("/api/v1/credentials/{}", cred.id);

    // Not public: a visitor gets the 404 page, the API a 404 problem, the downloads too.
    assert_eq!(app.get(&page).await.status, StatusCode::NOT_FOUND);
    let r = get_as(&app, &api, "application/vc+jwt").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.header("content-type"), "application/problem+json");
    for ext in ["jwt", "json"] {
        let r = app.get(&format!("{page}/badge.{ext}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        app.get("/credentials/pas-un-identifiant").await.status,
        StatusCode::NOT_FOUND
    );
    // Another member neither.
    app.sign_in_as("autre@exemple.fr", Role::Member).await;
    assert_eq!(app.get(&page).await.status, StatusCode::NOT_FOUND);

    // The earner sees her page, valid, without her name (it is not public).
    app.forget_cookies();
    let r = app.login("camille@exemple.fr", crate::TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.get(&page).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Badge valide"), "{}", r.body);
    assert!(r.body.contains("Accueil des nouveaux catalyseurs"));
    assert!(
        r.body.contains("<strong>accueilli</strong>"),
        "criteria as Markdown"
    );
    // (Her name is in the header, as she is signed in: not among the badge's facts.)
    let named = format!("<dd>{}</dd>", camille.display_name);
    assert!(r.body.contains("<dd>Non affiché"));
    assert!(!r.body.contains(&named));
    assert!(r.header("cache-control").contains("private"));
    assert!(r
        .body
        .contains("data-check=\"signature\" data-state=\"ok\""));
    // Her downloads.
    let d = app.get(&format!("{page}/badge.jwt")).await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.header("content-disposition").starts_with("attachment"));
    assert!(d
        .header("content-disposition")
        .contains("badge-accueil-test.jwt"));
    assert_eq!(d.body, cred.jwt);
    let d = app.get(&format!("{page}/badge.json")).await;
    assert!(d.header("content-disposition").contains(".json"));
    assert_eq!(
        json(&d.body)["id"],
        format!("urn:uuid:{}", cred.id).as_str()
    );
    // Through the API, with her session, as the house API reads it.
    let r = get_as(&app, &api, "application/vc+jwt").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, cred.jwt);

    // An animator sees it too.
    app.sign_in_as("anim2@exemple.fr", Role::Moderator).await;
    assert_eq!(app.get(&page).await.status, StatusCode::OK);

    // Public: anyone, with her name; the same URL answers the JWT and the JSON.
    app.forget_cookies();
    assert!(store
        .set_credential_public(&cred.id, camille.id, true)
        .await
        .unwrap());
    let r = app.get(&page).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&named));
    assert!(r.body.contains("Badge valide"));
    assert!(r
        .body
        .contains(&format!("{}/credentials/{}", app.base, cred.id)));
    for accept in [
        "application/vc+jwt",
        "application/jwt",
        "application/vc+jwt, application/jwt",
    ] {
        let r = get_as(&app, &page, accept).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("content-type"), "application/vc+jwt");
        assert_eq!(r.body, cred.jwt);
    }
    let r = get_as(&app, &page, "application/json").await;
    assert_eq!(r.header("content-type"), "application/json");
    let body = json(&r.body);
    assert_eq!(body["type"][1], "OpenBadgeCredential");
    for claim in ["iss", "jti", "nbf", "sub", "exp"] {
        assert!(body.get(claim).is_none(), "{claim} stays out of the JSON");
    }
    assert_eq!(
        body["credentialSubject"]["achievement"]["name"],
        "Accueil des nouveaux catalyseurs"
    );
    let r = get_as(&app, &page, "application/ld+json").await;
    assert_eq!(r.header("content-type"), "application/ld+json");
    assert!(r.header("vary").contains("Accept"));
    // A browser asks for HTML, right after the JSON: never the kept JSON.
    let r = get_as(&app, &page, "text/html,*/*;q=0.8").await;
    assert!(r.header("content-type").starts_with("text/html"));
    // The API: JSON by default, the JWT when asked.
    let r = app.get(&api).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(json(&r.body), body);
    let r = get_as(&app, &api, "application/vc+jwt").await;
    assert_eq!(r.header("content-type"), "application/vc+jwt");
    assert_eq!(r.body, cred.jwt);
    let r = app
        .get("/api/v1/credentials/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(json(&r.body)["status"], 404);
    drop(state);
    app.stop().await;
}

/// The bit of `index` in the status list `list` as its JSON says.
async fn bit(app: &TestApp, list: i64, index: i64) -> bool {
    let r = get_as(
        app,
        &format!("/credentials/status/{list}"),
        "application/json",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = json(&r.body);
    assert_eq!(doc["type"][1], "BitstringStatusListCredential");
    let bits = status::decode(doc["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap();
    assert_eq!(bits.len(), status::LIST_SIZE / 8);
    status::is_set(&bits, index as u64)
}

both_databases!(badges_revocation_reads_at_once, revocation);
async fn revocation(store: Arc<dyn Store>) {
    let Scene {
        app,
        state,
        camille,
        cred,
    } = scene(store.clone()).await;
    store
        .set_credential_public(&cred.id, camille.id, true)
        .await
        .unwrap();
    let page = format!("/credentials/{}", cred.id);
    let list = format!("/credentials/status/{}", cred.status_list);
    assert!(!bit(&app, cred.status_list, cred.status_index).await);
    assert!(app.get(&page).await.body.contains("Badge valide"));
    // By default the list is a VC-JWT signed by a key of did.json.
    let r = app.get(&list).await;
    assert_eq!(r.header("content-type"), "application/vc+jwt");
    let (header, payload, input, sig) = decode_compact(&r.body).unwrap();
    assert_eq!(payload["id"], format!("{}{list}", app.base).as_str());
    let did = json(&app.get("/.well-known/did.json").await.body);
    let key = did["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == header["kid"])
        .expect("the list's key is published");
    assert!(verify_ed25519(&key["publicKeyJwk"], &input, &sig));
    for missing in [
        "/credentials/status/999",
        "/credentials/status/0",
        "/credentials/status/x",
    ] {
        assert_eq!(
            app.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }

    // Revoked outside any request (as the command line does): no page kept says otherwise.
    assert!(store
        .revoke_credential(&cred.id, None, "Attribué par erreur", chrono::Utc::now())
        .await
        .unwrap());
    assert!(bit(&app, cred.status_list, cred.status_index).await);
    let r = app.get(&page).await;
    assert!(r.body.contains("Badge révoqué"), "{}", r.body);
    assert!(r.body.contains("Attribué par erreur"));
    assert!(r
        .body
        .contains("data-check=\"revocation\" data-state=\"echec\""));
    // The verifier says so too.
    let csrf = app.get("/verifier").await.field("csrf");
    let r = app
        .post_with_csrf(&csrf, "/verifier", &[("jeton", &cred.jwt)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Badge révoqué"));
    assert!(r.body.contains("Révoqué : l"), "{}", r.body);
    drop(state);
    app.stop().await;
}

/// `jwt` with one byte of its payload changed (and still a readable badge).
fn tampered(jwt: &str) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    let payload = String::from_utf8(b64url_decode(parts[1]).unwrap()).unwrap();
    let changed = payload.replacen("Accueil des", "Accueil dex", 1);
    assert_ne!(changed, payload);
    format!("{}.{}.{}", parts[0], b64url(changed.as_bytes()), parts[2])
}

both_databases!(badges_verifier_checks_anything_sent, verifier);
async fn verifier(store: Arc<dyn Store>) {
    let Scene { app, cred, .. } = scene(store).await;
    let form = app.get("/verifier").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let csrf = form.field("csrf");
    let post = |fields: Vec<(&'static str, String)>| {
        let csrf = csrf.clone();
        let app = &app;
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_with_csrf(&csrf, "/verifier", &f).await
        }
    };

    // The good token, pasted: every check passes.
    let r = post(vec![("jeton", cred.jwt.clone())]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Badge valide"), "{}", r.body);
    for check in [
        "format",
        "signature",
        "emetteur",
        "dates",
        "revocation",
        "type",
    ] {
        let needle = format!("data-check=\"{check}\" data-state=\"ok\"");
        assert!(r.body.contains(&needle), "{check}");
    }
    assert!(r.body.contains("Accueil des nouveaux catalyseurs"));
    // One byte changed: the signature is invalid, the rest is still read.
    let r = post(vec![("jeton", tampered(&cred.jwt))]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Signature invalide"), "{}", r.body);
    assert!(r.body.contains("Badge non valide"));
    assert!(r
        .body
        .contains("data-check=\"signature\" data-state=\"echec\""));
    // As an uploaded file, the same.
    let r = app
        .post_multipart(
            "/verifier",
            "/verifier",
            &[],
            Some(("fichier", "badge.jwt", cred.jwt.clone().into_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Badge valide"));
    // Its JSON: read, but it carries no signature.
    let payload = decode_compact(&cred.jwt).unwrap().1;
    let r = post(vec![("jeton", payload.to_string())]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Aucune signature vérifiable"));

    // Garbage: a page that says why, never a server error.
    let r = post(vec![("jeton", "   ".into())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("Collez un badge ou choisissez son fichier."));
    for text in ["n'importe quoi", "a.b.c", "{\"pas\": ", "[1,2]", "ey.ey.ey"] {
        let r = post(vec![("jeton", text.into())]).await;
        assert_eq!(r.status, StatusCode::OK, "{text}");
        assert!(r.body.contains("Format illisible"), "{text}");
    }
    // Bytes that are no text at all, pasted: read as what they are, refused as a badge.
    let body = format!("csrf={csrf}&jeton=%FF%FE%00%C3%28%A0%A1%E2%28%A1");
    let r = app
        .request_with(
            Method::POST,
            "/verifier",
            Some(("application/x-www-form-urlencoded", body)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Format illisible"));
    let huge = "a".repeat(1024 * 1024 + 10);
    let r = post(vec![("jeton", huge)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("trop long"));
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let r = app
        .post_multipart(
            "/verifier",
            "/verifier",
            &[],
            Some(("fichier", "x.jwt", random)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("pas du texte"));
    let big = vec![b'a'; 1024 * 1024 + 1];
    let r = app
        .post_multipart(
            "/verifier",
            "/verifier",
            &[],
            Some(("fichier", "x.jwt", big)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("trop grand"));
    let r = app
        .post_multipart(
            "/verifier",
            "/verifier",
            &[("jeton", "abc")],
            Some(("fichier", "x.jwt", b"abc".to_vec())),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("pas les deux"));
    // Without its token, refused.
    let r = app
        .post_with_csrf("mauvais", "/verifier", &[("jeton", &cred.jwt)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

/// The interpreter that can run the 1EdTech checker, or `None` (and why, on stderr).
fn python() -> Option<(String, std::path::PathBuf)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/openbadges-3.0");
    if !dir.join("verify.py").exists() {
        eprintln!("SKIPPED: no verify.py at {}", dir.display());
        return None;
    }
    let py = std::env::var("CATALYSE_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", "import jwt, cryptography, jsonschema, requests"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "SKIPPED: {py} cannot import jwt, cryptography, jsonschema, requests (pip install \
             pyjwt cryptography jsonschema requests; CATALYSE_PYTHON names another interpreter)"
        );
        return None;
    }
    Some((py, dir.join("verify.py")))
}

async fn verify_py(py: &str, script: &std::path::Path, args: Vec<String>) -> (bool, String) {
    let (py, script) = (py.to_string(), script.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let o = std::process::Command::new(py)
            .arg(script)
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.success(), text)
    })
    .await
    .unwrap()
}

both_databases!(badges_pass_the_1edtech_checker_over_http, checker);
async fn checker(store: Arc<dyn Store>) {
    let Some((py, script)) = python() else {
        return;
    };
    let Scene {
        app,
        state,
        camille,
        cred,
    } = scene(store.clone()).await;
    store
        .set_credential_public(&cred.id, camille.id, true)
        .await
        .unwrap();
    for url in [
        format!("{}/api/v1/credentials/{}", app.base, cred.id),
        format!("{}/credentials/{}", app.base, cred.id),
    ] {
        let (ok, out) = verify_py(&py, &script, vec![url, "--http".into()]).await;
        assert!(ok, "{out}");
    }
    // One byte changed: refused.
    let file = app.data_dir.join("tampered.jwt");
    std::fs::write(&file, tampered(&cred.jwt)).unwrap();
    let path = file.display().to_string();
    let (ok, out) = verify_py(&py, &script, vec![path, "--http".into()]).await;
    assert!(!ok, "{out}");
    assert!(out.contains("signature does not verify"), "{out}");
    // Revoked: the checker reads it from the status list.
    store
        .revoke_credential(&cred.id, None, "Test", chrono::Utc::now())
        .await
        .unwrap();
    let url = format!("{}/api/v1/credentials/{}", app.base, cred.id);
    let (ok, out) = verify_py(&py, &script, vec![url.clone(), "--http".into()]).await;
    assert!(!ok, "{out}");
    let args = vec![url, "--http".into(), "--expect-revoked".into()];
    let (ok, out) = verify_py(&py, &script, args).await;
    assert!(ok, "{out}");
    drop(state);
    app.stop().await;
}

both_databases!(badges_verifier_has_a_budget_per_address, budget);
async fn budget(store: Arc<dyn Store>) {
    // Three checks an hour from one address when `register_per_hour_per_ip` is 1.
    let app = TestApp::start_with(store, |c| c.register_per_hour_per_ip = 1).await;
    let csrf = app.get("/verifier").await.field("csrf");
    for _ in 0..3 {
        let r = app
            .post_with_csrf(&csrf, "/verifier", &[("jeton", "a.b.c")])
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    // A refused form takes nothing from the budget; a fourth check is refused.
    let r = app
        .post_with_csrf(&csrf, "/verifier", &[("jeton", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_with_csrf(&csrf, "/verifier", &[("jeton", "a.b.c")])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.header("retry-after").is_empty());
    app.stop().await;
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

both_databases!(badges_issuer_answers_and_the_page_cache, page_cache);
async fn page_cache(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store, |c| {
        c.page_cache_seconds = 600;
        crate::with_metrics(c);
    })
    .await;
    // The issuer's documents are never answered from memory.
    app.get("/.well-known/did.json").await;
    let hits = counter(&app, "page_cache_hits").await;
    app.get("/.well-known/did.json").await;
    app.get("/badges/emetteur").await;
    app.get("/badges/emetteur").await;
    assert_eq!(counter(&app, "page_cache_hits").await, hits);
    // A kept page stays kept after a check on /verifier, which writes nothing it shows.
    app.get("/leviers").await;
    app.get("/leviers").await;
    let hits = counter(&app, "page_cache_hits").await;
    let csrf = app.get("/verifier").await.field("csrf");
    let r = app
        .post_with_csrf(&csrf, "/verifier", &[("jeton", "a.b.c")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.get("/leviers").await;
    assert_eq!(counter(&app, "page_cache_hits").await, hits + 1);
    app.stop().await;
}
