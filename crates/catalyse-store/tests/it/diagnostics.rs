//! Autodiagnostics: anonymous contributions counted once and grouped, a member's saved
//! results hers alone and gone with her account.

use crate::user;
use catalyse_core::Role;
use catalyse_store::both_databases as conformance;
use catalyse_store::{ContributionTally, NewContribution, SavedFields, Store};
use chrono::{TimeZone, Utc};
use serde_json::json;
use std::sync::Arc;

fn contribution(hash: &str, department: &str, weak: &[&str], is_example: bool) -> NewContribution {
    NewContribution {
        questionnaire: "capacite-de-co-construction".into(),
        response_hash: hash.into(),
        department: department.into(),
        weak_levers: weak.iter().map(|s| s.to_string()).collect(),
        is_example,
    }
}

conformance!(contributions_count_once_and_are_grouped, contributions);
async fn contributions(store: Arc<dyn Store>) {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 15, 4, 5).unwrap();
    let empty = store.diagnostics_version().await.unwrap();
    assert!(store.diagnostic_tallies().await.unwrap().is_empty());
    let added = store
        .contribute_diagnostics(
            &[
                contribution("h1", "42", &["definir-sa-strategie"], false),
                contribution("h2", "42", &["definir-sa-strategie"], true),
                contribution("h3", "42", &[], false),
                contribution(
                    "h4",
                    "01",
                    &["definir-sa-strategie", "evaluer-sa-pertinence"],
                    false,
                ),
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(added, 4);
    let after = store.diagnostics_version().await.unwrap();
    assert_ne!(after, empty);
    // The same response again: not counted twice, nothing changes.
    let again = store
        .contribute_diagnostics(&[contribution("h1", "01", &[], false)], now)
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(store.diagnostics_version().await.unwrap(), after);
    let tallies = store.diagnostic_tallies().await.unwrap();
    let t = |department: &str, weak: &[&str], count, examples| ContributionTally {
        questionnaire: "capacite-de-co-construction".into(),
        department: department.into(),
        weak_levers: weak.iter().map(|s| s.to_string()).collect(),
        count,
        examples,
    };
    assert_eq!(
        tallies,
        [
            t(
                "01",
                &["definir-sa-strategie", "evaluer-sa-pertinence"],
                1,
                0
            ),
            t("42", &[], 1, 0),
            t("42", &["definir-sa-strategie"], 2, 1),
        ]
    );
}

conformance!(a_saved_diagnostic_is_hers_alone, saved);
async fn saved(store: Arc<dyn Store>) {
    let now = Utc::now();
    let ana = store
        .create_user(&user("ana@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    let bea = store
        .create_user(&user("bea@exemple.fr", Role::Member), now)
        .await
        .unwrap();
    let mut fields = SavedFields {
        id: None,
        questionnaire: "evaluer-un-partenariat".into(),
        response_hash: "r1".into(),
        answers: json!({"formalise": "convention"})
            .as_object()
            .unwrap()
            .clone(),
        department: None,
        finished: false,
    };
    let id = store.save_diagnostic(ana.id, &fields, now).await.unwrap();
    // Saved again (the same response, finished): replaced, same id.
    fields.finished = true;
    fields.department = Some("42".into());
    fields.answers.insert("bilan".into(), json!(3));
    let later = now + chrono::Duration::seconds(5);
    assert_eq!(
        store.save_diagnostic(ana.id, &fields, later).await.unwrap(),
        id
    );
    let mine = store.saved_diagnostics(ana.id).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].answers, fields.answers);
    assert_eq!(
        (mine[0].finished, mine[0].department.as_deref()),
        (true, Some("42"))
    );
    assert_eq!(mine[0].updated_at.timestamp(), later.timestamp());
    // Another's: invisible and untouchable.
    assert_eq!(store.saved_diagnostic(bea.id, id).await.unwrap(), None);
    assert!(store.saved_diagnostics(bea.id).await.unwrap().is_empty());
    assert!(!store.delete_saved_diagnostic(bea.id, id).await.unwrap());
    assert!(store.saved_diagnostic(ana.id, id).await.unwrap().is_some());
    // The same response saved by another member is hers, apart.
    let other = store.save_diagnostic(bea.id, &fields, now).await.unwrap();
    assert_ne!(other, id);
    // Gone with the account.
    assert!(store.delete_account(ana.id, now).await.unwrap());
    assert_eq!(store.saved_diagnostics(ana.id).await.unwrap(), []);
    // Continued by id: hers only.
    let by_id = SavedFields {
        id: Some(other),
        response_hash: "r2".into(),
        ..fields.clone()
    };
    assert_eq!(
        store.save_diagnostic(bea.id, &by_id, now).await.unwrap(),
        other
    );
    let err = store
        .save_diagnostic(ana.id, &by_id, now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, catalyse_store::StoreError::NotFound),
        "{err:?}"
    );
    assert!(store.delete_saved_diagnostic(bea.id, other).await.unwrap());
    assert!(store.saved_diagnostics(bea.id).await.unwrap().is_empty());
}
