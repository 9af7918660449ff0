//! Rules and shipped definitions.

use std::collections::{BTreeSet, HashSet};

use super::super::{shipped_checksum, Facts, Rule, RuleKind};
use super::{defs, frame};

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rule(kind: RuleKind, target: Option<&str>) -> Rule {
    Rule {
        kind,
        target: target.map(str::to_string),
    }
}

#[test]
fn rules_table() {
    let all: Vec<String> = frame().levers.iter().map(|l| l.slug.clone()).collect();
    let every_lever = Facts {
        levers: all.iter().cloned().collect(),
        ..Facts::default()
    };
    let six_levers = Facts {
        levers: all[..6].iter().cloned().collect(),
        ..Facts::default()
    };
    let some = Facts {
        levers: set(&["definir-sa-strategie"]),
        modules: set(&["sept-leviers"]),
        cohorts: set(&["pilote-2025"]),
    };
    let none = Facts::default();
    use RuleKind::*;
    let table: Vec<(Rule, &Facts, bool)> = vec![
        (
            rule(LeverWebinar, Some("definir-sa-strategie")),
            &some,
            true,
        ),
        (
            rule(LeverWebinar, Some("evaluer-sa-pertinence")),
            &some,
            false,
        ),
        (rule(LeverWebinar, None), &every_lever, false),
        (rule(LeverCycle, None), &every_lever, true),
        (rule(LeverCycle, None), &six_levers, false),
        (rule(LeverCycle, None), &none, false),
        (rule(Module, Some("sept-leviers")), &some, true),
        (rule(Module, Some("metier-catalyseur")), &some, false),
        (rule(Module, None), &some, false),
        (rule(Cohort, None), &some, true),
        (rule(Cohort, None), &none, false),
        (rule(Cohort, Some("pilote-2025")), &some, true),
        (rule(Cohort, Some("autre")), &some, false),
        (rule(Activity, Some("fablab")), &some, false),
        (rule(Manual, None), &every_lever, false),
    ];
    for (r, facts, expected) in table {
        assert_eq!(r.met(facts, &all), expected, "{r:?} on {facts:?}");
    }
    // A frame without levers has no cycle to complete.
    assert!(!rule(LeverCycle, None).met(&none, &[]));
}

#[test]
fn automatic_kinds() {
    let auto: Vec<_> = RuleKind::ALL
        .into_iter()
        .filter(|k| k.automatic())
        .collect();
    assert_eq!(
        auto,
        [
            RuleKind::LeverWebinar,
            RuleKind::LeverCycle,
            RuleKind::Module,
            RuleKind::Cohort
        ]
    );
}

#[test]
fn shipped_definitions() {
    let d = defs();
    // 7 webinars, the cycle, 2 modules, the parcours, 16 activities.
    assert_eq!(d.len(), 7 + 1 + 2 + 1 + 16);
    let slugs: HashSet<_> = d.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(slugs.len(), d.len(), "slugs are unique");
    for slug in [
        "webinaire-qualifier-son-innovation",
        "cycle-des-7-leviers",
        "module-sept-leviers",
        "parcours-co-construction-territoriale",
        "activite-fablab",
    ] {
        assert!(slugs.contains(slug), "{slug}");
    }
    let (_, cycle) = d.iter().find(|(s, _)| s == "cycle-des-7-leviers").unwrap();
    assert_eq!(cycle.rule.kind, RuleKind::LeverCycle);
    assert_eq!(cycle.levers.len(), 7);
    assert!(cycle.criteria.contains("- Évaluer sa pertinence"));
    let (_, parcours) = d
        .iter()
        .find(|(s, _)| s == "parcours-co-construction-territoriale")
        .unwrap();
    assert_eq!(parcours.rule, rule(RuleKind::Cohort, None));
    let (_, fablab) = d.iter().find(|(s, _)| s == "activite-fablab").unwrap();
    assert_eq!(fablab.rule, rule(RuleKind::Activity, Some("fablab")));
    assert_eq!(fablab.activities, ["fablab"]);
    assert!(fablab.tags.contains(&"métier".to_string()));
    let (_, web) = &d[0];
    assert_eq!(
        web.rule,
        rule(RuleKind::LeverWebinar, Some("qualifier-son-innovation"))
    );
    assert_eq!(web.name, "Webinaire « Qualifier son innovation »");
    assert!(d.iter().all(|(_, f)| !f.name.is_empty()
        && !f.description.is_empty()
        && !f.criteria.is_empty()
        && !f.tags.is_empty()));
}

#[test]
fn shipped_checksum_is_stable_and_sees_changes() {
    let a = shipped_checksum(&defs());
    assert_eq!(a.len(), 64);
    assert_eq!(a, shipped_checksum(&defs()));
    let mut changed = defs();
    changed[3].1.criteria.push('.');
    assert_ne!(a, shipped_checksum(&changed));
}
