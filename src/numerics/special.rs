//! Scalar identities used throughout: softplus, `x ln x` with `0 ln 0 = 0`, and the
//! tanh Jacobian `ln(1 − tanh² u)`.

use std::f64::consts::LN_2;

/// `softplus(x) = ln(1 + eˣ)`, exact for every finite `x`.
///
/// # Numerical stability
///
/// Uses `softplus(x) = max(x, 0) + ln_1p(e^{−|x|})`: the exponent is never positive, so
/// nothing overflows for large `x`, and `ln_1p` keeps full relative precision for very
/// negative `x` (where `softplus(x) ≈ eˣ`).
///
/// # Edge cases
///
/// IEEE semantics, with the limits: `softplus(−∞) = 0`, `softplus(+∞) = +∞`, and NaN
/// gives NaN. The result is `≥ 0`, and finite for every finite `x`.
///
/// # Examples
///
/// ```
/// use maxent_rl::softplus;
/// assert_eq!(softplus(1000.0), 1000.0);            // the naive ln(1 + e^1000) is +∞
/// // For very negative x, softplus(x) = eˣ(1 − eˣ/2 + …): full relative precision.
/// let x = -30.0_f64;
/// assert!((softplus(x) - (x.exp() - 0.5 * (2.0 * x).exp())).abs() < 1e-16 * x.exp());
/// assert!((softplus(0.0) - std::f64::consts::LN_2).abs() < 1e-16);
/// ```
pub fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `x ln x`, with the limit `0 ln 0 = 0`.
///
/// This is the one place the convention is applied: entropy terms `−p ln p` of
/// zero-probability actions vanish instead of producing `0 · (−∞) = NaN`.
///
/// # Edge cases
///
/// The domain is `x ≥ 0` (a probability or a density ratio). A negative `x` gives NaN
/// (the logarithm of a negative number), as does a NaN; `+∞` gives `+∞`. Finite for
/// every finite `x ≥ 0`.
///
/// # Examples
///
/// ```
/// use maxent_rl::xlogx;
/// assert_eq!(xlogx(0.0), 0.0);
/// assert_eq!(xlogx(1.0), 0.0);
/// assert!((xlogx(0.5) + 0.5 * std::f64::consts::LN_2).abs() < 1e-16);
/// ```
pub fn xlogx(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x * x.ln() }
}

/// `ln(1 − tanh² u)`, the log-Jacobian of the tanh squashing, exact for every finite `u`.
///
/// # Formula
///
/// ```text
/// ln(1 − tanh² u) = 2 (ln 2 − u − softplus(−2u))
/// ```
///
/// which follows from `1 − tanh² u = sech² u = 4 / (eᵘ + e⁻ᵘ)²`.
///
/// # References
///
/// The identity is the one used by the tanh bijector of distrax and TensorFlow
/// Probability (`Tanh.forward_log_det_jacobian`); Haarnoja et al. (2018), *Soft
/// Actor-Critic*, Appendix C, eq. (21) use the naive form with a small constant added.
///
/// # Numerical stability
///
/// The naive `ln(1 − tanh(u)² + ε)` fails in two ways: without `ε`, `tanh(u)` rounds to
/// exactly 1 for `|u| > 19.06` and the result is `−∞`; with `ε = 1e-6` it saturates near
/// `ln ε ≈ −13.8` once `|u| ≳ 7`, while the true value keeps falling as `2 ln 2 − 2|u|`.
/// The identity above has no subtraction of nearly equal numbers at large `|u|` and its
/// absolute error stays within a few ulps of `|u|` for all `u`. The function is even, and
/// is evaluated at `|u|`, so that `u` and `−u` give the same bits.
///
/// # Edge cases
///
/// Finite and `≤ 0` for `|u| ≤ f64::MAX / 2`; beyond that the true value `≈ 2 ln 2 − 2|u|`
/// lies below `−f64::MAX`, and the result is its rounding, `−∞`. `±∞` gives the limit
/// `−∞`, and NaN gives NaN.
///
/// # Examples
///
/// ```
/// use maxent_rl::log_one_minus_tanh_sq;
/// // At u = 400 the exact value is 2 ln 2 − 800 (to far below f64 precision).
/// let exact = 2.0 * std::f64::consts::LN_2 - 800.0;
/// assert!((log_one_minus_tanh_sq(400.0) - exact).abs() < 1e-12);
/// assert_eq!(log_one_minus_tanh_sq(0.0), 0.0);
/// ```
pub fn log_one_minus_tanh_sq(u: f64) -> f64 {
    // At |u|: for u = −∞ the unsigned form would be ∞ − ∞ = NaN.
    let u = u.abs();
    2.0 * (LN_2 - u - softplus(-2.0 * u))
}
