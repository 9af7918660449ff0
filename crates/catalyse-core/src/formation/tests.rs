use super::shipped::{parse, shipped, Known, FILE};
use super::*;
use crate::reference::ReferenceFrame;

fn known() -> Known {
    Known::shipped().unwrap()
}

#[test]
fn the_first_module_follows_the_seven_levers_with_the_kit_and_the_2019_webinars() {
    let modules = shipped().unwrap();
    assert!(
        modules.len() >= 2,
        "a second module makes the list meaningful"
    );
    let m = &modules[0];
    assert_eq!(m.slug, "sept-leviers");
    assert!(!m.is_example);
    let frame = ReferenceFrame::shipped().unwrap();
    let kit = crate::resource::Kit::shipped().unwrap();
    let cycle = crate::agenda::WebinarCycle::shipped().unwrap();
    for lever in &frame.levers {
        let units: Vec<&Unit> = m.units.iter().filter(|u| u.section == lever.name).collect();
        // Every kit document kit.toml maps to the lever, in the kit's order.
        let docs: Vec<&str> = (kit.resource.iter())
            .filter(|r| r.levers.contains(&lever.slug))
            .map(|r| r.slug.as_str())
            .collect();
        let linked: Vec<&str> = (units.iter())
            .filter_map(|u| match &u.content {
                UnitContent::Resource { slug } => Some(slug.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(linked, docs, "{}", lever.slug);
        // Every 2019 webinar of the lever.
        let webinars: Vec<String> = (cycle.session.iter())
            .filter(|s| s.levers.contains(&lever.slug))
            .map(|s| format!("webinaire-{}", s.date))
            .collect();
        let replays: Vec<String> = (units.iter())
            .filter_map(|u| u.content.target().filter(|_| u.kind() == UnitKind::Replay))
            .map(String::from)
            .collect();
        assert_eq!(replays, webinars, "{}", lever.slug);
        // A reflection on the lever's own questions, word for word: not example content.
        let reflection = units
            .iter()
            .find(|u| u.kind() == UnitKind::Reflection)
            .unwrap_or_else(|| panic!("{}: no reflection", lever.slug));
        let UnitContent::Reflection { prompt } = &reflection.content else {
            unreachable!()
        };
        for q in &lever.questions {
            assert!(prompt.contains(q.as_str()), "{}: {q}", lever.slug);
        }
        assert!(!reflection.is_example);
        assert!(units.iter().all(|u| !u.is_example), "{}", lever.slug);
    }
    // What the seed does not say is labelled: the quizzes, the whole second module.
    for module in &modules {
        for u in &module.units {
            if u.kind() == UnitKind::Quiz {
                assert!(u.is_example, "{}/{}", module.slug, u.key);
            }
        }
    }
    assert!(modules[1..].iter().all(|m| m.is_example));
    assert_eq!(shipped::shipped_checksum().len(), 64);
}

#[test]
fn an_error_names_the_file_the_module_the_unit_and_the_problem() {
    let text = r#"
[[module]]
slug = "essai"
title = "Essai"
summary = "Un module"

[[module.unit]]
key = "a"
kind = "resource"
resource = "pas-dans-le-kit"
minutes = 10

[[module.unit]]
key = "a"
kind = "reflection"
minutes = 10
"#;
    let e = parse("data/reference/formation.toml", text, &known()).unwrap_err();
    let s = e.to_string();
    assert!(s.starts_with("data/reference/formation.toml : "), "{s}");
    assert!(s.contains("module « essai », unité 1 (« a ») : la ressource « pas-dans-le-kit » n'est pas un document du kit"), "{s}");
    assert!(s.contains("unité 2 (« a ») : « prompt » manque"), "{s}");
    // A syntax error or an unknown field: the TOML reader's message, with the file's name.
    let e = parse(FILE, "[[module]]\nslug = \"x\"\ntitre = \"y\"\n", &known()).unwrap_err();
    assert_eq!(e.file, FILE);
    assert!(e.message.contains("titre"), "{}", e.message);
    // A quiz whose one-answer question has two right answers, an unknown kind.
    let bad = r#"
[[module]]
slug = "essai"
title = "Essai"
summary = "Un module"

[[module.unit]]
key = "q"
kind = "quiz"
title = "Quiz"
minutes = 5
[[module.unit.question]]
text = "?"
explanation = "Parce que."
choices = [{ text = "a", correct = true }, { text = "b", correct = true }]

[[module.unit]]
key = "v"
kind = "video"
minutes = 5
"#;
    let e = parse(FILE, bad, &known()).unwrap_err().to_string();
    assert!(
        e.contains("exactement une bonne réponse (2 marquées)"),
        "{e}"
    );
    assert!(e.contains("type d'unité inconnu « video »"), "{e}");
    // Two modules with one slug; a replay of an event that is not a 2019 webinar.
    let twice = r#"
[[module]]
slug = "m"
title = "M"
summary = "S"
[[module.unit]]
key = "r"
kind = "replay"
event = "webinaire-2031-01-01"
minutes = 60
[[module]]
slug = "m"
title = "M"
summary = "S"
[[module.unit]]
key = "r"
kind = "reflection"
prompt = "?"
title = "R"
minutes = 5
"#;
    let e = parse(FILE, twice, &known()).unwrap_err().to_string();
    assert!(e.contains("un autre module a déjà cet identifiant"), "{e}");
    assert!(
        e.contains("« webinaire-2031-01-01 » n'est pas un webinaire de 2019"),
        "{e}"
    );
}

fn quiz() -> Vec<Question> {
    quiz_text::parse(
        "? Une seule ?\n- non\n+ oui\n= Parce que.\n\n?? Plusieurs ?\n+ a\n- b\n+ c\n= Deux\n= lignes.\n",
    )
    .unwrap()
}

#[test]
fn a_quiz_is_scored_whatever_the_score_and_bad_answers_are_refused() {
    let q = quiz();
    assert_eq!(q.len(), 2);
    assert!(q[1].multiple && !q[0].multiple);
    assert_eq!(q[1].explanation, "Deux lignes.");
    assert!(quiz_problems(&q).is_empty());
    let all_right = score(&q, &vec![vec![1], vec![2, 0]]).unwrap();
    assert_eq!((all_right.score, all_right.out_of), (2, 2));
    let half = score(&q, &vec![vec![0], vec![0, 2]]).unwrap();
    assert_eq!(half.score, 1);
    // Part of the right answers is not right.
    assert_eq!(score(&q, &vec![vec![1], vec![0]]).unwrap().score, 1);
    let e = score(&q, &vec![vec![], vec![0]]).unwrap_err();
    assert_eq!(e, [(Some(0), "question 1 : choisissez une réponse".into())]);
    let e = score(&q, &vec![vec![0, 1], vec![7]]).unwrap_err();
    assert_eq!(
        e,
        [
            (
                Some(0),
                "question 1 : une seule réponse est attendue".into()
            ),
            (Some(1), "question 2 : cette réponse n'existe pas".into())
        ]
    );
    assert!(score(&q, &vec![vec![1]]).is_err());
}

#[test]
fn the_quiz_text_reads_back_what_it_writes_and_says_which_line_is_wrong() {
    let q = quiz();
    assert_eq!(quiz_text::parse(&quiz_text::write(&q)).unwrap(), q);
    let e = quiz_text::parse("+ orpheline\n? Q\n* quoi\n").unwrap_err();
    assert_eq!(e.len(), 2);
    assert!(e[0].starts_with("ligne 1 : écrivez d'abord une question"));
    assert!(e[1].starts_with("ligne 3 :"));
    // Valid lines, invalid quiz: the checks say why.
    let q = quiz_text::parse("? Q\n+ a\n").unwrap();
    let p = quiz_problems(&q);
    assert!(
        p.iter().any(|m| m.contains("l'explication manque")),
        "{p:?}"
    );
    assert!(p.iter().any(|m| m.contains("de 2 à 10 réponses")), "{p:?}");
}

#[test]
fn module_checks_name_the_unit_and_the_field() {
    let mut m = shipped().unwrap().remove(1);
    assert!(m.problems().is_empty(), "{:?}", m.problems());
    m.units[1].key = m.units[0].key.clone();
    m.units[2].minutes = 0;
    m.units[4].title = " ".into();
    m.slug = "Pas Bien".into();
    let p = m.problems();
    let at: Vec<(Option<usize>, &str)> = p.iter().map(|p| (p.unit, p.field)).collect();
    assert_eq!(
        at,
        [
            (None, "slug"),
            (Some(1), "key"),
            (Some(2), "minutes"),
            (Some(4), "title")
        ],
        "{p:?}"
    );
    assert!(p[1].message.contains("déjà celle d'une autre unité"));
}

#[test]
fn durations_read_as_people_write_them() {
    assert_eq!(duration_fr(15), "15 min");
    assert_eq!(duration_fr(60), "1 h");
    assert_eq!(duration_fr(150), "2 h 30");
    assert_eq!(duration_fr(65), "1 h 05");
}
