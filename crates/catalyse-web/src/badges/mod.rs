//! Open Badges 3.0: the platform issues signed, verifiable credentials for what catalyseurs
//! learn and do. The issuer's keys (`keys`) and identity and URLs (`issuer`), issuing one
//! credential (`issue`). The achievements' side: the shipped achievements and how the pages
//! name them (`catalogue`), their images (`image`), the public pages (`pages`), a member's
//! badges (`mine`), the animators' pages (`admin`, their form `admin_form`), the automatic
//! awards (`rules`), the API (`api`), the demo's examples (`examples`), their addresses
//! (`routes`).

pub mod admin;
pub mod admin_form;
pub mod api;
pub mod catalogue;
pub mod examples;
pub mod image;
pub mod issue;
pub mod issuer;
pub mod keys;
pub mod mine;
pub mod pages;
pub mod routes;
pub mod rules;
