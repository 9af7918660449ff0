use super::file::{parse, FileError, Known};
use super::token::{Draft, Sealer};
use super::*;
use crate::{ReferenceFrame, TerritoryIndex, TerritoryLevel};
use serde_json::json;

fn known() -> Known {
    let frame = ReferenceFrame::shipped().unwrap();
    let survey = crate::dataset::SurveyModel::shipped().unwrap();
    Known::new(&frame, &survey.fragilities)
}

fn frame() -> Vec<Lever> {
    ReferenceFrame::shipped().unwrap().levers
}

/// A small questionnaire whose scores are worked out by hand below.
const SAMPLE: &str = r#"
slug = "essai"
title = "Essai"
summary = "Pour les tests."
minutes = 3
source = "Tests."
weak_below = 50

[[block]]
id = "projet"
title = "Votre projet"

[[block.question]]
id = "phase"
kind = "single"
label = "Phase ?"
role = "phase"
[[block.question.choice]]
id = "emergence"
label = "Émergence"
[[block.question.choice]]
id = "experimentation"
label = "Expérimentation"
[[block.question.choice]]
id = "autre"
label = "Autre"

[[block.question]]
id = "usages"
kind = "multiple"
label = "Usages ?"
lever = "accelerer-grace-au-numerique"
[[block.question.choice]]
id = "site"
label = "Site"
points = 1
[[block.question.choice]]
id = "outils"
label = "Outils partagés"
points = 2
[[block.question.choice]]
id = "aucun"
label = "Aucun"

[[block]]
id = "suite"
title = "La suite"

[[block.question]]
id = "preuve"
kind = "single"
label = "Preuve de concept ?"
lever = "qualifier-son-innovation"
show_if = { question = "phase", any_of = ["experimentation"] }
[[block.question.choice]]
id = "oui"
label = "Oui"
points = 2
[[block.question.choice]]
id = "en-cours"
label = "En cours"
points = 1
[[block.question.choice]]
id = "non"
label = "Non"

[[block.question]]
id = "vision"
kind = "scale"
label = "Vision claire ?"
lever = "qualifier-son-innovation"
min = 1
max = 5
min_label = "Pas du tout"
max_label = "Tout à fait"

[[block.question]]
id = "mot"
kind = "text"
label = "Un mot ?"
"#;

fn sample() -> Questionnaire {
    parse("essai.toml", SAMPLE, &known()).unwrap().1
}

fn answers(q: &Questionnaire, v: serde_json::Value) -> Answers {
    q.read_json(v.as_object().unwrap(), false).unwrap()
}

fn score<'a>(s: &'a [LeverScore], lever: &str) -> &'a LeverScore {
    s.iter().find(|x| x.lever == lever).unwrap()
}

#[test]
fn golden_scores_for_fixed_answers() {
    let q = sample();
    // Expérimentation: the proof question is shown. 2/2 + (4-1)/(5-1) = 5/6 → 83.
    let a = answers(
        &q,
        json!({"phase": "experimentation", "usages": ["site"], "preuve": "oui", "vision": 4, "mot": "  ok "}),
    );
    let s = q.scores(&a, &frame());
    assert_eq!(s.len(), 2, "the levers it scores, in the frame's order");
    assert_eq!(s[0].lever, "qualifier-son-innovation");
    let qi = score(&s, "qualifier-son-innovation");
    assert_eq!(
        (qi.points, qi.max, qi.score, qi.weak, qi.answered),
        (5, 6, Some(83), false, 2)
    );
    let num = score(&s, "accelerer-grace-au-numerique");
    assert_eq!(
        (num.points, num.max, num.score, num.weak),
        (1, 3, Some(33), true)
    );
    assert_eq!(a.get("mot"), Some(&Answer::Text("ok".into())));
    assert_eq!(weakest(&s)[0].lever, "accelerer-grace-au-numerique");

    // Émergence: the proof question is hidden, its answer dropped and not counted.
    let a = answers(
        &q,
        json!({"phase": "emergence", "usages": ["aucun"], "preuve": "oui", "vision": 1}),
    );
    assert!(!a.contains_key("preuve"));
    let s = q.scores(&a, &frame());
    let qi = score(&s, "qualifier-son-innovation");
    assert_eq!(
        (qi.points, qi.max, qi.score, qi.weak),
        (0, 4, Some(0), true)
    );
    assert_eq!(score(&s, "accelerer-grace-au-numerique").score, Some(0));
    // Weakest first, then in the frame's order.
    let order: Vec<&str> = weakest(&s).iter().map(|x| x.lever.as_str()).collect();
    assert_eq!(
        order,
        ["qualifier-son-innovation", "accelerer-grace-au-numerique"]
    );

    // Nothing answered on a lever: no score, not weak.
    let a = answers(&q, json!({"phase": "autre", "vision": 5}));
    let s = q.scores(&a, &frame());
    let num = score(&s, "accelerer-grace-au-numerique");
    assert_eq!((num.score, num.weak, num.answered), (None, false, 0));
    assert_eq!(
        q.situation(&a),
        Situation::default(),
        "« autre » says nothing"
    );
}

#[test]
fn conditions_show_and_hide_as_written() {
    let q = sample();
    let preuve = q.question("preuve").unwrap();
    let a = answers(&q, json!({"phase": "experimentation"}));
    assert!(q.shown(preuve, &a));
    let a = answers(&q, json!({"phase": "emergence"}));
    assert!(!q.shown(preuve, &a));
    assert!(!q.shown(preuve, &Answers::new()), "unanswered: not shown");
    // A required question hidden is not missing; shown, it is.
    let missing = |v| {
        let a = answers(&q, v);
        q.missing(&a, None)
            .into_iter()
            .map(|p| p.question)
            .collect::<Vec<_>>()
    };
    assert_eq!(missing(json!({"phase": "emergence"})), ["vision"]);
    assert_eq!(
        missing(json!({"phase": "experimentation"})),
        ["preuve", "vision"]
    );
    // The form of block 2 asks the proof question only when shown.
    let earlier = answers(&q, json!({"phase": "emergence"}));
    let (got, problems) = q.read_block(1, &[("vision".into(), "3".into())], &earlier);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(got.get("vision"), Some(&Answer::Number(3)));
    let earlier = answers(&q, json!({"phase": "experimentation"}));
    let (_, problems) = q.read_block(1, &[("vision".into(), "9".into())], &earlier);
    let said: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p.question.as_str(), p.message.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            ("preuve", "Répondez à cette question pour continuer."),
            ("vision", "La valeur doit aller de 1 à 5.")
        ]
    );
    assert_eq!(q.first_unfinished(&earlier), Some(1));
}

#[test]
fn bad_answers_are_named() {
    let q = sample();
    let given = json!({"phase": "ailleurs", "usages": "site", "inconnue": 1, "vision": 2.5});
    let problems = q.read_json(given.as_object().unwrap(), true).unwrap_err();
    let by: Vec<&str> = problems.iter().map(|p| p.question.as_str()).collect();
    assert_eq!(
        by,
        ["inconnue", "phase", "usages", "vision", "phase", "vision"]
    );
    assert!(problems[1].message.contains("« ailleurs » n'existe pas"));
    let too_long = "x".repeat(281);
    let problems = q
        .read_json(json!({"mot": too_long}).as_object().unwrap(), false)
        .unwrap_err();
    assert_eq!(problems[0].message, "la réponse dépasse 280 caractères");
}

#[test]
fn a_file_with_a_mistake_is_refused_with_its_line_and_reason() {
    let k = known();
    let broken = SAMPLE.replace(
        "lever = \"accelerer-grace-au-numerique\"",
        "lever = \"voler\"",
    );
    let errors = parse("essai.toml", &broken, &k).unwrap_err();
    assert_eq!(
        errors,
        [FileError {
            file: "essai.toml".into(),
            line: Some(32),
            message: "levier « voler » inconnu (voir data/reference/levers.toml)".into(),
        }]
    );
    assert_eq!(
        errors[0].to_string(),
        "essai.toml, ligne 32 : levier « voler » inconnu (voir data/reference/levers.toml)"
    );
    // A condition on a later or unknown question.
    let broken = SAMPLE.replace(
        "question = \"phase\", any_of",
        "question = \"vision\", any_of",
    );
    let errors = parse("essai.toml", &broken, &k).unwrap_err();
    assert_eq!(errors[0].line, Some(54));
    assert!(errors[0]
        .message
        .contains("n'est pas une question d'un bloc précédent"));
    // TOML itself: the line of the mistake.
    let errors = parse(
        "essai.toml",
        &SAMPLE.replace("minutes = 3", "minutes = "),
        &k,
    )
    .unwrap_err();
    assert_eq!(errors[0].line, Some(5));
    // A role choice outside its list, a duplicate id, a file named otherwise.
    let broken = SAMPLE
        .replace("id = \"emergence\"", "id = \"naissance\"")
        .replace("id = \"mot\"", "id = \"vision\"");
    let errors = parse("autre.toml", &broken, &k).unwrap_err();
    let said: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        said[0].starts_with("autre.toml, ligne 2 : le fichier doit porter le nom"),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|s| s.contains("« naissance » n'est pas dans la liste du rôle « phase »")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|s| s.contains("ligne 78 : une autre question a déjà l'identifiant « vision »")),
        "{said:?}"
    );
}

#[test]
fn the_shipped_questionnaires_load() {
    let all = file::shipped(&known()).unwrap();
    let slugs: Vec<&str> = all.iter().map(|q| q.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "qualifier-son-innovation",
            "capacite-de-co-construction",
            "evaluer-un-partenariat"
        ]
    );
    let co = &all[1];
    assert!(co.observatory);
    assert_eq!(co.levers(&frame()).len(), 7, "a block per lever");
    for q in &all {
        assert!(
            q.questions().any(|(_, x)| x.show_if.is_some()),
            "{} has a condition",
            q.slug
        );
    }
}

#[test]
fn a_link_opens_only_under_its_secret_and_unaltered() {
    let sealer = Sealer::new(b"secret");
    let mut d = Draft::new("essai");
    d.answers = to_json(&answers(
        &sample(),
        json!({"phase": "emergence", "mot": "é"}),
    ));
    d.department = Some("42".into());
    let token = sealer.seal(&d);
    assert!(token.len() < 200, "{}", token.len());
    assert_eq!(sealer.open(&token), Some(d.clone()));
    assert_ne!(sealer.seal(&d), token, "a new nonce each time");
    assert_eq!(Sealer::new(b"other").open(&token), None);
    let mut altered = token.clone().into_bytes();
    altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
    assert_eq!(sealer.open(std::str::from_utf8(&altered).unwrap()), None);
    assert_eq!(sealer.open(&token[..token.len() - 1]), None);
    assert_eq!(sealer.open("not a token!"), None);
    assert_eq!(sealer.open(&"A".repeat(token::MAX_LEN + 1)), None);
    assert_ne!(Draft::new("essai").id, d.id);
}

#[test]
fn aggregates_show_no_territory_under_ten_respondents() {
    let t = |level, code: &str, region: &str| crate::Territory {
        level,
        code: code.into(),
        name: code.into(),
        region: (!region.is_empty()).then(|| region.into()),
        department: None,
        epci: None,
        population: None,
        postcodes: vec![],
        lat: None,
        lon: None,
    };
    use TerritoryLevel::*;
    let geo = TerritoryIndex::new(vec![
        t(Region, "84", ""),
        t(Department, "42", "84"),
        t(Department, "01", "84"),
        t(Department, "75", "11"),
        t(Region, "11", ""),
    ]);
    let q = sample();
    let weak_num = ["accelerer-grace-au-numerique".to_string()];
    let none: Vec<String> = vec![];
    let at = "2026-03-01T00:00:00Z".parse().unwrap();
    let d = aggregate::dataset(
        &q,
        &frame(),
        [
            ("42", &weak_num[..], 6, 0),
            ("42", &none[..], 3, 0),
            ("01", &weak_num[..], 2, 1),
            ("75", &none[..], 9, 0),
            ("99", &none[..], 50, 0),
        ],
        &geo,
        2026,
        at,
    );
    assert_eq!(d.0.slug, "autodiagnostic-essai");
    let value = |ind: &str, level, code: &str| {
        let (_, values) = d.1.iter().find(|(i, _)| i.slug == ind).unwrap();
        values
            .iter()
            .find(|v| v.territory_level == level && v.territory_code == code)
            .map(|v| v.value)
    };
    // 42 has 9, 01 has 2, 75 has 9: none shown; région 84 has 11.
    assert_eq!(value("repondants", Department, "42"), None);
    assert_eq!(value("repondants", Department, "75"), None);
    assert_eq!(value("repondants", Region, "11"), None);
    assert_eq!(value("repondants", Region, "84"), Some(11.0));
    assert_eq!(
        value("a-renforcer-accelerer-grace-au-numerique", Region, "84"),
        Some(72.7)
    );
    assert_eq!(
        value("a-renforcer-qualifier-son-innovation", Region, "84"),
        Some(0.0)
    );
    assert!(d.0.is_example, "an example counted in a shown cell");
    for (_, values) in &d.1 {
        assert_eq!(values.len(), 1, "one territory shown");
    }
}
