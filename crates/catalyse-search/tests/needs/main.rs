//! Besoins des territoires : recherche (`NeedIndex`).

mod fixtures;
mod index;
mod quality;
