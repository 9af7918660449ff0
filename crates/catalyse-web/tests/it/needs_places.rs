//! Needs of territories where else they belong: the open ones on a territory's portrait (its
//! own and those of the territories inside it) and on the page of a lever they seek, each
//! list with the link to the `/besoins` search that lists them all; and the animators' view
//! `/admin/besoins` (no answer yet, the longest waiting first; no suggestion; by région),
//! for moderators only.

use crate::needs::text;
use crate::TestApp;
use catalyse_core::cases::Phase;
use catalyse_core::needs::{Horizon, NeedFields, NeedStatus};
use catalyse_core::network::TerritoryRef;
use catalyse_core::territory::Geography;
use catalyse_core::{Role, TerritoryLevel};
use catalyse_store::{both_databases, ExampleNeed, NeedContactKind, Store};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use std::sync::Arc;

const ALLIANCE: &str = "apprendre-a-faire-alliance";
const DIGITAL: &str = "accelerer-grace-au-numerique";

fn need(
    title: &str,
    (level, code): (TerritoryLevel, &str),
    fragility: &str,
    lever: &str,
) -> NeedFields {
    NeedFields {
        title: title.into(),
        description: "Un besoin d'exemple pour vérifier où les besoins ouverts se montrent.".into(),
        territory: TerritoryRef {
            level,
            code: code.into(),
        },
        organisation: "Association d'exemple".into(),
        author_family: "associations".into(),
        fragility: fragility.into(),
        levers: vec![lever.into()],
        families: vec![],
        activities: vec![],
        horizon: Horizon::SixMois,
    }
}

/// Publishes these example needs (fields, status, published so many days ago).
async fn examples(store: &Arc<dyn Store>, needs: Vec<(NeedFields, NeedStatus, i64)>) {
    let now = Utc::now();
    let examples: Vec<ExampleNeed> = (needs.into_iter())
        .map(|(fields, status, days)| ExampleNeed {
            fields,
            status,
            at: now - Duration::days(days),
            author_id: None,
            trail: vec![],
        })
        .collect();
    store.insert_example_needs(&examples, now).await.unwrap();
}

async fn slug(store: &Arc<dyn Store>, title: &str) -> String {
    let all = store.published_needs(0, 100).await.unwrap();
    let n = all
        .iter()
        .find(|n| n.public_fields().unwrap().title == title);
    n.expect("published").slug.clone()
}

/// The section of a page whose heading has this id, as read (entities of quotes undone).
fn section(body: &str, id: &str) -> String {
    let from = body
        .find(&format!("<section aria-labelledby=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &body[from..];
    text(&rest[..rest.find("</section>").expect("section ends")])
}

const OPEN: &str = "statut=ouvert&#38;statut=en-relation";

both_databases!(open_needs_show_on_portraits_and_lever_pages, places);
async fn places(store: Arc<dyn Store>) {
    let town = (TerritoryLevel::Commune, "42218");
    examples(
        &store,
        vec![
            (
                need("Des navettes vers le marché", town, "mobilite", ALLIANCE),
                NeedStatus::Ouvert,
                30,
            ),
            (
                need("Une épicerie rouverte", town, "isolement", ALLIANCE),
                NeedStatus::Clos,
                20,
            ),
            (
                need(
                    "Un garage solidaire",
                    (TerritoryLevel::Department, "01"),
                    "mobilite",
                    DIGITAL,
                ),
                NeedStatus::EnRelation,
                10,
            ),
        ],
    )
    .await;
    let navettes = slug(&store, "Des navettes vers le marché").await;
    let garage = slug(&store, "Un garage solidaire").await;
    let app = TestApp::start(store.clone()).await;

    // The Loire's portrait: its commune's open need, not the closed one, not the Ain's.
    let page = app.get("/territoires/department/42-loire").await;
    assert_eq!(page.status, StatusCode::OK);
    let loire = section(&page.body, "besoins-lies");
    assert!(
        loire.contains("Besoins ouverts de ce territoire"),
        "{loire}"
    );
    assert!(loire.contains("1 besoin ouvert"), "{loire}");
    assert!(loire.contains(&format!(
        "<a href=\"/besoins/{navettes}\">Des navettes vers le marché</a> — Saint-Étienne · Ouvert"
    )));
    assert!(loire.contains("<span class=\"tag tag-example\">données d'exemple</span>"));
    assert!(!loire.contains("Une épicerie rouverte") && !loire.contains("Un garage solidaire"));
    // Its link lists them all on `/besoins`: the same need, newest first.
    let all = format!("/besoins?departement=42&#38;{OPEN}&#38;tri=recent");
    assert!(
        loire.contains(&format!(
            "<a href=\"{all}\">Tous les besoins ouverts : Loire</a>"
        )),
        "{loire}"
    );
    let listed = text(&app.get(&all.replace("&#38;", "&")).await.body);
    assert!(listed.contains("1 besoin") && listed.contains("Des navettes vers le marché"));
    assert!(!listed.contains("Une épicerie rouverte"));
    // The cases' list is still there, beside it, with its own heading.
    assert!(page.body.contains("<h2 id=\"pratiques-liees\">"));

    // The région holds both open needs, the newest first; a commune, its own.
    let region = app.get("/territoires/region/84-auvergne-rhone-alpes").await;
    let region = section(&region.body, "besoins-lies");
    assert!(region.contains("2 besoins ouverts"), "{region}");
    let at = |s: &str| region.find(&format!("/besoins/{s}\"")).expect(s);
    assert!(at(&garage) < at(&navettes));
    assert!(region.contains("Un garage solidaire</a> — Ain · En relation"));
    assert!(region.contains(&format!("/besoins?region=84&#38;{OPEN}&#38;tri=recent")));
    let commune = app.get("/territoires/commune/42218-saint-etienne").await;
    let commune = section(&commune.body, "besoins-lies");
    assert!(commune.contains("Des navettes vers le marché"));
    assert!(commune.contains("Les besoins ouverts du département : Loire"));
    let village = app
        .get("/territoires/commune/01001-l-abergement-clemenciat")
        .await;
    assert_eq!(village.status, StatusCode::OK);
    let village = section(&village.body, "besoins-lies");
    assert!(village.contains("Aucun besoin ouvert ici pour l'instant."));

    // A lever's page: the open needs that seek it, and nothing else.
    let lever = app.get(&format!("/leviers/{ALLIANCE}")).await;
    assert_eq!(lever.status, StatusCode::OK);
    let lever = section(&lever.body, "besoins-lies");
    assert!(lever.contains("Besoins ouverts qui recherchent ce levier"));
    assert!(lever.contains("Des navettes vers le marché") && lever.contains("1 besoin ouvert"));
    assert!(!lever.contains("Une épicerie rouverte") && !lever.contains("Un garage solidaire"));
    let all = format!("/besoins?levier={ALLIANCE}&#38;{OPEN}&#38;tri=recent");
    assert!(lever.contains(&all), "{lever}");
    let digital = app.get(&format!("/leviers/{DIGITAL}")).await;
    let digital = section(&digital.body, "besoins-lies");
    assert!(digital.contains("Un garage solidaire") && !digital.contains("Des navettes"));

    // Closed behind the index's back (another instance, say): no longer listed (to a
    // member, whose pages are not kept in the visitors' page cache).
    let id = store.need_by_slug(&navettes).await.unwrap().unwrap().id;
    let now = Utc::now();
    store
        .set_need_status(id, NeedStatus::Clos, "", None, now)
        .await
        .unwrap();
    app.sign_in_as("membre@exemple.fr", Role::Member).await;
    let loire = app.get("/territoires/department/42-loire").await;
    assert!(!section(&loire.body, "besoins-lies").contains("Des navettes vers le marché"));
    app.stop().await;
}

/// The tests' small geography and a second région (Île-de-France, Paris).
fn two_regions() -> Geography {
    Geography::from_tsv(
        "level\tcode\tname\tregion\tdepartment\tepci\tpopulation\tpostcodes\tlat\tlon\n\
         region\t84\tAuvergne-Rhône-Alpes\t\t\t\t8000000\t\t\t\n\
         region\t11\tÎle-de-France\t\t\t\t12000000\t\t\t\n\
         region\t53\tBretagne\t\t\t\t3400000\t\t\t\n\
         department\t01\tAin\t84\t\t\t650000\t\t\t\n\
         department\t42\tLoire\t84\t\t\t770000\t\t\t\n\
         department\t75\tParis\t11\t\t\t2100000\t\t\t\n\
         commune\t01001\tL'Abergement-Clémenciat\t84\t01\t\t800\t01400\t46.15\t4.92\n\
         commune\t42218\tSaint-Étienne\t84\t42\t\t173000\t42000 42100\t45.43\t4.39\n\
         commune\t75056\tParis\t11\t75\t\t2100000\t75001\t48.86\t2.35\n",
    )
    .expect("geography")
}

both_databases!(the_animators_see_which_needs_wait_and_where, board);
async fn board(store: Arc<dyn Store>) {
    let town = (TerritoryLevel::Commune, "42218");
    let paris = (TerritoryLevel::Commune, "75056");
    examples(
        &store,
        vec![
            // No one answered, no one to suggest (no case on health, no member at all).
            (
                need("Une maison de santé", town, "sante", ALLIANCE),
                NeedStatus::Ouvert,
                40,
            ),
            // Answered below; a case on mobility is suggested.
            (
                need("Des navettes vers le marché", town, "mobilite", ALLIANCE),
                NeedStatus::Ouvert,
                30,
            ),
            // No answer yet, but a case on mobility is suggested.
            (
                need("Un garage solidaire", paris, "mobilite", DIGITAL),
                NeedStatus::Ouvert,
                5,
            ),
            // Closed: nowhere.
            (
                need("Une épicerie rouverte", town, "sante", ALLIANCE),
                NeedStatus::Clos,
                50,
            ),
        ],
    )
    .await;
    let fields = crate::cases::fields(
        "Covoiturage des quartiers",
        Phase::Consolidation,
        "mobilite",
    );
    crate::cases::case_in(&store, &fields, true).await;
    let app = TestApp::start_on(store.clone(), two_regions(), |_| {}).await;
    let helper = app
        .user("asso@exemple.fr", crate::TEST_PASSWORD, Role::Member)
        .await;
    let navettes = slug(&store, "Des navettes vers le marché").await;
    let id = store.need_by_slug(&navettes).await.unwrap().unwrap().id;
    store
        .record_need_contact(id, helper.id, None, NeedContactKind::Offer, Utc::now())
        .await
        .unwrap();

    // Visitors sign in first; members are refused.
    let r = app.get("/admin/besoins").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/connexion?retour="));
    app.sign_in_as("membre@exemple.fr", Role::Member).await;
    assert_eq!(
        app.get("/admin/besoins").await.status,
        StatusCode::FORBIDDEN
    );

    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let page = app.get("/admin/besoins").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains("<a href=\"/admin/besoins\" aria-current=\"page\">Besoins</a>"));

    // No answer yet: the oldest first, with how long they have waited.
    let waiting = section(&page.body, "sans-contact");
    assert!(
        waiting.contains("2 besoins ouverts sans aucun contact"),
        "{waiting}"
    );
    let (sante, garage) = (
        waiting.find("Une maison de santé").expect("the oldest"),
        waiting.find("Un garage solidaire").expect("the newest"),
    );
    assert!(sante < garage);
    assert!(waiting.contains("40 jours") && waiting.contains("5 jours"));
    assert!(!waiting.contains("Des navettes") && !waiting.contains("Une épicerie"));
    assert_eq!(
        waiting
            .matches("<span class=\"tag tag-example\">données d'exemple</span>")
            .count(),
        2
    );

    // No suggestion: only the need on health (mobility has its case).
    let unanswered = section(&page.body, "sans-suggestion");
    assert!(
        unanswered.contains("3 besoins ouverts examinés."),
        "{unanswered}"
    );
    assert!(unanswered.contains("1 besoin sans suggestion"));
    assert!(unanswered.contains("Une maison de santé") && unanswered.contains("Saint-Étienne"));
    assert!(!unanswered.contains("Des navettes") && !unanswered.contains("Un garage"));
    assert!(!unanswered.contains("Une épicerie"));

    // By région: where most wait first, a région without any at 0, the total; each count
    // links to the search that finds as many.
    let regions = section(&page.body, "par-region");
    let ara = format!("/besoins?region=84&#38;{OPEN}&#38;tri=attente");
    let idf = format!("/besoins?region=11&#38;{OPEN}&#38;tri=attente");
    assert!(
        regions.contains(&format!(
            "<th scope=\"row\">Auvergne-Rhône-Alpes</th><td class=\"num\"><a href=\"{ara}\">2</a>"
        )),
        "{regions}"
    );
    assert!(regions.contains(&format!(
        "<th scope=\"row\">Île-de-France</th><td class=\"num\"><a href=\"{idf}\">1</a>"
    )));
    assert!(regions.contains("<th scope=\"row\">Bretagne</th><td class=\"num\">0</td>"));
    let order = |name: &str| regions.find(name).expect(name);
    assert!(
        order("Auvergne") < order("Île-de-France") && order("Île-de-France") < order("Bretagne")
    );
    assert!(regions.contains(&format!(
        "<th scope=\"row\">Total</th><td class=\"num\"><a href=\"/besoins?{}&#38;tri=attente\">3</a>",
        OPEN
    )));
    for (link, count) in [(ara, "2 besoins"), (idf, "1 besoin")] {
        let found = text(&app.get(&link.replace("&#38;", "&")).await.body);
        assert!(found.contains(count), "{link}");
        assert!(!found.contains("Une épicerie rouverte"));
    }

    // In English too.
    app.get("/langue/en?retour=/admin/besoins").await;
    let en = app.get("/admin/besoins").await;
    assert!(
        en.body.contains("No answer, waiting longest"),
        "{}",
        en.body
    );
    app.stop().await;
}
