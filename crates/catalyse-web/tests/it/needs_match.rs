//! Who could help with a need, and putting people in touch: the ranking of a small network
//! built by hand, through the API (order and reasons); who is never proposed (opted out,
//! hidden, the author, people already in touch) and who only to members; « Je peux aider »
//! and « Demander une mise en relation » relayed by mail, recorded, moving the need to « en
//! relation »; the per-day limit; bad input.

use crate::fixtures::commune;
use crate::moderation::sign_in;
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::cases::CaseFields;
use catalyse_core::needs::{Need, NeedFields, NeedOrigin, NeedStatus};
use catalyse_core::network::{ProfileFields, Visibility};
use catalyse_core::{Email, Role, User};
use catalyse_store::{both_databases, NewUser, Store};
use mailparse::MailHeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;

/// An account that may sign in with the tests' usual password.
async fn account(store: &Arc<dyn Store>, email: &str, name: &str) -> User {
    let hash = catalyse_web::auth::hash_password(TEST_PASSWORD.into())
        .await
        .expect("hash");
    store
        .create_user(
            &NewUser {
                email: Email::parse(email).expect("email"),
                display_name: name.into(),
                role: Role::Member,
                password_hash: hash,
                is_example: false,
                email_verified: true,
            },
            chrono::Utc::now(),
        )
        .await
        .expect("account")
}

/// A member of `family` in the commune `code`, with these activities and levers, her
/// profile approved and shown as `visibility` says.
async fn member(
    store: &Arc<dyn Store>,
    name: &str,
    family: &str,
    code: &str,
    activities: &[&str],
    levers: &[&str],
    visibility: Visibility,
) -> User {
    let email = format!("{}@exemple.fr", name.to_lowercase().replace(' ', "."));
    let user = account(store, &email, name).await;
    let fields = ProfileFields {
        display_name: name.into(),
        organisation: format!("Structure de {name}"),
        actor_family: family.into(),
        role: "Coordinatrice".into(),
        territories: vec![commune(code)],
        activities: activities.iter().map(|s| s.to_string()).collect(),
        levers: levers.iter().map(|s| s.to_string()).collect(),
        themes: vec![],
        bio: "Je relie les acteurs du territoire.".into(),
        links: vec![],
        photo: None,
    };
    let now = chrono::Utc::now();
    let p = store
        .submit_profile(user.id, &fields, visibility, Some(now), now)
        .await
        .expect("profile");
    store
        .decide_profile(user.id, p.moderated.revision, true, "", None, now)
        .await
        .expect("approved");
    user
}

/// A published case on this fragility in the commune `code`, with these contacts.
async fn case(store: &Arc<dyn Store>, title: &str, fragility: &str, code: &str, contacts: &[i64]) {
    let fields = CaseFields {
        territory: commune(code),
        contacts: contacts.to_vec(),
        ..crate::cases::fields(title, catalyse_core::cases::Phase::Consolidation, fragility)
    };
    crate::cases::case_in(store, &fields, true).await;
}

/// The store's need on mobility, in Saint-Étienne: associations sought, two activities and
/// a lever.
fn need_fields(title: &str) -> NeedFields {
    let mut f = NeedFields {
        territory: commune("42218"),
        organisation: "Mairie de Saint-Étienne".into(),
        ..crate::fixtures::need_fields(title)
    };
    f.activities.push("piloter-des-experimentations".into());
    f
}

/// A need of this member, approved by a moderator.
async fn published_need(store: &Arc<dyn Store>, author: i64, title: &str) -> Need {
    let now = chrono::Utc::now();
    let n = store
        .submit_need(
            None,
            author,
            &need_fields(title),
            NeedOrigin::Formulaire,
            now,
        )
        .await
        .expect("need");
    store
        .decide_need(n.id, n.moderated.revision, true, "", None, now)
        .await
        .expect("approved")
}

/// The hand-built network around the need: who should come first, and who never.
struct Network {
    author: User,
    /// Association of Saint-Étienne, every activity and the lever sought, contact of two
    /// cases on mobility: first.
    rosalie: User,
    /// Company of L'Abergement-Clémenciat (90 km), one activity of two: last.
    bruno: User,
}

async fn network(store: &Arc<dyn Store>) -> Network {
    let both: &[&str] = &["mettre-en-relation", "piloter-des-experimentations"];
    let lever: &[&str] = &["apprendre-a-faire-alliance"];
    let (one, none): (&[&str], &[&str]) = (&["piloter-des-experimentations"], &[]);
    let (town, village) = ("42218", "01001");
    let (asso, mairie) = ("associations", "collectivites-territoriales");
    use Visibility::{Hidden, Members, Public};
    let mut made = vec![];
    for (name, family, code, activities, levers, visibility) in [
        // The need's author.
        ("Agathe Maire", mairie, town, both, lever, Public),
        ("Rosalie Liens", asso, town, both, lever, Public),
        ("Bruno Atelier", "entreprises", village, one, none, Public),
        // As Rosalie without cases, seen by members only: between them, for members.
        ("Mila Membres", asso, town, both, lever, Members),
        // As strong as Mila, but hidden, or opted out (below): never proposed.
        ("Hector Masque", asso, town, both, lever, Hidden),
        ("Olga Refus", asso, town, both, lever, Public),
        // Nothing this need seeks: not proposed, however near.
        ("Cyril Voisin", "citoyens", town, none, none, Public),
    ] {
        made.push(member(store, name, family, code, activities, levers, visibility).await);
    }
    let opted_out = made[5].id;
    store.set_suggestible(opted_out, false).await.unwrap();
    let contact = [made[1].id];
    for (title, fragility, code) in [
        ("Covoiturage des quartiers", "mobilite", town),
        ("Navette rurale", "mobilite", village),
        ("Épicerie solidaire", "precarite", town),
    ] {
        case(store, title, fragility, code, &contact).await;
    }
    let mut made = made.into_iter();
    let (Some(author), Some(rosalie), Some(bruno)) = (made.next(), made.next(), made.next()) else {
        unreachable!("seven members made")
    };
    Network {
        author,
        rosalie,
        bruno,
    }
}

async fn suggestions(app: &TestApp, slug: &str) -> Value {
    let r = app.get(&format!("/api/v1/needs/{slug}/suggestions")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).expect("JSON")
}

fn names(v: &Value, list: &str, key: &str) -> Vec<String> {
    v[list]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m[key].as_str().unwrap_or_default().to_string())
        .collect()
}

both_databases!(suggestions_rank_and_explain, ranking);
async fn ranking(store: Arc<dyn Store>) {
    let n = network(&store).await;
    let app = TestApp::start(store.clone()).await;
    let need = published_need(&store, n.author.id, "Relier les quartiers sans bus").await;

    // A visitor: public profiles only, best first; the author, the hidden, the opted-out
    // and the one who matches nothing are never there.
    let v = suggestions(&app, &need.slug).await;
    assert_eq!(
        names(&v, "members", "name"),
        ["Rosalie Liens", "Bruno Atelier"],
        "{v:#}"
    );
    let first = &v["members"][0];
    let kinds: Vec<&str> = first["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "family",
            "distance",
            "activities",
            "levers",
            "cases",
            "recent"
        ],
        "{first:#}"
    );
    assert_eq!(first["reasons"][0]["family"], "associations");
    assert_eq!(first["reasons"][0]["sought"], true);
    assert_eq!(first["reasons"][1]["km"], 0);
    assert_eq!(first["reasons"][4]["count"], 2);
    assert_eq!(first["reasons"][4]["fragility"], "mobilite");
    let sentence = first["sentence"].as_str().unwrap();
    assert!(
        sentence.starts_with("Association à moins de 1 km · pratique « Mettre en relation"),
        "{sentence}"
    );
    assert!(
        sentence.contains("2 cas documentés sur la fragilité « Mobilité"),
        "{sentence}"
    );
    assert_eq!(first["members_only"], false);
    assert!(first["url"]
        .as_str()
        .unwrap()
        .ends_with("/reseau/rosalie-liens"));
    let second = &v["members"][1];
    assert_eq!(second["reasons"][0]["family"], "entreprises");
    assert_eq!(
        second["reasons"][0]["sought"], false,
        "complementary family"
    );
    let km = second["reasons"][1]["km"].as_u64().unwrap();
    assert!((80..=100).contains(&km), "{km} km");
    assert!(first["score"].as_f64() > second["score"].as_f64());
    assert_eq!(v["max_score"]["member"], 100.0);
    // Cases on the mobility only, the nearer first.
    assert_eq!(
        names(&v, "cases", "title"),
        ["Covoiturage des quartiers", "Navette rurale"]
    );
    assert_eq!(v["cases"][0]["reasons"][0]["kind"], "same_fragility");
    assert!(v["explanation"][0]
        .as_str()
        .unwrap()
        .contains("jusqu'à 100 points"));

    // A signed-in member also sees the profile reserved to members, in its place.
    sign_in(&app, &n.bruno.email.to_string()).await;
    let v = suggestions(&app, &need.slug).await;
    assert_eq!(
        names(&v, "members", "name"),
        ["Rosalie Liens", "Mila Membres", "Bruno Atelier"]
    );
    assert_eq!(v["members"][1]["members_only"], true);
    assert_eq!(v["members"][1]["slug"], "mila-membres");
    app.forget_cookies();

    // Unknown and unpublished needs: the API's 404.
    let r = app.get("/api/v1/needs/pas-de-besoin/suggestions").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.header("content-type"), "application/problem+json");
    let draft = store
        .submit_need(
            None,
            n.author.id,
            &need_fields("Un besoin en attente"),
            NeedOrigin::Formulaire,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let r = app
        .get(&format!("/api/v1/needs/{}/suggestions", draft.slug))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    app.stop().await;
}

both_databases!(the_need_page_says_who_could_help_and_why, need_page);
async fn need_page(store: Arc<dyn Store>) {
    let n = network(&store).await;
    // An example member (« données d'exemple »), of the lever sought, in the village.
    let eva = ProfileFields {
        display_name: "Eva Exemple".into(),
        actor_family: "entreprises".into(),
        territories: vec![commune("01001")],
        activities: vec![],
        levers: vec!["apprendre-a-faire-alliance".into()],
        ..crate::fixtures::profile_fields("Eva Exemple")
    };
    let example = catalyse_store::ExampleMember {
        email: "eva@exemple.invalid".into(),
        fields: eva,
        visibility: Visibility::Public,
    };
    let now = chrono::Utc::now();
    store.insert_example_members(&[example], now).await.unwrap();
    let app = TestApp::start(store.clone()).await;
    let need = published_need(&store, n.author.id, "Relier les quartiers sans bus").await;
    let path = format!("/besoins/{}", need.slug);
    let section = |body: &str| {
        let start = body.find("id=\"suggestions-titre\"").expect("the section");
        body[start..]
            .split("</section>")
            .next()
            .unwrap()
            .to_string()
    };
    let order = |html: &str, names: &[&str]| {
        let at: Vec<usize> = names.iter().map(|m| html.find(m).expect(m)).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{names:?} in {html}");
    };

    // A visitor: the public profiles, best first, each with its reasons; the example
    // labelled; the rules in a note that opens without JavaScript; asked to sign in to help.
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = section(&page.body);
    assert!(html.contains("Qui pourrait vous aider ?"));
    order(&html, &["Rosalie Liens", "Eva Exemple", "Bruno Atelier"]);
    assert!(!html.contains("Mila Membres") && !html.contains("Hector Masque"));
    assert!(
        html.contains("Association à moins de 1 km · pratique"),
        "{html}"
    );
    assert!(
        html.contains("Eva Exemple</a> — Association Les Liens <span class=\"tag tag-example\">")
    );
    order(&html, &["Covoiturage des quartiers", "Navette rurale"]);
    assert!(html.contains("<details class=\"why\">"));
    assert!(html.contains("<summary>Pourquoi ces suggestions ?</summary>"));
    assert!(html.contains("<li>25 points selon la part des activités du métier recherchées"));
    assert!(html.contains("générés pour la démonstration"));
    assert!(html.contains(&format!("<a href=\"{path}/aider\">Connectez-vous")));
    assert!(!html.contains("mise-en-relation"));

    // In English, the reasons and the rules too (the reference lists keep their names).
    app.set_cookie_value("lang", "en");
    let html = section(&app.get(&path).await.body);
    assert!(
        html.contains("Association less than 1 km away · practises “"),
        "{html}"
    );
    assert!(html.contains("<li>25 points for the share of the métier activities sought"));
    assert!(!html.contains("points selon"));
    app.forget_cookies();

    // A member: the profiles reserved to members too, and « Je peux aider ».
    sign_in(&app, &n.bruno.email.to_string()).await;
    let html = section(&app.get(&path).await.body);
    order(&html, &["Rosalie Liens", "Mila Membres", "Eva Exemple"]);
    assert!(html.contains("visible des membres"));
    assert!(html.contains(&format!("href=\"{path}/aider\">Je peux aider</a>")));
    // The author: a request beside each member, no offer to herself.
    sign_in(&app, &n.author.email.to_string()).await;
    let html = section(&app.get(&path).await.body);
    assert!(html.contains(&format!("{path}/mise-en-relation?membre=rosalie-liens")));
    assert!(!html.contains("Je peux aider"));
    app.stop().await;
}

/// The mails sent so far: (To, Reply-To, decoded body).
fn mails(app: &TestApp) -> Vec<(String, String, String)> {
    app.outbox()
        .iter()
        .map(|m| {
            let p = mailparse::parse_mail(m.as_bytes()).expect("mail");
            (
                p.headers.get_first_value("To").unwrap_or_default(),
                p.headers.get_first_value("Reply-To").unwrap_or_default(),
                p.get_body().unwrap_or_default(),
            )
        })
        .collect()
}

async fn offer(app: &TestApp, slug: &str, message: &str) -> crate::Answer {
    let page = format!("/besoins/{slug}/aider");
    app.post_form(&page, &page, &[("message", message)]).await
}

both_databases!(an_offer_of_help_is_relayed_and_recorded, offer_relayed);
async fn offer_relayed(store: Arc<dyn Store>) {
    let n = network(&store).await;
    let app = TestApp::start(store.clone()).await;
    let need = published_need(&store, n.author.id, "Relier les quartiers sans bus").await;
    sign_in(&app, &n.bruno.email.to_string()).await;
    let form = app.get(&format!("/besoins/{}/aider", need.slug)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Relier les quartiers sans bus"));
    for address in [n.author.email.as_str(), n.bruno.email.as_str()] {
        assert!(!form.body.contains(address), "{address} shown");
    }
    let message = "Notre atelier prête des véhicules : parlons-en.";
    let r = offer(&app, &need.slug, message).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        format!("/besoins/{}?etat=aide", need.slug)
    );
    let sent = mails(&app);
    let (to, reply_to, body) = sent.last().expect("relayed mail");
    assert!(to.contains(n.author.email.as_str()), "{to}");
    assert!(reply_to.contains(n.bruno.email.as_str()), "{reply_to}");
    assert!(
        body.contains(message) && body.contains("Bruno Atelier"),
        "{body}"
    );
    assert!(body.contains(&format!("/besoins/{}", need.slug)), "{body}");

    // The page says so, and shows no address.
    let page = app.get(&format!("/besoins/{}?etat=aide", need.slug)).await;
    assert!(page
        .body
        .contains("votre proposition d&#39;aide est transmise"));
    assert!(
        page.body.contains("Proposition d&#39;aide reçue"),
        "{}",
        page.body
    );
    for address in [n.author.email.as_str(), n.bruno.email.as_str()] {
        assert!(!page.body.contains(address), "{address} shown");
    }
    // Recorded, and the need is « en relation » with a dated step.
    let contacts = store.need_contacts(need.id).await.unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].from_user, n.bruno.id);
    assert_eq!(contacts[0].kind, catalyse_store::NeedContactKind::Offer);
    let after = store.need(need.id).await.unwrap().unwrap();
    assert_eq!(after.status, NeedStatus::EnRelation);
    let step = after.trail.last().expect("a step");
    assert_eq!(step.status, NeedStatus::EnRelation);
    assert_eq!(step.at.date_naive(), chrono::Utc::now().date_naive());
    // Whoever is in touch is no longer proposed.
    app.forget_cookies();
    let v = suggestions(&app, &need.slug).await;
    assert_eq!(names(&v, "members", "name"), ["Rosalie Liens"]);

    // The author asks to be put in touch with Rosalie: relayed to her, recorded.
    sign_in(&app, &n.author.email.to_string()).await;
    let page = format!(
        "/besoins/{}/mise-en-relation?membre=rosalie-liens",
        need.slug
    );
    let form = app.get(&page).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Rosalie Liens"));
    assert!(!form.body.contains(n.rosalie.email.as_str()));
    let action = format!("/besoins/{}/mise-en-relation", need.slug);
    let request = "Bonjour, votre expérience du covoiturage nous aiderait.";
    let r = app
        .post_form(
            &page,
            &action,
            &[("membre", "rosalie-liens"), ("message", request)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sent = mails(&app);
    let (to, reply_to, body) = sent
        .iter()
        .find(|(to, _, _)| to.contains(n.rosalie.email.as_str()))
        .expect("mail to Rosalie");
    assert!(reply_to.contains(n.author.email.as_str()), "{reply_to}");
    assert!(body.contains(request), "{to}: {body}");
    let contacts = store.need_contacts(need.id).await.unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[1].to_user, Some(n.rosalie.id));
    assert_eq!(contacts[1].kind, catalyse_store::NeedContactKind::Request);
    app.stop().await;
}

both_databases!(a_visitor_s_need_gets_offers_at_her_address, visitor_author);
async fn visitor_author(store: Arc<dyn Store>) {
    let n = network(&store).await;
    let app = TestApp::start(store.clone()).await;
    let now = chrono::Utc::now();
    let visitor = "claire.visiteuse@exemple.fr";
    let hash = "ab".repeat(32);
    let draft = store
        .submit_visitor_need(
            &need_fields("Un besoin d'une visiteuse"),
            NeedOrigin::Formulaire,
            visitor,
            &hash,
            now + chrono::Duration::days(2),
            now,
        )
        .await
        .unwrap();
    let confirmed = store.confirm_need(&hash, now).await.unwrap().unwrap();
    let need = store
        .decide_need(
            confirmed.id,
            confirmed.moderated.revision,
            true,
            "",
            None,
            now,
        )
        .await
        .unwrap();
    assert_eq!(need.id, draft.id);
    sign_in(&app, &n.rosalie.email.to_string()).await;
    let form = app.get(&format!("/besoins/{}/aider", need.slug)).await;
    assert!(!form.body.contains(visitor));
    let r = offer(&app, &need.slug, "Je peux vous présenter nos bénévoles.").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sent = mails(&app);
    let (to, reply_to, _) = sent.last().unwrap();
    assert!(to.contains(visitor) && reply_to.contains(n.rosalie.email.as_str()));
    assert_eq!(
        store.need(need.id).await.unwrap().unwrap().status,
        NeedStatus::EnRelation
    );
    app.stop().await;
}

both_databases!(contacts_hold_their_daily_limit, daily_limit);
async fn daily_limit(store: Arc<dyn Store>) {
    let n = network(&store).await;
    let app = TestApp::start(store.clone()).await;
    let mut needs = vec![];
    for i in 0..11 {
        needs.push(published_need(&store, n.author.id, &format!("Besoin numéro {i}")).await);
    }
    sign_in(&app, &n.bruno.email.to_string()).await;
    for need in &needs[..10] {
        let r = offer(&app, &need.slug, "Je peux vous aider sur ce point.").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let before = app.outbox().len();
    let last = &needs[10];
    let r = offer(&app, &last.slug, "Je peux vous aider sur ce point.").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.body
            .contains("déjà envoyé 10 messages ces dernières 24 heures"),
        "{}",
        r.body
    );
    // Nothing sent, nothing recorded, the need still « ouvert ».
    assert_eq!(app.outbox().len(), before);
    assert!(store.need_contacts(last.id).await.unwrap().is_empty());
    let after = store.need(last.id).await.unwrap().unwrap();
    assert_eq!(after.status, NeedStatus::Ouvert);
    assert_eq!(after.trail, last.trail);
    app.stop().await;
}

/// A text as a page writes it (askama escapes apostrophes).
fn html(text: &str) -> String {
    text.replace('\'', "&#39;")
}

/// Posts to `action` with the CSRF token of the profile's page (a form refused shows none),
/// and checks the answer's status and French message.
async fn refused(
    app: &TestApp,
    action: &str,
    fields: &[(&str, &str)],
    status: StatusCode,
    message: &str,
) {
    let csrf = app.get("/mon-profil").await.field("csrf");
    let r = app.post_with_csrf(&csrf, action, fields).await;
    assert_eq!(r.status, status, "{action} {fields:?}");
    assert!(r.body.contains(&html(message)), "{message}: {}", r.body);
}

both_databases!(bad_contacts_are_refused_in_french, bad_input);
async fn bad_input(store: Arc<dyn Store>) {
    let n = network(&store).await;
    let app = TestApp::start(store.clone()).await;
    let need = published_need(&store, n.author.id, "Relier les quartiers sans bus").await;
    let (offer_at, ask_at) = (
        format!("/besoins/{}/aider", need.slug),
        format!("/besoins/{}/mise-en-relation", need.slug),
    );
    let long = "Un message assez long.";
    sign_in(&app, &n.bruno.email.to_string()).await;
    // Too short, then an invisible character: the form again, the message kept.
    let r = offer(&app, &need.slug, "Oui").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .body
        .contains("Écrivez un message de 10 à 2 000 caractères."));
    assert!(r.body.contains(">Oui</textarea>"));
    let r = offer(&app, &need.slug, "Bonjour\u{202e} je peux aider").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("caractère invisible"));
    // Only the author asks to be put in touch, with a member who may be contacted; she
    // does not offer help to herself.
    let ask = [("membre", "rosalie-liens"), ("message", long)];
    let forbidden = StatusCode::FORBIDDEN;
    refused(&app, &ask_at, &ask, forbidden, "Seul l'auteur du besoin").await;
    sign_in(&app, &n.author.email.to_string()).await;
    let mine = [("message", long)];
    refused(
        &app,
        &offer_at,
        &mine,
        forbidden,
        "Vous êtes l'auteur de ce besoin",
    )
    .await;
    for (membre, expected) in [
        ("", "Choisissez l'un des membres proposés"),
        ("hector-masque", "Ce membre ne peut pas être contacté"),
        ("olga-refus", "Ce membre ne peut pas être contacté"),
        ("agathe-maire", "Ce membre ne peut pas être contacté"),
    ] {
        let fields = [("membre", membre), ("message", long)];
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        refused(&app, &ask_at, &fields, status, expected).await;
    }
    let hidden = app.get(&format!("{ask_at}?membre=hector-masque")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    // Nothing written, nothing sent.
    assert!(store.need_contacts(need.id).await.unwrap().is_empty());
    let after = store.need(need.id).await.unwrap().unwrap();
    assert_eq!(after.status, NeedStatus::Ouvert);
    assert!(app.outbox().is_empty());
    // A closed need takes no more offers; an unknown one is not found.
    let now = chrono::Utc::now();
    store
        .set_need_status(need.id, NeedStatus::Clos, "Clos", None, now)
        .await
        .unwrap();
    sign_in(&app, &n.bruno.email.to_string()).await;
    let closed = "Ce besoin n'attend plus d'aide";
    refused(&app, &offer_at, &mine, StatusCode::CONFLICT, closed).await;
    assert_eq!(app.get(&offer_at).await.status, StatusCode::CONFLICT);
    let unknown = app.get("/besoins/inconnu/aider").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(store.need_contacts(need.id).await.unwrap().is_empty());
    app.stop().await;
}

both_databases!(a_member_may_opt_out_of_suggestions, opt_out);
async fn opt_out(store: Arc<dyn Store>) {
    let n = network(&store).await;
    let app = TestApp::start(store.clone()).await;
    let need = published_need(&store, n.author.id, "Relier les quartiers sans bus").await;
    assert_eq!(
        names(&suggestions(&app, &need.slug).await, "members", "name"),
        ["Rosalie Liens", "Bruno Atelier"]
    );
    sign_in(&app, &n.rosalie.email.to_string()).await;
    let form = app.get("/mon-profil").await;
    assert!(form
        .body
        .contains("Ne pas me proposer dans les suggestions des besoins"));
    assert!(!form
        .body
        .contains("name=\"ne_pas_suggerer\" value=\"oui\" checked"));
    let fields = |opt_out: bool| {
        let mut f = vec![
            ("display_name", "Rosalie Liens"),
            ("organisation", "Structure de Rosalie Liens"),
            ("actor_family", "associations"),
            ("role", "Coordinatrice"),
            ("territories", "Saint-Étienne"),
            ("activite_mettre-en-relation", "oui"),
            ("activite_piloter-des-experimentations", "oui"),
            ("levier_apprendre-a-faire-alliance", "oui"),
            ("bio", "Je relie les acteurs du territoire."),
            ("visibility", "public"),
            ("consent", "oui"),
        ];
        if opt_out {
            f.push(("ne_pas_suggerer", "oui"));
        }
        f
    };
    let r = app
        .post_multipart("/mon-profil", "/mon-profil", &fields(true), None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // At once, without waiting for moderation.
    assert!(store
        .unsuggestible_users()
        .await
        .unwrap()
        .contains(&n.rosalie.id));
    app.forget_cookies();
    assert_eq!(
        names(&suggestions(&app, &need.slug).await, "members", "name"),
        ["Bruno Atelier"]
    );
    sign_in(&app, &n.rosalie.email.to_string()).await;
    let form = app.get("/mon-profil").await;
    assert!(form
        .body
        .contains("name=\"ne_pas_suggerer\" value=\"oui\" checked"));
    // A form with an error writes nothing, the choice either.
    let mut bad = fields(false);
    bad[0].1 = "";
    let r = app
        .post_multipart("/mon-profil", "/mon-profil", &bad, None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(store
        .unsuggestible_users()
        .await
        .unwrap()
        .contains(&n.rosalie.id));
    let r = app
        .post_multipart("/mon-profil", "/mon-profil", &fields(false), None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.forget_cookies();
    assert_eq!(
        names(&suggestions(&app, &need.slug).await, "members", "name"),
        ["Rosalie Liens", "Bruno Atelier"]
    );
    app.stop().await;
}
