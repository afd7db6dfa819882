//! Soft policy iteration: exact soft policy evaluation alternated with the Boltzmann
//! improvement step.

use crate::soft_dp::boltzmann::boltzmann_policy;
use crate::soft_dp::soft_bellman::{q_from_v_unchecked, soft_values_of_q};
use crate::soft_dp::soft_policy_evaluation::soft_policy_evaluation;
use crate::soft_dp::soft_value_iteration::Termination;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_alpha, check_tolerance};
use crate::tabular::tabular_policy::TabularPolicy;

/// Configuration of soft policy iteration.
///
/// # Formula
///
/// ```text
/// V_k = V^{π_k}                        (exact soft policy evaluation)
/// Q_k(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) V_k(s')
/// π_{k+1}(a | s) ∝ exp(Q_k(s, a)/α)    (soft policy improvement)
/// ```
///
/// Each step improves every state, `V^{π_{k+1}} ≥ V^{π_k}` (the soft policy improvement
/// theorem), and `V_k → V*`. It stops when the certified bound
/// `‖V_k − V*‖∞ ≤ ‖T_α V_k − V_k‖∞ / (1 − γ)` is at most the tolerance.
///
/// # References
///
/// Haarnoja et al. (2018), *Soft Actor-Critic*, Lemma 2 (soft policy improvement) and
/// Theorem 1 (soft policy iteration); Puterman (1994), §6.4 (policy iteration). The
/// stopping bound is the residual bound `‖V − V*‖ ≤ ‖T V − V‖/(1−γ)`, which follows from
/// `‖V − V*‖ ≤ ‖V − T V‖ + ‖T V − T V*‖` and the contraction.
///
/// # Numerical stability
///
/// Evaluation is the exact solve of [`soft_policy_evaluation`] (`O(S³)` per iteration);
/// improvement is the log-space [`boltzmann_policy`].
///
/// # Errors
///
/// [`SoftPolicyIteration::run`] returns [`MdpError::InvalidTemperature`] for an `α` that is
/// negative or not finite, [`MdpError::InvalidParameter`] for a negative or non-finite
/// tolerance, [`MdpError::DiscountNotBelowOne`] for `γ = 1`,
/// [`MdpError::DimensionMismatch`] for an initial policy whose numbers of states or actions
/// differ from the MDP's, and, from the exact evaluation ([`soft_policy_evaluation`]),
/// [`MdpError::ValuesOutOfRange`] if `(max |r| + α ln A)/(1 − γ)` exceeds
/// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX), [`MdpError::TooLarge`] if the dense
/// `S × S` matrix cannot be allocated, and [`MdpError::InvalidParameter`] naming the
/// discount if `γ` is within rounding of 1. The builder methods store what they are given;
/// `run` checks it. At least one evaluation is made, even with `max_iterations = 0`.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, SoftPolicyIteration, SoftValueIteration, Termination};
/// let mdp = Gridworld::new(4, 3).slip(0.1).build(0.9)?;
/// let pi = SoftPolicyIteration::new(0.5).tolerance(1e-10).run(&mdp)?;
/// assert_eq!(pi.termination, Termination::Converged);
/// let vi = SoftValueIteration::new(0.5).tolerance(1e-10).run(&mdp)?;
/// assert!(pi.values.iter().zip(&vi.values).all(|(a, b)| (a - b).abs() < 1e-9));
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoftPolicyIteration {
    /// Temperature `α ≥ 0`.
    pub alpha: f64,
    /// Stop once `‖T_α V_k − V_k‖∞/(1−γ) ≤ tolerance`. Default `1e-8`.
    pub tolerance: f64,
    /// Iteration budget. Default `1000`.
    pub max_iterations: usize,
}

/// What soft policy iteration returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SoftPolicyIterationResult {
    /// The soft value `V^{π_k}` of the last evaluated policy, exactly.
    pub values: Vec<f64>,
    /// `Q_k = r + γ P V_k`, flat (`s · A + a`).
    pub q_values: Vec<f64>,
    /// The Boltzmann policy of the returned action values, `π(a|s) ∝ exp(Q_k(s, a)/α)`
    /// (the improvement step applied once more, `π_{k+1}`): the policy that matches
    /// `values` and `q_values` in the sense of the soft Bellman equation, as
    /// [`ValueIterationResult::policy`](crate::ValueIterationResult::policy) does. By soft
    /// policy improvement its value is at least `values` in every state.
    pub policy: TabularPolicy,
    /// The last evaluated policy `π_k`, whose exact soft value is `values`.
    pub evaluated_policy: TabularPolicy,
    /// `V^{π_0}, V^{π_1}, …, V^{π_k}`: one entry per evaluation.
    pub value_history: Vec<Vec<f64>>,
    /// Number of evaluations `k + 1`.
    pub iterations: usize,
    /// Certified `‖V_k − V*‖∞ ≤ ‖T_α V_k − V_k‖∞ / (1 − γ)`.
    pub error_bound: f64,
    /// Why it stopped.
    pub termination: Termination,
}

impl SoftPolicyIteration {
    /// Soft policy iteration at temperature `α`, tolerance `1e-8`, at most 1000 evaluations.
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            tolerance: 1e-8,
            max_iterations: 1000,
        }
    }

    /// Sets the tolerance on the certified error bound.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Sets the iteration budget.
    pub fn max_iterations(mut self, max_iterations: usize) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// Runs from the uniform policy.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run(&self, mdp: &Mdp) -> Result<SoftPolicyIterationResult, MdpError> {
        self.run_from(
            mdp,
            TabularPolicy::uniform(mdp.num_states(), mdp.num_actions())?,
        )
    }

    /// Runs from a given initial policy `π_0`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run_from(
        &self,
        mdp: &Mdp,
        initial_policy: TabularPolicy,
    ) -> Result<SoftPolicyIterationResult, MdpError> {
        check_alpha(self.alpha)?;
        check_tolerance(self.tolerance)?;
        mdp.check_infinite_horizon()?;
        initial_policy.check_shape_of(mdp.num_states(), mdp.num_actions())?;
        let scale = 1.0 / (1.0 - mdp.discount());
        let mut policy = initial_policy;
        let mut q_values = vec![0.0; mdp.num_states() * mdp.num_actions()];
        let mut value_history = Vec::new();
        let mut termination = Termination::MaxIterations;
        let mut error_bound = f64::INFINITY;
        for _ in 0..self.max_iterations.max(1) {
            let values = soft_policy_evaluation(mdp, &policy, self.alpha)?;
            q_from_v_unchecked(mdp, &values, &mut q_values);
            let backed_up = soft_values_of_q(mdp, &q_values, self.alpha);
            // Not `fold(0.0, f64::max)`, which drops a NaN.
            let residual = backed_up
                .iter()
                .zip(&values)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, |m: f64, d| if d > m || d.is_nan() { d } else { m });
            if !residual.is_finite() {
                return Err(MdpError::ValuesOutOfRange { bound: residual });
            }
            error_bound = scale * residual;
            value_history.push(values);
            if error_bound <= self.tolerance {
                termination = Termination::Converged;
                break;
            }
            if value_history.len() == self.max_iterations {
                break;
            }
            policy = boltzmann_policy(&q_values, mdp.num_actions(), self.alpha)?;
        }
        let improved = boltzmann_policy(&q_values, mdp.num_actions(), self.alpha)?;
        Ok(SoftPolicyIterationResult {
            // The loop above evaluates at least once, so the history is never empty.
            values: value_history.last().cloned().unwrap_or_default(),
            q_values,
            policy: improved,
            evaluated_policy: policy,
            iterations: value_history.len(),
            value_history,
            error_bound,
            termination,
        })
    }
}
