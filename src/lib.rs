//! # maxent-rl
//!
//! Maximum-entropy reinforcement learning: reference implementations that back a
//! textbook in which every formula is code and every claim is a test.
//!
//! The book lives in `book/src` (read it with `mdbook serve`); every Rust listing in it
//! is compiled and run by `cargo test`, and every numbered claim has a test named after
//! it (`cargo test claim_1_3`).
//!
//! ## Notation
//!
//! One notation is shared by the book and these docs.
//!
//! | Symbol | Meaning | In code |
//! |---|---|---|
//! | `s`, `a` | state, action | `s`, `a` |
//! | `z` | logits of a categorical policy | `logits` |
//! | `π(a\|s)` | policy | `pi`, `probs` |
//! | `ln π` | log-probability (natural log; entropies are in nats) | `log_pi`, `log_prob` |
//! | `H(π)` | entropy `−Σ π ln π` (or `−E[ln π]` for densities) | `entropy` |
//! | `μ`, `σ` | mean and standard deviation of a Gaussian | `mean`, `log_std` (= `ln σ`) |
//! | `u`, `a = tanh u` | pre-squash sample and squashed action | `pre_tanh`, `action` |
//! | `α` | temperature (entropy weight) | `alpha` |
//! | `γ` | discount | `discount` |
//! | `H̄` | target entropy (SAC) | `target_entropy` |
//! | `Â` | advantage estimate | `adv_t` |
//! | `ρ`, `ε` | PPO probability ratio and clip range | `ratio`, `clip_epsilon` |
//! | `Q'₁`, `Q'₂` | target critics (SAC) | `q1_t`, `q2_t` |
//! | `S`, `A` | numbers of states and actions of a tabular MDP | `num_states`, `num_actions` |
//! | `P(s'\|s,a)`, `r(s,a)` | transition probabilities, rewards | `transition_prob`, `rewards` (flat, `s·A + a`) |
//! | `V`, `Q` | (soft) state and action values | `values`, `q_values` (flat, `s·A + a`) |
//! | `T_α` | soft Bellman optimality operator | `soft_bellman_backup` |
//!
//! ## Conventions
//!
//! - `f64` throughout. Functions taking user data validate it and return a `Result`
//!   whose error names the bad value; numerical primitives ([`log_sum_exp`], [`softplus`])
//!   follow IEEE semantics like `f64::ln`.
//! - A logit of `−∞` masks an action: its probability is exactly 0 and it contributes
//!   nothing to entropies (`0 ln 0 = 0`, see [`xlogx`]).
//! - Losses are minimised. Batch losses over categorical policies take row-major logits
//!   `logits_t` (`B × |A|`, one row per state) and return the gradient in the same layout;
//!   their errors ([`LossError`]) name the batch index of the bad entry.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod boltzmann;
mod categorical;
mod chain;
mod demonstrations;
mod error;
mod features;
mod finite_horizon;
mod garnet;
mod gaussian;
mod gridworld;
mod irl_error;
mod log_sum_exp;
mod loss_error;
mod max_causal_ent;
mod maxent_irl;
mod maxent_partition;
mod mdp;
mod mdp_error;
mod monte_carlo;
mod pg_loss;
mod ppo_loss;
mod sac_actor_loss;
mod soft_bellman;
mod soft_critic_target;
mod soft_policy_evaluation;
mod soft_policy_iteration;
mod soft_value_iteration;
mod softmax_bandit;
mod special;
mod tabular_policy;
mod tanh_gaussian;
mod tanh_gaussian_grad;
mod temperature;
mod temperature_bandit;
mod time_indexed_policy;
mod visitation;

pub use boltzmann::boltzmann_policy;
pub use categorical::{
    categorical_entropy, categorical_entropy_and_grad, categorical_entropy_from_probs,
};
pub use chain::chain_mdp;
pub use demonstrations::{Demonstrations, Trajectory};
pub use error::{DistributionError, NORMALISATION_TOLERANCE};
pub use features::Features;
pub use finite_horizon::{FiniteHorizonSolution, finite_horizon_soft_value_iteration};
pub use garnet::garnet;
pub use gaussian::{diag_gaussian_entropy, diag_gaussian_log_prob};
pub use gridworld::Gridworld;
pub use irl_error::IrlError;
pub use log_sum_exp::{log_softmax, log_softmax_into, log_sum_exp, softmax};
pub use loss_error::LossError;
pub use max_causal_ent::MaxCausalEntSolution;
pub use maxent_irl::{
    IrlConfig, IrlEvaluation, IrlFit, IrlIterate, IrlModel, IrlProblem, IrlTermination, fit_irl,
};
pub use maxent_partition::{MaxEntPartition, TrajectoryEnd};
pub use mdp::Mdp;
pub use mdp_error::MdpError;
pub use monte_carlo::MonteCarloEstimate;
pub use pg_loss::{PolicyLoss, entropy_regularised_pg_loss};
pub use ppo_loss::{PpoLoss, ppo_clipped_loss};
pub use sac_actor_loss::{DiscreteActorLoss, discrete_sac_actor_loss, sac_actor_loss};
pub use soft_bellman::{
    q_values_from_values, soft_bellman_backup, soft_bellman_q_backup, soft_state_value,
};
pub use soft_critic_target::{discrete_soft_critic_target, soft_critic_target};
pub use soft_policy_evaluation::{
    PolicyEvaluationResult, soft_policy_evaluation, soft_policy_evaluation_iterative,
};
pub use soft_policy_iteration::{SoftPolicyIteration, SoftPolicyIterationResult};
pub use soft_value_iteration::{
    SoftValueIteration, Termination, ValueIterationResult, value_iteration,
};
pub use softmax_bandit::{
    BanditTracePoint, STUCK_PROBABILITY, SoftmaxBanditConfig, SoftmaxBanditRun, run_softmax_bandit,
};
pub use special::{log_one_minus_tanh_sq, softplus, xlogx};
pub use tabular_policy::TabularPolicy;
pub use tanh_gaussian::{TanhGaussian, TanhSample};
pub use tanh_gaussian_grad::ReparamGrad;
pub use temperature::{
    DISCRETE_TARGET_ENTROPY_FRACTION, TemperatureConfig, TemperatureState, TemperatureStep,
    continuous_target_entropy, discrete_target_entropy, temperature_loss, temperature_loss_grad,
};
pub use temperature_bandit::{
    TemperatureBanditConfig, TemperatureBanditRun, TemperatureTracePoint, run_temperature_bandit,
};
pub use time_indexed_policy::TimeIndexedPolicy;
pub use visitation::{
    Visitation, discounted_occupancy, forward_pass, trajectory_model_visitation,
    visitation_until_absorbed,
};

/// Every chapter of the book, included as documentation so that `cargo test` compiles
/// and runs its listings as doctests. Generated by `build.rs` from `book/src`.
#[cfg(doctest)]
mod book_doctests {
    /// The README's example runs too.
    #[doc = include_str!("../README.md")]
    pub struct Readme;

    include!(concat!(env!("OUT_DIR"), "/book_doctests.rs"));
}
