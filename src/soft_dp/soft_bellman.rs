//! The soft Bellman optimality operator, in value (V) and action-value (Q) form.

use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{MdpError, check_alpha, check_len, check_values};

/// The soft maximum `α ln Σ_a exp(q_a / α)` of one state's action values: the soft state
/// value `V(s)` of `Q(s, ·)`. At `α = 0` it is the hard maximum `max_a q_a` (its limit).
///
/// # Formula
///
/// ```text
/// V = α ln Σ_a exp(q_a / α) = m + α ln(1 + Σ_{a ≠ a*} exp((q_a − m) / α)),   m = q_{a*} = max_a q_a
/// ```
///
/// # References
///
/// Haarnoja, Tang, Abbeel, Levine (2017), *Reinforcement Learning with Deep Energy-Based
/// Policies*, eq. (3); Ziebart (2010), *Modeling Purposeful Adaptive Behavior with the
/// Principle of Maximum Causal Entropy*, ch. 6 (the "softened" max).
///
/// # Numerical stability
///
/// The log-sum-exp is shifted by the maximum, so every exponent is `≤ 0`: nothing
/// overflows however large `|q|/α` is, and as `α → 0` the other terms underflow to 0 and
/// the result tends to `m` instead of `∞ · 0`. The remainder goes through `ln_1p`, as in
/// [`log_sum_exp`](crate::numerics::log_sum_exp). It is not computed as `α · log_sum_exp(q/α)`:
/// `q/α` itself overflows to `±∞` for tiny `α`, while `(q_a − m)/α ≤ 0` only underflows.
/// If `1/α` overflows (`α < 5.6e-309`) the hard maximum is returned: the soft correction
/// is below `α ln A`, i.e. below `1e-305`.
///
/// # Edge cases
///
/// This is a numerical primitive (like [`log_sum_exp`](crate::numerics::log_sum_exp)); it does not
/// validate. Its domain is `α ≥ 0` (finite) and action values that are finite or `−∞`
/// with at least one finite, where the result is finite. Outside it: an empty slice or all
/// `−∞` gives `−∞`; a `+∞` entry gives `+∞`; a NaN entry gives NaN; a NaN or negative `α`
/// gives NaN; `α = +∞` gives `+∞` if two or more entries are finite (the limit of
/// `α ln A`) and the maximum otherwise.
///
/// # Examples
///
/// ```
/// use maxent_rl::soft_state_value;
/// let q = [1.0, 1.0, -2.0];
/// assert_eq!(soft_state_value(&q, 0.0), 1.0); // α = 0: the hard max
/// // Large |q|/α: the naive α ln Σ e^{q/α} overflows, this does not.
/// let v = soft_state_value(&[1000.0, 1000.0], 0.01);
/// assert!((v - (1000.0 + 0.01 * 2f64.ln())).abs() < 1e-12);
/// ```
#[inline]
pub fn soft_state_value(q: &[f64], alpha: f64) -> f64 {
    let Some((argmax, m)) = argmax(q) else {
        return f64::NEG_INFINITY;
    };
    // A NaN temperature must not pass as the hard maximum below.
    if alpha.is_nan() || alpha < 0.0 {
        return f64::NAN;
    }
    let inv_alpha = 1.0 / alpha;
    if alpha == 0.0 || !inv_alpha.is_finite() || !m.is_finite() {
        return m;
    }
    if alpha == f64::INFINITY {
        // α ln A → ∞ with two or more actions in play; (−∞ − m) · 0 would be NaN below.
        let finite = q.iter().filter(|x| x.is_finite()).count();
        return if finite > 1 { f64::INFINITY } else { m };
    }
    let mut rest = 0.0;
    for (a, &x) in q.iter().enumerate() {
        if a != argmax {
            rest += ((x - m) * inv_alpha).exp();
        }
    }
    m + alpha * rest.ln_1p()
}

/// Index and value of the largest entry (first on ties; NaN propagates).
#[inline]
fn argmax(q: &[f64]) -> Option<(usize, f64)> {
    let (&first, rest) = q.split_first()?;
    let mut best = (0, first);
    for (a, &x) in rest.iter().enumerate() {
        if x > best.1 || x.is_nan() {
            best = (a + 1, x);
        }
    }
    Some(best)
}

/// Action values of a state-value function: `Q(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) V(s')`,
/// written into `q_out` (flat, `s · A + a`), with `Q(s, ·) = 0` at terminal states.
///
/// # Errors
///
/// [`MdpError::DimensionMismatch`] if `v` does not have `S` entries or `q_out` `S · A`;
/// [`MdpError::NonFiniteValue`] for a non-finite `V(s)`; [`MdpError::ValuesOutOfRange`]
/// (with the first non-finite entry as `bound`) if a `Q(s, a)` overflows `f64` (rewards
/// and values of magnitude near `1e308`). The outputs are checked, not the inputs; on
/// error `q_out` holds the partial result.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, q_values_from_values};
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.5)?;
/// let mut q = [0.0; 2];
/// q_values_from_values(&mdp, &[4.0], &mut q)?;
/// assert_eq!(q, [3.0, 2.0]); // r + γ V
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn q_values_from_values(mdp: &Mdp, v: &[f64], q_out: &mut [f64]) -> Result<(), MdpError> {
    check_len("values", v.len(), mdp.num_states())?;
    check_len("q_out", q_out.len(), mdp.num_states() * mdp.num_actions())?;
    check_values("values", v)?;
    q_from_v_unchecked(mdp, v, q_out);
    check_outputs(q_out)
}

/// `Err(ValuesOutOfRange)` naming the first non-finite output of an operator whose inputs
/// were finite: the sum `r + γ E[V]` or `α ln A` overflowed.
fn check_outputs(out: &[f64]) -> Result<(), MdpError> {
    match out.iter().find(|x| !x.is_finite()) {
        Some(&bound) => Err(MdpError::ValuesOutOfRange { bound }),
        None => Ok(()),
    }
}

/// As [`q_values_from_values`], for inputs already checked.
pub(crate) fn q_from_v_unchecked(mdp: &Mdp, v: &[f64], q_out: &mut [f64]) {
    let num_actions = mdp.num_actions();
    let discount = mdp.discount();
    let rewards = mdp.rewards();
    for (s, q_s) in q_out.chunks_exact_mut(num_actions).enumerate() {
        if mdp.is_terminal(s) {
            q_s.fill(0.0);
            continue;
        }
        for (a, q) in q_s.iter_mut().enumerate() {
            *q = rewards[s * num_actions + a] + discount * mdp.expected_next_value(s, a, v);
        }
    }
}

/// The soft Bellman optimality operator in value form, `V_out = T_α V`.
///
/// # Formula
///
/// ```text
/// (T_α V)(s) = α ln Σ_a exp(Q(s, a) / α),   Q(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) V(s')
/// ```
///
/// with `(T_α V)(s) = 0` at terminal states, and the hard maximum at `α = 0` (ordinary
/// value iteration's operator). For `γ < 1` it is a `γ`-contraction in the sup norm.
///
/// # References
///
/// Haarnoja et al. (2017), *Reinforcement Learning with Deep Energy-Based Policies*,
/// Theorem 2 and eq. (4); Ziebart (2010), thesis, ch. 6 (softened value iteration).
///
/// # Numerical stability
///
/// Per state, as [`soft_state_value`]. The sweep allocates one buffer of `A` entries per
/// call and nothing per state.
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`] for `α` negative or non-finite;
/// [`MdpError::DimensionMismatch`] unless `v` and `v_out` have `S` entries;
/// [`MdpError::NonFiniteValue`] for a non-finite `V(s)`; [`MdpError::ValuesOutOfRange`]
/// if an output overflows `f64` (as [`q_values_from_values`]; on error `v_out` holds the
/// partial result).
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, soft_bellman_backup};
/// // One state, two actions with rewards 0 and 0, γ = 0: T V = α ln 2.
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0; 2], 0.0)?;
/// let mut out = [0.0];
/// soft_bellman_backup(&mdp, 0.5, &[7.0], &mut out)?;
/// assert!((out[0] - 0.5 * 2f64.ln()).abs() < 1e-15);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn soft_bellman_backup(
    mdp: &Mdp,
    alpha: f64,
    v: &[f64],
    v_out: &mut [f64],
) -> Result<(), MdpError> {
    check_alpha(alpha)?;
    check_len("values", v.len(), mdp.num_states())?;
    check_len("v_out", v_out.len(), mdp.num_states())?;
    check_values("values", v)?;
    let mut q_row = vec![0.0; mdp.num_actions()];
    soft_sweep(mdp, alpha, v, v_out, &mut q_row);
    check_outputs(v_out)
}

/// The soft Bellman optimality operator in action-value form, `Q_out = T_α Q`.
///
/// # Formula
///
/// ```text
/// (T_α Q)(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) · α ln Σ_{a'} exp(Q(s', a') / α)
/// ```
///
/// with `Q(s, ·) = 0` at terminal states. Its fixed point is `Q*`, and
/// `T_α Q = r + γ P (soft max of Q)` relates it to the value form: if `Q = r + γ P V`
/// then `T_α Q = r + γ P (T_α V)`.
///
/// # References
///
/// Haarnoja et al. (2017), eq. (2)–(3); Fox, Pakman, Tishby (2016), *Taming the Noise in
/// Reinforcement Learning via Soft Updates* (G-learning), eq. (12).
///
/// # Numerical stability
///
/// As [`soft_state_value`]. Allocates one vector of `S` soft state values per call.
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`] for `α` negative or non-finite;
/// [`MdpError::DimensionMismatch`] unless `q` and `q_out` have `S · A` entries;
/// [`MdpError::NonFiniteValue`] for a non-finite `Q(s, a)`; [`MdpError::ValuesOutOfRange`]
/// if an output overflows `f64` (as [`q_values_from_values`]; on error `q_out` holds the
/// partial result).
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, soft_bellman_q_backup};
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![1.0, 0.0], 0.5)?;
/// let mut out = [0.0; 2];
/// soft_bellman_q_backup(&mdp, 1.0, &[0.0, 0.0], &mut out)?;
/// let v = 2f64.ln(); // soft max of (0, 0) at α = 1
/// assert!((out[0] - (1.0 + 0.5 * v)).abs() < 1e-15);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn soft_bellman_q_backup(
    mdp: &Mdp,
    alpha: f64,
    q: &[f64],
    q_out: &mut [f64],
) -> Result<(), MdpError> {
    check_alpha(alpha)?;
    let n = mdp.num_states() * mdp.num_actions();
    check_len("q_values", q.len(), n)?;
    check_len("q_out", q_out.len(), n)?;
    check_values("q_values", q)?;
    let v = soft_values_of_q(mdp, q, alpha);
    q_from_v_unchecked(mdp, &v, q_out);
    check_outputs(q_out)
}

/// `V(s) = α ln Σ_a exp(Q(s, a)/α)` for every state, 0 at terminal states.
pub(crate) fn soft_values_of_q(mdp: &Mdp, q: &[f64], alpha: f64) -> Vec<f64> {
    q.chunks_exact(mdp.num_actions())
        .enumerate()
        .map(|(s, q_s)| {
            if mdp.is_terminal(s) {
                0.0
            } else {
                soft_state_value(q_s, alpha)
            }
        })
        .collect()
}

/// One soft Bellman sweep `v_out = T_α v` over checked inputs; returns `‖v_out − v‖∞`.
///
/// `q_row` is scratch space of length `A`. Nothing is allocated: this is the kernel that
/// soft value iteration runs every iteration.
#[inline]
pub(crate) fn soft_sweep(
    mdp: &Mdp,
    alpha: f64,
    v: &[f64],
    v_out: &mut [f64],
    q_row: &mut [f64],
) -> f64 {
    let num_actions = mdp.num_actions();
    let num_states = mdp.num_states();
    debug_assert_eq!(q_row.len(), num_actions);
    debug_assert!(v.len() == num_states && v_out.len() == num_states);
    let discount = mdp.discount();
    let rewards = mdp.rewards();
    let (offsets, next_states, probs) = mdp.csr();
    let terminal = mdp.terminal_states();
    let mut change = 0.0f64;
    for s in 0..num_states {
        let new = if terminal[s] {
            0.0
        } else {
            let base = s * num_actions;
            for (a, q) in q_row.iter_mut().enumerate() {
                let i = base + a;
                let (lo, hi) = (offsets[i], offsets[i + 1]);
                let p = &probs[lo..hi];
                let ev = if p.len() == num_states {
                    crate::tabular::mdp::dot(p, v)
                } else {
                    next_states[lo..hi]
                        .iter()
                        .zip(p)
                        .map(|(&j, &pj)| pj * v[j as usize])
                        .sum()
                };
                *q = rewards[i] + discount * ev;
            }
            soft_state_value(q_row, alpha)
        };
        // `f64::max` would drop a NaN; keep it, so the caller sees it.
        let d = (new - v[s]).abs();
        if d > change || d.is_nan() {
            change = d;
        }
        v_out[s] = new;
    }
    change
}
