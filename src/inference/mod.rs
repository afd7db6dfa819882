//! Control as inference on a tabular MDP: the graphical model with optimality variables
//! `p(O_t = 1 | s, a) = exp(r(s, a)/α)`, its exact backward messages and posterior (the
//! optimistic backup), a brute-force enumeration of the posterior over trajectories for
//! tiny MDPs, and the evidence lower bound of a policy (the variational road, whose
//! maximiser is the soft Bellman solution with `E[V]`).
//!
//! Taught in chapter 12 (*Control as inference*). The exact backward pass is the
//! partition function of maximum-entropy IRL ([`MaxEntPartition`](crate::MaxEntPartition),
//! chapter 8) at rewards `r/α`; the variational solution is
//! [`finite_horizon_soft_value_iteration`](crate::finite_horizon_soft_value_iteration)
//! (chapters 6 and 9).

pub(crate) mod backward_messages;
pub(crate) mod elbo;
pub(crate) mod inference_error;
pub(crate) mod trajectory_posterior;

pub use backward_messages::{BackwardMessages, PosteriorMarginals};
pub use elbo::evidence_lower_bound;
pub use inference_error::InferenceError;
pub use trajectory_posterior::{PosteriorTrajectory, TrajectoryPosterior};
