//! Open Badges 3.0: the platform issues signed, verifiable credentials for what catalyseurs
//! learn and do. The issuer's keys (`keys`) and identity and URLs (`issuer`), issuing one
//! credential (`issue`).
//!
//! The issuer's and the verifiers' side (`routes_issuer`): the published identity (`did`),
//! the credentials' pages and downloads (`credentials`, `api_credentials`), the status lists
//! (`status_list`), the platform's verification of a badge (`verification`) and the public
//! `/verifier` (`verifier`), with their content negotiation (`accept`).

pub mod issue;
pub mod issuer;
pub mod keys;

pub mod accept;
pub mod api_credentials;
pub mod credentials;
pub mod did;
pub mod routes_issuer;
pub mod status_list;
pub mod verification;
pub mod verifier;
