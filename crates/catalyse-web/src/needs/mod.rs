//! Besoins des territoires. Where needs come from besides the form: example needs
//! (`examples`), `catalyse needs import` (`import`), and the drafts a webinar registration
//! leaves for their author to complete (`drafts`).

pub mod drafts;
pub mod examples;
pub mod import;
