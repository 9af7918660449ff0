//! `catalyse backup` and `catalyse restore`, run as an operator would: a round trip on SQLite
//! and on PostgreSQL (and from one to the other), and refusals that change nothing.

use catalyse_core::network::{ProfileFields, Visibility};
use catalyse_core::resource::{Nature, ResourceFields, ResourceState, StoredFile};
use catalyse_core::{Email, Role};
use catalyse_store::testing::{self, TestStore};
use catalyse_store::{NewRegistration, NewUser};
use catalyse_web::config::Secret;
use catalyse_web::Config;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

#[path = "../../catalyse-store/tests/it/fixtures.rs"]
mod fixtures;

/// A word no shipped document contains, to find the uploaded resource by search.
const WORD: &str = "zorglubienne";

fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "catalyse_backup_{tag}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A platform: a database and its data directory.
struct Site {
    db: TestStore,
    dir: PathBuf,
    /// `s3://bucket/prefix`, or `None` for `{dir}/files`.
    files_url: Option<String>,
}

impl Site {
    fn config(&self) -> Config {
        Config {
            database_url: Some(Secret(self.db.url.clone())),
            data_dir: self.dir.clone(),
            demo: false,
            files_url: self.files_url.clone(),
            ..Config::default()
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_catalyse"));
        c.args(["--database-url", &self.db.url, "--data-dir"])
            .arg(&self.dir)
            .env("CATALYSE_LOG", "warn")
            .env("RUST_BACKTRACE", "0")
            .env_remove("CATALYSE_DATABASE_URL")
            .env_remove("CATALYSE_DATA_DIR")
            .env_remove("CATALYSE_FILES_URL")
            .stdin(Stdio::null());
        if let Some(url) = &self.files_url {
            c.env("CATALYSE_FILES_URL", url);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command()
            .args(["--bind", "127.0.0.1:1"])
            .args(args)
            .output()
            .expect("run catalyse")
    }

    /// Starts the server on a free port; returns it and its address.
    fn serve(&self) -> (Server, String) {
        let mut child = self
            .command()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start catalyse");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .rsplit("http://")
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        assert!(addr.starts_with("127.0.0.1:"), "server said « {line} »");
        (Server(child), addr)
    }

    async fn finish(self) {
        self.db.finish().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running server, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A plain HTTP/1.0 GET: the status line and the body.
fn get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

async fn sqlite_site() -> Option<Site> {
    Some(Site {
        db: testing::sqlite().await.expect("sqlite store"),
        dir: temp_dir("sqlite"),
        files_url: None,
    })
}

async fn postgres_site(test: &str) -> Option<Site> {
    Some(Site {
        db: testing::postgres(test).await.expect("postgres store")?,
        dir: temp_dir("postgres"),
        files_url: None,
    })
}

/// What the round trip checks came back.
struct Made {
    resource_id: i64,
    /// The event Camille registered for (the demo's start may add earlier ones).
    event_id: i64,
    document: Vec<u8>,
    photo: Vec<u8>,
}

/// Fills a platform with one of everything: accounts, a resource with its uploaded document,
/// a published profile with a photo, a registration, a setting, a dataset.
async fn make_content(site: &Site) -> Made {
    let state = catalyse_web::prepare(site.config()).await.expect("prepare");
    let store = state.store.clone();
    let now = chrono::Utc::now();
    let user = |email: &str, role| NewUser {
        email: Email::parse(email).unwrap(),
        display_name: email.split('@').next().unwrap().into(),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        is_example: false,
        email_verified: true,
    };
    let admin = store
        .create_user(&user("admin@exemple.fr", Role::Admin), now)
        .await
        .unwrap();
    let camille = store
        .create_user(&user("camille@exemple.fr", Role::Member), now)
        .await
        .unwrap();

    let document = format!("%PDF-1.7\n% Guide {WORD} de la coopération\n%%EOF\n").into_bytes();
    let sha = state.files.put(document.clone().into()).await.unwrap();
    let resource = store
        .create_resource(
            &ResourceFields {
                summary: "Un guide pour essayer la sauvegarde.".into(),
                body: "Des **pratiques** éprouvées.".into(),
                levers: vec![state.reference.levers[0].slug.clone()],
                themes: vec!["coopération".into()],
                authors: vec!["Le RAMEAU".into()],
                ..fixtures::resource_fields(
                    "guide-cooperation",
                    &format!("Guide {WORD} de la coopération territoriale"),
                    Nature::Methode,
                )
            },
            ResourceState::Published,
            Some(&StoredFile {
                sha256: sha,
                name: "guide.pdf".into(),
                content_type: "application/pdf".into(),
                size: document.len() as i64,
            }),
            Some(admin.id),
            now,
        )
        .await
        .unwrap();

    let photo = b"\xff\xd8\xff\xe0\0\x10JFIF\0 une photo de Camille".to_vec();
    let photo_sha = state.files.put(photo.clone().into()).await.unwrap();
    let fields = ProfileFields {
        display_name: "Camille Dupont".into(),
        organisation: "Mairie de Paris".into(),
        actor_family: "collectivites-territoriales".into(),
        role: "chargée de mission".into(),
        territories: vec![fixtures::commune("75056")],
        activities: vec![],
        levers: vec![],
        themes: vec!["mobilités".into()],
        bio: "Elle fait coopérer les acteurs.".into(),
        links: vec![],
        photo: Some(photo_sha.clone()),
    };
    let submitted = store
        .submit_profile(camille.id, &fields, Visibility::Public, Some(now), now)
        .await
        .unwrap();
    store
        .decide_profile(
            camille.id,
            submitted.moderated.revision,
            true,
            "",
            Some(admin.id),
            now,
        )
        .await
        .unwrap();

    // A case study whose image is the same file: both keep it.
    let mut case = fixtures::case_fields("Mobilité partagée");
    case.images.push(catalyse_core::cases::CaseImage {
        file: photo_sha,
        alt: "Camille devant le minibus".into(),
    });
    let case = store
        .submit_case(None, camille.id, &case, now)
        .await
        .unwrap();
    store
        .decide_case(case.id, 1, true, "", Some(admin.id), now)
        .await
        .unwrap();

    // A need with its trail and an offer of help; a member who will not be suggested.
    let need = store
        .submit_need(
            None,
            camille.id,
            &fixtures::need_fields("Un minibus pour le marché"),
            catalyse_core::needs::NeedOrigin::Formulaire,
            now,
        )
        .await
        .unwrap();
    store
        .decide_need(need.id, 1, true, "", Some(admin.id), now)
        .await
        .unwrap();
    store
        .record_need_contact(
            need.id,
            admin.id,
            Some(camille.id),
            catalyse_store::NeedContactKind::Offer,
            now,
        )
        .await
        .unwrap();
    store.set_suggestible(camille.id, false).await.unwrap();

    let event = store
        .events(None, None, None, None)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the shipped events");
    store
        .register(
            event.id,
            &NewRegistration {
                user_id: Some(camille.id),
                name: "Camille Dupont".into(),
                email: "camille@exemple.fr".into(),
                organisation: "Mairie de Paris".into(),
                territory: "Paris".into(),
                token_hash: "ab".repeat(32),
                pending: false,
            },
            now,
        )
        .await
        .unwrap();
    store
        .add_need_draft(
            Some(camille.id),
            "camille@exemple.fr",
            Some(event.id),
            "Un minibus",
            now,
        )
        .await
        .unwrap();
    store
        .set_setting("sauvegarde_essai", "valeur « accentuée »")
        .await
        .unwrap();
    let upload = catalyse_web::observatory::import::DatasetUpload {
        slug: "emploi".into(),
        title: "Emploi local".into(),
        description: String::new(),
        is_example: false,
        text: "territory_level,territory_code,indicator,value,unit,year,source,licence\n\
               commune,01001,Emplois,10.25,nombre,2020,INSEE,LO\n",
    };
    catalyse_web::observatory::import::import_dataset(&state, upload)
        .await
        .unwrap();
    catalyse_web::resources::index::reindex(&state)
        .await
        .unwrap();
    catalyse_web::network::live::start(&state).await.unwrap();
    state.store.close().await;
    Made {
        resource_id: resource.id,
        event_id: event.id,
        document,
        photo,
    }
}

/// Every table of a database, rows sorted (engines return them in their own order).
async fn tables_of(url: &str) -> BTreeMap<String, Vec<String>> {
    let dir = temp_dir("dump");
    let dump = catalyse_store::backup::dump(url, &dir).await.unwrap();
    let tables = read_tables(&dir, dump.tables.iter().map(|t| t.name.clone()));
    let _ = std::fs::remove_dir_all(&dir);
    tables
}

fn read_tables(dir: &Path, names: impl Iterator<Item = String>) -> BTreeMap<String, Vec<String>> {
    names
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(format!("{name}.jsonl"))).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines.sort();
            (name, lines)
        })
        .collect()
}

/// The tables as the archive holds them.
fn tables_in_archive(archive: &Path) -> BTreeMap<String, Vec<String>> {
    let dir = temp_dir("archive");
    let file = std::fs::File::open(archive).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(&dir)
        .unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let names = manifest["database"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string());
    let tables = read_tables(&dir.join("database"), names);
    let _ = std::fs::remove_dir_all(&dir);
    tables
}

/// Every stored file of a platform (local or S3), by name.
async fn files_of(site: &Site) -> BTreeMap<String, Vec<u8>> {
    let files = catalyse_web::files::FileStore::from_config(&site.config()).unwrap();
    let mut out = BTreeMap::new();
    for name in files.list().await.unwrap() {
        let bytes = files.get(&name).await.unwrap().unwrap();
        out.insert(name, bytes.to_vec());
    }
    out
}

async fn round_trip(source: Site, target: Site) {
    let made = make_content(&source).await;
    let archive = source.dir.join("sauvegarde.tar.gz");

    // The backup is taken while the server runs.
    let (server, addr) = source.serve();
    let o = source.run(&["backup", archive.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("backup written"), "{}", text(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "personal data: readable by the owner only"
        );
    }
    assert!(get(&addr, "/healthz").starts_with("HTTP/1.0 200"));
    drop(server);
    // (The server's start may have added the demonstration's content: counted after it.)
    let published = source
        .db
        .store
        .resources(Some(ResourceState::Published))
        .await
        .unwrap()
        .len();

    // Restored into a new database and an empty data directory.
    let o = target.run(&["restore", archive.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("search index: {published} published")),
        "{published} published: {}",
        text(&o)
    );

    // Every row of every table came back.
    let archived = tables_in_archive(&archive);
    let restored = tables_of(&target.db.url).await;
    assert_eq!(
        archived.keys().collect::<Vec<_>>(),
        restored.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &archived {
        assert_eq!(rows, &restored[table], "table {table}");
    }
    for table in [
        "users",
        "resources",
        "members",
        "registrations",
        "settings",
        "cases",
        "case_files",
        "needs",
        "need_events",
        "need_contacts",
        "need_drafts",
    ] {
        assert!(!restored[table].is_empty(), "{table} is empty");
    }

    // Through the domain too.
    let store = &target.db.store;
    let camille = store
        .user_by_email(&Email::parse("camille@exemple.fr").unwrap())
        .await
        .unwrap()
        .expect("the member");
    let profile = store.profile(camille.id).await.unwrap().expect("profile");
    assert_eq!(store.unsuggestible_users().await.unwrap(), [camille.id]);
    let photo_sha = profile.moderated.published.unwrap().photo.expect("photo");
    let resource = store
        .resource(made.resource_id)
        .await
        .unwrap()
        .expect("the resource");
    let doc_sha = resource.file.expect("its file").sha256;
    assert_eq!(
        store.setting("sauvegarde_essai").await.unwrap().as_deref(),
        Some("valeur « accentuée »")
    );
    let registrations = store.registrations(made.event_id).await.unwrap();
    assert_eq!(registrations.len(), 1);
    assert_eq!(registrations[0].email, "camille@exemple.fr");

    // The files, byte for byte.
    let files = files_of(&target).await;
    assert_eq!(files, files_of(&source).await);
    assert_eq!(files[&doc_sha], made.document);
    assert_eq!(files[&photo_sha], made.photo);
    // The issuer's keys too: credentials signed before verify after the restore.
    let key = |site: &Site| std::fs::read(site.dir.join("badges/keys/0001.pk8")).ok();
    assert!(
        key(&source).is_some(),
        "the source's first start made a key"
    );
    assert_eq!(key(&target), key(&source));

    // After a restart, search finds the resource and the directory lists the member; the
    // document downloads.
    let (_server, addr) = target.serve();
    let found = get(&addr, &format!("/api/v1/resources?q={WORD}"));
    assert!(found.contains("\"guide-cooperation\""), "{found}");
    let members = get(&addr, "/api/v1/members?q=Dupont");
    assert!(members.contains("Camille Dupont"), "{members}");
    drop(_server);

    // A second restore onto this content asks for --yes, then replaces it; an id given in
    // the meantime is not given again to something else.
    let newcomer = |email: &str| NewUser {
        email: Email::parse(email).unwrap(),
        display_name: "Dominique".into(),
        role: Role::Member,
        password_hash: "x".into(),
        is_example: false,
        email_verified: true,
    };
    let lost = store
        .create_user(&newcomer("perdue@exemple.fr"), chrono::Utc::now())
        .await
        .unwrap();
    let o = target.run(&["restore", archive.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--yes"), "{}", text(&o));
    assert!(text(&o).contains("users: 3 row(s)"), "{}", text(&o));
    let o = target.run(&["restore", "--yes", archive.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(tables_of(&target.db.url).await, restored);
    let after = store
        .create_user(&newcomer("nouvelle@exemple.fr"), chrono::Utc::now())
        .await
        .unwrap();
    assert!(after.id > lost.id, "id {} given twice", after.id);

    source.finish().await;
    target.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_on_sqlite() {
    round_trip(sqlite_site().await.unwrap(), sqlite_site().await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_on_postgres() {
    let Some(source) = postgres_site("round_trip_on_postgres").await else {
        return;
    };
    let target = postgres_site("round_trip_on_postgres").await.unwrap();
    round_trip(source, target).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_restores_into_postgres() {
    let Some(target) = postgres_site("sqlite_backup_restores_into_postgres").await else {
        return;
    };
    round_trip(sqlite_site().await.unwrap(), target).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_restores_into_sqlite() {
    let Some(source) = postgres_site("postgres_backup_restores_into_sqlite").await else {
        return;
    };
    round_trip(source, sqlite_site().await.unwrap()).await;
}

/// The files move from a local data directory to an S3-compatible bucket (and the restore
/// empties nothing it should not): run when `CATALYSE_TEST_S3_URL` names a bucket, with the
/// usual `AWS_*` variables, as `.ci/run` sets them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_with_files_in_s3() {
    let Ok(bucket) = std::env::var("CATALYSE_TEST_S3_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but CATALYSE_TEST_S3_URL is not set: .ci/run must start the S3 server"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIP S3 half of round_trip_with_files_in_s3: CATALYSE_TEST_S3_URL is not set"
        );
        return;
    };
    let mut target = sqlite_site().await.unwrap();
    target.files_url = Some(format!(
        "{}/backup-{}-{}",
        bucket.trim_end_matches('/'),
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    round_trip(sqlite_site().await.unwrap(), target).await;
}

/// Rewrites an archive through `edit(path, bytes)`, which may change or drop each entry.
fn rewrite(archive: &Path, out: &Path, mut edit: impl FnMut(&str, Vec<u8>) -> Option<Vec<u8>>) {
    let file = std::fs::File::open(archive).unwrap();
    let mut input = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(out).unwrap(),
        flate2::Compression::fast(),
    );
    let mut output = tar::Builder::new(gz);
    for entry in input.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = vec![];
        entry.read_to_end(&mut bytes).unwrap();
        if let Some(bytes) = edit(&path, bytes) {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            output.append_data(&mut header, &path, &bytes[..]).unwrap();
        }
    }
    output.into_inner().unwrap().finish().unwrap();
}

fn edit_manifest(bytes: Vec<u8>, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    edit(&mut m);
    serde_json::to_vec(&m).unwrap()
}

async fn refusals(site: Site) {
    let made = make_content(&site).await;
    let scratch = temp_dir("refusals");
    let good = scratch.join("good.tar.gz");
    let o = site.run(&["backup", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let before_tables = tables_of(&site.db.url).await;
    let before_files = files_of(&site).await;
    let before_dir: Vec<_> = std::fs::read_dir(&site.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();

    let junk = scratch.join("junk.tar.gz");
    std::fs::write(&junk, b"%PDF-1.7 not an archive").unwrap();
    let truncated = scratch.join("truncated.tar.gz");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let foreign = scratch.join("foreign.tar.gz");
    rewrite(&good, &foreign, |path, b| {
        (path != "manifest.json").then_some(b)
    });
    let newer_format = scratch.join("newer-format.tar.gz");
    rewrite(&good, &newer_format, |path, b| {
        Some(if path == "manifest.json" {
            edit_manifest(b, |m| m["format_version"] = 99.into())
        } else {
            b
        })
    });
    let newer_schema = scratch.join("newer-schema.tar.gz");
    rewrite(&good, &newer_schema, |path, b| {
        Some(if path == "manifest.json" {
            edit_manifest(b, |m| {
                m["database"]["migrations"]
                    .as_array_mut()
                    .unwrap()
                    .push(99_999.into());
                m["database"]["schema_version"] = 99_999.into();
            })
        } else {
            b
        })
    });
    let tampered = scratch.join("tampered.tar.gz");
    rewrite(&good, &tampered, |path, mut b| {
        if path == "database/users.jsonl" {
            b.extend_from_slice(b"[]\n");
        }
        Some(b)
    });
    // A row the database refuses (a user twice; checksums made to match): the transaction
    // that had already dropped the tables rolls back.
    let bad_row = scratch.join("bad-row.tar.gz");
    let mut bad_users = vec![];
    rewrite(&good, &scratch.join("unused.tar.gz"), |path, b| {
        if path == "database/users.jsonl" {
            let first = b.split(|c| *c == b'\n').next().unwrap().to_vec();
            bad_users = b.clone();
            bad_users.extend_from_slice(&first);
            bad_users.push(b'\n');
        }
        Some(b)
    });
    let digest = sha256_hex(&bad_users);
    rewrite(&good, &bad_row, |path, b| match path {
        "manifest.json" => Some(edit_manifest(b, |m| {
            for e in m["entries"].as_array_mut().unwrap() {
                if e["path"] == "database/users.jsonl" {
                    e["sha256"] = digest.clone().into();
                    e["size"] = bad_users.len().into();
                }
            }
            for t in m["database"]["tables"].as_array_mut().unwrap() {
                if t["name"] == "users" {
                    t["rows"] = (t["rows"].as_u64().unwrap() + 1).into();
                }
            }
        })),
        "database/users.jsonl" => Some(bad_users.clone()),
        _ => Some(b),
    });

    for (file, expected) in [
        (&junk, "is not a Catalyse backup"),
        (&foreign, "does not begin with manifest.json"),
        (&truncated, "is damaged"),
        (&newer_format, "newer Catalyse"),
        (&newer_schema, "newer Catalyse"),
        (&tampered, "does not match the checksum"),
        (&bad_row, "left as it was"),
    ] {
        let o = site.run(&["restore", "--yes", file.to_str().unwrap()]);
        assert!(!o.status.success(), "{} was restored", file.display());
        assert!(
            text(&o).contains(expected),
            "{}: {}",
            file.display(),
            text(&o)
        );
        assert_eq!(
            tables_of(&site.db.url).await,
            before_tables,
            "{}",
            file.display()
        );
        assert_eq!(files_of(&site).await, before_files, "{}", file.display());
        let after_dir: Vec<_> = std::fs::read_dir(&site.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(after_dir, before_dir, "leftovers in the data directory");
    }
    assert!(site
        .db
        .store
        .resource(made.resource_id)
        .await
        .unwrap()
        .is_some());

    // Into an empty platform, the files put before the database was refused are taken back.
    let empty = sqlite_site().await.unwrap();
    let o = empty.run(&["restore", bad_row.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o).contains("left as it was"), "{}", text(&o));
    assert!(files_of(&empty).await.is_empty());
    assert!(catalyse_store::backup::content(&empty.db.url)
        .await
        .unwrap()
        .is_empty());
    empty.finish().await;
    let _ = std::fs::remove_dir_all(&scratch);
    site.finish().await;
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_foreign_damaged_and_newer_archives_on_sqlite() {
    refusals(sqlite_site().await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_foreign_damaged_and_newer_archives_on_postgres() {
    if let Some(site) =
        postgres_site("restore_refuses_foreign_damaged_and_newer_archives_on_postgres").await
    {
        refusals(site).await;
    }
}
