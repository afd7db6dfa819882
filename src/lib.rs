//! # maxent-rl
//!
//! Maximum-entropy reinforcement learning: reference implementations that back a
//! textbook in which every formula is code and every claim is a test.
//!
//! The book lives in `book/src` (read it with `mdbook serve`); every Rust listing in it
//! is compiled and run by `cargo test`, and every numbered claim has a test named after
//! it (`cargo test claim_1_3`).
//!
//! ## Quick start
//!
//! ```
//! use maxent_rl::{Gridworld, SoftValueIteration, categorical_entropy};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The entropy of a softmax policy, from its logits (a −∞ logit masks an action).
//! let h = categorical_entropy(&[1.0, 0.0, f64::NEG_INFINITY])?;
//! assert!(h > 0.0 && h < 2f64.ln());
//!
//! // The soft-optimal values of a slippery 4×4 gridworld at temperature α = 0.5,
//! // certified to within 1e-10 of the fixed point, and its Boltzmann policy π ∝ exp(Q/α).
//! let mdp = Gridworld::new(4, 4).slip(0.1).build(0.9)?;
//! let solution = SoftValueIteration::new(0.5).tolerance(1e-10).run(&mdp)?;
//! assert!(solution.error_bound <= 1e-10);
//! let policy = solution.policy()?;
//! let total: f64 = policy.action_probs(0).iter().sum();
//! assert!((total - 1.0).abs() < 1e-12);
//! # Ok(())
//! # }
//! ```
//!
//! ## Modules and the chapters that teach them
//!
//! Every public item of the modules below, except those of [`experiments`], is also
//! re-exported at the crate root: `use maxent_rl::SoftValueIteration;` works, and a
//! listing never needs to know the module tree.
//!
//! | Module | Holds | Book chapters |
//! |---|---|---|
//! | [`numerics`] | log-sum-exp, softmax, softplus, `x ln x`, Monte-Carlo estimates | 1 |
//! | [`distributions`] | categorical, diagonal-Gaussian and tanh-Gaussian policies; entropies | 1, 7 |
//! | [`losses`] | A2C and PPO losses with the entropy bonus; SAC's actor, critic target and temperature | 2, 7 |
//! | [`tabular`] | the tabular [`Mdp`], stationary and time-indexed policies, visitations | 3, 8, 9 |
//! | [`envs`] | gridworld, chain and Garnet MDPs | 3–9 |
//! | [`soft_dp`] | soft Bellman operator, Boltzmann policy, soft value and policy iteration | 4, 5, 6 |
//! | [`irl`] | maximum-entropy and maximum causal entropy inverse RL | 8, 9 |
//! | [`learning`] | sampling, replay buffer, soft Q-learning, soft policy gradient, path consistency, discrete SAC | 10 |
//! | [`continuous`] | the linear–quadratic problem, certified Riccati solver, maximum-entropy LQR; SAC on it; soft Q-learning's soft value and SVGD; tanh-Gaussian quadrature | 11 |
//! | [`inference`] | control as inference: exact backward messages, the trajectory posterior, the ELBO | 12 |
//! | [`kl_regularised`] | KL-regularised soft VI with a prior policy, mirror descent and NPG, Munchausen VI, linearly-solvable MDPs | 13 |
//! | [`exploration`] | DeepSea; ε-greedy, Boltzmann, soft-Q, entropy-bonus policy-gradient, curiosity, PUCT, count-bonus and randomised-value explorers; growth fits; Boltzmann, mellowmax and soft-maximum operators and generalised value iteration; hitting probabilities | 14 |
//! | [`experiments`] | the harnesses behind the book's figures (not part of the core API) | 2, 7 |
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
#![warn(clippy::missing_errors_doc, clippy::missing_panics_doc)]
#![doc(test(attr(deny(warnings))))]

pub mod continuous;
pub mod distributions;
pub mod envs;
pub mod experiments;
pub mod exploration;
pub mod inference;
pub mod irl;
pub mod kl_regularised;
pub mod learning;
pub mod losses;
pub mod numerics;
pub mod soft_dp;
pub mod tabular;

// The flat API: every core item is also reachable as `maxent_rl::Item`, so a listing
// need not know the module tree. The experiment harnesses are deliberately not here.
#[doc(no_inline)]
pub use continuous::*;
#[doc(no_inline)]
pub use distributions::*;
#[doc(no_inline)]
pub use envs::*;
#[doc(no_inline)]
pub use exploration::*;
#[doc(no_inline)]
pub use inference::*;
#[doc(no_inline)]
pub use irl::*;
#[doc(no_inline)]
pub use kl_regularised::*;
pub use learning::*;
#[doc(no_inline)]
pub use losses::*;
#[doc(no_inline)]
pub use numerics::*;
#[doc(no_inline)]
pub use soft_dp::*;
#[doc(no_inline)]
pub use tabular::*;

/// The `rand` crate this library is built against (0.10), re-exported so that your code
/// names the same [`Rng`](rand::Rng) and [`SeedableRng`](rand::SeedableRng) traits as the
/// library's sampling functions: `use maxent_rl::rand::SeedableRng;`.
pub use rand;

/// The `nalgebra` crate this library is built against (0.35), re-exported so that the
/// matrices you pass (as to [`Mdp::from_matrices`]) are of the same type:
/// `use maxent_rl::nalgebra::DMatrix;`.
pub use nalgebra;

/// Every chapter of the book, included as documentation so that `cargo test` compiles
/// and runs its listings as doctests. Generated by `build.rs` from `book/src`.
#[cfg(doctest)]
mod book_doctests {
    /// The README's example runs too.
    #[doc = include_str!("../README.md")]
    pub struct Readme;

    include!(concat!(env!("OUT_DIR"), "/book_doctests.rs"));
}
