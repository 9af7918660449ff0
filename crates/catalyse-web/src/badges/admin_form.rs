//! The animators' form of an achievement: its fields as posted, checked all at once (every
//! refusal a French sentence on its field), and as the form shows them back.

use std::collections::HashMap;

use catalyse_core::badges::{AchievementFields, Rule, RuleKind};

use super::catalogue::Names;
use crate::forms::FormErrors;
use crate::i18n::Tr;

pub const SLUG: &str = "badge-slug";
pub const NAME: &str = "badge-name";
pub const DESCRIPTION: &str = "badge-description";
pub const CRITERIA: &str = "badge-criteria";
pub const KIND: &str = "badge-kind";
pub const TARGET: &str = "badge-target";
pub const LEVERS: &str = "badge-levers";
pub const ACTIVITIES: &str = "badge-activities";
pub const TAGS: &str = "badge-tags";

/// The fields in the form's order (for the summary of errors).
pub const ORDER: [&str; 9] = [
    SLUG,
    NAME,
    DESCRIPTION,
    CRITERIA,
    KIND,
    TARGET,
    LEVERS,
    ACTIVITIES,
    TAGS,
];

/// Slugs that would be taken for another address under `/badges/` or `/admin/badges/`.
pub const RESERVED: [&str; 4] = ["emetteur", "nouveau", "attribuer", "attestations"];

/// Prefixes of the checkboxes of levers and activities (`lever_{slug}=oui`).
pub const LEVER_BOX: &str = "lever";
pub const ACTIVITY_BOX: &str = "activity";

const MAX_TAGS: usize = 8;

fn value<'a>(posted: &'a HashMap<String, String>, id: &str) -> &'a str {
    posted.get(id).map(String::as_str).unwrap_or("").trim()
}

/// A text of `min..=max` characters, on one line unless `lines`.
fn text(
    posted: &HashMap<String, String>,
    id: &str,
    min: usize,
    max: usize,
    lines: bool,
) -> Option<String> {
    let v = value(posted, id);
    let n = v.chars().count();
    let clean = v
        .chars()
        .all(|c| !c.is_control() || (lines && matches!(c, '\n' | '\r' | '\t')));
    ((min..=max).contains(&n) && clean).then(|| v.replace("\r\n", "\n"))
}

/// Whether `s` is a slug: lowercase letters and digits in words joined by `-`, 3 to 80
/// characters.
pub fn is_slug(s: &str) -> bool {
    (3..=80).contains(&s.len())
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A target's value in the form: `lever:{slug}`, `module:…`, `cohort:…`, `activity:…`.
pub fn target_value(rule: &Rule) -> String {
    let Some(t) = &rule.target else {
        return String::new();
    };
    let prefix = match rule.kind {
        RuleKind::LeverWebinar => "lever",
        RuleKind::Module => "module",
        RuleKind::Cohort => "cohort",
        RuleKind::Activity => "activity",
        RuleKind::LeverCycle | RuleKind::Manual => return String::new(),
    };
    format!("{prefix}:{t}")
}

/// The form's values for a stored achievement.
pub fn values_of(slug: &str, f: &AchievementFields) -> HashMap<String, String> {
    let mut v: HashMap<String, String> = [
        (SLUG, slug.to_string()),
        (NAME, f.name.clone()),
        (DESCRIPTION, f.description.clone()),
        (CRITERIA, f.criteria.clone()),
        (KIND, f.rule.kind.as_str().to_string()),
        (TARGET, target_value(&f.rule)),
        (TAGS, f.tags.join(", ")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for l in &f.levers {
        v.insert(format!("{LEVER_BOX}_{l}"), "oui".into());
    }
    for a in &f.activities {
        v.insert(format!("{ACTIVITY_BOX}_{a}"), "oui".into());
    }
    v
}

/// The ticked boxes `{prefix}_{slug}` among `known`, or the first unknown one posted.
fn ticked(
    posted: &HashMap<String, String>,
    prefix: &str,
    known: &[(String, String)],
) -> Result<Vec<String>, ()> {
    let mut out = Vec::new();
    for (k, v) in posted {
        let Some(slug) = k.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) else {
            continue;
        };
        if v != "oui" {
            continue;
        }
        if !known.iter().any(|(s, _)| s == slug) {
            return Err(());
        }
        out.push(slug.to_string());
    }
    // In the frame's order, whatever the form's.
    out.sort_by_key(|s| known.iter().position(|(k, _)| k == s));
    Ok(out)
}

/// Checks the posted form: `slug` is the achievement's when it is edited (its slug stays),
/// `None` when it is created (then the form gives it). Every refusal at once.
pub fn check(
    posted: &HashMap<String, String>,
    slug: Option<&str>,
    names: &Names,
    t: Tr,
) -> Result<(String, AchievementFields), FormErrors> {
    let mut errors = FormErrors::default();
    let slug = match slug {
        Some(s) => s.to_string(),
        None => {
            let s = value(posted, SLUG).to_string();
            if !is_slug(&s) {
                errors.push(SLUG, t.s("badges_admin.e_slug"));
            } else if RESERVED.contains(&s.as_str()) {
                errors.push(SLUG, t.s("badges_admin.e_slug_reserved"));
            }
            s
        }
    };
    let name = text(posted, NAME, 3, 120, false);
    if name.is_none() {
        errors.push(NAME, t.s("badges_admin.e_name"));
    }
    let description = text(posted, DESCRIPTION, 10, 1000, true);
    if description.is_none() {
        errors.push(DESCRIPTION, t.s("badges_admin.e_description"));
    }
    let criteria = text(posted, CRITERIA, 10, 5000, true);
    if criteria.is_none() {
        errors.push(CRITERIA, t.s("badges_admin.e_criteria"));
    }
    let kind: Option<RuleKind> = value(posted, KIND).parse().ok();
    if kind.is_none() {
        errors.push(KIND, t.s("badges_admin.e_kind"));
    }
    let target = value(posted, TARGET);
    let (prefix, target_slug) = target.split_once(':').unwrap_or(("", ""));
    let target = match kind {
        None => None,
        Some(kind) => {
            let (wanted, known, key): (&str, &[(String, String)], &str) = match kind {
                RuleKind::LeverWebinar => (
                    "lever",
                    names.levers.as_slice(),
                    "badges_admin.e_target_lever",
                ),
                RuleKind::Module => (
                    "module",
                    names.modules.as_slice(),
                    "badges_admin.e_target_module",
                ),
                RuleKind::Activity => (
                    "activity",
                    names.activities.as_slice(),
                    "badges_admin.e_target_activity",
                ),
                RuleKind::Cohort => (
                    "cohort",
                    names.cohorts.as_slice(),
                    "badges_admin.e_target_cohort",
                ),
                RuleKind::LeverCycle | RuleKind::Manual => ("", &[], "badges_admin.e_target_none"),
            };
            let optional = kind == RuleKind::Cohort || wanted.is_empty();
            if target.is_empty() && optional {
                Some(None)
            } else if !wanted.is_empty()
                && prefix == wanted
                && known.iter().any(|(s, _)| s == target_slug)
            {
                Some(Some(target_slug.to_string()))
            } else {
                errors.push(TARGET, t.s(key));
                None
            }
        }
    };
    let levers = ticked(posted, LEVER_BOX, &names.levers);
    if levers.is_err() {
        errors.push(LEVERS, t.s("badges_admin.e_levers"));
    }
    let activities = ticked(posted, ACTIVITY_BOX, &names.activities);
    if activities.is_err() {
        errors.push(ACTIVITIES, t.s("badges_admin.e_activities"));
    }
    let mut tags: Vec<String> = Vec::new();
    let mut bad_tags = false;
    for tag in value(posted, TAGS)
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if tag.chars().count() > 40 || tag.chars().any(char::is_control) {
            bad_tags = true;
        } else if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    if bad_tags || tags.len() > MAX_TAGS {
        errors.push(TAGS, t.s("badges_admin.e_tags"));
    }
    match (
        name,
        description,
        criteria,
        kind,
        target,
        levers,
        activities,
    ) {
        (
            Some(name),
            Some(description),
            Some(criteria),
            Some(kind),
            Some(target),
            Ok(levers),
            Ok(activities),
        ) if errors.is_empty() => Ok((
            slug,
            AchievementFields {
                name,
                description,
                criteria,
                rule: Rule { kind, target },
                levers,
                activities,
                tags,
            },
        )),
        _ => {
            errors.sort_by(&ORDER);
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn names() -> Names {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        Names {
            levers: vec![pair("definir-sa-strategie", "Définir sa stratégie")],
            modules: vec![pair("sept-leviers", "Les 7 leviers")],
            cohorts: vec![pair("pilote", "Le pilote")],
            activities: vec![pair("mettre-en-relation", "Mettre en relation")],
        }
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_good_form_reads_and_a_bad_one_says_why_on_each_field() {
        let t = Tr::new(Lang::Fr);
        let good = form(&[
            (SLUG, "animer-un-tour-de-table"),
            (NAME, "Animer un tour de table"),
            (DESCRIPTION, "A animé un premier tour de table."),
            (
                CRITERIA,
                "Avoir animé, **devant témoins**, un tour de table.",
            ),
            (KIND, "activity"),
            (TARGET, "activity:mettre-en-relation"),
            ("lever_definir-sa-strategie", "oui"),
            (TAGS, "métier, animation, métier"),
        ]);
        let (slug, f) = check(&good, None, &names(), t).ok().expect("a good form");
        assert_eq!(slug, "animer-un-tour-de-table");
        assert_eq!(f.rule.target.as_deref(), Some("mettre-en-relation"));
        assert_eq!(f.levers, vec!["definir-sa-strategie"]);
        assert_eq!(f.tags, vec!["métier", "animation"]);
        assert_eq!(values_of(&slug, &f)[TARGET], "activity:mettre-en-relation");

        let bad = form(&[
            (SLUG, "emetteur"),
            (NAME, "x"),
            (KIND, "lever-webinar"),
            (TARGET, "module:sept-leviers"),
            ("lever_inconnu", "oui"),
        ]);
        let e = check(&bad, None, &names(), t).unwrap_err();
        for field in [SLUG, NAME, DESCRIPTION, CRITERIA, TARGET, LEVERS] {
            assert!(e.has(field), "{field}");
        }
        assert!(!e.has(KIND));
        // A cohort's rule may name no cohort; the cycle takes none.
        let mut any = good.clone();
        any.insert(KIND.into(), "cohort".into());
        any.insert(TARGET.into(), String::new());
        let any_cohort = check(&any, Some("x"), &names(), t)
            .ok()
            .expect("any cohort");
        assert_eq!(any_cohort.1.rule.target, None);
        any.insert(KIND.into(), "lever-cycle".into());
        any.insert(TARGET.into(), "lever:definir-sa-strategie".into());
        assert!(check(&any, Some("x"), &names(), t).unwrap_err().has(TARGET));
    }
}
