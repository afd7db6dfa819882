//! Soft value iteration with a prior policy.

use crate::kl_regularised::kl_error::KlError;
use crate::kl_regularised::kl_soft_bellman::{kl_log_policy_unchecked, kl_values_of_q};
use crate::soft_dp::Termination;
use crate::soft_dp::soft_bellman::q_from_v_unchecked;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_tolerance, check_value_bound};
use crate::tabular::tabular_policy::TabularPolicy;

/// Configuration of KL-regularised soft value iteration: `V_{k+1} = T_{α,π₀} V_k` until
/// the certified bound `γ/(1−γ) · ‖V_k − V_{k−1}‖∞` is below the tolerance.
///
/// # Formula
///
/// ```text
/// Q_k(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) V_k(s')
/// V_{k+1}(s) = α ln Σ_a π₀(a | s) exp(Q_k(s, a)/α)
/// ```
///
/// The operator is a `γ`-contraction in the sup norm (a weighted log-sum-exp is
/// 1-Lipschitz), and its fixed point `V*` is the optimal value of the KL-regularised
/// objective `E[Σ_t γ^t (r(s_t, a_t) − α KL(π(·|s_t) ‖ π₀(·|s_t)))]`, attained by
/// `π*(a | s) ∝ π₀(a | s) exp(Q*(s, a)/α)`. With `π₀` uniform this is chapter 6's soft
/// value iteration shifted by `α ln A/(1−γ)`. Terminal states have value 0.
///
/// # References
///
/// Geist, Scherrer & Pietquin (2019), *A Theory of Regularized Markov Decision Processes*,
/// ICML, §2–3 (regularised Bellman operators, their contraction and fixed points).
///
/// # Numerical stability
///
/// Each state value is `α · lse(ln π₀ + Q/α)` shifted by its maximum; excluded actions
/// (`π₀ = 0`) are skipped. A non-finite residual stops the iteration with an error instead
/// of reporting convergence.
///
/// # Errors
///
/// From `run`: [`MdpError::DiscountNotBelowOne`], [`MdpError::InvalidTemperature`] unless
/// `0 < α < ∞`, [`MdpError::InvalidParameter`] for a bad tolerance,
/// [`MdpError::DimensionMismatch`] for a prior of the wrong shape,
/// [`MdpError::ValuesOutOfRange`] if `max |r|/(1 − γ)` exceeds
/// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX) (within it every value and action value is
/// finite), and [`MdpError::NonFiniteValue`] if the values overflow all the same.
///
/// # Examples
///
/// ```
/// use maxent_rl::{KlSoftValueIteration, Mdp, TabularPolicy, Termination};
/// // One state, two actions with rewards 0 and ln 3, γ = ½, α = 1, prior (¾, ¼):
/// // V = ln(¾ + ¼·3) + γ V, so V = 2 ln 1.5; the optimum is π = (½, ½).
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0, 3f64.ln()], 0.5)?;
/// let prior = TabularPolicy::from_probs(1, 2, vec![0.75, 0.25])?;
/// let sol = KlSoftValueIteration::new(1.0).tolerance(1e-13).run(&mdp, &prior)?;
/// assert_eq!(sol.termination, Termination::Converged);
/// assert!((sol.values[0] - 2.0 * 1.5f64.ln()).abs() < 1e-12);
/// assert!((sol.policy.prob(0, 1) - 0.5).abs() < 1e-12);
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KlSoftValueIteration {
    alpha: f64,
    tolerance: f64,
    max_iterations: usize,
}

/// The result of [`KlSoftValueIteration::run`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct KlValueIterationResult {
    /// The last iterate `V_k`.
    pub values: Vec<f64>,
    /// `Q_k(s, a) = r + γ P V_k`, flat (`s · A + a`); 0 at terminal states.
    pub q_values: Vec<f64>,
    /// `π(a | s) ∝ π₀(a | s) exp(Q_k(s, a)/α)`.
    pub policy: TabularPolicy,
    /// Number of sweeps.
    pub iterations: usize,
    /// Certified `‖V_k − V*‖∞ ≤ error_bound`.
    pub error_bound: f64,
    /// Why the iteration stopped.
    pub termination: Termination,
}

impl KlSoftValueIteration {
    /// Temperature `α`, tolerance `1e-10`, at most 100 000 sweeps.
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            tolerance: 1e-10,
            max_iterations: 100_000,
        }
    }

    /// Stop once the certified error bound is at most `tolerance`.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Stop after at most `max_iterations` sweeps.
    pub fn max_iterations(mut self, max_iterations: usize) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// Runs from `V_0 = 0` with prior `π₀`.
    ///
    /// # Errors
    ///
    /// See the type's documentation.
    pub fn run(&self, mdp: &Mdp, prior: &TabularPolicy) -> Result<KlValueIterationResult, KlError> {
        mdp.check_infinite_horizon()?;
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(MdpError::InvalidTemperature { value: self.alpha }.into());
        }
        check_tolerance(self.tolerance)?;
        prior.check_shape_of(mdp.num_states(), mdp.num_actions())?;
        // From V_0 = 0, every iterate satisfies |V_k| ≤ max |r|/(1 − γ) (the KL penalty only
        // lowers a value that lies between E_π₀[Q] and max Q): refuse problems where that
        // nears the f64 range, so that no Q_k overflows.
        check_value_bound(mdp.value_bound(0.0, None))?;
        let gamma = mdp.discount();
        let factor = gamma / (1.0 - gamma);
        let mut values = vec![0.0; mdp.num_states()];
        let mut q = vec![0.0; mdp.num_states() * mdp.num_actions()];
        let mut error_bound = f64::INFINITY;
        let mut iterations = 0;
        let mut termination = Termination::MaxIterations;
        while iterations < self.max_iterations {
            q_from_v_unchecked(mdp, &values, &mut q);
            let next = kl_values_of_q(mdp, &q, prior, self.alpha);
            if let Some(s) = next.iter().position(|v| !v.is_finite()) {
                return Err(MdpError::NonFiniteValue {
                    what: "values",
                    index: s,
                    value: next[s],
                }
                .into());
            }
            let change = next
                .iter()
                .zip(&values)
                .map(|(a, b)| (a - b).abs())
                // Not `fold(0.0, f64::max)`, which drops a NaN.
                .fold(0.0, |m: f64, d| if d > m || d.is_nan() { d } else { m });
            values = next;
            iterations += 1;
            error_bound = factor * change;
            if error_bound <= self.tolerance {
                termination = Termination::Converged;
                break;
            }
        }
        q_from_v_unchecked(mdp, &values, &mut q);
        let log_probs = kl_log_policy_unchecked(&q, prior, self.alpha);
        let policy = TabularPolicy::from_normalised_log_probs(
            mdp.num_states(),
            mdp.num_actions(),
            log_probs,
        );
        Ok(KlValueIterationResult {
            values,
            q_values: q,
            policy,
            iterations,
            error_bound,
            termination,
        })
    }
}
