//! A case study in the queue: what moderators read of it, field by field and by name rather
//! than slug, beside its published version (the queue, the comparison and the decision are
//! the parent's, shared with profiles and places).

use super::{territory_name, Fields, Item, Names};
use crate::cases::pages::{activity_name, family_name, fragility_name};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::resources::pages::lever_name;
use crate::state::AppState;
use catalyse_core::cases::{Case, CaseFields};
use catalyse_core::network::Subject;
use std::collections::HashMap;

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(" ; ")
}

/// What a moderator reads of a case.
fn case_fields(state: &AppState, t: Tr, f: &CaseFields, people: &HashMap<i64, String>) -> Fields {
    let s = |k| t.s(k);
    let names = |v: &[String], name: &dyn Fn(&str) -> String| list(v.iter().map(|x| name(x)));
    vec![
        (s("cases_form.f_title"), f.title.clone()),
        (s("cases_form.f_summary"), f.summary.clone()),
        (s("cases_form.f_body"), f.body.clone()),
        (
            s("cases_form.f_territory"),
            territory_name(state, t, &f.territory),
        ),
        (
            s("cases_form.f_started_year"),
            f.started_year.map(|y| y.to_string()).unwrap_or_default(),
        ),
        (s("cases_form.f_phase"), f.phase.label_fr().to_string()),
        (
            s("cases_form.f_fragilities"),
            names(&f.fragilities, &|x| fragility_name(state, x)),
        ),
        (
            s("cases_form.f_levers"),
            names(&f.levers, &|x| lever_name(state, x)),
        ),
        (
            s("cases_form.f_families"),
            names(&f.families, &|x| family_name(state, x)),
        ),
        (
            s("cases_form.f_actors"),
            list(f.actors.iter().map(|a| {
                let family = family_name(state, &a.family);
                match a.role.as_str() {
                    "" => format!("{} ({family})", a.name),
                    role => format!("{} ({family}) — {role}", a.name),
                }
            })),
        ),
        (
            s("cases_form.f_activities"),
            names(&f.activities, &|x| activity_name(state, x)),
        ),
        (
            s("cases_form.f_funding"),
            list((f.funding.iter()).map(|x| format!("{} : {} %", x.source.label_fr(), x.percent))),
        ),
        (s("cases_form.f_model"), f.model.clone()),
        (s("cases_form.f_results"), f.results.clone()),
        (
            s("cases_form.f_figures"),
            list(f.figures.iter().map(|x| {
                let value = crate::format::format_value(t.lang, x.value);
                let year = x.year.map(|y| format!(" ({y})")).unwrap_or_default();
                format!("{} : {value} {}{year}", x.label, x.unit)
            })),
        ),
        (
            s("cases_form.f_contacts"),
            list(f.contacts.iter().map(|id| {
                (people.get(id).cloned())
                    .unwrap_or_else(|| t.s("moderation.former_member").to_string())
            })),
        ),
        (s("cases_form.f_resources"), f.resources.join(" ; ")),
        (
            s("cases_form.f_images"),
            list(
                f.images
                    .iter()
                    .map(|i| format!("{} [{}]", i.alt, i.file.get(..12).unwrap_or(&i.file))),
            ),
        ),
        (s("cases_form.f_source"), f.source.clone()),
        (s("cases_form.f_licence"), f.licence.clone()),
    ]
}

/// The queue's item for a case waiting for a decision (none without a draft).
pub(crate) async fn case_item(
    state: &AppState,
    t: Tr,
    names: &mut Names,
    c: &Case,
) -> Result<Option<Item>, AppError> {
    let m = &c.moderated;
    let Some(draft) = &m.draft else {
        return Ok(None);
    };
    let mut people = HashMap::new();
    for f in m.versions() {
        for id in &f.contacts {
            if let Some(n) = names.of(state, *id).await? {
                people.insert(*id, n);
            }
        }
    }
    let show = |f: &CaseFields| case_fields(state, t, f, &people);
    let images = (draft.images.iter().enumerate())
        .map(|(i, img)| {
            let src = format!("/pratiques/{}/images/{}?version=brouillon", c.slug, i + 1);
            (src, img.alt.clone())
        })
        .collect();
    Ok(Some(Item {
        title: draft.title.clone(),
        author: names.or_former(state, t, c.created_by).await?,
        view: Some(format!("/pratiques/{}", c.slug)),
        images,
        ..Item::new(t, (Subject::Case, c.id), m, draft, show)
    }))
}
