//! Finite-horizon soft value iteration with a prior policy.

use crate::kl_regularised::kl_error::KlError;
use crate::kl_regularised::kl_soft_bellman::{kl_log_policy_unchecked, kl_values_of_q};
use crate::soft_dp::FiniteHorizonSolution;
use crate::soft_dp::soft_bellman::q_from_v_unchecked;
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{
    MdpError, check_allocatable, check_len, check_value_bound, check_values, table_len,
};
use crate::tabular::tabular_policy::TabularPolicy;

/// KL-regularised soft value iteration backwards in time over `T` steps.
///
/// # Formula
///
/// ```text
/// V_T = terminal_values
/// Q_t(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) V_{t+1}(s')
/// V_t(s) = α ln Σ_a π₀(a | s) exp(Q_t(s, a)/α),   π_t(a | s) = π₀(a | s) exp((Q_t − V_t)/α)
/// ```
///
/// `V_t(s)` is the maximum over time-indexed policies of
/// `E[Σ_{k=t}^{T−1} γ^{k−t}(r_k − α KL(π_k(·|s_k) ‖ π₀(·|s_k))) + γ^{T−t} V_T(s_T)]`. Any
/// `γ ∈ [0, 1]` is allowed. With `π₀` uniform it is
/// [`finite_horizon_soft_value_iteration`](crate::finite_horizon_soft_value_iteration)
/// shifted by the accumulated `α ln A`. Terminal states have value 0 before `T`.
///
/// # References
///
/// Todorov (2009), *Efficient computation of optimal actions*, PNAS 106(28) (the
/// finite-horizon KL-control problem); Geist, Scherrer & Pietquin (2019), §2.
///
/// # Numerical stability
///
/// As [`kl_soft_state_value`](crate::kl_soft_state_value).
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`] unless `0 < α < ∞`; [`MdpError::DimensionMismatch`]
/// for a prior or terminal values of the wrong shape; [`MdpError::NonFiniteValue`] for a
/// non-finite terminal value, or naming the state whose value overflowed at some step;
/// [`MdpError::ValuesOutOfRange`] if `max |r| Σ_{t<T} γ^t + ‖V_T‖∞` exceeds
/// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX) (within it every value and action value is
/// finite);
/// [`MdpError::TooLarge`] if the `T` tables cannot be allocated. All are returned inside
/// [`KlError::Mdp`].
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, TabularPolicy, finite_horizon_kl_soft_value_iteration};
/// // One state, rewards (0, ln 3), prior (¾, ¼), γ = 1, α = 1, three steps:
/// // every step adds ln(¾ + ¼·3) = ln 1.5.
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0, 3f64.ln()], 1.0)?;
/// let prior = TabularPolicy::from_probs(1, 2, vec![0.75, 0.25])?;
/// let sol = finite_horizon_kl_soft_value_iteration(&mdp, &prior, 1.0, 3, &[0.0])?;
/// assert!((sol.values[0][0] - 3.0 * 1.5f64.ln()).abs() < 1e-14);
/// # Ok::<(), maxent_rl::KlError>(())
/// ```
pub fn finite_horizon_kl_soft_value_iteration(
    mdp: &Mdp,
    prior: &TabularPolicy,
    alpha: f64,
    horizon: usize,
    terminal_values: &[f64],
) -> Result<FiniteHorizonSolution, KlError> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(MdpError::InvalidTemperature { value: alpha }.into());
    }
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    prior.check_shape_of(s_count, a_count)?;
    check_len("terminal_values", terminal_values.len(), s_count)?;
    check_values("terminal_values", terminal_values)?;
    // The KL penalty is ≥ 0 and V_t lies between E_π₀[Q_t] and max Q_t, so
    // |V_t| ≤ max |r| Σ_{k<T} γ^k + ‖V_T‖∞: refuse problems where that nears the f64 range.
    let terminal_max = terminal_values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    check_value_bound(mdp.value_bound(0.0, Some(horizon)) + terminal_max)?;
    // T + 1 value rows and T Q-tables and policies: refuse what cannot be allocated.
    let entries = table_len("finite-horizon tables", &[horizon, s_count, a_count, 3])?;
    let bytes = table_len("finite-horizon tables", &[entries, 8])?;
    check_allocatable("finite-horizon tables", entries, bytes)?;
    // `next` holds V_{t+1} while step t is computed; the rows are collected backwards.
    let mut next = terminal_values.to_vec();
    let mut values = Vec::with_capacity(horizon);
    let mut q_values = Vec::with_capacity(horizon);
    let mut policies = Vec::with_capacity(horizon);
    for _ in 0..horizon {
        let mut q = vec![0.0; s_count * a_count];
        q_from_v_unchecked(mdp, &next, &mut q);
        let v = kl_values_of_q(mdp, &q, prior, alpha);
        if let Some(s) = v.iter().position(|x| !x.is_finite()) {
            return Err(MdpError::NonFiniteValue {
                what: "values",
                index: s,
                value: v[s],
            }
            .into());
        }
        values.push(std::mem::replace(&mut next, v));
        let log_probs = kl_log_policy_unchecked(&q, prior, alpha);
        policies.push(TabularPolicy::from_normalised_log_probs(
            s_count, a_count, log_probs,
        ));
        q_values.push(q);
    }
    values.push(next);
    values.reverse();
    q_values.reverse();
    policies.reverse();
    Ok(FiniteHorizonSolution {
        values,
        q_values,
        policies,
    })
}
