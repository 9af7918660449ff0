use super::*;
use crate::agenda::{EventKind, EventStatus};
use chrono::TimeZone;

fn at(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, d, 9, 0, 0).unwrap()
}

fn session(id: i64, day: u32, status: EventStatus) -> Session {
    let mut event = Event::scheduled(
        format!("s{id}"),
        EventKind::TempsCollectif,
        format!("Séance {id}"),
        at(day),
        120,
        at(1),
    );
    event.id = id;
    event.status = status;
    Session {
        step: id as i32,
        event,
    }
}

fn deliverable(id: i64, step: i32, due: Option<u32>) -> Deliverable {
    Deliverable {
        id,
        cohort_id: 1,
        fields: DeliverableFields {
            title: format!("Livrable {id}"),
            description: String::new(),
            step,
            due_on: due.map(|d| NaiveDate::from_ymd_opt(2027, 2, d).unwrap()),
        },
    }
}

#[test]
fn progress_counts_what_was_done_and_lists_what_is_left_in_order() {
    let sessions = [
        session(3, 20, EventStatus::Scheduled),
        session(1, 2, EventStatus::Held),
        session(2, 5, EventStatus::Held),
        session(4, 25, EventStatus::Cancelled),
    ];
    let deliverables = [
        deliverable(10, 2, None),
        deliverable(11, 3, Some(15)),
        deliverable(12, 1, Some(1)),
    ];
    let modules = [
        ("leviers".to_string(), "Les 7 leviers".to_string(), true),
        ("metier".to_string(), "Le métier".to_string(), false),
    ];
    let (p, todo) = progress(&ProgressInput {
        sessions: &sessions,
        attended: &[1],
        deliverables: &deliverables,
        handed_in: &[12],
        modules: &modules,
        now: at(10),
    });
    // The cancelled session counts for nothing; the one missed on the 5th counts as not
    // done but is no longer to do.
    assert_eq!(
        p,
        Progress {
            sessions_done: 1,
            sessions_total: 3,
            deliverables_done: 1,
            deliverables_total: 3,
            modules_done: 1,
            modules_total: 2,
        }
    );
    assert_eq!(p.percent(), 37);
    assert!(!p.complete());
    let order: Vec<String> = todo
        .iter()
        .map(|t| match t {
            Todo::Session { slug, .. } => slug.clone(),
            Todo::Deliverable { id, .. } => id.to_string(),
            Todo::Module { slug, .. } => slug.clone(),
        })
        .collect();
    assert_eq!(order, ["s3", "11", "10", "metier"]);
}

#[test]
fn complete_only_when_everything_is_done() {
    let sessions = [session(1, 2, EventStatus::Held)];
    let deliverables = [deliverable(10, 1, None)];
    let input = |attended: &'static [i64]| ProgressInput {
        sessions: &sessions,
        attended,
        deliverables: &deliverables,
        handed_in: &[10],
        modules: &[],
        now: at(10),
    };
    let (p, todo) = progress(&input(&[1]));
    assert!(p.complete());
    assert_eq!(p.percent(), 100);
    assert!(todo.is_empty());
    let (p, _) = progress(&input(&[]));
    assert!(!p.complete());
    assert_eq!(p.percent(), 50);
    assert_eq!(Progress::default().percent(), 0);
    assert!(!Progress::default().complete());
}

#[test]
fn fields_are_checked_in_french() {
    let mut f = CohortFields {
        slug: " Parcours 2027 ".into(),
        title: "  P ".into(),
        summary: String::new(),
        description: String::new(),
        starts_on: NaiveDate::from_ymd_opt(2027, 9, 1).unwrap(),
        ends_on: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        modules: vec!["a".into(), " a".into()],
    };
    f.normalise();
    assert_eq!(f.modules, ["a"]);
    let fields: Vec<&str> = f.problems().iter().map(|p| p.field).collect();
    assert_eq!(fields, ["slug", "title", "ends_on"]);
    f.slug = "parcours-2027".into();
    f.title = "Parcours 2027".into();
    f.ends_on = NaiveDate::from_ymd_opt(2028, 6, 1).unwrap();
    assert!(f.problems().is_empty());
    assert!(!is_slug("a--b"));
    assert!(!is_slug("-abc"));
    assert!(is_slug("abc-2"));
}

#[test]
fn links_must_be_web_addresses() {
    assert!(check_link(" https://exemple.fr/livrable.pdf ").is_ok());
    assert!(check_link("javascript:alert(1)").is_err());
    assert!(check_link("https://").is_err());
    assert!(check_link("https://a b").is_err());
    let mut d = DeliverableFields {
        title: "Diagnostic".into(),
        description: String::new(),
        step: 0,
        due_on: None,
    };
    assert_eq!(d.problems()[0].field, "step");
    d.step = 2;
    assert!(d.problems().is_empty());
}
