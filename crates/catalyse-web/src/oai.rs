//! OAI-PMH 2.0 repository of the resource centre. (Being written.)
