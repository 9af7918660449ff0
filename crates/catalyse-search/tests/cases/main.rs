//! Études de cas : recherche (`CaseIndex`).

mod fixtures;
mod index;
mod quality;
