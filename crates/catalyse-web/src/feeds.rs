//! Atom feeds (RFC 4287). (Being written.)
