//! A stochastic policy over a finite state and action set, stored with its log-probabilities.

use crate::numerics::inversion::inverse_cdf_index;
use rand::{Rng, RngExt};

use crate::distributions::distribution_error::NORMALISATION_TOLERANCE;
use crate::tabular::mdp_error::{MdpError, check_len, table_len, try_filled};

/// A stochastic policy `π(a | s)` on `S` states and `A` actions.
///
/// Log-probabilities are stored alongside the probabilities, so that the entropy term
/// `−α ln π(a | s)` of a soft value keeps its precision for actions whose probability has
/// underflowed (a Boltzmann policy at small `α`); `π(a | s) = 0` has `ln π = −∞` and
/// contributes `0 · ln 0 = 0` to entropies. Tables are flat, row-major: `(s, a)` is at
/// `s · A + a`.
///
/// # Errors
///
/// Constructors reject a negative or non-finite probability, a NaN or `+∞`
/// log-probability ([`MdpError::InvalidPolicyProbability`]), and a state whose
/// probabilities do not sum to one within
/// [`NORMALISATION_TOLERANCE`](crate::NORMALISATION_TOLERANCE)
/// ([`MdpError::PolicyNotNormalised`]), naming the state and action.
///
/// # Examples
///
/// ```
/// use maxent_rl::TabularPolicy;
/// let pi = TabularPolicy::from_probs(2, 2, vec![0.5, 0.5, 1.0, 0.0])?;
/// assert!((pi.entropy(0) - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(pi.entropy(1), 0.0);
/// assert_eq!(pi.log_prob(1, 1), f64::NEG_INFINITY);
/// # Ok::<(), maxent_rl::MdpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TabularPolicy {
    num_states: usize,
    num_actions: usize,
    probs: Vec<f64>,
    log_probs: Vec<f64>,
}

impl TabularPolicy {
    /// A policy from probabilities `probs[s · A + a] = π(a | s)`.
    ///
    /// # Errors
    ///
    /// See the type's documentation; also [`MdpError::Empty`] for no states or actions,
    /// [`MdpError::DimensionMismatch`] unless there are `S · A` entries, and
    /// [`MdpError::TooLarge`] if `S · A` overflows `usize`.
    pub fn from_probs(
        num_states: usize,
        num_actions: usize,
        probs: Vec<f64>,
    ) -> Result<Self, MdpError> {
        check_shape(num_states, num_actions, probs.len())?;
        if let Some(i) = probs.iter().position(|p| !(p.is_finite() && *p >= 0.0)) {
            return Err(MdpError::InvalidPolicyProbability {
                s: i / num_actions,
                a: i % num_actions,
                value: probs[i],
            });
        }
        check_rows(&probs, num_actions)?;
        let log_probs = probs.iter().map(|p| p.ln()).collect();
        Ok(Self {
            num_states,
            num_actions,
            probs,
            log_probs,
        })
    }

    /// A policy from log-probabilities `log_probs[s · A + a] = ln π(a | s)` (`−∞` for an
    /// action never taken).
    ///
    /// # Errors
    ///
    /// See the type's documentation; also [`MdpError::Empty`] for no states or actions,
    /// [`MdpError::DimensionMismatch`] unless there are `S · A` entries, and
    /// [`MdpError::TooLarge`] if `S · A` overflows `usize`.
    pub fn from_log_probs(
        num_states: usize,
        num_actions: usize,
        log_probs: Vec<f64>,
    ) -> Result<Self, MdpError> {
        check_shape(num_states, num_actions, log_probs.len())?;
        if let Some(i) = log_probs
            .iter()
            .position(|lp| lp.is_nan() || *lp == f64::INFINITY)
        {
            return Err(MdpError::InvalidPolicyProbability {
                s: i / num_actions,
                a: i % num_actions,
                value: log_probs[i],
            });
        }
        let probs: Vec<f64> = log_probs.iter().map(|lp| lp.exp()).collect();
        check_rows(&probs, num_actions)?;
        Ok(Self {
            num_states,
            num_actions,
            probs,
            log_probs,
        })
    }

    /// The uniform policy `π(a | s) = 1/A`.
    ///
    /// # Errors
    ///
    /// [`MdpError::Empty`] for no states or no actions; [`MdpError::TooLarge`] if the
    /// `S · A` table overflows `usize` or cannot be allocated.
    pub fn uniform(num_states: usize, num_actions: usize) -> Result<Self, MdpError> {
        let n = table_len("policy table", &[num_states, num_actions])?;
        check_shape(num_states, num_actions, n)?;
        Ok(Self {
            num_states,
            num_actions,
            probs: try_filled("policy table", n, 1.0 / num_actions as f64)?,
            log_probs: try_filled("policy table", n, -(num_actions as f64).ln())?,
        })
    }

    /// The deterministic policy taking `actions[s]` in state `s`.
    ///
    /// # Errors
    ///
    /// [`MdpError::Empty`] for no states (`actions` empty) or `A = 0`;
    /// [`MdpError::ActionOutOfRange`] for `actions[s] ≥ A`; [`MdpError::TooLarge`] if the
    /// `S · A` table overflows `usize` or cannot be allocated.
    pub fn deterministic(num_actions: usize, actions: &[usize]) -> Result<Self, MdpError> {
        let num_states = actions.len();
        let n = table_len("policy table", &[num_states, num_actions])?;
        check_shape(num_states, num_actions, n)?;
        let mut probs = try_filled("policy table", n, 0.0f64)?;
        for (s, &a) in actions.iter().enumerate() {
            if a >= num_actions {
                return Err(MdpError::ActionOutOfRange {
                    s,
                    action: a,
                    num_actions,
                });
            }
            probs[s * num_actions + a] = 1.0;
        }
        let log_probs = probs.iter().map(|p| p.ln()).collect();
        Ok(Self {
            num_states,
            num_actions,
            probs,
            log_probs,
        })
    }

    /// Builds a policy from log-probabilities that the caller guarantees are normalised
    /// (a log-softmax of finite values).
    pub(crate) fn from_normalised_log_probs(
        num_states: usize,
        num_actions: usize,
        log_probs: Vec<f64>,
    ) -> Self {
        let probs = log_probs.iter().map(|lp| lp.exp()).collect();
        Self {
            num_states,
            num_actions,
            probs,
            log_probs,
        }
    }

    /// Number of states.
    pub fn num_states(&self) -> usize {
        self.num_states
    }

    /// Number of actions.
    pub fn num_actions(&self) -> usize {
        self.num_actions
    }

    /// All probabilities, flat (`s · A + a`).
    pub fn probs(&self) -> &[f64] {
        &self.probs
    }

    /// All log-probabilities, flat (`s · A + a`).
    pub fn log_probs(&self) -> &[f64] {
        &self.log_probs
    }

    /// `π(· | s)`.
    ///
    /// # Panics
    ///
    /// If `s ≥ S`.
    pub fn action_probs(&self, s: usize) -> &[f64] {
        &self.probs[s * self.num_actions..(s + 1) * self.num_actions]
    }

    /// `ln π(· | s)`.
    ///
    /// # Panics
    ///
    /// If `s ≥ S`.
    pub fn action_log_probs(&self, s: usize) -> &[f64] {
        &self.log_probs[s * self.num_actions..(s + 1) * self.num_actions]
    }

    /// `π(a | s)`.
    ///
    /// # Panics
    ///
    /// If `s ≥ S` or `a ≥ A`.
    pub fn prob(&self, s: usize, a: usize) -> f64 {
        assert!(a < self.num_actions, "action {a} out of range");
        self.probs[s * self.num_actions + a]
    }

    /// `ln π(a | s)`.
    ///
    /// # Panics
    ///
    /// If `s ≥ S` or `a ≥ A`.
    pub fn log_prob(&self, s: usize, a: usize) -> f64 {
        assert!(a < self.num_actions, "action {a} out of range");
        self.log_probs[s * self.num_actions + a]
    }

    /// Entropy `H(π(· | s)) = −Σ_a π(a | s) ln π(a | s)`, from the stored
    /// log-probabilities, with `0 ln 0 = 0`.
    ///
    /// # Panics
    ///
    /// If `s ≥ S`.
    pub fn entropy(&self, s: usize) -> f64 {
        self.action_probs(s)
            .iter()
            .zip(self.action_log_probs(s))
            .filter(|(p, _)| **p > 0.0)
            .map(|(p, lp)| -p * lp)
            .sum()
    }

    /// Samples `a ~ π(· | s)` by inversion.
    ///
    /// # Panics
    ///
    /// If `s ≥ S`.
    pub fn sample_action<R: Rng + ?Sized>(&self, s: usize, rng: &mut R) -> usize {
        let p = self.action_probs(s);
        inverse_cdf_index(p.len(), |a| p[a], rng.random())
    }

    /// `Err(DimensionMismatch)` unless the policy has the MDP's shape.
    pub(crate) fn check_shape_of(
        &self,
        num_states: usize,
        num_actions: usize,
    ) -> Result<(), MdpError> {
        check_len("policy states", self.num_states, num_states)?;
        check_len("policy actions", self.num_actions, num_actions)
    }
}

fn check_shape(num_states: usize, num_actions: usize, len: usize) -> Result<(), MdpError> {
    if num_states == 0 {
        return Err(MdpError::Empty { what: "states" });
    }
    if num_actions == 0 {
        return Err(MdpError::Empty { what: "actions" });
    }
    check_len(
        "policy",
        len,
        table_len("policy table", &[num_states, num_actions])?,
    )
}

fn check_rows(probs: &[f64], num_actions: usize) -> Result<(), MdpError> {
    for (s, row) in probs.chunks_exact(num_actions).enumerate() {
        let sum: f64 = row.iter().sum();
        if (sum - 1.0).abs() > NORMALISATION_TOLERANCE {
            return Err(MdpError::PolicyNotNormalised { s, sum });
        }
    }
    Ok(())
}
