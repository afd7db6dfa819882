//! Entropy and log-density of a diagonal Gaussian policy.

use crate::distributions::distribution_error::{
    DistributionError, LOG_STD_RANGE, check_finite, check_len, check_range,
};

/// `ln(2π)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Entropy of the diagonal Gaussian `N(μ, diag(σ²))`, in nats.
///
/// # Formula
///
/// ```text
/// H = d/2 · ln(2πe) + Σ_i ln σ_i
/// ```
///
/// where `d` is the dimension. It does not depend on the mean `μ`, which is therefore not
/// an argument. It is a differential entropy: it can be negative (`σ < 1/√(2πe)`).
///
/// # References
///
/// Cover & Thomas (2006), *Elements of Information Theory*, 2nd ed., Theorem 8.4.1.
///
/// # Numerical stability
///
/// Parameterised by `ln σ`, as policy networks output it, so no `ln` of a tiny `σ` is taken.
///
/// # Errors
///
/// [`DistributionError::Empty`] for `d = 0`; [`DistributionError::NonFinite`] if some
/// `ln σ_i` is NaN or infinite; [`DistributionError::OutOfRange`] if it lies outside
/// [`LOG_STD_RANGE`](crate::LOG_STD_RANGE) (`[−700, 700]`).
///
/// # Examples
///
/// ```
/// use maxent_rl::diag_gaussian_entropy;
/// // A standard normal in one dimension: ½ ln(2πe) ≈ 1.4189 nats.
/// let h = diag_gaussian_entropy(&[0.0])?;
/// assert!((h - 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln()).abs() < 1e-15);
/// # Ok::<(), maxent_rl::DistributionError>(())
/// ```
pub fn diag_gaussian_entropy(log_std: &[f64]) -> Result<f64, DistributionError> {
    if log_std.is_empty() {
        return Err(DistributionError::Empty { what: "log_std" });
    }
    check_range("log_std", log_std, LOG_STD_RANGE)?;
    Ok(diag_gaussian_entropy_unchecked(log_std))
}

/// [`diag_gaussian_entropy`] without validation, for `ln σ` already checked (a
/// [`TanhGaussian`](crate::TanhGaussian)'s): finite whenever every `ln σ_i` lies in
/// [`LOG_STD_RANGE`].
pub(crate) fn diag_gaussian_entropy_unchecked(log_std: &[f64]) -> f64 {
    0.5 * log_std.len() as f64 * (1.0 + LN_2PI) + log_std.iter().sum::<f64>()
}

/// Log-density `ln N(x; μ, diag(σ²))` of a diagonal Gaussian.
///
/// # Formula
///
/// ```text
/// ln N(x; μ, σ) = −½ Σ_i ((x_i − μ_i)/σ_i)² − Σ_i ln σ_i − d/2 · ln(2π)
/// ```
///
/// # Errors
///
/// [`DistributionError::Empty`] for `d = 0`, [`DistributionError::DimensionMismatch`] if
/// the three slices differ in length, [`DistributionError::NonFinite`] for a NaN or
/// infinite entry in any of them, [`DistributionError::OutOfRange`] for an `ln σ_i`
/// outside [`LOG_STD_RANGE`](crate::LOG_STD_RANGE).
///
/// Within that domain the result is never NaN; it is `−∞` only when the true
/// log-density lies below `−f64::MAX` (`x` some `1e150` standard deviations from `μ`).
///
/// # Examples
///
/// ```
/// use maxent_rl::diag_gaussian_log_prob;
/// let lp = diag_gaussian_log_prob(&[0.0], &[0.0], &[0.0])?;
/// assert!((lp + 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-15);
/// # Ok::<(), maxent_rl::DistributionError>(())
/// ```
pub fn diag_gaussian_log_prob(
    x: &[f64],
    mean: &[f64],
    log_std: &[f64],
) -> Result<f64, DistributionError> {
    if mean.is_empty() {
        return Err(DistributionError::Empty { what: "mean" });
    }
    check_len("x", x, mean.len())?;
    check_len("log_std", log_std, mean.len())?;
    check_finite("x", x)?;
    check_finite("mean", mean)?;
    check_range("log_std", log_std, LOG_STD_RANGE)?;
    Ok(diag_gaussian_log_prob_unchecked(x, mean, log_std))
}

/// [`diag_gaussian_log_prob`] without validation, for callers that have validated once.
///
/// # Panics
///
/// Never; but the result is meaningless (NaN or wrong) if the slices differ in length
/// (extra entries are ignored) or hold non-finite values. Checked with `debug_assert!`.
pub(crate) fn diag_gaussian_log_prob_unchecked(x: &[f64], mean: &[f64], log_std: &[f64]) -> f64 {
    debug_assert!(x.len() == mean.len() && mean.len() == log_std.len());
    let mut lp = -0.5 * mean.len() as f64 * LN_2PI;
    for ((&xi, &mi), &li) in x.iter().zip(mean).zip(log_std) {
        let z = (xi - mi) * (-li).exp();
        lp -= 0.5 * z * z + li;
    }
    lp
}
