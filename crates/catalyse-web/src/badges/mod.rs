//! Open Badges 3.0: the platform issues signed, verifiable credentials for what catalyseurs
//! learn and do. The issuer's keys (`keys`) and identity and URLs (`issuer`), issuing one
//! credential (`issue`). The achievements' side: the shipped achievements and how the pages
//! name them (`catalogue`), their images (`image`), the public pages (`pages`), a member's
//! badges (`mine`), the animators' pages (`admin`, their form `admin_form`), the automatic
//! awards (`rules`), the API (`api`), the demo's examples (`examples`), their addresses
//! (`routes`).
//!
//! The issuer's and the verifiers' side (`routes_issuer`): the published identity (`did`),
//! the credentials' pages and downloads (`credentials`, `api_credentials`), the status lists
//! (`status_list`), the platform's verification of a badge (`verification`) and the public
//! `/verifier` (`verifier`), with their content negotiation (`accept`).

pub mod accept;
pub mod admin;
pub mod admin_form;
pub mod api;
pub mod api_credentials;
pub mod catalogue;
pub mod credentials;
pub mod did;
pub mod examples;
pub mod image;
pub mod issue;
pub mod issuer;
pub mod keys;
pub mod mine;
pub mod pages;
pub mod routes;
pub mod routes_issuer;
pub mod rules;
pub mod status_list;
pub mod verification;
pub mod verifier;
