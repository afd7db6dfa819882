//! Numerical building blocks used by every other module: the stable log-sum-exp family,
//! scalar identities (`softplus`, `x ln x` with `0 ln 0 = 0`, `ln(1 − tanh² u)`), and a
//! Monte-Carlo estimate reported with its standard error.
//!
//! Taught in chapter 1 (*Entropy of a policy*), where the stable forms first matter.

pub(crate) mod compact;
pub(crate) mod inversion;
pub(crate) mod log_sum_exp;
pub(crate) mod monte_carlo;
pub(crate) mod special;

pub use log_sum_exp::{log_softmax, log_softmax_into, log_sum_exp, softmax};
pub use monte_carlo::MonteCarloEstimate;
pub use special::{log_one_minus_tanh_sq, softplus, xlogx};
