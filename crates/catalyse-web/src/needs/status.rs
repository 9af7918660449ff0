//! Where a need stands for those who may act on it: who may edit it and move its status,
//! what its page tells them, and the words for its statuses and horizons.

use crate::i18n::Tr;
use crate::pages::PageCtx;
use catalyse_core::needs::{Horizon, Need, NeedStatus};
use catalyse_core::{Role, User};

/// Whether a person may edit a need, move its status and see its versions waiting for review:
/// its author (a member) and moderators. A visitor's need has no account to act from.
pub fn can_edit(user: Option<&User>, n: &Need) -> bool {
    user.is_some_and(|u| {
        u.role.includes(Role::Moderator) || (n.author_id.is_some() && n.author_id == Some(u.id))
    })
}

/// « Ouvert », « En relation »… in the page's language.
pub fn status_label(t: Tr, s: NeedStatus) -> &'static str {
    t.s(match s {
        NeedStatus::Ouvert => "needs.status_ouvert",
        NeedStatus::EnRelation => "needs.status_en_relation",
        NeedStatus::Resolu => "needs.status_resolu",
        NeedStatus::Clos => "needs.status_clos",
    })
}

/// « Dans les 3 mois »… in the page's language.
pub fn horizon_label(t: Tr, h: Horizon) -> &'static str {
    t.s(match h {
        Horizon::TroisMois => "needs.horizon_3_mois",
        Horizon::SixMois => "needs.horizon_6_mois",
        Horizon::UnAn => "needs.horizon_1_an",
        Horizon::SansEcheance => "needs.horizon_sans_echeance",
    })
}

/// The moves its author and moderators may make from the page (« en relation » follows an
/// offer of help or a request, never a button), with their buttons' words.
pub const MOVES: [(NeedStatus, &str); 3] = [
    (NeedStatus::Resolu, "needs.move_resolu"),
    (NeedStatus::Clos, "needs.move_clos"),
    (NeedStatus::Ouvert, "needs.move_ouvert"),
];

/// Where a need stands, for its page: what only those who may act on it see.
#[derive(Default)]
pub struct Status {
    /// What was just done (`?etat=`).
    pub notice: Option<&'static str>,
    /// Why what was just asked could not be done.
    pub error: Option<String>,
    pub can_edit: bool,
    /// A version waits for a moderator.
    pub pending: bool,
    /// A visitor's need whose address is not confirmed yet.
    pub unconfirmed: bool,
    /// Why the last version was refused.
    pub rejected: Option<String>,
    /// (status slug, button) of the moves allowed now, on a public need.
    pub moves: Vec<(&'static str, &'static str)>,
}

impl Status {
    pub fn of(ctx: &PageCtx, n: &Need, etat: Option<&str>) -> Status {
        let t = ctx.t;
        let can = can_edit(ctx.user.as_ref(), n);
        let moves = if can && n.is_public() {
            (MOVES.iter())
                .filter(|(to, _)| n.status.may_become(*to))
                .map(|(to, key)| (to.as_str(), t.s(key)))
                .collect()
        } else {
            vec![]
        };
        Status {
            notice: match etat {
                Some("envoye") if can => Some(t.s("needs_form.sent")),
                Some("statut") if can => Some(t.s("needs.status_done")),
                _ => None,
            },
            error: None,
            can_edit: can,
            pending: can && n.moderated.is_pending(),
            unconfirmed: can && n.confirmed_at.is_none(),
            rejected: n.moderated.rejection().filter(|_| can).map(str::to_string),
            moves,
        }
    }
}
