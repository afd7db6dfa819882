//! A fixed-capacity replay buffer of continuous transitions.

use rand::{Rng, RngExt};

use crate::continuous::lq_error::{LqError, check_finite_input};

/// A ring buffer of transitions `(x, u, r, x')` stored flat, overwriting the oldest once
/// full; minibatches are drawn uniformly with replacement.
///
/// # References
///
/// Lin (1992), *Self-improving reactive agents based on reinforcement learning, planning
/// and teaching*, Machine Learning 8 (experience replay); Mnih et al. (2015), *Human-level
/// control through deep reinforcement learning*, Nature 518 (uniform sampling from a
/// fixed-size buffer).
///
/// # Examples
///
/// ```
/// use maxent_rl::ContinuousReplayBuffer;
/// use rand::SeedableRng;
/// let mut buffer = ContinuousReplayBuffer::new(1, 1, 2);
/// buffer.push(&[0.0], &[1.0], -1.0, &[0.5])?;
/// buffer.push(&[0.5], &[0.0], -0.25, &[0.4])?;
/// buffer.push(&[0.4], &[0.0], -0.16, &[0.3])?; // overwrites the first
/// assert_eq!(buffer.len(), 2);
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let i = buffer.sample_index(&mut rng).expect("not empty");
/// assert!(buffer.reward(i) > -0.3);
/// # Ok::<(), maxent_rl::LqError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousReplayBuffer {
    state_dim: usize,
    action_dim: usize,
    capacity: usize,
    states: Vec<f64>,
    actions: Vec<f64>,
    rewards: Vec<f64>,
    next_states: Vec<f64>,
    len: usize,
    next: usize,
}

impl ContinuousReplayBuffer {
    /// An empty buffer for `capacity` transitions (memory is allocated as it fills, so a
    /// huge capacity costs nothing until it is used). A capacity of 0 is taken as 1.
    pub fn new(state_dim: usize, action_dim: usize, capacity: usize) -> Self {
        Self {
            state_dim,
            action_dim,
            capacity: capacity.max(1),
            states: Vec::new(),
            actions: Vec::new(),
            rewards: Vec::new(),
            next_states: Vec::new(),
            len: 0,
            next: 0,
        }
    }

    /// Number of stored transitions.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` if nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores a transition, overwriting the oldest when full.
    ///
    /// # Errors
    ///
    /// [`LqError::DimensionMismatch`] if `x`, `u` or `next_x` has the wrong length;
    /// [`LqError::NonFinite`] naming the first NaN or infinite entry of `x`, `u`, `r` or
    /// `next_x`; nothing is stored then.
    pub fn push(&mut self, x: &[f64], u: &[f64], r: f64, next_x: &[f64]) -> Result<(), LqError> {
        for (what, len, expected) in [
            ("x", x.len(), self.state_dim),
            ("u", u.len(), self.action_dim),
            ("next_x", next_x.len(), self.state_dim),
        ] {
            if len != expected {
                return Err(LqError::DimensionMismatch {
                    what,
                    expected: (expected, 1),
                    found: (len, 1),
                });
            }
        }
        for (what, xs) in [("x", x), ("u", u), ("r", &[r][..]), ("next_x", next_x)] {
            check_finite_input(what, xs)?;
        }
        if self.len < self.capacity {
            self.states.extend_from_slice(x);
            self.actions.extend_from_slice(u);
            self.rewards.push(r);
            self.next_states.extend_from_slice(next_x);
            self.len += 1;
        } else {
            let i = self.next;
            let (n, m) = (self.state_dim, self.action_dim);
            self.states[i * n..(i + 1) * n].copy_from_slice(x);
            self.actions[i * m..(i + 1) * m].copy_from_slice(u);
            self.rewards[i] = r;
            self.next_states[i * n..(i + 1) * n].copy_from_slice(next_x);
        }
        self.next = (self.next + 1) % self.capacity;
        Ok(())
    }

    /// A uniformly drawn index of a stored transition (`None` if the buffer is empty).
    pub fn sample_index<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<usize> {
        (self.len > 0).then(|| rng.random_range(0..self.len))
    }

    /// State of transition `i`.
    ///
    /// # Panics
    ///
    /// If `i ≥ len()` (indices come from [`ContinuousReplayBuffer::sample_index`]); likewise for the
    /// other accessors.
    pub fn state(&self, i: usize) -> &[f64] {
        &self.states[i * self.state_dim..(i + 1) * self.state_dim]
    }

    /// Action of transition `i`.
    pub fn action(&self, i: usize) -> &[f64] {
        &self.actions[i * self.action_dim..(i + 1) * self.action_dim]
    }

    /// Reward of transition `i`.
    pub fn reward(&self, i: usize) -> f64 {
        self.rewards[i]
    }

    /// Next state of transition `i`.
    pub fn next_state(&self, i: usize) -> &[f64] {
        &self.next_states[i * self.state_dim..(i + 1) * self.state_dim]
    }
}
