//! The exact backward messages of control as inference and the posterior they define.

use crate::inference::inference_error::{InferenceError, check_scaled_rewards};
use crate::irl::maxent_partition::{MaxEntPartition, TrajectoryEnd};
use crate::tabular::mdp::{Mdp, check_state_distribution};
use crate::tabular::mdp_error::{check_len, check_value_bound};
use crate::tabular::time_indexed_policy::TimeIndexedPolicy;

/// Posterior marginals `p(s_t | O_{0:T})` and `p(s_t, a_t | O_{0:T})` of control as
/// inference, from the backward messages or from enumeration.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PosteriorMarginals {
    /// `p(s_t = s | O)` for `t = 0, …, T`, one vector of `S` entries per step. A
    /// trajectory that reaches a terminal state stays counted there until `T`.
    pub states: Vec<Vec<f64>>,
    /// `p(s_t = s, a_t = a | O)` for `t = 0, …, T−1`, flat (`s · A + a`); 0 at terminal
    /// states, where no action is taken.
    pub state_actions: Vec<Vec<f64>>,
}

/// The exact backward messages `β_t(s, a) = p(O_{t:T−1} | s_t = s, a_t = a)` and
/// `β_t(s) = Σ_a β_t(s, a)` of control as inference over a horizon of `T` steps, with the
/// posterior policy and posterior dynamics they define.
///
/// # Formula
///
/// The graphical model has states, actions and binary optimality variables with
/// `p(O_t = 1 | s_t, a_t) = exp(r(s_t, a_t)/α)` (rewards `≤ 0` make it a probability; any
/// shift of `r` only rescales the messages), the true dynamics, and the uniform action
/// prior whose constant `A^{−T}` is dropped (Levine 2018, §2). Conditioning on
/// `O_{0:T−1} = 1`:
///
/// ```text
/// β_T(s) = 1
/// β_t(s, a) = exp(r(s, a)/α) Σ_{s'} P(s' | s, a) β_{t+1}(s')
/// β_t(s) = Σ_a β_t(s, a)
/// Q_t(s, a) = α ln β_t(s, a) = r(s, a) + α ln E_{s'}[exp(V_{t+1}(s')/α)]     (optimistic)
/// V_t(s) = α ln β_t(s) = α ln Σ_a exp(Q_t(s, a)/α)
/// p(a_t | s_t, O) = β_t(s, a)/β_t(s) = exp((Q_t(s, a) − V_t(s))/α)
/// p(s_{t+1} | s_t, a_t, O) = P(s' | s, a) β_{t+1}(s') / Σ_{s''} P(s'' | s, a) β_{t+1}(s'')
/// p(s_0 | O) ∝ d₀(s_0) β_0(s_0),      p(O) = Σ_s d₀(s) β_0(s)
/// ```
///
/// The posterior dynamics differ from the true ones whenever `P` is stochastic: the
/// posterior answers "given that the trajectory was optimal, what happened?", and tilts
/// every transition towards lucky successors. That is why its `Q` uses
/// `α ln E[exp(V/α)] ≥ E[V]` — the optimistic backup. The discount of the MDP is not used
/// (the model has none); a terminal state ends the trajectory (`β_t(s) = 1`, no action).
///
/// This is the backward pass of maximum-entropy IRL at rewards `r/α`; it is computed by
/// [`MaxEntPartition`] (Ziebart et al. 2008), whose `Z_t` are these `β_t`.
///
/// # References
///
/// Levine (2018), *Reinforcement Learning and Control as Probabilistic Inference: Tutorial
/// and Review*, §2.3 (backward messages, eqs. for `β_t(s_t, a_t)` and `β_t(s_t)`) and
/// §2.4 (the optimism problem); Ziebart et al. (2008), Algorithm 1.
///
/// # Numerical stability
///
/// The messages are kept in log-space (see [`MaxEntPartition`]); they would overflow in
/// exp-space after a few hundred steps. The posterior dynamics and start distribution are
/// normalised in log-space and then renormalised to sum to one: when `|ln β|` is so large
/// (beyond about `10^{15}`, from `|r|/α` that large) that its rounding exceeds the `ln P`
/// terms, the posterior keeps only what the rewards decide.
///
/// # Examples
///
/// ```
/// use maxent_rl::{BackwardMessages, Mdp};
/// // One state, two actions with rewards 0 and α ln 3, horizon 2: β_0 = 4², and the
/// // posterior takes action 1 with probability 3/4 at every step.
/// let alpha = 0.5;
/// let mdp = Mdp::new(1, 2, &[vec![(0, 1.0)], vec![(0, 1.0)]], vec![0.0, alpha * 3f64.ln()], 1.0)?;
/// let messages = BackwardMessages::new(&mdp, alpha, 2)?;
/// assert!((messages.log_message_state(0)[0] - 2.0 * 4f64.ln()).abs() < 1e-12);
/// assert!((messages.posterior_policy().prob(1, 0, 1) - 0.75).abs() < 1e-12);
/// # Ok::<(), maxent_rl::InferenceError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BackwardMessages {
    alpha: f64,
    partition: MaxEntPartition,
    mdp: Mdp,
}

impl BackwardMessages {
    /// Runs the backward pass over `T = horizon` steps at temperature `α`.
    ///
    /// # Errors
    ///
    /// [`InferenceError::InvalidTemperature`] unless `0 < α < ∞`;
    /// [`InferenceError::ZeroHorizon`]; [`InferenceError::ScaledRewardOverflow`] if some
    /// `r(s, a)/α` is not finite; [`InferenceError::Mdp`] with
    /// [`MdpError::ValuesOutOfRange`](crate::MdpError::ValuesOutOfRange) if the optimistic
    /// values' bound `T (max |r| + α ln A)` exceeds
    /// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX); [`InferenceError::Irl`] from the backward pass
    /// ([`MaxEntPartition::new`]): `ValuesOutOfRange` if `T (max |r|/α + ln A)` exceeds
    /// [`VALUE_BOUND_MAX`](crate::VALUE_BOUND_MAX), `TooLarge` if its tables cannot be
    /// stored; [`InferenceError::NonFiniteLogWeight`] if a message is `+∞` or NaN all the
    /// same. Within that domain every `ln β` is finite, and so is everything derived from
    /// it (values, posterior policy and dynamics).
    pub fn new(mdp: &Mdp, alpha: f64, horizon: usize) -> Result<Self, InferenceError> {
        let scaled = check_scaled_rewards(mdp.rewards(), mdp.num_actions(), alpha)?;
        if horizon == 0 {
            return Err(InferenceError::ZeroHorizon);
        }
        // The optimistic values α ln β are bounded by T (max |r| + α ln A): refuse a problem
        // where that leaves the f64 range (a huge α), as the solvers do.
        let max_reward = mdp.rewards().iter().fold(0.0f64, |m, r| m.max(r.abs()));
        let per_step = max_reward + alpha * (mdp.num_actions() as f64).ln();
        check_value_bound(per_step * horizon as f64)?;
        let partition = MaxEntPartition::new(mdp, &scaled, horizon, &TrajectoryEnd::Anywhere)?;
        // Σ_t r/α can overflow even when every r/α is finite; ln β = −∞ (no trajectory) is
        // legitimate, +∞ or NaN is not.
        for t in 0..=horizon {
            if let Some(&value) = partition
                .log_z_state(t)
                .iter()
                .find(|l| l.is_nan() || **l == f64::INFINITY)
            {
                return Err(InferenceError::NonFiniteLogWeight {
                    what: "ln β_t(s)",
                    value,
                });
            }
        }
        Ok(Self {
            alpha,
            partition,
            mdp: mdp.clone(),
        })
    }

    /// The horizon `T`.
    pub fn horizon(&self) -> usize {
        self.partition.horizon()
    }

    /// The temperature `α`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// `ln β_t(s)` for every state, `t = 0, …, T`.
    ///
    /// # Panics
    ///
    /// If `t > T`.
    pub fn log_message_state(&self, t: usize) -> &[f64] {
        self.partition.log_z_state(t)
    }

    /// `ln β_t(s, a)` for every action of state `s`, `t = 0, …, T−1` (`−∞` at terminal
    /// states, which take no action).
    ///
    /// # Panics
    ///
    /// If `t ≥ T` or `s ≥ S`.
    pub fn log_message_action(&self, t: usize, s: usize) -> &[f64] {
        self.partition.log_z_action(t, s)
    }

    /// The optimistic values `V_t(s) = α ln β_t(s)`, `t = 0, …, T` (0 at terminal states).
    ///
    /// # Panics
    ///
    /// If `t > T`.
    pub fn optimistic_values(&self, t: usize) -> Vec<f64> {
        self.log_message_state(t)
            .iter()
            .map(|l| self.alpha * l)
            .collect()
    }

    /// The optimistic action values `Q_t(s, a) = α ln β_t(s, a)`, flat (`s · A + a`),
    /// `t = 0, …, T−1`; 0 at terminal states (the convention of
    /// [`finite_horizon_soft_value_iteration`](crate::finite_horizon_soft_value_iteration)).
    ///
    /// # Panics
    ///
    /// If `t ≥ T`.
    pub fn optimistic_q_values(&self, t: usize) -> Vec<f64> {
        let mut q = Vec::with_capacity(self.mdp.num_states() * self.mdp.num_actions());
        for s in 0..self.mdp.num_states() {
            for &l in self.log_message_action(t, s) {
                q.push(if self.mdp.is_terminal(s) {
                    0.0
                } else {
                    self.alpha * l
                });
            }
        }
        q
    }

    /// The posterior policy `p(a_t | s_t, O) = β_t(s, a)/β_t(s)` (uniform at terminal
    /// states, which the posterior never acts in).
    pub fn posterior_policy(&self) -> &TimeIndexedPolicy {
        self.partition.policy()
    }

    /// `ln p(O_{0:T−1} = 1) = ln Σ_s d₀(s) β_0(s)`, the log-evidence.
    ///
    /// # Errors
    ///
    /// [`InferenceError::Mdp`] if `initial` is not a distribution over the states;
    /// [`InferenceError::NonFiniteLogWeight`] if `ln p(O)` is out of the range of `f64`.
    pub fn log_evidence(&self, initial: &[f64]) -> Result<f64, InferenceError> {
        self.check_initial(initial)?;
        let terms: Vec<f64> = initial
            .iter()
            .zip(self.log_message_state(0))
            .map(|(d, l)| d.ln() + l)
            .collect();
        let value = crate::numerics::log_sum_exp(&terms);
        if !value.is_finite() {
            // Every trajectory's weight underflowed (or overflowed) in f64.
            return Err(InferenceError::NonFiniteLogWeight {
                what: "ln p(O)",
                value,
            });
        }
        Ok(value)
    }

    /// The posterior dynamics `p(s_{t+1} | s_t = s, a_t = a, O)`, as `(s', probability)`
    /// over the true successors of `(s, a)` (empty at a terminal state).
    ///
    /// # Panics
    ///
    /// If `t ≥ T`, `s ≥ S` or `a ≥ A`.
    pub fn posterior_transition(&self, t: usize, s: usize, a: usize) -> Vec<(usize, f64)> {
        if self.mdp.is_terminal(s) {
            return Vec::new();
        }
        let next = self.log_message_state(t + 1);
        let logs: Vec<(usize, f64)> = self
            .mdp
            .successors(s, a)
            .map(|(s2, p)| (s2, p.ln() + next[s2]))
            .collect();
        let values: Vec<f64> = logs.iter().map(|&(_, l)| l).collect();
        let norm = crate::numerics::log_sum_exp(&values);
        let probs: Vec<(usize, f64)> = logs
            .into_iter()
            .map(|(s2, l)| (s2, (l - norm).exp()))
            .collect();
        // Renormalised: with huge messages the rounding of ln β exceeds the ln P terms.
        let total: f64 = probs.iter().map(|&(_, p)| p).sum();
        probs.into_iter().map(|(s2, p)| (s2, p / total)).collect()
    }

    /// The posterior marginals `p(s_t | O)` and `p(s_t, a_t | O)`, by the forward recursion
    /// through the posterior: `p(s_0 | O) ∝ d₀ β_0`, then the posterior policy and the
    /// posterior dynamics.
    ///
    /// # Errors
    ///
    /// As [`log_evidence`](Self::log_evidence).
    pub fn posterior_marginals(
        &self,
        initial: &[f64],
    ) -> Result<PosteriorMarginals, InferenceError> {
        self.check_initial(initial)?;
        let (s_count, a_count) = (self.mdp.num_states(), self.mdp.num_actions());
        let horizon = self.horizon();
        let log_evidence = self.log_evidence(initial)?;
        let mut state: Vec<f64> = initial
            .iter()
            .zip(self.log_message_state(0))
            .map(|(d, l)| (d.ln() + l - log_evidence).exp())
            .collect();
        let total: f64 = state.iter().sum();
        state.iter_mut().for_each(|p| *p /= total);
        let policy = self.posterior_policy();
        let mut states = Vec::with_capacity(horizon + 1);
        let mut state_actions = Vec::with_capacity(horizon);
        for t in 0..horizon {
            let mut joint = vec![0.0; s_count * a_count];
            let mut next = vec![0.0; s_count];
            for s in 0..s_count {
                let mass = state[s];
                if mass == 0.0 {
                    continue;
                }
                if self.mdp.is_terminal(s) {
                    next[s] += mass;
                    continue;
                }
                for a in 0..a_count {
                    let w = mass * policy.prob(t, s, a);
                    joint[s * a_count + a] = w;
                    if w == 0.0 {
                        continue;
                    }
                    for (s2, p) in self.posterior_transition(t, s, a) {
                        next[s2] += w * p;
                    }
                }
            }
            states.push(std::mem::replace(&mut state, next));
            state_actions.push(joint);
        }
        states.push(state);
        Ok(PosteriorMarginals {
            states,
            state_actions,
        })
    }

    fn check_initial(&self, initial: &[f64]) -> Result<(), InferenceError> {
        check_len("initial", initial.len(), self.mdp.num_states())?;
        check_state_distribution(initial)?;
        Ok(())
    }
}
