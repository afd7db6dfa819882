//! A finite-horizon policy `π_t(a | s)`, `t = 0, …, T−1`.

use crate::numerics::inversion::inverse_cdf_index;
use rand::{Rng, RngExt};

use crate::tabular::mdp_error::{MdpError, table_len};
use crate::tabular::tabular_policy::TabularPolicy;

/// A time-indexed stochastic policy `π_t(a | s)` for a horizon of `T` steps, stored as
/// log-probabilities, flat: entry `(t, s, a)` is at `(t · S + s) · A + a`.
///
/// The finite-horizon solutions of maximum-entropy models are time-indexed: with `k` steps
/// to go the agent weighs the future differently than with `k + 1`.
///
/// Build one from a policy per step ([`TimeIndexedPolicy::from_policies`], which takes the
/// `policies` of [`finite_horizon_soft_value_iteration`](crate::finite_horizon_soft_value_iteration)
/// or your own), or repeat a stationary policy ([`TimeIndexedPolicy::stationary`]); the
/// forward pass [`forward_pass`](crate::forward_pass) takes either.
///
/// # Examples
///
/// ```
/// use maxent_rl::{forward_pass, Mdp, TabularPolicy, TimeIndexedPolicy};
/// // Two states; action 0 stays, action 1 switches. Switch at t = 0, stay at t = 1.
/// let p = vec![vec![(0, 1.0)], vec![(1, 1.0)], vec![(1, 1.0)], vec![(0, 1.0)]];
/// let mdp = Mdp::new(2, 2, &p, vec![0.0; 4], 1.0)?;
/// let switch = TabularPolicy::deterministic(2, &[1, 1])?;
/// let stay = TabularPolicy::deterministic(2, &[0, 0])?;
/// let policy = TimeIndexedPolicy::from_policies(&[switch, stay])?;
/// let d = forward_pass(&mdp, &[1.0, 0.0], &policy)?;
/// assert_eq!(d.at(1), &[0.0, 1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TimeIndexedPolicy {
    horizon: usize,
    num_states: usize,
    num_actions: usize,
    log_probs: Vec<f64>,
}

impl TimeIndexedPolicy {
    /// Wraps log-probabilities computed by a solver in this crate.
    pub(crate) fn from_log_probs(
        horizon: usize,
        num_states: usize,
        num_actions: usize,
        log_probs: Vec<f64>,
    ) -> Self {
        debug_assert_eq!(log_probs.len(), horizon * num_states * num_actions);
        Self {
            horizon,
            num_states,
            num_actions,
            log_probs,
        }
    }

    /// The policy that takes `policies[t]` at step `t`, for a horizon `T = policies.len()`.
    ///
    /// # Errors
    ///
    /// [`MdpError::Empty`] (`what: "steps"`) for no policies;
    /// [`MdpError::DimensionMismatch`] if a policy's number of states
    /// (`what: "policy states"`) or actions (`what: "policy actions"`) differs from the first.
    pub fn from_policies(policies: &[TabularPolicy]) -> Result<Self, MdpError> {
        let first = policies.first().ok_or(MdpError::Empty { what: "steps" })?;
        let (num_states, num_actions) = (first.num_states(), first.num_actions());
        let mut log_probs = Vec::with_capacity(policies.len() * num_states * num_actions);
        for policy in policies {
            for (what, expected, found) in [
                ("policy states", num_states, policy.num_states()),
                ("policy actions", num_actions, policy.num_actions()),
            ] {
                if found != expected {
                    return Err(MdpError::DimensionMismatch {
                        what,
                        expected,
                        found,
                    });
                }
            }
            log_probs.extend_from_slice(policy.log_probs());
        }
        Ok(Self::from_log_probs(
            policies.len(),
            num_states,
            num_actions,
            log_probs,
        ))
    }

    /// The stationary policy `π_t = π` for every `t < horizon`.
    ///
    /// # Errors
    ///
    /// [`MdpError::Empty`] (`what: "steps"`) for `horizon = 0`; [`MdpError::TooLarge`] if
    /// the `T · S · A` table overflows `usize` or cannot be allocated.
    pub fn stationary(policy: &TabularPolicy, horizon: usize) -> Result<Self, MdpError> {
        if horizon == 0 {
            return Err(MdpError::Empty { what: "steps" });
        }
        let what = "time-indexed policy table";
        let len = table_len(what, &[horizon, policy.log_probs().len()])?;
        let mut log_probs = Vec::new();
        log_probs
            .try_reserve_exact(len)
            .map_err(|_| MdpError::TooLarge {
                what,
                entries: len as f64,
            })?;
        for _ in 0..horizon {
            log_probs.extend_from_slice(policy.log_probs());
        }
        Ok(Self::from_log_probs(
            horizon,
            policy.num_states(),
            policy.num_actions(),
            log_probs,
        ))
    }

    /// The policy `π_t` of step `t` as a stationary [`TabularPolicy`].
    ///
    /// # Panics
    ///
    /// If `t ≥ T`.
    pub fn policy_at(&self, t: usize) -> TabularPolicy {
        TabularPolicy::from_normalised_log_probs(
            self.num_states,
            self.num_actions,
            self.log_probs_at(t).to_vec(),
        )
    }

    /// Horizon `T`.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// Number of states `S`.
    pub fn num_states(&self) -> usize {
        self.num_states
    }

    /// Number of actions `A`.
    pub fn num_actions(&self) -> usize {
        self.num_actions
    }

    /// `ln π_t(· | s)`.
    ///
    /// # Panics
    ///
    /// If `t ≥ T` or `s ≥ S`.
    pub fn log_probs(&self, t: usize, s: usize) -> &[f64] {
        assert!(
            t < self.horizon && s < self.num_states,
            "(t, s) out of range"
        );
        let i = (t * self.num_states + s) * self.num_actions;
        &self.log_probs[i..i + self.num_actions]
    }

    /// `π_t(a | s)`.
    ///
    /// # Panics
    ///
    /// If `t`, `s` or `a` is out of range.
    pub fn prob(&self, t: usize, s: usize, a: usize) -> f64 {
        self.log_probs(t, s)[a].exp()
    }

    /// Samples `a ~ π_t(· | s)` by inverting the cumulative distribution with one uniform
    /// draw scaled by the row's sum (which is within the normalisation tolerance of 1), so
    /// an action of probability zero is never drawn; a rounding remainder goes to the last
    /// action of positive probability. The same rule as [`TabularPolicy::sample_action`].
    ///
    /// # Panics
    ///
    /// If `t ≥ T` or `s ≥ S`.
    pub fn sample_action<R: Rng + ?Sized>(&self, t: usize, s: usize, rng: &mut R) -> usize {
        let log_probs = self.log_probs(t, s);
        inverse_cdf_index(log_probs.len(), |a| log_probs[a].exp(), rng.random())
    }

    /// All log-probabilities at step `t`, flat `s · A + a`.
    ///
    /// # Panics
    ///
    /// If `t ≥ T`.
    pub fn log_probs_at(&self, t: usize) -> &[f64] {
        assert!(t < self.horizon, "t out of range");
        let n = self.num_states * self.num_actions;
        &self.log_probs[t * n..(t + 1) * n]
    }
}
