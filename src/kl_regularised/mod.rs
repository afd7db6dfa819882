//! KL-regularised RL with known dynamics: the soft Bellman equation with a prior policy
//! `π₀` (entropy is the special case `π₀` uniform), soft value iteration and exact policy
//! evaluation with a prior, mirror-descent policy iteration and entropy-regularised natural
//! policy gradient, Munchausen value iteration and the KL- and entropy-regularised value
//! iteration it is equivalent to, and Todorov's linearly-solvable MDPs.
//!
//! Taught in chapter 13 (*KL-regularised RL*). The solvers of
//! [`soft_dp`](crate::soft_dp) (chapters 4–6) are the uniform-prior case.

pub(crate) mod finite_horizon_kl;
pub(crate) mod kl_error;
pub(crate) mod kl_policy_evaluation;
pub(crate) mod kl_soft_bellman;
pub(crate) mod kl_value_iteration;
pub(crate) mod lmdp;
pub(crate) mod mirror_descent;
pub(crate) mod munchausen;

pub use finite_horizon_kl::finite_horizon_kl_soft_value_iteration;
pub use kl_error::KlError;
pub use kl_policy_evaluation::kl_regularised_policy_evaluation;
pub use kl_soft_bellman::{kl_regularised_policy, kl_soft_state_value};
pub use kl_value_iteration::{KlSoftValueIteration, KlValueIterationResult};
pub use lmdp::LinearlySolvableMdp;
pub use mirror_descent::{MirrorDescentPolicyIteration, MirrorDescentResult, npg_error_bound};
pub use munchausen::{
    RegularisedIterate, kl_entropy_regularised_value_iteration, munchausen_value_iteration,
};
