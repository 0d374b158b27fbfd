//! The confidential counsellor's case register: sealing of its confidential parts, and (with
//! `db::vpo`) the rules of who sees a case.

pub mod register;
pub mod sealing;
pub mod signals;
