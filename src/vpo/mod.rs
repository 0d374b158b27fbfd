//! The confidential counsellor's case register: sealing of its confidential parts, (with
//! `db::vpo`) the rules of who sees a case, and the anonymous annual report.

pub mod register;
pub mod report;
pub mod sealing;
pub mod signals;
