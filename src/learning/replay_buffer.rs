//! A fixed-capacity replay buffer with uniform sampling.

use rand::{Rng, RngExt};

use crate::learning::learning_error::{LearningError, check_positive};

/// A first-in-first-out buffer of at most `capacity` items, sampled uniformly with
/// replacement.
///
/// Once full, each push overwrites the oldest item. Sampling draws indices uniformly from
/// the items held, with replacement, as Stable-Baselines3's `ReplayBuffer.sample` and
/// cleanrl (which uses it) do.
///
/// # References
///
/// Lin (1992), *Self-improving reactive agents based on reinforcement learning, planning
/// and teaching* (experience replay); Mnih et al. (2015), *Human-level control through
/// deep reinforcement learning* (the uniform fixed-capacity buffer).
///
/// # Errors
///
/// [`ReplayBuffer::new`] rejects capacity 0; [`ReplayBuffer::sample_indices`] rejects
/// batch size 0, a batch too large to allocate, and an empty buffer. The buffer never
/// allocates more than `capacity` items, however large `capacity` is.
///
/// # Examples
///
/// ```
/// use maxent_rl::ReplayBuffer;
/// use rand::SeedableRng;
/// let mut buffer = ReplayBuffer::new(2)?;
/// for x in [1, 2, 3] {
///     buffer.push(x);
/// }
/// assert_eq!(buffer.len(), 2); // 1 was overwritten
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let batch = buffer.sample(5, &mut rng)?;
/// assert!(batch.iter().all(|&&x| x == 2 || x == 3));
/// # Ok::<(), maxent_rl::LearningError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayBuffer<T> {
    capacity: usize,
    items: Vec<T>,
    next: usize,
}

impl<T> ReplayBuffer<T> {
    /// An empty buffer holding at most `capacity` items.
    ///
    /// # Errors
    ///
    /// [`LearningError::InvalidConfig`] for `capacity = 0`.
    pub fn new(capacity: usize) -> Result<Self, LearningError> {
        check_positive("capacity", capacity)?;
        Ok(Self {
            capacity,
            items: Vec::new(),
            next: 0,
        })
    }

    /// Adds an item, overwriting the oldest one when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() < self.capacity {
            self.items.push(item);
        } else {
            self.items[self.next] = item;
        }
        self.next = (self.next + 1) % self.capacity;
    }

    /// Number of items held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the buffer holds nothing.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The items held, in storage order (not insertion order once it has wrapped).
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// Writes `batch_size` indices drawn uniformly with replacement into `out` (cleared
    /// first), so that a training loop can reuse one allocation.
    ///
    /// # Errors
    ///
    /// [`LearningError::InvalidConfig`] for `batch_size = 0` or a batch of indices that
    /// cannot be allocated (`usize::MAX`); [`LearningError::EmptyBuffer`].
    pub fn sample_indices<R: Rng + ?Sized>(
        &self,
        batch_size: usize,
        rng: &mut R,
        out: &mut Vec<usize>,
    ) -> Result<(), LearningError> {
        check_positive("batch_size", batch_size)?;
        if self.items.is_empty() {
            return Err(LearningError::EmptyBuffer);
        }
        out.clear();
        out.try_reserve(batch_size)
            .map_err(|_| LearningError::InvalidConfig {
                what: "batch_size",
                value: batch_size as f64,
                expected: "small enough to allocate",
            })?;
        let n = self.items.len();
        out.extend((0..batch_size).map(|_| rng.random_range(0..n)));
        Ok(())
    }

    /// `batch_size` items drawn uniformly with replacement.
    ///
    /// # Errors
    ///
    /// As [`ReplayBuffer::sample_indices`].
    pub fn sample<R: Rng + ?Sized>(
        &self,
        batch_size: usize,
        rng: &mut R,
    ) -> Result<Vec<&T>, LearningError> {
        let mut idx = Vec::new();
        self.sample_indices(batch_size, rng, &mut idx)?;
        Ok(idx.into_iter().map(|i| &self.items[i]).collect())
    }
}
