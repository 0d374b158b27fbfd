//! Pages for HR (and, for results and the plan, the works council and the prevention officer):
//! units, survey rounds, results, the plan of action.

pub mod plan;
pub mod results;
pub mod rounds;
pub mod shares;
pub mod units;
