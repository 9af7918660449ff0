//! Open Badges 3.0: the platform issues signed, verifiable credentials for what catalyseurs
//! learn and do. The issuer's keys (`keys`) and identity and URLs (`issuer`), issuing one
//! credential (`issue`).

pub mod issue;
pub mod issuer;
pub mod keys;
