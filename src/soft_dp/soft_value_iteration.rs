//! Soft value iteration (and, at α = 0, ordinary value iteration) with a certified
//! stopping rule.

use crate::soft_dp::boltzmann::boltzmann_policy;
use crate::soft_dp::soft_bellman::{q_from_v_unchecked, soft_sweep};
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{
    MdpError, check_alpha, check_len, check_tolerance, check_value_bound, check_values,
};
use crate::tabular::tabular_policy::TabularPolicy;

/// Why an iterative solver stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Termination {
    /// The certified error bound fell to the requested tolerance.
    Converged,
    /// The iteration budget ran out first; the reported error bound still holds.
    MaxIterations,
}

/// Configuration of soft value iteration: `V_{k+1} = T_α V_k` until the error bound
/// `γ/(1−γ) · ‖V_k − V_{k−1}‖∞` certifies `‖V_k − V*‖∞ ≤ tolerance`.
///
/// # Formula
///
/// ```text
/// V_{k+1}(s) = α ln Σ_a exp(Q_k(s, a)/α),   Q_k(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) V_k(s')
/// ‖V_k − V*‖∞ ≤ γ/(1−γ) · ‖V_k − V_{k−1}‖∞
/// ```
///
/// The bound follows from the contraction: `‖V_k − V*‖ = ‖T V_{k−1} − T V*‖ ≤
/// γ‖V_{k−1} − V_k‖ + γ‖V_k − V*‖`. At `α = 0` this is ordinary (hard) value iteration.
///
/// # References
///
/// Ziebart (2010), thesis, ch. 6; Haarnoja et al. (2017), Theorem 2; the stopping
/// rule is Puterman (1994), *Markov Decision Processes*, Theorem 6.3.1 (with `ε(1−γ)/2γ`
/// replaced by the bound on the last iterate itself).
///
/// # Numerical stability
///
/// Each state's soft maximum is a shifted log-sum-exp ([`soft_state_value`](crate::soft_state_value)),
/// so any `α ≥ 0` and any reward scale work without overflow. The sweep allocates nothing:
/// two value buffers and one row of `A` action values are allocated once per run. Rounding
/// limits attainable accuracy to about `(S-dependent few ulps of ‖V*‖∞)/(1−γ)`; a
/// tolerance far below that ends with [`Termination::MaxIterations`].
///
/// # Errors
///
/// [`SoftValueIteration::run`] returns [`MdpError::InvalidTemperature`] for an `α` that is
/// negative or not finite, [`MdpError::InvalidParameter`] for a negative or non-finite
/// tolerance, and
/// [`MdpError::DiscountNotBelowOne`] for `γ = 1`, and [`MdpError::ValuesOutOfRange`] when
/// `max(‖V_0‖∞, (max |r| + α ln A)/(1 − γ))` exceeds
/// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX) (`1e300`): within that domain no sweep can
/// overflow, and the result is always finite. The builder methods store what they are
/// given; `run` checks it. Any `max_iterations` is accepted: with 0 no sweep runs, and the
/// result reports `V_0` with `error_bound = +∞` and [`Termination::MaxIterations`].
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, SoftValueIteration, Termination};
/// let mdp = Gridworld::new(4, 4).goal(3, 3).slip(0.1).build(0.9)?;
/// let solution = SoftValueIteration::new(0.1).tolerance(1e-10).run(&mdp)?;
/// assert_eq!(solution.termination, Termination::Converged);
/// assert!(solution.error_bound <= 1e-10);
/// let pi = solution.policy()?; // the Boltzmann policy exp((Q − V)/α)
/// assert!((pi.action_probs(0).iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoftValueIteration {
    /// Temperature `α ≥ 0` (0: hard value iteration).
    pub alpha: f64,
    /// Stop once `γ/(1−γ)·‖V_k − V_{k−1}‖∞ ≤ tolerance`. Default `1e-8`.
    pub tolerance: f64,
    /// Iteration budget. Default `100_000`.
    pub max_iterations: usize,
}

impl SoftValueIteration {
    /// Soft value iteration at temperature `α`, tolerance `1e-8`, at most `100_000` sweeps.
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            tolerance: 1e-8,
            max_iterations: 100_000,
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

    /// Runs from `V_0 = 0`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run(&self, mdp: &Mdp) -> Result<ValueIterationResult, MdpError> {
        self.run_from(mdp, &vec![0.0; mdp.num_states()])
    }

    /// Runs from a given `V_0` (a warm start, e.g. the previous solution when only the
    /// rewards changed).
    ///
    /// # Errors
    ///
    /// See the type's documentation; also [`MdpError::DimensionMismatch`] and
    /// [`MdpError::NonFiniteValue`] for a bad `V_0`.
    pub fn run_from(&self, mdp: &Mdp, v0: &[f64]) -> Result<ValueIterationResult, MdpError> {
        check_alpha(self.alpha)?;
        check_tolerance(self.tolerance)?;
        mdp.check_infinite_horizon()?;
        check_len("v0", v0.len(), mdp.num_states())?;
        check_values("v0", v0)?;
        // Every iterate stays within max(‖V_0‖∞, (max|r| + α ln A)/(1 − γ)); refuse problems
        // where that is near the f64 range, so no sweep can overflow.
        let v0_max = v0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        check_value_bound(mdp.value_bound(self.alpha, None).max(v0_max))?;
        let factor = mdp.discount() / (1.0 - mdp.discount());
        let mut v = v0.to_vec();
        let mut v_next = vec![0.0; mdp.num_states()];
        let mut q_row = vec![0.0; mdp.num_actions()];
        let mut iterations = 0;
        let mut last_change = f64::INFINITY;
        let mut termination = Termination::MaxIterations;
        while iterations < self.max_iterations {
            last_change = soft_sweep(mdp, self.alpha, &v, &mut v_next, &mut q_row);
            std::mem::swap(&mut v, &mut v_next);
            iterations += 1;
            // Unreachable after the bound check; a solver never calls NaN converged.
            if !last_change.is_finite() {
                return Err(MdpError::ValuesOutOfRange { bound: last_change });
            }
            if factor * last_change <= self.tolerance {
                termination = Termination::Converged;
                break;
            }
        }
        let mut q_values = vec![0.0; mdp.num_states() * mdp.num_actions()];
        q_from_v_unchecked(mdp, &v, &mut q_values);
        Ok(ValueIterationResult {
            alpha: self.alpha,
            num_actions: mdp.num_actions(),
            values: v,
            q_values,
            iterations,
            last_change,
            // No sweep ran: nothing is certified (and γ = 0 must not give 0 · ∞ = NaN).
            error_bound: if iterations == 0 {
                f64::INFINITY
            } else {
                factor * last_change
            },
            termination,
        })
    }
}

/// What soft (or hard) value iteration returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ValueIterationResult {
    /// The temperature the values belong to.
    pub alpha: f64,
    /// Number of actions (the row length of `q_values`).
    pub num_actions: usize,
    /// The last iterate `V_k`, one entry per state.
    pub values: Vec<f64>,
    /// `Q_k(s, a) = r(s, a) + γ Σ P(s' | s, a) V_k(s')`, flat (`s · A + a`); 0 at
    /// terminal states. `‖Q_k − Q*‖∞ ≤ γ · error_bound`.
    pub q_values: Vec<f64>,
    /// Number of sweeps performed (`k`).
    pub iterations: usize,
    /// `‖V_k − V_{k−1}‖∞` (`+∞` if no sweep ran).
    pub last_change: f64,
    /// Certified bound `‖V_k − V*‖∞ ≤ γ/(1−γ) · last_change`.
    pub error_bound: f64,
    /// Why the iteration stopped.
    pub termination: Termination,
}

impl ValueIterationResult {
    /// The Boltzmann policy `π(a | s) ∝ exp(Q_k(s, a)/α)` of the result (greedy, uniform
    /// over ties, at `α = 0`).
    ///
    /// # Errors
    ///
    /// [`MdpError::NonFiniteValue`] if `q_values` holds a NaN or infinite entry, and
    /// [`MdpError::InvalidTemperature`] for a negative or non-finite `alpha`: neither
    /// happens for a result returned by [`SoftValueIteration::run`] (whose values are
    /// bounded by [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX)), only for one whose public
    /// fields were edited.
    pub fn policy(&self) -> Result<TabularPolicy, MdpError> {
        boltzmann_policy(&self.q_values, self.num_actions, self.alpha)
    }
}

/// Ordinary (hard) value iteration, `V_{k+1}(s) = max_a [r(s, a) + γ Σ P(s' | s, a) V_k(s')]`,
/// with the same certified stopping rule as [`SoftValueIteration`].
///
/// # References
///
/// Bellman (1957), *Dynamic Programming*; Puterman (1994), §6.3.
///
/// # Errors
///
/// As [`SoftValueIteration::run`] at `α = 0`: [`MdpError::InvalidParameter`] for a
/// negative or non-finite tolerance; [`MdpError::DiscountNotBelowOne`] for `γ = 1`;
/// [`MdpError::ValuesOutOfRange`] if `max |r|/(1 − γ)` exceeds
/// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX).
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, value_iteration};
/// let mdp = Gridworld::new(3, 1).goal(2, 0).build(0.5)?;
/// let hard = value_iteration(&mdp, 1e-12, 1000)?;
/// // Two steps from the goal, step reward −1 (the default): V(0) = −1 + γ · (−1) = −1.5.
/// assert!((hard.values[0] - (-1.5)).abs() < 1e-12);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn value_iteration(
    mdp: &Mdp,
    tolerance: f64,
    max_iterations: usize,
) -> Result<ValueIterationResult, MdpError> {
    SoftValueIteration {
        alpha: 0.0,
        tolerance,
        max_iterations,
    }
    .run(mdp)
}
