//! Pages for staff: logging in and out, first-time setup, the overview.

pub mod audit;
pub mod home;
pub mod login;
pub mod setup;
