//! Softmax-style operators that replace the `max` in a Bellman backup: the Boltzmann
//! (softmax-weighted average) operator, mellowmax, and the soft maximum `α·lse(x/α)`.

use crate::numerics::log_sum_exp;

/// The Boltzmann operator: the average of `x` weighted by `softmax(βx)`.
///
/// NaN for an empty `x`; IEEE semantics for non-finite entries or `β`.
///
/// # Formula
///
/// ```text
/// boltz_β(x) = Σ_i x_i e^{β x_i} / Σ_j e^{β x_j}
/// ```
///
/// It lies between the mean (`β = 0`) and the max (`β → ∞`) but is *not* a
/// non-expansion: `|boltz_β(x) − boltz_β(y)|` can exceed `‖x − y‖_∞`, and generalised
/// value iteration with it can fail to converge (chapter 14, claim 14.3).
///
/// # References
///
/// Asadi & Littman (2017), *An Alternative Softmax Operator for Reinforcement Learning*,
/// ICML, §3 (the operator, its expansion, and a two-state MDP on which it misbehaves).
///
/// # Numerical stability
///
/// The weights are formed as `exp(β(x_i − max x))`, so they never overflow.
///
/// # Examples
///
/// ```
/// use maxent_rl::boltzmann_operator;
/// // Equal weights at β = 0: the mean.
/// assert!((boltzmann_operator(&[1.0, 3.0], 0.0) - 2.0).abs() < 1e-15);
/// ```
pub fn boltzmann_operator(x: &[f64], beta: f64) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut num, mut den) = (0.0, 0.0);
    for &xi in x {
        let w = (beta * (xi - m)).exp();
        num += w * xi;
        den += w;
    }
    num / den
}

/// Mellowmax: a log-mean-exp that is a non-expansion for every `ω > 0`.
///
/// Domain: `ω > 0` finite and entries that are not NaN; the value is finite whenever the
/// entries are. NaN for an empty `x` or a NaN entry, `±∞` when `max x` is; outside the
/// domain of `ω`, IEEE semantics.
///
/// # Formula
///
/// ```text
/// mm_ω(x) = ln( (1/n) Σ_i e^{ω x_i} ) / ω
/// ```
///
/// It lies between the mean (`ω → 0`) and the max (`ω → ∞`), and
/// `|mm_ω(x) − mm_ω(y)| ≤ ‖x − y‖_∞`.
///
/// # References
///
/// Asadi & Littman (2017), *An Alternative Softmax Operator for Reinforcement Learning*,
/// ICML, §4 (definition and the non-expansion property).
///
/// # Numerical stability
///
/// Computed as `m + ln(1 + mean_i expm1(ω(x_i − m)))/ω` with `m = max x`: the
/// exponents are `≤ 0`, so nothing overflows for any `ω > 0` and entries up to
/// `±f64::MAX`, and `expm1`/`ln_1p` keep the mean-like limit accurate for small `ω`. When
/// `ω (max x − min x) < 1e-8` the second-order expansion `mean + ω var/2` is used instead
/// (its error is below `1e-16` of the spread), which stays exact for subnormal `ω`.
///
/// # Examples
///
/// ```
/// use maxent_rl::mellowmax;
/// // ln((e² + e⁴)/2)/2 for x = (1, 2), ω = 2.
/// let expect = ((2f64.exp() + 4f64.exp()) / 2.0).ln() / 2.0;
/// assert!((mellowmax(&[1.0, 2.0], 2.0) - expect).abs() < 1e-14);
/// ```
pub fn mellowmax(x: &[f64], omega: f64) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let n = x.len() as f64;
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if x.iter().any(|xi| xi.is_nan()) || m.is_infinite() {
        // NaN propagates (`f64::max` would drop it); an infinite maximum is the value.
        return if x.iter().any(|xi| xi.is_nan()) {
            f64::NAN
        } else {
            m
        };
    }
    let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    if omega * (m - lo) < 1e-8 {
        // mm_ω(x) = mean + (ω/2) var + O(ω² spread³), written in the deviations from the
        // maximum so that no product of two entries is formed.
        let mean_dev = x.iter().map(|&xi| (xi - m) / n).sum::<f64>();
        let half_var = x
            .iter()
            .map(|&xi| {
                let d = xi - m - mean_dev;
                (omega * d) * d / (2.0 * n)
            })
            .sum::<f64>();
        return m + mean_dev + half_var;
    }
    let mean_expm1 = x
        .iter()
        .map(|&xi| (omega * (xi - m)).exp_m1() / n)
        .sum::<f64>();
    m + mean_expm1.ln_1p() / omega
}

/// The soft maximum at temperature `α`: `α · lse(x/α)`, the soft state value of
/// chapter 4 seen as an operator on one row of `Q`.
///
/// Domain: `α > 0` finite and entries that are not NaN. NaN for an empty `x` or a NaN
/// entry, `±∞` when `max x` is; outside the domain of `α`, IEEE semantics.
///
/// # Formula
///
/// ```text
/// smax_α(x) = α ln Σ_i e^{x_i/α}
/// ```
///
/// It equals mellowmax at `ω = 1/α` plus `α ln n`, and is a non-expansion for every
/// `α > 0`.
///
/// # References
///
/// Haarnoja, Tang, Abbeel & Levine (2017), *Reinforcement Learning with Deep
/// Energy-Based Policies*, eq. 3 (the soft value).
///
/// # Numerical stability
///
/// Computed as `m + α lse((x − m)/α)` with `m = max x`: the scaled deviations are `≤ 0`,
/// so a subnormal `α` gives the maximum rather than `∞ · 0`, and entries up to
/// `±f64::MAX` do not overflow. The value itself exceeds `f64::MAX`, and `+∞` is
/// returned, only when `max x + α ln n` does (`α` near `f64::MAX`).
///
/// # Examples
///
/// ```
/// use maxent_rl::soft_maximum;
/// assert!((soft_maximum(&[0.0, 0.0], 0.5) - 0.5 * 2f64.ln()).abs() < 1e-15);
/// ```
pub fn soft_maximum(x: &[f64], alpha: f64) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if x.iter().any(|xi| xi.is_nan()) || m.is_infinite() {
        // NaN propagates (`f64::max` would drop it); an infinite maximum is the value.
        return if x.iter().any(|xi| xi.is_nan()) {
            f64::NAN
        } else {
            m
        };
    }
    let scaled: Vec<f64> = x.iter().map(|&xi| (xi - m) / alpha).collect();
    m + alpha * log_sum_exp(&scaled)
}
