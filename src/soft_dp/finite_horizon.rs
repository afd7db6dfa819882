//! Finite-horizon soft value iteration: time-indexed values and policies.

use crate::soft_dp::boltzmann::boltzmann_policy;
use crate::soft_dp::soft_bellman::{q_from_v_unchecked, soft_values_of_q};
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::{
    MdpError, check_allocatable, check_alpha, check_len, check_value_bound, check_values, table_len,
};
use crate::tabular::tabular_policy::TabularPolicy;
use crate::tabular::time_indexed_policy::TimeIndexedPolicy;

/// Time-indexed soft values, action values and policies of a finite-horizon problem.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FiniteHorizonSolution {
    /// `V_0, …, V_T` (`V_T` the terminal values passed in).
    pub values: Vec<Vec<f64>>,
    /// `Q_0, …, Q_{T−1}`, each flat (`s · A + a`).
    pub q_values: Vec<Vec<f64>>,
    /// `π_0, …, π_{T−1}`, `π_t(a | s) = exp((Q_t(s, a) − V_t(s))/α)`.
    pub policies: Vec<TabularPolicy>,
}

impl FiniteHorizonSolution {
    /// The policies `π_0, …, π_{T−1}` as one [`TimeIndexedPolicy`], ready for
    /// [`forward_pass`](crate::forward_pass) or sampling.
    ///
    /// # Errors
    ///
    /// [`MdpError::Empty`] for a horizon of 0 (there is no policy to take).
    pub fn time_indexed_policy(&self) -> Result<TimeIndexedPolicy, MdpError> {
        TimeIndexedPolicy::from_policies(&self.policies)
    }
}

/// Soft value iteration backwards in time over a horizon of `T` steps.
///
/// # Formula
///
/// ```text
/// V_T = terminal_values
/// Q_t(s, a) = r(s, a) + γ Σ_{s'} P(s' | s, a) V_{t+1}(s')
/// V_t(s) = α ln Σ_a exp(Q_t(s, a)/α),   π_t(a | s) = exp((Q_t(s, a) − V_t(s))/α)
/// ```
///
/// `V_t(s)` is the maximum over all (time-dependent) policies of
/// `E[Σ_{k=t}^{T−1} γ^{k−t} (r_k + α H(π_k(· | s_k))) + γ^{T−t} V_T(s_T) | s_t = s]`,
/// attained by `π_t`. Terminal states of the MDP have value 0 at every `t < T`. Any
/// `γ ∈ [0, 1]` is allowed, including `γ = 1`.
///
/// # References
///
/// Ziebart (2010), thesis, ch. 6 (finite-horizon softened value iteration);
/// Levine (2018), *Reinforcement Learning and Control as Probabilistic Inference*, §2.3
/// (backward messages).
///
/// # Numerical stability
///
/// As [`soft_state_value`](crate::soft_state_value) and [`boltzmann_policy`].
///
/// # Errors
///
/// [`MdpError::InvalidTemperature`]; [`MdpError::DimensionMismatch`] or
/// [`MdpError::NonFiniteValue`] for bad terminal values; [`MdpError::ValuesOutOfRange`] if
/// `(max |r| + α ln A) Σ_{t<T} γ^t + ‖V_T‖∞` exceeds
/// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX); [`MdpError::TooLarge`] if the `T` tables
/// cannot be allocated.
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, finite_horizon_soft_value_iteration};
/// // One state, two actions with reward 0, γ = 1, horizon 3: V_0 = 3 α ln 2.
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0; 2], 1.0)?;
/// let sol = finite_horizon_soft_value_iteration(&mdp, 0.5, 3, &[0.0])?;
/// assert!((sol.values[0][0] - 1.5 * 2f64.ln()).abs() < 1e-15);
/// assert_eq!(sol.policies.len(), 3);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
pub fn finite_horizon_soft_value_iteration(
    mdp: &Mdp,
    alpha: f64,
    horizon: usize,
    terminal_values: &[f64],
) -> Result<FiniteHorizonSolution, MdpError> {
    check_alpha(alpha)?;
    check_len("terminal_values", terminal_values.len(), mdp.num_states())?;
    check_values("terminal_values", terminal_values)?;
    let terminal_max = terminal_values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    check_value_bound(mdp.value_bound(alpha, Some(horizon)) + terminal_max)?;
    // T + 1 value rows and T Q-tables and policies: refuse what cannot be allocated.
    let entries = table_len(
        "finite-horizon tables",
        &[horizon, mdp.num_states(), mdp.num_actions(), 3],
    )?;
    let bytes = table_len("finite-horizon tables", &[entries, 8])?;
    check_allocatable("finite-horizon tables", entries, bytes)?;
    let n = mdp.num_states() * mdp.num_actions();
    // `next` holds V_{t+1} while step t is computed; the rows are collected backwards.
    let mut next = terminal_values.to_vec();
    let mut values = Vec::with_capacity(horizon);
    let mut q_values = Vec::with_capacity(horizon);
    let mut policies = Vec::with_capacity(horizon);
    for _ in 0..horizon {
        let mut q = vec![0.0; n];
        q_from_v_unchecked(mdp, &next, &mut q);
        let v = soft_values_of_q(mdp, &q, alpha);
        values.push(std::mem::replace(&mut next, v));
        policies.push(boltzmann_policy(&q, mdp.num_actions(), alpha)?);
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
