use super::catalog::{in_dependency_order, Kind, Table};
use super::dump::float_value;
use super::restore::{cell, Cell};
use super::{check_compatible, known_migrations, DatabaseDump};
use crate::Backend;
use std::collections::BTreeMap;

fn table(name: &str, parents: &[&str]) -> Table {
    Table {
        name: name.into(),
        columns: vec![],
        parents: parents.iter().map(|p| p.to_string()).collect(),
        serial: None,
    }
}

#[test]
fn parents_come_first() {
    let order: Vec<String> = in_dependency_order(vec![
        table("registrations", &["events", "users"]),
        table("audit_log", &["users"]),
        table("users", &[]),
        table("events", &["event_series"]),
        table("event_series", &[]),
    ])
    .into_iter()
    .map(|t| t.name)
    .collect();
    assert_eq!(
        order,
        [
            "event_series",
            "events",
            "users",
            "audit_log",
            "registrations"
        ]
    );
}

#[test]
fn values_round_trip_through_json() {
    for x in [1.5, -0.1, f64::INFINITY, f64::NEG_INFINITY] {
        let v = float_value(x);
        let Cell::Float(Some(back)) = cell(&v, Kind::Float, "t", "c").unwrap() else {
            panic!("not a float");
        };
        assert_eq!(back, x);
    }
    let Cell::Float(Some(nan)) = cell(&float_value(f64::NAN), Kind::Float, "t", "c").unwrap()
    else {
        panic!("not a float");
    };
    assert!(nan.is_nan());
    // SQLite's booleans are integers; PostgreSQL's are booleans: both load either way.
    assert!(matches!(
        cell(&serde_json::json!(1), Kind::Bool, "t", "c").unwrap(),
        Cell::Bool(Some(true))
    ));
    assert!(matches!(
        cell(&serde_json::json!(true), Kind::Int, "t", "c").unwrap(),
        Cell::Int(Some(1))
    ));
    assert!(cell(&serde_json::json!("x"), Kind::Int, "t", "c").is_err());
    assert!(cell(&serde_json::json!(1i64 << 40), Kind::Int32, "t", "c").is_err());
    assert!(matches!(
        cell(&serde_json::json!("2019-03-21"), Kind::Date, "t", "c").unwrap(),
        Cell::Date(Some(_))
    ));
}

#[test]
fn newer_backups_are_refused() {
    let known = known_migrations(Backend::Sqlite);
    let mut dump = DatabaseDump {
        backend: "sqlite".into(),
        schema_version: *known.last().unwrap(),
        migrations: known.clone(),
        tables: vec![],
        sequences: BTreeMap::new(),
    };
    assert!(check_compatible(&dump, Backend::Postgres).is_ok());
    dump.migrations.push(99_999);
    dump.schema_version = 99_999;
    let e = check_compatible(&dump, Backend::Sqlite).unwrap_err();
    assert!(e.contains("newer Catalyse"), "{e}");
    // An older one loads (the newer migrations run after it).
    dump.migrations = known[..1].to_vec();
    dump.schema_version = known[0];
    assert!(check_compatible(&dump, Backend::Sqlite).is_ok());
}
