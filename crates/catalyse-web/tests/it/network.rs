//! The network end to end: join → verify → profile → approve → visible; hidden and unapproved
//! profiles leak nowhere; the map and its list view agree; peer contact; deletion.

use crate::moderation::approve_member;
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::Role;
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

fn mail_bodies(app: &TestApp) -> Vec<(String, String)> {
    app.outbox()
        .iter()
        .map(|m| {
            let p = mailparse::parse_mail(m.as_bytes()).expect("mail");
            let body = if p.subparts.is_empty() {
                p.get_body().unwrap_or_default()
            } else {
                p.subparts[0].get_body().unwrap_or_default()
            };
            (m.clone(), body)
        })
        .collect()
}

fn token_after(body: &str, marker: &str) -> String {
    body.split(marker)
        .nth(1)
        .expect("link in mail")
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

/// Deletes the signed-in account from its profile page, confirmed with this password.
async fn delete_account(app: &TestApp, password: &str) -> crate::Answer {
    app.post_form(
        "/mon-profil",
        "/mon-profil/supprimer",
        &[("password", password), ("confirm", "oui")],
    )
    .await
}

/// Every public surface where a member could appear.
async fn public_surfaces(app: &TestApp) -> Vec<(String, String)> {
    let mut out = vec![];
    for path in [
        "/reseau",
        "/reseau?q=Rosalie",
        "/reseau/membres.csv",
        "/carte/points.geojson",
        "/carte/liste",
        "/api/v1/members",
        "/api/v1/members?q=Rosalie",
        "/api/v1/map/clusters?bbox=-180,-85,180,85&zoom=20",
        "/territoires/commune/42218-saint-etienne",
        "/reseau/chiffres",
    ] {
        let a = app.get(path).await;
        out.push((path.to_string(), a.body));
    }
    out
}

pub(crate) async fn join_and_verify(app: &TestApp, email: &str, name: &str) {
    app.forget_cookies();
    let r = app.join(name, email, TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("lien de confirmation"));
    // Not verified yet: the password is right, but no session; a new link is sent.
    let r = app.login(email, TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("pas encore confirmée"));
    let mails = mail_bodies(app);
    let (_, body) = mails
        .iter()
        .rev()
        .find(|(raw, _)| raw.contains(&format!("To: {email}")))
        .expect("verification mail");
    let token = token_after(body, "jeton=");
    let page = format!("/rejoindre/confirmer?jeton={token}");
    // Opening the link changes nothing; the button does.
    let form = app.get(&page).await;
    assert_eq!(form.status, StatusCode::OK);
    let r = app
        .post_form(&page, "/rejoindre/confirmer", &[("jeton", &token)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/mon-profil?etat=bienvenue");
    // Single use.
    let again = app
        .post_form(&page, "/rejoindre/confirmer", &[("jeton", &token)])
        .await;
    assert_eq!(again.status, StatusCode::GONE);
}

pub(crate) async fn submit_profile(
    app: &TestApp,
    name: &str,
    visibility: &str,
    consent: bool,
) -> StatusCode {
    let mut fields = vec![
        ("display_name", name),
        ("organisation", "Tiers-lieu des Pionniers"),
        ("actor_family", "associations"),
        ("role", "Coordinatrice"),
        ("territories", "Saint-Étienne"),
        ("activite_piloter-des-experimentations", "oui"),
        ("activite_fablab", "oui"),
        ("levier_apprendre-a-faire-alliance", "oui"),
        ("themes", "alimentation, mobilité"),
        (
            "bio",
            "J'accompagne les expérimentations collectives du quartier.",
        ),
        ("links", "https://pionniers.exemple.fr"),
        ("visibility", visibility),
    ];
    if consent {
        fields.push(("consent", "oui"));
    }
    app.post_multipart("/mon-profil", "/mon-profil", &fields, None)
        .await
        .status
}

both_databases!(network_join_verify_profile_approve_visible, journey);
async fn journey(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    join_and_verify(&app, "rosalie@exemple.fr", "Rosalie Pionnière").await;
    // Form errors are in French, tied to fields, and nothing is written.
    let bad = app
        .post_multipart(
            "/mon-profil",
            "/mon-profil",
            &[
                ("display_name", "R"),
                ("territories", "Nullepart-sur-Rien"),
                ("visibility", "public"),
                ("links", "javascript:alert(1)"),
            ],
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "aucun territoire de ce nom",
        "cochez la case de consentement",
        "n&#39;est pas une adresse web",
        "Choisissez la famille d&#39;acteurs",
    ] {
        assert!(bad.body.contains(msg), "{msg}");
    }
    let user = store
        .user_by_email(&catalyse_core::Email::parse("rosalie@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(store.profile(user.id).await.unwrap().is_none());
    // A photo that is not an image is refused.
    let bad_photo = app
        .post_multipart(
            "/mon-profil",
            "/mon-profil",
            &[("display_name", "Rosalie"), ("visibility", "hidden")],
            Some(("photo", "photo.jpg", b"%PDF-1.4 not an image".to_vec())),
        )
        .await;
    assert_eq!(bad_photo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_photo.body.contains("n&#39;est pas une image"));

    assert_eq!(
        submit_profile(&app, "Rosalie Pionnière", "public", true).await,
        StatusCode::SEE_OTHER
    );
    let p = store.profile(user.id).await.unwrap().unwrap();
    assert!(p.moderated.published.is_none() && p.consent_at.is_some());
    assert_eq!(
        app.get(&format!("/reseau/{}", p.slug)).await.status,
        StatusCode::OK,
        "its owner sees it"
    );
    // Unapproved: nowhere public, nor to other members.
    app.forget_cookies();
    for (path, body) in public_surfaces(&app).await {
        assert!(
            !body.contains("Rosalie Pionni"),
            "unapproved profile leaks in {path}"
        );
    }
    app.sign_in_as("curieux@exemple.fr", Role::Member).await;
    for (path, body) in public_surfaces(&app).await {
        assert!(
            !body.contains("Rosalie Pionni"),
            "unapproved profile shown to a member in {path}"
        );
    }
    app.forget_cookies();
    assert_eq!(
        app.get(&format!("/reseau/{}", p.slug)).await.status,
        StatusCode::NOT_FOUND
    );

    // A moderator approves it.
    app.sign_in_as("moderatrice@exemple.fr", Role::Moderator)
        .await;
    let queue = app.get("/admin/moderation").await;
    assert!(queue.body.contains("Rosalie Pionnière"), "in the queue");
    let r = approve_member(&app, user.id, "1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mails = mail_bodies(&app);
    assert!(
        mails
            .iter()
            .any(|(raw, _)| raw.contains("To: rosalie@exemple.fr") && raw.contains("publi")),
        "the member is told"
    );

    // Visible everywhere, to everyone.
    app.forget_cookies();
    let page = app.get(&format!("/reseau/{}", p.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tiers-lieu des Pionniers"));
    assert!(
        !page.body.contains("rosalie@exemple.fr"),
        "address never shown"
    );
    for (path, body) in public_surfaces(&app).await {
        if path.starts_with("/api/v1/map") || path == "/reseau/chiffres" {
            continue;
        }
        assert!(
            body.contains("Rosalie Pionni"),
            "approved profile missing from {path}"
        );
    }
    let clusters = app
        .get("/api/v1/map/clusters?bbox=4.0,45.0,5.0,46.0&zoom=18")
        .await;
    assert!(clusters.body.contains("Rosalie"), "{}", clusters.body);
    let search = app.get("/reseau?q=experimentation&activite=fablab").await;
    assert!(search.body.contains("Rosalie"), "French search and filter");

    // Peer contact: through the platform, reply-to the sender, never the address on a page.
    app.sign_in_as("pair@exemple.fr", Role::Member).await;
    let path = format!("/reseau/{}", p.slug);
    let r = app
        .post_form(
            &path,
            &format!("/reseau/{}/contact", p.slug),
            &[("subject", "Bonjour"), ("message", "Court")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("message de 10"));
    let r = app
        .post_form(
            &path,
            &format!("/reseau/{}/contact", p.slug),
            &[
                ("subject", "Échange sur les fablabs"),
                ("message", "Bonjour, j'aimerais échanger sur votre fablab."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mails = mail_bodies(&app);
    let (raw, body) = mails
        .iter()
        .find(|(raw, _)| raw.contains("Échange sur les fablabs") || raw.contains("fablabs"))
        .expect("contact mail");
    assert!(raw.contains("To: rosalie@exemple.fr"));
    assert!(
        raw.contains("Reply-To:") && raw.contains("pair@exemple.fr"),
        "{raw}"
    );
    assert!(
        body.contains("/signaler?message=1") || body.contains("/mentions-legales"),
        "abuse link"
    );

    // Hidden: gone from every public surface at once, and from members' views.
    app.forget_cookies();
    let r = app.login("rosalie@exemple.fr", TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        submit_profile(&app, "Rosalie Pionnière", "hidden", false).await,
        StatusCode::SEE_OTHER
    );
    app.forget_cookies();
    for (path, body) in public_surfaces(&app).await {
        assert!(
            !body.contains("Rosalie Pionni"),
            "hidden profile leaks in {path}"
        );
    }
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    app.sign_in_as("autre@exemple.fr", Role::Member).await;
    for (path, body) in public_surfaces(&app).await {
        assert!(
            !body.contains("Rosalie Pionni"),
            "hidden profile shown to a member in {path}"
        );
    }

    // Deletion: the account goes, with the profile, at once.
    app.forget_cookies();
    let r = app.login("rosalie@exemple.fr", TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let export = app.get("/mon-profil/donnees.json").await;
    assert_eq!(export.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(json["account"]["email"], "rosalie@exemple.fr");
    assert_eq!(json["contact_messages_sent"], 0);
    let refused = delete_account(&app, "mauvais mot de passe").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = delete_account(&app, TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store.profile(user.id).await.unwrap().is_none());
    assert!(store.user_by_id(user.id).await.unwrap().is_none());
    app.stop().await;
}

both_databases!(network_map_and_list_agree, map_and_list);
async fn map_and_list(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    // Example members spread over the test geography, some members-only.
    let state_ref = catalyse_web::state::Reference {
        levers: store.levers().await.unwrap(),
        metier: store.metier().await.unwrap(),
        actor_families: store.actor_families().await.unwrap(),
        milestones: vec![],
    };
    let territories = store.territories().await.unwrap();
    catalyse_web::network::examples::generate(store.as_ref(), &territories, &state_ref, 60, 6, 7)
        .await
        .unwrap();
    // The server picks up a change made elsewhere (the command line) within seconds.
    let mut total = 0;
    for _ in 0..40 {
        let list = app.get("/carte/liste").await;
        if list.body.contains("membres, lieux, pratiques et besoins")
            && !list.body.contains(">0 membre, lieu, pratique ou besoin")
        {
            total = 1;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(total, 1, "network reloaded");
    for (query, signed_in) in [
        ("bbox=4.0,45.0,5.5,46.5&zoom=6&layers=members,places", false),
        ("bbox=4.0,45.0,5.5,46.5&zoom=12&layers=members", false),
        (
            "bbox=4.0,45.0,5.5,46.5&zoom=6&layers=members&family=associations",
            false,
        ),
        ("bbox=-180,-85,180,85&zoom=3&layers=places", false),
        ("bbox=-180,-85,180,85&zoom=9&layers=members,places", true),
    ] {
        if signed_in {
            app.sign_in_as("membre@exemple.fr", Role::Member).await;
        }
        let geo = app.get(&format!("/api/v1/map/clusters?{query}")).await;
        assert_eq!(geo.status, StatusCode::OK, "{query}");
        assert!(geo
            .header("content-type")
            .starts_with("application/geo+json"));
        let fc: serde_json::Value = serde_json::from_str(&geo.body).unwrap();
        let mut on_map = 0u64;
        let mut singles = vec![];
        for f in fc["features"].as_array().unwrap() {
            let props = &f["properties"];
            if props["cluster"] == true {
                on_map += props["count"].as_u64().unwrap();
            } else {
                on_map += 1;
                singles.push(props["slug"].as_str().unwrap().to_string());
            }
        }
        // The list of the same view: the same number, and every single point in it.
        let mut listed = vec![];
        let mut page = 1;
        let count;
        loop {
            let list = app.get(&format!("/carte/liste?{query}&page={page}")).await;
            assert_eq!(list.status, StatusCode::OK);
            for part in list.body.split("href=\"/").skip(1) {
                let target = part.split('"').next().unwrap();
                if let Some(slug) = target
                    .strip_prefix("reseau/")
                    .or_else(|| target.strip_prefix("lieux/"))
                {
                    if !slug.contains('?') && !slug.is_empty() && slug != "chiffres" {
                        listed.push(slug.to_string());
                    }
                }
            }
            if !list.body.contains("rel=\"next\"") {
                let n: String = list
                    .body
                    .split("<h2>")
                    .nth(1)
                    .unwrap()
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                count = n.parse::<u64>().unwrap();
                break;
            }
            page += 1;
        }
        assert_eq!(
            on_map, count,
            "map and list count the same points for {query}"
        );
        for s in singles {
            assert!(
                listed.contains(&s),
                "{s} is on the map but not in the list ({query})"
            );
        }
        assert!(on_map > 0, "{query} shows something");
    }
    // Bad parameters: a clear error, never a 500.
    for q in [
        "bbox=1,2,3",
        "bbox=0,0,1,1&zoom=99",
        "bbox=0,0,1,1&layers=cats",
        "bbox=a,b,c,d",
    ] {
        let r = app.get(&format!("/api/v1/map/clusters?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
    }
    // A filter value that names nothing matches nothing; the list says why.
    let r = app
        .get("/api/v1/map/clusters?bbox=0,0,1,1&family=pirates")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, r#"{"type":"FeatureCollection","features":[]}"#);
    let r = app.get("/carte/liste?family=pirates").await;
    assert!(
        r.body.contains("famille d&#39;acteurs inconnue"),
        "{}",
        r.body
    );
    // No bbox: the whole world; latitudes past the poles are clamped and put in order.
    let world = app.get("/api/v1/map/clusters?zoom=2").await;
    let flipped = app
        .get("/api/v1/map/clusters?bbox=-180,95,180,-95&zoom=2")
        .await;
    assert_eq!(world.status, StatusCode::OK);
    assert_eq!(world.body, flipped.body);
    app.stop().await;
}

/// A JPEG of random pixels (noise does not compress: its size follows its side).
fn noise_jpeg(side: u32, quality: u8) -> Vec<u8> {
    use rand::Rng;
    let mut pixels = vec![0u8; (side * side * 3) as usize];
    rand::thread_rng().fill(&mut pixels[..]);
    let picture = image::RgbImage::from_raw(side, side, pixels).expect("pixels");
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&picture)
        .expect("jpeg");
    out
}

/// Submits the usual profile (public, consenting) from `/mon-profil`, with `extra` fields
/// and a photo if given.
async fn submit_with_photo(
    app: &TestApp,
    extra: &[(&str, &str)],
    photo: Option<Vec<u8>>,
) -> crate::Answer {
    let mut fields = vec![
        ("display_name", "Rosalie Pionnière"),
        ("organisation", "Tiers-lieu des Pionniers"),
        ("actor_family", "associations"),
        ("role", "Coordinatrice"),
        ("territories", "Saint-Étienne"),
        (
            "bio",
            "J'accompagne les expérimentations collectives du quartier.",
        ),
        ("visibility", "public"),
        ("consent", "oui"),
    ];
    fields.extend_from_slice(extra);
    app.post_multipart(
        "/mon-profil",
        "/mon-profil",
        &fields,
        photo.map(|p| ("photo", "photo.jpg", p)),
    )
    .await
}

/// Signs in as Rosalie and sends her profile again (with `extra` fields, and a photo if
/// given): her profile as stored after.
async fn rosalie_resubmits(
    app: &TestApp,
    member: i64,
    extra: &[(&str, &str)],
    photo: Option<Vec<u8>>,
) -> catalyse_core::network::Profile {
    crate::moderation::sign_in(app, "rosalie@exemple.fr").await;
    let r = submit_with_photo(app, extra, photo).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.store.profile(member).await.unwrap().unwrap()
}

/// Whether the file store still holds this file (local disk, `{data_dir}/files/ab/abcd…`).
fn stored(app: &TestApp, sha: &str) -> bool {
    app.data_dir
        .join("files")
        .join(&sha[..2])
        .join(sha)
        .exists()
}

both_databases!(
    replaced_and_removed_photos_are_deleted_with_the_account,
    photos_deleted
);
async fn photos_deleted(store: Arc<dyn Store>) {
    use crate::moderation::sign_in;
    let app = TestApp::start(store.clone()).await;
    let member = app
        .user("rosalie@exemple.fr", TEST_PASSWORD, Role::Member)
        .await;
    app.user("moderatrice@exemple.fr", TEST_PASSWORD, Role::Moderator)
        .await;
    let draft_photo = |p: &catalyse_core::network::Profile| {
        p.moderated
            .draft
            .as_ref()
            .and_then(|f| f.photo.clone())
            .expect("photo")
    };
    let approve = |revision: i64| {
        let app = &app;
        async move {
            sign_in(app, "moderatrice@exemple.fr").await;
            let r = approve_member(app, member.id, &revision.to_string()).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
    };

    // A photo, then another before any decision: the first is used by nothing any more.
    let first =
        draft_photo(&rosalie_resubmits(&app, member.id, &[], Some(noise_jpeg(64, 90))).await);
    assert!(stored(&app, &first));
    let url = |sha: &str| format!("/reseau/photos/{sha}.jpg");
    assert_eq!(app.get(&url(&first)).await.status, StatusCode::OK);
    let r = submit_with_photo(&app, &[], Some(noise_jpeg(64, 90))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = store.profile(member.id).await.unwrap().unwrap();
    let second = draft_photo(&p);
    assert_ne!(first, second);
    assert!(!stored(&app, &first), "a replaced draft photo is deleted");
    assert!(stored(&app, &second));
    approve(p.moderated.revision).await;
    assert_eq!(app.get(&url(&first)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&url(&second)).await.status, StatusCode::OK);

    // A new version without a new photo keeps the published one: still there once approved.
    let p = rosalie_resubmits(&app, member.id, &[("role", "Directrice")], None).await;
    assert_eq!(
        draft_photo(&p),
        second,
        "the draft points at the published photo"
    );
    approve(p.moderated.revision).await;
    assert!(stored(&app, &second));
    assert_eq!(app.get(&url(&second)).await.status, StatusCode::OK);

    // A replacement under review: the published photo stays (the public still sees it)
    // until the new version is approved, then it goes.
    let p = rosalie_resubmits(&app, member.id, &[], Some(noise_jpeg(64, 90))).await;
    let third = draft_photo(&p);
    assert!(stored(&app, &second) && stored(&app, &third));
    app.forget_cookies();
    assert_eq!(
        app.get(&format!("/reseau/{}/photo", p.slug)).await.status,
        StatusCode::OK
    );
    approve(p.moderated.revision).await;
    assert!(
        !stored(&app, &second),
        "the photo replaced on approval is deleted"
    );
    assert_eq!(app.get(&url(&second)).await.status, StatusCode::NOT_FOUND);
    assert!(stored(&app, &third));

    // Removed: gone once the version without it is approved.
    let p = rosalie_resubmits(&app, member.id, &[("photo_remove", "oui")], None).await;
    assert!(p.moderated.draft.as_ref().unwrap().photo.is_none());
    assert!(stored(&app, &third), "still published meanwhile");
    approve(p.moderated.revision).await;
    assert!(!stored(&app, &third), "a removed photo is deleted");
    assert_eq!(app.get(&url(&third)).await.status, StatusCode::NOT_FOUND);

    // The account deleted: its photos go with it, the published one and the draft's.
    let p = rosalie_resubmits(&app, member.id, &[], Some(noise_jpeg(64, 90))).await;
    let published = draft_photo(&p);
    approve(p.moderated.revision).await;
    let draft =
        draft_photo(&rosalie_resubmits(&app, member.id, &[], Some(noise_jpeg(64, 90))).await);
    assert!(stored(&app, &published) && stored(&app, &draft));
    let r = delete_account(&app, TEST_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!stored(&app, &published) && !stored(&app, &draft));
    sign_in(&app, "moderatrice@exemple.fr").await;
    for sha in [&published, &draft] {
        assert_eq!(app.get(&url(sha)).await.status, StatusCode::NOT_FOUND);
    }
    app.stop().await;
}

both_databases!(phone_photos_up_to_ten_megabytes, photo_sizes);
async fn photo_sizes(store: Arc<dyn Store>) {
    use crate::moderation::sign_in;
    let app = TestApp::start(store.clone()).await;
    let member = app
        .user("rosalie@exemple.fr", TEST_PASSWORD, Role::Member)
        .await;
    sign_in(&app, "rosalie@exemple.fr").await;
    // A phone photo of about 3 MB, far over the 1 MiB of other forms: accepted.
    let phone = noise_jpeg(1400, 95);
    assert!(
        (5 * 1024 * 1024 / 2..9 * 1024 * 1024).contains(&phone.len()),
        "{} bytes",
        phone.len()
    );
    let r = submit_with_photo(&app, &[], Some(phone)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = store.profile(member.id).await.unwrap().unwrap();
    assert!(p.moderated.draft.as_ref().unwrap().photo.is_some());

    // Over 10 MB: the form again, with a message in French on the photo, nothing written.
    let mut big = noise_jpeg(64, 90);
    big.resize(12 * 1024 * 1024, 0);
    let r = submit_with_photo(&app, &[("role", "Directrice")], Some(big)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Cette photo dépasse 10 Mo"), "{}", r.body);
    assert!(r.body.contains("id=\"photo-erreur\""));
    let after = store.profile(member.id).await.unwrap().unwrap();
    assert_eq!(
        after.moderated.revision, p.moderated.revision,
        "nothing written"
    );

    app.stop().await;
}

/// The small geography and La Réunion (a région of one département, three communes).
fn geography_with_reunion() -> catalyse_core::territory::Geography {
    let mut g = crate::small_geography();
    let extra = catalyse_core::territory::Geography::from_tsv(
        "level\tcode\tname\tregion\tdepartment\tepci\tpopulation\tpostcodes\tlat\tlon\n\
         region\t04\tLa Réunion\t\t\t\t880000\t\t\t\n\
         department\t974\tLa Réunion\t04\t\t\t880000\t\t\t\n\
         commune\t97411\tSaint-Denis\t04\t974\t\t153000\t97400\t-20.88\t55.45\n\
         commune\t97415\tSaint-Paul\t04\t974\t\t105000\t97460\t-21.01\t55.27\n\
         commune\t97416\tSaint-Pierre\t04\t974\t\t85000\t97410\t-21.34\t55.48\n",
    )
    .expect("La Réunion");
    g.territories.extend(extra.territories);
    g.checksum = format!("{}-reunion", g.checksum);
    g
}

/// The value of `data-NAME="…"` on the map's container.
fn data(body: &str, name: &str) -> Option<String> {
    let map = body.split("id=\"carte\"").nth(1)?.split('>').next()?;
    let v = map.split(&format!(" data-{name}=\"")).nth(1)?;
    Some(v.split('"').next()?.to_string())
}

fn four(bbox: &str) -> [f64; 4] {
    let v: Vec<f64> = bbox.split(',').map(|x| x.parse().unwrap()).collect();
    [v[0], v[1], v[2], v[3]]
}

both_databases!(network_map_views_regions_and_popups, map_views);
/// The map's view: a région filter moves it to that région's bounds (La Réunion too), the
/// view round-trips through the address (map → list → map), « Aller à » reaches each
/// overseas région, the cluster API says where each point is, and the map names places.
async fn map_views(store: Arc<dyn Store>) {
    let app = TestApp::start_on(store.clone(), geography_with_reunion(), |_| {}).await;

    // A région filter, without a view: the view is that région's bounds.
    let r = app.get("/carte?region=04").await;
    assert_eq!(r.status, StatusCode::OK);
    let [w, s, e, n] = four(&data(&r.body, "bbox").expect("a view"));
    assert!(
        (55.1..55.3).contains(&w) && (55.45..55.95).contains(&e),
        "{w} {e}"
    );
    assert!(
        (-21.5..-21.3).contains(&s) && (-20.9..-20.7).contains(&n),
        "{s} {n}"
    );
    assert!(data(&r.body, "zoom").is_none(), "the whole région is shown");
    let reunion = data(&r.body, "bbox").unwrap();
    // The same with the mainland view the form carried: a région the view misses wins.
    let stale = app
        .get("/carte?bbox=-5.5,41.2,9.9,51.3&zoom=6&region=04")
        .await;
    assert_eq!(data(&stale.body, "bbox").unwrap(), reunion);
    // A région the view does reach keeps the view (the reader chose it).
    let kept = app
        .get("/carte?bbox=4.0,45.0,5.5,46.5&zoom=8&region=84")
        .await;
    assert_eq!(
        data(&kept.body, "bbox").unwrap(),
        "4.00000,45.00000,5.50000,46.50000"
    );
    // Each région of the filter carries its bounds, for the script to move the map.
    assert!(
        r.body
            .contains(&format!("value=\"04\" data-bbox=\"{reunion}\" selected")),
        "{}",
        r.body
    );
    // Without a région: mainland France.
    let home = app.get("/carte").await;
    assert_eq!(
        data(&home.body, "bbox").unwrap(),
        "-5.50000,41.20000,9.90000,51.30000"
    );

    // « Aller à »: mainland France and La Réunion (the only overseas région of this
    // geography), plain links to a view without a zoom, without the région filter.
    let link = format!("/carte?bbox={}", reunion.replace(',', "%2C"));
    assert!(
        home.body.contains(&format!(
            "href=\"{link}&#38;couches=members%2Cplaces%2Ccases%2Cneeds\" data-bbox=\"{reunion}\">La Réunion</a>"
        )),
        "{}",
        home.body
    );
    assert!(home.body.contains(">France métropolitaine</a>"));
    let gone = app.get(&format!("{link}&couches=members%2Cplaces")).await;
    assert_eq!(data(&gone.body, "bbox").unwrap(), reunion);
    assert!(gone.body.contains("aria-current=\"true\">La Réunion</a>"));

    // The view in the address round-trips: map → list → map.
    let query = "bbox=55.20000%2C-21.40000%2C55.60000%2C-20.80000&zoom=10&couches=members%2Cplaces&famille=associations";
    let map = app.get(&format!("/carte?{query}")).await;
    assert_eq!(
        data(&map.body, "bbox").unwrap(),
        "55.20000,-21.40000,55.60000,-20.80000"
    );
    assert_eq!(data(&map.body, "zoom").unwrap(), "10");
    assert!(
        map.body.contains(&format!(
            "href=\"/carte/liste?{}\"",
            query.replace('&', "&#38;")
        )),
        "{}",
        map.body
    );
    let list = app.get(&format!("/carte/liste?{query}")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list
        .body
        .contains("value=\"55.20000,-21.40000,55.60000,-20.80000\" checked"));
    assert!(
        list.body
            .contains(&format!("href=\"/carte?{}\"", query.replace('&', "&#38;"))),
        "{}",
        list.body
    );

    // Members and places in La Réunion only, as the command line makes them.
    let reference = catalyse_web::state::Reference {
        levers: store.levers().await.unwrap(),
        metier: store.metier().await.unwrap(),
        actor_families: store.actor_families().await.unwrap(),
        milestones: vec![],
    };
    let island: Vec<_> = store
        .territories()
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.region.as_deref() == Some("04"))
        .collect();
    catalyse_web::network::examples::generate(store.as_ref(), &island, &reference, 8, 3, 11)
        .await
        .unwrap();
    let mut total = 0;
    for _ in 0..40 {
        let list = app.get("/carte/liste?region=04").await;
        total = list
            .body
            .split("<h2>")
            .nth(1)
            .map(|h| {
                h.chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect::<String>()
            })
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        if total >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(total >= 3, "network reloaded: {total}");
    // The list of the région lists what the map of the région's view shows.
    let geo = app
        .get(&format!(
            "/api/v1/map/clusters?bbox={reunion}&zoom=18&region=04"
        ))
        .await;
    let fc: serde_json::Value = serde_json::from_str(&geo.body).unwrap();
    let mut on_map = 0;
    let mut kinds = 0;
    for f in fc["features"].as_array().unwrap() {
        let p = &f["properties"];
        if p["cluster"] == true {
            on_map += p["count"].as_u64().unwrap();
            continue;
        }
        on_map += 1;
        // Popups: where the point is, its family or kind.
        let t = p["territory"].as_str().unwrap();
        assert!(
            ["Saint-Denis", "Saint-Paul", "Saint-Pierre"].contains(&t),
            "{p}"
        );
        assert_eq!(p["department"], "La Réunion", "{p}");
        if p["layer"] == "place" {
            kinds += 1;
            assert!(
                p["kind"]
                    .as_str()
                    .unwrap()
                    .parse::<catalyse_core::network::PlaceKind>()
                    .is_ok(),
                "{p}"
            );
        } else {
            assert!(p["family"].as_str().is_some_and(|f| !f.is_empty()), "{p}");
            assert!(
                p.get("members_only").is_none(),
                "visitors see public points only: {p}"
            );
        }
    }
    assert_eq!(on_map, total, "map and list agree on La Réunion");
    assert_eq!(kinds, 3, "the three places");
    let same = app
        .get(&format!("/carte/liste?bbox={reunion}&region=04"))
        .await;
    assert!(same.body.contains(&format!("<h2>{total} ")));

    // Place names: the prefectures first (the most populous commune of each département).
    let names = app.get("/carte/noms.json").await;
    assert_eq!(names.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&names.body).unwrap();
    assert_eq!(v["prefectures"], 3);
    let list: Vec<&str> = v["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n[0].as_str().unwrap())
        .collect();
    assert_eq!(
        list,
        [
            "Saint-Étienne",
            "Saint-Denis",
            "L'Abergement-Clémenciat",
            "Saint-Paul",
            "Saint-Pierre"
        ]
    );
    assert_eq!(v["names"][1][1], -20.88);
    app.stop().await;
}
