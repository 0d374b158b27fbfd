//! The pure core: the language of the field as types and rules.
//!
//! Nothing here may import actix, diesel, the clock or a random generator: every function is a
//! deterministic function of its arguments, so it can be unit- and property-tested on its own.

pub mod account;
pub mod aggregate;
pub mod anonymity;
pub mod answers;
pub mod audit;
pub mod chain;
pub mod counsellor;
pub mod decimal;
pub mod ids;
pub mod measures;
pub mod organisation;
pub mod plan;
pub mod policy;
pub mod questionnaire;
pub mod results;
pub mod risk;
pub mod role;
pub mod round;
pub mod scoring;
pub mod share;
pub mod unit;
pub mod vpo;

pub use account::{Email, Password};
pub use decimal::Decimal;
pub use ids::{CounsellorId, OrganisationId, TokenId, UnitId, UserId};
pub use organisation::{
    Headcount, Organisation, OrganisationName, OrganisationSettings, VpoThreshold,
};
pub use questionnaire::Questionnaire;
pub use role::{Role, RoleSet};
pub use unit::{Unit, UnitName, UnitTree};
