//! Log-sum-exp, log-softmax and softmax, stable for any finite or `−∞` input.

/// `ln Σ_i exp(x_i)`, computed without overflow or underflow.
///
/// # Formula
///
/// ```text
/// lse(x) = m + ln(1 + Σ_{i ≠ i*} exp(x_i − m)),   where m = x_{i*} = max_i x_i
/// ```
///
/// # Numerical stability
///
/// Shifting by the maximum makes every exponent `≤ 0`, so nothing overflows and the
/// largest term is exactly 1. The remaining sum goes through `ln_1p`, so terms far below
/// the maximum still contribute their last bits (`lse([0, −40]) = 4.2e-18`, not 0).
///
/// # Edge cases
///
/// This is a numerical primitive in the style of `f64::ln`: it follows IEEE semantics
/// instead of returning a `Result`. An empty slice or one whose entries are all `−∞`
/// gives `−∞` (the log of an empty sum); any `+∞` gives `+∞`; any NaN gives NaN.
/// Functions that take user data validate before calling it.
///
/// # Examples
///
/// ```
/// use maxent_rl::log_sum_exp;
/// // ln(e^1000 + e^1000) = 1000 + ln 2, where the naive form overflows.
/// assert!((log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + std::f64::consts::LN_2)).abs() < 1e-12);
/// // A masked entry (−∞) contributes nothing.
/// assert_eq!(log_sum_exp(&[0.0, f64::NEG_INFINITY]), 0.0);
/// ```
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let (m, rest) = max_and_log1p_rest(xs);
    m + rest
}

/// The two parts of `lse(x) = m + ln(1 + Σ_{i ≠ i*} exp(x_i − m))`, kept apart.
///
/// Log-probabilities are `(x_i − m) − rest`: subtracting the parts separately keeps
/// `rest` even when `m + rest` rounds to `m` (a near-deterministic policy, where `rest`
/// is the whole information about the other actions). Edge cases as [`log_sum_exp`],
/// with `rest = 0` when `m` is infinite or NaN.
pub(crate) fn max_and_log1p_rest(xs: &[f64]) -> (f64, f64) {
    let Some((argmax, m)) = argmax(xs) else {
        return (f64::NEG_INFINITY, 0.0);
    };
    if m.is_nan() || xs.iter().any(|x| x.is_nan()) {
        return (f64::NAN, 0.0);
    }
    if m.is_infinite() {
        // m = −∞: every term is exp(−∞) = 0. m = +∞: the sum is +∞.
        return (m, 0.0);
    }
    let rest: f64 = xs
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != argmax)
        .map(|(_, &x)| (x - m).exp())
        .sum();
    (m, rest.ln_1p())
}

/// Index and value of the largest entry (the first one on ties), ignoring NaN
/// unless every entry is NaN.
fn argmax(xs: &[f64]) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &x) in xs.iter().enumerate() {
        match best {
            None => best = Some((i, x)),
            Some((_, b)) if x > b || b.is_nan() => best = Some((i, x)),
            _ => {}
        }
    }
    best
}

/// Log-probabilities `ln softmax(x)_i = x_i − lse(x)`, written into `out`.
///
/// The allocation-free form of [`log_softmax`], with the same domain and edge cases.
///
/// # Panics
///
/// If `out.len() != xs.len()`.
pub fn log_softmax_into(xs: &[f64], out: &mut [f64]) {
    assert_eq!(xs.len(), out.len(), "log_softmax_into: length mismatch");
    let (m, rest) = max_and_log1p_rest(xs);
    for (o, &x) in out.iter_mut().zip(xs) {
        *o = (x - m) - rest;
    }
}

/// Log-probabilities of the softmax distribution, `ln softmax(x)_i = x_i − lse(x)`.
///
/// # Formula
///
/// ```text
/// ln π_i = x_i − ln Σ_j exp(x_j)
/// ```
///
/// # Numerical stability
///
/// Computed as `(x_i − m) − ln(1 + Σ_{j ≠ j*} exp(x_j − m))` with `m = max x`, never as
/// `ln(softmax(x)_i)`, so an action with probability `1e-300` keeps its exact
/// log-probability instead of `−∞`; and never as `x_i − lse(x)`, which rounds the
/// favourite's log-probability `−ln(1 + ε)` to 0 once `lse(x)` rounds to `max x`
/// (logits `[40, 0]`). Both parts are `≥ 0`, so every result is `≤ 0`.
///
/// # Edge cases
///
/// A numerical primitive that does not validate, like [`log_sum_exp`]. Its domain is
/// logits that are finite or `−∞`, at least one finite: there a `−∞` entry (a masked
/// action) gets `−∞`, and a finite one a finite value `≤ 0`, except that it is `−∞` when
/// its distance below the maximum overflows (`[1e308, −1e308]` gives `[0, −∞]`, the
/// correctly rounded probabilities 1 and 0). Outside it: any NaN makes every entry NaN;
/// a `+∞` entry gets NaN and the others `−∞`; if every entry is `−∞` every result is
/// NaN; an empty slice gives an empty vector. [`categorical_entropy`](crate::categorical_entropy)
/// and the losses check their logits (and report these cases as errors) before using it.
///
/// # Examples
///
/// ```
/// use maxent_rl::log_softmax;
/// let lp = log_softmax(&[0.0, -700.0]);
/// assert!((lp[1] - (-700.0)).abs() < 1e-12); // exp(-700) is tiny but its log is exact
/// // The favourite keeps its log-probability −ln(1 + e^{−40}) ≈ −4.25e-18, not 0.
/// let lp = log_softmax(&[40.0, 0.0]);
/// assert!((lp[0] + (-40f64).exp()).abs() < 1e-30);
/// ```
pub fn log_softmax(xs: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; xs.len()];
    log_softmax_into(xs, &mut out);
    out
}

/// The softmax distribution `π_i = exp(x_i − lse(x))`.
///
/// Masked entries (`−∞`) get probability exactly 0. See [`log_softmax`] for stability,
/// the domain and the edge cases (NaN in, NaN out); on the domain the probabilities are
/// finite, in `[0, 1]`, and sum to 1 within rounding.
///
/// # Examples
///
/// ```
/// use maxent_rl::softmax;
/// let p = softmax(&[1.0, 1.0, f64::NEG_INFINITY]);
/// assert_eq!(p, vec![0.5, 0.5, 0.0]);
/// ```
pub fn softmax(xs: &[f64]) -> Vec<f64> {
    let mut out = log_softmax(xs);
    for o in &mut out {
        *o = o.exp();
    }
    out
}
