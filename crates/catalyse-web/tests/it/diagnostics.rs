//! Autodiagnostics: taken page by page without an account (answers kept in the sealed link,
//! a blank required question keeps her on the page), conditions as written, the result and
//! its recommendations, nothing kept without consent, a link altered or from another
//! platform gives nothing, a member's saved diagnostics hers alone, the statistics never
//! under 10 respondents, the API, and a questionnaire file with a mistake refused at start.

use crate::TestApp;
use catalyse_core::Role;
use catalyse_store::{both_databases, NewContribution, Store};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

const CO: &str = "capacite-de-co-construction";

/// The questionnaire as the API gives it.
async fn questionnaire(app: &TestApp, slug: &str) -> Value {
    let r = app.get(&format!("/api/v1/diagnostics/{slug}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// For every question: the best choice (most points) or the worst, the top or bottom of a
/// scale; `partenaires` as given.
fn pick(q: &Value, best: bool, partners: &str) -> Option<String> {
    if q["id"] == "partenaires" {
        return Some(partners.to_string());
    }
    match q["kind"].as_str().unwrap() {
        "single" | "multiple" => {
            let choices = q["choices"].as_array().unwrap();
            let c = if best {
                choices.iter().max_by_key(|c| c["points"].as_u64())
            } else {
                choices.iter().min_by_key(|c| c["points"].as_u64())
            };
            Some(c.unwrap()["id"].as_str().unwrap().to_string())
        }
        "scale" => Some(q["scale"][if best { "max" } else { "min" }].to_string()),
        _ => None,
    }
}

/// Every question answered by [`pick`], as the API takes answers.
fn api_answers(q: &Value, best: bool, partners: &str) -> serde_json::Map<String, Value> {
    let mut a = serde_json::Map::new();
    for b in q["blocks"].as_array().unwrap() {
        for x in b["questions"].as_array().unwrap() {
            if let Some(v) = pick(x, best, partners) {
                let v = match x["kind"].as_str().unwrap() {
                    "scale" => json!(v.parse::<i64>().unwrap()),
                    "multiple" => json!([v]),
                    _ => json!(v),
                };
                a.insert(x["id"].as_str().unwrap().to_string(), v);
            }
        }
    }
    a
}

/// Walks every block of `slug` through the pages, answering by [`pick`]; the path of the
/// last page (territory and consents).
async fn answer_blocks(app: &TestApp, slug: &str, best: bool, partners: &str) -> String {
    let q = questionnaire(app, slug).await;
    let mut at = format!("/diagnostic/{slug}");
    for (i, b) in q["blocks"].as_array().unwrap().iter().enumerate() {
        let page = app.get(&at).await;
        assert_eq!(page.status, StatusCode::OK, "{at}: {}", page.body);
        let step = (i + 1).to_string();
        let token = page.field("r");
        let answers: Vec<(String, String)> = (b["questions"].as_array().unwrap().iter())
            .filter_map(|x| Some((x["id"].as_str()?.to_string(), pick(x, best, partners)?)))
            .collect();
        let mut fields: Vec<(&str, &str)> =
            vec![("r", &token), ("etape", &step), ("action", "suivant")];
        fields.extend(answers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let csrf = page.field("csrf");
        let sent = app
            .post_with_csrf(&csrf, &format!("/diagnostic/{slug}"), &fields)
            .await;
        assert_eq!(
            sent.status,
            StatusCode::SEE_OTHER,
            "block {step}: {}",
            sent.body
        );
        at = sent.header("location").to_string();
    }
    at
}

/// Sends the last page; the answer.
async fn finish(app: &TestApp, last: &str, fields: &[(&str, &str)]) -> crate::Answer {
    let page = app.get(last).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = page.field("r");
    let step = page.field("etape");
    let mut all = vec![("r", token.as_str()), ("etape", step.as_str())];
    all.extend_from_slice(fields);
    let csrf = page.field("csrf");
    let slug = last.split('?').next().unwrap();
    app.post_with_csrf(&csrf, slug, &all).await
}

both_databases!(
    a_diagnostic_is_taken_page_by_page_and_gives_its_result,
    taken
);
async fn taken(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let list = app.get("/diagnostic").await;
    assert_eq!(list.status, StatusCode::OK);
    for title in [
        "Qualifier son innovation",
        "Évaluer sa capacité de co-construction",
        "Évaluer un partenariat",
    ] {
        assert!(list.body.contains(title), "{title}");
    }
    // A required question left blank: the page again, with what was given and why.
    let first = app.get(&format!("/diagnostic/{CO}")).await;
    assert!(first.body.contains("Étape 1 sur 9"), "{}", first.body);
    assert!(first.body.contains("règle propre à la plateforme Catalyse"));
    let blank = app
        .post_with_csrf(
            &first.field("csrf"),
            &format!("/diagnostic/{CO}"),
            &[
                ("r", ""),
                ("etape", "1"),
                ("action", "suivant"),
                ("partenaires", "non"),
            ],
        )
        .await;
    assert_eq!(
        blank.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        blank.body
    );
    assert!(blank
        .body
        .contains("Répondez à cette question pour continuer."));
    assert!(
        blank.body.contains("value=\"non\" checked"),
        "the answer given is kept: {}",
        blank.body
    );

    // No partner: the question on formalised partnerships is not asked.
    let last = answer_blocks(&app, CO, false, "non").await;
    assert!(last.contains("etape=9"), "{last}");
    // Sharing without a département: refused, said why; nothing counted.
    let refused = finish(&app, &last, &[("partager", "oui"), ("departement", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("indiquez votre département"),
        "{}",
        refused.body
    );
    let unknown = finish(&app, &last, &[("departement", "2A9")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Without consent: the result, and nothing kept.
    let done = finish(&app, &last, &[("departement", "42")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let result_path = done.header("location").to_string();
    assert!(result_path.starts_with("/diagnostic/resultat/"));
    assert!(
        store.diagnostic_tallies().await.unwrap().is_empty(),
        "nothing kept without consent"
    );
    let result = app.get(&result_path).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    assert!(result
        .body
        .contains("role=\"img\" aria-labelledby=\"graphique-titre graphique-desc\""));
    assert!(result.body.contains("<caption>Score par levier</caption>"));
    assert!(result.body.contains("0 / 100</tspan>") && result.body.contains(">à renforcer</text>"));
    assert!(
        result.body.contains("/besoins/nouveau?diagnostic="),
        "« transformer en besoin »"
    );
    assert_eq!(result.header("cache-control"), "private, no-store");
    assert_eq!(
        result.header("referrer-policy"),
        "same-origin",
        "never sent to another site"
    );
    // The need's form, prefilled from the result.
    let token = result_path.rsplit('/').next().unwrap();
    let need = app
        .get(&format!("/besoins/nouveau?diagnostic={token}"))
        .await;
    assert_eq!(need.status, StatusCode::OK);
    assert!(need.body.contains("Renforcer nos leviers"), "{}", need.body);

    // An altered link, a cut one: nothing.
    let mut altered = token.to_string().into_bytes();
    altered[30] = if altered[30] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for bad in [altered.as_str(), &token[..token.len() - 3], "rien"] {
        let r = app.get(&format!("/diagnostic/resultat/{bad}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(r.body.contains("Lien de diagnostic non valide"));
        assert!(!r.body.contains("Score par levier"));
    }
    // With consent: counted once, however often sent.
    let shared = finish(&app, &last, &[("departement", "42"), ("partager", "oui")]).await;
    assert_eq!(shared.status, StatusCode::SEE_OTHER);
    let again = finish(&app, &last, &[("departement", "42"), ("partager", "oui")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let tallies = store.diagnostic_tallies().await.unwrap();
    assert_eq!(tallies.len(), 1);
    assert_eq!(
        (tallies[0].department.as_str(), tallies[0].count),
        ("42", 1)
    );
    assert_eq!(tallies[0].weak_levers.len(), 7, "every lever at 0");

    // Partners: the question on formalised partnerships is asked in the alliance block.
    let q = questionnaire(&app, CO).await;
    let alliance = (q["blocks"].as_array().unwrap().iter())
        .position(|b| {
            b["questions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == "alliance-formalisee")
        })
        .unwrap();
    let walk = |partners: &'static str| {
        let app = &app;
        async move {
            let last = answer_blocks(app, CO, true, partners).await;
            let token = last
                .split("r=")
                .nth(1)
                .unwrap()
                .split('&')
                .next()
                .unwrap()
                .to_string();
            app.get(&format!(
                "/diagnostic/{CO}?r={token}&etape={}",
                alliance + 1
            ))
            .await
        }
    };
    let shown = walk("oui-plusieurs").await;
    assert!(shown.body.contains("name=\"alliance-formalisee\""));
    // Sent blank, the page comes back with the question its condition shows still there.
    let step = (alliance + 1).to_string();
    let token = shown.field("r");
    let blank = app
        .post_with_csrf(
            &shown.field("csrf"),
            &format!("/diagnostic/{CO}"),
            &[
                ("r", token.as_str()),
                ("etape", step.as_str()),
                ("action", "suivant"),
            ],
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        blank.body.contains("name=\"alliance-formalisee\""),
        "{}",
        blank.body
    );
    assert!(!walk("non")
        .await
        .body
        .contains("name=\"alliance-formalisee\""));
    app.stop().await;
}

both_databases!(
    a_result_link_from_elsewhere_and_anothers_saved_one_give_nothing,
    elsewhere
);
async fn elsewhere(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let last = answer_blocks(&app, CO, true, "oui-un").await;
    app.sign_in_as("ana@exemple.fr", Role::Member).await;
    let done = finish(&app, &last, &[("enregistrer", "oui")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let result_path = done.header("location").to_string();
    let mine = app.get("/mes-diagnostics").await;
    assert!(
        mine.body.contains("Évaluer sa capacité de co-construction"),
        "{}",
        mine.body
    );
    let id = mine
        .body
        .split("href=\"/mes-diagnostics/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get(&format!("/mes-diagnostics/{id}")).await.status,
        StatusCode::SEE_OTHER
    );
    // Another member: not found, nor deletable.
    app.sign_in_as("bea@exemple.fr", Role::Member).await;
    assert_eq!(
        app.get(&format!("/mes-diagnostics/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let del = app
        .post_form(
            "/mes-diagnostics",
            &format!("/mes-diagnostics/{id}/supprimer"),
            &[],
        )
        .await;
    assert_eq!(del.status, StatusCode::NOT_FOUND);
    assert!(!app
        .get("/mes-diagnostics")
        .await
        .body
        .contains(&format!("/mes-diagnostics/{id}\"")));
    // Another platform (another secret): the link gives nothing there.
    let elsewhere = catalyse_store::testing::sqlite().await.unwrap();
    let other = TestApp::start(elsewhere.store.clone()).await;
    let r = other.get(&result_path).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    other.stop().await;
    elsewhere.finish().await;
    app.stop().await;
}

both_databases!(
    the_statistics_show_no_territory_under_ten_respondents,
    statistics
);
async fn statistics(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let add = |n: usize, department: &'static str, from: usize| {
        let store = store.clone();
        async move {
            let rows: Vec<NewContribution> = (from..from + n)
                .map(|i| NewContribution {
                    questionnaire: CO.into(),
                    response_hash: format!("h{i}"),
                    department: department.into(),
                    weak_levers: vec!["definir-sa-strategie".into()],
                    is_example: false,
                })
                .collect();
            store
                .contribute_diagnostics(&rows, chrono::Utc::now())
                .await
                .unwrap();
        }
    };
    add(9, "42", 0).await;
    add(4, "01", 100).await;
    const VALUES: &str =
        "/api/v1/datasets/autodiagnostic-capacite-de-co-construction/indicators/repondants/values";
    // Another process wrote: the observatory catches up within its refresh.
    let mut body = String::new();
    for _ in 0..50 {
        let r = app.get(VALUES).await;
        if r.status == StatusCode::OK && r.body.contains("\"84\"") {
            body = r.body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // The région has 13; its départements 9 and 4: not shown.
    assert!(body.contains("\"84\""), "{body}");
    assert!(
        !body.contains("\"42\"") && !body.contains("\"01\""),
        "{body}"
    );
    add(1, "42", 200).await;
    let mut shown = false;
    for _ in 0..50 {
        let r = app.get(VALUES).await;
        if r.body.contains("\"42\"") {
            shown = true;
            assert!(!r.body.contains("\"01\""), "{}", r.body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(shown, "10 respondents: shown");
    app.stop().await;
}

both_databases!(the_api_scores_answers_and_recommends, api);
async fn api(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let list: Value = serde_json::from_str(&app.get("/api/v1/diagnostics").await.body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[1]["slug"], CO);
    assert_eq!(list[1]["levers"].as_array().unwrap().len(), 7);
    let q = questionnaire(&app, CO).await;
    let first = &q["blocks"][0]["questions"][0];
    assert!(
        first["id"].is_string() && first["choices"][0]["id"].is_string(),
        "{first}"
    );
    let answers = |best: bool| json!({ "answers": api_answers(&q, best, "oui-plusieurs"), "department": "42" });
    let post = |body: Value| {
        let app = &app;
        async move {
            let client = reqwest::Client::new();
            let r = client
                .post(format!("{}/api/v1/diagnostics/{CO}/responses", app.base))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            (status, r.text().await.unwrap())
        }
    };
    let (status, body) = post(answers(true)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let best: Value = serde_json::from_str(&body).unwrap();
    let scores = best["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 7);
    assert!(
        scores
            .iter()
            .all(|s| s["score"] == 100 && s["weak"] == false),
        "{body}"
    );
    assert_eq!(best["weak"], json!([]));
    assert_eq!(best["recommendations"], json!([]));
    let (_, body) = post(answers(false)).await;
    let worst: Value = serde_json::from_str(&body).unwrap();
    assert!(worst["scores"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["score"] == 0));
    assert_eq!(worst["weak"].as_array().unwrap().len(), 7);
    let levers: std::collections::BTreeSet<&str> =
        (worst["recommendations"].as_array().unwrap().iter())
            .map(|r| r["lever"].as_str().unwrap())
            .collect();
    assert!(levers.len() <= 3, "the weakest three at most: {levers:?}");
    for r in worst["recommendations"].as_array().unwrap() {
        assert!(!r["reason"].as_str().unwrap().is_empty(), "{r}");
    }
    // Deterministic for the same content.
    let (_, again) = post(answers(false)).await;
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["recommendations"], worst["recommendations"]);
    assert!(worst["result_url"]
        .as_str()
        .unwrap()
        .contains("/diagnostic/resultat/"));
    // Answers that do not fit: left out, each named; what is missing too; the rest scored.
    let (status, body) = post(json!({
        "answers": {"partenaires": "peut-etre", "inconnue": 1, "vision-ambition": 99},
        "department": "2A9"
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let partial: Value = serde_json::from_str(&body).unwrap();
    let named: Vec<&str> = (partial["problems"].as_array().unwrap().iter())
        .map(|p| p["question"].as_str().unwrap())
        .collect();
    for id in ["inconnue", "partenaires", ""] {
        assert!(named.contains(&id), "{id} in {body}");
    }
    assert!(body.contains("« peut-etre » n'existe pas"), "{body}");
    assert_eq!(partial["complete"], false);
    assert!(partial["result_url"].is_null());
    assert!(partial["resume_url"]
        .as_str()
        .unwrap()
        .contains("/diagnostic/capacite-de-co-construction?r="));
    assert!(
        (partial["scores"].as_array().unwrap().iter()).all(|s| s["score"].is_null()),
        "nothing scored: {body}"
    );
    // Not the body expected: a 400.
    let (status, _) = post(json!({"reponses": {}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get("/api/v1/diagnostics/rien").await.status,
        StatusCode::NOT_FOUND
    );
    // The API keeps nothing.
    assert!(store.diagnostic_tallies().await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_questionnaire_file_with_a_mistake_is_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("catalyse_diag_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = catalyse_core::diagnostics::file::SHIPPED[2].1;
    let bad = good.replacen("kind = \"single\"", "kind = \"choix\"", 1);
    let line = bad[..bad.find("kind = \"choix\"").unwrap()]
        .matches('\n')
        .count()
        + 1;
    std::fs::write(dir.join("evaluer-un-partenariat.toml"), bad).unwrap();
    let test_store = catalyse_store::testing::sqlite().await.unwrap();
    let store = test_store.store.clone();
    let config = catalyse_web::Config {
        data_dir: dir.join("data"),
        demo: false,
        diagnostics_dir: Some(dir.clone()),
        ..Default::default()
    };
    let err = catalyse_web::state::AppState::new(store, config)
        .await
        .err()
        .expect("refused");
    let said = format!("{err:#}");
    let file = dir
        .join("evaluer-un-partenariat.toml")
        .display()
        .to_string();
    assert!(
        said.contains(&format!("{file}, ligne {line} : type « choix » inconnu")),
        "{said}"
    );
    std::fs::remove_dir_all(&dir).ok();
    test_store.finish().await;
}

both_databases!(
    a_replay_and_a_parcours_on_a_weak_lever_are_recommended,
    replay_and_parcours
);
async fn replay_and_parcours(store: Arc<dyn Store>) {
    use catalyse_core::agenda::EventKind;
    use catalyse_core::parcours::CohortFields;
    use chrono::{Duration, NaiveDate, Utc};
    let now = Utc::now();
    let lever = "qualifier-son-innovation";
    let mut past = crate::fixtures::event(
        "replay-qualifier",
        now - Duration::days(30),
        EventKind::Webinaire,
        None,
    );
    past.levers = vec![lever.into()];
    past.replay_url = Some("https://video.example.org/qualifier".into());
    past.title = "Qualifier son innovation, le replay".into();
    store.add_events(&[past], now).await.unwrap();
    let cohort = store
        .create_cohort(
            &CohortFields {
                slug: "cohorte-en-cours".into(),
                title: "Cohorte en cours".into(),
                summary: String::new(),
                description: String::new(),
                starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                ends_on: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
                modules: vec![],
            },
            false,
            now,
        )
        .await
        .unwrap();
    let mut session = crate::fixtures::event(
        "cohorte-en-cours-3",
        now + Duration::days(40),
        EventKind::TempsCollectif,
        None,
    );
    session.levers = vec![lever.into()];
    session.title = "Atelier preuve de concept".into();
    store
        .add_session(cohort.id, &session, 3, now)
        .await
        .unwrap();
    let app = TestApp::start(store).await;
    let q = questionnaire(&app, CO).await;
    let answers = api_answers(&q, false, "non");
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/diagnostics/{CO}/responses", app.base))
        .json(&json!({ "answers": answers }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let recs = body["recommendations"].as_array().unwrap();
    let of = |kind: &str| {
        recs.iter()
            .find(|r| r["kind"] == kind && r["lever"] == lever)
            .unwrap_or_else(|| panic!("{kind} in {recs:?}"))
    };
    assert_eq!(of("replay")["title"], "Qualifier son innovation, le replay");
    assert!(of("replay")["reason"]
        .as_str()
        .unwrap()
        .starts_with("Le replay du dernier webinaire"));
    assert_eq!(
        of("parcours")["url"],
        format!("{}/parcours/cohorte-en-cours", app.base)
    );
    assert!(
        of("parcours")["reason"]
            .as_str()
            .unwrap()
            .contains("à l'étape 3 (« Atelier preuve de concept »)"),
        "{}",
        of("parcours")["reason"]
    );
    app.stop().await;
}
