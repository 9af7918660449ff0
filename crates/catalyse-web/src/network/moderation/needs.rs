//! A need in the queue: what moderators read of it, field by field and by name rather than
//! slug, beside its published version (the queue, the comparison and the decision are the
//! parent's, shared with profiles, places and cases).

use super::{territory_name, Fields, Item, Names};
use crate::cases::pages::{activity_name, family_name, fragility_name};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::resources::pages::lever_name;
use crate::state::AppState;
use catalyse_core::needs::{Need, NeedFields};
use catalyse_core::network::Subject;

/// What a moderator reads of a need.
fn need_fields(state: &AppState, t: Tr, f: &NeedFields) -> Fields {
    let s = |k| t.s(k);
    let names = |v: &[String], name: &dyn Fn(&str) -> String| {
        v.iter().map(|x| name(x)).collect::<Vec<_>>().join(" ; ")
    };
    let family = match f.author_family.as_str() {
        "" => String::new(),
        slug => family_name(state, slug),
    };
    vec![
        (s("needs_form.f_title"), f.title.clone()),
        (s("needs_form.f_description"), f.description.clone()),
        (
            s("needs_form.f_territory"),
            territory_name(state, t, &f.territory),
        ),
        (
            s("needs_form.f_fragility"),
            fragility_name(state, &f.fragility),
        ),
        (
            s("needs_form.f_horizon"),
            crate::needs::status::horizon_label(t, f.horizon).to_string(),
        ),
        (
            s("needs_form.f_levers"),
            names(&f.levers, &|x| lever_name(state, x)),
        ),
        (
            s("needs_form.f_families"),
            names(&f.families, &|x| family_name(state, x)),
        ),
        (
            s("needs_form.f_activities"),
            names(&f.activities, &|x| activity_name(state, x)),
        ),
        (s("needs_form.f_organisation"), f.organisation.clone()),
        (s("needs_form.f_author_family"), family),
    ]
}

/// The queue's item for a need waiting for a decision (none without a draft). A visitor's
/// need is shown as hers, without her address.
pub(crate) async fn need_item(
    state: &AppState,
    t: Tr,
    names: &mut Names,
    n: &Need,
) -> Result<Option<Item>, AppError> {
    let m = &n.moderated;
    let Some(draft) = &m.draft else {
        return Ok(None);
    };
    let author = match n.author_id {
        None if n.author_email.is_some() => t.s("needs_form.f_visitor").to_string(),
        id => names.or_former(state, t, id).await?,
    };
    let show = |f: &NeedFields| need_fields(state, t, f);
    Ok(Some(Item {
        title: draft.title.clone(),
        author,
        view: Some(format!("/besoins/{}", n.slug)),
        ..Item::new(t, (Subject::Need, n.id), m, draft, show)
    }))
}
