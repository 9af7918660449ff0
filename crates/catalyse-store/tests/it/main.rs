//! The storage conformance suite: every behaviour runs on SQLite, and on PostgreSQL when
//! `CATALYSE_TEST_POSTGRES_URL` is set (each test in a fresh schema). A PostgreSQL run that is
//! skipped says so on stderr.

mod accounts;
mod badges;
mod cases;
mod diagnostics;
mod events;
mod fixtures;
mod formation;
mod locking;
mod migration;
mod moderators;
mod needs;
mod needs_sources;
mod network;
mod observatory;
mod parcours;
mod rate_limits;
mod reference;
mod resources;
use catalyse_core::territory::Geography;
use catalyse_core::{Email, Role};
use catalyse_store::testing;
use catalyse_store::NewUser;
use std::sync::OnceLock;

pub(crate) fn geography() -> &'static Geography {
    static G: OnceLock<Geography> = OnceLock::new();
    G.get_or_init(|| Geography::shipped().expect("shipped geography"))
}

pub(crate) fn small_geography(extra: &str) -> Geography {
    let tsv = format!(
        "level\tcode\tname\tregion\tdepartment\tepci\tpopulation\tpostcodes\tlat\tlon\n\
         region\t84\tAuvergne-Rhône-Alpes\t\t\t\t8000000\t\t\t\n\
         department\t01\tAin\t84\t\t\t650000\t\t\t\n\
         commune\t01001\tL'Abergement-Clémenciat\t84\t01\t200069193\t800\t01400\t46.15\t4.92\n\
         commune\t01053\tBourg-en-Bresse\t84\t01\t200071751\t41000\t01000\t46.2\t5.22\n{extra}"
    );
    Geography::from_tsv(&tsv).unwrap()
}

pub(crate) fn user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: Email::parse(email).unwrap(),
        display_name: email.split('@').next().unwrap().to_string(),
        role,
        password_hash: "$argon2id$fake".into(),
        is_example: false,
        email_verified: true,
    }
}

#[tokio::test]
async fn unknown_database_urls_are_refused() {
    let err = catalyse_store::connect("mysql://x", &Default::default())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("sqlite://"));
    let _ = testing::POSTGRES_URL_VAR;
}
