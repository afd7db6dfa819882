//! The evidence lower bound of a policy: variational control as inference.

use crate::inference::inference_error::{InferenceError, check_scaled_rewards};
use crate::tabular::mdp::{Mdp, check_state_distribution};
use crate::tabular::mdp_error::check_len;
use crate::tabular::time_indexed_policy::TimeIndexedPolicy;

/// The evidence lower bound `ELBO(π) ≤ ln p(O)` of a time-indexed policy, with the
/// variational family that keeps the true dynamics.
///
/// # Formula
///
/// With `q(τ) = d₀(s_0) Π_t π_t(a_t | s_t) P(s_{t+1} | s_t, a_t)` and the joint
/// `p(τ, O) = d₀(s_0) Π_t P(s_{t+1} | s_t, a_t) exp(r(s_t, a_t)/α)` of
/// [`BackwardMessages`](crate::BackwardMessages),
///
/// ```text
/// ELBO(π) = E_q[ln p(τ, O) − ln q(τ)]
///         = E_q[ Σ_{t<T} ( r(s_t, a_t)/α + H(π_t(· | s_t)) ) ]
///         = ln p(O) − KL(q ‖ p(· | O)) ≤ ln p(O)
/// ```
///
/// The dynamics cancel, so `α · ELBO(π)` is the maximum-entropy objective of chapter 3
/// (undiscounted, horizon `T`), and its maximiser is the policy of
/// [`finite_horizon_soft_value_iteration`](crate::finite_horizon_soft_value_iteration) at
/// `γ = 1`, with `α · max ELBO = Σ_s d₀(s) V_0(s)`. The bound is tight only if the exact
/// posterior keeps the true dynamics and start distribution — under deterministic
/// dynamics from a fixed start state. The MDP's
/// discount is not used; a terminal state ends the trajectory.
///
/// # References
///
/// Levine (2018), *Reinforcement Learning and Control as Probabilistic Inference*, §3
/// (variational inference with the dynamics held fixed, the ELBO and its maximiser).
///
/// # Numerical stability
///
/// Computed exactly by a forward recursion over state distributions (no sampling); the
/// entropy uses the policy's log-probabilities with `0 ln 0 = 0`.
///
/// # Errors
///
/// [`InferenceError::InvalidTemperature`] unless `0 < α < ∞`;
/// [`InferenceError::ScaledRewardOverflow`] if some `r(s, a)/α` is not finite;
/// [`InferenceError::Mdp`] with [`MdpError::DimensionMismatch`](crate::MdpError::DimensionMismatch) naming `"policy states"` or
/// `"policy actions"` if the policy's numbers of states or actions differ from the MDP's, or
/// `"initial"` unless it has `S` entries, and the errors of a bad distribution
/// ([`MdpError::InvalidStateProbability`](crate::MdpError::InvalidStateProbability),
/// [`MdpError::StateDistributionNotNormalised`](crate::MdpError::StateDistributionNotNormalised));
/// [`InferenceError::NonFiniteLogWeight`] if the sum overflows. Any policy horizon is
/// accepted (0 gives an ELBO of 0).
///
/// # Examples
///
/// ```
/// use maxent_rl::{Mdp, TabularPolicy, TimeIndexedPolicy, evidence_lower_bound};
/// // One state, rewards 0 and ln 3 (α = 1), two steps. The uniform policy gets
/// // 2 (ln 3 / 2 + ln 2); the optimum (3/4, 1/4) reaches ln p(O) = 2 ln 4.
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0, 3f64.ln()], 1.0)?;
/// let uniform = TimeIndexedPolicy::stationary(&TabularPolicy::uniform(1, 2)?, 2)?;
/// let elbo = evidence_lower_bound(&mdp, &uniform, 1.0, &[1.0])?;
/// assert!((elbo - 2.0 * (0.5 * 3f64.ln() + 2f64.ln())).abs() < 1e-12);
/// let best = TabularPolicy::from_probs(1, 2, vec![0.25, 0.75])?;
/// let best = TimeIndexedPolicy::stationary(&best, 2)?;
/// assert!((evidence_lower_bound(&mdp, &best, 1.0, &[1.0])? - 2.0 * 4f64.ln()).abs() < 1e-12);
/// # Ok::<(), maxent_rl::InferenceError>(())
/// ```
pub fn evidence_lower_bound(
    mdp: &Mdp,
    policy: &TimeIndexedPolicy,
    alpha: f64,
    initial: &[f64],
) -> Result<f64, InferenceError> {
    let scaled = check_scaled_rewards(mdp.rewards(), mdp.num_actions(), alpha)?;
    let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
    check_len("policy states", policy.num_states(), s_count)?;
    check_len("policy actions", policy.num_actions(), a_count)?;
    check_len("initial", initial.len(), s_count)?;
    check_state_distribution(initial)?;
    let mut d = initial.to_vec();
    let mut elbo = 0.0;
    for t in 0..policy.horizon() {
        let mut next = vec![0.0; s_count];
        for s in (0..s_count).filter(|&s| d[s] > 0.0 && !mdp.is_terminal(s)) {
            let log_pi = policy.log_probs(t, s);
            for (a, &lp) in log_pi.iter().enumerate() {
                if lp == f64::NEG_INFINITY {
                    continue;
                }
                let w = d[s] * lp.exp();
                elbo += w * (scaled[s * a_count + a] - lp);
                for (s2, p) in mdp.successors(s, a) {
                    next[s2] += w * p;
                }
            }
        }
        d = next;
    }
    if !elbo.is_finite() {
        return Err(InferenceError::NonFiniteLogWeight {
            what: "ELBO",
            value: elbo,
        });
    }
    Ok(elbo)
}
