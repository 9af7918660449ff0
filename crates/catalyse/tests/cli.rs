//! The `catalyse` command line, run as a person would, on SQLite and on PostgreSQL.

use catalyse_core::{Email, Role};
use catalyse_store::{both_databases, Store};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

/// Runs `catalyse ARGS` against the database of `url`, with `stdin` as its input.
fn catalyse(url: &str, args: &[&str], stdin: &str) -> Output {
    // One data directory (search index, files) per database, as tests run side by side.
    let tag: u32 = url
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let dir = std::env::temp_dir().join(format!("catalyse_cli_{}_{tag}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_catalyse"))
        .args(["--database-url", url, "--data-dir"])
        .arg(&dir)
        .args(args)
        .env("CATALYSE_LOG", "warn")
        .env_remove("CATALYSE_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run catalyse");
    // A command refused before it reads its input closes the pipe: that is not an error here.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("catalyse output")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Whether the store holds a resource of this slug.
async fn has_resource(store: &Arc<dyn Store>, slug: &str) -> bool {
    store.resource_by_slug(slug).await.unwrap().is_some()
}

// The store handed to the body and the URL the binary uses point at the same database.
both_databases!(
    admin_commands_create_and_promote_accounts,
    admin_commands,
    with_url
);
async fn admin_commands(store: Arc<dyn Store>, url: String) {
    let create = |email: &str, role: &str, password: &str| {
        catalyse(
            &url,
            &["admin", "create-user", "--email", email, "--role", role],
            &format!("{password}\n"),
        )
    };
    let set_role = |email: &str, role: &str| {
        catalyse(
            &url,
            &["admin", "set-role", "--email", email, "--role", role],
            "",
        )
    };
    let o = create("Chef@Exemple.fr", "admin", "une phrase de passe solide");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("chef@exemple.fr (admin)"));
    let user = store
        .user_by_email(&Email::parse("chef@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, Role::Admin);
    assert!(user.password_hash.starts_with("$argon2id$"));

    // Refusals say why and write nothing.
    let o = create("chef@exemple.fr", "member", "une autre phrase de passe");
    assert!(!o.status.success());
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    let o = create("court@exemple.fr", "member", "court");
    assert!(!o.status.success());
    assert!(text(&o).contains("au moins 12 caractères"), "{}", text(&o));
    let o = create("x@exemple.fr", "chef", "une phrase de passe solide");
    assert!(!o.status.success());
    assert_eq!(store.count_users().await.unwrap(), 1);

    let o = create("camille@exemple.fr", "member", "une phrase de passe solide");
    assert!(o.status.success(), "{}", text(&o));
    let o = set_role("camille@exemple.fr", "moderator");
    assert!(o.status.success(), "{}", text(&o));
    let camille = store
        .user_by_email(&Email::parse("camille@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(camille.role, Role::Moderator);
    let o = set_role("chef@exemple.fr", "member");
    assert!(!o.status.success());
    assert!(text(&o).contains("last administrator"));
    let o = set_role("personne@exemple.fr", "member");
    assert!(!o.status.success());
    assert!(text(&o).contains("no account"));

    // `migrate` on an up-to-date database changes nothing and succeeds.
    let o = catalyse(&url, &["migrate"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(store.count_users().await.unwrap(), 2);
}

both_databases!(datasets_import_all_or_nothing, datasets_import, with_url);
async fn datasets_import(store: Arc<dyn Store>, url: String) {
    let dir =
        std::env::temp_dir().join(format!("catalyse_csv_{}_{}", std::process::id(), url.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let head = "territory_level,territory_code,indicator,value,unit,year,source,licence\n";
    let bad = dir.join("emploi.csv");
    std::fs::write(
        &bad,
        format!("{head}commune,01001,Emplois,10,nombre,2020,INSEE,LO\ncommune,99999,Emplois,3,nombre,2020,INSEE,LO\ncommune,01004,Emplois,dix,nombre,2020,INSEE,LO\n"),
    )
    .unwrap();
    let o = catalyse(&url, &["datasets", "import", bad.to_str().unwrap()], "");
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("ligne 3 : code commune « 99999 » inconnu"),
        "{out}"
    );
    assert!(
        out.contains("ligne 4 : valeur « dix » non numérique"),
        "{out}"
    );
    assert!(
        store.dataset("emploi").await.unwrap().is_none(),
        "nothing written"
    );

    std::fs::write(&bad, format!("{head}commune,01001,Emplois,10,nombre,2020,INSEE,LO\ncommune,01004,Emplois,12,nombre,2020,INSEE,LO\n")).unwrap();
    let o = catalyse(
        &url,
        &[
            "datasets",
            "import",
            bad.to_str().unwrap(),
            "--title",
            "Emploi local",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let (d, _) = store.dataset("emploi").await.unwrap().unwrap();
    assert_eq!(d.title, "Emploi local");
    assert_eq!(
        store
            .indicator_values("emploi", "emplois", None)
            .await
            .unwrap()
            .len(),
        2
    );
    // The population dataset is derived from the geography at start.
    assert!(!store
        .indicator_values("population", "population-municipale", None)
        .await
        .unwrap()
        .is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

both_databases!(resources_import_export_reindex, resources_cli, with_url);
async fn resources_cli(store: Arc<dyn Store>, url: String) {
    let dir =
        std::env::temp_dir().join(format!("catalyse_res_{}_{}", std::process::id(), url.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("catalogue.csv");
    let head = "slug,title,nature,subgroup,levers,authors,year\n";
    std::fs::write(
        &file,
        format!("{head}guide-local,Guide local,methode,evaluer,evaluer-sa-pertinence,Commune test,2024\nautre,,roman,,,,\n"),
    )
    .unwrap();
    let o = catalyse(&url, &["resources", "import", file.to_str().unwrap()], "");
    assert!(!o.status.success());
    assert!(text(&o).contains("ligne 3 : titre vide"), "{}", text(&o));
    assert!(
        !has_resource(&store, "guide-local").await,
        "nothing written"
    );

    std::fs::write(&file, format!("{head}guide-local,Guide local,methode,evaluer,evaluer-sa-pertinence,Commune test,2024\n")).unwrap();
    let o = catalyse(
        &url,
        &["resources", "import", "--dry-run", file.to_str().unwrap()],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(!has_resource(&store, "guide-local").await, "dry run");
    let o = catalyse(&url, &["resources", "import", file.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 resource(s) created"), "{}", text(&o));
    let r = store
        .resource_by_slug("guide-local")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.authors, vec!["Commune test"]);

    let out = dir.join("export.csv");
    let o = catalyse(&url, &["resources", "export", out.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", text(&o));
    let exported = std::fs::read_to_string(&out).unwrap();
    assert!(exported.starts_with("slug,title,nature,"));
    assert!(exported.contains("guide-local,Guide local,methode,evaluer"));
    let o = catalyse(&url, &["reindex"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("search index rebuilt"));
    let _ = std::fs::remove_dir_all(&dir);
}

both_databases!(generate_example_resources_and_events, generators, with_url);
async fn generators(store: Arc<dyn Store>, url: String) {
    let o = catalyse(&url, &["resources", "generate", "--count", "30"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("30 example resource(s) added"),
        "{}",
        text(&o)
    );
    let r = store.resource_by_slug("exemple-30").await.unwrap().unwrap();
    assert!(r.is_example, "labelled");
    // Again: the same slugs and content, nothing doubled.
    let o = catalyse(&url, &["resources", "generate", "--count", "30"], "");
    assert!(
        text(&o).contains("0 example resource(s) added, 0 changed"),
        "{}",
        text(&o)
    );

    let o = catalyse(&url, &["events", "generate", "--count", "60"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("60 example event(s) added"),
        "{}",
        text(&o)
    );
    let events = store.events(None, None, None, None).await.unwrap();
    let generated: Vec<_> = events
        .iter()
        .filter(|e| e.slug.starts_with("exemple-evenement-"))
        .collect();
    assert_eq!(generated.len(), 60);
    assert!(generated.iter().all(|e| e.is_example));
    let now = chrono::Utc::now();
    assert!(generated.iter().any(|e| e.starts_at < now), "some past");
    assert!(generated.iter().any(|e| e.starts_at > now), "some to come");
    assert!(generated.iter().any(|e| e.commune.is_some()), "in a place");
    let o = catalyse(&url, &["events", "generate", "--count", "60"], "");
    assert!(
        text(&o).contains("0 example event(s) added"),
        "{}",
        text(&o)
    );
}

// A restore under a running server is refused before anything is read or changed.
both_databases!(
    restore_refused_while_a_server_answers,
    restore_under_server,
    with_url
);
async fn restore_under_server(store: Arc<dyn Store>, url: String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = listener.local_addr().unwrap().to_string();
    let users = store.count_users().await.unwrap();
    let o = catalyse(
        &url,
        &[
            "--bind",
            &bind,
            "restore",
            "--yes",
            "/nonexistent/backup.tar.gz",
        ],
        "",
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("stop every instance"), "{}", text(&o));
    assert_eq!(store.count_users().await.unwrap(), users, "nothing changed");
    drop(listener);
}

/// The member in whose name files are imported.
async fn autrice(store: &Arc<dyn Store>) -> catalyse_core::User {
    let new = catalyse_store::NewUser {
        email: Email::parse("autrice@exemple.fr").unwrap(),
        display_name: "Autrice".into(),
        role: Role::Member,
        password_hash: "pas-de-mot-de-passe".into(),
        is_example: false,
        email_verified: true,
    };
    store.create_user(&new, chrono::Utc::now()).await.unwrap()
}

/// A folder for the files a test writes, one per database.
fn scratch(url: &str, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "catalyse_{name}_{}_{}",
        std::process::id(),
        url.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The public cases of the store.
async fn public_cases(store: &Arc<dyn Store>) -> Vec<catalyse_core::cases::Case> {
    store.published_cases(0, 10_000).await.unwrap()
}

both_databases!(
    cases_generate_and_import_all_or_nothing,
    cases_cli,
    with_url
);
async fn cases_cli(store: Arc<dyn Store>, url: String) {
    let o = catalyse(&url, &["cases", "generate", "--count", "40"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("40 example case(s) added"),
        "{}",
        text(&o)
    );
    let all = public_cases(&store).await;
    assert_eq!(all.iter().filter(|c| c.is_example).count(), 40);
    // The seed's four experiences are loaded at start, with their fixed slugs.
    let silver = store.case_by_slug("silver-geek").await.unwrap().unwrap();
    assert!(silver.is_reference && !silver.is_example && silver.is_public());
    assert_eq!(all.iter().filter(|c| c.is_reference).count(), 4);
    let before = all.len();

    let author = autrice(&store).await;
    let dir = scratch(&url, "cases");
    let file = dir.join("pratiques.csv");
    let head = "title,summary,body,territory,started_year,phase,fragilities,levers,actors,funding,results,source,licence,author\n";
    let good = "Navette vers les soins,Une navette solidaire conduit les habitants sans voiture vers les soins.,\"## Le besoin\n\nDes rendez-vous manqués.\",commune:42218,2018,experimentation,mobilite;sante,definir-sa-strategie,Ville de Saint-Étienne|collectivites-territoriales|porteur,collectivites:60;fondations:40,'=1200 trajets,Import,CC BY 4.0,autrice@exemple.fr\n";
    let second = "Tiers-lieu du bourg,Un tiers-lieu reprend l'ancienne poste pour travailler et se retrouver.,,region:84,,emergence,isolement,qualifier-son-innovation,,,,,CC BY 4.0,Autrice@Exemple.fr\n";
    std::fs::write(
        &file,
        format!("{head}{good}Mauvais,court,,commune:99999,dix,finie,inconnue,definir-sa-strategie,,etat:70,,,,personne@exemple.fr\n{second}"),
    )
    .unwrap();
    let o = catalyse(&url, &["cases", "import", file.to_str().unwrap()], "");
    assert!(!o.status.success());
    let out = text(&o);
    for expected in [
        "ligne 5 : territoire inconnu : commune 99999",
        "phase inconnue « finie »",
        "La fragilité « inconnue » n'existe pas.",
        "Les parts du financement font 70 % au lieu de 100 %.",
        "auteur « personne@exemple.fr » : aucun compte n'a cette adresse",
        "1 erreur(s) : rien n'a été importé",
    ] {
        assert!(out.contains(expected), "« {expected} » in {out}");
    }
    assert!(
        !out.contains("ligne 2 ") && !out.contains("ligne 6 "),
        "{out}"
    );
    assert_eq!(public_cases(&store).await.len(), before, "nothing written");

    std::fs::write(&file, format!("{head}{good}{second}")).unwrap();
    let o = catalyse(&url, &["cases", "import", file.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 case(s) imported"), "{}", text(&o));
    let c = store
        .case_by_slug("navette-vers-les-soins")
        .await
        .unwrap()
        .unwrap();
    assert!(c.is_public() && !c.is_example && !c.is_reference);
    assert_eq!(c.created_by, Some(author.id));
    let f = c.public_fields().unwrap();
    assert_eq!(
        f.results, "=1200 trajets",
        "read back as an export wrote it"
    );
    assert_eq!(f.funding.len(), 2);
    assert_eq!(f.actors[0].family, "collectivites-territoriales");
    assert_eq!(public_cases(&store).await.len(), before + 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The public needs of the store.
async fn public_needs(store: &Arc<dyn Store>) -> Vec<catalyse_core::needs::Need> {
    store.published_needs(0, 10_000).await.unwrap()
}

both_databases!(
    needs_generate_and_import_all_or_nothing,
    needs_cli,
    with_url
);
async fn needs_cli(store: Arc<dyn Store>, url: String) {
    use catalyse_core::needs::{NeedOrigin, NeedStatus};
    let o = catalyse(&url, &["needs", "generate", "--count", "40"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("40 example need(s) added"),
        "{}",
        text(&o)
    );
    let all = public_needs(&store).await;
    assert_eq!(all.len(), 40);
    assert!(all
        .iter()
        .all(|n| n.is_example && n.origin == NeedOrigin::Exemple));
    // On the real geography, they go to the 18 régions in turn, overseas included.
    let territories = store.territories().await.unwrap();
    let regions: std::collections::BTreeSet<String> = all
        .iter()
        .map(|n| {
            let at = &n.public_fields().unwrap().territory;
            let t = territories
                .iter()
                .find(|t| t.level == at.level && t.code == at.code)
                .unwrap();
            t.region.clone().unwrap_or(t.code.clone())
        })
        .collect();
    assert_eq!(regions.len(), 18, "spread: {regions:?}");
    for overseas in ["01", "02", "03", "04", "06"] {
        assert!(regions.contains(overseas), "{overseas} in {regions:?}");
    }

    let author = autrice(&store).await;
    let dir = scratch(&url, "needs");
    let file = dir.join("besoins.csv");
    let head = "titre,description,territoire,structure,famille_auteur,fragilite,leviers,familles,activites,echeance,statut,auteur,email_contact\n";
    let good = "Un transport vers les soins,\"Des habitants sans voiture manquent leurs rendez-vous.\n\nNous cherchons des partenaires.\",commune:42218,Centre social,associations,mobilite,apprendre-a-faire-alliance,entreprises,mettre-en-relation,6-mois,,Autrice@Exemple.fr,\n";
    let second = "Un tiers-lieu,Un lieu pour travailler et se retrouver dans le bourg.,departement:69,,,isolement,,,lieu-d-echanges-convivial,,en-relation,,elu@mairie.fr\n";
    let third = "Une épicerie solidaire,Une épicerie où chacun paie selon ses moyens.,epci:200046977,,,precarite,definir-sa-strategie,,,,,,\n";
    std::fs::write(
        &file,
        format!("{head}{good}Court,court,commune:99999,,,inconnue,,,,demain,,personne@exemple.fr,\n{second}{third}"),
    )
    .unwrap();
    let o = catalyse(&url, &["needs", "import", file.to_str().unwrap()], "");
    assert!(!o.status.success());
    let out = text(&o);
    for expected in [
        "ligne 5 : territoire inconnu : commune 99999",
        "échéance inconnue « demain »",
        "au moins 20 caractères",
        "La fragilité « inconnue » n'existe pas.",
        "au moins un levier, une famille d'acteurs ou une activité",
        "auteur « personne@exemple.fr » : aucun compte n'a cette adresse",
        "1 erreur(s) : rien n'a été importé",
    ] {
        assert!(out.contains(expected), "« {expected} » in {out}");
    }
    assert!(
        !out.contains("ligne 2 ") && !out.contains("ligne 6 ") && !out.contains("ligne 7 "),
        "{out}"
    );
    assert_eq!(public_needs(&store).await.len(), 40, "nothing written");

    std::fs::write(&file, format!("{head}{good}{second}{third}")).unwrap();
    let o = catalyse(&url, &["needs", "import", file.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("3 need(s) imported"), "{}", text(&o));
    let n = store
        .need_by_slug("un-transport-vers-les-soins")
        .await
        .unwrap()
        .unwrap();
    assert!(n.is_public() && !n.is_example && n.origin == NeedOrigin::Import);
    assert_eq!(
        (n.author_id, n.status),
        (Some(author.id), NeedStatus::Ouvert)
    );
    let f = n.public_fields().unwrap();
    assert_eq!(f.organisation, "Centre social");
    assert!(f.description.contains("\n\nNous cherchons"));
    let t = store.need_by_slug("un-tiers-lieu").await.unwrap().unwrap();
    assert_eq!(t.author_email.as_deref(), Some("elu@mairie.fr"));
    assert_eq!(t.status, NeedStatus::EnRelation);
    assert_eq!(t.trail.len(), 1);
    assert_eq!(t.public_fields().unwrap().territory.code, "69");
    let e = store
        .need_by_slug("une-epicerie-solidaire")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((e.author_id, e.author_email.as_deref()), (None, None));
    assert_eq!(public_needs(&store).await.len(), 43);
    let _ = std::fs::remove_dir_all(&dir);
}
