//! Where a case stands for those who may act on it: who may edit it, what its page tells its
//! author and moderators, the image files its versions hold.

use crate::pages::PageCtx;
use catalyse_core::cases::Case;
use catalyse_core::{Role, User};

/// Whether a person may edit a case and see its versions waiting for review: its author and
/// moderators.
pub fn can_edit(user: Option<&User>, c: &Case) -> bool {
    user.is_some_and(|u| u.role.includes(Role::Moderator) || c.created_by == Some(u.id))
}

/// The image files of a case's versions.
pub fn images_of(c: Option<&Case>) -> Vec<String> {
    c.into_iter()
        .flat_map(|c| c.moderated.versions())
        .flat_map(|f| f.image_files().map(str::to_string))
        .collect()
}

/// Where a case stands, for its page: what only those who may edit it see.
#[derive(Default)]
pub struct Status {
    /// What was just done (`?etat=`).
    pub notice: Option<&'static str>,
    pub can_edit: bool,
    pub can_archive: bool,
    /// A version waits for a moderator.
    pub pending: bool,
    /// Why the last version was refused.
    pub rejected: Option<String>,
    pub archived: bool,
}

impl Status {
    pub fn of(ctx: &PageCtx, c: &Case, etat: Option<&str>) -> Status {
        let t = ctx.t;
        let can = can_edit(ctx.user.as_ref(), c);
        Status {
            notice: match etat {
                Some("envoye") if can => Some(t.s("cases_form.sent")),
                Some("archivee") if can => Some(t.s("cases_form.archived_done")),
                Some("desarchivee") if can => Some(t.s("cases_form.unarchived_done")),
                _ => None,
            },
            can_edit: can,
            can_archive: ctx.is_moderator(),
            pending: can && c.moderated.is_pending(),
            rejected: c.moderated.rejection().filter(|_| can).map(str::to_string),
            archived: c.archived_at.is_some(),
        }
    }
}
