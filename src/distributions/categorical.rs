//! Entropy of a categorical (softmax) policy: from logits, from probabilities, and its
//! gradient with respect to the logits.

use crate::distributions::distribution_error::{DistributionError, NORMALISATION_TOLERANCE};
use crate::numerics::log_sum_exp::max_and_log1p_rest;
use crate::numerics::special::xlogx;

/// Checks logits: non-empty, no NaN or `+∞`, not all `−∞`.
pub(crate) fn check_logits(logits: &[f64]) -> Result<(), DistributionError> {
    if logits.is_empty() {
        return Err(DistributionError::Empty { what: "logits" });
    }
    if let Some(index) = logits
        .iter()
        .position(|z| z.is_nan() || *z == f64::INFINITY)
    {
        return Err(DistributionError::InvalidLogit {
            index,
            value: logits[index],
        });
    }
    if logits.iter().all(|z| *z == f64::NEG_INFINITY) {
        return Err(DistributionError::AllMasked { len: logits.len() });
    }
    Ok(())
}

/// Entropy `H(π) = −Σ_a π(a) ln π(a)` of the softmax policy `π = softmax(z)`, in nats.
///
/// # Formula
///
/// ```text
/// H(softmax(z)) = −Σ_a π_a ln π_a,   where ln π_a = z_a − ln Σ_b exp(z_b)
/// ```
///
/// A logit of `−∞` masks its action: `π_a = 0`, and the term contributes `0 ln 0 = 0`,
/// so the result equals the entropy of the softmax over the unmasked actions alone.
///
/// # References
///
/// Shannon (1948), *A Mathematical Theory of Communication*, §6; the entropy bonus of
/// Williams & Peng (1991) and Mnih et al. (2016), *A3C*, eq. (7) uses this quantity.
///
/// # Numerical stability
///
/// Log-probabilities come from the log-softmax `(z_a − m) − ln(1 + Σ_{b≠b*} e^{z_b − m})`
/// with `m = max z` (never `ln(softmax)`, and never `z_a − lse(z)`, which rounds the
/// favourite's term away), so near-deterministic policies keep their small entropy to
/// full relative precision (`H([40, 0]) = 1.742e-16`, where `z_a − lse` gives 2.4% less); each term `−π_a ln π_a` is `≥ 0` in floating point, so the
/// result is too. The tempting `lse(z) − Σ π_a z_a` is avoided: it cancels
/// catastrophically when the logits are large.
///
/// # Errors
///
/// [`DistributionError::Empty`] for no logits, [`DistributionError::InvalidLogit`] for a
/// NaN or `+∞` logit, [`DistributionError::AllMasked`] if every logit is `−∞`.
///
/// # Examples
///
/// ```
/// use maxent_rl::categorical_entropy;
/// // Uniform over 4 actions: ln 4.
/// let h = categorical_entropy(&[0.3, 0.3, 0.3, 0.3])?;
/// assert!((h - 4f64.ln()).abs() < 1e-15);
/// // Masking two of them leaves the uniform policy over 2: ln 2.
/// let masked = categorical_entropy(&[0.3, f64::NEG_INFINITY, 0.3, f64::NEG_INFINITY])?;
/// assert!((masked - 2f64.ln()).abs() < 1e-15);
/// # Ok::<(), maxent_rl::DistributionError>(())
/// ```
pub fn categorical_entropy(logits: &[f64]) -> Result<f64, DistributionError> {
    check_logits(logits)?;
    let (m, rest) = max_and_log1p_rest(logits);
    Ok(entropy_of_checked_logits(logits, m, rest))
}

/// Entropy from logits that have passed [`check_logits`], given the two parts of their
/// log-sum-exp (see `max_and_log1p_rest`): `ln π_a = (z_a − m) − rest`.
fn entropy_of_checked_logits(logits: &[f64], m: f64, rest: f64) -> f64 {
    logits
        .iter()
        .filter(|z| **z != f64::NEG_INFINITY)
        .map(|&z| {
            // `z − m` may overflow to −∞ for finite logits ([1e308, −1e308]): that action's
            // probability is 0 and its term `0 ln 0 = 0`, not `0 · (−∞)`.
            let log_p = (z - m) - rest;
            let p = log_p.exp();
            if p == 0.0 { 0.0 } else { -p * log_p }
        })
        .sum()
}

/// Entropy `H(p) = −Σ_a p_a ln p_a` of a probability vector, in nats, with `0 ln 0 = 0`.
///
/// # Formula
///
/// ```text
/// H(p) = −Σ_a p_a ln p_a
/// ```
///
/// # Numerical stability
///
/// Zero probabilities contribute exactly 0 through [`xlogx`](crate::xlogx). Prefer
/// [`categorical_entropy`] when logits are available: a probability that has underflowed
/// to 0 has lost the information its logit still carries.
///
/// # Errors
///
/// [`DistributionError::Empty`] for an empty vector,
/// [`DistributionError::InvalidProbability`] for a negative, NaN or infinite entry, and
/// [`DistributionError::NotNormalised`] if `|Σ p − 1| > `[`NORMALISATION_TOLERANCE`].
///
/// # Examples
///
/// ```
/// use maxent_rl::categorical_entropy_from_probs;
/// let h = categorical_entropy_from_probs(&[0.5, 0.5, 0.0])?;
/// assert!((h - 2f64.ln()).abs() < 1e-15);
/// assert!(categorical_entropy_from_probs(&[0.5, 0.6]).is_err());
/// # Ok::<(), maxent_rl::DistributionError>(())
/// ```
pub fn categorical_entropy_from_probs(probs: &[f64]) -> Result<f64, DistributionError> {
    if probs.is_empty() {
        return Err(DistributionError::Empty { what: "probs" });
    }
    if let Some(index) = probs.iter().position(|p| !(p.is_finite() && *p >= 0.0)) {
        return Err(DistributionError::InvalidProbability {
            index,
            value: probs[index],
        });
    }
    let sum: f64 = probs.iter().sum();
    if (sum - 1.0).abs() > NORMALISATION_TOLERANCE {
        return Err(DistributionError::NotNormalised { sum });
    }
    Ok(-probs.iter().map(|&p| xlogx(p)).sum::<f64>())
}

/// Entropy of `softmax(z)` together with its gradient with respect to the logits.
///
/// # Formula
///
/// ```text
/// ∂H/∂z_i = −π_i (ln π_i + H)
/// ```
///
/// Derivation: `∂ ln π_a / ∂z_i = δ_ai − π_i`, so
/// `∂H/∂z_i = −Σ_a (∂π_a/∂z_i)(ln π_a + 1) = −π_i (ln π_i + 1) + π_i Σ_a π_a (ln π_a + 1)`
/// `= −π_i (ln π_i + H)`. The components sum to zero (adding a constant to every logit
/// changes nothing), and masked actions get gradient 0.
///
/// # Numerical stability
///
/// As in [`categorical_entropy`]; the masked case is special-cased so that
/// `π_i ln π_i = 0 · (−∞)` never produces a NaN.
///
/// # Errors
///
/// As [`categorical_entropy`].
///
/// # Examples
///
/// ```
/// use maxent_rl::categorical_entropy_and_grad;
/// let (h, grad) = categorical_entropy_and_grad(&[2.0, 0.0, -1.0])?;
/// assert!(h > 0.0);
/// // Raising the largest logit makes the policy more deterministic.
/// assert!(grad[0] < 0.0);
/// assert!(grad.iter().sum::<f64>().abs() < 1e-15);
/// # Ok::<(), maxent_rl::DistributionError>(())
/// ```
pub fn categorical_entropy_and_grad(logits: &[f64]) -> Result<(f64, Vec<f64>), DistributionError> {
    check_logits(logits)?;
    let (m, rest) = max_and_log1p_rest(logits);
    let h = entropy_of_checked_logits(logits, m, rest);
    let grad = logits
        .iter()
        .map(|&z| {
            let log_p = (z - m) - rest;
            let p = log_p.exp();
            // Masked, or so far below the maximum that `π = 0` exactly (`z − m` may even
            // overflow to −∞): the gradient is `−0 · (ln 0 + H)`, taken as 0.
            if p == 0.0 { 0.0 } else { -p * (log_p + h) }
        })
        .collect();
    Ok((h, grad))
}
