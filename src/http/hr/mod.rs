//! Pages for HR (and, for results, the works council): units, survey rounds, results.

pub mod results;
pub mod rounds;
pub mod units;
