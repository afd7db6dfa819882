//! The Boltzmann (softmax) policy of a Q-table at temperature α.

use crate::tabular::mdp_error::{MdpError, check_alpha, check_values};
use crate::tabular::tabular_policy::TabularPolicy;

/// The Boltzmann policy `π(a | s) ∝ exp(Q(s, a) / α)` of a Q-table (flat, `s · A + a`).
///
/// At `α = 0` it is its limit: uniform over the maximising actions of each state (exact
/// ties), zero elsewhere — a greedy policy.
///
/// # Formula
///
/// ```text
/// ln π(a | s) = (Q(s, a) − m_s)/α − ln(1 + Σ_{b ≠ b*} exp((Q(s, b) − m_s)/α)),   m_s = max_b Q(s, b)
/// ```
///
/// For the optimal soft `Q*` this is the optimal maximum-entropy policy,
/// `π*(a | s) = exp((Q*(s, a) − V*(s))/α)`.
///
/// # References
///
/// Ziebart (2010), thesis, ch. 6; Haarnoja et al. (2017), *Reinforcement Learning
/// with Deep Energy-Based Policies*, Theorem 1 (eq. 3); Gibbs' variational principle
/// (Donsker & Varadhan 1975).
///
/// # Numerical stability
///
/// Log-probabilities come from a log-softmax shifted by the row maximum with the
/// remainder through `ln_1p`, so no exponent is positive (large `|Q|/α` cannot overflow)
/// and an action with probability `1e-300` keeps its exact log-probability. As `α → 0`
/// the non-maximal log-probabilities tend to `−∞` and the result to the greedy policy,
/// without NaNs. If `1/α` overflows, the `α = 0` rule is used.
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`] for negative or non-finite `α`; [`MdpError::Empty`]
/// for an empty table or `A = 0`; [`MdpError::DimensionMismatch`] if the length is not a
/// multiple of `A`; [`MdpError::NonFiniteValue`] for a non-finite `Q(s, a)`.
///
/// # Examples
///
/// ```
/// use maxent_rl::boltzmann_policy;
/// let q = [1.0, 0.0, /* s = 1: */ 5.0, 5.0];
/// let pi = boltzmann_policy(&q, 2, 1.0)?;
/// let e = std::f64::consts::E;
/// assert!((pi.prob(0, 0) - e / (e + 1.0)).abs() < 1e-15);
/// assert_eq!(pi.action_probs(1), [0.5, 0.5]);
/// // α → 0: greedy, with exact log-probabilities for the suppressed action.
/// let cold = boltzmann_policy(&q, 2, 1e-3)?;
/// assert_eq!(cold.prob(0, 0), 1.0);
/// assert!((cold.log_prob(0, 1) - (-1000.0)).abs() < 1e-9);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn boltzmann_policy(
    q: &[f64],
    num_actions: usize,
    alpha: f64,
) -> Result<TabularPolicy, MdpError> {
    check_alpha(alpha)?;
    if num_actions == 0 {
        return Err(MdpError::Empty { what: "actions" });
    }
    if q.is_empty() {
        return Err(MdpError::Empty { what: "states" });
    }
    if !q.len().is_multiple_of(num_actions) {
        return Err(MdpError::DimensionMismatch {
            what: "q_values",
            expected: q.len().div_ceil(num_actions) * num_actions,
            found: q.len(),
        });
    }
    check_values("q_values", q)?;
    let mut log_probs = vec![0.0; q.len()];
    for (q_s, out) in q
        .chunks_exact(num_actions)
        .zip(log_probs.chunks_exact_mut(num_actions))
    {
        boltzmann_log_probs_into(q_s, alpha, out);
    }
    Ok(TabularPolicy::from_normalised_log_probs(
        q.len() / num_actions,
        num_actions,
        log_probs,
    ))
}

/// `ln π(· | s)` of the Boltzmann policy of one state's finite action values.
pub(crate) fn boltzmann_log_probs_into(q_s: &[f64], alpha: f64, out: &mut [f64]) {
    let m = q_s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let inv_alpha = 1.0 / alpha;
    if alpha == 0.0 || !inv_alpha.is_finite() {
        let ties = q_s.iter().filter(|&&x| x == m).count() as f64;
        for (o, &x) in out.iter_mut().zip(q_s) {
            *o = if x == m {
                -ties.ln()
            } else {
                f64::NEG_INFINITY
            };
        }
        return;
    }
    let argmax = q_s.iter().position(|&x| x == m).expect("finite, non-empty");
    let rest: f64 = q_s
        .iter()
        .enumerate()
        .filter(|&(a, _)| a != argmax)
        .map(|(_, &x)| ((x - m) * inv_alpha).exp())
        .sum();
    let log_z = rest.ln_1p();
    for (o, &x) in out.iter_mut().zip(q_s) {
        *o = (x - m) * inv_alpha - log_z;
    }
}
