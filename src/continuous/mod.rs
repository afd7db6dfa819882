//! Continuous actions: the linear–quadratic problem, its Riccati solution with a
//! convergence certificate, and the maximum-entropy LQR in closed form.
//!
//! Taught in chapter 11 (*Continuous actions exactly: the maximum-entropy LQR*).

pub(crate) mod lq_error;
pub(crate) mod lq_problem;
pub(crate) mod maxent_lqr;
pub(crate) mod riccati;

pub use lq_error::LqError;
pub use lq_problem::LqProblem;
pub use maxent_lqr::MaxEntLqr;
pub use riccati::{RiccatiSolution, RiccatiSolver};
