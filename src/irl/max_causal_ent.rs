//! The maximum causal entropy policy (Ziebart 2010) for a finite horizon: soft value
//! iteration at temperature 1.

use crate::irl::irl_error::IrlError;
use crate::irl::maxent_partition::{check_backward_pass, check_reward};
use crate::tabular::mdp::Mdp;
use crate::tabular::mdp_error::try_filled;
use crate::tabular::time_indexed_policy::TimeIndexedPolicy;

/// Soft values and the maximum causal entropy policy over a finite horizon.
///
/// # Formula
///
/// With `V_T(s) = 0` and, for `t = T−1, …, 0`,
///
/// ```text
/// Q_t(s, a) = r(s, a) + Σ_{s'} P(s' | s, a) V_{t+1}(s')
/// V_t(s)    = ln Σ_a exp Q_t(s, a)
/// π_t(a | s) = exp(Q_t(s, a) − V_t(s))
/// ```
///
/// Compare [`MaxEntPartition`](crate::MaxEntPartition): there the next-state term is
/// `ln Σ_{s'} P(s'|s, a) exp V_{t+1}(s')`, the log of an expectation of exponentials,
/// which is never below this expectation of logs (Jensen) and equals it exactly when the
/// dynamics are deterministic. The 2008 model lets the agent count on lucky transitions;
/// the causal model does not. Terminal states of the MDP have `V_t(s) = 0`.
///
/// # References
///
/// Ziebart (2010), *Modeling Purposeful Adaptive Behavior with the Principle of Maximum
/// Causal Entropy*, PhD thesis, Carnegie Mellon University, Algorithm 9.1;
/// Ziebart, Bagnell & Dey (2010), *Modeling Interaction via the Principle of Maximum Causal
/// Entropy*, ICML.
///
/// # Numerical stability
///
/// `V_t = lse_a Q_t` is a log-sum-exp with the maximum shifted out, so large rewards and
/// long horizons neither overflow nor lose the smaller actions' probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxCausalEntSolution {
    horizon: usize,
    num_states: usize,
    /// `V_t(s)`, `(T + 1) · S`.
    values: Vec<f64>,
    policy: TimeIndexedPolicy,
}

impl MaxCausalEntSolution {
    /// Solves the finite-horizon soft Bellman recursion for rewards `r(s, a)` (flat).
    ///
    /// # Errors
    ///
    /// As [`MaxEntPartition::new`](crate::MaxEntPartition::new) (there is no goal set):
    /// [`IrlError::ZeroHorizon`]; [`IrlError::DimensionMismatch`] if `reward` does not have
    /// `S · A` entries; [`IrlError::Mdp`] with `NonFiniteReward` for a non-finite reward,
    /// `ValuesOutOfRange` if `T (max |r| + ln A)` exceeds
    /// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX), or `TooLarge` if the tables cannot be
    /// stored. Within that domain every value and probability is finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use maxent_rl::{MaxCausalEntSolution, Mdp};
    /// // One state, rewards 0 and ln 3 for the two actions: V_0 = T ln 4 as for the 2008
    /// // model, since the dynamics are deterministic.
    /// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0; 2], 1.0)?;
    /// let sol = MaxCausalEntSolution::new(&mdp, &[0.0, 3f64.ln()], 5)?;
    /// assert!((sol.values(0)[0] - 5.0 * 4f64.ln()).abs() < 1e-12);
    /// # Ok::<(), maxent_rl::IrlError>(())
    /// ```
    pub fn new(mdp: &Mdp, reward: &[f64], horizon: usize) -> Result<Self, IrlError> {
        check_reward(mdp, reward)?;
        if horizon == 0 {
            return Err(IrlError::ZeroHorizon);
        }
        let (s_count, a_count) = (mdp.num_states(), mdp.num_actions());
        let len = check_backward_pass(mdp, reward, horizon)?;
        let mut values = try_filled("value tables", (horizon + 1) * s_count, 0.0)?;
        let mut log_pi = try_filled("policy tables", len, 0.0)?;
        let uniform = -(a_count as f64).ln();
        let mut q = vec![0.0; a_count];
        for t in (0..horizon).rev() {
            let (now, next) = values.split_at_mut((t + 1) * s_count);
            let v_next = &next[..s_count];
            let v_now = &mut now[t * s_count..];
            for s in 0..s_count {
                let row = (t * s_count + s) * a_count;
                if mdp.is_terminal(s) {
                    v_now[s] = 0.0;
                    log_pi[row..row + a_count].fill(uniform);
                    continue;
                }
                for (a, qa) in q.iter_mut().enumerate() {
                    *qa = reward[s * a_count + a]
                        + mdp
                            .successors(s, a)
                            .map(|(s2, p)| p * v_next[s2])
                            .sum::<f64>();
                }
                // V = m + ln Σ e^{Q − m}, and ln π = (Q − m) − ln Σ…, not Q − V: the
                // probabilities then sum to one to a few ulps however large V grows, and
                // one set of exponentials serves both.
                let m = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let log_sum = q.iter().map(|qa| (qa - m).exp()).sum::<f64>().ln();
                v_now[s] = m + log_sum;
                for (lp, qa) in log_pi[row..row + a_count].iter_mut().zip(&q) {
                    *lp = (qa - m) - log_sum;
                }
            }
        }
        Ok(Self {
            horizon,
            num_states: s_count,
            values,
            policy: TimeIndexedPolicy::from_log_probs(horizon, s_count, a_count, log_pi),
        })
    }

    /// Horizon `T`.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// `V_t(·)` for `t = 0, …, T`.
    ///
    /// # Panics
    ///
    /// If `t > T`.
    pub fn values(&self, t: usize) -> &[f64] {
        assert!(t <= self.horizon, "t out of range");
        &self.values[t * self.num_states..(t + 1) * self.num_states]
    }

    /// The maximum causal entropy policy `π_t(a | s) = exp(Q_t(s, a) − V_t(s))`.
    pub fn policy(&self) -> &TimeIndexedPolicy {
        &self.policy
    }
}
