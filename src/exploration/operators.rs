//! Softmax-style operators that replace the `max` in a Bellman backup: the Boltzmann
//! (softmax-weighted average) operator, mellowmax, and the soft maximum `α·lse(x/α)`;
//! and generalised value iteration with any of them in place of the `max`.

use crate::numerics::log_sum_exp;
use crate::soft_dp::Termination;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_len, check_tolerance, check_values};

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
/// value iteration with it can fail to converge (chapter 14, claim 14.5).
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

/// The result of [`generalised_value_iteration`].
#[derive(Debug, Clone, PartialEq)]
pub struct GeneralisedViResult {
    /// The last iterate `V_k` (zero at terminal states).
    pub values: Vec<f64>,
    /// Sweeps performed.
    pub iterations: usize,
    /// `‖V_k − V_{k−1}‖∞` of the last sweep.
    pub last_change: f64,
    /// Whether the last change fell to the tolerance or the budget ran out.
    pub termination: Termination,
}

/// Generalised value iteration (Littman & Szepesvári 1996): value iteration with the
/// `max` over actions replaced by an arbitrary operator `⊗` on each row of `Q`.
///
/// # Formula
///
/// ```text
/// Q_k(s, a) = r(s, a) + γ Σ_{s'} P(s'|s, a) V_k(s'),   V_{k+1}(s) = ⊗_a Q_k(s, a)
/// ```
///
/// with `V(s) = 0` at terminal states. When `⊗` is a non-expansion (max, mellowmax, the
/// soft maximum) the sweep is a `γ`-contraction and has exactly one fixed point; the
/// Boltzmann operator is not, and the iteration can have several fixed points, its limit
/// then depending on the start `V_0` (chapter 14, claim 14.5). The stopping rule is the
/// plain change `‖V_k − V_{k−1}‖∞ ≤ tolerance`, not a certified error bound: without a
/// contraction there is no bound to certify.
///
/// # References
///
/// Littman & Szepesvári (1996), *A generalized reinforcement-learning model: convergence
/// and applications*, ICML; Asadi & Littman (2017), *An Alternative Softmax Operator for
/// Reinforcement Learning*, ICML, §3–4.
///
/// # Errors
///
/// [`MdpError::DimensionMismatch`] when `v0` does not have one
/// entry per state, [`MdpError::NonFiniteValue`] for a non-finite `v0` entry or an iterate
/// that stops being finite, [`MdpError::InvalidParameter`] for a negative or non-finite
/// tolerance.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, generalised_value_iteration, mellowmax};
/// // One state that loops to itself with reward 1, γ = 0.5: V* = 2 for any row operator
/// // that returns the common value of equal entries.
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 1.0], 0.5)?;
/// let run = generalised_value_iteration(&mdp, &[0.0], |q| mellowmax(q, 5.0), 1e-12, 200)?;
/// assert!((run.values[0] - 2.0).abs() < 1e-10);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn generalised_value_iteration(
    mdp: &Mdp,
    v0: &[f64],
    operator: impl Fn(&[f64]) -> f64,
    tolerance: f64,
    max_iterations: usize,
) -> Result<GeneralisedViResult, MdpError> {
    check_len("v0", v0.len(), mdp.num_states())?;
    check_values("v0", v0)?;
    check_tolerance(tolerance)?;
    let a_count = mdp.num_actions();
    let mut v: Vec<f64> = (0..mdp.num_states())
        .map(|s| if mdp.is_terminal(s) { 0.0 } else { v0[s] })
        .collect();
    let mut next = v.clone();
    let mut row = vec![0.0; a_count];
    let mut result = GeneralisedViResult {
        values: Vec::new(),
        iterations: 0,
        last_change: f64::INFINITY,
        termination: Termination::MaxIterations,
    };
    while result.iterations < max_iterations {
        for (s, out) in next.iter_mut().enumerate() {
            if mdp.is_terminal(s) {
                continue;
            }
            for (a, q) in row.iter_mut().enumerate() {
                *q = mdp.reward(s, a) + mdp.discount() * mdp.expected_next_value(s, a, &v);
            }
            *out = operator(&row);
        }
        check_values("values", &next)?;
        result.iterations += 1;
        result.last_change = v
            .iter()
            .zip(&next)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        std::mem::swap(&mut v, &mut next);
        if result.last_change <= tolerance {
            result.termination = Termination::Converged;
            break;
        }
    }
    result.values = v;
    Ok(result)
}
