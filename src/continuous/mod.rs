//! Continuous actions: the linear–quadratic problem, its Riccati solution with a
//! convergence certificate, the maximum-entropy LQR in closed form (infinite and finite
//! horizon), and Soft Actor-Critic
//! run on it from samples (linear-Gaussian actor, quadratic critics, replay, Adam); soft
//! Q-learning's importance-sampled soft value and Stein variational gradient descent; the
//! tanh-squashed Gaussian's entropy by Gauss–Hermite quadrature and actions in a box.
//!
//! Taught in chapter 11 (*Continuous actions exactly: the maximum-entropy LQR*).

pub(crate) mod action_box;
pub(crate) mod adam;
pub(crate) mod finite_horizon_lqr;
pub(crate) mod importance_sampled_soft_value;
pub(crate) mod lq_error;
pub(crate) mod lq_problem;
pub(crate) mod maxent_lqr;
pub(crate) mod quadratic_critic;
pub(crate) mod replay_buffer;
pub(crate) mod riccati;
pub(crate) mod sac_lqr;
pub(crate) mod svgd;
pub(crate) mod tanh_gaussian_quadrature;

pub use action_box::ActionBox;
pub use adam::Adam;
pub use finite_horizon_lqr::{FiniteHorizonMaxEntLqr, finite_horizon_maxent_lqr};
pub use importance_sampled_soft_value::importance_sampled_soft_value;
pub use lq_error::LqError;
pub use lq_problem::LqProblem;
pub use maxent_lqr::MaxEntLqr;
pub use quadratic_critic::QuadraticCritic;
pub use replay_buffer::ContinuousReplayBuffer;
pub use riccati::{RiccatiSolution, RiccatiSolver};
pub use sac_lqr::{
    ActorLossGrad, SacLqrConfig, SacLqrRecord, SacLqrResult, SacLqrTemperature,
    linear_gaussian_actor_loss, sac_lqr, tanh_gaussian_actor_loss,
};
pub use svgd::{svgd, svgd_direction};
pub use tanh_gaussian_quadrature::{
    MAX_GAUSS_HERMITE_NODES, gauss_hermite, tanh_gaussian_entropy_quadrature,
};
