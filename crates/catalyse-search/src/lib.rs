//! Full-text search of the resource centre. (Being written.)
