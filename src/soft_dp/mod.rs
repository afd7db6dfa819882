//! Soft dynamic programming with known dynamics: the soft Bellman operator, the Boltzmann
//! policy, soft value iteration with a certified error bound, exact and iterative soft
//! policy evaluation, soft policy iteration, and finite-horizon soft value iteration.
//!
//! Taught in chapters 4 (*The soft Bellman equation*), 5 (*Boltzmann optimality*) and 6
//! (*Soft value iteration and soft policy iteration*).

pub(crate) mod boltzmann;
pub(crate) mod finite_horizon;
pub(crate) mod newton_soft_policy_iteration;
pub(crate) mod soft_bellman;
pub(crate) mod soft_policy_evaluation;
pub(crate) mod soft_policy_iteration;
pub(crate) mod soft_value_iteration;

pub use boltzmann::boltzmann_policy;
pub use finite_horizon::{FiniteHorizonSolution, finite_horizon_soft_value_iteration};
pub use newton_soft_policy_iteration::{
    NewtonSoftPolicyIteration, NewtonSoftPolicyIterationResult,
};
pub use soft_bellman::{
    q_values_from_values, soft_bellman_backup, soft_bellman_q_backup, soft_state_value,
};
pub use soft_policy_evaluation::{
    PolicyEvaluationResult, soft_policy_evaluation, soft_policy_evaluation_iterative,
};
pub use soft_policy_iteration::{SoftPolicyIteration, SoftPolicyIterationResult};
pub use soft_value_iteration::{
    SoftValueIteration, Termination, ValueIterationResult, value_iteration,
};
