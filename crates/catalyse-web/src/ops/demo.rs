//! Example content for a new database (`CATALYSE_DEMO=true`), always marked « données
//! d'exemple ». It is loaded once: a setting remembers it.

use crate::auth::hash_password;
use crate::tokens::random_token;
use catalyse_core::{Email, Role};
use catalyse_store::{NewUser, Store};
use chrono::Utc;

const DONE: &str = "demo_loaded";

/// Example accounts: one per role, with names that say what they are.
const ACCOUNTS: &[(&str, &str, Role)] = &[
    (
        "admin@exemple.catalyse.invalid",
        "Administratrice (données d'exemple)",
        Role::Admin,
    ),
    (
        "animation@exemple.catalyse.invalid",
        "Animateur du réseau (données d'exemple)",
        Role::Moderator,
    ),
    (
        "camille@exemple.catalyse.invalid",
        "Camille, catalyseuse (données d'exemple)",
        Role::Member,
    ),
    (
        "dominique@exemple.catalyse.invalid",
        "Dominique, catalyseur (données d'exemple)",
        Role::Member,
    ),
];

/// Loads the example content into a database that has never had it, and only if it has no
/// account yet (a real platform is never filled with examples). Returns the generated admin
/// password, to be shown once.
pub async fn load(store: &dyn Store) -> anyhow::Result<Option<(String, String)>> {
    if store.setting(DONE).await?.is_some() || store.count_users().await? > 0 {
        return Ok(None);
    }
    let now = Utc::now();
    let mut admin = None;
    for (email, name, role) in ACCOUNTS {
        let password = random_token();
        let hash = hash_password(password.clone()).await?;
        store
            .create_user(
                &NewUser {
                    email: Email::parse(email).map_err(|_| anyhow::anyhow!("bad demo email"))?,
                    display_name: name.to_string(),
                    role: *role,
                    password_hash: hash,
                    is_example: true,
                    email_verified: true,
                },
                now,
            )
            .await?;
        if *role == Role::Admin {
            admin = Some((email.to_string(), password));
        }
    }
    store
        .set_setting(DONE, &catalyse_core::time::rfc3339(&now))
        .await?;
    Ok(admin)
}

/// The slug of the example IMPACT-style survey.
pub const EXAMPLE_SURVEY: &str = "enquete-fragilites-exemple";

/// The 13 metropolitan regions (INSEE codes), where the example survey is drawn.
const METROPOLITAN_REGIONS: [&str; 13] = [
    "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94",
];

/// Loads the example survey unless it is there already.
pub async fn load_example_survey(store: &dyn Store) -> anyhow::Result<()> {
    if store.dataset_checksum(EXAMPLE_SURVEY).await?.is_some() {
        return Ok(());
    }
    let model = catalyse_core::dataset::SurveyModel::shipped()?;
    let import = model.example(&METROPOLITAN_REGIONS, 2019);
    let meta = catalyse_store::NewDataset {
        slug: EXAMPLE_SURVEY.into(),
        title: "Fragilités prioritaires par région (enquête d'exemple)".into(),
        description: "Données d'exemple, générées : la part des répondants (citoyens, élus, \
                      entreprises, associations) qui citent chaque fragilité comme prioritaire \
                      pour leur territoire, sur les 13 régions métropolitaines, dans la forme \
                      des études IMPACT de l'Observatoire des partenariats. Ces chiffres ne \
                      décrivent aucun territoire réel."
            .into(),
        is_example: true,
        checksum: "example-v1".into(),
    };
    store.replace_dataset(&meta, &import, Utc::now()).await?;
    tracing::info!("example survey loaded (données d'exemple)");
    Ok(())
}

/// How many example resources the demonstration adds to the kit.
pub const EXAMPLE_RESOURCES: usize = 12;

/// Adds example resources (labelled « données d'exemple ») unless they are there already.
pub async fn load_example_resources(store: &dyn Store) -> anyhow::Result<()> {
    if store.resource_by_slug("exemple-1").await?.is_some() {
        return Ok(());
    }
    let levers: Vec<String> = store.levers().await?.into_iter().map(|l| l.slug).collect();
    let items: Vec<_> = catalyse_core::resource::examples(EXAMPLE_RESOURCES, &levers)
        .into_iter()
        .map(|f| (f, catalyse_core::resource::ResourceState::Published))
        .collect();
    store.import_resources(&items, None, Utc::now()).await?;
    tracing::info!(
        count = items.len(),
        "example resources loaded (données d'exemple)"
    );
    Ok(())
}

/// Gives each of the demonstration's example resources (`exemple-1` … ) that has no file a
/// generated one-page PDF, labelled « données d'exemple », so that downloading works there.
pub async fn attach_example_files(state: &crate::state::AppState) -> anyhow::Result<usize> {
    let mut attached = 0;
    for i in 1..=EXAMPLE_RESOURCES {
        let Some(r) = state
            .store
            .resource_by_slug(&format!("exemple-{i}"))
            .await?
        else {
            continue;
        };
        if r.file.is_some() || !r.is_example {
            continue;
        }
        let body: Vec<&str> = r
            .body
            .lines()
            .map(|l| l.trim_start_matches('#').trim())
            .filter(|l| !l.is_empty())
            .collect();
        let mut paragraphs = vec![r.summary.as_str()];
        paragraphs.extend(body);
        let bytes = catalyse_formats::example_pdf::example_pdf(
            "Données d'exemple — document généré pour la démonstration de Catalyse : il ne \
             décrit aucun projet réel.",
            &r.title,
            &paragraphs,
            "fr",
        );
        let size = bytes.len() as i64;
        let sha256 = state.files.put(bytes.into()).await?;
        let file = catalyse_core::resource::StoredFile {
            sha256,
            name: format!("{}.pdf", r.slug),
            content_type: "application/pdf".into(),
            size,
        };
        let mut fields = r.fields.clone();
        fields.format = "PDF".into();
        state
            .store
            .update_resource(
                r.id,
                &fields,
                &catalyse_store::FileChange::Replace(file),
                None,
                Utc::now(),
            )
            .await?;
        attached += 1;
    }
    if attached > 0 {
        crate::resources::index::reindex(state).await?;
        tracing::info!(attached, "example files attached (données d'exemple)");
    }
    Ok(attached)
}

/// Example sessions of the monthly cycle for the next 6 months, from the rule, so that the
/// demonstration shows registration (labelled « données d'exemple »).
pub async fn load_example_webinars(store: &dyn Store) -> anyhow::Result<()> {
    use catalyse_core::agenda::{Event, EventKind};
    let rule = catalyse_core::events::MonthlyRule::webinar_cycle();
    let today = Utc::now().date_naive();
    let dates = rule.occurrences(today, today + chrono::Duration::days(183))?;
    let levers = store.levers().await?;
    let now = Utc::now();
    let events: Vec<Event> = dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let lever = &levers[i % levers.len().max(1)];
            Event {
                series: Some("webinaires-mensuels".into()),
                description: format!(
                    "Séance d'exemple du cycle mensuel, sur le levier « {} » : données \
                     d'exemple, générées pour montrer l'inscription.",
                    lever.name
                ),
                levers: vec![lever.slug.clone()],
                timezone: rule.tz.name().to_string(),
                capacity: Some(100),
                is_example: true,
                ..Event::scheduled(
                    format!("webinaire-{}", d.date_naive()),
                    EventKind::Webinaire,
                    format!("{} (séance d'exemple)", lever.name),
                    d.with_timezone(&Utc),
                    rule.duration_minutes as i32,
                    now,
                )
            }
        })
        .collect();
    if store
        .load_events("example-webinars", "v1", &[], &events, now)
        .await?
    {
        tracing::info!(
            sessions = events.len(),
            "example webinar sessions loaded (données d'exemple)"
        );
    }
    Ok(())
}

/// `count` example events (labelled « données d'exemple »), one every few days from three
/// years before `today` to two years after, of every kind, each on a lever; those that are not
/// webinars take place in one of `communes` (INSEE code and name), in turn. For the scale
/// benchmark (`catalyse events generate`) and whoever wants a busy agenda to try.
pub fn example_events(
    count: usize,
    levers: &[catalyse_core::reference::Lever],
    communes: &[(String, String)],
    today: chrono::NaiveDate,
) -> Vec<catalyse_core::agenda::Event> {
    use catalyse_core::agenda::{Event, EventKind};
    let first = today - chrono::Duration::days(3 * 365);
    let span_days = 5 * 365;
    let now = Utc::now();
    (0..count)
        .map(|i| {
            let day = first + chrono::Duration::days((i * span_days / count.max(1)) as i64);
            let kind = EventKind::PROGRAMME[i % EventKind::PROGRAMME.len()];
            let lever = levers.get(i % levers.len().max(1));
            let hour = [10, 14, 18][i % 3];
            let starts = day
                .and_hms_opt(hour, 0, 0)
                .unwrap_or_default()
                .and_local_timezone(chrono_tz::Europe::Paris)
                .earliest()
                .map_or_else(
                    || day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc(),
                    |d| d.with_timezone(&Utc),
                );
            let place = (kind != EventKind::Webinaire && !communes.is_empty())
                .then(|| &communes[i % communes.len()]);
            let lever_name = lever.map_or("la co-construction", |l| l.name.as_str());
            let title = match place {
                Some((_, name)) => format!(
                    "{} {} : {lever_name} (exemple n° {})",
                    kind.label(),
                    catalyse_core::text::de(name),
                    i + 1
                ),
                None => format!("{} : {lever_name} (exemple n° {})", kind.label(), i + 1),
            };
            Event {
                description: "Événement d'exemple, généré pour essayer l'agenda à grande \
                              échelle (données d'exemple) : il n'a pas lieu."
                    .into(),
                levers: lever.map(|l| vec![l.slug.clone()]).unwrap_or_default(),
                commune: place.map(|(code, _)| code.clone()),
                capacity: Some(30 + (i % 8) as i32 * 10),
                is_example: true,
                ..Event::scheduled(
                    format!("exemple-evenement-{}", i + 1),
                    kind,
                    title,
                    starts,
                    if kind == EventKind::Webinaire {
                        60
                    } else {
                        180
                    },
                    now,
                )
            }
        })
        .collect()
}

/// Loads an area's demonstration examples the first time only (the setting `done` remembers
/// it): `load` gets the geography and says how many it added; `what` names them in the log.
pub async fn once<F, Fut>(store: &dyn Store, done: &str, what: &str, load: F) -> anyhow::Result<()>
where
    F: FnOnce(Vec<catalyse_core::Territory>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    if store.setting(done).await?.is_some() {
        return Ok(());
    }
    let n = load(store.territories().await?).await?;
    store.set_setting(done, &Utc::now().to_rfc3339()).await?;
    tracing::info!(n, what, "examples loaded (données d'exemple)");
    Ok(())
}

/// Makes and stores `count` generated examples 5,000 at a time: `make(first, n)` draws the
/// batch numbered from `first` (empty when the geography has no commune with a position),
/// `write` stores it; `what` names them in the log.
pub async fn in_batches<T, W>(
    count: usize,
    what: &str,
    make: impl Fn(usize, usize) -> Vec<T>,
    write: impl Fn(Vec<T>) -> W,
) -> anyhow::Result<usize>
where
    W: std::future::Future<Output = catalyse_store::StoreResult<usize>>,
{
    const BATCH: usize = 5_000;
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let batch = make(done, n);
        anyhow::ensure!(
            !batch.is_empty(),
            "no commune with a position to place the example {what}"
        );
        write(batch).await?;
        done += n;
        if count > BATCH {
            tracing::info!(done, total = count, what, "examples");
        }
    }
    Ok(done)
}
