//! The confidential counsellor's case register: sealing of its confidential parts, and (with
//! `db::vpo`) the rules of who sees a case, the anonymous annual report, how long a case's
//! confidential parts are kept, and re-sealing them under a new notes key.

pub mod register;
pub mod rekey;
pub mod report;
pub mod retention;
pub mod sealing;
pub mod signals;
