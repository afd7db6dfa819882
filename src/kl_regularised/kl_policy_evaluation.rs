//! Exact evaluation of a policy under the KL-regularised objective.

use nalgebra::{DMatrix, DVector};

use crate::kl_regularised::kl_error::KlError;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_alpha, table_len, try_filled};
use crate::tabular::tabular_policy::TabularPolicy;

/// The KL-regularised value `V^π` of a policy with respect to a prior `π₀`, by solving the
/// linear system exactly.
///
/// # Formula
///
/// ```text
/// V^π(s) = E_π[ Σ_t γ^t ( r(s_t, a_t) − α KL(π(·|s_t) ‖ π₀(·|s_t)) ) | s_0 = s ]
/// (I − γ P_π) V^π = r_π − α KL_π,   KL_π(s) = Σ_a π(a|s) ln(π(a|s)/π₀(a|s))
/// ```
///
/// with `V^π(s) = 0` at terminal states. With `π₀` uniform this is
/// [`soft_policy_evaluation`](crate::soft_policy_evaluation) minus `α ln A/(1−γ)` (on an
/// MDP without terminal states); at `α = 0` it is ordinary policy evaluation.
///
/// # References
///
/// Geist, Scherrer & Pietquin (2019), *A Theory of Regularized MDPs*, §2 (the regularised
/// evaluation operator); Puterman (1994), Theorem 6.1.1 (the linear system).
///
/// # Numerical stability
///
/// As [`soft_policy_evaluation`](crate::soft_policy_evaluation): LU with partial pivoting
/// of a matrix that is strictly diagonally dominant by rows for `γ < 1`. `0 ln 0 = 0`.
///
/// # Errors
///
/// [`MdpError::DiscountNotBelowOne`], [`MdpError::InvalidTemperature`] (`α` must be finite
/// and `≥ 0`), [`MdpError::DimensionMismatch`] for a policy or prior of the wrong shape,
/// and [`KlError::OutsidePriorSupport`] naming `(s, a)` where `π > 0 = π₀` (then the KL is
/// infinite, unless `α = 0`); [`MdpError::NonFiniteValue`] if the values overflow;
/// [`MdpError::TooLarge`] if the dense `S × S` matrix cannot be allocated; and
/// [`MdpError::InvalidParameter`] naming the discount when `γ < 1` lies so close to 1 that
/// the linear solve breaks down in floating point (as
/// [`soft_policy_evaluation`](crate::soft_policy_evaluation) reports it).
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, TabularPolicy, kl_regularised_policy_evaluation};
/// // One state, rewards (1, 0), π = (½, ½), π₀ = (¾, ¼), γ = ½, α = 1:
/// // KL = ½ ln(⅔) + ½ ln 2 = ½ ln(4/3), V = (½ − ½ ln(4/3)) / (1 − ½).
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.5)?;
/// let pi = TabularPolicy::uniform(1, 2)?;
/// let prior = TabularPolicy::from_probs(1, 2, vec![0.75, 0.25])?;
/// let v = kl_regularised_policy_evaluation(&mdp, &pi, &prior, 1.0)?;
/// assert!((v[0] - (1.0 - (4.0f64 / 3.0).ln())).abs() < 1e-14);
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
pub fn kl_regularised_policy_evaluation(
    mdp: &Mdp,
    policy: &TabularPolicy,
    prior: &TabularPolicy,
    alpha: f64,
) -> Result<Vec<f64>, KlError> {
    mdp.check_infinite_horizon()?;
    check_alpha(alpha)?;
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    policy.check_shape_of(s_count, a_count)?;
    prior.check_shape_of(s_count, a_count)?;
    let gamma = mdp.discount();
    // The dense S × S matrix: refuse it with a typed error if it cannot be allocated.
    let len = table_len("dense matrix I − γP_π", &[s_count, s_count])?;
    let mut m = DMatrix::from_vec(
        s_count,
        s_count,
        try_filled("dense matrix I − γP_π", len, 0.0)?,
    );
    m.fill_diagonal(1.0);
    let mut b = vec![0.0; s_count];
    for s in (0..s_count).filter(|&s| !mdp.is_terminal(s)) {
        for a in 0..a_count {
            let p_a = policy.prob(s, a);
            if p_a == 0.0 {
                continue;
            }
            let log_ratio = policy.log_prob(s, a) - prior.log_prob(s, a);
            if log_ratio == f64::INFINITY && alpha > 0.0 {
                return Err(KlError::OutsidePriorSupport { s, a, prob: p_a });
            }
            let penalty = if alpha == 0.0 { 0.0 } else { alpha * log_ratio };
            b[s] += p_a * (mdp.reward(s, a) - penalty);
            for (next, p) in mdp.successors(s, a) {
                m[(s, next)] -= gamma * p_a * p;
            }
        }
    }
    let solution = m
        .lu()
        .solve(&DVector::from_vec(b))
        .ok_or(MdpError::InvalidParameter {
            what: "discount",
            value: gamma,
            expected: "below 1 by more than rounding error (I − γP_π is numerically singular)",
        })?;
    let values: Vec<f64> = solution.iter().copied().collect();
    if let Some(s) = values.iter().position(|v| !v.is_finite()) {
        return Err(MdpError::NonFiniteValue {
            what: "values",
            index: s,
            value: values[s],
        }
        .into());
    }
    Ok(values)
}
