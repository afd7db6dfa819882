//! The soft Bellman backup with a prior policy, and the policy that attains it.

use crate::kl_regularised::kl_error::KlError;
use crate::numerics::{log_softmax, log_sum_exp};
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_len};
use crate::tabular::tabular_policy::TabularPolicy;

/// The KL-regularised soft value of one state: `V = α ln Σ_a π₀(a) exp(Q(a)/α)`.
///
/// # Formula
///
/// ```text
/// V = α ln Σ_a π₀(a) exp(Q(a)/α) = max_π { Σ_a π(a) Q(a) − α KL(π ‖ π₀) }
/// argmax: π(a) = π₀(a) exp((Q(a) − V)/α)
/// ```
///
/// With `π₀` uniform over `A` actions, `KL(π ‖ π₀) = ln A − H(π)` and
/// `V = soft_state_value(Q, α) − α ln A`: entropy regularisation is KL regularisation
/// towards the uniform policy, up to the constant `α ln A`. At `α = 0` the value is the
/// maximum of `Q` over the prior's support.
///
/// # References
///
/// Geist, Scherrer & Pietquin (2019), *A Theory of Regularized Markov Decision Processes*,
/// ICML, §2 (the regularised greedy policy and its Legendre–Fenchel conjugate; the KL
/// case); Levine (2018), §2.3 (the action prior in the backward messages).
///
/// # Numerical stability
///
/// Computed as `α · lse(ln π₀ + Q/α)`, shifted by the maximum; an action with
/// `π₀(a) = 0` (`ln π₀ = −∞`) contributes nothing.
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`] for `α` negative or not finite;
/// [`MdpError::DimensionMismatch`] if the lengths differ; [`MdpError::NonFiniteValue`]
/// for a non-finite `Q(a)` on the prior's support, or a result that overflows;
/// [`MdpError::InvalidPolicyProbability`] (with `s = 0`) for a `ln π₀(a)` that is NaN or
/// positive; [`KlError::EmptyPriorSupport`] (with `s = 0`) if every `ln π₀(a)` is `−∞`.
///
/// # Examples
///
/// ```
/// use maxent_rl::kl_soft_state_value;
/// // π₀ = (¾, ¼), Q = (0, ln 3), α = 1: V = ln(¾ + ¼·3) = ln 1.5.
/// let v = kl_soft_state_value(&[0.0, 3f64.ln()], &[0.75f64.ln(), 0.25f64.ln()], 1.0)?;
/// assert!((v - 1.5f64.ln()).abs() < 1e-15);
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
pub fn kl_soft_state_value(q_s: &[f64], log_prior_s: &[f64], alpha: f64) -> Result<f64, KlError> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(MdpError::InvalidTemperature { value: alpha }.into());
    }
    check_len("log_prior_s", log_prior_s.len(), q_s.len())?;
    if let Some(a) =
        (0..q_s.len()).find(|&a| log_prior_s[a] > f64::NEG_INFINITY && !q_s[a].is_finite())
    {
        return Err(MdpError::NonFiniteValue {
            what: "q_s",
            index: a,
            value: q_s[a],
        }
        .into());
    }
    if let Some(a) = log_prior_s.iter().position(|l| l.is_nan() || *l > 0.0) {
        return Err(MdpError::InvalidPolicyProbability {
            s: 0,
            a,
            value: log_prior_s[a].exp(),
        }
        .into());
    }
    if log_prior_s.iter().all(|&l| l == f64::NEG_INFINITY) {
        return Err(KlError::EmptyPriorSupport { s: 0 });
    }
    let value = kl_value_unchecked(q_s, log_prior_s, alpha);
    if !value.is_finite() {
        // Q/α overflowed (a tiny α): report it rather than return ±∞.
        return Err(MdpError::NonFiniteValue {
            what: "kl_soft_state_value",
            index: 0,
            value,
        }
        .into());
    }
    Ok(value)
}

/// `α lse(ln π₀ + Q/α)` (the maximum over the support at `α = 0`), for checked inputs.
pub(crate) fn kl_value_unchecked(q_s: &[f64], log_prior_s: &[f64], alpha: f64) -> f64 {
    if alpha == 0.0 {
        return q_s
            .iter()
            .zip(log_prior_s)
            .filter(|&(_, &l)| l > f64::NEG_INFINITY)
            .map(|(&q, _)| q)
            .fold(f64::NEG_INFINITY, f64::max);
    }
    let logits: Vec<f64> = q_s
        .iter()
        .zip(log_prior_s)
        .map(|(&q, &l)| {
            if l == f64::NEG_INFINITY {
                l
            } else {
                l + q / alpha
            }
        })
        .collect();
    alpha * log_sum_exp(&logits)
}

/// `ln π(a|s) = ln π₀(a|s) + Q(s, a)/α − lse_a(…)`, row by row, for checked inputs.
pub(crate) fn kl_log_policy_unchecked(q: &[f64], prior: &TabularPolicy, alpha: f64) -> Vec<f64> {
    let a_count = prior.num_actions();
    let mut out = Vec::with_capacity(q.len());
    for (s, q_s) in q.chunks_exact(a_count).enumerate() {
        let logits: Vec<f64> = q_s
            .iter()
            .zip(prior.action_log_probs(s))
            .map(|(&x, &l)| {
                if l == f64::NEG_INFINITY {
                    l
                } else {
                    l + x / alpha
                }
            })
            .collect();
        // (x − max) − ln Σ e^{x − max): exact for huge logits, unlike x − lse(x).
        out.extend(log_softmax(&logits));
    }
    out
}

/// `V(s) = α ln Σ_a π₀(a|s) exp(Q(s, a)/α)` for every state, 0 at terminal states.
pub(crate) fn kl_values_of_q(mdp: &Mdp, q: &[f64], prior: &TabularPolicy, alpha: f64) -> Vec<f64> {
    q.chunks_exact(mdp.num_actions())
        .enumerate()
        .map(|(s, q_s)| {
            if mdp.is_terminal(s) {
                0.0
            } else {
                kl_value_unchecked(q_s, prior.action_log_probs(s), alpha)
            }
        })
        .collect()
}

/// The KL-regularised greedy policy `π(a | s) ∝ π₀(a | s) exp(Q(s, a)/α)`.
///
/// # Formula
///
/// ```text
/// π(a | s) = π₀(a | s) exp((Q(s, a) − V(s))/α),   V(s) = α ln Σ_a π₀(a | s) exp(Q(s, a)/α)
/// ```
///
/// the maximiser of `Σ_a π(a|s) Q(s, a) − α KL(π(·|s) ‖ π₀(·|s))` in every state. Actions
/// the prior excludes keep probability 0.
///
/// # References
///
/// Geist, Scherrer & Pietquin (2019), *A Theory of Regularized MDPs*, §2; Levine (2018),
/// §2.3.
///
/// # Numerical stability
///
/// A log-softmax of `ln π₀ + Q/α`, shifted by its maximum.
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`] unless `0 < α < ∞`; [`MdpError::DimensionMismatch`]
/// if `q` does not have `S · A` entries for the prior's shape;
/// [`MdpError::NonFiniteValue`] for a non-finite `Q`, or a `Q/α` that overflows.
///
/// # Examples
///
/// ```
/// use maxent_rl::{TabularPolicy, kl_regularised_policy};
/// // π₀ = (½, ½, 0), Q = (0, ln 3, 9), α = 1: π = (¼, ¾, 0) — the excluded action stays 0.
/// let prior = TabularPolicy::from_probs(1, 3, vec![0.5, 0.5, 0.0])?;
/// let pi = kl_regularised_policy(&[0.0, 3f64.ln(), 9.0], &prior, 1.0)?;
/// assert!((pi.prob(0, 1) - 0.75).abs() < 1e-15 && pi.prob(0, 2) == 0.0);
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
pub fn kl_regularised_policy(
    q: &[f64],
    prior: &TabularPolicy,
    alpha: f64,
) -> Result<TabularPolicy, KlError> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(MdpError::InvalidTemperature { value: alpha }.into());
    }
    check_len("q", q.len(), prior.num_states() * prior.num_actions())?;
    if let Some(i) = q.iter().position(|x| !x.is_finite()) {
        return Err(MdpError::NonFiniteValue {
            what: "q",
            index: i,
            value: q[i],
        }
        .into());
    }
    let log_probs = kl_log_policy_unchecked(q, prior, alpha);
    // Q/α can overflow for a tiny α even when Q is finite; report it instead of NaN.
    if let Some(i) = log_probs.iter().position(|x| x.is_nan()) {
        return Err(MdpError::NonFiniteValue {
            what: "q / alpha",
            index: i,
            value: q[i] / alpha,
        }
        .into());
    }
    Ok(TabularPolicy::from_normalised_log_probs(
        prior.num_states(),
        prior.num_actions(),
        log_probs,
    ))
}
