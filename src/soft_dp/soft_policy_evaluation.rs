//! Soft policy evaluation: the entropy-regularised value of any stochastic policy, by an
//! exact linear solve and by iteration.

use nalgebra::{DMatrix, DVector};

use crate::soft_dp::soft_value_iteration::Termination;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{
    MdpError, check_alpha, check_tolerance, check_value_bound, table_len, try_filled,
};
use crate::tabular::tabular_policy::TabularPolicy;

/// Per-state policy reward `r_π(s) + α H(π(· | s))`, 0 at terminal states.
fn entropy_regularised_rewards(mdp: &Mdp, policy: &TabularPolicy, alpha: f64) -> Vec<f64> {
    let num_actions = mdp.num_actions();
    (0..mdp.num_states())
        .map(|s| {
            if mdp.is_terminal(s) {
                return 0.0;
            }
            let r = &mdp.rewards()[s * num_actions..(s + 1) * num_actions];
            let r_pi: f64 = policy
                .action_probs(s)
                .iter()
                .zip(r)
                .map(|(p, r)| p * r)
                .sum();
            r_pi + alpha * policy.entropy(s)
        })
        .collect()
}

fn check_inputs(mdp: &Mdp, policy: &TabularPolicy, alpha: f64) -> Result<(), MdpError> {
    check_alpha(alpha)?;
    mdp.check_infinite_horizon()?;
    policy.check_shape_of(mdp.num_states(), mdp.num_actions())?;
    // |V^π| ≤ (max|r| + α ln A)/(1 − γ): the entropy of any policy is at most ln A.
    check_value_bound(mdp.value_bound(alpha, None))
}

/// The soft value `V^π` of a stochastic policy, by solving the linear system exactly.
///
/// # Formula
///
/// ```text
/// V^π(s) = E_π[ Σ_t γ^t (r(s_t, a_t) + α H(π(· | s_t))) | s_0 = s ]
///        = Σ_a π(a | s) [ r(s, a) − α ln π(a | s) + γ Σ_{s'} P(s' | s, a) V^π(s') ]
/// (I − γ P_π) V^π = r_π + α H_π,   P_π(s' | s) = Σ_a π(a | s) P(s' | s, a)
/// ```
///
/// with `V^π(s) = 0` at terminal states (their rows are replaced by `V(s) = 0`).
///
/// # References
///
/// Haarnoja et al. (2018), *Soft Actor-Critic*, Lemma 1 (soft policy evaluation);
/// Puterman (1994), Theorem 6.1.1 (the linear system for `γ < 1`).
///
/// # Numerical stability
///
/// `I − γ P_π` is strictly diagonally dominant by rows for `γ < 1`, so it is invertible
/// with `‖(I − γ P_π)⁻¹‖∞ ≤ 1/(1 − γ)`; it is solved by LU with partial pivoting
/// (nalgebra), whose backward error gives a forward error of order `ε S · (1+γ)/(1−γ)`
/// relative to `‖V^π‖∞`. The entropy uses the policy's stored log-probabilities, with
/// `0 ln 0 = 0`. Cost `O(S³)` time and `O(S²)` memory: meant for a few thousand states.
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`], [`MdpError::DiscountNotBelowOne`],
/// [`MdpError::DimensionMismatch`] if the policy's shape differs from the MDP's,
/// [`MdpError::ValuesOutOfRange`] if `(max |r| + α ln A)/(1 − γ)` exceeds
/// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX), and [`MdpError::TooLarge`] if the dense
/// `S × S` matrix cannot be allocated (use [`soft_policy_evaluation_iterative`] there);
/// [`MdpError::InvalidParameter`] naming the discount if `γ` lies so close to 1 that the
/// linear solve breaks down in floating point (a zero pivot or a non-finite solution).
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, TabularPolicy, soft_policy_evaluation};
/// // One state, two actions with reward 1 and 0, uniform policy, γ = 0.5, α = 1:
/// // V = (0.5 + ln 2) / (1 − 0.5).
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.5)?;
/// let v = soft_policy_evaluation(&mdp, &TabularPolicy::uniform(1, 2)?, 1.0)?;
/// assert!((v[0] - (0.5 + 2f64.ln()) / 0.5).abs() < 1e-14);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn soft_policy_evaluation(
    mdp: &Mdp,
    policy: &TabularPolicy,
    alpha: f64,
) -> Result<Vec<f64>, MdpError> {
    check_inputs(mdp, policy, alpha)?;
    let n = mdp.num_states();
    let gamma = mdp.discount();
    let b = entropy_regularised_rewards(mdp, policy, alpha);
    // The dense S × S matrix: refuse it with a typed error if it cannot be allocated.
    let len = table_len("dense matrix I − γP_π", &[n, n])?;
    let mut m = DMatrix::from_vec(n, n, try_filled("dense matrix I − γP_π", len, 0.0)?);
    m.fill_diagonal(1.0);
    for s in (0..n).filter(|&s| !mdp.is_terminal(s)) {
        for (a, &p_a) in policy.action_probs(s).iter().enumerate() {
            if p_a == 0.0 {
                continue;
            }
            for (next, p) in mdp.successors(s, a) {
                m[(s, next)] -= gamma * p_a * p;
            }
        }
    }
    // I − γP_π is strictly diagonally dominant for γ < 1, hence invertible; only a γ within
    // rounding of 1 can make the factorisation break down or the solution overflow.
    let numerically_singular = MdpError::InvalidParameter {
        what: "discount",
        value: gamma,
        expected: "below 1 by more than rounding error (I − γP_π is numerically singular)",
    };
    let solution = m
        .lu()
        .solve(&DVector::from_vec(b))
        .ok_or(numerically_singular.clone())?;
    if solution.iter().any(|v| !v.is_finite()) {
        return Err(numerically_singular);
    }
    Ok(solution.iter().copied().collect())
}

/// What iterative soft policy evaluation returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PolicyEvaluationResult {
    /// The last iterate `V_k`.
    pub values: Vec<f64>,
    /// Number of sweeps `k`.
    pub iterations: usize,
    /// `‖V_k − V_{k−1}‖∞`.
    pub last_change: f64,
    /// Certified `‖V_k − V^π‖∞ ≤ γ/(1−γ) · last_change`.
    pub error_bound: f64,
    /// Why it stopped.
    pub termination: Termination,
}

/// The soft value `V^π` of a stochastic policy, by iterating its soft Bellman operator
/// `T^π V = r_π + α H_π + γ P_π V` from `V_0 = 0` until the certified bound
/// `γ/(1−γ) · ‖V_k − V_{k−1}‖∞ ≤ tolerance`.
///
/// # Formula
///
/// ```text
/// V_{k+1}(s) = Σ_a π(a | s) [ r(s, a) − α ln π(a | s) + γ Σ_{s'} P(s' | s, a) V_k(s') ]
/// ```
///
/// # References
///
/// Haarnoja et al. (2018), *Soft Actor-Critic*, Lemma 1.
///
/// # Numerical stability
///
/// `O(nnz)` per sweep and no matrix: the choice for large sparse MDPs, where
/// [`soft_policy_evaluation`]'s dense `O(S³)` solve is too expensive.
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`] for an `α` that is negative or not finite,
/// [`MdpError::DiscountNotBelowOne`] for `γ = 1`, [`MdpError::DimensionMismatch`] if the
/// policy's numbers of states or actions differ from the MDP's,
/// [`MdpError::ValuesOutOfRange`] if `(max |r| + α ln A)/(1 − γ)` exceeds
/// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX), and [`MdpError::InvalidParameter`] for a
/// negative or non-finite tolerance. Any `max_iterations` is accepted: with 0 the result is
/// `V_0 = 0` with `error_bound = +∞` and [`Termination::MaxIterations`].
///
/// # Examples
///
/// ```
/// use maxent_rl::{Gridworld, TabularPolicy, soft_policy_evaluation, soft_policy_evaluation_iterative};
/// let mdp = Gridworld::new(3, 3).build(0.9)?;
/// let pi = TabularPolicy::uniform(9, 4)?;
/// let exact = soft_policy_evaluation(&mdp, &pi, 0.5)?;
/// let iterated = soft_policy_evaluation_iterative(&mdp, &pi, 0.5, 1e-10, 10_000)?;
/// assert!(iterated.error_bound <= 1e-10);
/// assert!(exact.iter().zip(&iterated.values).all(|(x, y)| (x - y).abs() <= 1e-9));
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn soft_policy_evaluation_iterative(
    mdp: &Mdp,
    policy: &TabularPolicy,
    alpha: f64,
    tolerance: f64,
    max_iterations: usize,
) -> Result<PolicyEvaluationResult, MdpError> {
    check_inputs(mdp, policy, alpha)?;
    check_tolerance(tolerance)?;
    let n = mdp.num_states();
    let gamma = mdp.discount();
    let factor = gamma / (1.0 - gamma);
    let b = entropy_regularised_rewards(mdp, policy, alpha);
    let mut v = vec![0.0; n];
    let mut v_next = vec![0.0; n];
    let (mut iterations, mut last_change) = (0, f64::INFINITY);
    let mut termination = Termination::MaxIterations;
    while iterations < max_iterations {
        last_change = 0.0;
        for s in 0..n {
            let new = if mdp.is_terminal(s) {
                0.0
            } else {
                let ev: f64 = policy
                    .action_probs(s)
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| **p > 0.0)
                    .map(|(a, p)| p * mdp.expected_next_value(s, a, &v))
                    .sum();
                b[s] + gamma * ev
            };
            // Not `f64::max`, which drops a NaN.
            let d = (new - v[s]).abs();
            if d > last_change || d.is_nan() {
                last_change = d;
            }
            v_next[s] = new;
        }
        std::mem::swap(&mut v, &mut v_next);
        iterations += 1;
        if !last_change.is_finite() {
            return Err(MdpError::ValuesOutOfRange { bound: last_change });
        }
        if factor * last_change <= tolerance {
            termination = Termination::Converged;
            break;
        }
    }
    Ok(PolicyEvaluationResult {
        values: v,
        iterations,
        last_change,
        error_bound: if iterations == 0 {
            f64::INFINITY
        } else {
            factor * last_change
        },
        termination,
    })
}
