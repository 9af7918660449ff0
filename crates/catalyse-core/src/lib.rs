//! Catalyse domain: the reference frame, territories, accounts and their rules. No I/O here.

pub mod account;
pub mod agenda;
pub mod badges;
pub mod cases;
pub mod dataset;
pub mod diagnostics;
pub mod events;
pub mod formation;
pub mod needs;
pub mod network;
pub mod observatory;
pub mod parcours;
pub mod reference;
pub mod resource;
pub mod slug_enum;
pub mod territory;
pub mod territory_index;
pub mod text;
pub mod time;

pub use account::{Email, ModerationMail, PasswordPolicy, PasswordProblem, Role, User};
pub use reference::{Activity, ActorFamily, Lever, MetierFamily, Milestone, ReferenceFrame};
pub use territory::{Territory, TerritoryLevel};
pub use territory_index::TerritoryIndex;

/// One page of a listing, with the total number of matches.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        if self.per_page == 0 {
            return 0;
        }
        ((self.total.max(0) as u64).div_ceil(self.per_page as u64)) as u32
    }
}
