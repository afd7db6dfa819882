//! A finite-horizon policy `π_t(a | s)`, `t = 0, …, T−1`.

use rand::{Rng, RngExt};

/// A time-indexed stochastic policy `π_t(a | s)` for a horizon of `T` steps, stored as
/// log-probabilities, flat: entry `(t, s, a)` is at `(t · S + s) · A + a`.
///
/// The finite-horizon solutions of maximum-entropy models are time-indexed: with `k` steps
/// to go the agent weighs the future differently than with `k + 1`.
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
    /// draw (the last action takes any rounding remainder).
    ///
    /// # Panics
    ///
    /// If `t ≥ T` or `s ≥ S`.
    pub fn sample_action<R: Rng + ?Sized>(&self, t: usize, s: usize, rng: &mut R) -> usize {
        let u: f64 = rng.random();
        let log_probs = self.log_probs(t, s);
        let mut acc = 0.0;
        for (a, lp) in log_probs.iter().enumerate() {
            acc += lp.exp();
            if u < acc {
                return a;
            }
        }
        self.num_actions - 1
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
