//! The resource centre end to end: search pages, the kit, document pages, the lever pages,
//! the Atom feed, OAI-PMH and the API.

use crate::fixtures::resource_fields;
use crate::TestApp;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

both_databases!(resource_pages_search_and_feeds, pages);
async fn pages(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    // The seed's kit is there, searchable in French without accents.
    let s = app.get("/ressources?q=evaluer+un+partenariat").await;
    assert_eq!(s.status, StatusCode::OK);
    let first = s
        .body
        .find("/ressources/evaluer-l-utilite-societale-des-partenariats")
        .unwrap();
    let other = s
        .body
        .find("/ressources/check-list-evaluation-des-partenariats")
        .unwrap();
    assert!(first < other, "the method comes first");
    assert!(s.body.contains("<mark>"), "highlighted");
    assert!(
        s.body.contains("name=\"nature\" value=\"methode\""),
        "facets"
    );
    // Filters combine; a bad one is explained, not a 500.
    let f = app
        .get("/ressources?q=partenariat&nature=boite-a-outils")
        .await;
    assert!(!f
        .body
        .contains("/ressources/evaluer-l-utilite-societale-des-partenariats\""));
    let bad = app.get("/ressources?nature=roman").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("nature inconnue"));

    let kit = app.get("/ressources/kit").await;
    assert!(kit.body.contains("Fiches outil"));
    assert!(kit.body.contains("Se former"));

    let r = app.get("/ressources/realiser-une-etude-territoriale").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("centre de ressources numériques"),
        "where to read it"
    );
    assert!(r.body.contains("application/ld+json"));
    assert!(r.body.contains("\"@type\":\"CreativeWork\""));
    assert!(r.body.contains("Ressources proches"));
    assert_eq!(
        app.get("/ressources/absente").await.status,
        StatusCode::NOT_FOUND
    );

    let lever = app.get("/leviers/evaluer-sa-pertinence").await;
    assert!(lever
        .body
        .contains("/ressources/evaluer-l-utilite-societale-des-partenariats"));

    let atom = app.get("/ressources/flux.atom").await;
    assert!(atom
        .header("content-type")
        .starts_with("application/atom+xml"));
    assert!(atom.body.contains("<entry>"));

    let identify = app.get("/oai?verb=Identify").await;
    assert!(identify.header("content-type").starts_with("text/xml"));
    assert!(identify
        .body
        .contains("<protocolVersion>2.0</protocolVersion>"));
    let list = app
        .get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=nature-methode")
        .await;
    assert_eq!(list.body.matches("<header>").count(), 9, "{}", list.body);
    let bad = app.get("/oai?verb=Nope").await;
    assert!(bad.body.contains("code=\"badVerb\""));
    app.stop().await;
}

both_databases!(resource_api, api);
async fn api(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let r = app
        .get("/api/v1/resources?q=etude+territoriale&nature=methode")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["items"][0]["slug"], "realiser-une-etude-territoriale");
    assert_eq!(v["items"][0]["nature"], "methode");
    assert!(v["items"][0]["levers"].is_array());
    assert!(v["total"].as_u64().unwrap() >= 1);
    assert_eq!(v["facets"]["nature"][0]["value"], "methode");
    let id = v["items"][0]["id"].as_i64().unwrap();
    let one = app.get(&format!("/api/v1/resources/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    // Instants as the API has always written them: RFC 3339, UTC, to the second, `Z`.
    let one: serde_json::Value = serde_json::from_str(&one.body).unwrap();
    for field in ["created_at", "updated_at", "published_at"] {
        let t = one[field].as_str().unwrap_or_default();
        assert!(
            t.len() == 20 && t.ends_with('Z') && t.parse::<chrono::DateTime<chrono::Utc>>().is_ok(),
            "{field}: {t}"
        );
    }
    assert_eq!(
        app.get("/api/v1/resources/999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/resources/abc").await.status,
        StatusCode::BAD_REQUEST
    );
    let bad = app.get("/api/v1/resources?sort=random").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad
        .header("content-type")
        .starts_with("application/problem+json"));
    app.stop().await;
}

/// Files under the data directory's `files/` (the local file store).
pub(crate) fn stored_files(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() {
                            walk(&p)
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.data_dir.join("files"))
}

/// Changes a resource's state (`publier`, `archiver`) from its edit page.
pub(crate) async fn set_state(app: &TestApp, edit: &str, state: &str) -> crate::Answer {
    let csrf = app.get(edit).await.field("csrf");
    app.post_with_csrf(&csrf, &format!("{edit}/etat"), &[("etat", state)])
        .await
}

both_databases!(animators_publish_resources_with_checked_uploads, admin);
async fn admin(store: Arc<dyn Store>) {
    use catalyse_core::Role;
    let app = TestApp::start(store.clone()).await;
    app.sign_in_as("membre@example.org", Role::Member).await;
    assert_eq!(
        app.get("/admin/ressources").await.status,
        StatusCode::FORBIDDEN
    );
    app.sign_in_as("anim@example.org", Role::Moderator).await;
    assert_eq!(app.get("/admin/ressources").await.status, StatusCode::OK);
    let before = store.resources(None).await.unwrap().len();
    let form = "/admin/ressources/nouvelle";
    let fields = [
        ("title", "Guide de la coopération locale"),
        ("authors", "Réseau test, Commune test"),
        ("nature", "boite-a-outils"),
        ("subgroup", "guides-pratiques"),
        ("year", "2024"),
        (
            "summary",
            "Comment monter une coopération locale entre associations et mairie.",
        ),
        ("levier_apprendre-a-faire-alliance", "oui"),
    ];
    // An executable named .pdf: refused by its content, nothing kept.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00 not a pdf".to_vec();
    let r = app
        .post_multipart(form, form, &fields, Some(("file", "guide.pdf", exe)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("pas d&#39;un type accepté") || r.body.contains("pas d'un type accepté"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("value=\"Guide de la coopération locale\""),
        "the form keeps its values"
    );
    assert_eq!(store.resources(None).await.unwrap().len(), before);
    assert_eq!(stored_files(&app), 0);
    // Bad fields are named.
    let r = app
        .post_multipart(
            form,
            form,
            &[("title", ""), ("nature", "roman"), ("year", "deux mille")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Donnez un titre"));
    assert!(r.body.contains("4 natures"));
    assert!(r.body.contains("entre 1900 et"));
    // A slug already taken: refused, and the uploaded file does not stay behind.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let mut taken = fields.to_vec();
    taken.push(("slug", "realiser-une-etude-territoriale"));
    let r = app
        .post_multipart(form, form, &taken, Some(("file", "guide.pdf", pdf.clone())))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("déjà celle d&#39;une autre") || r.body.contains("déjà celle d'une autre")
    );
    assert_eq!(stored_files(&app), 0, "no orphan file");

    // A good one, as a draft: stored, not public, not searchable.
    let r = app
        .post_multipart(
            form,
            form,
            &fields,
            Some(("file", "Guide coopération.pdf", pdf.clone())),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let edit = r.header("location").split('?').next().unwrap().to_string();
    assert_eq!(stored_files(&app), 1);
    let slug = "guide-de-la-cooperation-locale";
    app.forget_cookies();
    assert_eq!(
        app.get(&format!("/ressources/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );
    app.login("anim@example.org", "un mot de passe assez long")
        .await;
    // Published: searchable at once, downloadable with the right headers.
    let r = set_state(&app, &edit, "publier").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let found = app.get("/ressources?q=cooperation+locale").await;
    assert!(
        found.body.contains(&format!("/ressources/{slug}\"")),
        "searchable at once"
    );
    let file = app.get(&format!("/ressources/{slug}/fichier")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "application/pdf");
    assert!(file
        .header("content-disposition")
        .starts_with("attachment; filename=\"guide-de-la-cooperation-locale.pdf\""));
    assert_eq!(file.header("x-content-type-options"), "nosniff");
    // An edit is in the history; archiving takes it out of search and marks it deleted in OAI.
    let r = app
        .post_multipart(
            &edit,
            &edit,
            &[
                ("title", "Guide de la coopération locale (2e édition)"),
                ("authors", "Réseau test"),
                ("nature", "boite-a-outils"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&edit).await;
    assert!(page.body.contains("Historique des modifications"));
    assert!(page.body.contains("title"));
    app.post_with_csrf(
        &page.field("csrf"),
        &format!("{edit}/etat"),
        &[("etat", "archiver")],
    )
    .await;
    let found = app.get("/ressources?q=cooperation+locale").await;
    assert!(!found.body.contains(&format!("/ressources/{slug}\"")));
    let id: i64 = edit.rsplit('/').next().unwrap().parse().unwrap();
    let oai = app
        .get(&format!("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:catalyse.local:ressource/{id}"))
        .await;
    assert!(oai.body.contains("status=\"deleted\""), "{}", oai.body);
    app.stop().await;
}

both_databases!(refused_uploads_leave_nothing_behind, refused_uploads);
async fn refused_uploads(store: Arc<dyn Store>) {
    use catalyse_core::Role;
    let app = TestApp::start_with(store.clone(), |c| c.upload_max_mb = 1).await;
    app.sign_in_as("anim@example.org", Role::Moderator).await;
    let before = store.resources(None).await.unwrap().len();
    let form = "/admin/ressources/nouvelle";
    let fields = [
        ("title", "Un guide"),
        ("authors", "Réseau test"),
        ("nature", "methode"),
    ];
    // Empty.
    let r = app
        .post_multipart(form, form, &fields, Some(("file", "vide.pdf", vec![])))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("est vide"), "{}", r.body);
    // Too large (a PDF of 1.5 MB for a 1 MB limit).
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(1_500_000, b'x');
    let r = app
        .post_multipart(form, form, &fields, Some(("file", "gros.pdf", big)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("taille maximale (1 Mo)"), "{}", r.body);
    // Cut off: the body stops in the middle of the file, without its closing boundary.
    let csrf = app.get(form).await.field("csrf");
    let body = format!(
        "--XyZ\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --XyZ\r\ncontent-disposition: form-data; name=\"title\"\r\n\r\nCoupé\r\n\
         --XyZ\r\ncontent-disposition: form-data; name=\"file\"; filename=\"c.pdf\"\r\n\
         content-type: application/pdf\r\n\r\n%PDF-1.4 le début seulement"
    );
    let cookies = format!(
        "__Host-session={}; __Host-csrf={}",
        app.cookie("__Host-session").unwrap(),
        app.cookie("__Host-csrf").unwrap()
    );
    let r = reqwest::Client::new()
        .post(format!("{}{form}", app.base))
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .header("cookie", cookies)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(text.contains("pas arrivé en entier"), "{text}");
    // Nothing behind: no row, no file.
    assert_eq!(store.resources(None).await.unwrap().len(), before);
    assert_eq!(stored_files(&app), 0);
    app.stop().await;
}

// Files nothing uses go after an hour's grace; used and recent ones stay.
both_databases!(unused_files_are_swept, sweep);
async fn sweep(store: Arc<dyn Store>) {
    use catalyse_core::resource::{Nature, ResourceState, StoredFile};
    let dir = std::env::temp_dir().join(format!("catalyse_sweep_{}", crate::rand_suffix()));
    let config = catalyse_web::Config {
        data_dir: dir.clone(),
        ..catalyse_web::Config::default()
    };
    let files = catalyse_web::files::FileStore::from_config(&config).unwrap();
    let put = |text: &'static str| {
        let files = &files;
        async move {
            files
                .put(bytes::Bytes::from_static(text.as_bytes()))
                .await
                .unwrap()
        }
    };
    let used = put("%PDF-1.4 used").await;
    let orphan = put("%PDF-1.4 orphan").await;
    let recent = put("%PDF-1.4 recent orphan").await;
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for sha in [&used, &orphan] {
        let path = dir.join("files").join(&sha[..2]).join(sha.as_str());
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    }
    let fields = resource_fields("guide-utilise", "Guide utilisé", Nature::BoiteAOutils);
    let file = StoredFile {
        sha256: used.clone(),
        name: "guide.pdf".into(),
        content_type: "application/pdf".into(),
        size: 13,
    };
    store
        .create_resource(
            &fields,
            ResourceState::Draft,
            Some(&file),
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let cutoff = chrono::Utc::now() - chrono::Duration::hours(1);
    assert_eq!(files.sweep_unused(store.as_ref(), cutoff).await.unwrap(), 1);
    assert!(files.get(&used).await.unwrap().is_some(), "used: kept");
    assert!(
        files.get(&orphan).await.unwrap().is_none(),
        "old and unused: deleted"
    );
    assert!(files.get(&recent).await.unwrap().is_some(), "recent: kept");
    let _ = std::fs::remove_dir_all(dir);
}

/// Whether a server started on `data_dir` finds « guide-du-jour » searching for `word`
/// (the server is stopped after).
async fn finds_guide_du_jour(
    store: &Arc<dyn Store>,
    data_dir: &std::path::Path,
    word: &str,
) -> bool {
    let d = data_dir.to_path_buf();
    let app = TestApp::start_with(store.clone(), move |c| c.data_dir = d).await;
    let found = app
        .get(&format!("/ressources?q={word}"))
        .await
        .body
        .contains("/ressources/guide-du-jour\"");
    app.stop().await;
    found
}

// An index kept on disk follows what changed while its instance was stopped, even when the
// number of documents stayed the same.
both_databases!(
    search_index_follows_changes_made_while_stopped,
    restart,
    with_url
);
async fn restart(store: Arc<dyn Store>, url: String) {
    use catalyse_core::resource::{Nature, ResourceState};
    let dir = std::env::temp_dir().join(format!("catalyse_restart_{}", crate::rand_suffix()));
    let mut fields = resource_fields(
        "guide-du-jour",
        "Guide des jardins partagés",
        Nature::Methode,
    );
    let r = store
        .create_resource(
            &fields,
            ResourceState::Published,
            None,
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    // (Stopping the server closes its store.)
    assert!(finds_guide_du_jour(&store, &dir, "jardins").await);
    // Stopped: the command line or another instance edits it.
    let store = catalyse_store::connect(&url, &Default::default())
        .await
        .unwrap();
    fields.title = "Guide des vergers partagés".into();
    store
        .update_resource(
            r.id,
            &fields,
            &catalyse_store::FileChange::Keep,
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert!(
        finds_guide_du_jour(&store, &dir, "vergers").await,
        "rebuilt at start"
    );
    let _ = std::fs::remove_dir_all(dir);
}

both_databases!(kit_documents_link_to_the_centre, kit_and_examples);
/// Each kit document links to the centre that publishes it and says so; the demonstration's
/// example resources have a generated PDF to download; language and licence read in words.
async fn kit_and_examples(store: Arc<dyn Store>) {
    let app = TestApp::start_with(store, |c| c.demo = true).await;
    let kit = app
        .get("/ressources/referentiel-co-construction-en-territoire")
        .await;
    assert_eq!(kit.status, StatusCode::OK);
    assert!(kit
        .body
        .contains("href=\"https://co-constructionterritoriale.plateformecapitalisation.org/\""));
    assert!(kit.body.contains("centre de ressources numériques"));
    assert!(
        !kit.body.contains("résumé à compléter"),
        "no note to animators in public"
    );
    assert!(kit.body.contains("<dd>français</dd>"));
    // The kit page keeps the kit's documents first and shows a few a group: the rest is one
    // search away, however many resources the platform holds.
    let levers = vec!["qualifier-son-innovation".to_string()];
    let many: Vec<_> = catalyse_core::resource::examples(300, &levers)
        .into_iter()
        .map(|f| (f, catalyse_core::resource::ResourceState::Published))
        .collect();
    app.store
        .import_resources(&many, None, chrono::Utc::now())
        .await
        .unwrap();
    let kit_page = app.get("/ressources/kit").await;
    assert!(kit_page
        .body
        .contains("href=\"/ressources/referentiel-co-construction-en-territoire\""));
    assert!(kit_page.body.contains("Voir les "), "a link to the rest");
    assert!(kit_page
        .body
        .contains("href=\"/ressources?nature=boite-a-outils&#38;sous_groupe=fiches-outil\""));
    assert!(
        kit_page.body.matches("<li><a href=\"/ressources/").count() < 150,
        "a few a group, not 337"
    );
    let example = app.get("/ressources/exemple-1").await;
    assert!(
        example.body.contains("données d&#39;exemple")
            || example.body.contains("données d'exemple")
    );
    let href = example
        .body
        .split("href=\"/ressources/exemple-1/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a download link");
    assert!(example.body.contains("PDF – "), "the label says the format");
    assert!(example.body.contains(" Ko</span>"));
    let file = app.get(&format!("/ressources/exemple-1/{href}")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "application/pdf");
    assert!(file.body.starts_with("%PDF-"));
    app.stop().await;
}
