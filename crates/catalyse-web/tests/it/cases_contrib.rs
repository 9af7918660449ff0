//! Documenting a case through the form, its moderation through the queue, archiving and
//! « Mes pratiques »: a case is public only once a moderator approved it; bad input is
//! answered in French per field and writes nothing; only its author and moderators edit it.

use crate::moderation::{mails, mails_to, member_with_profile, moderator, sign_in, state_beside};
use crate::TestApp;
use catalyse_core::{ModerationMail, Role};
use catalyse_store::{both_databases, Store};
use reqwest::StatusCode;
use std::sync::Arc;

const FORM: &str = "/pratiques/nouvelle";
const TITLE: &str = "Le covoiturage solidaire du Pilat";
const SLUG: &str = "le-covoiturage-solidaire-du-pilat";

fn good<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", TITLE),
        (
            "summary",
            "Des habitants, la commune et une association organisent des trajets partagés.",
        ),
        (
            "body",
            "## L'alliance\n\nLa commune a réuni <script>alert(1)</script> les acteurs.",
        ),
        ("territory", "Saint-Étienne"),
        ("started_year", "2017"),
        ("phase", "consolidation"),
        ("fragilite_mobilite", "oui"),
        ("levier_apprendre-a-faire-alliance", "oui"),
        ("famille_associations", "oui"),
        ("acteur_0_nom", "Ville de Saint-Étienne"),
        ("acteur_0_famille", "collectivites-territoriales"),
        ("acteur_0_role", "porteur"),
        ("financement_0_source", "collectivites"),
        ("financement_0_part", "60"),
        ("financement_1_source", "fondations"),
        ("financement_1_part", "40 %"),
        ("model", "Financement public et mécénat."),
        ("results", "Des trajets partagés chaque semaine."),
        ("chiffre_0_libelle", "Trajets partagés"),
        ("chiffre_0_valeur", "1 250,5"),
        ("chiffre_0_unite", "trajets"),
        ("chiffre_0_annee", "2019"),
        ("contacts", "camille-martin"),
        ("source", "Témoignage de l'équipe"),
        ("licence", "CC BY 4.0"),
    ]
}

const ALT: &str = "Une voiture partagée devant la mairie";

/// The good form with a description for the first new image.
fn with_image<'a>() -> Vec<(&'a str, &'a str)> {
    with(good(), "nouvelle_image_1_alt", ALT)
}

/// A page's text as read, entities of quotes and apostrophes undone.
fn text(body: &str) -> String {
    body.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}

fn with<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    key: &str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    form.retain(|f| f.0 != key);
    form.push((Box::leak(key.to_string().into_boxed_str()), value));
    form
}

/// A small real PNG.
fn png() -> Vec<u8> {
    png_of([10, 120, 200])
}

/// A small real PNG of one colour.
fn png_of(colour: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 30, image::Rgb(colour));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Posts the case form with `bytes` as its first new image.
async fn post_image(app: &TestApp, form: &[(&str, &str)], bytes: Vec<u8>) -> crate::Answer {
    let file = Some(("nouvelle_image_1", "image.png", bytes));
    app.post_multipart(FORM, FORM, form, file).await
}

async fn cases_count(store: &Arc<dyn Store>, user: i64) -> usize {
    store.cases_of(user).await.unwrap().len()
}

both_databases!(
    a_case_submitted_through_the_form_is_public_once_approved,
    approval
);
async fn approval(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let camille = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    let form = app.get(FORM).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    assert!(
        form.body.contains("value=\"camille-martin\""),
        "she is the contact by default"
    );
    // « Ajouter des lignes »: the form again, as typed, with three more actor rows.
    let more = app
        .post_multipart(FORM, FORM, &with(good(), "plus", "acteurs"), None)
        .await;
    assert_eq!(more.status, StatusCode::OK, "{}", more.body);
    assert!(more.body.contains("acteur_8_nom") && !more.body.contains("acteur_9_nom"));
    assert!(more.body.contains(TITLE));
    assert_eq!(cases_count(&store, camille.id).await, 0);

    let r = post_image(&app, &with_image(), png()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        format!("/pratiques/{SLUG}?etat=envoye")
    );
    let mine = app.get(r.header("location")).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("En attente de modération"));
    assert!(mine.body.contains("envoyée en modération"));
    assert!(
        !mine.body.contains("<script>alert"),
        "the body is sanitised"
    );
    let c = store.case_by_slug(SLUG).await.unwrap().unwrap();
    let draft = c.moderated.draft.clone().unwrap();
    assert_eq!(c.created_by, Some(camille.id));
    assert_eq!(draft.contacts, vec![camille.id]);
    assert_eq!(draft.funding.len(), 2);
    assert_eq!(draft.figures[0].value, 1250.5);
    assert_eq!(draft.territory.code, "42218");
    assert_eq!(draft.images.len(), 1);
    let own_image = app.get(&format!("/pratiques/{SLUG}/images/1")).await;
    assert_eq!(own_image.status, StatusCode::OK);
    assert_eq!(own_image.header("content-type"), "image/jpeg");
    assert!(app
        .get("/mon-profil/pratiques")
        .await
        .body
        .contains("En attente de modération"));

    // Not public: not for visitors, not for other members, not in the search.
    app.forget_cookies();
    assert_eq!(
        app.get(&format!("/pratiques/{SLUG}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/pratiques/{SLUG}/images/1")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!app.get("/pratiques").await.body.contains(TITLE));
    app.sign_in_as("dominique@exemple.fr", Role::Member).await;
    assert_eq!(
        app.get(&format!("/pratiques/{SLUG}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/pratiques/{SLUG}/images/1?version=brouillon"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The moderator reads it in the queue, field by field, and approves it.
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    assert!(app.get("/admin").await.body.contains(TITLE), "dashboard");
    let q = app.get("/admin/moderation").await;
    assert!(q.body.contains(TITLE));
    assert!(q.body.contains("Saint-Étienne (commune 42218)"));
    assert!(q.body.contains("Ville de Saint-Étienne"));
    assert!(q.body.contains(ALT));
    let r = app
        .post_form(
            "/admin/moderation",
            &format!("/admin/moderation/pratiques/{}", c.id),
            &[("decision", "approve"), ("revision", &q.field("revision"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sent = mails(&app);
    let to_her: Vec<_> = sent
        .iter()
        .filter(|m| m.0.contains("camille@exemple.fr"))
        .collect();
    assert_eq!(to_her.len(), 1, "{sent:?}");
    assert_eq!(to_her[0].1, "Votre pratique est publiée");
    assert!(to_her[0].2.contains(&format!("/pratiques/{SLUG}")));
    assert!(to_her[0].2.contains(TITLE));

    // Public at once: the list, the search, the page, its image.
    app.forget_cookies();
    assert!(app.get("/pratiques").await.body.contains(TITLE));
    let found = app.get("/pratiques?q=covoiturage").await;
    assert!(found.body.contains(&format!("href=\"/pratiques/{SLUG}\"")));
    let page = app.get(&format!("/pratiques/{SLUG}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(ALT));
    assert!(!page.body.contains("En attente de modération"));
    let img = app.get(&format!("/pratiques/{SLUG}/images/1")).await;
    assert_eq!(img.status, StatusCode::OK);

    // Moderators archive it (members may not): gone from public view, then back.
    sign_in(&app, "camille@exemple.fr").await;
    let page = format!("/pratiques/{SLUG}");
    let archive = format!("/pratiques/{SLUG}/archiver");
    let r = app.post_form(&page, &archive, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    sign_in(&app, "anim@exemple.fr").await;
    let r = app.post_form(&page, &archive, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.forget_cookies();
    assert_eq!(app.get(&page).await.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/pratiques").await.body.contains(TITLE));
    sign_in(&app, "anim@exemple.fr").await;
    let r = app
        .post_form(&page, &format!("/pratiques/{SLUG}/desarchiver"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.forget_cookies();
    assert_eq!(app.get(&page).await.status, StatusCode::OK);
    app.stop().await;
}

both_databases!(a_rejected_case_stays_invisible, rejection);
async fn rejection(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    let r = post_image(&app, &with_image(), png()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = store.case_by_slug(SLUG).await.unwrap().unwrap();

    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let q = app.get("/admin/moderation").await;
    let action = format!("/admin/moderation/pratiques/{}", c.id);
    let revision = q.field("revision");
    let short = app
        .post_form(
            "/admin/moderation",
            &action,
            &[
                ("decision", "reject"),
                ("revision", &revision),
                ("reason", "non"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = "Les chiffres ne sont pas sourcés.";
    let r = app
        .post_form(
            "/admin/moderation",
            &action,
            &[
                ("decision", "reject"),
                ("revision", &revision),
                ("reason", reason),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sent = mails(&app);
    let to_her: Vec<_> = sent
        .iter()
        .filter(|m| m.0.contains("camille@exemple.fr"))
        .collect();
    assert_eq!(to_her.len(), 1, "{sent:?}");
    assert_eq!(to_her[0].1, "Votre pratique n'a pas été publiée");
    assert!(to_her[0].2.contains(reason));
    assert!(to_her[0].2.contains(&format!("/pratiques/{SLUG}/modifier")));
    assert!(!app.get("/admin/moderation").await.body.contains(TITLE));

    app.forget_cookies();
    assert_eq!(
        app.get(&format!("/pratiques/{SLUG}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/pratiques/{SLUG}/images/1")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!app.get("/pratiques").await.body.contains(TITLE));
    let api = app.get(&format!("/api/v1/cases/{SLUG}")).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);

    // She sees why, and may correct it.
    sign_in(&app, "camille@exemple.fr").await;
    let mine = app.get("/mon-profil/pratiques").await;
    assert!(mine.body.contains("Refusée"));
    assert!(mine.body.contains(reason));
    let page = app.get(&format!("/pratiques/{SLUG}")).await;
    assert!(page.body.contains(reason));
    let edit = app.get(&format!("/pratiques/{SLUG}/modifier")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains(TITLE));
    assert!(edit.body.contains(ALT));
    app.stop().await;
}

both_databases!(bad_case_input_writes_nothing, bad_input);
async fn bad_input(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let camille = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    let mut bad = good();
    for (k, v) in [
        ("title", "Ab"),
        ("territory", "Nulle-Part-sur-Mer"),
        ("started_year", "l'an dernier"),
        ("phase", ""),
        ("fragilite_mobilite", ""),
        ("financement_1_part", "30"),
        ("chiffre_0_valeur", "beaucoup"),
        ("contacts", "personne-inconnue"),
        ("resources", "document-inexistant"),
        ("licence", "WTFPL"),
        ("acteur_1_nom", "Association sans famille"),
        ("nouvelle_image_1_alt", ALT),
    ] {
        bad = with(bad, k, v);
    }
    let r = app.post_multipart(FORM, FORM, &bad, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let body = text(&r.body);
    for message in [
        "Le titre",
        "Aucun territoire ne correspond à « Nulle-Part-sur-Mer »",
        "n'est pas une année",
        "Choisissez la phase",
        "Choisissez au moins une fragilité",
        "font 90 % au lieu de 100 %",
        "La valeur du chiffre n° 1 doit être un nombre",
        "Aucun membre publié du réseau n'a la fiche « personne-inconnue »",
        "« document-inexistant »",
        "Choisissez une licence dans la liste.",
        "Choisissez la famille de l'acteur n° 2.",
        "Choisissez le fichier de la nouvelle image n° 1",
    ] {
        assert!(body.contains(message), "« {message} » missing");
    }
    // The summary links each message to its field; what was typed comes back.
    for anchor in [
        "#title",
        "#territory",
        "#phase",
        "#funding",
        "#figures",
        "#licence",
    ] {
        assert!(r.body.contains(&format!("href=\"{anchor}\"")), "{anchor}");
    }
    assert!(r.body.contains("value=\"Association sans famille\""));
    assert!(r.body.contains(&format!("value=\"{ALT}\"")));
    assert_eq!(cases_count(&store, camille.id).await, 0);

    // An image that is not one, whatever its name says.
    let fake = post_image(&app, &with_image(), b"%PDF-1.4 pas une image".to_vec()).await;
    assert_eq!(fake.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&fake.body).contains("n'est pas une image"));
    // An image without its description.
    let no_alt = post_image(&app, &with(good(), "nouvelle_image_1_alt", ""), png()).await;
    assert_eq!(no_alt.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&no_alt.body).contains("Décrivez l'image n° 1 (texte alternatif)"));
    assert_eq!(cases_count(&store, camille.id).await, 0);
    app.stop().await;
}

both_databases!(only_members_post_and_only_authors_edit, rights);
async fn rights(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let camille = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;

    // Visitors are sent to sign in, and cannot post.
    let r = app.get(FORM).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/connexion?retour="));
    let r = app.post_multipart("/connexion", FORM, &good(), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/connexion?retour="));
    assert!(store.case_by_slug(SLUG).await.unwrap().is_none());

    // Without the CSRF token, refused.
    sign_in(&app, "camille@exemple.fr").await;
    let r = app
        .post_multipart("/api/v1/cases", FORM, &good(), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(cases_count(&store, camille.id).await, 0);

    let r = app.post_multipart(FORM, FORM, &good(), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let edit = format!("/pratiques/{SLUG}/modifier");
    assert_eq!(app.get(&edit).await.status, StatusCode::OK);

    // Another member may neither see its form nor post a version.
    member_with_profile(&app, "dominique@exemple.fr", "Dominique Durand", true).await;
    sign_in(&app, "dominique@exemple.fr").await;
    assert_eq!(app.get(&edit).await.status, StatusCode::FORBIDDEN);
    let r = app
        .post_multipart(FORM, &edit, &with(good(), "title", "Détourné"), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let c = store.case_by_slug(SLUG).await.unwrap().unwrap();
    assert_eq!(c.moderated.draft.unwrap().title, TITLE);
    assert_eq!(c.moderated.revision, 1);

    // Her new version replaces her draft; a moderator may edit it too.
    sign_in(&app, "camille@exemple.fr").await;
    let r = app
        .post_multipart(
            &edit,
            &edit,
            &with(good(), "title", "Le covoiturage du Pilat"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    assert_eq!(app.get(&edit).await.status, StatusCode::OK);
    let c = store.case_by_slug(SLUG).await.unwrap().unwrap();
    assert_eq!(c.moderated.draft.unwrap().title, "Le covoiturage du Pilat");
    app.stop().await;
}

/// A tag's name and attributes.
type Tag = (String, Vec<(String, String)>);

/// The tags of a page as a browser reads them, in order: start tags with their attributes,
/// end tags as `/name`.
fn tags(html: &str) -> Vec<Tag> {
    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::{
        BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
    };
    #[derive(Default)]
    struct Tags(std::cell::RefCell<Vec<Tag>>);
    impl TokenSink for Tags {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::TagToken(tag) = token {
                let name = match tag.kind {
                    TagKind::StartTag => tag.name.to_string(),
                    TagKind::EndTag => format!("/{}", tag.name),
                };
                let attrs = (tag.attrs.iter())
                    .map(|a| (a.name.local.to_string(), a.value.to_string()))
                    .collect();
                self.0.borrow_mut().push((name, attrs));
            }
            TokenSinkResult::Continue
        }
    }
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(Tags::default(), TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// The submit buttons of the case form (the page's multipart form), in document order, each
/// as its attributes.
fn submit_buttons(html: &str) -> Vec<Vec<(String, String)>> {
    let all = tags(html);
    let attr = |attrs: &[(String, String)], name: &str| {
        (attrs.iter())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let start = all
        .iter()
        .position(|(n, a)| {
            n == "form" && attr(a, "enctype").as_deref() == Some("multipart/form-data")
        })
        .expect("the case form");
    all[start..]
        .iter()
        .take_while(|(n, _)| n != "/form")
        .filter(|(n, a)| {
            matches!(
                (n.as_str(), attr(a, "type").as_deref()),
                ("button", None | Some("submit")) | ("input", Some("submit" | "image"))
            )
        })
        .map(|(_, a)| a.clone())
        .collect()
}

both_databases!(enter_in_a_field_sends_the_case_form, enter_sends);
async fn enter_sends(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    let bad = app
        .post_multipart(FORM, FORM, &with(good(), "title", "Ab"), None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app.get(FORM).await.body;
    let sheet = tags(&page)
        .into_iter()
        .filter(|(n, _)| n == "link")
        .flat_map(|(_, a)| a)
        .find(|(n, v)| n == "href" && v.starts_with("/static/app."))
        .map(|(_, v)| v)
        .expect("the style sheet");
    let css = app.get(&sheet).await;
    assert!(css.body.contains(".default-submit"), "it is out of sight");
    for page in [page, bad.body] {
        let buttons = submit_buttons(&page);
        let has = |b: &Vec<(String, String)>, name: &str, value: &str| {
            b.iter().any(|(n, v)| n == name && v == value)
        };
        assert!(
            buttons.iter().any(|b| has(b, "name", "plus")),
            "the form has « ajouter des lignes » buttons: {buttons:?}"
        );
        // Enter submits with the first submit button: the main submit's copy, which neither
        // the keyboard nor assistive technologies meet.
        let first = &buttons[0];
        assert!(
            !first.iter().any(|(n, _)| n == "name"),
            "the first submit button sends the form, not « ajouter des lignes »: {first:?}"
        );
        assert!(has(first, "tabindex", "-1") && has(first, "aria-hidden", "true"));
        assert!(has(first, "class", "default-submit"), "{first:?}");
        // The visible main submit still ends the form.
        let last = buttons.last().unwrap();
        assert!(!last.iter().any(|(n, _)| n == "name" || n == "aria-hidden"));
    }
    app.stop().await;
}

both_databases!(a_good_image_outlives_a_form_error, image_kept);
async fn image_kept(store: Arc<dyn Store>) {
    let app = TestApp::start(store.clone()).await;
    let camille = member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    member_with_profile(&app, "dominique@exemple.fr", "Dominique Durand", true).await;
    let short = |form| with(form, "title", "Ab");

    // Dominique's form comes back (its title is too short) with her image kept.
    sign_in(&app, "dominique@exemple.fr").await;
    let hers = post_image(&app, &short(with_image()), png_of([200, 30, 30])).await;
    assert_eq!(hers.status, StatusCode::UNPROCESSABLE_ENTITY);
    let hers = sent_fields(&hers, 1);
    let (her_key, her_token) = (hers[0].1.clone(), hers[1].1.clone());
    assert_eq!(her_key.len(), 64);

    // Camille cannot take it: neither with Dominique's signature nor with one of her own.
    sign_in(&app, "camille@exemple.fr").await;
    for token in [her_token.as_str(), "", "AAAA"] {
        let mut taken = good();
        for (k, v) in [
            ("envoyee_1_cle", her_key.as_str()),
            ("envoyee_1_jeton", token),
            ("envoyee_1_alt", ALT),
        ] {
            taken = with(taken, k, v);
        }
        let r = app.post_multipart(FORM, FORM, &taken, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{token}");
        assert!(
            text(&r.body).contains(
                "L'image déjà envoyée n° 1 n'a pas été envoyée avec ce formulaire : \
                 choisissez à nouveau son fichier."
            ),
            "{token}"
        );
        assert!(!r.body.contains(&her_key), "not carried on");
        assert_eq!(cases_count(&store, camille.id).await, 0);
    }

    // A file chosen before « ajouter des lignes » is kept: the form carries it back.
    let more = post_image(&app, &with(with_image(), "plus", "acteurs"), png()).await;
    assert_eq!(more.status, StatusCode::OK, "{}", more.body);
    assert!(text(&more.body).contains(&format!("Image déjà envoyée : {ALT}")));
    let first = sent_fields(&more, 1);
    assert_eq!(first[0].1.len(), 64);
    assert_ne!(first[0].1, her_key);
    assert_eq!(first[2].1, ALT);
    let new_alt = input_value(&more.body, "nouvelle_image_1_alt");
    assert_eq!(new_alt.as_deref(), Some(""), "its description went with it");

    // Another good image survives an error elsewhere: the form shows both and carries them.
    let alt2 = "Le minibus du transport solidaire";
    let mut form = short(with(good(), "nouvelle_image_1_alt", alt2));
    for (k, v) in &first {
        form = with(form, k, v);
    }
    let r = post_image(&app, &form, png_of([20, 160, 60])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r.body).contains(&format!("Image déjà envoyée : {alt2}")));
    let both = [sent_fields(&r, 1), sent_fields(&r, 2)];
    assert_eq!(both[0], first, "the first one still carried as it was");
    let second_key = both[1][0].1.clone();
    assert_eq!(second_key.len(), 64);
    assert_eq!(both[1][2].1, alt2);
    assert_eq!(cases_count(&store, camille.id).await, 0);

    // Sent again as it came back, corrected, without choosing any file: the second image is
    // the case's; the first, whose box she ticked, is not.
    let mut again = with(good(), "envoyee_1_retirer", "oui");
    for (k, v) in both.iter().flatten() {
        again = with(again, k, v);
    }
    let r = app.post_multipart(FORM, FORM, &again, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = store.case_by_slug(SLUG).await.unwrap().unwrap();
    let images = c.moderated.draft.unwrap().images;
    assert_eq!(images.len(), 1);
    assert_eq!(
        (images[0].file.as_str(), images[0].alt.as_str()),
        (second_key.as_str(), alt2)
    );
    let img = app.get(&format!("/pratiques/{SLUG}/images/1")).await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.header("content-type"), "image/jpeg");
    app.stop().await;
}

/// The value of the input named `name` in a page, if it has one.
fn input_value(html: &str, name: &str) -> Option<String> {
    let attrs = tags(html)
        .into_iter()
        .filter(|(tag, _)| tag == "input")
        .map(|(_, attrs)| attrs)
        .find(|attrs| attrs.iter().any(|(n, v)| n == "name" && v == name))?;
    let value = attrs.into_iter().find(|(n, _)| n == "value");
    Some(value.map(|(_, v)| v).unwrap_or_default())
}

/// The hidden and typed fields of the k-th image a form carries back: key, signature, text.
fn sent_fields(page: &crate::Answer, k: usize) -> Vec<(&'static str, String)> {
    ["cle", "jeton", "alt"]
        .into_iter()
        .map(|f| {
            let name: &'static str = Box::leak(format!("envoyee_{k}_{f}").into_boxed_str());
            let value = input_value(&page.body, name).unwrap_or_else(|| panic!("{name}"));
            (name, value)
        })
        .collect()
}

both_databases!(moderators_are_told_of_a_new_case, moderators_told);
async fn moderators_told(store: Arc<dyn Store>) {
    use chrono::TimeZone;
    let app = TestApp::start(store.clone()).await;
    moderator(&app, "vite@exemple.fr", ModerationMail::Immediate).await;
    moderator(&app, "matin@exemple.fr", ModerationMail::Daily).await;
    moderator(&app, "jamais@exemple.fr", ModerationMail::Never).await;
    member_with_profile(&app, "camille@exemple.fr", "Camille Martin", true).await;
    sign_in(&app, "camille@exemple.fr").await;
    let r = app.post_multipart(FORM, FORM, &good(), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // At once, to whoever chose « immédiatement » only.
    let now = mails_to(&app, 1, "vite@exemple.fr").await;
    assert_eq!(now.len(), 1, "{now:?}");
    assert_eq!(now[0].1, "Catalyse : une pratique attend la modération");
    let body = &now[0].2;
    assert!(
        body.contains(&format!("La pratique « {TITLE} » vient d'être envoyée")),
        "{body}"
    );
    assert!(body.contains(&format!("{}/admin/moderation#pratiques", app.base)));
    assert_eq!(mails(&app).len(), 1, "the others wait, or are never told");

    // In the morning's digest, to whoever chose « une fois par jour ».
    let state = state_beside(&app).await;
    let morning = chrono::Utc.with_ymd_and_hms(2026, 1, 15, 8, 30, 0).unwrap();
    let sent = catalyse_web::network::moderation::alerts::send_daily_digests(&state, morning);
    assert_eq!(sent.await.unwrap(), 1);
    let digest = mails_to(&app, 2, "matin@exemple.fr").await;
    assert_eq!(digest.len(), 1);
    assert_eq!(digest[0].1, "Catalyse : à modérer aujourd'hui (1)");
    assert!(
        digest[0].2.contains("Pratiques en attente (1) :"),
        "{}",
        digest[0].2
    );
    assert!(
        digest[0].2.contains(&format!("- {TITLE}, ")),
        "{}",
        digest[0].2
    );
    assert!(mails(&app).iter().all(|(to, _, _)| !to.contains("jamais")));
    drop(state);
    app.stop().await;
}
