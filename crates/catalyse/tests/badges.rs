//! `catalyse badges …` run as an operator would, on SQLite and on PostgreSQL: a manual award
//! (and its refusals), a revocation, the list, and a key rotation from the key folder and
//! from `CATALYSE_BADGES_KEYS`.

use catalyse_core::badges::{AchievementFields, Rule, RuleKind};
use catalyse_core::{Email, Role};
use catalyse_store::{both_databases, NewUser, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

/// Runs `catalyse ARGS` on the database of `url` and the data folder `dir`.
fn catalyse(url: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_catalyse"))
        .args(["--database-url", url, "--data-dir"])
        .arg(dir)
        .args(["--bind", "127.0.0.1:18999"])
        .args(args)
        .env("CATALYSE_LOG", "warn")
        .env_remove("CATALYSE_DATABASE_URL")
        .env_remove("CATALYSE_BADGES_KEYS")
        .env_remove("CATALYSE_PUBLIC_URL")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run catalyse")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn hex_bytes(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

fn temp_dir(url: &str) -> PathBuf {
    let tag: u32 = url
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let dir =
        std::env::temp_dir().join(format!("catalyse_badges_cli_{}_{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

both_databases!(badges_award_revoke_list_and_rotate, cli, with_url);
async fn cli(store: Arc<dyn Store>, url: String) {
    let dir = temp_dir(&url);
    let run = |args: &[&str]| catalyse(&url, &dir, args, &[]);
    let camille = store
        .create_user(
            &NewUser {
                email: Email::parse("camille@exemple.fr").unwrap(),
                display_name: "Camille".into(),
                role: Role::Member,
                password_hash: "x".into(),
                is_example: false,
                email_verified: true,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let fields = AchievementFields {
        name: "Accueil des nouveaux catalyseurs".into(),
        description: "A accueilli une cohorte.".into(),
        criteria: "Avoir accueilli une cohorte.".into(),
        rule: Rule {
            kind: RuleKind::Manual,
            target: None,
        },
        levers: vec![],
        activities: vec![],
        tags: vec![],
    };
    store
        .create_achievement("accueil-cli", &fields, camille.id, chrono::Utc::now())
        .await
        .unwrap();
    let award = |email: &str, slug: &str, public: bool| {
        let mut args = vec![
            "badges",
            "award",
            "--email",
            email,
            "--achievement",
            slug,
            "--reason",
            "Accueil de la cohorte de mars",
        ];
        if public {
            args.push("--public");
        }
        run(&args)
    };

    let o = run(&["badges", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 credential(s)"));

    // Refusals say why, in English, and issue nothing.
    let o = award("personne@exemple.fr", "accueil-cli", false);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no account for personne@exemple.fr"),
        "{}",
        text(&o)
    );
    let o = award("camille@exemple.fr", "inconnu", false);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no achievement « inconnu »"),
        "{}",
        text(&o)
    );
    let o = run(&[
        "badges",
        "award",
        "--email",
        "camille@exemple.fr",
        "--achievement",
        "accueil-cli",
        "--reason",
        " ",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--reason"));
    assert!(store.credentials_of(camille.id).await.unwrap().is_empty());

    // The award: the id alone on standard output.
    let o = award("camille@exemple.fr", "accueil-cli", false);
    assert!(o.status.success(), "{}", text(&o));
    let id = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let c = store.credential(&id).await.unwrap().expect("issued");
    assert_eq!(c.user_id, Some(camille.id));
    assert_eq!(c.issued_by, None);
    assert_eq!(c.reason.as_deref(), Some("Accueil de la cohorte de mars"));
    assert!(!c.public);
    assert!(String::from_utf8_lossy(&o.stderr).contains("/credentials/"));
    // The earner is told (no SMTP here: the outbox).
    assert_eq!(std::fs::read_dir(dir.join("outbox")).unwrap().count(), 1);
    let o = award("camille@exemple.fr", "accueil-cli", true);
    assert!(!o.status.success());
    assert!(text(&o).contains("already holds"), "{}", text(&o));

    // Revocation, once.
    let o = run(&["badges", "revoke", &id, "--reason", "Attribué par erreur"]);
    assert!(o.status.success(), "{}", text(&o));
    let c = store.credential(&id).await.unwrap().unwrap();
    assert_eq!(c.revoked_reason.as_deref(), Some("Attribué par erreur"));
    let revoked = store.revoked_indexes(c.status_list).await.unwrap();
    assert_eq!(revoked, vec![c.status_index]);
    let o = run(&["badges", "revoke", &id, "--reason", "Encore"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("already revoked"));
    let o = run(&[
        "badges",
        "revoke",
        "00000000-0000-4000-8000-000000000000",
        "--reason",
        "x",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("no credential"));

    // Awarded again by hand after a revocation, public at once.
    let o = award("camille@exemple.fr", "accueil-cli", true);
    assert!(o.status.success(), "{}", text(&o));
    let second = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(store.credential(&second).await.unwrap().unwrap().public);

    let o = run(&["badges", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains(&format!("{second}\t")) && out.contains("\tpublic"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{id}\t")) && out.contains("\trevoked"),
        "{out}"
    );
    assert!(out.contains("camille@exemple.fr") && out.contains("2 credential(s)"));
    let o = run(&["badges", "list", "--email", "Camille@Exemple.fr"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 credential(s)"));
    let o = run(&["badges", "list", "--email", "personne@exemple.fr"]);
    assert!(!o.status.success());

    // Rotation from the key folder: a second file, the first kept.
    let o = run(&["badges", "rotate-key"]);
    assert!(o.status.success(), "{}", text(&o));
    let keys = dir.join("badges").join("keys");
    assert!(
        text(&o).contains(&keys.join("0002.pk8").display().to_string()),
        "{}",
        text(&o)
    );
    assert!(keys.join("0001.pk8").exists());
    // From the configuration: the key to append, and nothing written.
    let mut pkcs8 = hex_bytes("302e020100300506032b657004220420");
    pkcs8.extend(1..=32u8);
    let configured = catalyse_core::badges::jws::b64url(&pkcs8);
    let env = [("CATALYSE_BADGES_KEYS", configured.as_str())];
    let o = catalyse(&url, &dir, &["badges", "rotate-key"], &env);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains("CATALYSE_BADGES_KEYS") && out.contains("restart"),
        "{out}"
    );
    let appended = out.lines().last().unwrap();
    let der = catalyse_core::badges::jws::b64url_decode(appended).expect("base64url");
    assert!(
        catalyse_core::badges::SigningKey::from_pkcs8(&der).is_ok(),
        "{out}"
    );
    assert_eq!(std::fs::read_dir(&keys).unwrap().count(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}
