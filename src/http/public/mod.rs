//! Pages for anyone, without an account: checking an export's signature.

pub mod verify;
