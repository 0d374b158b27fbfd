//! The plan of action (DOMAIN.md sections 5 and 7): measures suggested for a closed round's
//! risks, the items of the plan and their status, the history of every change as a hash chain,
//! and the completeness of the plan against the risks.

mod coverage;
mod history;
mod item;
mod suggest;

pub use coverage::{Coverage, uncovered};
pub use history::{Change, GENESIS, chain_hash, verify_chain};
pub use item::{
    ItemStatus, ProgressCounts, Standing, StatusError, YearProgress, default_deadline, progress,
    sign_off, transition,
};
pub use suggest::{RaisedBy, SuggestedMeasure, Suggestion, suggest};
