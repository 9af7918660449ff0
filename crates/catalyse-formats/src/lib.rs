//! The formats Catalyse writes and reads, without HTTP: each module turns plain values into
//! bytes (or bytes into values) and knows nothing of requests, storage or the router. The web
//! crate calls them from its handlers and wraps what they return into responses.
//!
//! - [`oai_pmh`] — the OAI-PMH 2.0 protocol of the resource centre: verbs, arguments,
//!   resumption tokens, Dublin Core records, error codes, over an [`oai_pmh::OaiRepository`].
//! - [`icalendar`] — iCalendar (RFC 5545) calendars and invitations.
//! - [`atom`] — Atom 1.0 feeds (RFC 4287).
//! - [`choropleth`] — SVG choropleth maps of regions and departments (with their embedded
//!   boundaries) and SVG bar charts. Not to be confused with the network's cluster map
//!   (`catalyse-map`).
//! - [`example_pdf`] — a one-page PDF for the demonstration's example resources.
//! - [`profile_photo`] — a member's uploaded picture normalised into a small square JPEG with
//!   no metadata.

pub mod atom;
pub mod choropleth;
pub mod example_pdf;
pub mod icalendar;
pub mod oai_pmh;
pub mod picture;
pub mod profile_photo;
pub mod xml;
