//! Pages for HR: units now; survey rounds, results and the plan as they arrive.

pub mod rounds;
pub mod units;
