//! Soft Q-learning's importance-sampled soft value for continuous actions.

use crate::losses::loss_error::{LossError, check_batch_finite, check_batch_len, check_output};
use crate::numerics::log_sum_exp::log_sum_exp;

/// The importance-sampled estimate of the soft value
/// `V(s) = α ln ∫ exp(Q(s, u)/α) du` from `n` actions drawn from a proposal `q`.
///
/// # Formula
///
/// ```text
/// V̂_n = α ln( (1/n) Σᵢ exp(Q(s, uᵢ)/α) / q(uᵢ) ),      uᵢ ~ q
///     = α [ lse_i(Q(s, uᵢ)/α − ln q(uᵢ)) − ln n ]
/// ```
///
/// The average inside the logarithm, `Ȳ_n = (1/n) Σ Yᵢ` with `Yᵢ = exp(Q/α)/q`, is unbiased
/// for `Z = ∫ exp(Q/α)`. The logarithm is concave, so `E[V̂_n] ≤ α ln Z = V` (Jensen): the
/// estimator is biased low, and by the second-order expansion
/// `ln Ȳ ≈ ln Z + (Ȳ − Z)/Z − (Ȳ − Z)²/(2Z²)`,
///
/// ```text
/// E[V̂_n] − V ≈ −α Var(Y) / (2 n Z²) = −α (E_q[w²] − 1) / (2n),    w = p/q,  p = e^{Q/α}/Z
/// ```
///
/// (chapter 11 derives the next term and measures the bias).
///
/// # References
///
/// Haarnoja, Tang, Abbeel & Levine (2017), *Reinforcement learning with deep energy-based
/// policies*, ICML, eq. (10) (the importance-sampled soft value of soft Q-learning);
/// Burda, Grosse & Salakhutdinov (2016), *Importance weighted autoencoders*, ICLR, Theorem 1
/// (the same bound and its monotone tightening in `n`).
///
/// # Numerical stability
///
/// The log of the average is a shifted log-sum-exp of `(Q − max Q)/α − ln q`, with
/// `max Q` added back after the multiplication by `α`: neither large values, a tiny `α`
/// nor tiny proposal densities overflow or underflow.
///
/// # Errors
///
/// [`LossError::EmptyBatch`]; [`LossError::LengthMismatch`] if the slices differ in
/// length; [`LossError::NonFinite`] for a NaN or infinite entry; [`LossError::InvalidParameter`]
/// for `α` not finite and `> 0`; [`LossError::Overflow`] if the value itself is beyond
/// `±f64::MAX` (`α ln q` overflowing for `α` near `f64::MAX`).
///
/// # Examples
///
/// ```
/// use maxent_rl::importance_sampled_soft_value;
/// // Q(u) = 1 for u in [0, 1] and a uniform proposal on [0, 1] (ln q = 0):
/// // V = α ln ∫₀¹ e^{1/α} du = 1 exactly, for any sample.
/// let v = importance_sampled_soft_value(&[1.0, 1.0, 1.0], &[0.0, 0.0, 0.0], 0.2)?;
/// assert!((v - 1.0).abs() < 1e-15);
/// # Ok::<(), maxent_rl::LossError>(())
/// ```
pub fn importance_sampled_soft_value(
    q_values: &[f64],
    log_q: &[f64],
    alpha: f64,
) -> Result<f64, LossError> {
    if q_values.is_empty() {
        return Err(LossError::EmptyBatch);
    }
    check_batch_len("log_q", log_q, q_values.len())?;
    check_batch_finite("q_values", q_values)?;
    check_batch_finite("log_q", log_q)?;
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(LossError::InvalidParameter {
            what: "alpha",
            value: alpha,
            expected: "finite and > 0",
        });
    }
    let q_max = q_values.iter().fold(f64::NEG_INFINITY, |m, &q| m.max(q));
    let terms: Vec<f64> = q_values
        .iter()
        .zip(log_q)
        .map(|(q, lq)| (q - q_max) / alpha - lq)
        .collect();
    let value = q_max + alpha * (log_sum_exp(&terms) - (q_values.len() as f64).ln());
    check_output("value", &[value])?;
    Ok(value)
}
